"""Readers: calamine and openpyxl give the same grids; unusable files raise one Chinese error each."""
from __future__ import annotations

import io
import os
import zipfile

import pytest

from xltools.batch import samples
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


# ----------------------------------------------------------------------------------------------- the extent scan
# Hostile shapes are only ever given to check_file here: should the scan miss one, calamine would abort pytest.

A1 = '<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
ROWS = [f'<row r="{i}"><c r="A{i}" s="1"><v>{i}</v></c><c r="B{i}" s="1"/></row>' for i in range(2, 300)]
FAR = '<c r="XFD1048576" t="inlineStr"><is><t>y</t></is></c>'


@pytest.fixture(params=[1 << 20, 7, 64, 1000])
def chunk(request, monkeypatch):
    """The scan reads a part a piece at a time; small pieces put tags across every boundary."""
    from xltools.io import safety

    monkeypatch.setattr(safety, "_CHUNK", request.param)
    return request.param


def _check(tmp_path, sheet_xml: str) -> None:
    from xltools.io.safety import check_file

    p = tmp_path / "h.xlsx"
    _minimal(p, sheet_xml)
    check_file(p)


def test_a_far_cell_in_the_middle_of_the_sheet_is_found(tmp_path, chunk):
    body = A1 + "".join(ROWS[:150]) + f'<row r="151">{FAR}</row>' + "".join(ROWS[150:])
    with pytest.raises(UnsafeWorkbook, match="使用范围异常（1048576 行 × 16384 列）"):
        _check(tmp_path, SHEET.format(body))


def test_the_dimension_is_not_trusted(tmp_path, chunk):
    xml = SHEET.format(A1 + f'<row r="2">{FAR}</row>').replace("<sheetData>", '<dimension ref="A1:B2"/><sheetData>')
    with pytest.raises(UnsafeWorkbook, match="使用范围异常"):
        _check(tmp_path, xml)


@pytest.mark.parametrize("cell", [
    '<c t="n" r="XFD1048576"><v>1</v></c>',                 # r not first
    "<c r='XFD1048576'><v>1</v></c>",                        # single quotes
    '<c r="xfd1048576"><v>1</v></c>',                        # lower-case column (calamine accepts it)
    '<c  r = "XFD1048576" ><v>1</v></c>',                    # spaces around "="
    '<c\nr="XFD1048576"><v>1</v></c>',                       # a newline for a space
    '<c r="XFD0001048576"><v>1</v></c>',                     # leading zeros
    '<c foo="/>" r="XFD1048576"><v>1</v></c>',               # "/>" inside another attribute
    '<x:c r="XFD1048576" xmlns:x="urn:x"><x:v>1</x:v></x:c>',  # a namespace prefix
])
def test_a_far_cell_written_any_way_calamine_reads_is_found(tmp_path, chunk, cell):
    with pytest.raises(UnsafeWorkbook, match="使用范围异常"):
        _check(tmp_path, SHEET.format(A1 + "".join(ROWS) + f'<row r="1048576">{cell}</row>'))


@pytest.mark.parametrize("cell", [
    '<c r="B1" r="XFD1048576"><v>1</v></c>',                 # two references (calamine takes the last)
    '<c r="AAAA1"><v>1</v></c>',                             # a 4-letter column
    '<c r="A1"t="n"><v>1</v></c>',                           # attributes run together (calamine accepts it)
    '<c r="A 1"><v>1</v></c>',
])
def test_a_cell_whose_place_cannot_be_vouched_for_is_refused(tmp_path, chunk, cell):
    with pytest.raises(UnsafeWorkbook, match="单元格标记不规范"):
        _check(tmp_path, SHEET.format(A1 + f'<row r="2">{cell}</row>'))


def test_a_doctype_is_refused(tmp_path):
    xml = SHEET.format(A1 + '<row r="2"><c><v>1</v></c></row>')
    xml = xml.replace("<worksheet", '<!DOCTYPE x [<!ENTITY e "">]><worksheet')
    with pytest.raises(UnsafeWorkbook, match="单元格标记不规范"):
        _check(tmp_path, xml)


RUN = "<c><v>1</v></c>" * 20                                   # cells without references: A, B, C … T


@pytest.mark.parametrize("body", [
    A1 + f'<row r="1048576">{RUN}</row>',                      # a row number, then cells without one
    A1 + '<row r="1048575"><c r="A1048575"/></row>' + f"<row>{RUN}</row>",   # the row after a numbered one
    A1 + '<row r="70000">' + "<c><v>1</v></c>" * 80 + "</row>",  # 70000 × 80 cells
    # a row inside a cell's value is part of the value: the two cells after XFC300 are XFD300 and a 16385th
    A1 + '<row r="300"><c r="XFC300" t="inlineStr"><is><row r="1"></row><t>x</t></is></c>'
         '<c><v>1</v></c><c><v>1</v></c></row>',
])
def test_cells_without_references_are_placed_as_calamine_places_them(tmp_path, chunk, body):
    with pytest.raises(UnsafeWorkbook, match="使用范围异常"):
        _check(tmp_path, SHEET.format(body))


def test_a_sheet_without_any_reference_is_read(tmp_path):
    """Some producers number neither rows nor cells: calamine places them one after another."""
    p = tmp_path / "plain.xlsx"
    _minimal(p, '<?xml version="1.0"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                "<x:sheetData><x:row><x:c><x:v>1</x:v></x:c><x:c/><x:c><x:v>3</x:v></x:c></x:row>"
                '<x:row><x:c t="inlineStr"><x:is><x:t>a</x:t></x:is></x:c></x:row></x:sheetData></x:worksheet>')
    assert read_calamine(p)["Sheet1"] == [[1.0, None, 3.0], ["a", None, None]]


@pytest.mark.parametrize("column,ok", [("AAA", True), ("XFD", True), ("XFE", False)])
def test_three_letter_columns(tmp_path, chunk, column, ok):
    xml = SHEET.format(A1 + f'<row r="2"><c r="{column}2"><v>1</v></c></row>')
    if ok:
        _check(tmp_path, xml)
    else:
        with pytest.raises(UnsafeWorkbook, match="16385 列"):
            _check(tmp_path, xml)


def test_formatted_empty_cells_do_not_count(tmp_path, chunk):
    """Self-closed cells (a style, no value) down to the last row: calamine skips them, so may the scan."""
    _check(tmp_path, SHEET.format(A1 + "".join(ROWS) + '<row r="1048576"><c r="XFD1048576" s="3"/><c s="3"/></row>'))


def test_unusual_but_harmless_markup_is_read(tmp_path):
    p = tmp_path / "odd.xlsx"
    _minimal(p, SHEET.format("<row r='1'><c t='n' r='b2'><v>7</v></c></row>"
                             '<row r="3"><x:c r="C3" xmlns:x="urn:x"><x:v>8</x:v></x:c><c r="AAA3"><v>9</v></c></row>'))
    g = read_calamine(p)["Sheet1"]
    assert (len(g), len(g[0])) == (3, 703)
    assert g[1][1] == 7 and g[2][2] == 8 and g[2][702] == 9


def _moved(path, sheet_xml: str) -> None:
    """A workbook whose one sheet is stored as XL\\DATA\\cells.bin, named by its relationship data/Cells.BIN."""
    src = zipfile.ZipFile(io.BytesIO(samples.minimal_xlsx(sheet_xml)))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"worksheets/sheet1.xml", b"data/Cells.BIN")
            z.writestr("XL\\DATA\\cells.bin" if info.filename == "xl/worksheets/sheet1.xml" else info.filename, data)


def test_a_sheet_stored_under_another_name_is_scanned(tmp_path):
    """calamine opens whatever part the workbook's relationship names, ignoring case and slash direction."""
    from xltools.io.safety import check_file

    _moved(tmp_path / "ok.xlsx", SHEET.format(A1 + '<row r="2"><c r="C2"><v>5</v></c></row>'))
    assert read_calamine(tmp_path / "ok.xlsx")["Sheet1"][1][2] == 5
    _moved(tmp_path / "far.xlsx", SHEET.format(A1 + f'<row r="2">{FAR}</row>'))
    with pytest.raises(UnsafeWorkbook, match="cells.bin 使用范围异常"):
        check_file(tmp_path / "far.xlsx")


def test_check_does_not_read_the_dropdown_lists_and_finds_the_same(dept_book):
    """The hidden `_lists` sheet (tool-owned dropdown lists) is listed but not read by check: same findings."""
    from xltools.io.readers import read_calamine
    from xltools.parse import LISTS_SHEET
    from xltools.pipeline import NOT_CHECKED, check_file, check_grids
    from xltools.template import LISTS_SHEET as TEMPLATE_LISTS_SHEET

    assert LISTS_SHEET == TEMPLATE_LISTS_SHEET and LISTS_SHEET in NOT_CHECKED
    full = read_calamine(dept_book)
    lean = read_calamine(dept_book, skip=NOT_CHECKED)
    assert full.sheets[LISTS_SHEET] and lean.sheets[LISTS_SHEET] == []
    assert full.names == lean.names and full.hidden == lean.hidden
    assert all(full.sheets[n] == lean.sheets[n] for n in full.names if n != LISTS_SHEET)
    _, want = check_grids(full)
    _, got = check_file(dept_book)
    assert [f.to_dict() for f in got.findings] == [f.to_dict() for f in want.findings]
