"""Subtotals and recalc: which cells the tool owns, what it writes there, that it never writes a person's cell,
that a recomputed book checks clean, and that recalc is idempotent."""
from __future__ import annotations

import shutil
import subprocess
import sys
from decimal import Decimal

import pytest

from xltools.edits import apply_to_grids
from xltools.io.readers import read_grids
from xltools.parse import parse_book
from xltools.pipeline import check_grids
from xltools.subtotals import identities, money, num, recompute

D = Decimal
GPB = "一般公共预算财政拨款支出预算表"
BASIC = "一般公共预算财政拨款基本支出预算表"


def edits_of(path) -> dict:
    book, _ = parse_book(read_grids(path))
    return {(e.sheet, e.cell): e.value for e in recompute(book).edits}


def data(**tables) -> dict:
    return {"family": "dept_budget", "year": 2021, "unit": "万元",
            "forms": {"unit_info": {"unit_name": "测试单位", "year": 2021, "unit": "万元"}}, "tables": tables}


def L(code, label, kind="item", **amounts):
    return {"code": code, "label": label, "kind": kind, "amounts": amounts}


def test_money_and_num():
    assert money(D("68.2")) == "68.20" and money(D("0.125")) == "0.125" and money(None) == "0.00"
    assert num(D("68.19")) == 68.19 and num(D("10.00")) == 10 and num(D(0)) is None


def test_seed001_edits(dept_book):
    # exactly the three real inconsistencies, resolved from the detail each cell sums
    assert edits_of(dept_book) == {
        (GPB, "D5"): 494.83,                 # 总计 基本支出 = Σ类
        ("部门支出总表", "D5"): 494.83,
        (BASIC, "E17"): 68.19, (BASIC, "C17"): 68.19,   # 302 = Σ its 款, 合计 = 人员 + 公用
        (BASIC, "E5"): 68.19, (BASIC, "C5"): 494.82,    # 合计 row = Σ类
    }


def test_person_cells_are_never_written(make_book):
    # a 项 typed wrong against its own 小计 stays as typed; only the tool's cells move
    rows = [L(None, "总计", "total", total="35", basic="10", project="20"),
            L("201", "一般公共服务支出", total="35", basic="10", project="20"),
            L("2010301", "行政运行", total="10", basic="10"),
            L("2010302", "一般行政管理事务", total="25", project="20")]
    got = edits_of(make_book(data(expense_gpb=rows)))
    assert got == {(GPB, "C8"): 20, (GPB, "C6"): 30, (GPB, "C5"): 30}
    assert not any(cell[1] in ("D7", "D8", "E7", "E8") for cell in got)


def test_parent_with_nothing_beneath_keeps_its_figure(make_book):
    rows = [L(None, "总计", "total", total="5", basic="5"), L("201", "一般公共服务支出", total="5", basic="5"),
            L("2010301", "行政运行")]
    assert edits_of(make_book(data(expense_gpb=rows))) == {}


def test_text_in_a_part_blocks_the_sum(make_book):
    import openpyxl

    rows = [L(None, "总计", "total", total="30", basic="10", project="20"),
            L("2010301", "行政运行", total="10", basic="10"),
            L("2010302", "一般行政管理事务", total="20", project="20")]
    path = make_book(data(expense_gpb=rows))
    wb = openpyxl.load_workbook(path)
    wb[GPB]["E7"] = "约20"
    wb[GPB]["C5"] = 99
    wb.save(path)
    # 总计 项目支出, the 项's 小计 and the 总计 小计 (99) all depend on the text: none is written
    assert edits_of(path) == {}


def test_identities_of_labelled_tables(dept_book):
    book, _ = parse_book(read_grids(dept_book))
    from xltools.families import get_family

    fam = get_family("dept_budget")
    ids = {i.target.label: [p.label for p in i.parts] for i in
           identities(book.tables["summary_dept_income"], fam.table("summary_dept_income"))}
    assert ids["收入总计"] == ["本年收入合计", "用事业基金弥补收支差额", "上年结转"]
    assert len(ids["本年收入合计"]) == 6 and "上年结转" not in ids
    ids = {i.target.label: len(i.parts) for i in
           identities(book.tables["summary_fin_income"], fam.table("summary_fin_income"))}
    assert ids == {"一、本年收入": 3, "二、上年结转": 3, "本年收入总计": 2}


def _clean():
    from tests.test_rules_between import clean_data

    return clean_data()


def _row(d, table, key):
    return next(r for r in d["tables"][table] if r.get("code") == key or r.get("label") == key)


def test_changing_a_detail_flows_into_every_summary(make_book, tmp_path):
    from xltools.cli.recalc import recalc_file

    d = _clean()
    _row(d, "expense_gpb", "2010301")["amounts"].update(total="430.61", basic="430.61")   # the person's change
    src = make_book(d)
    out = tmp_path / "out.xlsx"
    recalc_file(src, out)
    grids = read_grids(out)
    book, report = check_grids(grids)
    # every table adds up and the summaries follow; what is left is the person's: the 基本支出 table (X003) and
    # the 部门整体绩效目标表's typed budget (X013) no longer match the new 基本支出
    assert {f.code for f in report if f.code[0] in "TX"} == {"X003", "X013"}
    t = book.tables
    assert t["expense_gpb"].total_line().amounts == {"total": D("1934.33"), "basic": D("496.83"),
                                                      "project": D("1437.5")}
    assert t["expense_dept"].by_code()["2010301"].amounts["basic"] == D("430.61")
    assert t["income_dept"].by_code()["201"].amounts["gpb"] == D("1868.11")
    summary = {ln.label: ln.amounts.get("amount") for ln in t["summary_dept_income"].lines}
    assert summary["一般公共预算拨款收入"] == D("1934.33") and summary["收入总计"] == D("1934.33")
    fin = {ln.label: ln.amounts.get("gpb") for ln in t["summary_fin_expense"].lines}
    assert fin["一般公共服务支出"] == D("1868.11") and fin["本年支出总计"] == D("1934.33")
    assert [(f.code, f.severity, f.expected, f.actual) for f in report if f.code == "X003"] == \
        [("X003", "error", D("494.83"), D("496.83"))]


def test_mislabelled_summary_line_is_left_alone(dept_book):
    got = edits_of(dept_book)
    assert not [k for k in got if k[0] == "部门收支总表"]


def test_other_income_keeps_dept_expense_as_typed(make_book):
    d = _clean()
    _row(d, "income_dept", "2010302")["amounts"].update(other="10", total="1447.50")
    _row(d, "expense_gpb", "2010302")["amounts"].update(total="1436.50", project="1436.50")
    got = edits_of(make_book(d))
    assert not [k for k in got if k[0] == "部门支出总表"]          # not derivable: the unit has other income
    assert got[("部门收入总表", "E9")] == 1436.5                     # the appropriation column still follows


def test_recalc_is_idempotent(dept_book, tmp_path):
    from xltools.cli.recalc import recalc_file

    one, two = tmp_path / "one.xlsx", tmp_path / "two.xlsx"
    edits, _ = recalc_file(dept_book, one)
    assert len(edits.edits) == 6
    edits, _ = recalc_file(one, two)
    assert edits.edits == []
    assert one.read_bytes() == two.read_bytes()


def test_recalc_writes_numbers_not_formulas(dept_book, tmp_path):
    import openpyxl

    from xltools.cli.recalc import recalc_file

    out = tmp_path / "out.xlsx"
    recalc_file(dept_book, out)
    ws = openpyxl.load_workbook(out)[BASIC]
    assert ws["E17"].value == 68.19 and ws["E17"].data_type == "n"
    assert ws["C5"].value == 494.82


def test_recalc_on_grids(dept_book):
    grids = read_grids(dept_book)
    book, _ = parse_book(grids)
    apply_to_grids(grids, recompute(book))
    book2, _ = parse_book(grids)
    assert recompute(book2).edits == []


# ----------------------------------------------------------------------------------------------- CLI

def xl(*args, cwd=None):
    p = subprocess.run([sys.executable, "-m", "xltools", *map(str, args)], capture_output=True, text=True,
                       cwd=cwd, timeout=120)
    return p.returncode, p.stdout + p.stderr


def test_cli_output_and_in_place(dept_book, tmp_path):
    src = tmp_path / "book.xlsx"
    shutil.copy(dept_book, src)
    before = src.read_bytes()
    rc, out = xl("recalc", src)
    assert rc == 0 and (tmp_path / "book.recalc.xlsx").exists() and src.read_bytes() == before
    assert "改动 6 个单元格" in out and "68.2 → 68.19" in out
    rc, out = xl("recalc", src, "-o", tmp_path / "x.xlsx", "--json")
    import json

    rep = json.loads(out[out.index("{"):])
    changed = {(c["cell"], c["old"], c["new"]) for c in rep["changed"] if c["sheet"] == BASIC}
    assert ("E17", "68.2", "68.19") in changed
    rc, out = xl("recalc", src, "--in-place")
    assert rc == 0 and (tmp_path / "book.bak.xlsx").read_bytes() == before
    assert edits_of(src) == {}


@pytest.mark.parametrize("content", [b"", b"not a workbook at all", None])
def test_cli_unusable_input(tmp_path, content):
    path = tmp_path / "bad.xlsx"
    if content is not None:
        path.write_bytes(content)
    rc, out = xl("recalc", path)
    assert rc == 2 and "Traceback" not in out and out.strip()
    assert not (tmp_path / "bad.recalc.xlsx").exists()


def test_recalc_fills_the_summary_tables_of_a_fresh_template(tmp_path):
    """The accountant types only the 一般公共预算 detail into a newly issued workbook: recalc writes the 科目 rows
    into 部门支出总表 / 部门收入总表 and the 类 lines into the 收支总表s, then their amounts; a second run changes
    nothing."""
    import openpyxl

    from xltools.cli import main
    from xltools.parse import read_book
    from xltools.pipeline import check_file

    book = tmp_path / "new.xlsx"
    assert main(["new", "--family", "dept_budget", "--year", "2025", "--unit-name", "某区统计局", "-o", str(book)]) == 0
    wb = openpyxl.load_workbook(book)
    ws = wb["一般公共预算财政拨款支出预算表"]
    for i, (code, name, basic, project) in enumerate([("201", "一般公共服务支出", None, None),
                                                      ("20105", "统计信息事务", None, None),
                                                      ("2010501", "行政运行", 120.5, None),
                                                      ("2010502", "一般行政管理事务", None, 30),
                                                      ("208", "社会保障和就业支出", None, None),
                                                      ("20805", "行政事业单位养老支出", None, None),
                                                      ("2080505", "机关事业单位基本养老保险缴费支出", 12.3, None)], start=6):
        ws.cell(i, 1, code), ws.cell(i, 2, name), ws.cell(i, 4, basic), ws.cell(i, 5, project)
    wb.save(book)
    out = tmp_path / "out.xlsx"
    assert main(["recalc", str(book), "-o", str(out)]) == 0
    b, _ = read_book(out)
    D = Decimal
    assert [(ln.code, ln.amounts["total"]) for ln in b.tables["expense_dept"].lines] == [
        (None, D("162.8")), ("201", D("150.5")), ("20105", D("150.5")), ("2010501", D("120.5")),
        ("2010502", D("30")), ("208", D("12.3")), ("20805", D("12.3")), ("2080505", D("12.3"))]
    assert b.tables["income_dept"].total_line().amounts["gpb"] == D("162.8")
    assert [(ln.label, ln.amounts["amount"]) for ln in b.tables["summary_dept_expense"].items()] == [
        ("一般公共服务支出", D("150.5")), ("社会保障和就业支出", D("12.3"))]
    _, report = check_file(out)
    left = [(f.code, f.sheet) for f in report.findings if f.code[0] in "TX" and f.severity == "error"]
    assert left == [("X014", "一般公共预算财政拨款基本支出预算表")]     # the 经济分类 detail is the person's to type
    again = tmp_path / "again.xlsx"
    assert main(["recalc", str(out), "-o", str(again)]) == 0
    _, report2 = check_file(again)
    assert [f.to_dict() for f in report2.findings] == [f.to_dict() for f in report.findings]


# ----------------------------------------------------------------------------------------------- helpers

def test_dsum_adds_in_order_like_sum():
    from xltools.subtotals import dsum

    vals = [Decimal("0.1"), None, Decimal("1E+30"), Decimal("-1E+30"), Decimal("0.20")]
    assert dsum(vals) == sum((v for v in vals if v is not None), Decimal(0))
    assert str(dsum(vals)) == str(sum((v for v in vals if v is not None), Decimal(0)))
    assert dsum([]) == 0 and dsum([None]) == 0


@pytest.mark.parametrize("label, key", [
    ("一、本年收入", "本年收入"), ("（一）工资福利支出", "工资福利支出"), ("(十二)其他", "其他"), ("1.合计", "合计"),
    ("12、 上年结转：", "上年结转"), ("一般公共预算拨款收入", "一般公共预算拨款收入"), ("一二三", "一二三"),
    ("（一", "(一"), ("2021年预算", "2021年预算"), ("", ""), (None, ""),
])
def test_norm_label(label, key):
    from xltools.subtotals import norm_label

    assert norm_label(label) == key
    assert norm_label(label) == key            # the cached answer is the same


def test_hierarchy_parent_is_the_longest_prefix_in_the_table():
    from xltools.model import Line, Table
    from xltools.subtotals import hierarchy

    lines = [Line(1, "一般公共服务支出", "201"), Line(2, "行政运行", "2010301"), Line(3, "款", "20103"),
             Line(4, "一般行政管理事务", "2010302"), Line(5, "外项", "2080505"), Line(6, "", None, amounts={"x": D(1)}),
             Line(7, "合计", None, kind="total"), Line(8, "坏", "20a")]
    children, top = hierarchy(Table("t", "s", "万元", tuple(lines), {}))
    assert {r: [c.row for c in kids] for r, kids in children.items()} == {3: [2, 4], 1: [3]}
    assert [ln.row for ln in top] == [1, 5, 6, 8]


def test_closing_row_sums_come_from_the_declaration(dept_book):
    """收入总计 = 本年收入合计 + 用事业基金弥补收支差额 + 上年结转 is declared (row_sums in the family TOML), not coded."""
    from xltools.families import get_family
    from xltools.record import replace
    from xltools.subtotals import identities

    book, _ = parse_book(read_grids(dept_book))
    fam = get_family("dept_budget")
    decl = next(t for sd in fam.sheets for t in sd.tables if t.key == "summary_dept_income")
    assert [(s.target, s.parts) for s in decl.row_sums] == [("收入总计", ("本年收入合计", "用事业基金弥补收支差额", "上年结转"))]
    table = book.tables["summary_dept_income"]

    def grand(d):
        return next(i for i in identities(table, d) if i.target.label == "收入总计")

    declared = [ln.label for ln in grand(decl).parts]
    assert declared[0] == "本年收入合计" and set(declared) <= {"本年收入合计", "用事业基金弥补收支差额", "上年结转"}
    # without the declaration the grand total is the plain sum of the items
    plain = [ln.label for ln in grand(replace(decl, row_sums=())).parts]
    assert "本年收入合计" not in plain and plain
