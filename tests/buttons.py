"""A real in-sheet Form Control button, put into an .xlsx the way Excel (2010 and later) writes one, and a
reader that finds the buttons again — so that any command that writes a workbook can prove it keeps them.

    from tests.buttons import add_button, buttons, button_parts
    add_button(path, "部门收支总表", macro="xltools.xlam!Recalc", caption="重算合计")
    before = buttons(path)
    ... run the command that writes path ...
    assert buttons(path) == before

Excel stores one Form Control button in four places, all of which are written here:

1. the legacy VML drawing of the sheet (``xl/drawings/vmlDrawingN.vml``, the ``<legacyDrawing>`` of the sheet;
   shared with the sheet's cell comments): a ``<v:shape o:button="t">`` with the caption in its textbox and
   ``<x:ClientData ObjectType="Button">`` carrying ``<x:Anchor>`` and ``<x:FmlaMacro>`` (the macro it runs);
2. a hidden DrawingML twin in the sheet's drawing (``xl/drawings/drawingN.xml``) inside
   ``mc:AlternateContent Requires="a14"``, linked to the VML shape by ``a14:compatExt spid="_x0000_sNNNN"``;
3. the control properties ``xl/ctrlProps/ctrlPropN.xml``: ``<formControlPr objectType="Button" lockText="1"/>``;
4. in the sheet XML, ``<drawing r:id>``, ``<legacyDrawing r:id>`` and
   ``<mc:AlternateContent><mc:Choice Requires="x14"><controls>…<control shapeId r:id name>
   <controlPr … macro="…"><anchor>…`` pointing at the ctrlProp part;

plus the sheet's relationships (drawing, vmlDrawing, ctrlProp) and the content types (Default vml; Override
for the drawing and the ctrlProp part). Existing comments, drawings and controls of the sheet are kept: the
button joins the sheet's VML and drawing when they exist.
"""
from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from lxml import etree

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
X14 = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
A14 = "http://schemas.microsoft.com/office/drawing/2010/main"
VML_V = "urn:schemas-microsoft-com:vml"
VML_O = "urn:schemas-microsoft-com:office:office"
VML_X = "urn:schemas-microsoft-com:office:excel"

RT_DRAWING = R + "/drawing"
RT_VML = R + "/vmlDrawing"
RT_CTRL = R + "/ctrlProp"
CT_DRAWING = "application/vnd.openxmlformats-officedocument.drawing+xml"
CT_CTRL = "application/vnd.ms-excel.controlproperties+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"

_SHEET_ORDER = ("sheetPr dimension sheetViews sheetFormatPr cols sheetData sheetCalcPr sheetProtection "
                "protectedRanges scenarios autoFilter sortState dataConsolidate customSheetViews mergeCells "
                "phoneticPr conditionalFormatting dataValidations hyperlinks printOptions pageMargins pageSetup "
                "headerFooter rowBreaks colBreaks customProperties cellWatches ignoredErrors smartTags drawing "
                "legacyDrawing legacyDrawingHF drawingHF picture oleObjects controls webPublishItems tableParts "
                "extLst").split()


@dataclass(frozen=True)
class Button:
    sheet: str
    name: str            # "Button 1"
    shape_id: int        # 1025: VML _x0000_s1025 = DrawingML cNvPr id = <control shapeId>
    caption: str         # the text on the button (VML textbox)
    macro: str           # <x:FmlaMacro> in the VML
    control_macro: str   # <controlPr macro> in the sheet XML
    object_type: str     # <formControlPr objectType> in the ctrlProp part
    in_drawing: bool     # the DrawingML twin is present and hidden


# ------------------------------------------------------------------------------------------------ package
def _rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _targets(parts: dict[str, bytes], source: str) -> dict[str, tuple[str, str]]:
    """rId → (type, part) of a part's relationships."""
    path = _rels_path(source)
    if path not in parts:
        return {}
    out = {}
    for el in etree.fromstring(parts[path]):
        if el.get("TargetMode") == "External":
            continue
        t = unquote(el.get("Target"))
        part = t.lstrip("/") if t.startswith("/") else posixpath.normpath(posixpath.join(posixpath.dirname(source), t))
        out[el.get("Id")] = (el.get("Type"), part)
    return out


def _sheet_parts(parts: dict[str, bytes]) -> dict[str, str]:
    root_rels = etree.fromstring(parts["_rels/.rels"])
    wb_part = next(el.get("Target").lstrip("/") for el in root_rels if el.get("Type").endswith("/officeDocument"))
    rels = _targets(parts, wb_part)
    wb = etree.fromstring(parts[wb_part])
    out = {}
    for s in wb.iter(f"{{{MAIN}}}sheet"):
        rid = s.get(f"{{{R}}}id")
        if rid in rels:
            out[s.get("name")] = rels[rid][1]
    return out


def _read(path: Path) -> tuple[list[zipfile.ZipInfo], dict[str, bytes]]:
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        return infos, {i.filename: z.read(i) for i in infos}


def _write(path: Path, infos: list[zipfile.ZipInfo], parts: dict[str, bytes]) -> None:
    tmp = path.with_name(path.name + ".button.tmp")
    known = {i.filename for i in infos}
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for i in infos:
            if i.filename in parts:
                z.writestr(i, parts[i.filename])
        for name, data in parts.items():
            if name not in known:
                z.writestr(name, data)
    tmp.replace(path)


def _next(parts: dict[str, bytes], pattern: str) -> str:
    n = 1
    while pattern.format(n) in parts:
        n += 1
    return pattern.format(n)


def _add_rel(parts: dict[str, bytes], source: str, rtype: str, target: str) -> str:
    path = _rels_path(source)
    root = etree.fromstring(parts[path]) if path in parts else etree.Element(f"{{{PKG}}}Relationships", nsmap={None: PKG})
    ids = {el.get("Id") for el in root}
    n = 1
    while f"rId{n}" in ids:
        n += 1
    rel = posixpath.relpath(target, posixpath.dirname(source))
    etree.SubElement(root, f"{{{PKG}}}Relationship", Id=f"rId{n}", Type=rtype, Target=rel)
    parts[path] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return f"rId{n}"


def _content_types(parts: dict[str, bytes], overrides: dict[str, str]) -> None:
    root = etree.fromstring(parts["[Content_Types].xml"])
    if not any(el.get("Extension", "").lower() == "vml" for el in root):
        root.insert(0, etree.Element(f"{{{CT}}}Default", Extension="vml", ContentType=CT_VML))
    have = {el.get("PartName") for el in root}
    for part, ctype in overrides.items():
        if "/" + part not in have:
            etree.SubElement(root, f"{{{CT}}}Override", PartName="/" + part, ContentType=ctype)
    parts["[Content_Types].xml"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _insert_ordered(parent, el) -> None:
    want = _SHEET_ORDER.index(etree.QName(el).localname)
    for child in parent:
        name = etree.QName(child).localname if isinstance(child.tag, str) else ""
        if name == "AlternateContent":
            inner = [g for ch in child for g in ch if isinstance(g.tag, str)]
            name = etree.QName(inner[0]).localname if inner else ""
        if name in _SHEET_ORDER and _SHEET_ORDER.index(name) > want:
            child.addprevious(el)
            return
    parent.append(el)


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


# ------------------------------------------------------------------------------------------------ the parts
_VML_HEAD = ('<xml xmlns:v="urn:schemas-microsoft-com:vml"\n xmlns:o="urn:schemas-microsoft-com:office:office"\n'
             ' xmlns:x="urn:schemas-microsoft-com:office:excel">\n <o:shapelayout v:ext="edit">\n'
             '  <o:idmap v:ext="edit" data="{block}"/>\n </o:shapelayout>')
_VML_T201 = ('<v:shapetype{ns} id="_x0000_t201" coordsize="21600,21600" o:spt="201"\n'
             '  path="m,l,21600r21600,l21600,xe">\n  <v:stroke joinstyle="miter"/>\n'
             '  <v:path shadowok="f" o:extrusionok="f" strokeok="f" fillok="f" o:connecttype="rect"/>\n'
             '  <o:lock v:ext="edit" shapetype="t"/>\n </v:shapetype>')
_VML_BUTTON = ('<v:shape{ns} id="_x0000_s{sid}" type="#_x0000_t201" style=\'position:absolute;\n'
               '  margin-left:{left}pt;margin-top:{top}pt;width:{w}pt;height:{h}pt;z-index:{z};\n'
               '  mso-wrap-style:tight\' o:button="t" fillcolor="buttonFace [67]" strokecolor="windowText [64]"\n'
               '  o:insetmode="auto">\n  <v:fill color2="buttonFace [67]" o:detectmouseclick="t"/>\n'
               '  <o:lock v:ext="edit" rotation="t"/>\n'
               '  <v:textbox style=\'mso-direction-alt:auto\' o:singleclick="f">\n'
               '   <div style=\'text-align:center\'><font face="等线" size="220" color="#000000">{caption}</font></div>\n'
               '  </v:textbox>\n  <x:ClientData ObjectType="Button">\n'
               '   <x:Anchor>\n    {c0}, 0, {r0}, 0, {c1}, 0, {r1}, 0</x:Anchor>\n'
               '   <x:PrintObject>False</x:PrintObject>\n   <x:AutoFill>False</x:AutoFill>\n'
               '   <x:FmlaMacro>{macro}</x:FmlaMacro>\n   <x:TextHAlign>Center</x:TextHAlign>\n'
               '   <x:TextVAlign>Center</x:TextVAlign>\n  </x:ClientData>\n </v:shape>')
_DRAWING_HEAD = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<xdr:wsDr xmlns:xdr="{XDR}" '
                 f'xmlns:a="{A}"></xdr:wsDr>')
_DRAWING_ANCHOR = (
    f'<mc:AlternateContent xmlns:mc="{MC}"><mc:Choice xmlns:a14="{A14}" Requires="a14">'
    '<xdr:twoCellAnchor editAs="absolute"><xdr:from><xdr:col>{c0}</xdr:col><xdr:colOff>0</xdr:colOff>'
    '<xdr:row>{r0}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to><xdr:col>{c1}</xdr:col>'
    '<xdr:colOff>0</xdr:colOff><xdr:row>{r1}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>'
    '<xdr:sp macro="" textlink=""><xdr:nvSpPr><xdr:cNvPr id="{sid}" name="{name}" hidden="1"><a:extLst>'
    '<a:ext uri="{{63B3BB69-23CF-44E3-9099-C40C66FF867C}}"><a14:compatExt spid="_x0000_s{sid}"/></a:ext>'
    '</a:extLst></xdr:cNvPr><xdr:cNvSpPr/></xdr:nvSpPr><xdr:spPr bwMode="auto"><a:xfrm><a:off x="0" y="0"/>'
    '<a:ext cx="0" cy="0"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:noFill/>'
    '<a:ln w="9525"><a:miter lim="800000"/><a:headEnd/><a:tailEnd/></a:ln></xdr:spPr><xdr:txBody>'
    '<a:bodyPr vertOverflow="clip" wrap="square" lIns="27432" tIns="18288" rIns="27432" bIns="18288" '
    'anchor="ctr" upright="1"/><a:lstStyle/><a:p><a:pPr algn="ctr" rtl="0"><a:defRPr sz="1000"/></a:pPr>'
    '<a:r><a:rPr lang="zh-CN" altLang="en-US" sz="1100" b="0" i="0" u="none" strike="noStrike" baseline="0">'
    '<a:solidFill><a:srgbClr val="000000"/></a:solidFill><a:latin typeface="等线"/><a:ea typeface="等线"/>'
    '</a:rPr><a:t>{caption}</a:t></a:r></a:p></xdr:txBody></xdr:sp><xdr:clientData fPrintsWithSheet="0"/>'
    '</xdr:twoCellAnchor></mc:Choice><mc:Fallback/></mc:AlternateContent>')
_CTRL_PROP = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
              f'<formControlPr xmlns="{X14}" objectType="Button" lockText="1"/>')
_CONTROL = (f'<mc:AlternateContent xmlns:mc="{MC}"><mc:Choice Requires="x14">'
            '<control shapeId="{sid}" r:id="{rid}" name="{name}"><controlPr defaultSize="0" print="0" autoFill="0" '
            'autoPict="0" macro="{macro}"><anchor moveWithCells="1" sizeWithCells="1"><from><xdr:col>{c0}</xdr:col>'
            '<xdr:colOff>0</xdr:colOff><xdr:row>{r0}</xdr:row><xdr:rowOff>0</xdr:rowOff></from><to>'
            '<xdr:col>{c1}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{r1}</xdr:row><xdr:rowOff>0</xdr:rowOff>'
            '</to></anchor></controlPr></control></mc:Choice></mc:AlternateContent>')
_ROOT_NS = {"r": R, "xdr": XDR, "x14": X14, "mc": MC}


def _vml_blocks(parts: dict[str, bytes]) -> list[int]:
    out = [0]
    for name, data in parts.items():
        if name.lower().endswith(".vml"):
            m = re.search(rb'idmap\b[^>]*data\s*=\s*["\']([\d,\s]*)', data)
            if m:
                out += [int(x) for x in re.findall(rb"\d+", m.group(1))]
            out += [int(x) // 1024 for x in re.findall(rb"_x0000_s(\d+)", data)]
    return out


def add_button(path: str | Path, sheet: str, macro: str = "xltools.xlam!Recalc", caption: str = "重算合计", *,
               col: int = 5, row: int = 1, cols: int = 2, rows: int = 2) -> Button:
    """Insert a Form Control button on `sheet` of the workbook at `path` (changed in place), anchored from
    the 0-based cell (row, col) over cols × rows cells, running `macro`. Returns the button as read back."""
    path = Path(path)
    infos, parts = _read(path)
    sheet_part = _sheet_parts(parts)[sheet]
    # the root of the sheet declares the prefixes Excel uses for controls (r, xdr, x14, mc)
    data = parts[sheet_part].decode("utf-8")
    m = re.search(r"<(?:\w+:)?worksheet\b[^>]*>", data)
    start = m.group(0)
    extra = "".join(f' xmlns:{p}="{u}"' for p, u in _ROOT_NS.items() if f'xmlns:{p}="' not in start)
    data = data[:m.start()] + start[:-1].rstrip("/") + extra + (" />" if start.endswith("/>") else ">") + data[m.end():]
    root = etree.fromstring(data.encode("utf-8"))
    rels = _targets(parts, sheet_part)
    c0, r0, c1, r1 = col, row, col + cols, row + rows

    # 1. VML: the sheet's own legacy drawing (shared with its comments), or a new one
    legacy = root.find(f"{{{MAIN}}}legacyDrawing")
    if legacy is not None:
        vml_part = rels[legacy.get(f"{{{R}}}id")][1]
        vml = parts[vml_part]
        head_end = re.search(rb"<xml\b[^>]*>", vml).group(0)
        bare = all(f'xmlns:{p}="{u}"'.encode() in head_end for p, u in (("v", VML_V), ("o", VML_O), ("x", VML_X)))
        ns = "" if bare else f' xmlns:v="{VML_V}" xmlns:o="{VML_O}" xmlns:x="{VML_X}"'
        ids = [int(x) for x in re.findall(rb"_x0000_s(\d+)", vml)]
        m = re.search(rb'idmap\b[^>]*data\s*=\s*["\']([\d,\s]*)', vml)
        block = int(re.findall(rb"\d+", m.group(1))[0]) if m else 1
        sid = max(ids + [block * 1024]) + 1
        shapes = len(re.findall(rb"<(?:[\w.-]+:)?shape\b", vml))
    else:
        block = max(_vml_blocks(parts)) + 1
        vml_part = _next(parts, "xl/drawings/vmlDrawing{}.vml")
        vml = (_VML_HEAD.format(block=block) + "</xml>").encode("utf-8")
        ns = ""
        sid = block * 1024 + 1
        shapes = 0
    n_buttons = len(root.findall(f".//{{{MAIN}}}control")) + 1
    name = f"Button {n_buttons}"
    shape = ""
    if b"_x0000_t201" not in vml:
        shape += _VML_T201.format(ns=ns)
    shape += _VML_BUTTON.format(ns=ns, sid=sid, left=48 * col + 3, top=15 * row + 3, w=48 * cols, h=15 * rows,
                                z=shapes + 1, caption=_esc(caption), c0=c0, r0=r0, c1=c1, r1=r1, macro=_esc(macro))
    close = vml.rindex(b"</xml>")
    parts[vml_part] = vml[:close] + shape.encode("utf-8") + b"</xml>"
    if legacy is None:
        rid = _add_rel(parts, sheet_part, RT_VML, vml_part)
        legacy = etree.Element(f"{{{MAIN}}}legacyDrawing")
        _insert_ordered(root, legacy)
        legacy.set(f"{{{R}}}id", rid)

    # 2. DrawingML twin: the sheet's own drawing, or a new one
    drawing = root.find(f"{{{MAIN}}}drawing")
    if drawing is not None:
        drawing_part = _targets(parts, sheet_part)[drawing.get(f"{{{R}}}id")][1]
        dxml = parts[drawing_part]
    else:
        drawing_part = _next(parts, "xl/drawings/drawing{}.xml")
        dxml = _DRAWING_HEAD.encode("utf-8")
        rid = _add_rel(parts, sheet_part, RT_DRAWING, drawing_part)
        drawing = etree.Element(f"{{{MAIN}}}drawing")
        _insert_ordered(root, drawing)
        drawing.set(f"{{{R}}}id", rid)
    anchor = _DRAWING_ANCHOR.format(c0=c0, r0=r0, c1=c1, r1=r1, sid=sid, name=name, caption=_esc(caption))
    close = dxml.rindex(b"</xdr:wsDr>")
    parts[drawing_part] = dxml[:close] + anchor.encode("utf-8") + dxml[close:]

    # 3. control properties
    ctrl_part = _next(parts, "xl/ctrlProps/ctrlProp{}.xml")
    parts[ctrl_part] = _CTRL_PROP.encode("utf-8")
    ctrl_rid = _add_rel(parts, sheet_part, RT_CTRL, ctrl_part)

    # 4. the <controls> of the sheet
    control = etree.fromstring(
        f'<wrap xmlns="{MAIN}" xmlns:r="{R}" xmlns:xdr="{XDR}" xmlns:x14="{X14}" xmlns:mc="{MC}">'
        + _CONTROL.format(sid=sid, rid=ctrl_rid, name=name, macro=_esc(macro), c0=c0, r0=r0, c1=c1, r1=r1)
        + "</wrap>")[0]
    controls = root.find(f".//{{{MAIN}}}controls")
    if controls is None:
        outer = etree.fromstring(f'<mc:AlternateContent xmlns:mc="{MC}" xmlns="{MAIN}" xmlns:x14="{X14}">'
                                 f'<mc:Choice Requires="x14"><controls/></mc:Choice></mc:AlternateContent>')
        controls = outer[0][0]
        # the schema puts <controls> right after <legacyDrawing> (oleObjects, picture in between)
        anchor_el = root.find(f"{{{MAIN}}}legacyDrawing")
        for follower in ("legacyDrawingHF", "drawingHF", "picture", "oleObjects"):
            nxt = root.find(f"{{{MAIN}}}{follower}")
            if nxt is not None:
                anchor_el = nxt
        anchor_el.addnext(outer)
    controls.append(control)

    parts[sheet_part] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    overrides = {ctrl_part: CT_CTRL}
    if drawing_part.endswith(".xml"):
        overrides[drawing_part] = CT_DRAWING
    _content_types(parts, overrides)
    _write(path, infos, parts)
    return next(b for b in buttons(path) if b.sheet == sheet and b.shape_id == sid)


# ------------------------------------------------------------------------------------------------ reading
def buttons(path: str | Path) -> list[Button]:
    """Every Form Control button of the workbook, read from all four places Excel keeps it."""
    _infos, parts = _read(Path(path))
    out = []
    for sheet, part in _sheet_parts(parts).items():
        if part not in parts:
            continue
        root = etree.fromstring(parts[part])
        rels = _targets(parts, part)
        legacy = root.find(f"{{{MAIN}}}legacyDrawing")
        vml_shapes = {}
        if legacy is not None and legacy.get(f"{{{R}}}id") in rels:
            vml = etree.fromstring(parts[rels[legacy.get(f"{{{R}}}id")][1]], etree.XMLParser(recover=True))
            for shape in vml.iter(f"{{{VML_V}}}shape"):
                cd = shape.find(f"{{{VML_X}}}ClientData")
                if cd is None or cd.get("ObjectType") != "Button":
                    continue
                sid = int(re.search(r"(\d+)$", shape.get("id") or shape.get(f"{{{VML_O}}}spid")).group(1))
                macro = cd.findtext(f"{{{VML_X}}}FmlaMacro") or ""
                box = shape.find(f"{{{VML_V}}}textbox")
                caption = "".join(box.itertext()).strip() if box is not None else ""
                vml_shapes[sid] = (caption, macro)
        drawn = set()
        drawing = root.find(f"{{{MAIN}}}drawing")
        if drawing is not None and drawing.get(f"{{{R}}}id") in rels:
            d = etree.fromstring(parts[rels[drawing.get(f"{{{R}}}id")][1]])
            for c in d.iter(f"{{{XDR}}}cNvPr"):
                if c.get("hidden") == "1" and c.find(f".//{{{A14}}}compatExt") is not None:
                    drawn.add(int(c.get("id")))
        for control in root.iter(f"{{{MAIN}}}control"):
            sid = int(control.get("shapeId"))
            pr = control.find(f"{{{MAIN}}}controlPr")
            ctrl = rels.get(control.get(f"{{{R}}}id"))
            object_type = ""
            if ctrl and ctrl[1] in parts:
                object_type = etree.fromstring(parts[ctrl[1]]).get("objectType", "")
            caption, macro = vml_shapes.get(sid, ("", ""))
            out.append(Button(sheet=sheet, name=control.get("name", ""), shape_id=sid, caption=caption, macro=macro,
                              control_macro=pr.get("macro", "") if pr is not None else "", object_type=object_type,
                              in_drawing=sid in drawn))
    return out


def button_parts(path: str | Path) -> dict[str, bytes]:
    """The bytes of every part that carries a control: ctrlProps and the DrawingML drawings (unchanged by a
    writer that keeps buttons), plus each VML button shape as text (a VML also holds the sheet's comments,
    so the part itself changes when a note is added; the button shape inside it must not)."""
    _infos, parts = _read(Path(path))
    out = {n: d for n, d in parts.items() if n.startswith("xl/ctrlProps/") or re.match(r"xl/drawings/drawing\d+\.xml$", n)}
    for n, d in parts.items():
        if n.lower().endswith(".vml"):
            for m in re.finditer(rb"<v:shape\b.*?</v:shape>", d, re.S):
                if b'ObjectType="Button"' in m.group(0):
                    sid = re.search(rb'id="(_x0000_s\d+)"', m.group(0)).group(1).decode()
                    out[f"{n}#{sid}"] = m.group(0)
    return out


# ------------------------------------------------------------------------------------------------ integrity
_CT_BY_EXT_ONLY = {"rels", "xml", "vml", "bin", "png", "jpeg", "jpg", "gif", "emf", "wmf"}


def workbook_problems(path: str | Path) -> list[str]:
    """What would make Excel offer to repair the package (empty when none): dangling relationships, parts
    without a content type, content types without a part, worksheet children out of schema order, rows and
    cells out of order, style indexes past the style table, comments without a VML note shape, duplicate VML
    shape ids, bad sheet ids / names / defined-name scopes / active tab."""
    problems: list[str] = []
    with zipfile.ZipFile(path) as z:
        bad = z.testzip()
        if bad:
            return [f"corrupt member {bad}"]
        parts = {i.filename: z.read(i) for i in z.infolist()}
    trees = {}
    for name, data in parts.items():
        if name.endswith((".xml", ".rels", ".vml")):
            try:
                trees[name] = etree.fromstring(data)
            except etree.XMLSyntaxError as e:
                problems.append(f"{name} is not well-formed XML: {e}")
    ct = trees.get("[Content_Types].xml")
    if ct is None:
        return problems + ["no [Content_Types].xml"]
    defaults = {el.get("Extension", "").lower() for el in ct if etree.QName(el).localname == "Default"}
    overrides = {el.get("PartName", "").lstrip("/") for el in ct if etree.QName(el).localname == "Override"}
    for o in overrides:
        if o not in parts:
            problems.append(f"content type for missing part {o}")
    for name in parts:
        if name != "[Content_Types].xml" and name not in overrides and name.rsplit(".", 1)[-1].lower() not in defaults:
            problems.append(f"part without content type {name}")
    for name in parts:
        if not name.endswith(".rels"):
            continue
        folder, fname = posixpath.split(name)
        source = posixpath.join(posixpath.dirname(folder), fname[:-5]) if fname != ".rels" else ""
        if source and source not in parts:
            problems.append(f"rels for missing part {name}")
        ids = [el.get("Id") for el in trees.get(name, [])]
        if len(ids) != len(set(ids)):
            problems.append(f"duplicate relationship ids in {name}")
        for _rid, (_t, target) in _targets(parts, source).items():
            if target not in parts:
                problems.append(f"{name} points to missing {target}")

    root_rels = trees["_rels/.rels"]
    wb_part = next(el.get("Target").lstrip("/") for el in root_rels if el.get("Type").endswith("/officeDocument"))
    wb = trees[wb_part]
    sheets = list(wb.iter(f"{{{MAIN}}}sheet"))
    names = [s.get("name") for s in sheets]
    if len(set(names)) != len(names):
        problems.append(f"duplicate sheet names {names}")
    ids = [s.get("sheetId") for s in sheets]
    if len(set(ids)) != len(ids):
        problems.append(f"duplicate sheetIds {ids}")
    if not any(s.get("state", "visible") == "visible" for s in sheets):
        problems.append("no visible sheet")
    seen = set()
    for d in wb.iter(f"{{{MAIN}}}definedName"):
        lid = d.get("localSheetId")
        if lid is not None and not 0 <= int(lid) < len(sheets):
            problems.append(f"defined name {d.get('name')} scoped to sheet {lid} of {len(sheets)}")
        key = (d.get("name").lower(), lid)
        if key in seen:
            problems.append(f"duplicate defined name {key}")
        seen.add(key)
    for v in wb.iter(f"{{{MAIN}}}workbookView"):
        if int(v.get("activeTab", "0")) >= len(sheets):
            problems.append("activeTab past the last sheet")

    styles = next((trees[p] for t, p in _targets(parts, wb_part).values() if t.endswith("/styles")), None)
    n_xfs = n_fills = n_fonts = 0
    if styles is not None:
        def section(tag):
            el = styles.find(f"{{{MAIN}}}{tag}")
            return [] if el is None else [x for x in el if isinstance(x.tag, str)], el

        for tag in ("cellXfs", "fills", "fonts"):
            items, el = section(tag)
            if el is not None and el.get("count") and int(el.get("count")) != len(items):
                problems.append(f"styles {tag} count {el.get('count')} != {len(items)}")
        xfs, _ = section("cellXfs")
        n_xfs, n_fills, n_fonts = len(xfs), len(section("fills")[0]), len(section("fonts")[0])
        for i, xf in enumerate(xfs):
            if int(xf.get("fillId", "0")) >= n_fills or int(xf.get("fontId", "0")) >= n_fonts:
                problems.append(f"cellXfs[{i}] points past fills/fonts")

    for sheet, part in _sheet_parts(parts).items():
        root = trees.get(part)
        if root is None or etree.QName(root).localname != "worksheet":
            continue
        order = []
        for child in root:
            if not isinstance(child.tag, str):
                continue
            n = etree.QName(child).localname
            if n == "AlternateContent":
                inner = [g for ch in child for g in ch if isinstance(g.tag, str)]
                n = etree.QName(inner[0]).localname if inner else n
            if n in _SHEET_ORDER:
                order.append(_SHEET_ORDER.index(n))
        if order != sorted(order):
            problems.append(f"{sheet}: worksheet children out of schema order")
        last_r = 0
        for row in root.iter(f"{{{MAIN}}}row"):
            r = int(row.get("r"))
            if r <= last_r:
                problems.append(f"{sheet}: row {r} out of order")
            last_r = r
            last_c = 0
            for c in row.iter(f"{{{MAIN}}}c"):
                m = re.fullmatch(r"([A-Z]+)(\d+)", c.get("r", ""))
                if not m or int(m.group(2)) != r:
                    problems.append(f"{sheet}: cell {c.get('r')} in row {r}")
                    continue
                col = 0
                for ch in m.group(1):
                    col = col * 26 + ord(ch) - 64
                if col <= last_c:
                    problems.append(f"{sheet}: cell {c.get('r')} out of order")
                last_c = col
                if styles is not None and int(c.get("s", "0")) >= max(n_xfs, 1):
                    problems.append(f"{sheet}: cell {c.get('r')} style {c.get('s')} past cellXfs ({n_xfs})")
        rels = _targets(parts, part)
        legacy = root.find(f"{{{MAIN}}}legacyDrawing")
        vml_notes: set[tuple[int, int]] = set()
        if legacy is not None:
            rid = legacy.get(f"{{{R}}}id")
            if rid not in rels:
                problems.append(f"{sheet}: legacyDrawing {rid} has no relationship")
            else:
                vml = parts.get(rels[rid][1], b"")
                sids = re.findall(rb"<(?:[\w.-]+:)?shape\b[^>]*?\bid=\"(_x0000_s\d+)\"", vml)
                if len(sids) != len(set(sids)):
                    problems.append(f"{sheet}: duplicate VML shape ids {sids}")
                for shape in re.findall(rb"<(?:[\w.-]+:)?shape\b.*?</(?:[\w.-]+:)?shape>", vml, re.S):
                    if re.search(rb"ObjectType=\"Note\"", shape):
                        r_ = re.search(rb"Row>\s*(\d+)", shape)
                        c_ = re.search(rb"Column>\s*(\d+)", shape)
                        vml_notes.add((int(r_.group(1)), int(c_.group(1))))
        for rid, (t, target) in rels.items():
            if t.endswith("/comments"):
                for cm in trees[target].iter(f"{{{MAIN}}}comment"):
                    m = re.fullmatch(r"([A-Z]+)(\d+)", cm.get("ref"))
                    col = 0
                    for ch in m.group(1):
                        col = col * 26 + ord(ch) - 64
                    if (int(m.group(2)) - 1, col - 1) not in vml_notes:
                        problems.append(f"{sheet}: comment {cm.get('ref')} has no VML note shape")
    return problems
