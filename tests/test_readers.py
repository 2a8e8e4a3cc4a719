"""Readers: calamine and openpyxl give the same grids; unusable files raise one Chinese error each."""
from __future__ import annotations

import os
import zipfile

import pytest

from xltools.errors import InputNotFound, UnreadableWorkbook, UnsafeWorkbook, XltoolsError
from xltools.io.readers import read_calamine, read_openpyxl
from xltools.parse import parse_book
from xltools.interchange import book_to_data


def test_calamine_and_openpyxl_give_the_same_grids_and_model(examples_dir):
    for path in sorted(examples_dir.glob("*.xlsx")):
        a, b = read_calamine(path), read_openpyxl(path)
        assert a.names == b.names
        assert a.hidden == b.hidden
        for name in a.names:
            assert a[name] == b[name], f"{path.name}!{name}"
            assert sorted(a.merged[name]) == sorted(b.merged[name])
        assert book_to_data(parse_book(a)[0]) == book_to_data(parse_book(b)[0])


def _minimal(path, sheet_xml: str) -> None:
    """A one-sheet workbook written by hand, so hostile shapes can be built without any library."""
    from xltools.batch.samples import minimal_xlsx

    path.write_bytes(minimal_xlsx(sheet_xml))


SHEET = ('<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
         '<sheetData>{}</sheetData></worksheet>')


@pytest.mark.parametrize("reader", [read_calamine, read_openpyxl])
@pytest.mark.parametrize("name,content,exc,words", [
    ("random.xlsx", os.urandom(4096), UnreadableWorkbook, "不是 Excel 工作簿"),
    ("empty.xlsx", b"", UnreadableWorkbook, "空文件"),
    ("old.xlsx", bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 4096, UnreadableWorkbook, ".xls"),
    ("enc.xlsx", bytes.fromhex("D0CF11E0A1B11AE1") + "EncryptedPackage".encode("utf-16-le") + b"\0" * 512,
     UnreadableWorkbook, "密码"),
    ("truncated.xlsx", b"PK\x03\x04 broken", UnreadableWorkbook, "损坏"),
])
def test_unusable_files_raise_one_chinese_error(tmp_path, reader, name, content, exc, words):
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(exc) as ei:
        reader(p)
    assert words in str(ei.value)
    assert isinstance(ei.value, XltoolsError) and isinstance(ei.value, ValueError)


def test_truncated_real_workbook(tmp_path, dept_book):
    p = tmp_path / "cut.xlsx"
    p.write_bytes(dept_book.read_bytes()[: dept_book.stat().st_size // 2])
    with pytest.raises(UnreadableWorkbook, match="损坏"):
        read_calamine(p)


def test_missing_file(tmp_path):
    with pytest.raises(InputNotFound, match="找不到文件"):
        read_calamine(tmp_path / "nope.xlsx")


def test_sparse_corner_is_refused_before_any_parser_sees_it(tmp_path):
    """Cells at A1 and XFD1048576 only: calamine would allocate 17 billion cells and abort the process."""
    p = tmp_path / "corner.xlsx"
    _minimal(p, SHEET.format('<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
                             '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>y</t></is></c></row>'))
    with pytest.raises(UnsafeWorkbook, match="使用范围异常"):
        read_calamine(p)


def test_zip_bomb_is_refused_by_ratio(tmp_path):
    p = tmp_path / "bomb.xlsx"
    _minimal(p, SHEET.format(""))
    with zipfile.ZipFile(p, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet2.xml", "<x>" + "A" * (20 * 1024 * 1024) + "</x>")
    with pytest.raises(UnsafeWorkbook, match="压缩"):
        read_calamine(p)


def test_a_small_normal_sheet_passes_the_safety_checks(tmp_path):
    p = tmp_path / "ok.xlsx"
    _minimal(p, SHEET.format('<row r="3"><c r="C3"><v>1866.11</v></c></row>'))
    g = read_calamine(p)
    assert g["Sheet1"][2][2] == 1866.11
