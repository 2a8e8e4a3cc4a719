"""The corpus of bad inputs (tests/files/bad, written by tools/make_bad_inputs.py): each gets its expected
exit code and Chinese message from the real `xltools check` process, never a traceback."""
from __future__ import annotations

import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

BAD = Path(__file__).resolve().parent / "files" / "bad"
EXPECTED = json.loads((BAD / "expected.json").read_text("utf-8"))


def xl(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xltools", *map(str, args)], capture_output=True, text=True,
                          timeout=300)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_input(name):
    want = EXPECTED[name]
    r = xl("check", BAD / name)
    out = r.stdout + r.stderr
    assert r.returncode == want["exit"], out[-500:]
    assert "Traceback" not in out
    assert want["message"] in out
    assert out.strip()


def test_merged_cells_across_a_table_are_read(tmp_path):
    from xltools.parse import read_book

    book, findings = read_book(BAD / "merged-across-table.xlsx")
    assert book.tables["basic_gpb"].lines  # the table is still there, the covered cells read as empty


def test_renamed_sheet_is_found_by_title():
    from xltools.parse import read_book

    book, findings = read_book(BAD / "sheet-renamed.xlsx")
    assert book.tables["expense_gpb"].sheet == "Sheet3"
    assert not [f for f in findings if f.code == "S001"]


def test_a_sheet_with_a_million_rows_is_answered_quickly(tmp_path):
    """A column pasted down to row 1,048,576 (built by code: one value per row)."""
    from tests.test_readers import _minimal

    p = tmp_path / "million.xlsx"
    rows = "".join(f'<row r="{i}"><c r="A{i}"><v>{i % 7}</v></c></row>' for i in range(2, 1_048_577))
    _minimal(p, '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>科目编码</t></is></c></row>'
                + rows + "</sheetData></worksheet>")
    t0 = time.time()
    r = xl("check", p)
    assert r.returncode in (1, 2) and "Traceback" not in r.stderr
    assert time.time() - t0 < 120


@pytest.mark.parametrize("cell,message", [
    ('<c t="n" r="XFD1048576"><v>1</v></c>', "使用范围异常"),     # r not first: calamine would abort the process
    ("<c r='xfd1048576'><v>1</v></c>", "使用范围异常"),
    ('<c><v>1</v></c>' * 20, "使用范围异常"),                     # cells without references, placed in turn
    ('<c r="A1"t="n"><v>1</v></c>', "单元格标记不规范"),
])
def test_a_far_cell_written_unusually_is_refused_not_a_crash(tmp_path, cell, message):
    from tests.test_readers import _minimal

    p = tmp_path / "far.xlsx"
    _minimal(p, '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
                f'<row r="1048576">{cell}</row></sheetData></worksheet>')
    r = xl("check", p)
    assert r.returncode == 2, (r.returncode, r.stderr[-500:])
    assert message in r.stderr and "Traceback" not in r.stderr
