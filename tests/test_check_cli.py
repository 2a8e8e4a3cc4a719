"""`xltools check` end to end: exit codes, JSON (amounts as decimal strings), --select/--ignore, explanations
in a 审核说明 sheet, --annotate."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import openpyxl
import pytest

BASIC = "一般公共预算财政拨款基本支出预算表"
GPB = "一般公共预算财政拨款支出预算表"


def xl(*args):
    p = subprocess.run([sys.executable, "-m", "xltools", *map(str, args)], capture_output=True, text=True,
                       timeout=120)
    return p.returncode, p.stdout, p.stderr


def report_of(*args) -> tuple[int, dict]:
    rc, out, err = xl("check", *args, "--json")
    return rc, json.loads(out)


def test_seed001_json(dept_book):
    rc, rep = report_of(dept_book)
    assert rc in (0, 1)
    t = [f for f in rep["findings"] if f["code"][0] in "TX"]
    assert {(f["code"], f["sheet"], f["cell"], f["expected"], f["actual"], f["severity"]) for f in t} == {
        ("T002", "部门支出总表", "D5", "494.83", "494.82", "warning"),
        ("T002", GPB, "D5", "494.83", "494.82", "warning"),
        ("T001", BASIC, "E17", "68.19", "68.20", "warning"),        # amounts as printed: 68.20, not 68.2
        ("X003", GPB, "D5", "494.83", "494.82", "warning"),
    }
    assert rep["valid"] == (rc == 0) and rep["stats"]["total"] == len(rep["findings"])


def test_exit_codes(dept_book, make_book, tmp_path):
    from tests.test_rules_between import clean_data, setv

    rc, rep = report_of(dept_book, "--select", "T,X")
    assert rc == 0 and rep["valid"] and rep["stats"]["warnings"] == 4     # 尾差 are warnings: no error
    bad = make_book(setv(clean_data(), "expense_gpb", "2010301", basic="420.61", total="420.61"))
    rc, rep = report_of(bad, "--select", "T")
    assert rc == 1 and not rep["valid"] and {f["severity"] for f in rep["findings"]} == {"error"}
    rc, rep = report_of(bad, "--select", "T", "--ignore", "T001,T002")
    assert rc == 0 and rep["findings"] == []
    (tmp_path / "junk.xlsx").write_bytes(b"PK\x03\x04 not really")
    rc, out, err = xl("check", tmp_path / "junk.xlsx")
    assert rc == 2 and "Traceback" not in out + err and err.strip()
    rc, out, err = xl("check", tmp_path / "missing.xlsx")
    assert rc == 2 and "Traceback" not in out + err


def test_text_output(dept_book):
    rc, out, _ = xl("check", dept_book, "--select", "T")
    assert f"{BASIC}!E17" in out and "尾差" in out and "共 0 个错误、3 个警告" in out


def _explain(path, rows):
    wb = openpyxl.load_workbook(path)
    ws = wb.create_sheet("审核说明")
    ws.append(["代码", "位置", "说明"])
    for r in rows:
        ws.append(list(r))
    wb.save(path)


def test_explained_warnings_end_to_end(dept_book, tmp_path):
    book = tmp_path / "book.xlsx"
    shutil.copy(dept_book, book)
    _explain(book, [("T001", f"{BASIC}!E17", "302 按财政系统打印数填列，款级四舍五入尾差"),
                    ("t002", "部门支出总表!$D$5", "整张表的尾差均按财政系统数"),
                    ("S005", "项目4!B3", "错误不能被说明")])
    rc, rep = report_of(book)
    by = {(f["code"], f["sheet"], f["cell"]): f for f in rep["findings"]}
    assert by[("T001", BASIC, "E17")]["explained"].startswith("302 按财政系统")
    assert by[("T002", "部门支出总表", "D5")]["explained"] == "整张表的尾差均按财政系统数"
    assert by[("T002", GPB, "D5")]["explained"] == ""                   # another sheet: still counts
    assert by[("S005", "项目4", "B3")]["explained"] == "" and rc == 1    # an error is never explained away
    assert rep["stats"]["explained"] == 2
    rc, out, _ = xl("check", book, "--select", "T")
    assert "警告（已说明）" in out and "2 个已说明" in out and "共 0 个错误、1 个警告" in out


def test_annotate_option(dept_book, tmp_path):
    out = tmp_path / "marked.xlsx"
    rc, stdout, err = xl("check", dept_book, "--annotate", out)
    assert rc in (0, 1) and out.exists() and "已另存标注副本" in err
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "校验结果"
    assert wb[BASIC]["E17"].comment is not None
    rc2, _, _ = xl("check", out, "--select", "X", "--annotate", tmp_path / "again.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "again.xlsx")
    assert wb[BASIC]["E17"].comment is None and wb[GPB]["D5"].comment is not None   # T marks replaced
    assert [r[1] for r in wb["校验结果"].iter_rows(min_row=2, values_only=True)] == ["X003"]


@pytest.mark.parametrize("code", ["T001", "X003"])
def test_rules_listing_names_the_codes(code):
    rc, out, _ = xl("rules", "--json")
    assert rc == 0 and any(r["code"] == code for r in json.loads(out))


def test_a_sheet_name_alone_explains_that_finding_anywhere_on_the_sheet(dept_book, tmp_path):
    book = tmp_path / "book.xlsx"
    shutil.copy(dept_book, book)
    _explain(book, [("T002", "部门支出总表", "整张表的尾差均按财政系统数")])
    _, rep = report_of(book)
    by = {(f["code"], f["sheet"], f["cell"]): f for f in rep["findings"]}
    assert by[("T002", "部门支出总表", "D5")]["explained"] == "整张表的尾差均按财政系统数"
    assert by[("T002", GPB, "D5")]["explained"] == ""
