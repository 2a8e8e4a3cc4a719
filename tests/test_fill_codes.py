"""填充科目名称: fill_codes (the core the button calls), refresh_code_lists, catalogue_list and `xltools fill-codes`."""
from __future__ import annotations

import json
import shutil

import openpyxl
import pytest

from xltools import codes
from xltools.codes import catalogue_list
from xltools.edits import EditSet, apply_to_grids
from xltools.fillcodes import LISTS_SHEET, fill_codes, fill_codes_file, refresh_code_lists
from xltools.io.readers import read_grids
from xltools.parse import parse_book, read_book

GPB = "一般公共预算财政拨款支出预算表"
BASIC = "一般公共预算财政拨款基本支出预算表"




def _row(code, label="", amount=None, kind="item"):
    r = {"label": label, "kind": kind, "amounts": {"total": None if amount is None else str(amount)}}
    if code is not None:
        r["code"] = code
    return r


CLEAN = {"family": "dept_budget", "year": 2021, "tables": {
    "expense_gpb": [_row(None, "总计", 10, "total"), _row("201", "", 10), _row("20103", "政府办公厅(室)及相关机构事务", 10),
                    _row(2010301.0, "", 10)],
    "basic_gpb": [_row(None, "合计", 10, "total"), _row("301", "", 10), _row("30101", "工资", 10)],
}}


@pytest.fixture
def clean_book(make_book):
    return make_book(CLEAN, "clean.xlsx")


def _cell(path, sheet, ref):
    return openpyxl.load_workbook(path)[sheet][ref].value


# ------------------------------------------------------------------------------------------------ core

def test_fill_codes_fills_only_empty_names(clean_book):
    book, _ = read_book(clean_book)
    edits, findings = fill_codes(book)
    assert isinstance(edits, EditSet)
    assert [(e.sheet, e.cell, e.value) for e in edits.edits] == [
        (GPB, "B6", "一般公共服务支出"), (GPB, "B8", "行政运行"), (BASIC, "B6", "工资福利支出")]
    # the typed 工资 (catalogue: 基本工资) and 政府办公厅(室)… are left as typed
    assert {(f.code, f.cell) for f in findings} == {("C005", "B7")}


def test_fill_codes_takes_grids_too_and_is_idempotent(clean_book):
    grids = read_grids(clean_book)
    edits, _ = fill_codes(grids)
    assert len(edits.edits) == 3
    apply_to_grids(grids, edits)
    again, findings = fill_codes(grids)
    assert again.edits == []
    assert [f.code for f in findings] == ["C005"]


def test_fill_codes_reduces_a_dropdown_choice_to_the_code(make_book):
    path = make_book({"family": "dept_budget", "year": 2021, "tables": {
        "expense_gpb": [_row(None, "总计", 1, "total"), _row("201 一般公共服务支出", "", 1)]}})
    edits, findings = fill_codes(read_grids(path))
    assert sorted((e.cell, e.value) for e in edits.edits) == [("A6", "201"), ("B6", "一般公共服务支出")]
    assert not [f for f in findings if f.code == "C013"]     # resolved by the edits


def test_a_book_without_coded_tables(project_books):
    edits, findings = fill_codes(read_grids(project_books["000"]))
    assert edits.edits == [] and findings == []


# ------------------------------------------------------------------------------------------------ dropdowns

def test_catalogue_list_is_code_and_name_in_code_order():
    func = catalogue_list("func", 2021)
    assert func[:3] == ["201 一般公共服务支出", "20101 人大事务", "2010101 行政运行"]
    assert "2080505 机关事业单位基本养老保险缴费支出" in func
    assert [x.split()[0] for x in func] == sorted(x.split()[0] for x in func)
    econ = catalogue_list("econ_dept", 2021)
    assert econ[0] == "301 工资福利支出" and all(x[0] == "3" for x in econ)
    assert catalogue_list("支出功能分类", 2021) == func
    assert catalogue_list("no-such-kind", 2021) == []
    assert "207 文化体育与传媒支出" in catalogue_list("func", 2018)


def test_templates_offer_the_catalogue_in_the_code_columns(clean_book):
    wb = openpyxl.load_workbook(clean_book)
    lists = wb[LISTS_SHEET]
    header = {c.value: c.column_letter for c in lists[1]}
    assert "codes_func" in header and "codes_econ_dept" in header
    col = header["codes_func"]
    values = [c.value for c in lists[col][1:] if c.value is not None]
    assert values == catalogue_list("func", 2021)
    formulas = {dv.formula1 for dv in wb[GPB].data_validations.dataValidation}
    assert any(f"${col}$2" in f for f in formulas)


def _damage_lists(path):
    """Blank one entry, rename another, add junk below the func list: what an old catalogue looks like."""
    wb = openpyxl.load_workbook(path)
    ws = wb[LISTS_SHEET]
    col = next(c.column for c in ws[1] if c.value == "codes_func")
    ws.cell(row=2, column=col, value="201 旧名称")
    ws.cell(row=5, column=col).value = None
    n = len(catalogue_list("func", 2021))
    ws.cell(row=n + 2, column=col, value="2999999 多余的旧科目")
    ws.cell(row=1, column=ws.max_column + 1, value="codes_unknown_kind")
    wb.save(path)
    return col


def test_refresh_code_lists_rewrites_only_what_changed(clean_book):
    col = _damage_lists(clean_book)
    grids = read_grids(clean_book)
    edits = refresh_code_lists(grids)
    assert {e.sheet for e in edits.edits} == {LISTS_SHEET}
    assert len(edits.edits) == 3
    apply_to_grids(grids, edits)
    column = [r[col - 1] if col - 1 < len(r) else None for r in grids[LISTS_SHEET][1:]]
    assert [v for v in column if v] == catalogue_list("func", 2021)
    assert refresh_code_lists(grids).edits == []


def test_refresh_follows_the_books_year(clean_book):
    grids = read_grids(clean_book)
    book, _ = parse_book(grids)
    assert refresh_code_lists(grids, book=book).edits == []
    old = refresh_code_lists(grids, year=2018)
    assert [e.value for e in old.edits] == ["207 文化体育与传媒支出", "210 医疗卫生与计划生育支出"]


def test_refresh_after_importing_the_official_catalogue(clean_book, tmp_path):
    src = tmp_path / "official.csv"
    src.write_text("科目编码,科目名称\n201,一般公共服务支出\n20101,人大事务\n2010101,行政运行\n", encoding="utf-8")
    codes.import_catalogue(src, 2021)
    codes.reload_catalogue()
    grids = read_grids(clean_book)
    edits = refresh_code_lists(grids)
    apply_to_grids(grids, edits)
    col = grids[LISTS_SHEET][0].index("codes_func")
    assert [r[col] for r in grids[LISTS_SHEET][1:] if r[col]] == catalogue_list("func", 2021)


def test_refresh_without_lists_sheet_is_empty(project_books):
    grids = read_grids(project_books["000"])
    grids.sheets.pop(LISTS_SHEET, None)
    assert refresh_code_lists(grids).edits == []


# ------------------------------------------------------------------------------------------------ file

def test_fill_codes_file_writes_once_and_keeps_the_source(clean_book, tmp_path):
    before = clean_book.read_bytes()
    out = tmp_path / "out.xlsx"
    res = fill_codes_file(clean_book, out)
    assert clean_book.read_bytes() == before
    assert res.output == out and len(res.filled) == 3 and res.split == []
    assert _cell(out, GPB, "B6") == "一般公共服务支出" and _cell(out, GPB, "B7") == "政府办公厅(室)及相关机构事务"
    assert _cell(out, BASIC, "B7") == "工资"
    assert fill_codes(read_grids(out))[0].edits == []


def test_nothing_to_change_copies_or_leaves_alone(dept_copy, tmp_path):
    before = dept_copy.read_bytes()
    out = tmp_path / "copy.xlsx"
    res = fill_codes_file(dept_copy, out)
    assert not res.changed and out.read_bytes() == before
    res = fill_codes_file(dept_copy, dept_copy, backup=True)
    assert res.output is None and dept_copy.read_bytes() == before
    assert not dept_copy.with_name(f"{dept_copy.stem}.bak.xlsx").exists()


def test_fill_keeps_in_sheet_buttons(clean_book):
    from tests.buttons import add_button, buttons, workbook_problems

    add_button(clean_book, GPB, macro="xltools.xlam!FillCodes", caption="填充科目名称")
    before = buttons(clean_book)
    res = fill_codes_file(clean_book, clean_book, backup=True, refresh_lists=True)
    assert res.filled
    assert buttons(clean_book) == before
    assert workbook_problems(clean_book) == []


# ------------------------------------------------------------------------------------------------ CLI

def run(capsys, *argv):
    from xltools.cli import main

    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_cli_default_output_and_exit_0(capsys, clean_book):
    rc, out, _ = run(capsys, "fill-codes", clean_book)
    assert rc == 0, out
    dst = clean_book.with_name("clean.filled.xlsx")
    assert dst.exists() and _cell(dst, GPB, "B8") == "行政运行"
    assert "已填充 3 个科目名称" in out and "B8" in out and str(dst) in out


def test_cli_o_and_exit_1_on_the_seed(capsys, dept_copy, tmp_path):
    out_path = tmp_path / "o.xlsx"
    rc, out, _ = run(capsys, "fill-codes", dept_copy, "-o", out_path)
    assert rc == 1
    assert "C011" in out and "社会保险基金支出" in out and out_path.exists()


def test_cli_in_place_keeps_a_backup(capsys, clean_book):
    before = clean_book.read_bytes()
    rc, out, _ = run(capsys, "fill-codes", clean_book, "--in-place")
    assert rc == 0
    bak = clean_book.with_name("clean.bak.xlsx")
    assert bak.read_bytes() == before
    assert _cell(clean_book, GPB, "B6") == "一般公共服务支出"
    assert "clean.bak.xlsx" in out


def test_cli_json_and_refresh_lists(capsys, clean_book, tmp_path):
    _damage_lists(clean_book)
    out_path = tmp_path / "j.xlsx"
    rc, out, _ = run(capsys, "fill-codes", clean_book, "-o", out_path, "--refresh-lists", "--json")
    assert rc == 0
    d = json.loads(out)
    assert d["valid"] and d["output"] == str(out_path) and d["lists_updated"] == 3
    assert [x["value"] for x in d["filled"]] == ["一般公共服务支出", "行政运行", "工资福利支出"]
    assert refresh_code_lists(read_grids(out_path)).edits == []


def test_cli_exit_2_on_unusable_input(capsys, tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook at all")
    rc, _, err = run(capsys, "fill-codes", bad)
    assert rc == 2 and "Traceback" not in err and err.startswith("错误：")
    rc, _, err = run(capsys, "fill-codes", tmp_path / "missing.xlsx")
    assert rc == 2 and "找不到文件" in err


def test_cli_o_and_in_place_are_exclusive(capsys, clean_book, tmp_path):
    with pytest.raises(SystemExit) as e:
        run(capsys, "fill-codes", clean_book, "-o", tmp_path / "x.xlsx", "--in-place")
    assert e.value.code == 2


def test_fill_then_check_has_no_empty_name_left(capsys, dept_copy, tmp_path):
    """Blank every name of the seed's coded tables, fill, and get the seed's names back (or the catalogue's)."""
    wb = openpyxl.load_workbook(dept_copy)
    book, _ = parse_book(read_grids(dept_copy))
    expected = {}
    for t in book.tables.values():
        for ln in t.lines:
            if ln.code and "name" in ln.cells:
                expected[(t.sheet, ln.cells["name"])] = codes.lookup(ln.code, 2021).name
                wb[t.sheet][ln.cells["name"]].value = None
    wb.save(dept_copy)
    shutil.copy(dept_copy, tmp_path / "blank.xlsx")
    res = fill_codes_file(dept_copy, tmp_path / "filled.xlsx")
    assert {(e.sheet, e.cell): e.value for e in res.filled} == expected
    assert len(expected) == 16 * 3 + 31
