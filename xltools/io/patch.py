"""Apply an EditSet to a workbook file by patching its package in place.

openpyxl rebuilds a workbook from what it understands and drops the rest (form-control buttons, shapes,
VML). This writer never rebuilds: every zip member is copied unchanged except the few an edit must change —

- the edited sheets' XML (cell values, style indexes, a `<legacyDrawing>` when the first note arrives);
- ``styles.xml`` when a mark needs a fill (one `<fill>` per colour, one cloned `<xf>` per (style, colour));
- the sheet's comments part and its VML drawing for notes (a VML that also holds buttons keeps their shapes
  byte for byte; the note shapes are spliced in and out as text);
- ``workbook.xml``, its rels and ``[Content_Types].xml`` when a sheet is added, replaced or removed;
- ``calcChain.xml`` is dropped (with its rel and content type) when a formula was overwritten or a sheet
  removed — Excel rebuilds it silently, whereas a stale entry makes it offer a repair.

Marks. A mark swaps the cell's style for a clone that differs only in its fill. The original is recorded
in the hidden ``_xltools`` sheet (created ``veryHidden`` in a foreign workbook) as a row
``mark:<sheet>!<cell>`` → ``{"s": <original style index>, "fill": "<fill … original fill XML>"}``.
Clearing restores the original style index when that style still is the original (the usual case); when
Excel has renumbered the styles or a person restyled the cell meanwhile, only the fill is put back (the fill
XML is the part of the record that survives renumbering); when the person changed the fill itself, it is left
alone. A mark with no record (written by the openpyxl adapter) is cleared to no fill, as that adapter does.

Notes are legacy comments with author ``xltools``. A cell that already carries someone else's comment keeps
it and gets no note (a cell holds one comment); ``note=""`` removes only the tool's own note.

Text is written as inline strings, so a value starting with = + - @ stays text and never becomes a formula.
"""
from __future__ import annotations

import copy
import datetime as _dt
import json
import math
import posixpath
import re
import struct
import zipfile
from bisect import bisect_left
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote, unquote

from xltools.edits import MARK_FILLS, Edit, EditSet, ResultSheet
from xltools.text import looks_like_formula
from xltools.errors import UnreadableWorkbook
from xltools.io.safety import check_file
from xltools.io.writers import atomic_write

NOTE_AUTHOR = "xltools"
META_SHEET = "_xltools"          # == xltools.parse.META_SHEET (a test keeps them equal)
MARK_KEY = "mark:"
LINK_COLOUR = "0563C1"
HEADER_FILL = "D9E1F2"

# ---------------------------------------------------------------------------------------------- namespaces
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
XML_NS = "http://www.w3.org/XML/1998/namespace"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"

RT_OFFICE_DOC = R_NS + "/officeDocument"
RT_WORKSHEET = R_NS + "/worksheet"
RT_STYLES = R_NS + "/styles"
RT_SST = R_NS + "/sharedStrings"
RT_COMMENTS = R_NS + "/comments"
RT_VML = R_NS + "/vmlDrawing"
RT_CALC_CHAIN = R_NS + "/calcChain"

CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"

VML_V = "urn:schemas-microsoft-com:vml"
VML_O = "urn:schemas-microsoft-com:office:office"
VML_X = "urn:schemas-microsoft-com:office:excel"

# CT_Worksheet's child sequence: new children are inserted where the schema wants them.
_SHEET_ORDER = ("sheetPr dimension sheetViews sheetFormatPr cols sheetData sheetCalcPr sheetProtection "
                "protectedRanges scenarios autoFilter sortState dataConsolidate customSheetViews mergeCells "
                "phoneticPr conditionalFormatting dataValidations hyperlinks printOptions pageMargins pageSetup "
                "headerFooter rowBreaks colBreaks customProperties cellWatches ignoredErrors smartTags drawing "
                "legacyDrawing legacyDrawingHF drawingHF picture oleObjects controls webPublishItems tableParts "
                "extLst").split()
_WORKBOOK_ORDER = ("fileVersion fileSharing workbookPr workbookProtection bookViews sheets functionGroups "
                   "externalReferences definedNames calcPr oleSize customWorkbookViews pivotCaches smartTagPr "
                   "smartTagTypes webPublishing fileRecoveryPr webPublishObjects extLst").split()

_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?([1-9]\d{0,6})$")
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPED_X = re.compile("_x[0-9A-Fa-f]{4}_")
_FORMULA_TAG = re.compile(rb"<(?:[\w.-]+:)?f[\s>/]")


def _etree():
    from lxml import etree

    return etree


def _parser():
    etree = _etree()
    return etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)


# ---------------------------------------------------------------------------------------------- small helpers
def col_letter(n: int) -> str:
    """1 → A, 27 → AA."""
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def col_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def split_ref(ref: str) -> tuple[int, int]:
    """"B12" → (12, 2), 1-based row and column."""
    m = _REF.match(ref.strip())
    if not m:
        raise ValueError(f"不是单元格地址：{ref!r}")
    return int(m.group(2)), col_number(m.group(1))


def _local(tag) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def _ooxml_text(s: str) -> str:
    """Text as an ST_Xstring: `_xHHHH_` escapes for characters XML cannot carry (and for literal escapes)."""
    if "_x" in s:
        s = _ESCAPED_X.sub(lambda m: "_x005F" + m.group(0), s)
    if _ILLEGAL_XML.search(s):
        s = _ILLEGAL_XML.sub(lambda m: f"_x{ord(m.group()):04X}_", s)
    return s


def _needs_preserve(s: str) -> bool:
    return bool(s) and (s[0].isspace() or s[-1].isspace() or "\n" in s or "\t" in s or "  " in s)


def _esc(s: str, quote_char: bool = False) -> str:
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if quote_char:
        s = s.replace('"', "&quot;")
    return s


def _sheet_ref(name: str) -> str:
    """A sheet name as it appears in a formula or a hyperlink location: always quoted."""
    return "'" + name.replace("'", "''") + "'"


def _key(el) -> tuple:
    """A structural identity of an element: tag, attributes (any order), children, text."""
    return (el.tag, tuple(sorted(el.attrib.items())), (el.text or "").strip(),
            tuple(_key(c) for c in el if isinstance(c.tag, str)))


def _plain_xml(el) -> str:
    """An element as namespace-free XML text (what a mark record keeps of the original fill)."""
    attrs = "".join(f' {_local(k)}="{_esc(v, True)}"' for k, v in el.attrib.items())
    inner = _esc(el.text or "") + "".join(_plain_xml(c) for c in el if isinstance(c.tag, str))
    name = _local(el.tag)
    return f"<{name}{attrs}>{inner}</{name}>" if inner else f"<{name}{attrs}/>"


def rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _number_text(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"无法写入非有限数值 {value!r}")
        return repr(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"无法写入非有限数值 {value!r}")
        return str(value)
    raise TypeError(value)


def _date_serial(value, date1904: bool) -> float:
    if isinstance(value, _dt.datetime):
        base = _dt.datetime(1904, 1, 1) if date1904 else _dt.datetime(1899, 12, 30)
        delta = value.replace(tzinfo=None) - base
        return delta.days + delta.seconds / 86400 + delta.microseconds / 86400e6
    if isinstance(value, _dt.date):
        base = _dt.date(1904, 1, 1) if date1904 else _dt.date(1899, 12, 30)
        return float((value - base).days)
    if isinstance(value, _dt.time):
        return (value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 86400
    raise TypeError(value)


# ---------------------------------------------------------------------------------------------- the package
class _Package:
    """The zip, read lazily; parts are changed, added or removed, then written in the original order."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.zf = zipfile.ZipFile(path)
        self.infos = self.zf.infolist()
        self.names = {i.filename for i in self.infos}
        self.original = set(self.names)
        self._bytes: dict[str, bytes] = {}     # changed or added, as bytes
        self._trees: dict[str, object] = {}    # parsed parts
        self._dirty: set[str] = set()          # parsed parts that were changed
        self._decl: dict[str, tuple[bool, bool | None]] = {}
        self.added: list[str] = []
        self.removed: set[str] = set()

    def exists(self, name: str) -> bool:
        return name in self.names

    def free_name(self, pattern: str) -> str:
        """The first pattern.format(n) no part has, nor had before this run."""
        n = 1
        while pattern.format(n) in self.names or pattern.format(n) in self.removed:
            n += 1
        return pattern.format(n)

    def read(self, name: str) -> bytes:
        if name in self._dirty:
            return self._serialise(name)
        if name in self._bytes:
            return self._bytes[name]
        return self.zf.read(name)

    def view(self, name: str):
        """The parsed root of a part (changes to it are written only after touch())."""
        if name not in self._trees:
            etree = _etree()
            data = self.read(name)
            try:
                root = etree.fromstring(data, _parser())
            except etree.XMLSyntaxError:
                raise UnreadableWorkbook(
                    f"“{self.path.name}” 内部的 {name} 已损坏，无法写入。请在 Excel 中打开并另存后再试。",
                    path=self.path) from None
            head = data[:200]
            sa = re.search(rb"standalone\s*=\s*[\"'](yes|no)", head) if head.lstrip()[:5] == b"<?xml" else None
            self._decl[name] = (head.lstrip()[:5] == b"<?xml", (sa.group(1) == b"yes") if sa else None)
            self._trees[name] = root
        return self._trees[name]

    def edit(self, name: str):
        root = self.view(name)
        self._dirty.add(name)
        return root

    def touch(self, name: str) -> None:
        self._dirty.add(name)

    def set_bytes(self, name: str, data: bytes) -> None:
        self._trees.pop(name, None)
        self._dirty.discard(name)
        self._bytes[name] = data
        self._register(name)

    def _register(self, name: str) -> None:
        """A new part; one that replaces a removed part of the same name is written in its place."""
        self.names.add(name)
        self.removed.discard(name)
        if name not in self.original and name not in self.added:
            self.added.append(name)

    def add_tree(self, name: str, root, standalone: bool = True) -> None:
        self._bytes.pop(name, None)
        self._trees[name] = root
        self._decl[name] = (True, standalone)
        self._dirty.add(name)
        self._register(name)

    def remove(self, name: str) -> None:
        if name in self.names:
            self.names.discard(name)
            self.removed.add(name)
        self._bytes.pop(name, None)
        self._trees.pop(name, None)
        self._dirty.discard(name)
        if name in self.added:
            self.added.remove(name)

    def _serialise(self, name: str) -> bytes:
        etree = _etree()
        root = self._trees[name]
        decl, standalone = self._decl.get(name, (True, True))
        if decl:
            return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8",
                                  standalone=standalone)
        return etree.tostring(root.getroottree(), encoding="UTF-8")

    def changed(self) -> set[str]:
        return (set(self._bytes) | self._dirty | set(self.added)) & self.names

    def write(self, target: Path) -> None:
        try:
            with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
                changed = self.changed()
                for info in self.infos:
                    name = info.filename
                    if name not in self.names:
                        continue
                    if name not in changed and self._copy_raw(info, out):
                        continue
                    zi = zipfile.ZipInfo(name, date_time=info.date_time)
                    zi.compress_type = info.compress_type
                    zi.external_attr = info.external_attr
                    zi.create_system = info.create_system
                    zi.comment = info.comment
                    out.writestr(zi, self.read(name) if name in changed else self.zf.read(info))
                now = _dt.datetime.now().timetuple()[:6]
                for name in self.added:
                    zi = zipfile.ZipInfo(name, date_time=now)
                    zi.compress_type = zipfile.ZIP_DEFLATED
                    out.writestr(zi, self.read(name))
        finally:
            self.close()

    def close(self) -> None:
        self.zf.close()

    def _copy_raw(self, info: zipfile.ZipInfo, out: zipfile.ZipFile) -> bool:
        """Copy a member's compressed bytes as they are (no inflate / deflate): the part stays bit-identical and
        the copy is cheap. Only for plain members (stored or deflated, not encrypted, no zip64); anything else
        is copied the ordinary way (returns False)."""
        if (info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 0x1
                or info.file_size >= 0x7FFFFFFF or info.compress_size >= 0x7FFFFFFF
                or info.header_offset >= 0x7FFFFFFF or not hasattr(out, "start_dir")):
            return False
        fp = self.zf.fp
        fp.seek(info.header_offset)
        header = fp.read(zipfile.sizeFileHeader)
        if len(header) != zipfile.sizeFileHeader or header[:4] != zipfile.stringFileHeader:
            return False
        fields = struct.unpack(zipfile.structFileHeader, header)
        fp.seek(info.header_offset + zipfile.sizeFileHeader + fields[10] + fields[11])
        raw = fp.read(info.compress_size)
        if len(raw) != info.compress_size:
            return False
        zi = zipfile.ZipInfo(info.filename, date_time=info.date_time)
        zi.compress_type = info.compress_type
        zi.external_attr = info.external_attr
        zi.create_system = info.create_system
        zi.comment = info.comment
        zi.flag_bits = info.flag_bits & ~0x08 & 0x0806      # sizes go in the header; keep utf-8 name, deflate level
        zi.CRC, zi.compress_size, zi.file_size = info.CRC, info.compress_size, info.file_size
        zi.header_offset = out.fp.tell()
        out.fp.write(zi.FileHeader(False))
        out.fp.write(raw)
        out.filelist.append(zi)
        out.NameToInfo[zi.filename] = zi
        out.start_dir = out.fp.tell()
        return True


class _Rels:
    """One .rels part: relationship id → (type, target part or external target)."""

    def __init__(self, pkg: _Package, source: str) -> None:
        self.pkg = pkg
        self.source = source
        self.path = rels_path(source) if source else "_rels/.rels"
        self.base = posixpath.dirname(source)
        self.root = pkg.view(self.path) if pkg.exists(self.path) else None

    def _resolve(self, el) -> str | None:
        if el.get("TargetMode") == "External":
            return None
        target = unquote(el.get("Target", ""))
        if target.startswith("/"):
            return posixpath.normpath(target.lstrip("/"))
        return posixpath.normpath(posixpath.join(self.base, target))

    def items(self):
        if self.root is None:
            return
        for el in self.root:
            if _local(el.tag) == "Relationship":
                yield el.get("Id"), el.get("Type", ""), self._resolve(el), el

    def target(self, rid: str) -> str | None:
        for i, _t, part, _el in self.items():
            if i == rid:
                return part
        return None

    def by_type(self, rtype: str) -> list[tuple[str, str | None]]:
        return [(i, p) for i, t, p, _el in self.items() if t == rtype]

    def add(self, rtype: str, part: str) -> str:
        etree = _etree()
        if self.root is None:
            self.root = etree.Element(f"{{{PKG_RELS}}}Relationships", nsmap={None: PKG_RELS})
            self.pkg.add_tree(self.path, self.root)
        ids = {i for i, *_ in self.items()}
        n = len(ids) + 1
        while f"rId{n}" in ids:
            n += 1
        rid = f"rId{n}"
        target = quote(posixpath.relpath(part, self.base or "."), safe="/._-~!$&'()*+,;=:@")
        etree.SubElement(self.root, f"{{{PKG_RELS}}}Relationship", Id=rid, Type=rtype, Target=target)
        self.pkg.touch(self.path)
        return rid

    def remove(self, rid: str) -> None:
        for i, _t, _p, el in list(self.items()):
            if i == rid:
                self.root.remove(el)
                self.pkg.touch(self.path)
        if self.root is not None and not len(self.root):
            self.pkg.remove(self.path)
            self.root = None


class _ContentTypes:
    NAME = "[Content_Types].xml"

    def __init__(self, pkg: _Package) -> None:
        self.pkg = pkg
        self.root = pkg.view(self.NAME)

    def override(self, part: str, ctype: str) -> None:
        name = "/" + part
        for el in self.root:
            if _local(el.tag) == "Override" and el.get("PartName", "").lower() == name.lower():
                if el.get("ContentType") != ctype:
                    el.set("ContentType", ctype)
                    self.pkg.touch(self.NAME)
                return
        _etree().SubElement(self.root, f"{{{CT_NS}}}Override", PartName=name, ContentType=ctype)
        self.pkg.touch(self.NAME)

    def default(self, ext: str, ctype: str) -> None:
        for el in self.root:
            if _local(el.tag) == "Default" and el.get("Extension", "").lower() == ext.lower():
                return
        el = _etree().Element(f"{{{CT_NS}}}Default", Extension=ext, ContentType=ctype)
        defaults = [c for c in self.root if _local(c.tag) == "Default"]
        if defaults:
            defaults[-1].addnext(el)
        else:
            self.root.insert(0, el)
        self.pkg.touch(self.NAME)

    def drop(self, part: str) -> None:
        name = "/" + part
        for el in list(self.root):
            if _local(el.tag) == "Override" and el.get("PartName", "").lower() == name.lower():
                self.root.remove(el)
                self.pkg.touch(self.NAME)


def _insert_ordered(parent, el, order: list[str]) -> None:
    """Insert el among parent's children where the schema sequence `order` puts it."""
    want = order.index(_local(el.tag))
    for child in parent:
        name = _local(child.tag)
        if name == "AlternateContent":      # mc:AlternateContent holds controls / oleObjects in a worksheet
            inner = [g for ch in child for g in ch if isinstance(g.tag, str)]
            name = _local(inner[0].tag) if inner else ""
        if name in order and order.index(name) > want:
            child.addprevious(el)
            return
    parent.append(el)


# ---------------------------------------------------------------------------------------------- styles
class _Styles:
    def __init__(self, pkg: _Package, part: str) -> None:
        self.pkg, self.part = pkg, part
        self.root = pkg.view(part)
        self.ns = _etree().QName(self.root).namespace
        self._xf_index: dict[tuple, int] | None = None
        self._cache: dict[tuple, int] = {}

    def q(self, tag: str) -> str:
        return f"{{{self.ns}}}{tag}"

    def _section(self, name: str):
        el = self.root.find(self.q(name))
        if el is None:
            el = _etree().Element(self.q(name), count="0")
            order = ["numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs",
                     "tableStyles", "colors", "extLst"]
            _insert_ordered(self.root, el, order)
        return el

    @property
    def xfs(self):
        return self._section("cellXfs")

    @property
    def fills(self):
        return self._section("fills")

    @property
    def fonts(self):
        return self._section("fonts")

    def xf(self, i: int):
        xfs = [x for x in self.xfs if _local(x.tag) == "xf"]
        if 0 <= i < len(xfs):
            return xfs[i]
        if xfs:
            return xfs[0]
        return _etree().Element(self.q("xf"), numFmtId="0", fontId="0", fillId="0", borderId="0", xfId="0")

    def n_xfs(self) -> int:
        return sum(1 for x in self.xfs if _local(x.tag) == "xf")

    def _append(self, section, el) -> int:
        section.append(el)
        n = sum(1 for x in section if isinstance(x.tag, str))
        section.set("count", str(n))
        self.pkg.touch(self.part)
        return n - 1

    # fills ----------------------------------------------------------------------------------------------
    def fill(self, i: int):
        fills = [f for f in self.fills if _local(f.tag) == "fill"]
        return fills[i] if 0 <= i < len(fills) else None

    def fill_xml(self, i: int) -> str:
        f = self.fill(i)
        return _plain_xml(f) if f is not None else ""

    def solid_colour(self, fill_id: int) -> str | None:
        """The RGB (6 hex digits, upper case) of a solid fill, else None."""
        f = self.fill(fill_id)
        if f is None:
            return None
        pf = f.find(self.q("patternFill"))
        if pf is None or pf.get("patternType") != "solid":
            return None
        fg = pf.find(self.q("fgColor"))
        rgb = fg.get("rgb") if fg is not None else None
        return rgb[-6:].upper() if rgb else None

    def mark_colour(self, xf: int) -> str | None:
        colour = self.solid_colour(int(self.xf(xf).get("fillId", "0")))
        return colour if colour in MARK_FILLS.values() else None

    def solid_fill(self, rgb: str) -> int:
        rgb = rgb.upper()
        key = ("solid", rgb)
        if key in self._cache:
            return self._cache[key]
        for i, f in enumerate(x for x in self.fills if _local(x.tag) == "fill"):
            if self.solid_colour(i) == rgb and len(f) == 1:
                self._cache[key] = i
                return i
        etree = _etree()
        f = etree.Element(self.q("fill"))
        pf = etree.SubElement(f, self.q("patternFill"), patternType="solid")
        etree.SubElement(pf, self.q("fgColor"), rgb="FF" + rgb)
        etree.SubElement(pf, self.q("bgColor"), indexed="64")
        i = self._append(self.fills, f)
        self._cache[key] = i
        return i

    def fill_from_xml(self, xml: str) -> int:
        if not xml:
            return 0
        etree = _etree()
        try:
            el = etree.fromstring(xml.encode("utf-8"), _parser())
        except etree.XMLSyntaxError:
            return 0
        if etree.QName(el).namespace != self.ns:
            for e in el.iter():
                if isinstance(e.tag, str):
                    e.tag = self.q(_local(e.tag))
        want = _key(el)
        for i, f in enumerate(x for x in self.fills if _local(x.tag) == "fill"):
            if _key(f) == want:
                return i
        return self._append(self.fills, el)

    # fonts ----------------------------------------------------------------------------------------------
    def font_variant(self, base: int, *, bold: bool = False, link: bool = False) -> int:
        etree = _etree()
        fonts = [f for f in self.fonts if _local(f.tag) == "font"]
        f = copy.deepcopy(fonts[base]) if 0 <= base < len(fonts) else etree.Element(self.q("font"))
        if bold:
            for b in f.findall(self.q("b")):
                f.remove(b)
            f.insert(0, etree.Element(self.q("b")))
        if link:
            for t in ("u", "color"):
                for x in f.findall(self.q(t)):
                    f.remove(x)
            f.insert(0, etree.Element(self.q("u")))
            f.insert(1, etree.Element(self.q("color"), rgb="FF" + LINK_COLOUR))
        want = _key(f)
        for i, g in enumerate(fonts):
            if _key(g) == want:
                return i
        return self._append(self.fonts, f)

    # xfs ------------------------------------------------------------------------------------------------
    def find_or_add_xf(self, xf) -> int:
        if self._xf_index is None:
            self._xf_index = {}
            for i, x in enumerate(x for x in self.xfs if _local(x.tag) == "xf"):
                self._xf_index.setdefault(_key(x), i)
        k = _key(xf)
        if k in self._xf_index:
            return self._xf_index[k]
        i = self._append(self.xfs, xf)
        self._xf_index[k] = i
        return i

    def variant(self, base: int, **attrs) -> int:
        """The index of an xf equal to xf[base] with the given attributes (cached)."""
        key = (base, tuple(sorted(attrs.items())))
        if key not in self._cache:
            xf = copy.deepcopy(self.xf(base))
            for k, v in attrs.items():
                if v is None:
                    xf.attrib.pop(k, None)
                else:
                    xf.set(k, str(v))
            self._cache[key] = self.find_or_add_xf(xf)
        return self._cache[key]

    def with_fill(self, base: int, fill_id: int) -> int:
        return self.variant(base, fillId=fill_id, applyFill=1 if fill_id else None)

    def same_but_fill(self, a: int, b: int) -> bool:
        def k(i):
            x = copy.deepcopy(self.xf(i))
            x.attrib.pop("fillId", None)
            x.attrib.pop("applyFill", None)
            return _key(x)

        return k(a) == k(b)

    def num_fmt(self, xf: int) -> int:
        return int(self.xf(xf).get("numFmtId", "0"))


# ---------------------------------------------------------------------------------------------- a worksheet
class _Sheet:
    def __init__(self, pkg: _Package, name: str, part: str) -> None:
        self.pkg, self.name, self.part = pkg, name, part
        self.root = pkg.view(part)
        self.ns = _etree().QName(self.root).namespace
        self.is_worksheet = _local(self.root.tag) == "worksheet"
        self._rows: dict[int, object] | None = None
        self._row_keys: list[int] = []
        self._col_styles: list[tuple[int, int, int]] | None = None
        self._arrays: list | None = None
        self.rels = _Rels(pkg, part)

    def q(self, tag: str) -> str:
        return f"{{{self.ns}}}{tag}"

    def touch(self) -> None:
        self.pkg.touch(self.part)

    @property
    def sheet_data(self):
        sd = self.root.find(self.q("sheetData"))
        if sd is None:
            sd = _etree().Element(self.q("sheetData"))
            _insert_ordered(self.root, sd, _SHEET_ORDER)
            self.touch()
        return sd

    def _index(self) -> None:
        if self._rows is not None:
            return
        rows: dict[int, object] = {}
        implicit = False
        n = 0
        for row in self.sheet_data:
            if _local(row.tag) != "row":
                continue
            r = row.get("r")
            if r is None:
                implicit = True
                n += 1
            else:
                n = int(r)
            rows[n] = row
        if implicit:        # give every row its number so that inserting one cannot renumber the others
            for r, row in rows.items():
                row.set("r", str(r))
            self.touch()
        self._rows = rows
        self._row_keys = sorted(rows)

    def rows(self) -> dict[int, object]:
        self._index()
        return self._rows

    def _cells(self, row) -> list[tuple[int, object]]:
        out = []
        n = 0
        implicit = False
        r = row.get("r")
        for c in row:
            if _local(c.tag) != "c":
                continue
            ref = c.get("r")
            if ref is None:
                implicit = True
                n += 1
            else:
                n = split_ref(ref)[1]
            out.append((n, c))
        if implicit:
            for n, c in out:
                c.set("r", f"{col_letter(n)}{r}")
            self.touch()
        return out

    def cell(self, r: int, c: int):
        """The <c> element, created (in order, with the style Excel would show there) when absent."""
        etree = _etree()
        rows = self.rows()
        row = rows.get(r)
        if row is None:
            row = etree.Element(self.q("row"), r=str(r))
            i = bisect_left(self._row_keys, r)
            if i < len(self._row_keys):
                rows[self._row_keys[i]].addprevious(row)
            else:
                self.sheet_data.append(row)
            rows[r] = row
            self._row_keys.insert(i, r)
            self.touch()
        cells = self._cells(row)
        for n, cell in cells:
            if n == c:
                return cell
        cell = etree.Element(self.q("c"), r=f"{col_letter(c)}{r}")
        style = self.default_style(row, c)
        if style:
            cell.set("s", str(style))
        after = [x for n, x in cells if n > c]
        if after:
            after[0].addprevious(cell)
        elif cells:
            cells[-1][1].addnext(cell)
        else:
            ext = row.find(self.q("extLst"))
            if ext is not None:
                ext.addprevious(cell)
            else:
                row.append(cell)
        self._widen(row, r, c)
        self.touch()
        return cell

    def default_style(self, row, c: int) -> int:
        if row.get("customFormat") in ("1", "true") and row.get("s"):
            return int(row.get("s"))
        if self._col_styles is None:
            self._col_styles = []
            cols = self.root.find(self.q("cols"))
            if cols is not None:
                for col in cols:
                    if col.get("style"):
                        self._col_styles.append((int(col.get("min", "0")), int(col.get("max", "0")),
                                                 int(col.get("style"))))
        for lo, hi, s in self._col_styles:
            if lo <= c <= hi:
                return s
        return 0

    def _widen(self, row, r: int, c: int) -> None:
        spans = row.get("spans")
        if spans and ":" in spans and " " not in spans:
            lo, hi = (int(x) for x in spans.split(":"))
            if not lo <= c <= hi:
                row.set("spans", f"{min(lo, c)}:{max(hi, c)}")
        dim = self.root.find(self.q("dimension"))
        if dim is None:
            return
        ref = dim.get("ref", "")
        try:
            parts = [split_ref(p) for p in ref.split(":")]
        except ValueError:
            return
        (r0, c0), (r1, c1) = parts[0], parts[-1]
        nr0, nc0, nr1, nc1 = min(r0, r), min(c0, c), max(r1, r), max(c1, c)
        if (nr0, nc0, nr1, nc1) != (r0, c0, r1, c1):
            dim.set("ref", f"{col_letter(nc0)}{nr0}:{col_letter(nc1)}{nr1}")

    def array_anchor_over(self, r: int, c: int):
        """The <f t="array"> whose range covers (r, c), if any."""
        if self._arrays is None:
            self._arrays = [f for f in self.sheet_data.iter(self.q("f")) if f.get("t") in ("array", "dataTable")]
        for f in self._arrays:
            ref = f.get("ref") or f.getparent().get("r")
            try:
                ends = [split_ref(p) for p in ref.split(":")]
            except (ValueError, AttributeError):
                continue
            (r0, c0), (r1, c1) = ends[0], ends[-1]
            if r0 <= r <= r1 and c0 <= c <= c1:
                return f
        return None

    def forget_array(self, f) -> None:
        if self._arrays is not None and f in self._arrays:
            self._arrays.remove(f)


# ---------------------------------------------------------------------------------------------- notes
_VML_TAG = re.compile(rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>"
                      rb"|<(/?)([A-Za-z_][\w.:-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*?)(/?)>", re.S)
_NOTE = re.compile(rb"<(?:[\w.-]+:)?ClientData\b[^>]*ObjectType\s*=\s*[\"']Note[\"']")
_ROW = re.compile(rb"<(?:[\w.-]+:)?Row>\s*(\d+)\s*</")
_COL = re.compile(rb"<(?:[\w.-]+:)?Column>\s*(\d+)\s*</")
_SHAPE_ID = re.compile(rb"_x0000_s(\d+)")
_IDMAP = re.compile(rb"<(?:[\w.-]+:)?idmap\b[^>]*\bdata\s*=\s*[\"']([\d,\s]*)[\"']")
_T202 = re.compile(rb"<(?:[\w.-]+:)?shapetype\b[^>]*\bid\s*=\s*[\"']_x0000_t202[\"']")


def _vml_children(data: bytes):
    """(end of the root start tag, start of the root end tag, [(start, end, local name)]) of a VML part."""
    depth = 0
    root_open = root_close = None
    children = []
    start = name = None
    for m in _VML_TAG.finditer(data):
        if m.group(2) is None:          # comment, CDATA, PI
            continue
        closing, tag, _attrs, empty = m.group(1), m.group(2), m.group(3), m.group(4)
        local = tag.rsplit(b":", 1)[-1].decode("ascii", "replace")
        if local.lower() == "br":       # VML text boxes are HTML-ish: an unclosed <br> opens nothing
            continue
        if closing:
            depth -= 1
            if depth == 1 and start is not None:
                children.append((start, m.end(), name))
                start = None
            elif depth == 0:
                root_close = m.start()
                break
        else:
            if depth == 0:
                if root_open is None:
                    root_open = m.end()
                    if empty:
                        return m.end(), m.end(), []
                    depth = 1
                continue
            if depth == 1:
                start, name = m.start(), local
                if empty:
                    children.append((m.start(), m.end(), local))
                    start = None
                    continue
            if not empty:
                depth += 1
    if root_open is None or root_close is None:
        raise ValueError("not a VML drawing")
    return root_open, root_close, children


_VML_HEAD = ('<xml xmlns:v="urn:schemas-microsoft-com:vml"\n xmlns:o="urn:schemas-microsoft-com:office:office"\n'
             ' xmlns:x="urn:schemas-microsoft-com:office:excel">\n <o:shapelayout v:ext="edit">\n'
             '  <o:idmap v:ext="edit" data="{block}"/>\n </o:shapelayout>')
_T202_XML = ('<v:shapetype{ns} id="_x0000_t202" coordsize="21600,21600" o:spt="202"\n'
             '  path="m,l,21600r21600,l21600,xe">\n  <v:stroke joinstyle="miter"/>\n'
             '  <v:path gradientshapeok="t" o:connecttype="rect"/>\n </v:shapetype>')
_NOTE_XML = ('<v:shape{ns} id="_x0000_s{sid}" type="#_x0000_t202" style=\'position:absolute;\n'
             '  margin-left:{left}pt;margin-top:{top}pt;width:240pt;height:90pt;z-index:{z};\n'
             '  visibility:hidden\' fillcolor="#ffffe1" o:insetmode="auto">\n'
             '  <v:fill color2="#ffffe1"/>\n  <v:shadow on="t" color="black" obscured="t"/>\n'
             '  <v:path o:connecttype="none"/>\n  <v:textbox style=\'mso-direction-alt:auto\'>\n'
             '   <div style=\'text-align:left\'></div>\n  </v:textbox>\n  <x:ClientData ObjectType="Note">\n'
             '   <x:MoveWithCells/>\n   <x:SizeWithCells/>\n   <x:Anchor>\n    {anchor}</x:Anchor>\n'
             '   <x:AutoFill>False</x:AutoFill>\n   <x:Row>{row}</x:Row>\n   <x:Column>{col}</x:Column>\n'
             '  </x:ClientData>\n </v:shape>')
_VML_NSDECL = (f' xmlns:v="{VML_V}" xmlns:o="{VML_O}" xmlns:x="{VML_X}"')


class _Notes:
    """The legacy comments of one sheet and the note shapes in its VML drawing."""

    def __init__(self, patcher: "_Patcher", sheet: _Sheet) -> None:
        self.p, self.sheet, self.pkg = patcher, sheet, patcher.pkg
        self.comments_part = None
        self.comments_rid = None
        for rid, part in sheet.rels.by_type(RT_COMMENTS):
            if part and self.pkg.exists(part):
                self.comments_part, self.comments_rid = part, rid
                break
        self.comments = self.pkg.view(self.comments_part) if self.comments_part else None
        self.comments_changed = False
        self.legacy = sheet.root.find(sheet.q("legacyDrawing"))
        self.vml_part = None
        if self.legacy is not None:
            self.vml_part = sheet.rels.target(self.legacy.get(f"{{{R_NS}}}id", ""))
            if self.vml_part and not self.pkg.exists(self.vml_part):
                self.vml_part = None
        self.vml = self.pkg.read(self.vml_part) if self.vml_part else None
        self.vml_changed = False

    # comments -----------------------------------------------------------------------------------------
    def _cq(self, tag: str) -> str:
        return f"{{{_etree().QName(self.comments).namespace}}}{tag}"

    def _authors(self) -> list[str]:
        authors = self.comments.find(self._cq("authors"))
        return [a.text or "" for a in authors] if authors is not None else []

    def _comment_at(self, ref: str):
        if self.comments is None:
            return None
        lst = self.comments.find(self._cq("commentList"))
        if lst is None:
            return None
        for c in lst:
            if (c.get("ref") or "").upper() == ref:
                return c
        return None

    def _author_id(self) -> int:
        etree = _etree()
        authors = self.comments.find(self._cq("authors"))
        if authors is None:
            authors = etree.Element(self._cq("authors"))
            self.comments.insert(0, authors)
        names = [a.text or "" for a in authors]
        if NOTE_AUTHOR in names:
            return names.index(NOTE_AUTHOR)
        etree.SubElement(authors, self._cq("author")).text = NOTE_AUTHOR
        return len(names)

    def is_ours(self, comment) -> bool:
        try:
            return self._authors()[int(comment.get("authorId", "0"))] == NOTE_AUTHOR
        except (IndexError, ValueError):
            return False

    def set(self, ref: str, text: str) -> bool:
        etree = _etree()
        existing = self._comment_at(ref)
        if existing is not None and not self.is_ours(existing):
            return False            # someone else's comment stays; a cell holds one comment
        if self.comments is None:
            self._create_comments()
        if existing is None:
            lst = self.comments.find(self._cq("commentList"))
            if lst is None:
                lst = etree.SubElement(self.comments, self._cq("commentList"))
            existing = etree.SubElement(lst, self._cq("comment"), ref=ref, authorId=str(self._author_id()),
                                        shapeId="0")
        else:
            existing.set("authorId", str(self._author_id()))
            for ch in list(existing):
                if _local(ch.tag) == "text":
                    existing.remove(ch)
        body = etree.Element(self._cq("text"))
        t = etree.SubElement(body, self._cq("t"))
        t.text = _ooxml_text(text)
        if _needs_preserve(text):
            t.set(f"{{{XML_NS}}}space", "preserve")
        existing.insert(0, body)
        self.comments_changed = True
        r, c = split_ref(ref)
        if not self._note_shapes(r - 1, c - 1):
            self._add_shape(r - 1, c - 1)
        return True

    def remove(self, ref: str) -> bool:
        existing = self._comment_at(ref)
        if existing is None or not self.is_ours(existing):
            return False
        existing.getparent().remove(existing)
        self.comments_changed = True
        r, c = split_ref(ref)
        spans = self._note_shapes(r - 1, c - 1)
        for start, end in sorted(spans, reverse=True):
            self.vml = self.vml[:start] + self.vml[end:]
            self.vml_changed = True
        return True

    def _create_comments(self) -> None:
        etree = _etree()
        ns = self.sheet.ns
        self.comments = etree.Element(f"{{{ns}}}comments", nsmap={None: ns})
        etree.SubElement(self.comments, f"{{{ns}}}authors")
        etree.SubElement(self.comments, f"{{{ns}}}commentList")
        self.comments_part = self.pkg.free_name("xl/comments{}.xml")
        self.pkg.add_tree(self.comments_part, self.comments)
        self.comments_rid = self.sheet.rels.add(RT_COMMENTS, self.comments_part)
        self.p.ct.override(self.comments_part, CT_COMMENTS)

    # VML ------------------------------------------------------------------------------------------------
    def _note_shapes(self, row: int, col: int) -> list[tuple[int, int]]:
        if self.vml is None:
            return []
        _o, _c, children = _vml_children(self.vml)
        out = []
        for start, end, _name in children:
            chunk = self.vml[start:end]
            if not _NOTE.search(chunk):
                continue
            mr, mc = _ROW.search(chunk), _COL.search(chunk)
            if mr and mc and int(mr.group(1)) == row and int(mc.group(1)) == col:
                out.append((start, end))
        return out

    def _create_vml(self) -> None:
        block = self.p.next_vml_block()
        self.vml = (_VML_HEAD.format(block=block) + _T202_XML.format(ns="") + "\n</xml>\n").encode("ascii")
        self.vml_part = self.pkg.free_name("xl/drawings/vmlDrawing{}.vml")
        self.pkg.set_bytes(self.vml_part, self.vml)
        rid = self.sheet.rels.add(RT_VML, self.vml_part)
        self.p.ct.default("vml", CT_VML)
        if self.legacy is None:                    # (a <legacyDrawing> whose part is missing is re-pointed)
            nsmap = None if R_NS in self.sheet.root.nsmap.values() else {"r": R_NS}
            self.legacy = _etree().Element(self.sheet.q("legacyDrawing"), nsmap=nsmap)
            _insert_ordered(self.sheet.root, self.legacy, _SHEET_ORDER)
        self.legacy.set(f"{{{R_NS}}}id", rid)      # set once in the tree: takes the sheet's own r: prefix
        self.sheet.touch()

    def _add_shape(self, row: int, col: int) -> None:
        if self.vml is None:
            self._create_vml()
        data = self.vml
        root_open, root_close, children = _vml_children(data)
        head = data[:root_open]
        bare = all(f'xmlns:{p}="{u}"'.encode() in head for p, u in (("v", VML_V), ("o", VML_O), ("x", VML_X)))
        ns = "" if bare else _VML_NSDECL
        ids = [int(x) for x in _SHAPE_ID.findall(data)]
        m = _IDMAP.search(data)
        blocks = [int(x) for x in re.findall(rb"\d+", m.group(1))] if m else []
        base = (blocks[0] if blocks else 1) * 1024
        sid = max(ids + [base]) + 1
        if blocks and sid >= (max(blocks) + 1) * 1024:     # past the drawing's id blocks: give it one more
            extra = self.p.next_vml_block()
            new_data = m.group(1) + b"," + str(extra).encode()
            data = data[:m.start(1)] + new_data + data[m.end(1):]
            sid = extra * 1024 + 1
            root_open, root_close, children = _vml_children(data)
        insert = b""
        if not _T202.search(data):
            insert += ("\n " + _T202_XML.format(ns=ns)).encode("ascii")
        z = sum(1 for _s, _e, name in children if name == "shape") + 1
        anchor = f"{col + 1}, 15, {max(row - 1, 0)}, 2, {col + 5}, 15, {row + 5}, 16"
        shape = _NOTE_XML.format(ns=ns, sid=sid, left=round(59.25 + col * 48, 2),
                                 top=round(1.5 + max(row - 1, 0) * 15, 2), z=z, anchor=anchor, row=row, col=col)
        insert += ("\n " + shape).encode("ascii")
        self.vml = data[:root_close] + insert + b"\n" + data[root_close:]
        self.vml_changed = True

    def _vml_has_shapes(self) -> bool:
        _o, _c, children = _vml_children(self.vml)
        return any(name not in ("shapelayout", "shapetype") for _s, _e, name in children)

    def flush(self) -> None:
        if self.comments_changed and self.comments is not None:
            lst = self.comments.find(self._cq("commentList"))
            if lst is None or not len(lst):
                self.pkg.remove(self.comments_part)
                self.p.ct.drop(self.comments_part)
                self.sheet.rels.remove(self.comments_rid)
            else:
                self.pkg.touch(self.comments_part)
        if self.vml_changed and self.vml_part:
            if self._vml_has_shapes():
                self.pkg.set_bytes(self.vml_part, self.vml)
            else:
                rid = self.legacy.get(f"{{{R_NS}}}id") if self.legacy is not None else None
                self.pkg.remove(self.vml_part)
                self.p.ct.drop(self.vml_part)
                if rid:
                    self.sheet.rels.remove(rid)
                if self.legacy is not None:
                    self.legacy.getparent().remove(self.legacy)
                    self.sheet.touch()


# ---------------------------------------------------------------------------------------------- the workbook
class _Workbook:
    def __init__(self, pkg: _Package) -> None:
        self.pkg = pkg
        root_rels = _Rels(pkg, "")
        parts = [p for _i, p in root_rels.by_type(RT_OFFICE_DOC) if p]
        if not parts:
            parts = [p for _i, t, p, _e in root_rels.items() if t.endswith("/officeDocument") and p]
        if not parts or not pkg.exists(parts[0]):
            raise UnreadableWorkbook(f"“{pkg.path.name}” 缺少工作簿主体（workbook.xml），无法写入。", path=pkg.path)
        self.part = parts[0]
        if not self.part.endswith(".xml"):
            raise UnreadableWorkbook(
                f"“{pkg.path.name}” 是二进制工作簿（.xlsb），本工具无法写入。请在 Excel 中另存为“Excel 工作簿 (*.xlsx)”后再试。",
                path=pkg.path)
        self.root = pkg.view(self.part)
        self.ns = _etree().QName(self.root).namespace
        if self.ns == STRICT_MAIN:
            raise UnreadableWorkbook(
                f"“{pkg.path.name}” 是“Strict Open XML”格式，本工具无法写入。请在 Excel 中另存为“Excel 工作簿 (*.xlsx)”后再试。",
                path=pkg.path)
        self.rels = _Rels(pkg, self.part)

    def q(self, tag: str) -> str:
        return f"{{{self.ns}}}{tag}"

    def touch(self) -> None:
        self.pkg.touch(self.part)

    @property
    def sheets_el(self):
        return self.root.find(self.q("sheets"))

    def sheet_els(self) -> list:
        el = self.sheets_el
        return [s for s in el if _local(s.tag) == "sheet"] if el is not None else []

    def names(self) -> list[str]:
        return [s.get("name") for s in self.sheet_els()]

    def index(self, name: str) -> int:
        return self.names().index(name)

    def sheet_el(self, name: str):
        for s in self.sheet_els():
            if s.get("name") == name:
                return s
        return None

    def part_of(self, name: str) -> str | None:
        el = self.sheet_el(name)
        if el is None:
            return None
        return self.rels.target(el.get(f"{{{R_NS}}}id", ""))

    @property
    def date1904(self) -> bool:
        pr = self.root.find(self.q("workbookPr"))
        return pr is not None and pr.get("date1904") in ("1", "true")

    def views(self) -> list:
        bv = self.root.find(self.q("bookViews"))
        return [v for v in bv if _local(v.tag) == "workbookView"] if bv is not None else []

    def defined_names(self, create: bool = False):
        dn = self.root.find(self.q("definedNames"))
        if dn is None and create:
            dn = _etree().Element(self.q("definedNames"))
            _insert_ordered(self.root, dn, _WORKBOOK_ORDER)
        return dn

    def shift_local_ids(self, at: int, delta: int, drop: bool = False) -> None:
        """After inserting (delta=+1) or removing (delta=-1, drop names local to `at`) the sheet at `at`."""
        dn = self.defined_names()
        if dn is None:
            return
        for d in list(dn):
            lid = d.get("localSheetId")
            if lid is None:
                continue
            lid = int(lid)
            if drop and lid == at:
                dn.remove(d)
            elif lid >= at and (delta > 0 or lid > at):
                d.set("localSheetId", str(lid + delta))
        if not len(dn):
            self.root.remove(dn)
        self.touch()


# ---------------------------------------------------------------------------------------------- mark records
class _Meta:
    """Mark records in the hidden `_xltools` sheet: rows `mark:<sheet>!<cell>` → JSON."""

    def __init__(self, patcher: "_Patcher") -> None:
        self.p = patcher
        self._records: dict[tuple[str, str], dict] | None = None
        self.changed = False

    @property
    def records(self) -> dict[tuple[str, str], dict]:
        if self._records is None:
            self._records = {}
            sheet = self.p.sheet(META_SHEET)
            if sheet is not None:
                for _r, key, value in self._rows(sheet):
                    if key.startswith(MARK_KEY) and "!" in key:
                        name, _, ref = key[len(MARK_KEY):].rpartition("!")
                        try:
                            rec = json.loads(value)
                        except ValueError:
                            continue
                        if isinstance(rec, dict):
                            self._records[(name, ref.upper())] = rec
        return self._records

    def _rows(self, sheet: _Sheet):
        for r, row in sorted(sheet.rows().items()):
            vals = {}
            for n, c in sheet._cells(row):
                if n in (1, 2):
                    vals[n] = self.p.cell_text(c)
            yield r, vals.get(1, ""), vals.get(2, "")

    def drop_sheet(self, name: str) -> None:
        if self.p.wb.sheet_el(META_SHEET) is None:
            return
        for key in [k for k in self.records if k[0] == name]:
            del self.records[key]
            self.changed = True

    def save(self) -> None:
        if not self.changed:
            return
        sheet = self.p.sheet(META_SHEET)
        if sheet is None:
            if not self.records:
                return
            self.p.add_sheet(META_SHEET, _empty_sheet_xml(), position=None, state="veryHidden")
            sheet = self.p.sheet(META_SHEET)
        rows = sheet.rows()
        keep_max = 0
        for r, key, _v in list(self._rows(sheet)):
            if key.startswith(MARK_KEY):
                el = rows.pop(r)
                el.getparent().remove(el)
            else:
                keep_max = max(keep_max, r)
        sheet._row_keys = sorted(rows)
        sheet.touch()
        for i, ((name, ref), rec) in enumerate(sorted(self.records.items()), start=keep_max + 1):
            self.p.write_value(sheet, sheet.cell(i, 1), f"{MARK_KEY}{name}!{ref}")
            self.p.write_value(sheet, sheet.cell(i, 2), json.dumps(rec, ensure_ascii=False, separators=(",", ":")))


def _empty_sheet_xml() -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}" '
            f'xmlns:r="{R_NS}"><sheetViews><sheetView workbookViewId="0"/></sheetViews>'
            '<sheetFormatPr defaultRowHeight="15"/><sheetData/>'
            '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
            '</worksheet>').encode("utf-8")


# ---------------------------------------------------------------------------------------------- the patcher
class _Patcher:
    def __init__(self, pkg: _Package) -> None:
        self.pkg = pkg
        self.wb = _Workbook(pkg)
        self.ct = _ContentTypes(pkg)
        self._sheets: dict[str, _Sheet] = {}
        self._notes: dict[str, _Notes] = {}
        self._styles: _Styles | None = None
        self._sst: list[str] | None = None
        self.meta = _Meta(self)
        self.formula_removed = False
        self.sheet_removed = False
        self.values_set = False

    # access -----------------------------------------------------------------------------------------------
    def sheet(self, name: str) -> _Sheet | None:
        if name in self._sheets:
            return self._sheets[name]
        part = self.wb.part_of(name)
        if not part or not self.pkg.exists(part):
            return None
        sh = _Sheet(self.pkg, name, part)
        if not sh.is_worksheet:
            return None
        self._sheets[name] = sh
        return sh

    @property
    def styles(self) -> _Styles:
        if self._styles is None:
            parts = [p for _i, p in self.wb.rels.by_type(RT_STYLES) if p and self.pkg.exists(p)]
            if parts:
                part = parts[0]
            else:
                part = posixpath.join(posixpath.dirname(self.wb.part), "styles.xml")
                self.pkg.set_bytes(part, _MIN_STYLES.encode("utf-8"))
                self.wb.rels.add(RT_STYLES, part)
                self.ct.override(part, "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml")
            self._styles = _Styles(self.pkg, part)
        return self._styles

    def shared_strings(self) -> list[str]:
        if self._sst is None:
            self._sst = []
            for _i, part in self.wb.rels.by_type(RT_SST):
                if part and self.pkg.exists(part):
                    root = self.pkg.view(part)
                    ns = _etree().QName(root).namespace
                    for si in root:
                        if _local(si.tag) != "si":
                            continue
                        self._sst.append("".join(t.text or "" for t in si.iter(f"{{{ns}}}t")
                                                 if _local(t.getparent().tag) != "rPh"))
                    break
        return self._sst

    def cell_text(self, c) -> str:
        t = c.get("t")
        ns = _etree().QName(c).namespace
        if t == "inlineStr":
            return "".join(x.text or "" for x in c.iter(f"{{{ns}}}t"))
        v = c.find(f"{{{ns}}}v")
        text = v.text if v is not None and v.text is not None else ""
        if t == "s":
            try:
                return self.shared_strings()[int(text)]
            except (ValueError, IndexError):
                return ""
        return text

    # values -----------------------------------------------------------------------------------------------
    def write_value(self, sheet: _Sheet, c, value) -> None:
        etree = _etree()
        q = sheet.q
        for ch in list(c):
            name = _local(ch.tag)
            if name == "f":
                self._drop_formula(sheet, c, ch)
            elif name in ("v", "is"):
                c.remove(ch)
        for a in ("t", "vm", "cm"):
            c.attrib.pop(a, None)
        r, col = split_ref(c.get("r"))
        array = sheet.array_anchor_over(r, col)
        if array is not None:               # a value inside an array formula's range ends that array formula
            self._drop_formula(sheet, array.getparent(), array)
        sheet.touch()
        if value is None or value == "":
            return
        if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
            fmt = 22 if isinstance(value, _dt.datetime) else 14 if isinstance(value, _dt.date) else 21
            s = int(c.get("s", "0"))
            if self.styles.num_fmt(s) == 0:
                new = self.styles.variant(s, numFmtId=fmt, applyNumberFormat=1)
                c.set("s", str(new))
            value = _date_serial(value, self.wb.date1904)
        if isinstance(value, bool):
            c.set("t", "b")
            el = etree.Element(q("v"))
            el.text = _number_text(value)
        elif isinstance(value, (int, float, Decimal)):
            el = etree.Element(q("v"))
            el.text = _number_text(value)
        elif isinstance(value, str):
            if looks_like_formula(value):
                # text that Excel would read as a formula if a person re-entered it: quote-prefix it (the
                # apostrophe Excel shows in the formula bar), as Excel does for '=… typed by hand
                s = int(c.get("s", "0"))
                new = self.styles.variant(s, quotePrefix=1)
                c.set("s", str(new))
            c.set("t", "inlineStr")
            el = etree.Element(q("is"))
            t = etree.SubElement(el, q("t"))
            t.text = _ooxml_text(value)
            if _needs_preserve(value):
                t.set(f"{{{XML_NS}}}space", "preserve")
        else:
            raise TypeError(f"无法写入类型为 {type(value).__name__} 的值：{value!r}")
        c.insert(0, el)

    def _drop_formula(self, sheet: _Sheet, c, f) -> None:
        if f.get("t") == "shared" and f.get("ref") and (f.text or "").strip():
            self._unshare(sheet, c, f)
        if f.get("t") in ("array", "dataTable"):
            sheet.forget_array(f)
        f.getparent().remove(f)
        c.attrib.pop("cm", None)
        if c.get("t") == "str" and c.find(sheet.q("v")) is None:
            c.attrib.pop("t", None)
        self.formula_removed = True
        sheet.touch()

    def _unshare(self, sheet: _Sheet, master_cell, f) -> None:
        """The master of a shared formula is being overwritten: give each dependent its own formula."""
        from openpyxl.formula.translate import Translator

        si = f.get("si")
        origin = master_cell.get("r")
        formula = "=" + f.text
        for g in sheet.sheet_data.iter(sheet.q("f")):
            if g is f or g.get("t") != "shared" or g.get("si") != si:
                continue
            dest = g.getparent().get("r")
            try:
                g.text = Translator(formula, origin=origin).translate_formula(dest)[1:]
            except Exception:
                g.text = f.text
            for a in ("t", "si", "ref"):
                g.attrib.pop(a, None)

    # marks ------------------------------------------------------------------------------------------------
    def mark(self, sheet: _Sheet, ref: str, c, mark: str) -> None:
        st = self.styles
        cur = int(c.get("s", "0"))
        key = (sheet.name, ref)
        recs = self.meta.records
        if mark == "clear":
            rec = recs.pop(key, None)
            if rec is not None:
                self.meta.changed = True
                if not st.mark_colour(cur):
                    return                  # a person changed the fill since: theirs stays
                orig = rec.get("s")
                fill = rec.get("fill") or ""
                if (isinstance(orig, int) and 0 <= orig < st.n_xfs() and st.same_but_fill(cur, orig)
                        and st.fill_xml(int(st.xf(orig).get("fillId", "0"))) == fill):
                    new = orig              # the usual case: exactly the style the cell had
                else:                       # styles renumbered or the cell restyled meanwhile: only the fill
                    new = st.with_fill(cur, st.fill_from_xml(fill))
            elif st.mark_colour(cur):
                new = st.with_fill(cur, 0)
            else:
                return
        else:
            if mark not in MARK_FILLS:
                raise ValueError(f"未知的标记：{mark!r}（应为 error / warning / info / clear）")
            if key not in recs:
                if st.mark_colour(cur):
                    recs[key] = {"s": None, "fill": ""}
                else:
                    recs[key] = {"s": cur, "fill": st.fill_xml(int(st.xf(cur).get("fillId", "0")))}
                self.meta.changed = True
            new = st.with_fill(cur, st.solid_fill(MARK_FILLS[mark]))
        if new:
            c.set("s", str(new))
        else:
            c.attrib.pop("s", None)
        sheet.touch()

    # notes ------------------------------------------------------------------------------------------------
    def notes(self, sheet: _Sheet) -> _Notes:
        if sheet.name not in self._notes:
            self._notes[sheet.name] = _Notes(self, sheet)
        return self._notes[sheet.name]

    def next_vml_block(self) -> int:
        blocks = [0]
        for name in self.pkg.names:
            if name.lower().endswith(".vml"):
                data = self.pkg.read(name)
                m = _IDMAP.search(data)
                if m:
                    blocks += [int(x) for x in re.findall(rb"\d+", m.group(1))]
                blocks += [int(x) // 1024 for x in _SHAPE_ID.findall(data)]
        for n in self._notes.values():
            if n.vml is not None:
                m = _IDMAP.search(n.vml)
                if m:
                    blocks += [int(x) for x in re.findall(rb"\d+", m.group(1))]
        return max(blocks) + 1

    # edits ------------------------------------------------------------------------------------------------
    def apply(self, e: Edit) -> None:
        sheet = self.sheet(e.sheet)
        if sheet is None:
            return
        ref = e.cell.replace("$", "").strip().upper()
        r, col = split_ref(ref)
        ref = f"{col_letter(col)}{r}"
        if e.sets_value or e.mark:
            c = sheet.cell(r, col)
            if e.sets_value:
                self.write_value(sheet, c, e.value)
                self.values_set = True
            if e.mark:
                self.mark(sheet, ref, c, e.mark)
        if e.note is not None:
            notes = self.notes(sheet)
            if e.note == "":
                notes.remove(ref)
            else:
                notes.set(ref, e.note)

    # sheets -----------------------------------------------------------------------------------------------
    def add_sheet(self, name: str, xml: bytes, *, position: int | None, state: str | None = None) -> None:
        etree = _etree()
        part = self.pkg.free_name(posixpath.join(posixpath.dirname(self.wb.part), "worksheets/sheet{}.xml"))
        self.pkg.set_bytes(part, xml)
        self.ct.override(part, CT_WORKSHEET)
        rid = self.wb.rels.add(RT_WORKSHEET, part)
        els = self.wb.sheet_els()
        sheet_id = max([int(s.get("sheetId", "0")) for s in els] + [0]) + 1
        nsmap = None if R_NS in self.wb.root.nsmap.values() else {"r": R_NS}
        el = etree.Element(self.wb.q("sheet"), {"name": name, "sheetId": str(sheet_id)}, nsmap=nsmap)
        if state:
            el.set("state", state)
        sheets = self.wb.sheets_el
        if position is None or position >= len(els):
            sheets.append(el)
        else:
            els[position].addprevious(el)
        el.set(f"{{{R_NS}}}id", rid)
        if position is not None and position < len(els):
            self.wb.shift_local_ids(position, +1)
            for v in self.wb.views():
                for attr in ("activeTab", "firstSheet"):
                    cur = int(v.get(attr, "0"))
                    if cur >= position and (attr == "activeTab" or cur > 0):
                        v.set(attr, str(cur + 1))
        self.wb.touch()

    def remove_sheet(self, name: str, *, replacing: bool = False) -> bool:
        """Remove a sheet, its parts that nothing else uses, its rels, content types and local names.
        Returns whether it was the active tab."""
        el = self.wb.sheet_el(name)
        if el is None:
            return False
        idx = self.wb.index(name)
        rid = el.get(f"{{{R_NS}}}id", "")
        part = self.wb.rels.target(rid)
        self._sheets.pop(name, None)
        self._notes.pop(name, None)
        if part:
            self._remove_parts(part)
        self.wb.rels.remove(rid)
        el.getparent().remove(el)
        self.wb.shift_local_ids(idx, -1, drop=True)
        if not replacing:
            self._ref_names(name)
        was_active = False
        visible = [i for i, s in enumerate(self.wb.sheet_els()) if s.get("state", "visible") == "visible"]
        for v in self.wb.views():
            active = int(v.get("activeTab", "0"))
            if active == idx:
                was_active = True
                v.set("activeTab", str(visible[0] if visible else 0))
            elif active > idx:
                v.set("activeTab", str(active - 1))
            first = int(v.get("firstSheet", "0"))
            if first > idx:
                v.set("firstSheet", str(first - 1))
        self.meta.drop_sheet(name)
        self.sheet_removed = True
        self.wb.touch()
        return was_active

    def _ref_names(self, name: str) -> None:
        """Global names that pointed into a removed sheet now say #REF!, as Excel does."""
        dn = self.wb.defined_names()
        if dn is None:
            return
        quoted = re.escape(_sheet_ref(name)) + "!"
        plain = r"(?<![\w.'])" + re.escape(name) + "!"
        pat = re.compile(quoted + "|" + plain if re.fullmatch(r"[A-Za-z_\u4e00-\u9fff][\w.\u4e00-\u9fff]*", name)
                         else quoted)
        for d in dn:
            if d.text and pat.search(d.text):
                d.text = pat.sub("#REF!", d.text)
                self.wb.touch()

    def _remove_parts(self, part: str) -> None:
        doomed: set[str] = set()
        stack = [part]
        while stack:
            p = stack.pop()
            if p in doomed or not self.pkg.exists(p):
                continue
            doomed.add(p)
            for _i, _t, target, _e in _Rels(self.pkg, p).items():
                if target:
                    stack.append(target)
        # keep what other parts still use (an image shared by two drawings, the workbook's own parts)
        used: set[str] = set()
        for name in list(self.pkg.names):
            if not name.endswith(".rels"):
                continue
            folder, fname = posixpath.split(name)
            source = posixpath.join(posixpath.dirname(folder), fname[:-5]) if fname != ".rels" else ""
            if source in doomed:
                continue
            for _i, _t, target, _e in _Rels(self.pkg, source).items():
                if target and not (source == self.wb.part and target == part):
                    used.add(target)
        for p in doomed - used:
            self.pkg.remove(p)
            if self.pkg.exists(rels_path(p)):
                self.pkg.remove(rels_path(p))
            self.ct.drop(p)

    def result_sheet(self, rs: ResultSheet) -> None:
        was_active = False
        if self.wb.sheet_el(rs.name) is not None:
            was_active = self.remove_sheet(rs.name, replacing=True)
        xml, filter_ref = self._result_xml(rs, selected=was_active)
        self.add_sheet(rs.name, xml, position=0)
        if was_active:
            for v in self.wb.views():
                v.set("activeTab", "0")
        if filter_ref:
            etree = _etree()
            dn = self.wb.defined_names(create=True)
            d = etree.Element(self.wb.q("definedName"), name="_xlnm._FilterDatabase", localSheetId="0", hidden="1")
            d.text = f"{_sheet_ref(rs.name)}!{filter_ref}"
            dn.insert(0, d)
            self.wb.touch()

    def _result_xml(self, rs: ResultSheet, *, selected: bool) -> tuple[bytes, str | None]:
        st = self.styles
        bold = st.font_variant(0, bold=True)
        link = st.font_variant(0, link=True)
        head_s = st.variant(0, fontId=bold, fillId=st.solid_fill(HEADER_FILL), applyFont=1, applyFill=1)
        link_s = st.variant(0, fontId=link, applyFont=1)
        rows = [tuple(rs.header)] + [tuple(r) for r in rs.rows]
        width = max([len(r) for r in rows] + [1])
        out = []
        links = []
        for i, row in enumerate(rows, start=1):
            cells = []
            target = rs.links[i - 2] if i >= 2 and i - 2 < len(rs.links) else None
            for j, v in enumerate(row, start=1):
                ref = f"{col_letter(j)}{i}"
                s = head_s if i == 1 else link_s if (j == 1 and target) else 0
                cells.append(_cell_xml(ref, v, s))
            if target and not row:
                cells.append(_cell_xml(f"A{i}", None, link_s))
            if target:
                sheet, cell = target
                links.append((f"A{i}", f"{_sheet_ref(sheet)}!{(cell or 'A1').replace('$', '')}"))
            out.append(f'<row r="{i}">{"".join(cells)}</row>')
        last = f"{col_letter(width)}{len(rows)}"
        cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
                       for i, w in enumerate(rs.widths, start=1))
        view = ('<sheetViews><sheetView workbookViewId="0"' + (' tabSelected="1"' if selected else "") + '>'
                '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>')
        filter_ref = f"$A$1:${col_letter(width)}${len(rows)}" if rs.rows else None
        # printed as people print it: A4 landscape, fit to the page width, the header row repeated (print
        # titles are a defined name the caller adds where it can; fit-to-width needs sheetPr/pageSetUpPr)
        xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}" xmlns:r="{R_NS}">'
               '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
               f'<dimension ref="A1:{last}"/>{view}<sheetFormatPr defaultRowHeight="15"/>'
               + (f"<cols>{cols}</cols>" if cols else "")
               + f'<sheetData>{"".join(out)}</sheetData>'
               + (f'<autoFilter ref="A1:{last}"/>' if rs.rows else "")
               + ("<hyperlinks>" + "".join(f'<hyperlink ref="{ref}" location="{_esc(loc, True)}"/>'
                                           for ref, loc in links) + "</hyperlinks>" if links else "")
               + '<pageMargins left="0.4" right="0.4" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>'
               '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
               '</worksheet>')
        return xml.encode("utf-8"), filter_ref

    # the end ----------------------------------------------------------------------------------------------
    def finish(self) -> None:
        if not any(s.get("state", "visible") == "visible" for s in self.wb.sheet_els()):
            raise ValueError("不能删除工作簿中全部可见的工作表。")
        for notes in self._notes.values():
            notes.flush()
        self.meta.save()
        if self.formula_removed or self.sheet_removed:
            self._drop_calc_chain()
        if self.values_set:
            self._recalc_on_load()

    def _drop_calc_chain(self) -> None:
        for rid, part in self.wb.rels.by_type(RT_CALC_CHAIN):
            if part:
                self.pkg.remove(part)
                self.ct.drop(part)
            self.wb.rels.remove(rid)

    def _recalc_on_load(self) -> None:
        """Formulas that depend on a changed cell keep a stale cached result: ask Excel to recalculate on
        open — only when the workbook has formulas at all, so a formula-free workbook.xml stays as it was."""
        calc = self.wb.root.find(self.wb.q("calcPr"))
        if calc is not None and calc.get("fullCalcOnLoad") in ("1", "true"):
            return
        folder = posixpath.join(posixpath.dirname(self.wb.part), "worksheets/")
        if not any(name.startswith(folder) and name.endswith(".xml") and _FORMULA_TAG.search(self.pkg.read(name))
                   for name in self.pkg.names):
            return
        if calc is None:
            calc = _etree().Element(self.wb.q("calcPr"))
            _insert_ordered(self.wb.root, calc, _WORKBOOK_ORDER)
        calc.set("fullCalcOnLoad", "1")
        self.wb.touch()


def _cell_xml(ref: str, v, s: int) -> str:
    sa = f' s="{s}"' if s else ""
    if v is None or v == "":
        return f'<c r="{ref}"{sa}/>'
    if isinstance(v, bool):
        return f'<c r="{ref}"{sa} t="b"><v>{_number_text(v)}</v></c>'
    if isinstance(v, (int, float, Decimal)):
        return f'<c r="{ref}"{sa}><v>{_number_text(v)}</v></c>'
    text = _ooxml_text(str(v))
    space = ' xml:space="preserve"' if _needs_preserve(text) else ""
    return f'<c r="{ref}"{sa} t="inlineStr"><is><t{space}>{_esc(text)}</t></is></c>'


_MIN_STYLES = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{MAIN}">'
               '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
               '<fills count="2"><fill><patternFill patternType="none"/></fill>'
               '<fill><patternFill patternType="gray125"/></fill></fills>'
               '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
               '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
               '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
               '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
               '</styleSheet>')


# ---------------------------------------------------------------------------------------------- entry point
def apply_edits(src: str | Path, edits: EditSet, dst: str | Path, *, backup: bool = False) -> Path:
    """Apply `edits` to the workbook `src` and write the result to `dst` atomically (dst may be src; with
    backup the previous dst is kept as NAME.bak.xlsx). Everything the edits do not touch is carried over
    unchanged. The source is never modified when anything fails."""
    src = check_file(src)
    try:
        pkg = _Package(src)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UnreadableWorkbook(f"“{src.name}” 已损坏，无法打开。", path=src) from None
    try:
        if not pkg.exists(_ContentTypes.NAME):
            raise UnreadableWorkbook(f"“{src.name}” 不是 Excel 工作簿（缺少内容类型清单）。", path=src)
        patcher = _Patcher(pkg)
        for name in edits.remove_sheets:
            patcher.remove_sheet(name)
        for e in edits.edits:
            patcher.apply(e)
        for rs in edits.sheets:
            patcher.result_sheet(rs)
        patcher.finish()
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile) as e:
        pkg.close()
        raise UnreadableWorkbook(f"“{src.name}” 已损坏（{type(e).__name__}），无法写入。", path=src) from None
    except BaseException:
        pkg.close()
        raise
    try:
        return atomic_write(dst, pkg.write, backup=backup)
    finally:
        pkg.close()
