"""The demo data is the seeds' data: the bundled CSVs equal shared/seeds/clean, and the project texts are what
tools/extract_seed_projects.py extracts from the seed documents today."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from xltools.cli import main

ROOT = Path(__file__).resolve().parent.parent
CLEAN = ROOT.parent / "shared" / "seeds" / "clean"
DATA = ROOT / "xltools" / "demo_data"


@pytest.mark.skipif(not CLEAN.exists(), reason="shared/seeds is not beside this checkout")
def test_bundled_csvs_equal_the_clean_seeds():
    for src in sorted(CLEAN.glob("*.csv")):
        assert (DATA / src.name).read_bytes() == src.read_bytes(), src.name


@pytest.mark.skipif(not CLEAN.exists(), reason="shared/seeds is not beside this checkout")
def test_project_texts_are_a_fresh_extraction():
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "extract_seed_projects.py"),
                        str(CLEAN.parent), "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_demo_writes_the_four_examples_keeping_the_seed_figures(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path)]) == 0
    names = sorted(p.name for p in tmp_path.glob("*.xlsx"))
    for part in ("重庆市潼南区政务服务管理办公室-2021-部门预算公开.xlsx", "政务中心受委托业务工作经费-2021-项目绩效目标申报.xlsx",
                 "政务中心运行维护经费-2021-项目绩效目标申报.xlsx", "政务中心窗口服务经费-2026-项目绩效目标申报.xlsx"):
        assert part in names
    from xltools.parse import read_book

    book, _ = read_book(tmp_path / "重庆市潼南区政务服务管理办公室-2021-部门预算公开.xlsx")
    assert str(book.tables["expense_dept"].total_line().amounts["basic"]) == "494.82"
