"""X family (表间审核 and workbook consistency): each rule on a small change to an otherwise consistent copy of
seed 001, on tiny books, and on seed 001 itself — before and after recalc."""
from __future__ import annotations

from decimal import Decimal

import pytest

from xltools.pipeline import check_file

D = Decimal
GPB = "一般公共预算财政拨款支出预算表"
BASIC = "一般公共预算财政拨款基本支出预算表"


def clean_data() -> dict:
    """Seed 001 with its three real inconsistencies corrected and project 4 named: no T/X finding at all."""
    from xltools.demo import dept_data

    d = dept_data()
    row(d, "expense_gpb", "总计")["amounts"]["basic"] = "494.83"
    row(d, "expense_dept", "总计")["amounts"]["basic"] = "494.83"
    row(d, "basic_gpb", "30299")["amounts"].update(total="17.07", public="17.07")
    d["projects"][3]["fields"]["name"] = "区行政服务中心租赁费"
    return d


def row(d: dict, table: str, key: str, nth: int = 0) -> dict:
    hits = [r for r in d["tables"][table] if r.get("code") == key or r.get("label") == key]
    return hits[nth]


def setv(d: dict, table: str, key: str, **amounts) -> dict:
    row(d, table, key)["amounts"].update(amounts)
    return d


def own_checks(path) -> list:
    """Parse and run only the T/X checks (the other families are not what these tests are about)."""
    from xltools.io.readers import read_grids
    from xltools.parse import parse_book
    from xltools.rules.registry import CHECKS, _load

    _load()
    book, _ = parse_book(read_grids(path))
    mods = ("xltools.rules.tables", "xltools.rules.between", "xltools.rules.consistency")
    return [f for fn in CHECKS.values() if fn.__module__ in mods for f in fn(book)]


def xs(make_book, d: dict, prefix: str = "X") -> list:
    return [f for f in own_checks(make_book(d)) if f.code.startswith(prefix)]


def rows(fs) -> set:
    return {(f.code, f.severity, f.sheet, f.cell, f.expected, f.actual) for f in fs}


def test_clean_copy_of_seed_has_no_finding(make_book):
    _, report = check_file(make_book(clean_data()))
    assert [f for f in report if f.code[0] in "TX"] == []


# ----------------------------------------------------------------------------------------------- seed 001

def test_seed001_between_tables(dept_book):
    _, report = check_file(dept_book)
    fs = [f for f in report if f.code.startswith("X")]
    # 494.82 (功能分类 总计) against 494.83 (基本支出 table): a 尾差, never an error
    assert rows(fs) == {("X003", "warning", GPB, "D5", D("494.83"), D("494.82"))}


def test_seed001_after_recalc(dept_book, tmp_path):
    from xltools.cli.recalc import recalc_file

    out = tmp_path / "recalc.xlsx"
    recalc_file(dept_book, out)
    _, report = check_file(out)
    assert not [f for f in report if f.code.startswith("T")]
    assert not [f for f in report if f.code.startswith("X") and f.severity == "error"]
    # what legitimately remains: 494.83 by 功能分类 against 494.82 by its 经济分类 detail (each table adds up),
    # and 机关运行经费 68.2 against the recomputed 公用经费 68.19 (提示 only)
    assert rows(f for f in report if f.code.startswith("X")) == {
        ("X003", "warning", GPB, "D5", D("494.82"), D("494.83")),
        ("X011", "info", "单位信息", "C38", D("68.19"), D("68.2")),
    }


# ----------------------------------------------------------------------------------------------- X001

def test_income_total_against_expense_total(make_book):
    d = setv(clean_data(), "summary_dept_income", "收入总计", amount="1932.35")
    fs = xs(make_book, d)
    assert ("X001", "error", "部门收支总表", "D20", D("1932.35"), D("1932.33")) in rows(fs)


# ----------------------------------------------------------------------------------------------- X002

def test_financial_summary_item_against_gpb_table(make_book):
    d = clean_data()
    setv(d, "summary_fin_expense", "卫生健康支出", total="14.74", gpb="14.74")
    setv(d, "summary_fin_expense", "住房保障支出", total="11.78", gpb="11.78")
    fs = [f for f in xs(make_book, d) if f.code == "X002"]
    assert rows(fs) == {("X002", "error", "财政拨款收支总表", "E9", D("14.64"), D("14.74")),
                        ("X002", "error", "财政拨款收支总表", "E10", D("11.88"), D("11.78"))}
    assert "210" in fs[0].message and GPB in fs[0].message


def test_financial_summary_income_against_income_table(make_book):
    d = setv(clean_data(), "summary_fin_income", "一般公共预算拨款", amount="1900")
    fs = [f for f in xs(make_book, d) if f.code == "X002"]
    assert rows(fs) == {("X002", "error", "财政拨款收支总表", "B6", D("1932.33"), D("1900"))}


# ----------------------------------------------------------------------------------------------- X003

def test_basic_total_error(make_book):
    d = clean_data()
    setv(d, "basic_gpb", "合计", total="500.00", personnel="431.80")
    setv(d, "basic_gpb", "301", total="419.04", personnel="419.04")
    setv(d, "basic_gpb", "30199", total="210.45", personnel="210.45")
    fs = [f for f in xs(make_book, d) if f.code == "X003"]
    assert rows(fs) == {("X003", "error", GPB, "D5", D("500.00"), D("494.83"))}


# ----------------------------------------------------------------------------------------------- X004 X005

def test_dept_expense_against_gpb_by_code(make_book):
    d = clean_data()
    for key in ("总计", "208", "20805", "2080505"):
        r = row(d, "expense_dept", key)["amounts"]
        r["basic"] = str(D(r["basic"]) + 1)
        r["total"] = str(D(r["total"]) + 1)
    fs = xs(make_book, d)
    # only the lowest row is compared: its parents follow from it
    assert [(f.code, f.cell, f.expected, f.actual) for f in fs if f.code == "X004"] == \
        [("X004", "D12", D("15.83"), D("16.83"))]


def test_dept_expense_lacks_a_code(make_book):
    d = clean_data()
    d["tables"]["expense_dept"] = [r for r in d["tables"]["expense_dept"] if r.get("code") != "2080599"]
    setv(d, "expense_dept", "20805", total="29.70", basic="29.70")
    setv(d, "expense_dept", "208", total="29.70", basic="29.70")
    setv(d, "expense_dept", "总计", total="1922.33", basic="484.83")
    fs = [f for f in xs(make_book, d) if f.code == "X005"]
    assert [(f.sheet, f.cell, f.actual) for f in fs] == [(GPB, "A14", D(10))]
    assert "部门支出总表" in fs[0].message and "2080599" in fs[0].message


def test_other_income_makes_dept_expense_a_floor(make_book):
    d = clean_data()
    setv(d, "income_dept", "2010302", other="10", total="1447.50")
    setv(d, "expense_dept", "2010302", project="1447.50", total="1447.50")
    fs = [f for f in xs(make_book, d) if f.code == "X004"]
    assert fs == []        # more than the appropriations is fine when the unit has other income
    setv(d, "expense_dept", "2010302", project="1400", total="1400")
    fs = [f for f in xs(make_book, d) if f.code == "X004"]
    assert [(f.cell, f.expected, f.actual) for f in fs] == [("E9", D("1437.50"), D("1400"))]


# ----------------------------------------------------------------------------------------------- X006 X007

def test_income_table_against_gpb_and_expense(make_book):
    d = setv(clean_data(), "income_dept", "2101199", gpb="2.86", total="2.86")
    fs = xs(make_book, d)
    assert ("X007", "error", "部门收入总表", "E18", D("2.76"), D("2.86")) in rows(fs)
    assert not [f for f in fs if f.code == "X006"]          # same row: reported once
    d = setv(clean_data(), "income_dept", "2101199", total="2.86")
    fs = [f for f in xs(make_book, d) if f.code == "X006"]
    assert rows(fs) == {("X006", "error", "部门收入总表", "C18", D("2.76"), D("2.86"))}


# ----------------------------------------------------------------------------------------------- X008

def test_dept_summary_against_income_and_expense_tables(make_book):
    d = setv(clean_data(), "summary_dept_expense", "卫生健康支出", amount="15.64")
    fs = [f for f in xs(make_book, d) if f.code == "X008"]
    assert rows(fs) == {("X008", "error", "部门收支总表", "D8", D("14.64"), D("15.64"))}
    d = setv(clean_data(), "summary_dept_income", "一般公共预算拨款收入", amount="1932.30")
    fs = [f for f in xs(make_book, d) if f.code == "X008"]
    assert rows(fs) == {("X008", "error", "部门收支总表", "B5", D("1932.33"), D("1932.30"))}


def test_mislabelled_summary_line_is_not_arithmetic(dept_book):
    # seed 001 prints 社会保险基金支出 against 社会保障和就业支出's 39.70: the C family names it, X stays silent
    _, report = check_file(dept_book)
    assert not [f for f in report if f.code.startswith("X") and f.sheet == "部门收支总表"]


def with_gpb_carryover(d: dict, carry: str = "30") -> dict:
    """Seed 001 (clean) with 30.00 of 上年结转 一般公共预算 money spent on 2010301 行政运行 this year, every
    summary consistent: the 一般公共预算财政拨款支出预算表 shows the year's own appropriations only."""
    c = D(carry)

    def add(table, key, col, nth=0):
        a = row(d, table, key, nth)["amounts"]
        a[col] = str(D(a.get(col) or 0) + c)

    for key in ("总计", "201", "20103", "2010301"):
        add("income_dept", key, "carryover"), add("income_dept", key, "total")
        add("expense_dept", key, "basic"), add("expense_dept", key, "total")
    add("summary_dept_income", "上年结转", "amount"), add("summary_dept_income", "收入总计", "amount")
    for key in ("一般公共服务支出", "本年支出合计", "支出总计"):
        add("summary_dept_expense", key, "amount")
    add("summary_fin_income", "二、上年结转", "amount"), add("summary_fin_income", "一般公共预算拨款", "amount", 1)
    add("summary_fin_income", "本年收入总计", "amount")
    for key in ("一、本年支出", "一般公共服务支出", "本年支出总计"):
        add("summary_fin_expense", key, "total"), add("summary_fin_expense", key, "gpb")
    perf = d["forms"]["perf_overall"]
    perf["total_budget"] = perf["dept_budget"] = str(D(perf["dept_budget"]) + c)
    return d


def test_carried_over_money_is_not_in_the_gpb_table(make_book, tmp_path):
    """上年结转 一般公共预算 money: the 财政拨款收支总表 spends it on top of the detail tables' appropriations, and
    部门收入总表 shows it in its own column — a consistent book has no T/X finding, and recalc changes nothing."""
    from xltools.cli.recalc import recalc_file

    src = make_book(with_gpb_carryover(clean_data()))
    assert [f for f in own_checks(src) if f.code[0] in "TX"] == []
    edits, _ = recalc_file(src, tmp_path / "out.xlsx")
    assert len(edits) == 0


def test_carried_over_money_typed_into_the_gpb_table_is_named(make_book):
    """The same 30.00 also typed into the 一般公共预算财政拨款支出预算表: X007 says the table lists the year's own
    appropriations only, X002 compares its total plus the 上年结转 — and recalc does not copy the 30 into the
    部门收入总表's 一般公共预算 column (that would count it twice)."""
    d = with_gpb_carryover(clean_data())
    for key in ("总计", "201", "20103", "2010301"):
        a = row(d, "expense_gpb", key)["amounts"]
        a["basic"], a["total"] = str(D(a["basic"]) + 30), str(D(a["total"]) + 30)
    src = make_book(d)
    fs = {f.code: f for f in own_checks(src) if f.code in ("X002", "X007")}
    assert "上年结转资金安排的支出不列入" in fs["X007"].message
    assert (fs["X002"].expected, fs["X002"].actual) == (D("1992.33"), D("1962.33"))
    from xltools.parse import read_book
    from xltools.subtotals import recompute

    assert not [e for e in recompute(read_book(src)[0]).edits if e.sheet == "部门收入总表"]


# ----------------------------------------------------------------------------------------------- X009

def test_sangong_covers_basic_lines(make_book):
    d = clean_data()
    d["tables"]["sangong"] = [{"amounts": {"total": "5", "vehicle": "4", "vehicle_run": "4", "reception": "1"}}]
    fs = [f for f in xs(make_book, d) if f.code == "X009"]
    assert rows(fs) == {("X009", "error", "一般公共预算“三公”经费支出表", "F5", D("2.00"), D(1))}
    assert "30217" in fs[0].message


def test_a_blank_sangong_table_is_not_none_when_basic_spends_on_its_lines(make_book):
    """The 基本支出 table has 30217 公务接待费 2.00 and 30231 4.00 (seed 001): a 三公 table left blank is reported (X014),
    rather than passing as "无三公经费" and printing 0.00 in the narrative."""
    d = clean_data()
    d["tables"]["sangong"] = []
    fs = [f for f in xs(make_book, d) if f.code in ("X009", "X014") and "三公" in f.sheet]
    assert [(f.code, f.cell, f.expected) for f in fs] == [("X014", "A5", D("6.00"))]
    assert "30217 公务接待费 2.00" in fs[0].message


# ----------------------------------------------------------------------------------------------- X010

def test_project_sheets_against_project_spending(make_book):
    d = clean_data()
    d["projects"][0]["fields"]["funds"] = "170.5"
    fs = [f for f in xs(make_book, d) if f.code == "X010"]
    assert rows(fs) == {("X010", "error", "部门支出总表", "E5", D("1442.5"), D("1437.50"))}
    d["projects"][0]["fields"]["funds"] = "160.5"           # fewer project funds: 人员类项目 need no sheet
    fs = [f for f in xs(make_book, d) if f.code == "X010"]
    assert [f.severity for f in fs] == ["warning"]
    assert "尾差" not in fs[0].message and "人员类等项目可不填绩效目标表" in fs[0].message   # 5.00 is no rounding


# ----------------------------------------------------------------------------------------------- X011 X012 X013

def test_admin_cost_is_info(make_book):
    d = clean_data()
    d["forms"]["unit_info"]["admin_cost"] = "70"
    fs = [f for f in xs(make_book, d) if f.code == "X011"]
    assert rows(fs) == {("X011", "info", "单位信息", "C38", D("68.20"), D("70"))}
    d["forms"]["unit_info"]["unit_type"] = "事业单位"
    assert not [f for f in xs(make_book, d) if f.code == "X011"]


def test_procurement_against_unit_info(make_book):
    d = clean_data()
    d["forms"]["unit_info"]["procurement_total"] = "64.3"
    d["forms"]["unit_info"]["procurement_works"] = "1"
    fs = [f for f in xs(make_book, d) if f.code == "X012"]
    assert {(f.severity, f.expected, f.actual) for f in fs} == {("error", D("64.20"), D("64.3")),
                                                                 ("error", D(0), D(1))}


def test_overall_performance_budget(make_book):
    d = clean_data()
    d["forms"]["perf_overall"]["dept_budget"] = "1900"
    fs = [f for f in xs(make_book, d) if f.code == "X013"]
    assert rows(fs) == {("X013", "warning", "部门整体绩效目标表", "B5", D("1932.33"), D("1900"))}


# ----------------------------------------------------------------------------------------------- X014

def test_unfilled_summary_is_reported_once(make_book):
    d = clean_data()
    for r in d["tables"]["expense_dept"]:
        r["amounts"] = {}
    fs = [f for f in xs(make_book, d) if f.sheet == "部门支出总表"]
    assert [(f.code, f.expected) for f in fs] == [("X014", D("1932.33"))]


def test_tiny_book_with_one_table(make_book):
    data = {"family": "dept_budget", "year": 2021, "unit": "万元",
            "forms": {"unit_info": {"unit_name": "测试单位", "year": 2021, "unit": "万元"}},
            "tables": {"expense_gpb": [
                {"label": "总计", "kind": "total", "amounts": {"total": "10", "basic": "10"}},
                {"code": "2010301", "label": "行政运行", "amounts": {"total": "10", "basic": "10"}}]}}
    fs = xs(make_book, data)
    assert {f.code for f in fs} == {"X014"}
    assert {f.sheet for f in fs} == {"财政拨款收支总表", BASIC, "部门支出总表", "部门收入总表"}


# ----------------------------------------------------------------------------------------------- X020 X021 X022

def test_year_and_unit_consistency(make_book):
    d = clean_data()
    d["forms"]["unit_info"]["year"] = 2022        # the template was issued for 2021 (_xltools records it)
    d["forms"]["unit_info"]["prior_year"] = 2020
    fs = xs(make_book, d, "X02")
    assert {(f.code, f.cell, f.expected, f.actual) for f in fs if f.sheet == "单位信息"} == {
        ("X020", "C6", 2022, 2021), ("X020", "C7", 2021, 2020)}
    # the projects end in 2021, before the 2022 budget year (warnings); the header bands still say 2021年预算数
    # (errors: the template of another year)
    assert {(f.severity, f.actual) for f in fs if f.sheet != "单位信息"} == {("warning", 2021), ("error", 2021)}
    assert all(f.severity == "warning" for f in fs if f.sheet.startswith("项目"))
    import openpyxl

    path = make_book(clean_data())
    wb = openpyxl.load_workbook(path)
    wb["单位信息"]["C8"] = "元"             # the person changed the unit of a template issued in 万元
    wb.save(path)
    assert [(f.cell, f.expected, f.actual) for f in own_checks(path) if f.code == "X021"] == [("C8", "元", "万元")]


def test_project_period_outside_the_budget_year(make_book):
    d = clean_data()
    d["projects"][1]["fields"]["end"] = "2020.12.31"
    fs = xs(make_book, d, "X020")
    assert [(f.severity, f.sheet, f.actual) for f in fs] == [("warning", "项目2-行政服务中心工作人员培训服务经费", 2020)]


@pytest.mark.parametrize("text", ["XX区XX局", "××单位", "（待填写）", "请填写单位名称", "（填写单位全称）"])
def test_placeholders(make_book, text):
    d = clean_data()
    d["forms"]["unit_info"]["unit_name"] = text
    fs = xs(make_book, d, "X022")
    assert [(f.sheet, f.cell) for f in fs][:1] == [("单位信息", "C4")]


def test_no_placeholder_false_alarm(dept_book):
    _, report = check_file(dept_book)
    assert not [f for f in report if f.code == "X022"]


@pytest.mark.parametrize("code", [f"X{n:03d}" for n in (*range(1, 15), 20, 21, 22)])
def test_catalogue_entries_are_complete(code):
    from xltools.rules import rule

    r = rule(code)
    assert r.severity in ("error", "warning", "info") and r.title and r.what and r.why and r.example


# ----------------------------------------------------------------------------------------------- tiny books

def tiny(make_book, tables: dict, **info) -> list:
    data = {"family": "dept_budget", "year": 2021, "unit": "万元",
            "forms": {"unit_info": {"unit_name": "测试单位", "year": 2021, "unit": "万元", **info}}, "tables": tables}
    return xs(make_book, data)


def T(label, kind="item", code=None, **amounts):
    return {"code": code, "label": label, "kind": kind, "amounts": amounts}


def test_tiny_balance(make_book):
    fs = tiny(make_book, {"summary_dept_income": [T("一般公共预算拨款收入", amount="10"),
                                                  T("收入总计", "total", amount="10")],
                          "summary_dept_expense": [T("一般公共服务支出", amount="12"),
                                                   T("支出总计", "total", amount="12")]})
    assert [(f.code, f.expected, f.actual) for f in fs if f.code == "X001"] == [("X001", D(10), D(12))]


def test_tiny_basic_total(make_book):
    fs = tiny(make_book, {"expense_gpb": [T("总计", "total", total="10", basic="10"),
                                          T("行政运行", code="2010301", total="10", basic="10")],
                          "basic_gpb": [T("合计", "total", total="9", personnel="9"),
                                        T("基本工资", code="30101", total="9", personnel="9")]})
    assert [(f.code, f.severity, f.expected, f.actual) for f in fs if f.code == "X003"] == \
        [("X003", "error", D(9), D(10))]


def test_tiny_dept_expense(make_book):
    fs = tiny(make_book, {"expense_gpb": [T("行政运行", code="2010301", total="10", basic="10")],
                          "expense_dept": [T("行政运行", code="2010301", total="10.01", basic="10.01")]})
    assert [(f.code, f.severity, f.cell) for f in fs if f.code == "X004"] == [("X004", "warning", "D5")]


def test_tiny_sangong(make_book):
    fs = tiny(make_book, {"sangong": [{"amounts": {"total": "1", "vehicle": "1", "vehicle_run": "1"}}],
                          "basic_gpb": [T("公务用车运行维护费", code="30231", total="3", public="3")]})
    assert [(f.code, f.expected, f.actual) for f in fs if f.code == "X009"] == [("X009", D(3), D(1))]


def test_tiny_procurement_and_admin_cost(make_book):
    fs = tiny(make_book, {"procurement": [T("合计", "total", total="5", gpb="5"), T("货物类", total="5", gpb="5")],
                          "basic_gpb": [T("办公费", code="30201", total="2", public="2")]},
              procurement_total="6", admin_cost="2")
    assert [(f.code, f.expected, f.actual) for f in fs if f.code in ("X011", "X012")] == [("X012", D(5), D(6))]


def test_empty_detail_behind_a_filled_summary(make_book):
    d = clean_data()
    setv(d, "summary_fin_expense", "一、本年支出", fund="5", total="1937.33")
    setv(d, "summary_fin_expense", "本年支出总计", fund="5", total="1937.33")
    setv(d, "income_dept", "2010301", fund="5", total="433.61")
    fs = [f for f in xs(make_book, d) if f.code == "X014"]
    assert {(f.sheet, f.expected) for f in fs} == {("政府性基金预算支出表", D(5))}
    assert len(fs) == 2 and any("部门收入总表" in f.message for f in fs)


def test_a_consolidated_book_allows_each_units_rounding(dept_book, tmp_path):
    """12 units each 0.01 apart between 功能分类 and 经济分类 sum to 0.12: a 尾差 warning, not an error."""
    import openpyxl

    from xltools.pipeline import check_file

    wb = openpyxl.load_workbook(dept_book)
    ws = wb["一般公共预算财政拨款基本支出预算表"]
    total = next(r for r in range(1, 20) if ws.cell(r, 2).value == "合计")
    ws.cell(total, 3).value = 494.83 + 0.11          # 0.12 away from the 494.82 of the other table
    meta = wb["_xltools"]
    meta.append(["kind", "consolidated"])
    meta.append(["consolidated_units", "12"])
    p = tmp_path / "total.xlsx"
    wb.save(p)
    _, report = check_file(p)
    x003 = [f for f in report.findings if f.code == "X003"]
    assert x003 and all(f.severity == "warning" for f in x003)
    meta.cell(meta.max_row, 2).value = "1"
    wb.save(p)
    _, report = check_file(p)
    assert any(f.code == "X003" and f.severity == "error" for f in report.findings)


def test_a_stale_year_in_a_header_band_or_title_is_reported(dept_book, tmp_path):
    import openpyxl

    from xltools.pipeline import check_file

    wb = openpyxl.load_workbook(dept_book)
    ws = wb["一般公共预算财政拨款支出预算表"]
    ref = next(c.coordinate for row in ws.iter_rows(max_row=4) for c in row if c.value == "2021年预算数")
    ws[ref] = "2020年预算数"                      # last year's template reused
    p = tmp_path / "stale.xlsx"
    wb.save(p)
    book, report = check_file(p)
    assert ("一般公共预算财政拨款支出预算表", ref, "2020年预算数") in book.texts
    assert [(f.code, f.cell) for f in report.findings if f.code == "X020"] == [("X020", ref)]
    _, clean = check_file(dept_book)
    assert not [f for f in clean.findings if f.code in ("X020", "X021")]


# ----------------------------------------------------------------------------------------------- pre-filters

@pytest.mark.parametrize("text", ["ＸＸ区ＸＸ局", "xx单位", "××单位", "○○○", "□□", "（填写单位名称）", "此处填写", "待补充",
                                  "有效 XX 个", "2021年预算数", "XXXL", "对个人和家庭的补助", "正常文本"])
def test_placeholder_prefilter_keeps_every_match(text):
    """placeholders skips a text without any character a placeholder is made of before halfwidth() and the
    full pattern; that test must keep every text the pattern matches (full-width Ｘ included)."""
    from xltools.rules import consistency as c
    from xltools.text import halfwidth

    if c.PLACEHOLDER.search(halfwidth(text)):
        assert c._PLACEHOLDER_HINT.search(text)
    if text in ("2021年预算数", "XXXL", "对个人和家庭的补助", "正常文本"):
        assert not c.PLACEHOLDER.search(halfwidth(text))
    else:
        assert c.PLACEHOLDER.search(halfwidth(text))


def test_placeholder_prefilter_on_any_text():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from xltools.rules import consistency as c
    from xltools.text import halfwidth

    @settings(max_examples=400, deadline=None)
    @given(st.text(alphabet=st.sampled_from(list("XxＸｘ×✕╳○〇□待请填写补充此处（）()aB 区局１")), max_size=12))
    def prop(text):
        if c.PLACEHOLDER.search(halfwidth(text)):
            assert c._PLACEHOLDER_HINT.search(text)

    prop()
