"""The package patcher (xltools.io.patch): edits land where they should and nothing else moves.

Every edit kind is proved against the three readers (openpyxl, python-calamine, LibreOffice headless), and a
workbook that carries real Form Control buttons (tests/buttons.py), data validation, sheet protection, print
titles and someone else's comment keeps all of them through every kind of write.
"""
from __future__ import annotations

import copy
import csv
import datetime as dt
import os
import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from tests.buttons import add_button, button_parts, buttons, workbook_problems
from xltools.edits import MARK_FILLS, Edit, EditSet, ResultSheet
from xltools.errors import InputNotFound, UnreadableWorkbook
from xltools.io import apply_openpyxl, patch
from xltools.io.patch import apply_edits

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TABLE = "部门收支总表"          # buttons + someone else's comment live here
SECOND = "部门支出总表"         # a button, no comments
PLAIN = "部门收入总表"          # nothing special
RESULT = "校验结果"


# ------------------------------------------------------------------------------------------------ helpers
def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def sheet_part(path: Path, sheet: str) -> str:
    from tests.buttons import _sheet_parts

    return _sheet_parts(parts(path))[sheet]


def sheet_xml(path: Path, sheet: str):
    return etree.fromstring(parts(path)[sheet_part(path, sheet)])


def raw_cell(path: Path, sheet: str, ref: str):
    return sheet_xml(path, sheet).find(f".//{{{MAIN}}}c[@r='{ref}']")


def calamine(path: Path, sheet: str) -> list[list]:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    try:
        return wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    finally:
        wb.close()


def calamine_all(path: Path) -> dict[str, list[list]]:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    try:
        return {n: wb.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in wb.sheet_names}
    finally:
        wb.close()


def at(grid: list[list], ref: str):
    r, c = patch.split_ref(ref)
    if r - 1 >= len(grid) or c - 1 >= len(grid[r - 1]):
        return ""
    return grid[r - 1][c - 1]


def load(path: Path):
    import openpyxl

    return openpyxl.load_workbook(path)


def fill_rgb(cell) -> str | None:
    f = cell.fill
    if f is None or f.fill_type != "solid":
        return None
    return (f.fgColor.rgb or "")[-6:].upper()


def look(cell) -> tuple:
    """Everything of a cell's style but its fill (openpyxl's style proxies do not compare with ==)."""
    return (repr(copy.copy(cell.font)), repr(copy.copy(cell.border)), repr(copy.copy(cell.protection)),
            repr(copy.copy(cell.alignment)), cell.number_format)


def keeps(path: Path) -> dict:
    """What a write must keep, read with openpyxl: validations, protection, print set-up, comments."""
    wb = load(path)
    out = {}
    for ws in wb.worksheets:
        if ws.title == RESULT:
            continue
        p = ws.protection
        out[ws.title] = {
            "validations": sorted((str(dv.sqref), dv.formula1, dv.type, dv.errorStyle)
                                  for dv in ws.data_validations.dataValidation),
            "protection": (p.sheet, p.insertRows, p.deleteRows, p.formatCells, p.autoFilter, p.sort, p.objects),
            "print_titles": ws.print_title_rows,
            "page": (ws.page_setup.orientation, ws.page_setup.paperSize, ws.page_setup.fitToWidth,
                     ws.page_margins.left, ws.print_options.horizontalCentered),
            "merged": sorted(str(m) for m in ws.merged_cells.ranges),
            "comments": sorted((c.coordinate, c.comment.author, c.comment.text)
                               for row in ws.iter_rows() for c in row
                               if c.comment is not None and c.comment.author != patch.NOTE_AUTHOR),
        }
    return out


def c14n_blocks(path: Path, sheet: str) -> dict[str, bytes]:
    """The sheet's non-cell XML, canonicalised: what an edit of its cells must leave exactly as it was."""
    root = sheet_xml(path, sheet)
    out = {}
    for child in root:
        name = etree.QName(child).localname
        if name not in ("sheetData", "dimension", "legacyDrawing"):
            out.setdefault(name, b"")
            out[name] += etree.tostring(child, method="c14n")
    return out


def defined_names(path: Path) -> list[tuple]:
    wb = etree.fromstring(parts(path)["xl/workbook.xml"])
    names = [s.get("name") for s in wb.iter(f"{{{MAIN}}}sheet")]
    return sorted((d.get("name"), names[int(d.get("localSheetId"))] if d.get("localSheetId") else None, d.text)
                  for d in wb.iter(f"{{{MAIN}}}definedName"))


def meta_marks(path: Path) -> dict[str, str]:
    return {str(r[0]): r[1] for r in calamine(path, patch.META_SHEET) if r and str(r[0]).startswith("mark:")}


def ok(path: Path) -> None:
    assert workbook_problems(path) == []


# ------------------------------------------------------------------------------------------------ fixtures
@pytest.fixture
def template_book(tmp_path) -> Path:
    """The blank official template, built by code (data validation, protection, print set-up)."""
    from xltools.families import get_family
    from xltools.template import build_workbook

    path = tmp_path / "template.xlsx"
    build_workbook(get_family("dept_budget")).save(path)
    return path


def _decorate(path: Path) -> Path:
    """Someone else's comment, and real Form Control buttons: two on TABLE (whose VML also holds the comment)
    and one on SECOND."""
    wb = load(path)
    from openpyxl.comments import Comment

    wb[TABLE]["A5"].comment = Comment("请核对收入口径", "张三")
    wb.save(path)
    add_button(path, TABLE, macro="xltools.xlam!Recalc", caption="重算合计")
    add_button(path, TABLE, macro="xltools.xlam!Check", caption="校验", col=8)
    add_button(path, SECOND, macro="xltools.xlam!Recalc", caption="重算合计")
    return path


@pytest.fixture
def rich(dept_copy) -> Path:
    """Seed 001 with buttons and an unrelated comment."""
    return _decorate(dept_copy)


@pytest.fixture
def rich_template(template_book) -> Path:
    return _decorate(template_book)


def lo_available() -> str | None:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is required in CI")
        pytest.skip("LibreOffice (soffice) is not installed on this machine")
    return exe


@pytest.fixture
def lo_csv(tmp_path):
    """Open workbooks in LibreOffice headless (its own profile; one soffice run for all of them) and export
    every sheet as CSV (raw values, not as shown). Proves each file opens; returns {sheet: rows} for one
    path, a list of those for several."""

    def convert(*paths: Path):
        exe = lo_available()
        out = tmp_path / "lo-csv"
        profile = tmp_path / "lo-profile"
        flt = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
        proc = subprocess.run([exe, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", flt,
                               "--outdir", str(out), *map(str, paths)], capture_output=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        result = []
        for path in paths:
            sheets = {}
            for f in out.glob(f"{path.stem}-*.csv"):
                with open(f, encoding="utf-8", newline="") as fh:
                    sheets[f.stem[len(path.stem) + 1:]] = list(csv.reader(fh))
            assert sheets, f"LibreOffice could not open {path.name}: {proc.stderr!r}"
            result.append(sheets)
        return result[0] if len(paths) == 1 else result

    return convert


def lo_at(sheets: dict, sheet: str, ref: str) -> str:
    r, c = patch.split_ref(ref)
    rows = sheets[sheet]
    return rows[r - 1][c - 1] if r - 1 < len(rows) and c - 1 < len(rows[r - 1]) else ""


# ------------------------------------------------------------------------------------------------ basics
def test_meta_sheet_name_is_the_parsers():
    from xltools.parse import META_SHEET

    assert patch.META_SHEET == META_SHEET


def test_refs():
    assert patch.split_ref("B12") == (12, 2)
    assert patch.split_ref("$AA$3") == (3, 27)
    assert patch.col_letter(28) == "AB"
    with pytest.raises(ValueError):
        patch.split_ref("12B")


# ------------------------------------------------------------------------------------------------ values
VALUES = {
    "B5": 2000.5,                 # replaces a number, keeps the input style
    "D5": Decimal("1866.10"),     # a Decimal amount
    "B6": 12,                     # fills an empty styled cell
    "C12": "=SUM(B5:B6)",         # formula-like text stays text
    "C13": "+86 023 4457",        # ... so does this
    "C14": "@home",
    "C15": "-",                   # a dash alone is plain text
    "C16": "-5",                  # a negative number typed as text stays the text "-5"
    "D8": None,                   # clears the value, keeps the style
    "F5": "新列",                  # a cell right of a row's last cell
    "B60": 7.25,                  # a row below the sheet's last row
    "A1": "  前后有空格  ",        # whitespace kept
}


def test_values_read_back_in_openpyxl_calamine_and_libreoffice(rich, tmp_path, lo_csv):
    before = load(rich)[TABLE]
    styles_before = {ref: raw_cell(rich, TABLE, ref).get("s") for ref in ("B5", "D5", "B6", "D8")}
    out = apply_edits(rich, EditSet([Edit(TABLE, ref, v) for ref, v in VALUES.items()]), tmp_path / "out.xlsx")
    ok(out)

    ws = load(out)[TABLE]
    for ref, v in VALUES.items():
        want = None if v is None else float(v) if isinstance(v, Decimal) else v
        assert ws[ref].value == want, ref
    for ref in ("C12", "C13", "C14", "C15", "C16"):
        assert ws[ref].data_type == "s", ref
    for ref in ("C12", "C13", "C14"):
        assert ws[ref].quotePrefix, ref          # Excel keeps it text even when a person re-enters the cell
    assert not ws["C15"].quotePrefix and not ws["C16"].quotePrefix
    for ref, s in styles_before.items():       # the cell's own style is kept
        assert raw_cell(out, TABLE, ref).get("s") == s, ref
    assert ws["D8"].number_format == before["D8"].number_format
    assert fill_rgb(ws["D8"]) == fill_rgb(before["D8"])
    assert look(ws["C12"]) == look(before["C12"])

    grid = calamine(out, TABLE)
    for ref, v in VALUES.items():
        want = "" if v is None else float(v) if isinstance(v, (Decimal, int)) and not isinstance(v, bool) else v
        assert at(grid, ref) == want, ref

    lo = lo_csv(out)
    assert lo_at(lo, TABLE, "B5") == "2000.5"
    assert lo_at(lo, TABLE, "D5") == "1866.1"
    assert lo_at(lo, TABLE, "B6") == "12"
    assert lo_at(lo, TABLE, "C12") == "=SUM(B5:B6)"      # text, not the sum 2012.5
    assert lo_at(lo, TABLE, "C16") == "-5"
    assert lo_at(lo, TABLE, "D8") == ""
    assert lo_at(lo, TABLE, "F5") == "新列"
    assert lo_at(lo, TABLE, "B60") == "7.25"
    assert lo_at(lo, TABLE, "A1") == "  前后有空格  "
    assert lo_at(lo, TABLE, "B20") == "1932.33"          # untouched neighbours


def test_dates_booleans_and_control_characters(template_book, tmp_path):
    edits = EditSet([Edit(PLAIN, "B5", dt.date(2024, 3, 1)), Edit(PLAIN, "B6", dt.datetime(2024, 3, 1, 12, 30)),
                     Edit(PLAIN, "B7", True), Edit(PLAIN, "C5", "a\x01b"), Edit(PLAIN, "C6", "第一行\n第二行")])
    out = apply_edits(template_book, edits, tmp_path / "out.xlsx")
    ok(out)
    ws = load(out)[PLAIN]
    assert ws["B5"].value == dt.datetime(2024, 3, 1) and ws["B5"].is_date
    assert ws["B6"].value == dt.datetime(2024, 3, 1, 12, 30)
    assert ws["B7"].value is True
    assert ws["C6"].value == "第一行\n第二行"
    assert at(calamine(out, PLAIN), "C6") == "第一行\n第二行"
    with pytest.raises(ValueError):
        apply_edits(template_book, EditSet([Edit(PLAIN, "B5", float("nan"))]), tmp_path / "nan.xlsx")
    with pytest.raises(TypeError):
        apply_edits(template_book, EditSet([Edit(PLAIN, "B5", object())]), tmp_path / "obj.xlsx")


def test_only_the_parts_an_edit_needs_change(rich, tmp_path):
    src = parts(rich)
    table, second = sheet_part(rich, TABLE), sheet_part(rich, SECOND)

    def changed(edits):
        out = parts(apply_edits(rich, edits, tmp_path / "out.xlsx"))
        return {n for n in set(src) | set(out) if src.get(n) != out.get(n)}

    assert changed(EditSet([Edit(TABLE, "B5", 1), Edit(TABLE, "B70", "x")])) == {table}
    # the members it did not change are copied as they were, compressed bytes and all
    with zipfile.ZipFile(rich) as a, zipfile.ZipFile(tmp_path / "out.xlsx") as b:
        assert b.testzip() is None
        for info in a.infolist():
            if info.filename != table:
                other = b.getinfo(info.filename)
                assert (other.CRC, other.compress_size, other.compress_type) == \
                       (info.CRC, info.compress_size, info.compress_type), info.filename
    assert changed(EditSet([Edit(TABLE, "B5", mark="error")])) == {table, "xl/styles.xml",
                                                                   sheet_part(rich, patch.META_SHEET)}
    # TABLE already has a comments part and a VML (shared with its buttons): only those two change
    assert changed(EditSet([Edit(TABLE, "B6", note="合计不等")])) == {
        "xl/comments/comment1.xml", "xl/drawings/commentsDrawing1.vml"}
    # SECOND has a VML (its button) but no comments yet: a comments part, its rel and content type arrive
    assert changed(EditSet([Edit(SECOND, "B6", note="合计不等")])) == {
        "xl/comments1.xml", rels(second), "[Content_Types].xml", [p for p in src if p.endswith(".vml") and
                                                                 b"_x0000_s2049" in src[p]][0]}


def rels(part: str) -> str:
    return patch.rels_path(part)


# ------------------------------------------------------------------------------------------------ formulas
def _formula_book(tmp_path) -> Path:
    """A workbook with plain, shared and array formulas and the calcChain Excel keeps for them."""
    import openpyxl

    path = tmp_path / "formulas.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for r in range(1, 4):
        ws.cell(r, 1, r * 10)
    ws["D1"] = "=SUM(A1:A3)"
    ws["E1"] = "=D1*2"
    wb.save(path)
    p = parts(path)
    sx = p["xl/worksheets/sheet1.xml"].decode()
    sx = sx.replace('<c r="A1" t="n"><v>10</v></c>',
                    '<c r="A1" t="n"><v>10</v></c><c r="B1"><f t="shared" ref="B1:B3" si="0">A1*2</f><v>20</v></c>'
                    '<c r="C1"><f t="array" ref="C1:C2">A1:A2*3</f><v>30</v></c>')
    sx = sx.replace('<c r="A2" t="n"><v>20</v></c>',
                    '<c r="A2" t="n"><v>20</v></c><c r="B2"><f t="shared" si="0"/><v>40</v></c><c r="C2"><v>60</v></c>')
    sx = sx.replace('<c r="A3" t="n"><v>30</v></c>',
                    '<c r="A3" t="n"><v>30</v></c><c r="B3"><f t="shared" si="0"/><v>60</v></c>')
    p["xl/worksheets/sheet1.xml"] = sx.encode()
    p["xl/calcChain.xml"] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<calcChain xmlns="{MAIN}">'
                             '<c r="B1" i="1"/><c r="B2"/><c r="B3"/><c r="C1" a="1"/><c r="D1"/><c r="E1"/></calcChain>').encode()
    p["xl/_rels/workbook.xml.rels"] = p["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/'
                             b'2006/relationships/calcChain" Target="calcChain.xml"/></Relationships>')
    p["[Content_Types].xml"] = p["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/calcChain.xml" ContentType="application/vnd.openxmlformats-'
                     b'officedocument.spreadsheetml.calcChain+xml"/></Types>')
    p["xl/workbook.xml"] = p["xl/workbook.xml"].replace(b' fullCalcOnLoad="1"', b"")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in p.items():
            z.writestr(n, d)
    ok(path)
    return path


def test_overwriting_formulas_keeps_the_others_and_drops_the_calc_chain(tmp_path):
    src = _formula_book(tmp_path)
    out = apply_edits(src, EditSet([Edit("S", "D1", 99), Edit("S", "B1", 5), Edit("S", "C2", 1)]),
                      tmp_path / "out.xlsx")
    ok(out)
    p = parts(out)
    assert "xl/calcChain.xml" not in p
    assert b"calcChain" not in p["xl/_rels/workbook.xml.rels"] and b"calcChain" not in p["[Content_Types].xml"]
    assert b'fullCalcOnLoad="1"' in p["xl/workbook.xml"]       # dependants (E1) recalculate on open
    ws = load(out)["S"]
    assert ws["D1"].value == 99 and ws["B1"].value == 5
    assert ws["E1"].value == "=D1*2"                          # an unrelated formula stays
    assert ws["B2"].value == "=A2*2" and ws["B3"].value == "=A3*2"   # the shared formula's dependants live on
    assert ws["C2"].value == 1 and ws["C1"].value == 30       # the array formula over C2 became plain values
    assert raw_cell(out, "S", "D1").find(f"{{{MAIN}}}f") is None


def test_value_only_edits_on_a_formula_free_book_leave_workbook_xml_alone(template_book, tmp_path):
    src = parts(template_book)
    out = parts(apply_edits(template_book, EditSet([Edit(PLAIN, "B5", 1)]), tmp_path / "out.xlsx"))
    assert out["xl/workbook.xml"] == src["xl/workbook.xml"]


# ------------------------------------------------------------------------------------------------ marks
def test_marks_fill_and_a_second_run_clears_them_exactly(rich_template, tmp_path):
    src = rich_template
    cells = {"B5": "error", "A5": "warning", "H40": "info", "C6": "error"}
    s_before = {ref: (raw_cell(src, TABLE, ref).get("s") if raw_cell(src, TABLE, ref) is not None else None)
                for ref in cells}
    before = load(src)[TABLE]
    fills_before = {ref: fill_rgb(before[ref]) for ref in cells}

    one = apply_edits(src, EditSet([Edit(TABLE, ref, mark=m) for ref, m in cells.items()]), tmp_path / "one.xlsx")
    ok(one)
    ws = load(one)[TABLE]
    for ref, m in cells.items():
        assert fill_rgb(ws[ref]) == MARK_FILLS[m], ref
        assert look(ws[ref]) == look(before[ref]), ref
    records = meta_marks(one)
    assert set(records) == {f"mark:{TABLE}!{ref}" for ref in cells}
    assert load(one)[patch.META_SHEET].sheet_state == "veryHidden"

    # marking again (another run of the same check) changes nothing and grows no style table
    again = apply_edits(one, EditSet([Edit(TABLE, ref, mark=m) for ref, m in cells.items()]), tmp_path / "again.xlsx")
    assert parts(again)["xl/styles.xml"] == parts(one)["xl/styles.xml"]
    assert parts(again)[sheet_part(one, TABLE)] == parts(one)[sheet_part(one, TABLE)]
    # a different colour on a marked cell keeps the first record (the original style)
    other = apply_edits(one, EditSet([Edit(TABLE, "B5", mark="warning")]), tmp_path / "other.xlsx")
    assert fill_rgb(load(other)[TABLE]["B5"]) == MARK_FILLS["warning"]
    assert meta_marks(other) == records

    two = apply_edits(other, EditSet([Edit(TABLE, ref, mark="clear") for ref in cells]), tmp_path / "two.xlsx")
    ok(two)
    for ref in cells:                                  # the very same style index as before the first mark
        assert raw_cell(two, TABLE, ref).get("s") == s_before[ref], ref
        assert fill_rgb(load(two)[TABLE][ref]) == fills_before[ref]
    assert meta_marks(two) == {}
    assert buttons(two) == buttons(src)
    assert keeps(two) == keeps(src)


def test_clear_after_excel_renumbered_the_styles(template_book, tmp_path):
    """A marked workbook saved by another program gets a new style table: the record's style index no longer
    means anything, but the recorded fill still puts the cell back; a format change made since is kept."""
    one = apply_edits(template_book, EditSet([Edit(TABLE, "B5", mark="error"), Edit(TABLE, "B6", mark="error")]),
                      tmp_path / "one.xlsx")
    wb = load(one)
    wb[TABLE]["B5"].number_format = "0.0000"          # a person changed the format of a marked cell
    from openpyxl.styles import PatternFill

    wb[TABLE]["B6"].fill = PatternFill("solid", fgColor="00FF00")   # ... and recoloured another one
    wb.save(tmp_path / "resaved.xlsx")
    two = apply_edits(tmp_path / "resaved.xlsx", EditSet([Edit(TABLE, "B5", mark="clear"),
                                                         Edit(TABLE, "B6", mark="clear")]), tmp_path / "two.xlsx")
    ok(two)
    ws = load(two)[TABLE]
    assert fill_rgb(ws["B5"]) == "FFF9E5" and ws["B5"].number_format == "0.0000"
    assert fill_rgb(ws["B6"]) == "00FF00"             # the person's own fill stays
    assert meta_marks(two) == {}


def test_clear_removes_a_mark_the_openpyxl_adapter_made(template_book, tmp_path):
    one = apply_openpyxl.apply_edits(template_book, EditSet([Edit(TABLE, "B5", mark="error")]), tmp_path / "one.xlsx")
    two = apply_edits(one, EditSet([Edit(TABLE, "B5", mark="clear"), Edit(TABLE, "B6", mark="clear")]),
                      tmp_path / "two.xlsx")
    ws = load(two)[TABLE]
    assert fill_rgb(ws["B5"]) is None
    assert fill_rgb(ws["B6"]) == "FFF9E5"             # an unmarked cell keeps its own fill


def test_marks_in_a_foreign_workbook_create_the_hidden_record_sheet(tmp_path):
    import openpyxl

    path = tmp_path / "foreign.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "表"
    wb.active["A1"] = 1
    wb.save(path)
    one = apply_edits(path, EditSet([Edit("表", "A1", mark="error")]), tmp_path / "one.xlsx")
    ok(one)
    wb = load(one)
    assert wb.sheetnames == ["表", patch.META_SHEET] and wb[patch.META_SHEET].sheet_state == "veryHidden"
    assert wb.active.title == "表"
    two = apply_edits(one, EditSet([Edit("表", "A1", mark="clear")]), tmp_path / "two.xlsx")
    assert raw_cell(two, "表", "A1").get("s") is None and meta_marks(two) == {}


# ------------------------------------------------------------------------------------------------ notes
def test_notes_keep_someone_elses_comment_and_remove_only_the_tools(rich, tmp_path):
    one = apply_edits(rich, EditSet([Edit(TABLE, "B6", note="合计不等：应为 1932.33"),
                                     Edit(TABLE, "A5", note="这里已有张三的批注"),
                                     Edit(PLAIN, "B5", note="请填写"),
                                     Edit(SECOND, "B5", note="提示")]), tmp_path / "one.xlsx")
    ok(one)
    wb = load(one)
    assert wb[TABLE]["B6"].comment.author == "xltools" and wb[TABLE]["B6"].comment.text == "合计不等：应为 1932.33"
    assert (wb[TABLE]["A5"].comment.author, wb[TABLE]["A5"].comment.text) == ("张三", "请核对收入口径")
    assert wb[PLAIN]["B5"].comment.text == "请填写" and wb[SECOND]["B5"].comment.text == "提示"
    assert buttons(one) == buttons(rich) and button_parts(one) == button_parts(rich)

    # a second run replaces the tool's note in place (one comment, one note shape)
    two = apply_edits(one, EditSet([Edit(TABLE, "B6", note="新的说明")]), tmp_path / "two.xlsx")
    ok(two)
    assert load(two)[TABLE]["B6"].comment.text == "新的说明"
    vml = [d for n, d in parts(two).items() if n.endswith(".vml") and b"_x0000_s1027" in d][0]
    assert vml.count(b"<x:Row>5</x:Row>") == 1

    # note "" removes only the tool's notes; where that leaves nothing, the parts go too
    three = apply_edits(two, EditSet([Edit(TABLE, "B6", note=""), Edit(TABLE, "A5", note=""),
                                      Edit(PLAIN, "B5", note=""), Edit(SECOND, "B5", note="")]), tmp_path / "three.xlsx")
    ok(three)
    wb = load(three)
    assert wb[TABLE]["B6"].comment is None and wb[TABLE]["A5"].comment.author == "张三"
    assert wb[PLAIN]["B5"].comment is None and wb[SECOND]["B5"].comment is None
    assert sheet_xml(three, PLAIN).find(f"{{{MAIN}}}legacyDrawing") is None
    assert set(parts(three)) == set(parts(rich))
    assert buttons(three) == buttons(rich) and button_parts(three) == button_parts(rich)
    assert keeps(three) == keeps(rich)


# ------------------------------------------------------------------------------------------------ result sheets
def _result(rows, name=RESULT):
    return ResultSheet(name, ("位置", "规则", "说明"), tuple(rows),
                       tuple((TABLE, r[0].split("!")[1]) if "!" in r[0] else None for r in rows), (24, 8, 60))


def test_result_sheet_is_added_first_and_replaced_twice(rich, tmp_path, lo_csv):
    active_before = load(rich).active.title
    first = [(f"{TABLE}!B17", "T001", "合计不等"), ("全书", "S001", "缺少表"), (f"{TABLE}!D20", "T002", "=不是公式")]
    one = apply_edits(rich, EditSet(sheets=[_result(first)]), tmp_path / "one.xlsx")
    second = [(f"{TABLE}!B5", "C001", "科目编码无效")]
    two = apply_edits(one, EditSet(sheets=[_result(second)]), tmp_path / "two.xlsx")
    three = apply_edits(two, EditSet(sheets=[_result(first)]), tmp_path / "three.xlsx")
    for out in (one, two, three):
        ok(out)
        assert buttons(out) == buttons(rich) and button_parts(out) == button_parts(rich)
        assert keeps(out) == keeps(rich)
        wb = load(out)
        assert wb.sheetnames[0] == RESULT and wb.sheetnames.count(RESULT) == 1
        assert wb.sheetnames[1:] == load(rich).sheetnames
        assert wb.active.title == active_before
    assert parts(three)[sheet_part(three, RESULT)] == parts(one)[sheet_part(one, RESULT)]
    assert len([n for n in parts(three) if n.startswith("xl/worksheets/sheet")]) == len(load(rich).sheetnames) + 1

    ws = load(two)[RESULT]
    assert [c.value for c in ws[1]] == ["位置", "规则", "说明"] and ws["A1"].font.b
    assert [c.value for c in ws[2]] == list(second[0])
    assert ws["A2"].hyperlink.location == f"'{TABLE}'!B5" and ws["A2"].hyperlink.id is None
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:C2"
    assert ws.column_dimensions["C"].width == 60
    assert rels(sheet_part(two, RESULT)) not in parts(two)     # internal links need no relationship
    names = defined_names(three)
    assert names.count(("_xlnm._FilterDatabase", RESULT, f"'{RESULT}'!$A$1:$C$4")) == 1
    assert [n for n in names if n[0] == "_xlnm.Print_Titles"] == [n for n in defined_names(rich)
                                                                 if n[0] == "_xlnm.Print_Titles"]
    assert calamine(three, RESULT)[3] == list(first[2])       # "=不是公式" is text

    lo = lo_csv(three)
    assert lo[RESULT][1] == list(first[0]) and lo[RESULT][3][2] == "=不是公式"
    assert lo_at(lo, TABLE, "B20") == "1932.33"


def test_remove_sheets_takes_their_parts_and_names_along(rich, tmp_path, lo_csv):
    before = parts(rich)
    table = sheet_part(rich, TABLE)
    out = apply_edits(rich, EditSet(remove_sheets=[TABLE, "没有这个表"], sheets=[_result([("全书", "S001", "x")])]),
                      tmp_path / "out.xlsx")
    ok(out)
    after = parts(out)
    gone = set(before) - set(after)
    assert table in gone and rels(table) in gone
    assert {"xl/comments/comment1.xml", "xl/drawings/commentsDrawing1.vml", "xl/ctrlProps/ctrlProp1.xml",
            "xl/ctrlProps/ctrlProp2.xml", "xl/drawings/drawing1.xml"} <= gone
    assert not any(g.encode() in after["[Content_Types].xml"] for g in gone)
    assert TABLE not in load(out).sheetnames
    assert [b for b in buttons(out)] == [b for b in buttons(rich) if b.sheet != TABLE]
    names = defined_names(out)
    assert not any(n[1] == TABLE for n in names)
    assert [n for n in names if n[0] == "_xlnm.Print_Titles"] == [n for n in defined_names(rich)
                                                                 if n[0] == "_xlnm.Print_Titles" and n[1] != TABLE]
    k = keeps(rich)
    del k[TABLE]
    assert keeps(out) == k
    lo = lo_csv(out)
    assert TABLE not in lo and lo[RESULT][1][0] == "全书"


def test_marks_and_notes_after_a_libreoffice_round_trip(rich, tmp_path):
    """A department on a 信创 desktop opens and saves the marked workbook in LibreOffice, which rewrites every
    part (shared strings, a new style table, its own VML): the next run still clears the marks."""
    exe = lo_available()
    one = apply_edits(rich, EditSet([Edit(TABLE, "B5", mark="error"), Edit(TABLE, "A6", mark="warning"),
                                     Edit(TABLE, "B6", 5, note="合计不等")]), tmp_path / "one.xlsx")
    out = tmp_path / "lo"
    subprocess.run([exe, f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless", "--convert-to",
                    "xlsx", "--outdir", str(out), str(one)], check=True, capture_output=True, timeout=180)
    saved = out / one.name
    assert b"sharedStrings" in parts(saved)["[Content_Types].xml"]
    assert meta_marks(saved)                                  # the records travelled (as shared strings)
    two = apply_edits(saved, EditSet([Edit(TABLE, "B5", mark="clear"), Edit(TABLE, "A6", mark="clear"),
                                      Edit(TABLE, "B7", 6, mark="info", note="新提示")]), tmp_path / "two.xlsx")
    ok(two)
    ws, orig = load(two)[TABLE], load(rich)[TABLE]
    assert fill_rgb(ws["B5"]) == fill_rgb(orig["B5"]) and fill_rgb(ws["A6"]) == fill_rgb(orig["A6"])
    assert fill_rgb(ws["B7"]) == MARK_FILLS["info"] and ws["B7"].comment.text == "新提示"
    assert ws["B6"].value == 5 and ws["A5"].comment.text == "请核对收入口径"
    assert set(meta_marks(two)) == {f"mark:{TABLE}!B7"}


# ------------------------------------------------------------------------------------------------ everything kept
INFO = "单位信息"               # a form sheet with data validation (dropdowns)
EDIT_KINDS = {
    "value": EditSet([Edit(TABLE, "B5", 1.5), Edit(TABLE, "C1", "x"), Edit(SECOND, "B6", 2), Edit(INFO, "C5", "001")]),
    "mark": EditSet([Edit(TABLE, "B5", mark="error"), Edit(SECOND, "B6", mark="info"), Edit(INFO, "C8", mark="warning")]),
    "clear": EditSet([Edit(TABLE, "B5", mark="clear"), Edit(SECOND, "B6", mark="clear")]),
    "note": EditSet([Edit(TABLE, "B5", note="n1"), Edit(SECOND, "B6", note="n2"), Edit(PLAIN, "B5", note="n3"),
                     Edit(INFO, "C8", note="请选择")]),
    "note_removed": EditSet([Edit(TABLE, "B5", note=""), Edit(TABLE, "A5", note="")]),
    "result_sheet": EditSet(sheets=[_result([(f"{TABLE}!B5", "T", "x")])]),
    "remove_sheet": EditSet(remove_sheets=["项目4"]),
    "all": EditSet([Edit(TABLE, "B5", 1.5, mark="warning", note="n"), Edit(SECOND, "B6", None, mark="error")],
                   sheets=[_result([(f"{TABLE}!B5", "T", "x")])], remove_sheets=["项目4"]),
}


@pytest.mark.parametrize("book", ["seed", "template"])
@pytest.mark.parametrize("kind", list(EDIT_KINDS))
def test_buttons_validation_protection_print_and_comments_survive(request, tmp_path, kind, book):
    rich = request.getfixturevalue("rich" if book == "seed" else "rich_template")
    edits = EDIT_KINDS[kind]
    out = apply_edits(rich, edits, tmp_path / "out.xlsx")
    ok(out)
    assert buttons(out) == buttons(rich)
    assert [b.macro for b in buttons(out)] == ["xltools.xlam!Recalc", "xltools.xlam!Check", "xltools.xlam!Recalc"]
    assert button_parts(out) == button_parts(rich)            # ctrlProps, drawings and VML button shapes, byte for byte
    k_before, k_after = keeps(rich), keeps(out)
    for name in edits.remove_sheets:
        k_before.pop(name, None)
    assert k_after == k_before
    for sheet in (TABLE, SECOND, PLAIN, INFO):                # the edited sheets' other XML is the same XML
        assert c14n_blocks(out, sheet) == c14n_blocks(rich, sheet)
    src, dst = parts(rich), parts(out)
    for name in ("xl/theme/theme1.xml", "docProps/core.xml", "docProps/app.xml"):
        assert dst[name] == src[name]


def test_every_edit_kind_opens_in_libreoffice_and_reads_back(rich, tmp_path, lo_csv):
    outs = {kind: apply_edits(rich, edits, tmp_path / f"kind-{kind}.xlsx") for kind, edits in EDIT_KINDS.items()}
    sheets = dict(zip(outs, lo_csv(*outs.values())))
    for kind, lo in sheets.items():
        edits = EDIT_KINDS[kind]
        grid = calamine_all(outs[kind])
        for e in edits.edits:
            if e.sets_value:
                want = "" if e.value is None else e.value
                assert at(grid[e.sheet], e.cell) == want, (kind, e)
                assert lo_at(lo, e.sheet, e.cell) == ("" if e.value is None else str(e.value)), (kind, e)
        assert lo_at(lo, TABLE, "B20") == "1932.33", kind           # an untouched total
        assert (RESULT in lo) == bool(edits.sheets), kind
        for name in edits.remove_sheets:
            assert name not in lo and name not in grid, kind
        assert lo_at(lo, INFO, "C4") == "重庆市潼南区政务服务管理办公室", kind


def test_same_values_as_the_openpyxl_adapter(dept_copy, tmp_path):
    edits = EditSet(
        [Edit(TABLE, "B5", 2000.5, mark="error", note="应为 1932.33"), Edit(TABLE, "D5", 12),
         Edit(TABLE, "C12", "新名称"), Edit(TABLE, "D8", None), Edit(TABLE, "G30", 3.25, mark="warning"),
         Edit(SECOND, "A9", "2010301 行政运行"), Edit(PLAIN, "B6", Decimal("1.5"), mark="info"),
         Edit("没有这个表", "A1", 1)],
        sheets=[_result([(f"{TABLE}!B5", "T001", "合计不等"), ("全书", "S001", "缺少")])],
        remove_sheets=["项目4"])
    a = apply_openpyxl.apply_edits(dept_copy, edits, tmp_path / "openpyxl.xlsx")
    b = apply_edits(dept_copy, edits, tmp_path / "patch.xlsx")
    ga, gb = calamine_all(a), calamine_all(b)
    assert list(ga) == list(gb)
    for name in ga:
        if name != patch.META_SHEET:                          # the patcher also records its marks there
            assert ga[name] == gb[name], name
    wa, wb = load(a), load(b)
    for sheet, ref in ((TABLE, "B5"), (TABLE, "G30"), (PLAIN, "B6"), (TABLE, "D5")):
        assert fill_rgb(wa[sheet][ref]) == fill_rgb(wb[sheet][ref]), ref
    assert wa[TABLE]["B5"].comment.text == wb[TABLE]["B5"].comment.text
    assert wa[RESULT]["A1"].value == wb[RESULT]["A1"].value


# ------------------------------------------------------------------------------------------------ safety
def test_in_place_with_backup(rich):
    original = rich.read_bytes()
    out = apply_edits(rich, EditSet([Edit(TABLE, "B5", 1)]), rich, backup=True)
    assert out == rich
    bak = rich.with_name(f"{rich.stem}.bak{rich.suffix}")
    assert bak.read_bytes() == original
    assert load(rich)[TABLE]["B5"].value == 1
    assert buttons(rich) == buttons(bak)


def test_a_failure_leaves_the_source_untouched(rich, tmp_path):
    original = rich.read_bytes()
    listing = sorted(os.listdir(rich.parent))
    with pytest.raises(TypeError):
        apply_edits(rich, EditSet([Edit(TABLE, "B5", 1), Edit(TABLE, "B6", object())]), rich, backup=True)
    with pytest.raises(ValueError):
        apply_edits(rich, EditSet([Edit(TABLE, "B5", mark="purple")]), rich)
    assert rich.read_bytes() == original
    assert sorted(os.listdir(rich.parent)) == listing             # no temporary or backup file left behind


def test_unusable_sources_are_refused(tmp_path, rich):
    with pytest.raises(InputNotFound):
        apply_edits(tmp_path / "missing.xlsx", EditSet(), tmp_path / "out.xlsx")
    text = tmp_path / "text.xlsx"
    text.write_text("not a workbook")
    with pytest.raises(UnreadableWorkbook):
        apply_edits(text, EditSet(), tmp_path / "out.xlsx")
    broken = tmp_path / "broken.xlsx"
    p = parts(rich)
    p[sheet_part(rich, TABLE)] = p[sheet_part(rich, TABLE)][:-40]
    with zipfile.ZipFile(broken, "w") as z:
        for n, d in p.items():
            z.writestr(n, d)
    before = broken.read_bytes()
    with pytest.raises(UnreadableWorkbook) as e:
        apply_edits(broken, EditSet([Edit(TABLE, "B5", 1)]), broken)
    assert "损坏" in str(e.value)
    assert broken.read_bytes() == before
    assert not (tmp_path / "out.xlsx").exists()


def test_vba_external_links_and_unknown_parts_are_carried_over(rich, tmp_path):
    """An .xlsm's VBA project, an external link and a part nobody knows travel through every write unchanged."""
    p = parts(rich)
    p["xl/vbaProject.bin"] = bytes(range(256)) * 8
    p["xl/externalLinks/externalLink1.xml"] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                                               f'<externalLink xmlns="{MAIN}" xmlns:r="{R}"><externalBook r:id="rId1">'
                                               '<sheetNames><sheetName val="汇总"/></sheetNames></externalBook>'
                                               '</externalLink>').encode()
    p["xl/externalLinks/_rels/externalLink1.xml.rels"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.'
        b'org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships/externalLinkPath" Target="file:///C:/%E8%B4%A2%E6%94%BF/%E6%B1%87%E6%80%BB.xlsx" '
        b'TargetMode="External"/></Relationships>')
    p["customXml/item1.xml"] = b"<b:Sources xmlns:b='urn:x'/>"
    p["xl/_rels/workbook.xml.rels"] = p["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rId90" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" '
        b'Target="vbaProject.bin"/><Relationship Id="rId91" Type="http://schemas.openxmlformats.org/officeDocument/'
        b'2006/relationships/externalLink" Target="externalLinks/externalLink1.xml"/></Relationships>')
    p["[Content_Types].xml"] = p["[Content_Types].xml"].replace(
        b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
                     b'<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="application/'
                     b'vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/></Types>').replace(
        b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml")
    p["xl/workbook.xml"] = p["xl/workbook.xml"].replace(
        b"</sheets>", b'</sheets><externalReferences><externalReference xmlns:r="' + R.encode() +
                      b'" r:id="rId91"/></externalReferences>')
    src = tmp_path / "book.xlsm"
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in p.items():
            z.writestr(n, d)
    out = apply_edits(src, EDIT_KINDS["all"], tmp_path / "out.xlsm")
    ok(out)
    q = parts(out)
    for name in ("xl/vbaProject.bin", "xl/externalLinks/externalLink1.xml",
                 "xl/externalLinks/_rels/externalLink1.xml.rels", "customXml/item1.xml"):
        assert q[name] == p[name], name
    assert b"macroEnabled.main+xml" in q["[Content_Types].xml"]
    assert b"externalReference" in q["xl/workbook.xml"] and b"vbaProject" in q["xl/_rels/workbook.xml.rels"]


def test_unknown_sheets_are_skipped_like_the_openpyxl_adapter(template_book, tmp_path):
    src = parts(template_book)
    out = apply_edits(template_book, EditSet([Edit("没有这个表", "A1", 1, mark="error", note="x")],
                                             remove_sheets=["也没有"]), tmp_path / "out.xlsx")
    assert parts(out) == src


def test_other_producers_spelling_prefixed_namespace_and_unnumbered_rows(tmp_path):
    """Some generators write `<x:worksheet xmlns:x=…>` and leave out row and cell numbers: still patched in place."""
    ct = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
          'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
          'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
    rels = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>')
    wb = (f'<?xml version="1.0"?><x:workbook xmlns:x="{MAIN}" xmlns:r="{R}"><x:sheets>'
          '<x:sheet name="表1" sheetId="1" r:id="rId1"/></x:sheets></x:workbook>')
    wbrels = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
              '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
              'worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
    sheet = (f'<?xml version="1.0"?><x:worksheet xmlns:x="{MAIN}"><x:sheetData><x:row><x:c><x:v>1</x:v></x:c>'
             '<x:c><x:v>2</x:v></x:c></x:row><x:row><x:c t="inlineStr"><x:is><x:t>a</x:t></x:is></x:c></x:row>'
             '</x:sheetData></x:worksheet>')
    src = tmp_path / "odd.xlsx"
    with zipfile.ZipFile(src, "w") as z:
        for n, d in (("[Content_Types].xml", ct), ("_rels/.rels", rels), ("xl/workbook.xml", wb),
                     ("xl/_rels/workbook.xml.rels", wbrels), ("xl/worksheets/sheet1.xml", sheet)):
            z.writestr(n, d)
    out = apply_edits(src, EditSet([Edit("表1", "B1", 5), Edit("表1", "C2", "x", mark="error", note="n"),
                                    Edit("表1", "A4", 9)], sheets=[_result([("表1!A1", "T", "x")])]),
                      tmp_path / "out.xlsx")
    ok(out)
    assert calamine(out, "表1") == [[1.0, 5.0, ""], ["a", "", "x"], ["", "", ""], [9.0, "", ""]]
    ws = load(out)["表1"]
    assert ws["C2"].comment.text == "n" and fill_rgb(ws["C2"]) == MARK_FILLS["error"]
    assert b"<x:legacyDrawing" in parts(out)["xl/worksheets/sheet1.xml"]


def test_binary_workbooks_are_refused(tmp_path, template_book):
    p = parts(template_book)
    p["_rels/.rels"] = p["_rels/.rels"].replace(b"xl/workbook.xml", b"xl/workbook.bin")
    p["xl/workbook.bin"] = b"\x00\x01"
    src = tmp_path / "book.xlsb"
    with zipfile.ZipFile(src, "w") as z:
        for n, d in p.items():
            z.writestr(n, d)
    with pytest.raises(UnreadableWorkbook, match="xlsb"):
        apply_edits(src, EditSet([Edit(PLAIN, "B5", 1)]), tmp_path / "out.xlsx")
