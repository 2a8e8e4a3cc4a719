"""Word (.docx) output of a narrative Document, with python-docx. The only module that imports python-docx.

Why python-docx rather than docxtpl: the document's shape comes from the data (how many 类 rows, projects and
indicator rows; which sentences apply), which a Jinja text template already decides; docxtpl would need a
second, Word-side template per layout that a bureau edits in Word and nobody can diff, and a table-row loop
in Word XML for every table. Here one Jinja template gives both the Markdown (for review and diffing) and the
Word document, laid out in code: styles with East-Asian fonts (w:eastAsia), bordered tables whose header rows
repeat on every page, merged header and level cells, landscape pages for wide tables, page numbers.
The layout values (fonts, sizes, margins) are data: templates/styles.toml, overridable like the templates.
"""
from __future__ import annotations

import re
import tomllib
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from docx import Document as new_docx
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor

from xltools.errors import TemplateError
from xltools.narrative.document import Document, Heading, PageBreak, Run, SectionBreak, TableBlock
from xltools.narrative.env import PACKAGE_TEMPLATES

ALIGN = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT,
         "justify": WD_ALIGN_PARAGRAPH.JUSTIFY, "l": WD_ALIGN_PARAGRAPH.LEFT, "c": WD_ALIGN_PARAGRAPH.CENTER,
         "r": WD_ALIGN_PARAGRAPH.RIGHT}
STYLE_NAMES = {"title": "Title", "heading1": "Heading 1", "heading2": "Heading 2", "table_title": "Heading 3",
               "body": "情况说明正文", "attachment": "情况说明附件", "note": "情况说明表注", "table": "情况说明表格",
               "table_header": "情况说明表头", "footer": "情况说明页码"}
WIDE_COLUMNS = 8
_THEME_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


def load_styles(styles_dir: str | Path | None = None) -> dict:
    path = PACKAGE_TEMPLATES / "styles.toml"
    for d in (styles_dir,):
        if d and (Path(d) / "styles.toml").is_file():
            path = Path(d) / "styles.toml"
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, OSError) as e:
        raise TemplateError(f"版式文件 {path} 有误：{e}", path=path) from None


# ----------------------------------------------------------------------------------------------- fonts


def _set_rfonts(rpr, east: str, latin: str) -> None:
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for a in _THEME_ATTRS:
        if rfonts.get(qn(a)) is not None:
            del rfonts.attrib[qn(a)]
    rfonts.set(qn("w:ascii"), latin)
    rfonts.set(qn("w:hAnsi"), latin)
    rfonts.set(qn("w:cs"), latin)
    rfonts.set(qn("w:eastAsia"), east)
    rfonts.set(qn("w:hint"), "eastAsia")


def _doc_defaults(doc, east: str, latin: str) -> None:
    styles = doc.styles.element
    rpr_default = styles.find(qn("w:docDefaults"))
    if rpr_default is None:
        return
    rpr = rpr_default.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
    if rpr is None:
        return
    _set_rfonts(rpr, east, latin)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")


def _style(doc, key: str, spec: dict, latin: str, base: str | None = "Normal"):
    name = STYLE_NAMES[key]
    try:
        st = doc.styles[name]
    except KeyError:
        st = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        if base:
            st.base_style = doc.styles[base]
    st.font.size = Pt(spec.get("size", 12))
    st.font.bold = bool(spec.get("bold", False))
    st.font.italic = False
    st.font.color.rgb = RGBColor(0, 0, 0)
    _set_rfonts(st.element.get_or_add_rPr(), spec.get("east", "宋体"), latin)
    pf = st.paragraph_format
    pf.space_before = Pt(spec.get("space_before", 0))
    pf.space_after = Pt(spec.get("space_after", 0))
    if "line_spacing" in spec:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(spec["line_spacing"])
    else:
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    indent = spec.get("indent_chars", 0)
    pf.first_line_indent = Pt(spec.get("size", 12) * indent) if indent else Pt(0)
    pf.alignment = ALIGN.get(spec.get("align", "left"))
    ppr = st.element.get_or_add_pPr()
    border = ppr.find(qn("w:pBdr"))           # the stock Title style has a rule under it
    if border is not None:
        ppr.remove(border)
    return st


def _setup(doc, cfg: dict) -> dict:
    latin = cfg.get("fonts", {}).get("latin", "Times New Roman")
    specs = cfg.get("styles", {})
    _doc_defaults(doc, specs.get("body", {}).get("east", "宋体"), latin)
    _style(doc, "body", specs.get("body", {}), latin)
    normal = doc.styles["Normal"]
    _set_rfonts(normal.element.get_or_add_rPr(), specs.get("body", {}).get("east", "宋体"), latin)
    out = {}
    for key in STYLE_NAMES:
        out[key] = _style(doc, key, specs.get(key, {}), latin)
    for key in ("heading1", "heading2", "table_title", "title"):
        out[key].paragraph_format.keep_with_next = True
    return out


# ----------------------------------------------------------------------------------------------- page


def _page(section, cfg: dict, orientation: str) -> None:
    p = cfg.get("page", {})
    w, h = Cm(p.get("width_cm", 21.0)), Cm(p.get("height_cm", 29.7))
    if orientation == "landscape":
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = h, w
        m = Cm(p.get("landscape_margin_cm", 2.0))
        section.top_margin = section.bottom_margin = section.left_margin = section.right_margin = m
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = w, h
        section.top_margin = Cm(p.get("margin_top_cm", 3.7))
        section.bottom_margin = Cm(p.get("margin_bottom_cm", 3.5))
        section.left_margin = Cm(p.get("margin_left_cm", 2.8))
        section.right_margin = Cm(p.get("margin_right_cm", 2.6))


def _field(run, instr: str) -> None:
    for kind, text in (("begin", None), (None, instr), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            run._r.append(el)
        elif text == instr:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {instr} "
            run._r.append(el)
        else:
            el = OxmlElement("w:t")
            el.text = text
            run._r.append(el)


def _footer(section, style) -> None:
    footer = section.footer
    footer.is_linked_to_previous = False
    p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    p.style = style
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.first_line_indent = Pt(0)
    p.add_run("— ")
    _field(p.add_run(), "PAGE")
    p.add_run(" —")


# ----------------------------------------------------------------------------------------------- text


def _runs(paragraph, runs: list[Run]) -> None:
    for r in runs:
        run = paragraph.add_run()
        if r.br:
            run.add_break()
        if r.text:
            run.add_text(_BAD_XML.sub("", r.text))
        if r.bold:
            run.bold = True


# ----------------------------------------------------------------------------------------------- tables


def _regions(t: TableBlock):
    """(horizontal spans {(i, j): span}, vertical merges [(top, bottom, j)], covered cells)."""
    R, C = len(t.rows), t.columns
    spans: dict[tuple[int, int], int] = {}
    covered: set[tuple[int, int]] = set()
    for i, row in enumerate(t.rows):
        for j, c in enumerate(row):
            if c is None:
                covered.add((i, j))
            elif c.span > 1:
                spans[(i, j)] = min(c.span, C - j)

    def single(i, j):
        c = t.rows[i][j] if j < len(t.rows[i]) else None
        return c is not None and (i, j) not in covered and spans.get((i, j), 1) == 1

    def text(i, j):
        return t.rows[i][j].text.strip()

    vmerge: list[tuple[int, int, int]] = []
    H = t.header_rows

    merge_cols = sorted(m - 1 for m in t.merge if 0 < m <= C)

    def key(i: int, j: int) -> tuple:
        # a level-2 cell merges only within its level-1 group: the key carries the merge columns to its left
        return tuple(text(i, k) for k in merge_cols if k < j and single(i, k)) + (text(i, j),)

    def runs_in(rows: range, j: int, keyed: bool) -> None:
        i = rows.start
        while i < rows.stop:
            if not (single(i, j) and text(i, j)):
                i += 1
                continue
            k = i
            same = (lambda a, b: key(a, j) == key(b, j)) if keyed else (lambda a, b: text(a, j) == text(b, j))
            while k + 1 < rows.stop and single(k + 1, j) and same(k + 1, i):
                k += 1
            if k > i:
                vmerge.append((i, k, j))
            i = k + 1

    if H > 1:
        for j in range(C):
            runs_in(range(0, H), j, keyed=False)
    for j in merge_cols:
        runs_in(range(H, R), j, keyed=True)
    for top, bottom, j in vmerge:
        for i in range(top + 1, bottom + 1):
            covered.add((i, j))
    return spans, vmerge, covered


_BAD_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(s: str) -> str:
    return xml_escape(_BAD_XML.sub("", s))


def _runs_xml(runs: list[Run], rpr: str) -> str:
    out = []
    for r in runs:
        inner = "<w:br/>" if r.br else ""
        if r.text:
            inner += f'<w:t xml:space="preserve">{_xml_text(r.text)}</w:t>'
        if inner:
            out.append(f"<w:r><w:rPr>{'<w:b/><w:bCs/>' if r.bold else ''}{rpr}</w:rPr>{inner}</w:r>")
    return "".join(out)


_BORDERS = "".join(f'<w:{e} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                   for e in ("top", "left", "bottom", "right", "insideH", "insideV"))
_JC = {"l": "left", "c": "center", "r": "right"}


_NUMERIC = re.compile(r"^[-+]?[\d,，.．%]+$")
_CELL_MARGIN = 57 * 2 + 40          # left + right cell margins and a little slack, in twips


def _em(text: str) -> float:
    """Printed width of a line in em: CJK characters 1, others (digits, Latin) a generous two thirds."""
    return sum(1.0 if ord(ch) > 0x2e7f else 0.65 for ch in text)   # 0.65: wide enough for DejaVu digits too


def column_widths(t: TableBlock, width_twips: int, font_pt: float) -> list[int]:
    """Column widths in twips: the declared proportions, but never so narrow that an amount or a code
    breaks across lines (1,932.3|3), and text columns at least four characters wide."""
    C = t.columns
    weights = list(t.widths) if len(t.widths) == C and sum(t.widths) > 0 else [1.0] * C
    body = t.rows[t.header_rows:]
    mins = []
    for j in range(C):
        texts = [ln for row in body if j < len(row) and row[j] is not None and row[j].span == 1
                 for ln in row[j].text.split("\n") if ln.strip()]
        if texts and all(_NUMERIC.match(x.strip()) for x in texts):
            em = max(_em(x.strip()) for x in texts)
        else:
            em = min(max((_em(x) for x in texts), default=2.0), 4.0)
        if not texts:
            weights[j] *= 0.6          # an empty column (no 上年结转 …) leaves room to the ones with text
        mins.append(int(em * font_pt * 20) + _CELL_MARGIN)
    if sum(mins) >= width_twips:                       # too many columns: shrink everything alike
        return [max(1, int(m * width_twips / sum(mins))) for m in mins]
    fixed: dict[int, int] = {}
    while True:
        free = [j for j in range(C) if j not in fixed]
        room = width_twips - sum(fixed.values())
        wsum = sum(weights[j] for j in free) or 1.0
        widths = {j: room * weights[j] / wsum for j in free}
        short = [j for j in free if widths[j] < mins[j]]
        if not short:
            break
        for j in short:
            fixed[j] = mins[j]
    out = [int(fixed.get(j, widths.get(j, 0))) for j in range(C)]
    return [max(1, w) for w in out]


def table_xml(t: TableBlock, styles: dict, width_twips: int) -> str:
    """One table as WordprocessingML: fixed column widths, single borders, header rows marked to repeat on
    every page (w:tblHeader), rows that do not split across pages, merged cells written as gridSpan / vMerge."""
    R, C = len(t.rows), t.columns
    wide = C > WIDE_COLUMNS
    cfg = styles["_cfg"]
    font_pt = (cfg.get("table", {}).get("size_wide") if wide else None) or cfg.get("table", {}).get("size", 10.5)
    col_w = column_widths(t, width_twips, font_pt)
    spans, vmerge, covered = _regions(t)
    vstart = {(top, j): bottom for top, bottom, j in vmerge}
    vcont = {(i, j) for top, bottom, j in vmerge for i in range(top + 1, bottom + 1)}

    def size_rpr(key: str) -> str:
        spec = cfg.get(key, {})
        size = spec.get("size_wide") if wide and spec.get("size_wide") else None
        return f'<w:sz w:val="{int(size * 2)}"/><w:szCs w:val="{int(size * 2)}"/>' if size else ""

    rpr = {True: size_rpr("table_header"), False: size_rpr("table")}
    sid = {True: styles["table_header"].style_id, False: styles["table"].style_id}
    out = [f"<w:tbl {nsdecls('w')}><w:tblPr>",
           f'<w:tblW w:w="{sum(col_w)}" w:type="dxa"/><w:jc w:val="center"/>',
           f"<w:tblBorders>{_BORDERS}</w:tblBorders>",
           '<w:tblLayout w:type="fixed"/>',
           '<w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/></w:tblCellMar>',
           '<w:tblLook w:val="0000" w:firstRow="0" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" '
           'w:noHBand="1" w:noVBand="1"/></w:tblPr><w:tblGrid>']
    out += [f'<w:gridCol w:w="{w}"/>' for w in col_w]
    out.append("</w:tblGrid>")
    for i, row in enumerate(t.rows):
        head = i < t.header_rows
        out.append("<w:tr><w:trPr><w:cantSplit/>" + ("<w:tblHeader/>" if head else "") + "</w:trPr>")
        j = 0
        while j < C:
            c = row[j] if j < len(row) else None
            if (i, j) in covered and (i, j) not in vcont:
                j += 1
                continue
            span = spans.get((i, j), 1)
            w = sum(col_w[j:j + span])
            tcpr = f'<w:tcW w:w="{w}" w:type="dxa"/>'
            if span > 1:
                tcpr += f'<w:gridSpan w:val="{span}"/>'
            if (i, j) in vstart:
                tcpr += '<w:vMerge w:val="restart"/>'
            elif (i, j) in vcont:
                tcpr += "<w:vMerge/>"
            tcpr += '<w:vAlign w:val="center"/>'
            align = "c" if head else (t.align[j] if j < len(t.align) else "l")
            ppr = f'<w:pPr><w:pStyle w:val="{sid[head]}"/><w:jc w:val="{_JC.get(align, "left")}"/></w:pPr>'
            body = "" if (i, j) in vcont or c is None else _runs_xml(c.runs, rpr[head])
            out.append(f"<w:tc><w:tcPr>{tcpr}</w:tcPr><w:p>{ppr}{body}</w:p></w:tc>")
            j += span
        out.append("</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


def _table(d, t: TableBlock, styles: dict, width_emu: int) -> None:
    if not t.rows or not t.columns:
        return
    el = parse_xml(table_xml(t, styles, int(width_emu / 635)))
    body = d.element.body
    sect = body.find(qn("w:sectPr"))
    if sect is not None:
        sect.addprevious(el)
    else:
        body.append(el)


# ----------------------------------------------------------------------------------------------- document


def _spacer(d) -> None:
    """A hairline paragraph between two tables: adjacent w:tbl elements are joined into one table by Word and
    LibreOffice, and the second table's header rows would then sit mid-table and not repeat on new pages."""
    p = d.add_paragraph()
    pf = p.paragraph_format
    pf.space_before = pf.space_after = Pt(0)
    pf.first_line_indent = Pt(0)
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = Pt(2)
    p.add_run().font.size = Pt(1)


def build_docx(doc: Document, *, styles_dir: str | Path | None = None):
    cfg = load_styles(styles_dir)
    d = new_docx()
    body = d.element.body
    for p in list(body.iterchildren(qn("w:p"))):   # the stock template's empty first paragraph, if any
        body.remove(p)
    styles = _setup(d, cfg)
    styles["_cfg"] = cfg.get("styles", {})
    section = d.sections[0]
    _page(section, cfg, "portrait")
    _footer(section, styles["footer"])
    d.core_properties.title = doc.title
    d.core_properties.author = "xltools"
    d.core_properties.language = "zh-CN"
    heading_style = {1: "title", 2: "heading1", 3: "heading2"}
    break_next = False
    previous = None

    def text_width() -> int:
        s = d.sections[-1]
        return int(s.page_width - s.left_margin - s.right_margin)

    for b in doc.blocks:
        if isinstance(b, PageBreak):
            break_next = True
            continue
        if isinstance(b, SectionBreak):
            s = d.add_section(WD_SECTION.NEW_PAGE)
            _page(s, cfg, b.orientation)
            break_next = False
            continue
        if isinstance(b, TableBlock):
            if break_next:
                d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
                break_next = False
            elif isinstance(previous, TableBlock):
                _spacer(d)
            _table(d, b, styles, text_width())
            previous = b
            continue
        previous = b
        if isinstance(b, Heading):
            p = d.add_paragraph()
            p._p.style = styles[heading_style.get(b.level, "table_title")].style_id
        else:
            key = b.style if b.style in ("attachment", "note") else "body"
            p = d.add_paragraph()
            p._p.style = styles[key].style_id
            if b.align:
                p.alignment = ALIGN.get(b.align)
                if key == "body" and b.align in ("center", "right"):
                    p.paragraph_format.first_line_indent = Pt(0)
        _runs(p, b.runs)
        if break_next:
            p.paragraph_format.page_break_before = True
            break_next = False
    return d


def write_docx(doc: Document, path: str | Path, *, styles_dir: str | Path | None = None) -> Path:
    build_docx(doc, styles_dir=styles_dir).save(str(path))
    return Path(path)
