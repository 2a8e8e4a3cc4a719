"""JSON interchange: export → import → export is the identity; bad JSON gets a message naming the problem."""
from __future__ import annotations

import json

import pytest

from xltools.cli import main
from xltools.errors import BadDeclaration
from xltools.interchange import book_to_data, load_data, validate_data
from xltools.parse import read_book


@pytest.mark.parametrize("which", ["dept", "000", "002", "003"])
def test_roundtrip(tmp_path, dept_book, project_books, which):
    book_path = dept_book if which == "dept" else project_books[which]
    j1, j2, b2 = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "round.xlsx"
    assert main(["export", str(book_path), "-o", str(j1)]) == 0
    assert main(["import", str(j1), "-o", str(b2)]) == 0
    assert main(["export", str(b2), "-o", str(j2)]) == 0
    assert json.loads(j1.read_text("utf-8")) == json.loads(j2.read_text("utf-8"))
    # and the model read back is the same data
    assert book_to_data(read_book(book_path)[0]) == book_to_data(read_book(b2)[0])


def test_export_keeps_amounts_as_decimal_strings(dept_book, capsys):
    assert main(["export", str(dept_book)]) == 0
    data = json.loads(capsys.readouterr().out)
    total = next(r for r in data["tables"]["expense_gpb"] if r["kind"] == "total")
    assert total["amounts"] == {"total": "1932.33", "basic": "494.82", "project": "1437.5"}
    assert data["forms"]["unit_info"]["staff"] == 13
    assert data["schema"] == "xltools-book/1"


def test_a_bureau_prefills_a_workbook_from_json(tmp_path):
    data = {"family": "dept_budget", "year": 2025, "unit": "万元",
            "forms": {"unit_info": {"unit_name": "某区财政局", "unit_code": "101001", "prior_income": "100.50"}},
            "tables": {"expense_gpb": [{"label": "总计", "kind": "total", "amounts": {}},
                                        {"code": "2010301", "label": "行政运行", "amounts": {"basic": "12.30"}}]}}
    src = tmp_path / "in.json"
    src.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    out = tmp_path / "pre.xlsx"
    assert main(["import", str(src), "-o", str(out)]) == 0
    book, _ = read_book(out)
    assert book.year == 2025 and book.name == "某区财政局"
    assert str(book.info.get("prior_income")) == "100.5"
    from decimal import Decimal

    assert book.tables["expense_gpb"].by_code()["2010301"].amounts["basic"] == Decimal("12.3")


@pytest.mark.parametrize("data,words", [
    ([], "顶层"),
    ({"family": "nope"}, "模板族"),
    ({"family": "dept_budget", "tables": {"no_such": []}}, "tables.no_such"),
    ({"family": "dept_budget", "tables": {"expense_gpb": [{"amounts": {"basic": "abc"}}]}}, "不是数字"),
    ({"family": "dept_budget", "tables": {"expense_gpb": [{"amounts": {"wrong": "1"}}]}}, "不是该表的金额列"),
])
def test_invalid_data_is_refused_with_a_reason(data, words):
    with pytest.raises(BadDeclaration, match=words):
        validate_data(data)


def test_broken_json_names_the_line(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text('{"family": "dept_budget",\n "year": }', "utf-8")
    with pytest.raises(BadDeclaration, match="第 2 行"):
        load_data(p)


def test_formula_text_from_json_is_written_as_text(tmp_path):
    data = {"family": "dept_budget", "forms": {"unit_info": {"unit_name": "=HYPERLINK(\"http://x\")"}}}
    src = tmp_path / "f.json"
    src.write_text(json.dumps(data), "utf-8")
    out = tmp_path / "f.xlsx"
    assert main(["import", str(src), "-o", str(out)]) == 0
    import openpyxl

    ws = openpyxl.load_workbook(out)["单位信息"]
    values = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert values and all(v.startswith("'=") for v in values)
