"""T family (表内审核): every identity inside one table, with the tolerance policy, on tiny books and on seed 001."""
from __future__ import annotations

from decimal import Decimal

import pytest

from xltools.pipeline import check_file
from xltools.subtotals import grade, tolerance

D = Decimal
INFO = {"unit_name": "测试单位", "year": 2021, "unit": "万元"}


def book(make_book, tables: dict, unit: str = "万元", **forms) -> object:
    info = {**INFO, "unit": unit}
    return make_book({"family": "dept_budget", "year": 2021, "unit": unit,
                      "forms": {"unit_info": info, **forms}, "tables": tables})


def found(path, prefix: str = "T") -> list:
    from tests.test_rules_between import own_checks

    return [f for f in own_checks(path) if f.code.startswith(prefix)]


def rows(fs) -> set:
    return {(f.code, f.severity, f.sheet, f.cell, f.expected, f.actual) for f in fs}


def L(code, label, total=None, basic=None, project=None, kind="item"):
    amounts = {k: v for k, v in (("total", total), ("basic", basic), ("project", project)) if v is not None}
    return {"code": code, "label": label, "kind": kind, "amounts": amounts}


GPB = "一般公共预算财政拨款支出预算表"
BASIC = "一般公共预算财政拨款基本支出预算表"


def gpb_rows(**change):
    """A consistent 一般公共预算 table (rows 5…): 总计 30 = 201 30 = 20103 30 = 2010301 10 + 2010302 20."""
    r = {
        "total": L(None, "总计", "30", "10", "20", kind="total"),
        "201": L("201", "一般公共服务支出", "30", "10", "20"),
        "20103": L("20103", "政府办公厅(室)及相关机构事务", "30", "10", "20"),
        "2010301": L("2010301", "行政运行", "10", "10"),
        "2010302": L("2010302", "一般行政管理事务", "20", None, "20"),
    }
    for key, amounts in change.items():
        r[key.lstrip("_")]["amounts"].update(amounts)
    return list(r.values())


# ----------------------------------------------------------------------------------------------- tolerance

def test_tolerance_policy():
    assert tolerance("万元") == D("0.01") and tolerance("元") == D(1) and tolerance("千元") == D("0.01")
    assert grade(D("494.83"), D("494.83"), "万元") is None
    assert grade(D("494.83"), D("494.82"), "万元") == "warning"
    assert grade(D("494.83"), D("494.81"), "万元") == "error"
    assert grade(D("100"), D("101"), "元") == "warning"
    assert grade(D("100"), D("102"), "元") == "error"
    assert grade(None, D(0), "万元") is None


def test_consistent_table_passes(make_book):
    assert found(book(make_book, {"expense_gpb": gpb_rows()})) == []


# ----------------------------------------------------------------------------------------------- T001 T002

def test_kuan_not_sum_of_xiang_is_an_error_at_the_kuan(make_book):
    # 20103 says 35 / 15 but its 项 add up to 30 / 10 — the 201 above agrees with the 项, so only 20103 is wrong
    fs = found(book(make_book, {"expense_gpb": gpb_rows(_20103={"total": "35", "basic": "15"})}))
    assert rows(fs) == {
        ("T001", "error", GPB, "D7", D("10"), D("15")),
        # 201 = Σ款 as typed: 30 ≠ 35 and 10 ≠ 15 (each identity at its own level)
        ("T001", "error", GPB, "D6", D("15"), D("10")),
    }
    msg = next(f.message for f in fs if f.cell == "D7")
    assert "20103" in msg and "基本支出" in msg and "15.00" in msg and "10.00" in msg


def test_rounding_difference_is_a_warning(make_book):
    fs = found(book(make_book, {"expense_gpb": gpb_rows(_201={"basic": "10.01", "total": "30.01"})}))
    # 201 against its 款 (10.01 vs 10) and 总计 against the 类 (10 vs 10.01): both 尾差
    assert rows(fs) == {("T001", "warning", GPB, "D6", D("10"), D("10.01")),
                        ("T002", "warning", GPB, "D5", D("10.01"), D("10"))}
    assert all("尾差" in f.message for f in fs)


def test_total_row_against_lei(make_book):
    fs = found(book(make_book, {"expense_gpb": gpb_rows(total={"project": "25", "total": "35"})}))
    assert rows(fs) == {("T002", "error", GPB, "E5", D("20"), D("25"))}  # 合计 35 = 10 + 25: not reported twice


def test_yuan_unit_tolerance_is_one(make_book):
    fs = found(book(make_book, {"expense_gpb": gpb_rows(_2010301={"total": "11"})}, unit="元"))
    assert rows(fs) == {("T003", "warning", GPB, "C8", D("10"), D("11"))}
    fs = found(book(make_book, {"expense_gpb": gpb_rows(_2010301={"total": "12"})}, unit="元"))
    assert rows(fs) == {("T003", "error", GPB, "C8", D("10"), D("12"))}


def test_xiang_without_kuan_hangs_under_lei(make_book):
    rows_ = [r for r in gpb_rows() if r["code"] != "20103"]
    assert found(book(make_book, {"expense_gpb": rows_})) == []


# ----------------------------------------------------------------------------------------------- T003

def test_row_identity_on_a_leaf(make_book):
    fs = found(book(make_book, {"expense_gpb": gpb_rows(_2010302={"total": "21"})}))
    # the 项's 小计 is off; its parents agree with the other columns → the 小计 of the 项 is the cell
    assert ("T003", "error", GPB, "C9", D("20"), D("21")) in rows(fs)
    assert "基本支出" in fs[0].message or any("项目支出" in f.message for f in fs)


def test_computed_column_difference_reported_once(make_book):
    # seed-like: a parent's 合计 and 公用经费 both 68.20, its children 68.19 → one finding, at 公用经费
    basic = [L(None, "合计", "68.20", kind="total"), L("302", "商品和服务支出", "68.20"),
             L("30201", "办公费", "60.00"), L("30299", "其他商品和服务支出", "8.19")]
    for r in basic:
        r["amounts"] = {"total": r["amounts"].get("total"), "public": r["amounts"].get("total")}
    fs = found(book(make_book, {"basic_gpb": basic}))
    assert rows(fs) == {("T001", "warning", BASIC, "E6", D("68.19"), D("68.20"))}


def test_row_identity_explained_by_a_part_is_not_repeated(make_book):
    # 总计: 小计 30 is right (Σ类), 基本支出 9 is wrong (Σ类 = 10) → only the 基本支出 cell, not 30 ≠ 9 + 20
    fs = found(book(make_book, {"expense_gpb": gpb_rows(total={"basic": "9"})}))
    assert rows(fs) == {("T002", "error", GPB, "D5", D("10"), D("9"))}


def test_sangong_single_row(make_book):
    ok = [{"amounts": {"total": "6", "vehicle": "4", "vehicle_run": "4", "reception": "2"}}]
    assert found(book(make_book, {"sangong": ok})) == []
    bad = [{"amounts": {"total": "7", "vehicle": "4", "vehicle_buy": "1", "vehicle_run": "4", "reception": "2"}}]
    fs = found(book(make_book, {"sangong": bad}))
    sheet = "一般公共预算“三公”经费支出表"
    assert rows(fs) == {("T003", "error", sheet, "C5", D("5"), D("4")),     # 小计 4 ≠ 1 + 4
                        ("T003", "error", sheet, "A5", D("6"), D("7"))}     # 合计 7 ≠ 0 + 4 + 2


def test_text_amount_is_structure_not_arithmetic(make_book):
    import openpyxl

    path = book(make_book, {"expense_gpb": gpb_rows()})
    wb = openpyxl.load_workbook(path)
    wb[GPB]["D8"] = "约10"
    wb.save(path)
    _, report = check_file(path)
    assert [f.code for f in report if f.code in ("S003",)] == ["S003"]
    assert not [f for f in report if f.code.startswith("T") and f.cell in ("D8", "D7", "D6", "D5")]


# ----------------------------------------------------------------------------------------------- T004

def test_personnel_and_public_columns(make_book):
    basic = [{"label": "合计", "kind": "total", "amounts": {"total": "15", "personnel": "15"}},
             {"code": "301", "label": "工资福利支出", "amounts": {"total": "10", "personnel": "10"}},
             {"code": "30101", "label": "基本工资", "amounts": {"total": "10", "personnel": "10"}},
             {"code": "302", "label": "商品和服务支出", "amounts": {"total": "5", "personnel": "5"}},
             {"code": "30201", "label": "办公费", "amounts": {"total": "5", "personnel": "5"}}]
    fs = found(book(make_book, {"basic_gpb": basic}))
    assert rows(fs) == {("T004", "error", BASIC, "D9", D(0), D(5))}
    assert "公用经费" in fs[0].message and "30201" in fs[0].message


# ----------------------------------------------------------------------------------------------- T005

def test_procurement_total(make_book):
    rows_ = [{"label": "合计", "kind": "total", "amounts": {"total": "64.20", "gpb": "64.20"}},
             {"label": "货物类", "amounts": {"total": "36.60", "gpb": "36.60"}},
             {"label": "服务类", "amounts": {"total": "27.50", "gpb": "27.50"}}]
    fs = found(book(make_book, {"procurement": rows_}))
    assert rows(fs) == {("T005", "error", "政府采购预算明细表", "D5", D("64.10"), D("64.20"))}


def test_two_sided_closing_rows(make_book):
    income = [{"label": "一般公共预算拨款收入", "amounts": {"amount": "100"}},
              {"label": "政府性基金预算拨款收入", "amounts": {"amount": "20"}},
              {"label": "本年收入合计", "kind": "total", "amounts": {"amount": "120"}},
              {"label": "上年结转", "kind": "total", "amounts": {"amount": "5"}},
              {"label": "收入总计", "kind": "total", "amounts": {"amount": "120"}}]
    expense = [{"label": "一般公共服务支出", "amounts": {"amount": "125"}},
               {"label": "本年支出合计", "kind": "total", "amounts": {"amount": "125"}},
               {"label": "支出总计", "kind": "total", "amounts": {"amount": "125"}}]
    fs = found(book(make_book, {"summary_dept_income": income, "summary_dept_expense": expense}))
    t = [f for f in fs if f.code == "T005"]
    assert len(t) == 1 and t[0].expected == D(125) and t[0].actual == D(120)
    assert "收入总计" in t[0].message and "上年结转" in t[0].message


def test_financial_summary_sections(make_book):
    income = [{"label": "一、本年收入", "kind": "section", "amounts": {"amount": "100"}},
              {"label": "一般公共预算拨款", "amounts": {"amount": "90"}},
              {"label": "政府性基金预算拨款", "amounts": {"amount": "10"}},
              {"label": "二、上年结转", "kind": "section", "amounts": {"amount": "3"}},
              {"label": "一般公共预算拨款", "amounts": {"amount": "2"}},
              {"label": "本年收入总计", "kind": "total", "amounts": {"amount": "103"}}]
    fs = found(book(make_book, {"summary_fin_income": income}))
    t = [f for f in fs if f.code == "T005"]
    # 二、上年结转 3 ≠ 2; 本年收入总计 103 = 100 + 3 as typed
    assert [(f.sheet, f.expected, f.actual) for f in t] == [("财政拨款收支总表", D(2), D(3))]


# ----------------------------------------------------------------------------------------------- seed 001

def test_seed001_table_findings(dept_book):
    _, report = check_file(dept_book)
    fs = [f for f in report if f.code.startswith("T")]
    assert rows(fs) == {
        ("T002", "warning", "部门支出总表", "D5", D("494.83"), D("494.82")),
        ("T002", "warning", GPB, "D5", D("494.83"), D("494.82")),
        ("T001", "warning", BASIC, "E17", D("68.19"), D("68.2")),
    }
    # the 部门收支总表's mislabelled 社会保险基金支出 line adds up: it is a code finding, never arithmetic
    assert not [f for f in report if f.sheet == "部门收支总表" and f.code[0] in "TX"]


@pytest.mark.parametrize("code", ["T001", "T002", "T003", "T004", "T005"])
def test_catalogue_entries_are_complete(code):
    from xltools.rules import rule

    r = rule(code)
    assert r.severity == "error" and r.title and r.what and r.why and r.example and "{" in r.message
