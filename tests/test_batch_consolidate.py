"""Consolidation: the units' tables added up (Decimal-exact) into a workbook of the same family that itself
passes the checks; who is left out and why."""
from __future__ import annotations

import copy
import random
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from xltools.batch import samples
from xltools.batch.consolidate import consolidate
from xltools.cli import main
from xltools.parse import read_book

D0 = Decimal(0)


def xl(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xltools", *map(str, args)], capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def units(tmp_path_factory) -> Path:
    """Three clean units (one of them typed in 元), one with a planted error, one corrupt file."""
    d = tmp_path_factory.mktemp("units")
    rng = random.Random(11)
    for i in range(3):
        data = samples.variant(i, rng)
        if i == 2:
            data = in_yuan(data)
        samples.write(d / f"u{i}.xlsx", data)
    bad = samples.variant(3, rng)
    samples.plant(bad, "arith", rng)
    samples.write(d / "u3-error.xlsx", bad)
    (d / "u4-corrupt.xlsx").write_bytes(b"PK\x03\x04 broken")
    return d


def in_yuan(data: dict) -> dict:
    """The same unit typed in 元: every amount × 10000 (project 资金总额 stays in 万元, as the form says)."""
    from xltools.families import get_family

    data = copy.deepcopy(data)
    fam = get_family("dept_budget")
    k = Decimal(10000)
    for rows in data["tables"].values():
        for r in rows:
            r["amounts"] = {c: (format(Decimal(v) * k, "f") if v not in (None, "") else v) for c, v in r["amounts"].items()}
    for sd in fam.sheets:
        if sd.fields and not sd.repeat:
            form = data["forms"].get(sd.key, {})
            for f in sd.fields:
                if f.type == "amount" and form.get(f.key) not in (None, ""):
                    form[f.key] = format(Decimal(str(form[f.key])) * k, "f")
    data["unit"] = data["forms"]["unit_info"]["unit"] = "元"
    return data


def _tables(path: Path):
    book, _ = read_book(path)
    return book


def _factor(book) -> Decimal:
    return Decimal(1) / Decimal(10000) if book.unit == "元" else Decimal(1)


def _leaf_sums(books, key: str, cols: list[str]) -> dict[str, dict[str, Decimal]]:
    out: dict[str, dict[str, Decimal]] = {}
    for b in books:
        t = b.tables[key]
        codes = {ln.code for ln in t.lines if ln.code}
        for ln in t.lines:
            if ln.code and not any(c != ln.code and c.startswith(ln.code) for c in codes):
                for c in cols:
                    v = ln.amounts.get(c)
                    if v is not None:
                        out.setdefault(ln.code, {}).setdefault(c, D0)
                        out[ln.code][c] += v * _factor(b)
    return out


def test_sums_equal_the_sum_of_the_parts(units, tmp_path):
    out = tmp_path / "汇总.xlsx"
    res = consolidate(units, out, jobs=2)
    assert {u.file for u in res.included} == {"u0.xlsx", "u1.xlsx", "u2.xlsx"}
    assert {u.file for u in res.left_out} == {"u3-error.xlsx", "u4-corrupt.xlsx"}
    assert res.unit == "万元"
    parts = [_tables(units / f"u{i}.xlsx") for i in range(3)]
    total = _tables(out)
    assert total.unit == "万元" and total.year == parts[0].year
    for key, cols in (("expense_gpb", ["total", "basic", "project"]), ("expense_dept", ["total", "basic", "project"]),
                      ("income_dept", ["total", "gpb"]), ("basic_gpb", ["total", "personnel", "public"])):
        want = _leaf_sums(parts, key, cols)
        got = {ln.code: ln for ln in total.tables[key].lines if ln.code}
        for code, amounts in want.items():
            for c, v in amounts.items():
                assert got[code].amounts.get(c) == v, (key, code, c)
        grand = total.tables[key].total_line()
        for c in cols:
            unit_totals = sum((b.tables[key].total_line().amounts.get(c) or D0) * _factor(b) for b in parts)
            assert grand.amounts.get(c) == unit_totals, (key, c)
    sg = total.tables["sangong"].lines[0].amounts
    for c in ("total", "vehicle_run", "reception"):
        assert sg.get(c) == sum((b.tables["sangong"].lines[0].amounts.get(c) or D0) * _factor(b) for b in parts)

    def line(book, key, label):
        return next(ln for ln in book.tables[key].lines if ln.label == label)

    for key, label, col in (("summary_dept_income", "收入总计", "amount"), ("summary_dept_expense", "支出总计", "amount"),
                            ("summary_fin_expense", "本年支出总计", "gpb"), ("procurement", "合计", "total"),
                            ("procurement", "货物类", "gpb")):
        assert line(total, key, label).amounts[col] == sum(line(b, key, label).amounts[col] * _factor(b) for b in parts)
    for f in ("admin_cost", "procurement_total", "prior_income"):
        assert total.info.get(f) == sum(b.info.get(f) * _factor(b) for b in parts)
    assert total.info.get("staff") == sum(b.info.get("staff") for b in parts)


def test_the_consolidated_book_passes_check(units, tmp_path):
    out = tmp_path / "汇总.xlsx"
    r = xl("batch", "consolidate", units, "-o", out, "--name", "潼南区部门预算汇总", "--contact", "王五",
           "--phone", "023-1234")
    assert r.returncode == 0, r.stderr
    assert "已汇总 3 个单位" in r.stdout and "u3-error.xlsx" in r.stdout and "u4-corrupt.xlsx" in r.stdout
    assert "无表内、表间错误" in r.stdout
    from xltools.pipeline import check_file

    book, report = check_file(out)
    assert book.name == "潼南区部门预算汇总" and book.meta.get("kind") == "consolidated"
    assert not [f for f in report.findings if f.code[:1] in "TXS" and f.severity == "error"], report.to_dict()
    # rules about one department's own inputs (整体绩效 indicators, the narrative's reasons) do not apply to a 汇总
    assert not [f for f in report.findings if f.code == "I006" or f.code[:1] == "N"], report.to_dict()
    assert report.valid, report.to_dict()
    assert xl("check", out).returncode == 0
    import openpyxl

    wb = openpyxl.load_workbook(out)
    assert "分单位汇总" in wb.sheetnames and "未汇总单位" in wb.sheetnames
    ws = wb["分单位汇总"]
    head = [c.value for c in ws[3]]
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True)]
    assert [r[4] for r in rows[:-1]].count("已汇总") == 3 and [r[4] for r in rows[:-1]].count("未汇总") == 2
    col = head.index("支出总计")
    assert rows[-1][col] == pytest.approx(sum(r[col] for r in rows[:-1] if r[4] == "已汇总"))
    assert rows[-1][col] == pytest.approx(float(book.tables["expense_dept"].total_line().amounts["total"]))
    left = [r for r in wb["未汇总单位"].iter_rows(min_row=2, values_only=True)]
    assert {r[1] for r in left} == {"u3-error.xlsx", "u4-corrupt.xlsx"}
    assert any("错误" in r[4] for r in left) and any("无法读取" in r[4] for r in left)


def test_include_errors(units, tmp_path):
    out = tmp_path / "with-errors.xlsx"
    res = consolidate(units, out, include_errors=True, jobs=2)
    assert {u.file for u in res.included} == {"u0.xlsx", "u1.xlsx", "u2.xlsx", "u3-error.xlsx"}
    assert [u.file for u in res.left_out] == ["u4-corrupt.xlsx"]
    # the planted 项 is summed as typed: the consolidated 项 = Σ the units' 项, and its parents follow from it
    parts = [_tables(units / f) for f in ("u0.xlsx", "u1.xlsx", "u2.xlsx", "u3-error.xlsx")]
    want = _leaf_sums(parts, "expense_gpb", ["basic"])
    got = {ln.code: ln.amounts.get("basic") for ln in _tables(out).tables["expense_gpb"].lines if ln.code}
    assert all(got[c] == v["basic"] for c, v in want.items())
    assert res.self_check is not None and not [f for f in res.self_check["tx_errors"] if f["code"][:1] == "T"]


def test_nothing_to_consolidate_is_exit_2(tmp_path):
    d = tmp_path / "bad"
    d.mkdir()
    (d / "x.xlsx").write_bytes(b"PK\x03\x04 broken")
    r = xl("batch", "consolidate", d, "-o", tmp_path / "t.xlsx")
    assert r.returncode == 2 and "没有可以汇总的工作簿" in r.stderr and "Traceback" not in r.stderr
    r = xl("batch", "consolidate", tmp_path / "missing", "-o", tmp_path / "t.xlsx")
    assert r.returncode == 2


def test_another_year_is_left_out(units, tmp_path):
    d = tmp_path / "years"
    d.mkdir()
    for i in range(2):
        shutil.copy(units / f"u{i}.xlsx", d)
    data = samples.variant(5, random.Random(3))
    data["year"] = data["forms"]["unit_info"]["year"] = 2020
    data["forms"]["unit_info"]["prior_year"] = 2019
    samples.write(d / "old.xlsx", data)
    res = consolidate(d, tmp_path / "t.xlsx", jobs=1)
    assert [u.file for u in res.left_out] == ["old.xlsx"] and "2020" in res.left_out[0].left_out


def test_twelve_copies_of_the_seed_example(dept_book, tmp_path):
    """The acceptance case: 12 copies of the seed-001 example, --include-errors. By default the copies are one
    unit sent 12 times (same 单位名称): it is counted once and the 11 others are listed as duplicates."""
    d = tmp_path / "copies"
    d.mkdir()
    for i in range(12):
        shutil.copy(dept_book, d / f"单位{i:02d}.xlsx")
    (d / "坏文件.xlsx").write_bytes(b"PK\x03\x04 broken")
    out = tmp_path / "total.xlsx"
    assert main(["batch", "consolidate", str(d), "-o", str(out), "--include-errors"]) == 0
    from xltools.pipeline import check_file

    _, report = check_file(out)
    assert not [f for f in report.findings if f.code[:1] in "TX" and f.severity == "error"]

    # --keep-duplicates adds all twelve. Every table adds up (no T finding at all); between tables the seed's
    # 0.01 尾差 (基本支出 494.83 by 功能分类, 494.82 by 经济分类) is now twelve units' 尾差: any X error left is
    # that accumulated rounding, never more than 0.01 per unit.
    res = consolidate(d, tmp_path / "x12.xlsx", include_errors=True, keep_duplicates=True)
    assert len(res.included) == 12
    total = _tables(tmp_path / "x12.xlsx")
    assert total.tables["expense_gpb"].total_line().amounts["total"] == Decimal("1932.33") * 12
    _, report = check_file(tmp_path / "x12.xlsx")
    assert not [f for f in report.findings if f.code[:1] == "T"]
    for f in report.findings:
        if f.code[:1] == "X" and f.severity == "error":
            assert abs(Decimal(str(f.expected)) - Decimal(str(f.actual))) <= Decimal("0.01") * 12, f


def test_a_unit_that_stops_at_a_parent_code_loses_nothing(tmp_path):
    """One unit types 2010301 行政运行 only as its 款 20103 (no 项 beneath): its money stays in the 汇总 — the
    20103 row exceeds the sum of its 项 by exactly that amount, and the run says so."""
    rng = random.Random(2)
    d = tmp_path / "depth"
    d.mkdir()
    samples.write(d / "a.xlsx", samples.variant(0, rng))
    data = samples.variant(1, rng)
    rows = data["tables"]["expense_gpb"]
    data["tables"]["expense_gpb"] = [r for r in rows if r.get("code") not in ("2010301", "2010302")]
    samples.write(d / "b.xlsx", data)
    res = consolidate(d, tmp_path / "t.xlsx", include_errors=True)
    assert len(res.included) == 2
    assert any("20103" in n and "只填到这一级" in n for n in res.notes)
    a, b, total = _tables(d / "a.xlsx"), _tables(d / "b.xlsx"), _tables(tmp_path / "t.xlsx")

    def amt(book, code):
        return next(ln.amounts.get("total") for ln in book.tables["expense_gpb"].lines if ln.code == code)

    assert amt(total, "20103") == amt(a, "20103") + amt(b, "20103")
    assert amt(total, "2010301") == amt(a, "2010301")
    assert total.tables["expense_gpb"].total_line().amounts["total"] == \
        a.tables["expense_gpb"].total_line().amounts["total"] + b.tables["expense_gpb"].total_line().amounts["total"]
