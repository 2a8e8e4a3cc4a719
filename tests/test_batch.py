"""Batch check: a folder of returns checked in isolated workers, one row per workbook, REPORT.xlsx; the
worker pool survives crashes, timeouts and memory blow-ups; calamine and openpyxl give the same results."""
from __future__ import annotations

import io
import json
import os
import random
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from xltools.batch import samples
from xltools.batch.pool import run_isolated
from xltools.cli import main


def xl(*args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xltools", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def returns(tmp_path_factory) -> Path:
    """A folder as a bureau receives it: 3 clean units, 2 with planted errors, 1 corrupt, in sub-folders, with
    an Excel lock file and a backup the tool kept."""
    d = tmp_path_factory.mktemp("returns")
    rng = random.Random(7)
    (d / "第1批").mkdir()
    (d / "第2批").mkdir()
    for i in range(3):
        samples.write(d / "第1批" / f"单位{i}.xlsx", samples.variant(i, rng))
    for i, kind in ((3, "arith"), (4, "missing")):
        data = samples.variant(i, rng)
        samples.plant(data, kind, rng)
        samples.write(d / "第2批" / f"单位{i}.xlsx", data)
    good = (d / "第1批" / "单位0.xlsx").read_bytes()
    (d / "第2批" / "坏文件.xlsx").write_bytes(samples.corrupt("truncated", good))
    (d / "第1批" / "~$单位0.xlsx").write_bytes(b"\0" * 165)
    (d / "第1批" / "单位1.bak.xlsx").write_bytes(good)
    (d / "说明.txt").write_text("各单位报送材料", encoding="utf-8")
    return d


# ----------------------------------------------------------------------------------------------- the pool

def _hostile(item):
    """A stand-in for a reader meeting a hostile file, in every way a process can fail."""
    if item == "abort":
        os.abort()
    if item == "sleep":
        time.sleep(60)
    if item == "alloc":
        return len(bytearray(3 * 1024 ** 3))
    if item == "raise":
        raise ValueError("boom")
    if item == "exit":
        os._exit(3)
    return item * 2


def test_one_failing_item_costs_one_outcome_and_the_rest_go_on():
    items = ["abort", "ok", "sleep", "alloc", "raise", "exit", "a", "b", "c", "d"]
    t0 = time.monotonic()
    got = {oc.item: oc for oc in run_isolated(_hostile, items, jobs=2, timeout=3, memory_mb=512)}
    assert time.monotonic() - t0 < 30
    assert set(got) == set(items)
    assert {k for k, oc in got.items() if oc.ok} == {"ok", "a", "b", "c", "d"}
    assert got["a"].value == "aa" and got["ok"].value == "okok"
    assert got["abort"].kind == "crash" and "异常中止" in got["abort"].reason
    assert got["exit"].kind == "crash"
    assert got["sleep"].kind == "timeout" and "3 秒" in got["sleep"].reason
    assert got["alloc"].kind == "memory" and "512 MB" in got["alloc"].reason
    assert got["raise"].kind == "exception" and "boom" in got["raise"].reason


def _pid(_):
    return os.getpid()


def test_workers_are_recycled_after_max_tasks():
    pids = [oc.value for oc in run_isolated(_pid, range(12), jobs=2, max_tasks=3)]
    assert len(pids) == 12 and len(set(pids)) >= 4
    assert os.getpid() not in pids


def _raw_calamine(path):
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(path)
    return [len(wb.get_sheet_by_name(n).to_python(skip_empty_area=False)) for n in wb.sheet_names]


def test_a_reader_that_aborts_the_process_is_contained(tmp_path, dept_book):
    """Without the safety checks, calamine meets a sparse-corner sheet by allocating 17 billion cells: the Rust
    allocator aborts the process. In a worker that is one failed item, and the next file is still read."""
    corner = tmp_path / "corner.xlsx"
    corner.write_bytes(samples.sparse_corner())
    out = {Path(oc.item).name: oc for oc in run_isolated(_raw_calamine, [str(corner), str(dept_book)], jobs=1,
                                                            timeout=60, memory_mb=1024)}
    assert not out["corner.xlsx"].ok and out["corner.xlsx"].kind in ("crash", "memory")
    assert out[dept_book.name].ok and len(out[dept_book.name].value) > 5


# ----------------------------------------------------------------------------------------------- batch check

def test_batch_check_folder_report_and_exit_code(returns, tmp_path):
    rep = tmp_path / "报告.xlsx"
    r = xl("batch", "check", returns, "-o", rep, "--jobs", "2")
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    assert "共 6 个工作簿" in r.stdout and "无法读取 1" in r.stdout and "有错误 2" in r.stdout
    assert "坏文件.xlsx" in r.stdout and "单位3.xlsx" in r.stdout
    assert rep.exists()

    import openpyxl

    wb = openpyxl.load_workbook(rep)
    assert wb.sheetnames[:3] == ["汇总", "明细", "统计"]
    ws = wb["汇总"]
    head = [c.value for c in ws[1]]
    assert head[:4] == ["序号", "单位名称", "文件", "状态"] and "主要问题代码" in head and "错误" in head
    rows = {r[2]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert len(rows) == 6                                   # no lock file, no backup, no text file
    status = {Path(k).name: v[3] for k, v in rows.items()}
    assert status["坏文件.xlsx"] == "无法读取" and "损坏" in rows[str(Path("第2批") / "坏文件.xlsx")][8]
    assert status["单位3.xlsx"] == status["单位4.xlsx"] == "有错误"
    assert {status[f"单位{i}.xlsx"] for i in range(3)} <= {"通过", "有警告"}
    assert "T001" in rows[str(Path("第2批") / "单位3.xlsx")][7]
    assert "S005" in rows[str(Path("第2批") / "单位4.xlsx")][7]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:I7"

    wd = wb["明细"]
    assert [c.value for c in wd[1]] == ["文件", "单位名称", "工作表", "单元格", "代码", "级别", "说明"]
    assert wd.freeze_panes == "A2" and wd.auto_filter.ref.startswith("A1:G")
    detail = list(wd.iter_rows(min_row=2, values_only=True))
    s005 = [d for d in detail if d[4] == "S005"]
    assert s005 and s005[0][2] == "单位信息" and s005[0][3].startswith("C") and s005[0][5] == "错误"
    assert any(d[5] == "无法读取" for d in detail)
    counted = sum((v[4] or 0) + (v[5] or 0) + (v[6] or 0) for v in rows.values())
    assert len([d for d in detail if d[5] != "无法读取"]) >= counted

    wt = wb["统计"]
    stats = {r[0]: r[1] for r in wt.iter_rows(min_row=2, max_row=5, values_only=True)}
    assert stats == {"通过": sum(1 for s in status.values() if s == "通过"),
                     "有警告": sum(1 for s in status.values() if s == "有警告"), "有错误": 2, "无法读取": 1}
    with zipfile.ZipFile(rep) as z:                        # openpyxl does not read charts back: look inside
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert charts and b"barChart" in z.read(charts[0])


def test_batch_check_json(returns):
    r = xl("batch", "check", returns, "--json")
    assert r.returncode == 1
    data = json.loads(r.stdout)
    assert data["counts"]["无法读取"] == 1 and data["counts"]["有错误"] == 2
    by = {Path(f["file"]).name: f for f in data["files"]}
    assert by["单位4.xlsx"]["findings"] and by["单位4.xlsx"]["findings"][0]["code"]
    assert by["坏文件.xlsx"]["reason"]


def test_all_good_is_exit_0_and_the_report_in_the_folder_is_skipped(returns, tmp_path):
    d = tmp_path / "good"
    d.mkdir()
    for i in range(2):
        shutil.copy(returns / "第1批" / f"单位{i}.xlsx", d)
    rep = d / "校验报告.xlsx"
    assert main(["batch", "check", str(d), "-o", str(rep)]) == 0
    assert rep.exists()
    # a second run over the same folder (the report now inside it) still sees two workbooks
    again = tmp_path / "again.xlsx"
    assert main(["batch", "check", str(d), "-o", str(again)]) == 0
    import openpyxl

    assert openpyxl.load_workbook(again)["汇总"].max_row == 3


@pytest.mark.parametrize("make", ["missing", "empty", "file"])
def test_an_unusable_folder_is_exit_2(tmp_path, make):
    target = tmp_path / "x"
    if make == "empty":
        target.mkdir()
        (target / "readme.txt").write_text("x")
    elif make == "file":
        target.write_text("x")
    r = xl("batch", "check", target)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.startswith("错误：")


def test_hostile_files_cost_one_row_each(tmp_path, dept_book):
    d = tmp_path / "hostile"
    d.mkdir()
    (d / "corner.xlsx").write_bytes(samples.sparse_corner())
    with zipfile.ZipFile(d / "bomb.xlsx", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", "<x>" + "A" * (40 * 1024 * 1024) + "</x>")
    (d / "old.xls").write_bytes(samples.corrupt("xls"))
    shutil.copy(dept_book, d / "good.xlsx")
    from xltools.batch.check import batch_check

    res = batch_check(d, jobs=2, timeout=60, memory_mb=1024)
    by = {r["file"]: r for r in res.rows}
    assert set(by) == {"corner.xlsx", "bomb.xlsx", "old.xls", "good.xlsx"}
    assert by["good.xlsx"]["status"] != "无法读取" and by["good.xlsx"]["unit_name"]
    for name in ("corner.xlsx", "bomb.xlsx", "old.xls"):
        assert by[name]["status"] == "无法读取" and by[name]["reason"]
    assert "使用范围异常" in by["corner.xlsx"]["reason"] and "压缩" in by["bomb.xlsx"]["reason"]
    assert ".xls" in by["old.xls"]["reason"]


def test_a_crashing_worker_is_one_row_and_the_batch_goes_on(returns, tmp_path, monkeypatch):
    """The pool forks from this process: a reader patched to abort on one file shows what a real abort does."""
    from xltools.batch import check as bcheck
    from xltools.io import readers

    real = readers.read_calamine

    def exploding(path, skip=()):
        if "单位1" in str(path):
            os.abort()
        return real(path, skip)

    monkeypatch.setattr(readers, "read_calamine", exploding)
    res = bcheck.batch_check(returns / "第1批", jobs=2, timeout=60)
    by = {Path(r["file"]).name: r for r in res.rows}
    assert by["单位1.xlsx"]["status"] == "无法读取" and "异常中止" in by["单位1.xlsx"]["reason"]
    assert by["单位0.xlsx"]["status"] != "无法读取" and by["单位2.xlsx"]["status"] != "无法读取"


def test_duplicate_units_are_pointed_out(returns, tmp_path):
    d = tmp_path / "dups"
    d.mkdir()
    shutil.copy(returns / "第1批" / "单位0.xlsx", d / "a.xlsx")
    shutil.copy(returns / "第1批" / "单位0.xlsx", d / "b.xlsx")
    from xltools.batch.check import batch_check

    res = batch_check(d, jobs=1)
    assert all("重复报送" in r["note"] and "单位编码" in r["note"] for r in res.rows)


# ----------------------------------------------------------------------------------------------- fast reads

def test_calamine_and_openpyxl_paths_give_the_same_results(examples_dir, returns):
    """What batch reads (python-calamine) equals the openpyxl path: grids, model and every finding."""
    from xltools.interchange import book_to_data
    from xltools.io.readers import read_calamine, read_openpyxl
    from xltools.pipeline import check_grids

    paths = sorted(examples_dir.glob("*.xlsx")) + sorted((returns / "第1批").glob("单位?.xlsx")) + \
        sorted((returns / "第2批").glob("单位?.xlsx"))
    assert len(paths) >= 9
    for p in paths:
        a, b = read_calamine(p), read_openpyxl(p)
        assert a.names == b.names and a.hidden == b.hidden
        for name in a.names:
            assert a[name] == b[name], f"{p.name}!{name}"
            assert sorted(a.merged[name]) == sorted(b.merged[name])
        (ba, ra), (bb, rb) = check_grids(a), check_grids(b)
        assert book_to_data(ba) == book_to_data(bb)
        key = ["code", "severity", "sheet", "cell", "message"]
        assert ra.flatten(key) == rb.flatten(key), p.name


def test_progress_bar_only_on_a_terminal():
    from xltools.batch.progress import Progress

    quiet = io.StringIO()
    p = Progress(3, "批量校验", stream=quiet)
    for n in ("a", "b", "c"):
        p.update(n)
    p.close()
    assert quiet.getvalue() == ""

    class Tty(io.StringIO):
        def isatty(self):
            return True

    loud = Tty()
    p = Progress(2, "批量校验", stream=loud)
    p.update("单位甲.xlsx")
    p.update("单位乙.xlsx")
    p.close()
    assert "\r" in loud.getvalue() and "2/2" in loud.getvalue()


def test_unusual_cell_markup_in_a_batch(tmp_path):
    """A far cell written with its reference second is refused in its row; a sheet from a producer that numbers
    neither rows nor cells is read (placed as calamine places it), not refused."""
    from xltools.batch.check import batch_check

    head = ('<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheetData>')
    (tmp_path / "far.xlsx").write_bytes(samples.minimal_xlsx(
        head + '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c t="n" r="XFD1048576"><v>1</v></c></row>'
        "</sheetData></worksheet>"))
    (tmp_path / "plain.xlsx").write_bytes(samples.minimal_xlsx(
        head + "<row><c><v>1</v></c><c><v>2</v></c></row><row><c><v>3</v></c></row></sheetData></worksheet>"))
    by = {r["file"]: r for r in batch_check(tmp_path, jobs=2, timeout=60).rows}
    assert by["far.xlsx"]["status"] == "无法读取" and "使用范围异常" in by["far.xlsx"]["reason"]
    assert "使用范围异常" not in by["plain.xlsx"]["reason"] and "不规范" not in by["plain.xlsx"]["reason"]
