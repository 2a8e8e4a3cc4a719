"""In-sheet buttons for the official templates: Form Control buttons bound to the add-in's macro.

    from xltools.excel.sheet_buttons import add_sheet_buttons
    add_sheet_buttons("workbook_templates/部门预算公开-模板.xlsx")     # after the template was saved

The template stays a macro-free .xlsx (Office blocks macros in downloaded files); each button runs
'xltools.xlam'!XltoolsSheetButton, which reads the button's name ("xltools_check") and runs that button
through Python like the ribbon does. Which sheets get which buttons is declared in macros/sheet_buttons.toml
(built-in defaults when that file is not at hand).

A button is written the way Excel 2010 and later store one, in four places: the sheet's legacy VML drawing
(the shape, its caption, <x:FmlaMacro>; shared with cell comments), a hidden DrawingML twin in the sheet's
drawing, a ctrlProp part (formControlPr objectType="Button"), and the sheet's <controls> entry naming the
control. Excel 2007 and LibreOffice read the VML; Excel 2010+ read the controls. Existing comments, drawings
and controls of a sheet are kept. The file is rewritten atomically.
"""
from __future__ import annotations

import posixpath
import re
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote
from xml.sax.saxutils import escape

MACRO = "'xltools.xlam'!XltoolsSheetButton"
NAME_PREFIX = "xltools_"
DEFAULT_LAYOUT = {"form": ["check", "explain"], "table": ["fill_codes", "recompute", "check", "clear_marks"],
                  "indicators": ["check", "clear_marks"], "project": ["add_project", "check"]}

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
X14 = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
A14 = "http://schemas.microsoft.com/office/drawing/2010/main"
VML_NS = ('xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
          'xmlns:x="urn:schemas-microsoft-com:office:excel"')
RT = {"vml": R + "/vmlDrawing", "drawing": R + "/drawing", "ctrl": R + "/ctrlProp"}
CT_DRAWING = "application/vnd.openxmlformats-officedocument.drawing+xml"
CT_CTRL = "application/vnd.ms-excel.controlproperties+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
# CT_SheetXml child order (ECMA-376 18.3.1.99); <controls> sits in an mc:AlternateContent
ORDER = ("sheetPr dimension sheetViews sheetFormatPr cols sheetData sheetCalcPr sheetProtection protectedRanges "
         "scenarios autoFilter sortState dataConsolidate customSheetViews mergeCells phoneticPr "
         "conditionalFormatting dataValidations hyperlinks printOptions pageMargins pageSetup headerFooter "
         "rowBreaks colBreaks customProperties cellWatches ignoredErrors smartTags drawing legacyDrawing "
         "legacyDrawingHF drawingHF picture oleObjects controls webPublishItems tableParts extLst").split()


@dataclass(frozen=True)
class Placed:
    sheet: str
    id: str          # the button id (xltools/excel/buttons.py)
    name: str        # the control's name: xltools_<id>
    caption: str
    shape_id: int


# ------------------------------------------------------------------------------------------ layout

def layout(macros: Path | None = None) -> tuple[str, dict[str, list[str]]]:
    """(macro, kind → button ids) from macros/sheet_buttons.toml, or the built-in defaults."""
    path = None
    try:
        from xltools.excel.addin import macros_dir

        path = (macros or macros_dir()) / "sheet_buttons.toml"
    except Exception:  # noqa: BLE001 - a broken or missing sheet_buttons.toml: the defaults below
        pass
    if path is None or not path.is_file():
        return MACRO, dict(DEFAULT_LAYOUT)
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return data.get("macro", MACRO), {s["kind"]: list(s["buttons"]) for s in data.get("sheets", [])}


def sheet_kinds(path: Path) -> dict[str, str]:
    """Each visible sheet's kind by the family declaration (form | table | indicators | project), plus the
    hidden project template sheet; other sheets (lists, meta, unknown) get none."""
    from xltools.io.readers import read_grids
    from xltools.parse import _sheet_matches, detect_family, read_meta

    grids = read_grids(path)
    fam = detect_family(grids, read_meta(grids))
    out: dict[str, str] = {}
    rep = fam.repeated
    for name in grids.names:
        if rep is not None and (name == rep.template_name or name.startswith(rep.name.split("{")[0])):
            out[name] = "project"
            continue
        if name in grids.hidden:
            continue
        decl = next((d for d in fam.sheets if not d.repeat and _sheet_matches(name, d)), None)
        if decl is None:
            continue
        if decl.tables:
            out[name] = "table"
        elif decl.indicators:
            out[name] = "indicators"
        elif decl.fields:
            out[name] = "form"
    return out


# ------------------------------------------------------------------------------------------ package helpers

def _rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _rels(parts: dict[str, bytes], source: str) -> dict[str, tuple[str, str]]:
    from lxml import etree

    path = _rels_path(source)
    if path not in parts:
        return {}
    out = {}
    for el in etree.fromstring(parts[path]):
        if el.get("TargetMode") == "External":
            continue
        t = unquote(el.get("Target"))
        target = t.lstrip("/") if t.startswith("/") else posixpath.normpath(posixpath.join(posixpath.dirname(source), t))
        out[el.get("Id")] = (el.get("Type"), target)
    return out


def _add_rel(parts: dict[str, bytes], source: str, rtype: str, target: str) -> str:
    from lxml import etree

    path = _rels_path(source)
    root = etree.fromstring(parts[path]) if path in parts else etree.Element(f"{{{PKG}}}Relationships", nsmap={None: PKG})
    ids = {el.get("Id") for el in root}
    n = 1
    while f"rId{n}" in ids:
        n += 1
    etree.SubElement(root, f"{{{PKG}}}Relationship", Id=f"rId{n}", Type=rtype,
                     Target=posixpath.relpath(target, posixpath.dirname(source)))
    parts[path] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return f"rId{n}"


def _next_name(parts: dict[str, bytes], pattern: str) -> str:
    n = 1
    while pattern.format(n) in parts:
        n += 1
    return pattern.format(n)


def _sheet_parts(parts: dict[str, bytes]) -> dict[str, str]:
    from lxml import etree

    root_rels = etree.fromstring(parts["_rels/.rels"])
    wb = next(el.get("Target").lstrip("/") for el in root_rels if el.get("Type").endswith("/officeDocument"))
    rels = _rels(parts, wb)
    out = {}
    for s in etree.fromstring(parts[wb]).iter(f"{{{MAIN}}}sheet"):
        rid = s.get(f"{{{R}}}id")
        if rid in rels:
            out[s.get("name")] = rels[rid][1]
    return out


def _local(el) -> str:
    from lxml import etree

    if not isinstance(el.tag, str):
        return ""
    name = etree.QName(el).localname
    if name == "AlternateContent":
        inner = [g for ch in el for g in ch if isinstance(g.tag, str)]
        return etree.QName(inner[0]).localname if inner else name
    return name


def _insert_ordered(root, el) -> None:
    want = ORDER.index(_local(el))
    for child in root:
        n = _local(child)
        if n in ORDER and ORDER.index(n) > want:
            child.addprevious(el)
            return
    root.append(el)


def _content_types(parts: dict[str, bytes], overrides: dict[str, str]) -> None:
    from lxml import etree

    ct = "http://schemas.openxmlformats.org/package/2006/content-types"
    root = etree.fromstring(parts["[Content_Types].xml"])
    if not any((el.get("Extension") or "").lower() == "vml" for el in root):
        root.insert(0, etree.Element(f"{{{ct}}}Default", Extension="vml", ContentType=CT_VML))
    have = {el.get("PartName") for el in root}
    for part, ctype in overrides.items():
        if "/" + part not in have:
            etree.SubElement(root, f"{{{ct}}}Override", PartName="/" + part, ContentType=ctype)
    parts["[Content_Types].xml"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _used_columns(sheet_xml: bytes) -> int:
    m = re.search(rb'<(?:\w+:)?dimension ref="[A-Z]+\d+:([A-Z]+)\d+"', sheet_xml)
    if not m:
        return 4
    n = 0
    for ch in m.group(1).decode():
        n = n * 26 + ord(ch) - 64
    return n


def _vml_blocks(parts: dict[str, bytes]) -> int:
    used = [0]
    for name, data in parts.items():
        if name.lower().endswith(".vml"):
            m = re.search(rb'idmap\b[^>]*data\s*=\s*["\']([\d,\s]*)', data)
            if m:
                used += [int(x) for x in re.findall(rb"\d+", m.group(1))]
            used += [int(x) // 1024 for x in re.findall(rb"_x0000_s(\d+)", data)]
    return max(used)


# ------------------------------------------------------------------------------------------ the parts

_T201 = ('<v:shapetype id="_x0000_t201" coordsize="21600,21600" o:spt="201" path="m,l,21600r21600,l21600,xe">'
         '<v:stroke joinstyle="miter"/><v:path shadowok="f" o:extrusionok="f" strokeok="f" fillok="f" '
         'o:connecttype="rect"/><o:lock v:ext="edit" shapetype="t"/></v:shapetype>')
_VML_BUTTON = ('<v:shape id="_x0000_s{sid}" type="#_x0000_t201" style="position:absolute;'
               'margin-left:{left}pt;margin-top:{top}pt;width:{w}pt;height:{h}pt;z-index:{z};mso-wrap-style:tight" '
               'o:button="t" fillcolor="buttonFace [67]" strokecolor="windowText [64]" o:insetmode="auto">'
               '<v:fill color2="buttonFace [67]" o:detectmouseclick="t"/><o:lock v:ext="edit" rotation="t"/>'
               '<v:textbox style="mso-direction-alt:auto" o:singleclick="f"><div style="text-align:center">'
               '<font face="宋体" size="200" color="#000000">{caption}</font></div></v:textbox>'
               '<x:ClientData ObjectType="Button"><x:Anchor>{c0}, 4, {r0}, 2, {c1}, 4, {r1}, 0</x:Anchor>'
               '<x:PrintObject>False</x:PrintObject><x:AutoFill>False</x:AutoFill>'
               '<x:FmlaMacro>{macro}</x:FmlaMacro><x:TextHAlign>Center</x:TextHAlign>'
               '<x:TextVAlign>Center</x:TextVAlign></x:ClientData></v:shape>')
_DRAWING = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<xdr:wsDr xmlns:xdr="{XDR}" '
            f'xmlns:a="{A}"></xdr:wsDr>')
_ANCHOR = (f'<mc:AlternateContent xmlns:mc="{MC}"><mc:Choice xmlns:a14="{A14}" Requires="a14">'
           '<xdr:twoCellAnchor editAs="absolute"><xdr:from><xdr:col>{c0}</xdr:col><xdr:colOff>38100</xdr:colOff>'
           '<xdr:row>{r0}</xdr:row><xdr:rowOff>19050</xdr:rowOff></xdr:from><xdr:to><xdr:col>{c1}</xdr:col>'
           '<xdr:colOff>38100</xdr:colOff><xdr:row>{r1}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>'
           '<xdr:sp macro="" textlink=""><xdr:nvSpPr><xdr:cNvPr id="{sid}" name="{name}" hidden="1"><a:extLst>'
           '<a:ext uri="{{63B3BB69-23CF-44E3-9099-C40C66FF867C}}"><a14:compatExt spid="_x0000_s{sid}"/></a:ext>'
           '</a:extLst></xdr:cNvPr><xdr:cNvSpPr/></xdr:nvSpPr><xdr:spPr bwMode="auto"><a:xfrm><a:off x="0" y="0"/>'
           '<a:ext cx="0" cy="0"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:noFill/>'
           '<a:ln w="9525"><a:miter lim="800000"/><a:headEnd/><a:tailEnd/></a:ln></xdr:spPr><xdr:txBody>'
           '<a:bodyPr vertOverflow="clip" wrap="square" lIns="27432" tIns="18288" rIns="27432" bIns="18288" '
           'anchor="ctr" upright="1"/><a:lstStyle/><a:p><a:pPr algn="ctr" rtl="0"><a:defRPr sz="1000"/></a:pPr>'
           '<a:r><a:rPr lang="zh-CN" altLang="en-US" sz="1000" b="0" i="0" u="none" strike="noStrike" baseline="0">'
           '<a:solidFill><a:srgbClr val="000000"/></a:solidFill><a:latin typeface="宋体"/><a:ea typeface="宋体"/>'
           '</a:rPr><a:t>{caption}</a:t></a:r></a:p></xdr:txBody></xdr:sp><xdr:clientData fPrintsWithSheet="0"/>'
           '</xdr:twoCellAnchor></mc:Choice><mc:Fallback/></mc:AlternateContent>')
_CTRL_PROP = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
              f'<formControlPr xmlns="{X14}" objectType="Button" lockText="1"/>')
_CONTROL = ('<mc:AlternateContent xmlns:mc="{mc}"><mc:Choice Requires="x14"><control shapeId="{sid}" r:id="{rid}" '
            'name="{name}"><controlPr defaultSize="0" print="0" autoFill="0" autoPict="0" macro="{macro}">'
            '<anchor moveWithCells="1" sizeWithCells="1"><from><xdr:col>{c0}</xdr:col><xdr:colOff>38100</xdr:colOff>'
            '<xdr:row>{r0}</xdr:row><xdr:rowOff>19050</xdr:rowOff></from><to><xdr:col>{c1}</xdr:col>'
            '<xdr:colOff>38100</xdr:colOff><xdr:row>{r1}</xdr:row><xdr:rowOff>0</xdr:rowOff></to></anchor>'
            '</controlPr></control></mc:Choice></mc:AlternateContent>')


def _add_to_sheet(parts: dict[str, bytes], sheet: str, part: str, ids: list[str], labels: dict[str, str],
                  macro: str) -> list[Placed]:
    from lxml import etree

    data = parts[part].decode("utf-8")
    m = re.search(r"<(?:\w+:)?worksheet\b[^>]*>", data)
    start = m.group(0)
    extra = "".join(f' xmlns:{p}="{u}"' for p, u in (("r", R), ("xdr", XDR), ("x14", X14), ("mc", MC))
                    if f'xmlns:{p}="' not in start)
    data = data[:m.start()] + start[:-1].rstrip("/") + extra + (" />" if start.endswith("/>") else ">") + data[m.end():]
    root = etree.fromstring(data.encode("utf-8"))
    rels = _rels(parts, part)
    col = _used_columns(parts[part]) + 1            # one empty column right of the sheet's contents
    existing = {c.get("name") for c in root.iter(f"{{{MAIN}}}control")}

    # the VML drawing: the sheet's own (shared with comments) or a new one
    legacy = root.find(f"{{{MAIN}}}legacyDrawing")
    if legacy is not None:
        vml_part = rels[legacy.get(f"{{{R}}}id")][1]
        vml = parts[vml_part].decode("utf-8")
        sids = [int(x) for x in re.findall(r"_x0000_s(\d+)", vml)]
        mb = re.search(r'idmap\b[^>]*data\s*=\s*["\']([\d,\s]*)', vml)
        block = int(re.findall(r"\d+", mb.group(1))[0]) if mb else 1
        sid = max(sids + [block * 1024])
        head = re.search(r"<xml\b[^>]*>", vml).group(0)
        if "xmlns:x=" not in head:
            vml = vml.replace(head, head[:-1] + " " + VML_NS + ">", 1)
    else:
        block = _vml_blocks(parts) + 1
        vml_part = _next_name(parts, "xl/drawings/vmlDrawing{}.vml")
        vml = (f'<xml {VML_NS}><o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{block}"/>'
               "</o:shapelayout></xml>")
        sid = block * 1024
        rid = _add_rel(parts, part, RT["vml"], vml_part)
        legacy = etree.Element(f"{{{MAIN}}}legacyDrawing")
        legacy.set(f"{{{R}}}id", rid)
        _insert_ordered(root, legacy)
    if "_x0000_t201" not in vml:
        vml = vml[:vml.rindex("</xml>")] + _T201 + "</xml>"

    drawing = root.find(f"{{{MAIN}}}drawing")
    if drawing is not None:
        drawing_part = rels[drawing.get(f"{{{R}}}id")][1]
    else:
        drawing_part = _next_name(parts, "xl/drawings/drawing{}.xml")
        parts[drawing_part] = _DRAWING.encode("utf-8")
        rid = _add_rel(parts, part, RT["drawing"], drawing_part)
        drawing = etree.Element(f"{{{MAIN}}}drawing")
        drawing.set(f"{{{R}}}id", rid)
        _insert_ordered(root, drawing)
    dxml = parts[drawing_part].decode("utf-8")

    controls = root.find(f".//{{{MAIN}}}controls")
    if controls is None:
        outer = etree.fromstring(f'<mc:AlternateContent xmlns:mc="{MC}" xmlns="{MAIN}" xmlns:x14="{X14}">'
                                 '<mc:Choice Requires="x14"><controls/></mc:Choice></mc:AlternateContent>')
        controls = outer[0][0]
        _insert_ordered(root, outer)

    placed: list[Placed] = []
    overrides = {drawing_part: CT_DRAWING}
    for i, bid in enumerate(ids):
        name = NAME_PREFIX + bid
        if name in existing:
            continue
        sid += 1
        caption = labels[bid]
        r0, r1 = 2 + 2 * i, 4 + 2 * i
        c0, c1 = col, col + 2
        vml = vml[:vml.rindex("</xml>")] + _VML_BUTTON.format(
            sid=sid, left=48 * c0 + 3, top=15 * r0 + 2, w=96, h=28, z=i + 1, caption=escape(caption),
            c0=c0, r0=r0, c1=c1, r1=r1, macro=escape(macro)) + "</xml>"
        dxml = dxml[:dxml.rindex("</xdr:wsDr>")] + _ANCHOR.format(
            c0=c0, r0=r0, c1=c1, r1=r1, sid=sid, name=name, caption=escape(caption)) + "</xdr:wsDr>"
        ctrl_part = _next_name(parts, "xl/ctrlProps/ctrlProp{}.xml")
        parts[ctrl_part] = _CTRL_PROP.encode("utf-8")
        overrides[ctrl_part] = CT_CTRL
        rid = _add_rel(parts, part, RT["ctrl"], ctrl_part)
        el = etree.fromstring(
            f'<wrap xmlns="{MAIN}" xmlns:r="{R}" xmlns:xdr="{XDR}" xmlns:mc="{MC}">'
            + _CONTROL.format(mc=MC, sid=sid, rid=rid, name=name, macro=escape(macro, {'"': "&quot;"}),
                              c0=c0, r0=r0, c1=c1, r1=r1) + "</wrap>")[0]
        controls.append(el)
        placed.append(Placed(sheet, bid, name, caption, sid))
    parts[vml_part] = vml.encode("utf-8")
    parts[drawing_part] = dxml.encode("utf-8")
    parts[part] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    _content_types(parts, overrides)
    return placed


def add_sheet_buttons(path: str | Path, *, macros: Path | None = None,
                      buttons: dict[str, list[str]] | None = None) -> list[Placed]:
    """Put the declared buttons on the sheets of the saved workbook at `path` (rewritten atomically).
    `buttons` ({sheet name: [button ids]}) overrides the declaration. Running it twice adds nothing twice."""
    from xltools.excel.buttons import BUTTONS
    from xltools.io.writers import atomic_write

    path = Path(path)
    macro, kinds = layout(macros)
    if buttons is None:
        buttons = {name: kinds.get(kind, []) for name, kind in sheet_kinds(path).items()}
    unknown = sorted({b for ids in buttons.values() for b in ids} - set(BUTTONS))
    if unknown:
        raise ValueError(f"unknown button ids {unknown}")
    labels = {k: b.label for k, b in BUTTONS.items()}
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        parts = {i.filename: z.read(i) for i in infos}
    sheet_parts = _sheet_parts(parts)
    placed: list[Placed] = []
    for sheet, ids in buttons.items():
        if ids and sheet in sheet_parts:
            placed += _add_to_sheet(parts, sheet, sheet_parts[sheet], ids, labels, macro)

    def write(tmp: Path) -> None:
        known = {i.filename for i in infos}
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
            for i in infos:
                out.writestr(i, parts[i.filename])
            for name, data in parts.items():
                if name not in known:
                    out.writestr(name, data)

    atomic_write(path, write)
    return placed
