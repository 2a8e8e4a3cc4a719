"""Parsing finds tables by title and header labels and tolerates what people do to a sheet."""
from __future__ import annotations

import re
from decimal import Decimal

import openpyxl
import pytest

from xltools.families import get_family
from xltools.io.readers import read_calamine
from xltools.parse import parse_book, read_book

D = Decimal


def _person_layout(path, *, split_codes: bool = False) -> None:
    """An 一般公共预算财政拨款支出预算表 typed the way people type it: title moved down, spaced and full-width
    header labels, merged group cells, codes as numbers and full-width text, amounts as text with thousands
    separators, blank and inserted rows, a note at the bottom."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "一般公共预算财政拨款支出预算表"
    ws["B2"] = "某某单位一般公共预算财政拨款支出预算表"
    ws["F3"] = "单位： 万元"
    if split_codes:
        ws.append([])  # row 4 left for the group header below
        ws["A4"], ws["D4"], ws["F4"] = "科目编码", "科目名称", "2021年预算数"
        ws.merge_cells("A4:C4")
        ws.merge_cells("F4:H4")
        ws["A5"], ws["B5"], ws["C5"] = "类", "款", "项"
        ws["E5"], ws["F5"], ws["G5"], ws["H5"] = "", "小  计", "基本支出", "项目支出"
        ws["D5"] = "科目名称"
        rows = [
            (None, None, None, "总计：", "1,932.33", "494.82", "1,437.50"),
            (201, None, None, "一般公共服务支出", 1866.11, 428.61, 1437.5),
            (None, 3, None, "政府办公厅（室）及相关机构事务", 1866.11, 428.61, 1437.5),
            (None, "03", 1, "行政运行", "428.61", "428.61", None),
        ]
        for i, (a, b, c, name, t, bs, pj) in enumerate(rows, start=6):
            ws.cell(i, 1, a), ws.cell(i, 2, b), ws.cell(i, 3, c), ws.cell(i, 4, name)
            ws.cell(i, 6, t), ws.cell(i, 7, bs), ws.cell(i, 8, pj)
    else:
        ws["A5"], ws["C5"] = "功能分类科目", "２０２１年预算数"
        ws.merge_cells("A5:B5")
        ws.merge_cells("C5:E5")
        for c, v in enumerate(["科 目 编 码", "科目名称", "小计", "基本支出", "项目支出"], start=1):
            ws.cell(6, c, v)
        data = [
            (None, "总计：", "1,932.33", "494.82", "1,437.50"),
            (None, None, None, None, None),
            (201.0, "一般公共服务支出", 1866.11, 428.61, 1437.5),
            ("２０１０３", "政府办公厅(室)及相关机构事务", "１８６６．１１", 428.61, "1437.50"),
            (" 2010301 ", "行政运行", 428.61, 428.61, "—"),
            (None, None, None, None, None),
            ("2010302", "一般行政管理事务", "1,437.50", None, "约1437"),
            ("备注：本表反映当年一般公共预算财政拨款支出情况。", None, None, None, None),
            ("999", "备注之后的行不读", 1, 1, None),
        ]
        for i, row in enumerate(data, start=7):
            for c, v in enumerate(row, start=1):
                ws.cell(i, c, v)
    wb.save(path)


def test_tables_are_found_by_labels_in_a_person_layout(tmp_path):
    p = tmp_path / "person.xlsx"
    _person_layout(p)
    book, findings = read_book(p)
    t = book.tables["expense_gpb"]
    assert t.unit == "万元"
    assert t.header_row == 6
    assert [ln.code for ln in t.lines] == [None, "201", "20103", "2010301", "2010302"]
    assert t.lines[0].kind == "total" and t.lines[0].amounts == {"total": D("1932.33"), "basic": D("494.82"),
                                                                  "project": D("1437.50")}
    assert t.lines[2].amounts["total"] == D("1866.11")      # full-width digits and point
    assert t.lines[3].amounts["project"] is None            # a dash is empty
    # every value keeps its source cell
    assert t.lines[1].cells == {"total": "C9", "basic": "D9", "project": "E9", "name": "B9", "code": "A9"}
    # text in an amount cell is a finding at that cell, not a crash
    bad = [f for f in findings if f.code == "S003"]
    assert [(f.sheet, f.cell, f.actual) for f in bad] == [("一般公共预算财政拨款支出预算表", "E13", "约1437")]


def test_codes_split_into_lei_kuan_xiang_columns(tmp_path):
    p = tmp_path / "split.xlsx"
    _person_layout(p, split_codes=True)
    book, _ = read_book(p)
    t = book.tables["expense_gpb"]
    assert [ln.code for ln in t.lines] == [None, "201", "20103", "2010301"]
    assert t.lines[3].amounts["basic"] == D("428.61")


def test_missing_sheets_are_structure_findings_not_crashes(tmp_path):
    p = tmp_path / "person.xlsx"
    _person_layout(p)
    _, findings = read_book(p)
    missing = {f.message for f in findings if f.code == "S001"}
    assert any("部门支出总表" in m for m in missing)
    assert any("单位信息" in m for m in missing)


def test_seed_001_example_parses_with_its_printed_figures(dept_book):
    book, findings = read_book(dept_book)
    assert book.family == "dept_budget" and book.year == 2021 and book.unit == "万元"
    assert book.name == "重庆市潼南区政务服务管理办公室"
    gpb = book.tables["expense_gpb"]
    assert gpb.total_line().amounts["basic"] == D("494.82")           # as printed, not corrected
    basic = book.tables["basic_gpb"]
    assert basic.total_line().amounts["total"] == D("494.83")
    assert basic.by_code()["302"].amounts["total"] == D("68.20")
    assert book.tables["sangong"].lines[0].amounts["total"] == D("6")
    expense = book.tables["summary_dept_expense"]
    assert [ln.label for ln in expense.items()][:2] == ["一般公共服务支出", "社会保险基金支出"]  # the seed's mislabel
    assert len(book.projects) == 4
    assert [p.form.get("funds") for p in book.projects] == [D("165.5"), D("9"), D("36"), D("1227")]
    assert book.projects[3].name == ""                                  # project 4 has no name in the seed
    assert len(book.projects[0].indicators.rows) == 22
    assert book.indicators["perf_overall"].rows[6].op == "\\(\\)"        # the unreadable symbol, kept
    assert not [f for f in findings if f.code in ("S001", "S002", "S003")]


def test_project_examples_parse(project_books):
    book, findings = read_book(project_books["003"])
    assert book.family == "project_perf" and book.year == 2026 and book.unit == "元"
    assert book.info.get("funds") == D("420000")
    rows = book.indicators["targets"].rows
    assert [r.value for r in rows[:2]] == ["19万件", "15万张"]
    assert rows[0].level1 == "产出指标" and rows[0].level2 == "数量指标" and rows[0].op == ">="
    assert book.forms["targets"].get("goal_overall").startswith("2026年至2028年")
    assert not findings


def test_indicator_levels_carry_down_merged_and_blank_cells(tmp_path):
    from xltools.template import build_workbook
    fam = get_family("project_perf")
    data = {"family": "project_perf", "year": 2021, "forms": {"application": {"project_name": "测试项目"}},
            "indicators": {"targets": [
                {"level1": "产出指标", "level2": "数量指标", "name": "甲", "op": ">=", "value": "1", "unit": "个"},
                {"name": "乙", "op": ">=", "value": "2", "unit": "个"},
                {"level2": "质量指标", "name": "丙", "op": "=", "value": "100", "unit": "%"},
                {"level1": "空", "level2": "空", "name": "空", "value": "空"},
            ]}}
    wb = build_workbook(fam, data)
    ws = wb["项目绩效目标表"]
    first = next(r for r in range(1, 40) if ws.cell(r, 3).value == "甲")
    ws.merge_cells(start_row=first, start_column=1, end_row=first + 2, end_column=1)
    p = tmp_path / "levels.xlsx"
    wb.save(p)
    book, _ = read_book(p)
    rows = book.indicators["targets"].rows
    assert [(r.level1, r.level2, r.name) for r in rows] == [
        ("产出指标", "数量指标", "甲"), ("产出指标", "数量指标", "乙"), ("产出指标", "质量指标", "丙")]


def test_family_is_recognised_without_the_metadata_sheet(tmp_path, dept_book):
    wb = openpyxl.load_workbook(dept_book)
    del wb["_xltools"]
    p = tmp_path / "nometa.xlsx"
    wb.save(p)
    book, findings = parse_book(read_calamine(p))
    assert book.family == "dept_budget" and book.year == 2021
    assert book.tables["expense_gpb"].total_line().amounts["total"] == Decimal("1932.33")


def test_renamed_sheet_is_found_by_its_title(tmp_path, dept_book):
    wb = openpyxl.load_workbook(dept_book)
    wb["部门支出总表"].title = "表3"
    p = tmp_path / "renamed.xlsx"
    wb.save(p)
    book, findings = read_book(p)
    assert book.tables["expense_dept"].sheet == "表3"
    assert not [f for f in findings if f.code == "S001"]


def test_deleted_sheet_is_reported(tmp_path, dept_book):
    wb = openpyxl.load_workbook(dept_book)
    del wb["政府采购预算明细表"]
    p = tmp_path / "deleted.xlsx"
    wb.save(p)
    _, findings = read_book(p)
    assert [f.message for f in findings if f.code == "S001"] == [
        "缺少工作表“政府采购预算明细表”。请从官方模板中复制该表，或恢复被删除/改名的工作表。"]


@pytest.mark.parametrize("value,expected", [("十三", None), ("13", 13), (13.0, 13)])
def test_form_integers(tmp_path, dept_book, value, expected):
    wb = openpyxl.load_workbook(dept_book)
    ws = wb["单位信息"]
    row = next(r for r in range(1, 80) if ws.cell(r, 2).value == "在职在编人数")
    ws.cell(row, 3).value = value
    p = tmp_path / "int.xlsx"
    wb.save(p)
    book, findings = read_book(p)
    assert book.info.get("staff") == expected
    assert bool([f for f in findings if f.code == "S007"]) == (expected is None)


def test_split_codes_carry_kuan_down_and_keep_a_code_cell(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "一般公共预算财政拨款支出预算表"
    ws.append(["类", "款", "项", "科目名称", "小计", "基本支出", "项目支出"])
    ws.append([208, None, None, "社会保障和就业支出", 39.7, 39.7, None])
    ws.append([None, 5, None, "行政事业单位养老支出", 39.7, 39.7, None])
    ws.append([None, None, 5, "机关事业单位基本养老保险缴费支出", 15.83, 15.83, None])
    ws.append([None, None, 6, "机关事业单位职业年金缴费支出", 13.87, 13.87, None])
    p = tmp_path / "split2.xlsx"
    wb.save(p)
    book, _ = read_book(p)
    t = book.tables["expense_gpb"]
    assert [ln.code for ln in t.lines] == ["208", "20805", "2080505", "2080506"]
    assert t.lines[3].cells["code"] == "A5"


@pytest.mark.parametrize("groups", ["merged", "first-cell-only", "none"])
def test_two_sided_summary_with_group_labels_merged_typed_once_or_missing(tmp_path, groups):
    """部门收支总表 as people type it: 收入 / 支出 over 项目 | 预算数, merged, typed in the first cell only, or absent."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "部门收支总表"
    ws["A1"] = "某单位部门收支总表"
    if groups != "none":
        ws["A3"], ws["C3"] = "收入", "支出"
        if groups == "merged":
            ws.merge_cells("A3:B3")
            ws.merge_cells("C3:D3")
    for c, v in enumerate(["项目", "预算数", "项目", "预算数"], start=1):
        ws.cell(4, c, v)
    ws.append(["一般公共预算拨款收入", 100, "一般公共服务支出", 60])
    ws.append([None, None, "社会保障和就业支出", 40])
    ws.append(["收入总计", 100, "支出总计", 100])
    p = tmp_path / "two.xlsx"
    wb.save(p)
    book, findings = read_book(p)
    inc, exp = book.tables["summary_dept_income"], book.tables["summary_dept_expense"]
    assert [(ln.label, ln.amounts["amount"]) for ln in inc.lines] == [("一般公共预算拨款收入", D(100)), ("收入总计", D(100))]
    assert [ln.label for ln in exp.lines] == ["一般公共服务支出", "社会保障和就业支出", "支出总计"]
    assert exp.lines[1].cells["amount"] == "D6"
    assert not [f for f in findings if f.code == "S002" and f.sheet == "部门收支总表"]


@pytest.mark.parametrize("sheet_name", ["表5", "表5-一般公共预算财政拨款支出预算表", "附件2 一般公共预算财政拨款支出预算表",
                                        "5.一般公共预算财政拨款支出预算表"])
def test_numbered_or_bare_sheet_names_and_label_variants(tmp_path, sheet_name):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet_name
    ws["A1"] = "2021年一般公共预算财政拨款支出预算表"
    ws.append(["功能分类科目编码", "功能分类科目名称", "合计", "基本支出", "项目支出"])
    ws.append([None, "合计", 30, 10, 20])
    ws.append(["201", "一般公共服务支出", 30, 10, 20])
    p = tmp_path / "numbered.xlsx"
    wb.save(p)
    book, findings = read_book(p)
    t = book.tables["expense_gpb"]
    assert t.sheet == sheet_name
    assert [(ln.code, ln.kind, ln.amounts["total"]) for ln in t.lines] == [(None, "total", D(30)), ("201", "item", D(30))]


# ----------------------------------------------------------------------------------------------- label lookups
# find_header and parse_form look labels up through precomputed keys (and find_header skips rows that hold no
# fragment of any label). These properties pin them to the plain reading: every cell's key, every two- and
# three-line header reading, every label compared.

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from xltools.families import Column, Field  # noqa: E402
from xltools.parse import SheetView, find_header, parse_form  # noqa: E402
from xltools.text import cell_ref, label_key  # noqa: E402

_WORDS = ["收入", "支出", "合计", "收入合计", "基本支出", "项目支出", "支出收入", "收 入", "*收入", "（收入）", "入合",
          "总体目标", "总体目标(2021年-2023年)", "项目名称", "名称", "(备注)", "年度目标(2021年)", 1.0, 2021, None, None, "  "]


def _grids_with_merges():
    cells = st.sampled_from(_WORDS)
    return st.integers(1, 7).flatmap(lambda h: st.integers(1, 5).flatmap(lambda w: st.tuples(
        st.lists(st.lists(cells, min_size=1, max_size=w), min_size=h, max_size=h),
        st.lists(st.tuples(st.integers(0, h), st.integers(0, w), st.integers(0, 2), st.integers(0, 2)), max_size=3)))
    ).map(lambda gm: (gm[0], [(r, c, r + dr, c + dc) for r, c, dr, dc in gm[1]]))


def _plain_keys(grid, merged):
    """Every cell's key as the sheet shows it (a merged range shows its top-left value), computed naively."""
    h, w = len(grid), max(len(r) for r in grid)
    shown = {(r, c): grid[r][c] if c < len(grid[r]) else None for r in range(h) for c in range(w)}
    hidden = set()
    for r0, c0, r1, c1 in merged:
        for r in range(r0, min(r1, h - 1) + 1):
            for c in range(c0, min(c1, w - 1) + 1):
                if (r, c) != (r0, c0):
                    shown[(r, c)] = grid[r0][c0] if c0 < len(grid[r0]) else None
                    hidden.add((r, c))
    return {p: label_key(v).lstrip("*") if v is not None else "" for p, v in shown.items()}, hidden, h, w


def _plain_readings(keys, r, w):
    """Row r's cell keys, and each read together with the (distinct, non-empty) keys of the two lines above."""
    readings = set()
    for c in range(w):
        if keys[(r, c)]:
            readings.add(keys[(r, c)])
            readings.add("".join(dict.fromkeys(x for x in (keys[(rr, c)] for rr in range(max(0, r - 2), r + 1)) if x)))
    return readings


def _plain_header(keys, h, w, columns):
    best_r, best_n = None, 0
    for r in range(min(h, 40)):
        readings = _plain_readings(keys, r, w)
        n = sum(1 for col in columns if any(label_key(lab) in readings for lab in col.labels))
        if n > best_n:
            best_r, best_n = r, n
    return best_r if best_n >= min(2, len(columns)) else None


_COLUMNS = (Column("a", "收入合计"), Column("b", "基本支出", aliases=("支出",)), Column("c", "项目支出收入"),
            Column("d", "合计收入", aliases=("收入",)))


@settings(max_examples=300, deadline=None)
@given(_grids_with_merges(), st.integers(1, len(_COLUMNS)))
def test_find_header_reads_every_cell_and_every_two_or_three_line_label(gm, n):
    grid, merged = gm
    keys, _, h, w = _plain_keys(grid, merged)
    view = SheetView("s", grid, merged)
    assert find_header(view, _COLUMNS[:n]) == _plain_header(keys, h, w, _COLUMNS[:n])
    assert [set(view.row_keys(r)) for r in range(h)] == [_plain_readings(keys, r, w) for r in range(h)]


@pytest.mark.parametrize("column,expected", [
    (["合计", "收入", "合计"], {"合计", "合计收入"}),      # a label repeated below counts once
    (["收入", "收入"], {"收入"}),
    ([None, "基本支出", "人员经费"], {"人员经费", "基本支出人员经费"}),
    (["支出", None, "基本支出"], {"基本支出", "支出基本支出"}),
])
def test_header_labels_read_over_up_to_three_lines(column, expected):
    view = SheetView("s", [[v] for v in column], [])
    assert set(view.row_keys(len(column) - 1)) == expected


_FIELDS = (Field("goal", "总体目标", prefix=True), Field("name", "项目名称", aliases=("名称",)),
           Field("year_goal", "年度目标(2021年)", prefix=True), Field("income", "收入合计"))


@settings(max_examples=300, deadline=None)
@given(_grids_with_merges())
def test_form_fields_are_found_at_their_first_label_row_by_row(gm):
    grid, merged = gm
    keys, hidden, h, w = _plain_keys(grid, merged)
    view = SheetView("s", grid, merged)
    form = parse_form(view, _FIELDS, [])
    for f in _FIELDS:
        labels = [label_key(lab) for lab in f.labels]
        pos = next(((r, c) for r in range(h) for c in range(w) if (r, c) not in hidden and keys[(r, c)] and (
            keys[(r, c)] in labels or f.prefix and re.sub(r"\(.*?\)", "", keys[(r, c)]) in labels)), None)
        expected = "" if pos is None else cell_ref(pos[0], view.merge_end.get(pos, pos[1]) + 1)
        assert form.fields[f.key].cell == expected, f.key
