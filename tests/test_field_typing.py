"""Workbooks typed the way people type them into a freshly issued template (found by sheet title and header
label, as a person finds them): a dropdown choice "2010301 行政运行" left in the code cell, a 类 row typed with its
name only, computed cells left empty until 重算合计. None of these may raise a false finding, and recalc must
not turn them into wrong totals."""
from __future__ import annotations

from decimal import Decimal

import openpyxl
import pytest

from xltools.cli import main
from xltools.parse import read_book
from xltools.pipeline import check_file

D = Decimal
GPB = "一般公共预算财政拨款支出预算表"
BASIC = "一般公共预算财政拨款基本支出预算表"


def column(ws, label: str) -> int:
    """The column whose header (in the first rows) reads `label`."""
    for row in ws.iter_rows(min_row=1, max_row=6):
        for c in row:
            if isinstance(c.value, str) and c.value.strip() == label:
                return c.column
    raise LookupError(label)


def first_input_row(ws) -> int:
    """The row after the table's 总计/合计 row."""
    for row in ws.iter_rows(min_row=1, max_row=12, max_col=2):
        for c in row:
            if isinstance(c.value, str) and c.value.strip() in ("总计", "合计"):
                return c.row + 1
    raise LookupError("总计")


def type_rows(ws, rows: list[tuple], labels: tuple[str, ...]) -> None:
    cols = [column(ws, lab) for lab in labels]
    start = first_input_row(ws)
    for i, values in enumerate(rows):
        for col, v in zip(cols, values):
            if v is not None:
                ws.cell(start + i, col, v)


@pytest.fixture
def fresh(tmp_path):
    def make(name="new.xlsx"):
        path = tmp_path / name
        assert main(["new", "--family", "dept_budget", "--year", "2022", "--unit-name", "某镇中心小学校",
                     "-o", str(path)]) == 0
        return path
    return make


GPB_ROWS = [("205", "教育支出", None, None), ("20502", "普通教育", None, None), ("2050202", "小学教育", 80.5, 12),
            ("208", "社会保障和就业支出", None, None), ("20805", "行政事业单位养老支出", None, None),
            ("2080505", "机关事业单位基本养老保险缴费支出", 7.5, None)]
BASIC_ROWS = [("301", "工资福利支出", None, None), ("30101", "基本工资", 60, None), ("30108", "机关事业单位基本养老保险缴费", 7.5, None),
              ("30107", "绩效工资", 16, None), ("302", "商品和服务支出", None, None), ("30201", "办公费", None, 4.5)]


def typed_book(fresh, gpb_codes=lambda code, name: (code, name)):
    path = fresh()
    wb = openpyxl.load_workbook(path)
    type_rows(wb[GPB], [(*gpb_codes(c, n), b, p) for c, n, b, p in GPB_ROWS], ("科目编码", "科目名称", "基本支出", "项目支出"))
    type_rows(wb[BASIC], BASIC_ROWS, ("科目编码", "科目名称", "人员经费", "公用经费"))
    wb.save(path)
    return path


def tx(report, severities=("error", "warning")):
    return sorted((f.code, f.sheet, f.cell) for f in report.findings if f.code[0] in "TX" and f.code != "T006" and f.severity in severities)


def test_empty_computed_cells_are_work_in_progress_not_zeros(fresh, tmp_path):
    """Only the lowest rows typed, every 小计/合计 and 类/款 row left empty, summary tables untouched: check sees
    the totals the details give (no T003 "小计为 0.00" per row, no "表没有填写金额") and says once per sheet that
    重算合计 has yet to write them; after recalc the same book checks clean of T and X."""
    path = typed_book(fresh)
    _, before = check_file(path)
    assert [f.code for f in before.findings if f.code[0] in "TX" and f.code != "T006"] == []
    pending = {f.sheet: f for f in before.findings if f.code == "T006"}
    assert {GPB, BASIC, "部门支出总表", "部门收入总表", "部门收支总表", "财政拨款收支总表"} <= set(pending)
    assert all(f.severity == "warning" and "重算合计" in f.message for f in pending.values())
    # 类/款 rows: 205, 20502 (基本, 项目, 小计), 208, 20805 (基本, 小计); the 项' 小计 twice; the 总计 row's three
    assert pending[GPB].message.startswith("本表有 15 个应由工具计算的单元格为空（如 C5）")
    out = tmp_path / "out.xlsx"
    assert main(["recalc", str(path), "-o", str(out)]) == 0
    book, after = check_file(out)
    assert tx(after) == [] and not [f for f in after.findings if f.code == "T006"]
    assert book.tables["expense_gpb"].total_line().amounts == {"total": D("100"), "basic": D("88"), "project": D("12")}


def test_explain_before_recalc_gives_the_figures_recalc_gives(fresh, tmp_path, capsys):
    path = typed_book(fresh)
    assert main(["explain", str(path), "-o", str(tmp_path / "before.md")]) == 0
    assert "合计尚未重算" in capsys.readouterr().err
    out = tmp_path / "out.xlsx"
    assert main(["recalc", str(path), "-o", str(out)]) == 0
    assert main(["explain", str(out), "-o", str(tmp_path / "after.md")]) == 0
    assert "合计尚未重算" not in capsys.readouterr().err
    before = (tmp_path / "before.md").read_text(encoding="utf-8")
    assert before == (tmp_path / "after.md").read_text(encoding="utf-8")
    assert "100.00万元" in before


def test_dropdown_choice_left_in_the_code_cell(fresh, tmp_path):
    """"2050202 小学教育" chosen from the dropdown and the name cell left empty: the row is 2050202 everywhere —
    the hierarchy adds up (no 类 counted three times), the summaries get each code once — and C013 says
    fill-codes can split the cell."""
    path = typed_book(fresh, gpb_codes=lambda code, name: (f"{code} {name}", None))
    _, report = check_file(path)
    assert tx(report) == []
    c013 = [f.cell for f in report.findings if f.code == "C013"]
    assert len(c013) == len(GPB_ROWS)
    out = tmp_path / "out.xlsx"
    assert main(["recalc", str(path), "-o", str(out)]) == 0
    book, after = check_file(out)
    assert tx(after) == [] and not [f for f in after.findings if f.code == "C008"]
    assert [ln.code for ln in book.tables["expense_dept"].items()] == [c for c, *_ in GPB_ROWS]
    assert book.tables["expense_gpb"].by_code()["205"].label == "教育支出"
    assert book.tables["summary_dept_income"].total_line().amounts["amount"] == D("100")
    filled = tmp_path / "filled.xlsx"
    assert main(["fill-codes", str(out), "-o", str(filled)]) == 0
    ws = openpyxl.load_workbook(filled)[GPB]
    row = first_input_row(ws) + 2
    assert (ws.cell(row, column(ws, "科目编码")).value, ws.cell(row, column(ws, "科目名称")).value) == \
        ("2050202", "小学教育")


def test_class_row_typed_with_its_name_only(fresh, tmp_path):
    """"工资福利支出" typed without its code: it is the one catalogue entry so called (301), so it is checked and
    summed as 301 — not as a second top-level row — C009 still asks for the code, and fill-codes writes it."""
    path = fresh()
    wb = openpyxl.load_workbook(path)
    type_rows(wb[BASIC], [(None, "工资福利支出", 10, None), ("30101", "基本工资", 10, None)],
              ("科目编码", "科目名称", "人员经费", "公用经费"))
    ws = wb[BASIC]
    total_row = first_input_row(ws) - 1
    ws.cell(total_row, column(ws, "人员经费"), 10)
    wb.save(path)
    book, report = check_file(path)
    assert book.tables["basic_gpb"].by_code()["301"].label == "工资福利支出"
    assert [f.code for f in report.findings if f.code in ("T001", "T002", "C006")] == []
    (c009,) = [f for f in report.findings if f.code == "C009"]
    assert "301" in c009.message
    out = tmp_path / "out.xlsx"
    assert main(["recalc", str(path), "-o", str(out)]) == 0
    assert read_book(out)[0].tables["basic_gpb"].total_line().amounts["personnel"] == D("10")
    filled = tmp_path / "filled.xlsx"
    assert main(["fill-codes", str(path), "-o", str(filled)]) == 0
    ws = openpyxl.load_workbook(filled)[BASIC]
    assert ws.cell(first_input_row(ws), column(ws, "科目编码")).value == "301"
    assert not [f for f in check_file(filled)[1].findings if f.code == "C009"]


def test_an_ambiguous_name_is_not_guessed(fresh):
    """"行政运行" is the name of many 项: a row so typed stays without a code (C009 lists the candidates)."""
    path = fresh()
    wb = openpyxl.load_workbook(path)
    type_rows(wb[GPB], [(None, "行政运行", 10, None)], ("科目编码", "科目名称", "基本支出", "项目支出"))
    wb.save(path)
    book, report = check_file(path)
    assert [ln.code for ln in book.tables["expense_gpb"].items()] == [None]
    (c009,) = [f for f in report.findings if f.code == "C009"]
    assert "个科目叫这个名称" in c009.message


@pytest.mark.parametrize("typed, value", [("1,932.33", D("1932.33")), ("１，９３２.３３", D("1932.33")),
                                          ("(1,200)", D("-1200")), ("1,234,567", D("1234567")), ("12 345", D("12345")),
                                          ("'123", D("123"))])
def test_amounts_typed_as_text(typed, value):
    from xltools.text import parse_amount

    assert parse_amount(typed) == value


@pytest.mark.parametrize("typed", ["4,20.00", "1,2345", "12,3"])
def test_a_misplaced_thousands_separator_is_not_guessed(typed):
    """"4,20.00" could be 420.00 or 4.20: reported (S003) rather than read as either."""
    from xltools.text import NotAnAmount, parse_amount

    with pytest.raises(NotAnAmount):
        parse_amount(typed)


def test_fiscal_account_money_has_its_own_line(fresh, tmp_path):
    """财政专户管理资金 (a 2022+ Chongqing income line, e.g. a school's fees): a column of 部门收入总表 and a line of
    部门收支总表, summed like the other income — not typed into 事业收入 or a spare row."""
    path = fresh()
    wb = openpyxl.load_workbook(path)
    type_rows(wb["部门收入总表"], [("205", "教育支出", 100, 16)], ("科目编码", "科目名称", "一般公共预算拨款收入", "财政专户管理资金收入"))
    wb.save(path)
    out = tmp_path / "out.xlsx"
    assert main(["recalc", str(path), "-o", str(out)]) == 0
    book, _ = read_book(out)
    income = {ln.label: ln.amounts.get("amount") for ln in book.tables["summary_dept_income"].lines}
    assert income["财政专户管理资金收入"] == D("16") and income["事业收入预算"] is None
    assert income["本年收入合计"] == D("116")
    assert book.tables["income_dept"].total_line().amounts["total"] == D("116")


@pytest.mark.parametrize("typed, year, s007", [("2024年", 2024, False), ("2024 年度", 2024, False),
                                               ("二〇二四年", None, True)])
def test_year_typed_with_its_word(fresh, typed, year, s007):
    """"2024年" in 预算年度 is the year 2024; what cannot be read is one S007 — never also "未填写" (S005)."""
    path = fresh()
    wb = openpyxl.load_workbook(path)
    ws = wb["单位信息"]
    cell = next(c for row in ws.iter_rows() for c in row if c.value in ("预算年度", "*预算年度"))
    ws.cell(cell.row, cell.column + 1, typed)
    wb.save(path)
    book, report = check_file(path)
    codes = [f.code for f in report.findings if f.sheet == "单位信息" and f.code in ("S005", "S007")
             and "预算年度" in f.message]
    assert codes == (["S007"] if s007 else [])
    if year:
        assert book.year == year


def test_merged_amount_cells_are_named(fresh):
    """基本支出 and 项目支出 of one row merged into one cell (a tired person's layout fix): S008 at the merge says
    why the sums do not add up, instead of only the T findings it causes."""
    path = fresh()
    wb = openpyxl.load_workbook(path)
    ws = wb[GPB]
    type_rows(ws, [("2010301", "行政运行", 30, 20)], ("科目编码", "科目名称", "基本支出", "项目支出"))
    row, b, p = first_input_row(ws), column(ws, "基本支出"), column(ws, "项目支出")
    ws.merge_cells(start_row=row, start_column=b, end_row=row, end_column=p)
    wb.save(path)
    _, report = check_file(path)
    (f,) = [f for f in report.findings if f.code == "S008"]
    assert (f.sheet, f.severity) == (GPB, "error") and "项目支出" in f.message
    assert f.cell == f"{openpyxl.utils.get_column_letter(b)}{row}"


def test_the_templates_have_no_merged_amount_cells(examples_dir):
    """The official templates merge header cells only: no S008 on any example built from them."""
    for book in sorted(examples_dir.glob("*.xlsx")):
        assert not [f for f in check_file(book)[1].findings if f.code == "S008"], book.name
