"""Distribute: one pre-filled workbook per department of a roster, safe names, last year's figures carried
over by 单位编码 then by name, the departments without a match listed."""
from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

from xltools.batch import samples
from xltools.batch.distribute import distribute, read_roster
from xltools.families import get_family
from xltools.parse import read_book

FAM = get_family("dept_budget")


def xl(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xltools", *map(str, args)], capture_output=True, text=True,
                          timeout=300)


def roster_xlsx(path: Path, rows: list[tuple]) -> Path:
    """A roster as a bureau keeps it: a title, a blank line, then the header; codes typed as numbers."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "2022年预算单位名单"
    ws.append(["潼南区2022年部门预算公开单位名单"])
    ws.append([])
    ws.append(["序号", "单位编码", "单位名称", "联系人", "联系电话", "备注"])
    for i, r in enumerate(rows, start=1):
        ws.append([i, *r, ""])
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def prior_dir(tmp_path_factory) -> Path:
    """Last year's (2021) returns of three units, plus one unreadable and one hostile file."""
    d = tmp_path_factory.mktemp("prior")
    rng = random.Random(5)
    for i in range(3):
        samples.write(d / f"{i}.xlsx", samples.variant(i, rng))     # 100001 教育委员会, 100002 财政局, 100003 发改委
    (d / "broken.xlsx").write_bytes(b"PK\x03\x04 broken")
    (d / "corner.xlsx").write_bytes(samples.sparse_corner())
    return d


def test_roster_xlsx_and_csv(tmp_path):
    rows = [(101001, "重庆市潼南区教育委员会", "张三", "023-44571234"), ("000102", "重庆市潼南区财政局", "", "")]
    x = read_roster(roster_xlsx(tmp_path / "名单.xlsx", rows))
    assert [(d.code, d.name, d.contact) for d in x] == [("101001", "重庆市潼南区教育委员会", "张三"),
                                                        ("000102", "重庆市潼南区财政局", "")]
    csv = tmp_path / "名单.csv"
    csv.write_bytes("单位名称,单位编码,联系人,联系电话\n重庆市潼南区教育委员会,101001,张三,023-1\n".encode("gbk"))
    c = read_roster(csv)
    assert [(d.name, d.code, d.phone) for d in c] == [("重庆市潼南区教育委员会", "101001", "023-1")]


def test_distribute_writes_prefilled_workbooks(tmp_path):
    roster = roster_xlsx(tmp_path / "名单.xlsx", [(101001, "重庆市潼南区教育委员会", "张三", "023-44571234"),
                                                  (101002, "重庆市潼南区财政局", "李四", "023-2")])
    out = tmp_path / "下发"
    r = xl("distribute", roster, "--family", "dept_budget", "--year", "2022", "-o", out)
    assert r.returncode == 0, r.stderr
    assert "已生成 2 个工作簿" in r.stdout
    book, _ = read_book(out / "重庆市潼南区教育委员会-2022-部门预算公开.xlsx")
    assert book.name == "重庆市潼南区教育委员会" and book.year == 2022
    assert book.info.get("unit_code") == "101001" and book.info.get("contact") == "张三"
    assert book.info.get("prior_year") == 2021 and book.meta.get("year") == "2022"
    assert book.forms["perf_overall"].get("unit_name") == "重庆市潼南区教育委员会"
    # a second run does not overwrite what is there
    r = xl("distribute", roster, "--family", "dept_budget", "--year", "2022", "-o", out)
    assert r.returncode == 0 and "已存在，未覆盖" in r.stdout and "已生成 0 个工作簿" in r.stdout


def test_prior_figures_matched_by_code_then_name(tmp_path, prior_dir):
    roster = tmp_path / "名单.csv"
    roster.write_text(
        "单位名称,单位编码,联系人,联系电话\n"
        "重庆市潼南区教育委员会（更名）,100001,,\n"        # matched by code although renamed
        "重庆市潼南区财政局,,,\n"                           # no code: matched by name
        "重庆市潼南区发展和改革委员会,999999,,\n"            # a code last year did not have: then by name
        "重庆市潼南区新设局,100099,,\n", encoding="utf-8")   # nothing last year
    res = distribute(roster, FAM, 2022, tmp_path / "out", prior=prior_dir, jobs=2)
    assert len(res.written) == 4
    assert [d.name for d, _ in res.unmatched] == ["重庆市潼南区新设局"]
    assert "没有该单位" in res.unmatched[0][1]
    assert {d.name: f for d, f in res.carried} == {"重庆市潼南区教育委员会（更名）": "0.xlsx",
                                                  "重庆市潼南区财政局": "1.xlsx",
                                                  "重庆市潼南区发展和改革委员会": "2.xlsx"}
    assert len(res.prior_unreadable) == 2
    last, _ = read_book(prior_dir / "0.xlsx")
    path = dict((d.name, p) for d, p in res.written)["重庆市潼南区教育委员会（更名）"]
    new, _ = read_book(path)
    info = new.info
    want_income = next(ln for ln in last.tables["summary_dept_income"].lines if ln.label == "收入总计").amounts["amount"]
    assert info.get("prior_income") == want_income
    assert info.get("prior_expense") == last.tables["expense_dept"].total_line().amounts["total"]
    assert info.get("prior_basic") == last.tables["expense_dept"].total_line().amounts["basic"]
    assert info.get("prior_project") == last.tables["expense_dept"].total_line().amounts["project"]
    sg = last.tables["sangong"].lines[0].amounts
    assert info.get("prior_sangong") == sg["total"] and info.get("prior_reception") == sg["reception"]
    assert info.get("prior_admin_cost") == last.info.get("admin_cost")
    unmatched, _ = read_book(dict((d.name, p) for d, p in res.written)["重庆市潼南区新设局"])
    assert unmatched.info.get("prior_income") is None


def test_unmatched_are_listed_on_stdout_and_a_wrong_year_is_not_used(tmp_path, prior_dir):
    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称,单位编码\n重庆市潼南区教育委员会,100001\n重庆市潼南区新设局,100099\n", encoding="utf-8")
    r = xl("distribute", roster, "--family", "dept_budget", "--year", "2023", "-o", tmp_path / "o", "--prior", prior_dir)
    assert r.returncode == 0, r.stderr
    assert "以下 2 个单位没有带入上年数" in r.stdout
    assert "2021 年的，不是 2022 年的" in r.stdout and "重庆市潼南区新设局" in r.stdout
    assert "无法读取" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("name", ["../../etc/passwd", "/tmp/abs/evil", "..", "CON", "nul", "LPT1.txt", "a\\..\\b",
                                  "名称\x00带控制符", "=HYPERLINK(\"http://x\")", "  ", "x" * 400, "C:\\Windows\\evil"])
def test_hostile_names_stay_inside_the_folder(tmp_path, name):
    roster = tmp_path / "r.csv"
    roster.write_text("单位名称\n" + name.replace('"', '""').join('""') + "\n正常单位\n", encoding="utf-8")
    out = tmp_path / "out"
    res = distribute(roster, FAM, 2022, out, jobs=1)
    files = [p for p in tmp_path.rglob("*") if p.is_file() and p.suffix == ".xlsx"]
    assert all(out.resolve() in p.resolve().parents for p in files), files
    for _, p in res.written:
        assert p.parent.resolve() == out.resolve()
        stem = p.name.split(".")[0].upper()
        assert stem not in {"CON", "NUL", "LPT1", "PRN", "AUX"} and len(p.name) <= 160
    import openpyxl

    for _, p in res.written:            # every workbook opens, and a name is never written as a formula
        wb = openpyxl.load_workbook(p)
        assert not [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"]
        assert read_book(p)[0].name


def test_same_names_get_distinct_files(tmp_path):
    roster = tmp_path / "r.csv"
    roster.write_text("单位名称,单位编码\n某局,1\n某局,2\n某局,\n", encoding="utf-8")
    res = distribute(roster, FAM, 2022, tmp_path / "o", jobs=1)
    names = sorted(p.name for _, p in res.written)
    assert len(set(names)) == 3 and "某局-2-2022-部门预算公开.xlsx" in names


def test_bad_rosters_are_exit_2(tmp_path):
    r = xl("distribute", tmp_path / "nope.xlsx", "--family", "dept_budget", "--year", "2022", "-o", tmp_path / "o")
    assert r.returncode == 2 and "找不到" in r.stderr
    no_header = tmp_path / "x.csv"
    no_header.write_text("名称,代码\n甲,1\n", encoding="utf-8")
    r = xl("distribute", no_header, "--family", "dept_budget", "--year", "2022", "-o", tmp_path / "o")
    assert r.returncode == 2 and "单位名称" in r.stderr
    garbage = tmp_path / "g.xlsx"
    garbage.write_bytes(b"\x00" * 100)
    r = xl("distribute", garbage, "--family", "dept_budget", "--year", "2022", "-o", tmp_path / "o")
    assert r.returncode == 2 and "Traceback" not in r.stderr
