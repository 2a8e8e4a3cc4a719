"""C family (xltools.rules.codes): every finding kind on tiny inline workbooks, and seed 001 as printed."""
from __future__ import annotations

import pytest

from xltools import codes
from xltools.io.readers import Grids, read_grids
from xltools.parse import parse_book, read_book
from xltools.rules import catalogue
from xltools.rules.codes import analyse

GPB = "一般公共预算财政拨款支出预算表"
BASIC = "一般公共预算财政拨款基本支出预算表"
SUMMARY = "部门收支总表"
FIN = "财政拨款收支总表"




def row(code=None, label="", total=None, kind="item", **amounts) -> dict:
    a = {"total": None if total is None else str(total)}
    a.update({k: str(v) for k, v in amounts.items()})
    r = {"label": label, "kind": kind, "amounts": a}
    if code is not None:
        r["code"] = code
    return r


def total(v) -> dict:
    return row(None, "总计", v, kind="total")


def econ(code=None, label="", total=None, kind="item") -> dict:
    return {"code": code, "label": label, "kind": kind, "amounts": {"total": None if total is None else str(total)}}


@pytest.fixture
def findings_of(make_book):
    """tables → (findings, fills) of the C rules on a workbook built from them."""
    def run(tables: dict, year: int = 2021):
        path = make_book({"family": "dept_budget", "year": year, "tables": tables})
        book, _ = read_book(path)
        res = analyse(book)
        return res.findings, res.fills
    return run


def only(findings, code):
    return [f for f in findings if f.code == code]


# ------------------------------------------------------------------------------------------------ catalogue

def test_every_c_rule_is_documented_the_same_way():
    rules = {k: r for k, r in catalogue().items() if k.startswith("C")}
    assert len(rules) == 13
    for r in rules.values():
        assert r.severity in ("error", "warning", "info")
        assert r.title and r.what and r.why and r.example and r.message


# ------------------------------------------------------------------------------------------------ seed 001

def test_seed001_reports_the_mislabelled_line_and_nothing_false(dept_book):
    book, _ = read_book(dept_book)
    fs = analyse(book).findings
    mislabel = only(fs, "C011")
    assert len(mislabel) == 1
    f = mislabel[0]
    assert (f.sheet, f.cell, f.severity) == (SUMMARY, "C6", "error")
    assert "社会保险基金支出" in f.message and "社会保障和就业支出" in f.message and "39.70" in f.message
    assert f.actual == "社会保险基金支出" and f.expected == "社会保障和就业支出"
    # every other code and name of the seed is in the catalogue; the three 基本支出 names that are variants of the
    # catalogue names (older edition / local wording) are info only
    assert sorted((f.code, f.cell, f.actual, f.expected) for f in fs if f.code != "C011") == [
        ("C005", "B23", "国内差旅费", "差旅费"),
        ("C005", "B35", "医疗费", "医疗费补助"),
        ("C005", "B36", "其他对个人和家庭的补助支出", "其他对个人和家庭的补助"),
    ]
    assert all(f.severity == "info" for f in fs if f.code != "C011")


def test_seed001_mislabel_reaches_check(dept_book):
    from xltools.pipeline import check_file

    _, report = check_file(dept_book)
    hits = [f for f in report.findings if f.code.startswith("C") and "社会保险基金支出" in f.message + str(f.actual)]
    assert hits and hits[0].severity == "error"


def test_seed001_codes_are_all_in_the_bundled_catalogue():
    """Checked by hand against the clean seed CSVs: every code is found, names match but for the three variants."""
    import csv
    from pathlib import Path

    seeds = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds" / "clean"
    if not seeds.is_dir():
        pytest.skip("shared seeds not present")
    missing, differ = [], []
    for p in sorted(seeds.glob("001_*.csv")):
        rows = list(csv.reader(open(p, encoding="utf-8-sig")))
        if rows[0][0] != "科目编码":
            continue
        for r in rows[1:]:
            if not r[0]:
                continue
            e = codes.lookup(r[0], 2021)
            if e is None:
                missing.append(r[0])
            elif not codes.names_match(r[1], e.name):
                differ.append(r[0])
    assert missing == []
    assert sorted(set(differ)) == ["30211", "30307", "30399"]


# ------------------------------------------------------------------------------------------------ C001

def test_letters_and_wrong_lengths_are_findings_not_crashes(findings_of):
    fs, fills = findings_of({"expense_gpb": [total(3), row("20l0301", "行政运行", 1), row("2010", "", 1),
                                             row("1010301", "x", 1)]})
    c1 = only(fs, "C001")
    assert [(f.cell, f.severity) for f in c1] == [("A6", "error"), ("A7", "error"), ("A8", "error")]
    assert "20l0301" in c1[0].message and "字母" in c1[0].message
    assert "4 位" in c1[1].message
    assert fills == []


# ------------------------------------------------------------------------------------------------ C002 / C003

def test_unknown_lei_is_an_error(findings_of):
    fs, _ = findings_of({"expense_gpb": [total(1), row("218", "", 1)]})
    (f,) = only(fs, "C002")
    assert f.severity == "error" and f.cell == "A6" and "218" in f.message


def test_unknown_xiang_under_a_missing_lei_is_an_error(findings_of):
    fs, _ = findings_of({"expense_gpb": [total(1), row("2990101", "某项", 1)]})
    c2 = only(fs, "C002")
    assert c2 and "没有 299 这一类" in c2[0].message
    assert not only(fs, "C003")


def test_unknown_econ_kuan_is_an_error_the_econ_list_is_complete(findings_of):
    fs, _ = findings_of({"basic_gpb": [econ(None, "合计", 1, "total"), econ("302", "商品和服务支出", 1),
                                       econ("30250", "某费", 1)]})
    (f,) = only(fs, "C002")
    assert f.severity == "error" and "30250" in f.message and "302 商品和服务支出" in f.message


def test_partial_list_gives_a_warning_never_an_error(findings_of):
    fs, fills = findings_of({"expense_gpb": [total(2), row("201", "", 2), row("20138", "", 2),
                                             row("2013816", "某新项目", 2)]})
    (f,) = only(fs, "C003")
    assert f.severity == "warning" and f.cell == "A8"
    assert "不完整" in f.message and "201 一般公共服务支出 › 20138 市场监督管理事务" in f.message
    assert not [x for x in fs if x.severity == "error"]
    assert [x.value for x in fills] == ["一般公共服务支出", "市场监督管理事务"]   # the unknown one is left empty


def test_an_unlisted_code_is_reported_once_per_book(findings_of):
    rows = [total(2), row("201", "", 2), row("20138", "", 2), row("2013816", "某新项目", 2)]
    fs, _ = findings_of({"expense_gpb": rows, "expense_dept": [dict(r) for r in rows]})
    assert [(f.sheet, f.cell) for f in only(fs, "C003")] == [("部门支出总表", "A8")]   # its first place


def test_an_imported_official_catalogue_turns_the_warning_into_an_error(findings_of, _home, tmp_path):
    src = tmp_path / "official.csv"
    src.write_text("科目编码,科目名称\n201,一般公共服务支出\n20138,市场监督管理事务\n2013801,行政运行\n",
                   encoding="utf-8")
    codes.import_catalogue(src, 2021)
    codes.reload_catalogue()
    assert not codes.is_partial("func", "项", 2021)
    fs, _ = findings_of({"expense_gpb": [total(2), row("201", "", 2), row("20138", "", 2),
                                         row("2013816", "某新项目", 2)]})
    (f,) = only(fs, "C002")
    assert f.severity == "error" and "2013816" in f.message


# ------------------------------------------------------------------------------------------------ C004 / C005

def test_typed_name_differs_shows_both(findings_of):
    fs, fills = findings_of({"basic_gpb": [econ(None, "合计", 1, "total"), econ("302", "商品和服务支出", 1),
                                           econ("30201", "其他商品和服务支出", 1)]})
    (f,) = only(fs, "C004")
    assert (f.cell, f.severity, f.actual, f.expected) == ("B7", "warning", "其他商品和服务支出", "办公费")
    assert "其他商品和服务支出" in f.message and "办公费" in f.message
    assert fills == []      # a typed name is never overwritten


def test_former_name_of_a_renamed_lei_is_said_so(findings_of):
    fs, _ = findings_of({"expense_gpb": [total(1), row("207", "文化体育与传媒支出", 1)]})
    (f,) = only(fs, "C004")
    assert "曾用名" in f.message and "2019" in f.message and "文化旅游体育与传媒支出" in f.message


def test_names_equal_under_names_match_are_fine(findings_of):
    fs, _ = findings_of({"expense_gpb": [total(1), row("201", "一般公共服务支出", 1),
                                         row("20103", "政府办公厅(室)及相关机构事务", 1),
                                         row("2010301", " 行政运行：", 1)]})
    assert fs == []


def test_variant_name_is_info(findings_of):
    fs, _ = findings_of({"basic_gpb": [econ(None, "合计", 1, "total"), econ("302", "商品和服务支出", 1),
                                       econ("30211", "国内差旅费", 1)]})
    (f,) = only(fs, "C005")
    assert f.severity == "info" and f.expected == "差旅费"


def test_names_follow_the_books_year(findings_of):
    fs, fills = findings_of({"expense_gpb": [total(1), row("207", "", 1)]}, year=2018)
    assert [f.value for f in fills] == ["文化体育与传媒支出"]
    fs, _ = findings_of({"expense_gpb": [total(1), row("207", "文化旅游体育与传媒支出", 1)]}, year=2018)
    (f,) = only(fs, "C004")
    assert "2019 年起的名称" in f.message


# ------------------------------------------------------------------------------------------------ C006

def test_xiang_without_its_kuan_row(findings_of):
    fs, _ = findings_of({"expense_gpb": [total(3), row("208", "", 3), row("2080505", "", 2),
                                         row("2080506", "", 1)]})
    (f,) = only(fs, "C006")
    assert f.severity == "error" and f.cell == "A7" and f.expected == "20805"
    assert "20805 行政事业单位养老支出" in f.message and "2080505 等 2 个" in f.message


def test_kuan_and_lei_both_missing_are_two_findings(findings_of):
    fs, _ = findings_of({"expense_gpb": [total(1), row("2080505", "", 1)]})
    assert sorted(f.expected for f in only(fs, "C006")) == ["208", "20805"]


def test_econ_kuan_without_its_lei(findings_of):
    fs, _ = findings_of({"basic_gpb": [econ(None, "合计", 1, "total"), econ("30101", "基本工资", 1)]})
    (f,) = only(fs, "C006")
    assert f.expected == "301" and "工资福利支出" in f.message


# ------------------------------------------------------------------------------------------------ C007

def test_function_code_in_the_economic_table(findings_of):
    fs, fills = findings_of({"basic_gpb": [econ(None, "合计", 1, "total"), econ("2010301", "", 1)]})
    (f,) = only(fs, "C007")
    assert f.severity == "error" and f.cell == "A6"
    assert "支出功能分类项级" in f.message and "部门预算支出经济分类" in f.message
    assert fills == []


def test_government_economic_code_in_the_department_table(findings_of):
    fs, _ = findings_of({"basic_gpb": [econ(None, "合计", 1, "total"), econ("501", "", 1), econ("50101", "", 1)]})
    c7 = only(fs, "C007")
    assert len(c7) == 2 and all("政府预算支出经济分类" in f.message and "301–399" in f.message for f in c7)
    assert not only(fs, "C006") and not only(fs, "C002")


def test_economic_code_in_a_function_table(findings_of):
    fs, _ = findings_of({"expense_dept": [total(1), row("30101", "基本工资", 1)]})
    (f,) = only(fs, "C007")
    assert "部门预算支出经济分类" in f.message and "支出功能分类" in f.message


# ------------------------------------------------------------------------------------------------ C008

def test_duplicate_code_in_one_table(findings_of):
    fs, _ = findings_of({"expense_gpb": [total(2), row("201", "", 2), row("20103", "", 2), row("2010301", "", 1),
                                         row(2010301.0, "行政运行", 1)]})
    (f,) = only(fs, "C008")
    assert f.cell == "A9" and "第 8 行" in f.message


def test_same_code_in_two_tables_is_fine(findings_of):
    fs, _ = findings_of({"expense_gpb": [total(1), row("201", "", 1)], "expense_dept": [total(1), row("201", "", 1)]})
    assert fs == []


# ------------------------------------------------------------------------------------------------ C009

def test_name_without_code(findings_of):
    fs, _ = findings_of({"expense_gpb": [total(1), row(None, "一般公共服务支出", 1)],
                         "basic_gpb": [econ(None, "合计", 1, "total"), econ(None, "住房公积金", 1)]})
    c9 = only(fs, "C009")
    assert len(c9) == 2 and all(f.severity == "error" for f in c9)
    assert "一般公共服务支出" in c9[0].message and "201" in c9[0].message
    assert "30113" in c9[1].message


def test_ambiguous_name_without_code_asks_to_choose(findings_of):
    fs, _ = findings_of({"expense_gpb": [total(1), row(None, "行政运行", 1)]})
    (f,) = only(fs, "C009")
    assert "个科目叫这个名称" in f.message


def test_amount_without_code_or_name(findings_of):
    fs, _ = findings_of({"expense_gpb": [total(1), row(None, "", 1)]})
    (f,) = only(fs, "C009")
    assert "第 6 行有金额" in f.message


def test_total_rows_have_no_code_and_that_is_fine(findings_of):
    fs, fills = findings_of({"expense_gpb": [total(1), row("201", "一般公共服务支出", 1)],
                             "basic_gpb": [econ(None, "合计", 1, "total"), econ("301", "", 1)]})
    assert fs == [] and [f.value for f in fills] == ["工资福利支出"]


# ------------------------------------------------------------------------------------------------ named 类 rows

def _summary(*items) -> list[dict]:
    return [{"label": lab, "kind": "item", "amounts": {"amount": None if a is None else str(a)}} for lab, a in items]


def _fin(*items) -> list[dict]:
    return [{"label": lab, "kind": "item", "amounts": {"total": None if a is None else str(a), "gpb": None if a is None
                                                      else str(a)}} for lab, a in items]


DETAIL = {"expense_dept": [total(50), row("201", "", 40), row("20103", "", 40), row("2010301", "", 40),
                           row("208", "", 10), row("20805", "", 10), row("2080505", "", 10)]}


def test_label_that_is_not_a_lei(findings_of):
    fs, _ = findings_of({**DETAIL, "summary_dept_expense": _summary(("一般公共服务支出", 40),
                                                                    ("社会保障和就业", 10))})
    (f,) = only(fs, "C010")
    assert (f.sheet, f.cell, f.severity) == (SUMMARY, "C6", "warning")
    assert "是否为“社会保障和就业支出”" in f.message


def test_mislabel_by_amount(findings_of):
    fs, _ = findings_of({**DETAIL, "summary_dept_expense": _summary(("一般公共服务支出", 40), ("社会保险基金支出", 10),
                                                                    ("社会保险基金支出", None), ("卫生健康支出", None))})
    (f,) = only(fs, "C011")
    assert f.cell == "C6" and "社会保障和就业支出" in f.message and f.expected == "社会保障和就业支出"
    assert not only(fs, "C008")     # the second 社会保险基金支出 line (no amount) is the real template row


def test_mislabel_in_the_fin_summary_too(findings_of):
    fs, _ = findings_of({"expense_gpb": DETAIL["expense_dept"],
                         "summary_fin_expense": _fin(("一般公共服务支出", 40), ("教育支出", 10))})
    (f,) = only(fs, "C011")
    assert f.sheet == FIN and "教育支出" in f.message and f.expected == "社会保障和就业支出"


def test_lei_absent_from_the_detail_tables_without_a_matching_amount(findings_of):
    fs, _ = findings_of({**DETAIL, "summary_dept_expense": _summary(("一般公共服务支出", 40),
                                                                    ("社会保障和就业支出", 10), ("教育支出", 7))})
    (f,) = only(fs, "C012")
    assert f.severity == "warning" and "205 教育支出" in f.message
    assert not only(fs, "C011")


def test_template_rows_without_amounts_and_prefixed_labels_are_fine(findings_of):
    fs, _ = findings_of({**DETAIL, "summary_dept_expense": _summary(
        ("一般公共服务支出", 40), ("社会保障和就业支出", 10), ("文化旅游体育与传媒支出", None),
        ("抗疫特别国债安排的支出", None), ("债务还本支出", None), ("1.卫生健康支出", None))})
    assert fs == []


def test_duplicate_lei_in_a_summary_side(findings_of):
    fs, _ = findings_of({**DETAIL, "summary_dept_expense": _summary(("一般公共服务支出", 40),
                                                                    ("一般公共服务支出", None),
                                                                    ("社会保障和就业支出", 10))})
    (f,) = only(fs, "C008")
    assert f.cell == "C6" and "一般公共服务支出" in f.message


def test_former_lei_name_in_a_summary_side(findings_of):
    fs, _ = findings_of({"summary_dept_expense": _summary(("医疗卫生与计划生育支出", None))})
    (f,) = only(fs, "C004")
    assert "卫生健康支出" in f.message and "曾用名" in f.message


def test_no_detail_tables_no_amount_comparison(findings_of):
    fs, _ = findings_of({"summary_dept_expense": _summary(("社会保险基金支出", 10))})
    assert fs == []


# ------------------------------------------------------------------------------------------------ forms of codes

def test_codes_in_every_typed_form_fill_the_same_names(findings_of):
    fs, fills = findings_of({"expense_gpb": [total(1), row("２０１", "", 1), row(" 201 03 ", "", 1),
                                             row(2010301.0, "", 1), row("2,010,302", "", 0)]})
    assert fs == []
    assert [(f.cell, f.value) for f in fills] == [("B6", "一般公共服务支出"), ("B7", "政府办公厅（室）及相关机构事务"),
                                                  ("B8", "行政运行"), ("B9", "一般行政管理事务")]


def test_dropdown_choice_in_the_code_cell(findings_of):
    fs, fills = findings_of({"expense_gpb": [total(1), row("201 一般公共服务支出", "", 1)]})
    (f,) = only(fs, "C013")
    assert f.severity == "info" and "201" in f.message
    assert sorted((x.what, x.cell, x.value) for x in fills) == [("code", "A6", "201"), ("name", "B6", "一般公共服务支出")]


def _split_grids(dept_book) -> Grids:
    """The seed book with the 一般公共预算 table's code typed into 类 | 款 | 项 columns (类 and 款 carried down)."""
    g = read_grids(dept_book)
    sheet = [
        ["一般公共预算财政拨款支出预算表", None, None, None, None, None, None],
        [None, None, None, None, None, None, "单位：万元"],
        ["功能分类科目", None, None, None, "2021年预算数", None, None],
        ["类", "款", "项", "科目名称", "小计", "基本支出", "项目支出"],
        [None, None, None, "总计", 39.7, 39.7, None],
        [208.0, None, None, None, 39.7, 39.7, None],
        [None, 5.0, None, "行政事业单位养老支出", 39.7, 39.7, None],
        [None, "05", "05", None, 15.83, 15.83, None],
        ["208", "05", "06", None, 13.87, 13.87, None],
        [None, "05", "99", "", 10.0, 10.0, None],
    ]
    g.sheets[GPB] = sheet
    g.merged[GPB] = [(0, 0, 0, 6), (2, 0, 2, 3), (2, 4, 2, 6)]
    return g


def test_split_lei_kuan_xiang_columns(dept_book):
    book, _ = parse_book(_split_grids(dept_book))
    table = book.tables["expense_gpb"]
    assert [ln.code for ln in table.lines if ln.kind == "item"] == ["208", "20805", "2080505", "2080506", "2080599"]
    res = analyse(book)
    assert [f for f in res.findings if f.sheet == GPB] == []
    assert [(f.cell, f.value) for f in res.fills] == [
        ("D6", "社会保障和就业支出"), ("D8", "机关事业单位基本养老保险缴费支出"), ("D9", "机关事业单位职业年金缴费支出"),
        ("D10", "其他行政事业单位养老支出")]


def test_run_checks_registers_the_codes_check():
    from xltools.rules.registry import CHECKS, _load

    _load()
    assert "codes" in CHECKS


def test_huge_amounts_in_a_summary_line_are_printed_not_raised(findings_of):
    fs, _ = findings_of({**DETAIL, "summary_dept_expense": _summary(("一般公共服务支出", 40), ("教育支出", "1E+30"))})
    (f,) = only(fs, "C012")
    assert "一行有金额 10000000000000000" in f.message   # the float the cell holds, printed in full


# ------------------------------------------------------------------------------------------------ any value

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_VALUE = st.one_of(st.none(), st.integers(-10**9, 10**12), st.floats(allow_nan=True, allow_infinity=True),
                   st.text(max_size=10), st.sampled_from(["201", "2010301.0", "２０１", "30101", "50101", "2990101",
                                                          "201 一般公共服务支出", "20l", "总计", "合计", "行政运行",
                                                          "社会保险基金支出", "1E+30", "—", "", " "]))


@pytest.fixture(scope="module")
def seed_grids(tmp_path_factory):
    from xltools.demo import examples
    from xltools.io.writers import save_workbook
    from xltools.template import build_workbook

    fam, data = next((f, d) for f, d in examples() if f.family == "dept_budget")
    p = tmp_path_factory.mktemp("codes-fuzz") / "seed.xlsx"
    save_workbook(build_workbook(fam, data), p)
    return read_grids(p)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(st.tuples(st.sampled_from([GPB, BASIC, SUMMARY, FIN, "部门支出总表"]),
                                  st.integers(4, 37), st.integers(0, 4), _VALUE), max_size=12))
def test_any_cell_values_give_findings_never_exceptions(seed_grids, changes):
    import copy

    from xltools.fillcodes import fill_codes

    g = copy.deepcopy(seed_grids)
    for sheet, r, c, v in changes:
        grid = g.sheets[sheet]
        while len(grid) <= r:
            grid.append([None] * 5)
        while len(grid[r]) <= c:
            grid[r].append(None)
        grid[r][c] = v
    book, _ = parse_book(g)
    edits, findings = fill_codes(book)
    for f in findings:
        assert f.code.startswith("C") and f.message and f.severity in ("error", "warning", "info")
    names = {(t.sheet, ln.cells.get("name")): ln.label for t in book.tables.values() for ln in t.lines}
    codes_cells = {(t.sheet, ln.cells.get("code")) for t in book.tables.values() for ln in t.lines}
    for e in edits.edits:
        assert (e.sheet, e.cell) in codes_cells or names.get((e.sheet, e.cell)) == ""   # never a typed name


# ----------------------------------------------------------------------------------------------- helpers

def test_infer_kind_by_first_digit_and_length():
    from xltools.codes.normalise import infer_kind

    for first in "0123456789":
        for n in range(1, 9):
            code = first + "0" * (n - 1)
            want = ("func" if first == "2" and n in (3, 5, 7) else "econ_dept" if first == "3" and n in (3, 5)
                    else "econ_gov" if first == "5" and n in (3, 5) else None)
            assert infer_kind(code) == want, code
    assert infer_kind(2010301.0) == "func" and infer_kind(" ３０１ ") == "econ_dept" and infer_kind("20a") is None
    assert infer_kind("") is None and infer_kind(None) is None


def test_name_key_is_cached_and_unchanged_by_it():
    from xltools.codes.normalise import name_key, names_match

    assert name_key("一般公共服务支出（类）： ") == "一般公共服务支出(类)"
    assert name_key("一般公共服务支出（类）： ") is name_key("一般公共服务支出（类）： ")
    assert name_key(201) == "201" and name_key(None) == "" and names_match("“三公”经费", '"三公"经费')


def test_lei_index_follows_the_catalogue_view():
    from xltools.codes.catalogue import get_catalogue, reload_catalogue
    from xltools.rules import codes as rc

    class _Book:
        year, family = 2021, "dept_budget"

    idx = rc._Checker(_Book())._lei_index()
    assert idx is rc._Checker(_Book())._lei_index()          # one index per catalogue view
    reload_catalogue()
    assert get_catalogue().view("func", 2021) is not None
    again = rc._Checker(_Book())._lei_index()
    assert again is not idx and again == idx                  # a reloaded catalogue: built again, the same
