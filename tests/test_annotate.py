"""Annotate: findings → fills, notes and a hyperlinked 校验结果 sheet; a new run replaces the tool's marks."""
from __future__ import annotations

from decimal import Decimal

import openpyxl

from xltools.template import COMPUTED_FILL

from xltools.annotate import RESULT_SHEET, annotate, annotate_file, previous_marks, split_place
from xltools.edits import MARK_FILLS
from xltools.findings import Finding, Report
from xltools.io.readers import read_grids
from xltools.pipeline import check_file

BASIC = "一般公共预算财政拨款基本支出预算表"
GPB = "一般公共预算财政拨款支出预算表"


def F(code, sev, sheet, cell, msg="m", explained=""):
    return Finding(code, sev, sheet, cell, msg, Decimal(1), Decimal(2), explained)


def test_annotate_is_pure_and_complete():
    report = Report([F("T001", "warning", "A", "B2", "尾差"), F("X003", "error", "A", "B2", "不符"),
                     F("S001", "error", "缺失表", "", "缺少工作表"), F("T002", "warning", "A", "C3", "已接受", "口径")])
    es = annotate(report, previous=[("A", "D4"), ("A", "B2"), ("旧表", "A1")], meta=[["family", "dept_budget"]],
                  sheets=["A"])
    by = {(e.sheet, e.cell): e for e in es.edits}
    b2 = by[("A", "B2")]
    assert b2.mark == "error" and b2.note.splitlines() == ["[X003 错误] 不符", "[T001 警告] 尾差"]
    assert ("A", "C3") not in by                              # 已说明: listed, not filled
    assert by[("A", "D4")].mark == "clear" and by[("A", "D4")].note == ""
    assert ("旧表", "A1") not in by                           # a sheet that no longer exists
    assert by[("_xltools", "A2")].value == "mark:A!B2" and by[("_xltools", "B2")].value == "error"
    (rs,) = es.sheets
    assert rs.name == RESULT_SHEET and rs.header == ("位置", "代码", "级别", "说明")
    assert [r[:3] for r in rs.rows] == [("A!B2", "T001", "警告"), ("A!B2", "X003", "错误"), ("缺失表", "S001", "错误"),
                                        ("A!C3", "T002", "警告（已说明）")]
    assert rs.links == (("A", "B2"), ("A", "B2"), None, ("A", "C3"))
    assert "已说明：口径" in rs.rows[3][3]


def test_no_findings_gives_one_line():
    es = annotate(Report([]), sheets=["A"])
    assert es.sheets[0].rows == (("", "", "", "未发现问题。"),) and es.edits == []


def test_mark_record_reuses_and_empties_rows():
    meta = [["family", "dept_budget"], ["mark:A!B2", "error"], ["mark:A!C3", "warning"], ["generator", "x"]]
    es = annotate([F("T001", "warning", "A", "E5")], meta=meta, sheets=["A"], previous=[("A", "B2"), ("A", "C3")])
    vals = {e.cell: e.value for e in es.edits if e.sheet == "_xltools"}
    assert vals == {"A2": "mark:A!E5", "B2": "warning", "A3": None, "B3": None}


def test_split_place():
    assert split_place("部门支出总表!D5") == ("部门支出总表", "D5")
    assert split_place("'表 1'!$C$12") == ("表 1", "C12")
    assert split_place("部门支出总表") is None and split_place(None) is None


def test_annotate_seed_file(dept_book, tmp_path):
    out = tmp_path / "annotated.xlsx"
    _, report = check_file(dept_book)
    annotate_file(dept_book, report, out)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == RESULT_SHEET
    ws = wb[RESULT_SHEET]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("位置", "代码", "级别", "说明") and len(rows) == len(report.findings) + 1
    link = {r[0].value: r[0].hyperlink.location or r[0].hyperlink.target for r in ws.iter_rows(min_row=2)}
    assert link[f"{BASIC}!E17"].lstrip("#") == f"'{BASIC}'!E17"
    cell = wb[BASIC]["E17"]
    assert cell.fill.fgColor.rgb.endswith(MARK_FILLS["warning"]) and "68.19" in cell.comment.text
    assert cell.comment.author == "xltools" and cell.value == 68.2          # the figure itself is untouched
    gpb = wb[GPB]["D5"]
    assert "T002" in gpb.comment.text and "X003" in gpb.comment.text
    errors = [f for f in report if f.severity == "error" and f.cell]
    for f in errors:
        assert wb[f.sheet][f.cell].fill.fgColor.rgb.endswith(MARK_FILLS["error"])
    # the copy still checks the same
    _, again = check_file(out)
    assert [(f.code, f.sheet, f.cell) for f in again] == [(f.code, f.sheet, f.cell) for f in report]


def test_annotating_again_replaces_marks(dept_book, tmp_path):
    one, two = tmp_path / "one.xlsx", tmp_path / "two.xlsx"
    _, report = check_file(dept_book)
    annotate_file(dept_book, report, one)
    wb = openpyxl.load_workbook(one)
    wb[GPB]["B6"].comment = openpyxl.comments.Comment("请核对", "张友燕")   # a person's own note
    wb.save(one)
    assert set(previous_marks(read_grids(one))) >= {(BASIC, "E17"), (GPB, "D5"), ("部门支出总表", "D5")}
    only = report.filter(select=["T001"])
    annotate_file(one, only, two)
    wb = openpyxl.load_workbook(two)
    assert wb[BASIC]["E17"].fill.fgColor.rgb.endswith(MARK_FILLS["warning"])
    for sheet, cell in ((GPB, "D5"), ("部门支出总表", "D5")):
        # the mark is gone and the template's own fill (a computed total cell) is back
        assert wb[sheet][cell].fill.fgColor.rgb.endswith(COMPUTED_FILL) and wb[sheet][cell].comment is None
    assert wb[GPB]["B6"].comment.text == "请核对"
    assert [r[1] for r in wb[RESULT_SHEET].iter_rows(min_row=2, values_only=True)] == ["T001"]
    meta = [r[0] for r in wb["_xltools"].iter_rows(values_only=True) if r[0]]
    assert [m for m in meta if m.startswith("mark:")] == [f"mark:{BASIC}!E17"]
    assert "family" in meta and "generator" in meta


def test_workbook_without_meta_sheet_uses_the_result_sheet(dept_book, tmp_path):
    src, one, two = tmp_path / "src.xlsx", tmp_path / "one.xlsx", tmp_path / "two.xlsx"
    wb = openpyxl.load_workbook(dept_book)
    del wb["_xltools"]
    wb.save(src)
    _, report = check_file(src)
    annotate_file(src, report, one)
    annotate_file(one, report.filter(select=["X"]), two)
    wb = openpyxl.load_workbook(two)
    assert not any(wb[BASIC]["E17"].fill.fgColor.rgb.endswith(c) for c in MARK_FILLS.values())
    assert wb[BASIC]["E17"].comment is None
    assert wb[GPB]["D5"].comment is not None
