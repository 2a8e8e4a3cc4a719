"""Shared fixtures. The example workbooks are built by code from the seeds' real figures (xltools.demo reads
xltools/demo_data, a copy of shared/seeds/clean that test_demo_data proves current)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
EXAMPLE_NAMES = {"dept": "重庆市潼南区政务服务管理办公室", "p000": "政务中心受委托业务工作经费",
                 "p002": "政务中心运行维护经费", "p003": "政务中心窗口服务经费"}


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    """Every test gets an empty XLTOOLS_HOME: the real ~/.xltools (a catalogue the person running the tests
    imported) is never read or written. Yields that folder."""
    from xltools import codes

    home = tmp_path / "xlhome"
    monkeypatch.setenv("XLTOOLS_HOME", str(home))
    codes.reload_catalogue()
    yield home
    codes.reload_catalogue()


@pytest.fixture(scope="session")
def examples_dir(tmp_path_factory) -> Path:
    """The four example workbooks, written once per test session (read-only: copy before writing)."""
    from xltools.demo import examples
    from xltools.template import book_filename, build_workbook, save_book

    out = tmp_path_factory.mktemp("examples")
    for fam, data in examples():
        name = data["forms"][fam.info_sheet].get(fam.name_field) or ""
        save_book(build_workbook(fam, data), out / book_filename(fam, name, data["year"]))
    return out


def _example(examples_dir: Path, key: str) -> Path:
    return next(p for p in examples_dir.glob("*.xlsx") if EXAMPLE_NAMES[key] in p.name)


@pytest.fixture(scope="session")
def dept_book(examples_dir) -> Path:
    """Seed 001 as a 部门预算公开 workbook."""
    return _example(examples_dir, "dept")


@pytest.fixture(scope="session")
def project_books(examples_dir) -> dict[str, Path]:
    """Seeds 000, 002, 003 as 项目绩效目标申报 workbooks, keyed "000", "002", "003"."""
    return {k[1:]: _example(examples_dir, k) for k in ("p000", "p002", "p003")}


@pytest.fixture
def dept_copy(dept_book, tmp_path) -> Path:
    """A writable copy of the seed-001 workbook."""
    dst = tmp_path / dept_book.name
    shutil.copy(dept_book, dst)
    return dst


@pytest.fixture
def make_book(tmp_path):
    """Build a workbook from interchange data (see xltools/schema/book.schema.json):
    make_book({"family": "dept_budget", "tables": {"expense_gpb": [...]}, ...}) -> Path."""
    from xltools.families import get_family
    from xltools.io.writers import save_workbook
    from xltools.template import build_workbook

    counter = {"n": 0}

    def make(data: dict, name: str | None = None) -> Path:
        counter["n"] += 1
        path = tmp_path / (name or f"book{counter['n']}.xlsx")
        save_workbook(build_workbook(get_family(data["family"]), data), path)
        return path

    return make


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture
def to_pdf(tmp_path):
    """Convert a file to PDF with LibreOffice headless (its own profile, so parallel runs never collide).
    Skips where soffice is absent — except in CI, where its absence is a failure."""
    import subprocess

    exe = soffice()
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is required in CI: .ci/run installs it")
        pytest.skip("LibreOffice (soffice) is not installed on this machine")

    def convert(path: Path) -> Path:
        out = tmp_path / "pdf"
        profile = tmp_path / "lo-profile"
        subprocess.run([exe, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                        "--outdir", str(out), str(path)], check=True, capture_output=True, timeout=180)
        pdf = out / (path.stem + ".pdf")
        assert pdf.exists(), f"LibreOffice wrote no PDF for {path.name}"
        return pdf

    return convert
