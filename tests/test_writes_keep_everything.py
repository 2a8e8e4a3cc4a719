"""Every command that writes a workbook keeps what the workbook carries: the in-sheet buttons (bound to the
add-in's macro), data validation, sheet protection, print settings and a person's own comments."""
from __future__ import annotations

import shutil

import openpyxl
import pytest

from tests.buttons import buttons, workbook_problems
from xltools.cli import main


def _carry(path) -> dict:
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        if ws.title in ("校验结果", "_xltools"):
            continue
        out[ws.title] = {
            "validations": sorted((str(dv.sqref), dv.formula1) for dv in ws.data_validations.dataValidation),
            "protected": ws.protection.sheet,
            "print": (ws.page_setup.orientation, ws.print_title_rows),
            "comments": sorted((c.coordinate, c.comment.text) for row in ws.iter_rows() for c in row
                               if c.comment is not None and c.comment.author != "xltools"),
        }
    return out


@pytest.fixture
def book_with_comment(dept_book, tmp_path):
    """The seed-001 example with a person's comment, edited the way a person would (then re-buttoned, since
    openpyxl's save — which this fixture uses to add the comment — drops buttons)."""
    from xltools.excel.sheet_buttons import add_sheet_buttons

    p = tmp_path / "book.xlsx"
    wb = openpyxl.load_workbook(dept_book)
    wb["一般公共预算财政拨款支出预算表"]["B7"].comment = openpyxl.comments.Comment("请核对", "张友燕")
    wb.save(p)
    add_sheet_buttons(p)
    return p


@pytest.mark.parametrize("argv", [
    ["fill-codes", "{src}", "-o", "{out}"],
    ["recalc", "{src}", "-o", "{out}"],
    ["recalc", "{src}", "--in-place"],
    ["check", "{src}", "--annotate", "{out}"],
])
def test_writing_commands_keep_buttons_validation_protection_comments(book_with_comment, tmp_path, argv):
    src = book_with_comment
    before_buttons = buttons(src)
    assert before_buttons, "the example must carry in-sheet buttons"
    before = _carry(src)
    out = tmp_path / "out.xlsx"
    keep = tmp_path / "orig.xlsx"
    shutil.copy(src, keep)
    rc = main([a.format(src=src, out=out) for a in argv])
    assert rc in (0, 1)
    result = src if "--in-place" in argv else out
    assert [(b.sheet, b.name, b.caption, b.macro) for b in buttons(result)] == \
        [(b.sheet, b.name, b.caption, b.macro) for b in before_buttons]
    assert _carry(result) == before
    assert workbook_problems(result) == []
    if "--in-place" in argv:
        assert (src.parent / "book.bak.xlsx").read_bytes() == keep.read_bytes()
    else:
        assert src.read_bytes() == keep.read_bytes()   # the source is never touched


def test_new_and_import_write_buttons(tmp_path, dept_book):
    new = tmp_path / "new.xlsx"
    assert main(["new", "--family", "dept_budget", "--year", "2025", "--unit-name", "某局", "-o", str(new)]) == 0
    assert buttons(new) and workbook_problems(new) == []
    data = tmp_path / "d.json"
    assert main(["export", str(dept_book), "-o", str(data)]) == 0
    imported = tmp_path / "imp.xlsx"
    assert main(["import", str(data), "-o", str(imported)]) == 0
    assert len(buttons(imported)) == len(buttons(dept_book))
