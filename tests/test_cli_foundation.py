"""The CLI as a user meets it: real processes, exit codes, Chinese messages, no traceback."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from xltools.cli import main


def xl(*args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xltools", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


@pytest.mark.parametrize("content,words", [
    (os.urandom(2048), "不是 Excel 工作簿"),
    (b"", "空文件"),
    (bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 2048, "Excel 97-2003"),
])
@pytest.mark.parametrize("verb", ["check", "export"])
def test_bad_input_exit_2_with_one_chinese_sentence(tmp_path, content, words, verb):
    p = tmp_path / "bad.xlsx"
    p.write_bytes(content)
    r = xl(verb, p)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr + r.stdout
    assert words in r.stderr


def test_missing_file_exit_2(tmp_path):
    r = xl("check", tmp_path / "nope.xlsx")
    assert r.returncode == 2 and "找不到文件" in r.stderr


def test_new_writes_a_named_workbook(tmp_path):
    r = xl("new", "--family", "dept_budget", "--year", "2025", "--unit-name", "某某区教育委员会", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "某某区教育委员会-2025-部门预算公开.xlsx"
    assert out.exists()
    from xltools.parse import read_book

    book, _ = read_book(out)
    assert book.year == 2025 and book.name == "某某区教育委员会"


def test_new_refuses_a_bad_family_and_year(tmp_path):
    r = xl("new", "--family", "nope", "--year", "2025", "--unit-name", "x", cwd=tmp_path)
    assert r.returncode == 2 and "模板族" in r.stderr
    r = xl("new", "--family", "dept_budget", "--year", "25", "--unit-name", "x", cwd=tmp_path)
    assert r.returncode == 2 and "年份" in r.stderr


def test_new_with_a_hostile_name_stays_in_its_folder(tmp_path):
    r = xl("new", "--family", "project_perf", "--year", "2025", "--unit-name", "../../etc/CON", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    written = list(tmp_path.glob("*.xlsx"))
    assert len(written) == 1 and written[0].parent == tmp_path


def test_read_only_folder_is_a_clear_message(tmp_path, dept_book):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        if os.access(ro, os.W_OK):
            pytest.skip("running as a user who can write anywhere (root): the folder is not read-only")
        r = xl("export", dept_book, "-o", ro / "x.json")
        assert r.returncode == 2 and "无法写入" in r.stderr and "Traceback" not in r.stderr
    finally:
        ro.chmod(0o700)


def test_locked_or_read_only_target_is_a_clear_message(tmp_path, dept_copy, monkeypatch):
    """What Windows reports for a file held open by Excel, and Linux for a read-only folder: PermissionError."""
    from xltools.errors import WriteFailed
    from xltools.io import writers

    before = dept_copy.read_bytes()

    def denied(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(writers.os, "replace", denied)
    with pytest.raises(WriteFailed, match="正被 Excel/WPS 打开"):
        writers.atomic_write(dept_copy, lambda tmp: Path(tmp).write_bytes(b"new"))
    assert dept_copy.read_bytes() == before
    assert [p.name for p in dept_copy.parent.iterdir()] == [dept_copy.name]


def test_write_failure_leaves_the_original_untouched(tmp_path, dept_copy, monkeypatch):
    from xltools.errors import WriteFailed
    from xltools.io import writers

    before = dept_copy.read_bytes()

    def boom(tmp):
        Path(tmp).write_bytes(b"partial")
        raise OSError(28, "No space left on device")

    with pytest.raises(WriteFailed, match="磁盘空间不足"):
        writers.atomic_write(dept_copy, boom, backup=True)
    assert dept_copy.read_bytes() == before
    assert [p.name for p in dept_copy.parent.iterdir()] == [dept_copy.name]   # no temp file left behind


def test_rules_catalogue_lists_codes(capsys):
    assert main(["rules", "--json"]) == 0
    out = capsys.readouterr().out
    assert '"code": "S001"' in out


def test_import_xltools_is_light():
    code = ("import sys, xltools, xltools.cli; "
            "heavy = [m for m in ('openpyxl', 'pandas', 'docx', 'xlwings', 'python_calamine') if m in sys.modules]; "
            "print(heavy)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.stdout.strip() == "[]", r.stdout + r.stderr
