"""Apply an EditSet to a workbook file through openpyxl, writing atomically to a new file or in place.

No command writes through it: openpyxl drops shapes and form-control buttons when it saves, so every command
uses xltools.io.patch. It stays as the reference the patcher is tested and benchmarked against.
"""
from __future__ import annotations

from pathlib import Path

from xltools.edits import MARK_FILLS, EditSet
from xltools.io.writers import save_workbook

NOTE_AUTHOR = "xltools"


def apply_edits(src: str | Path, edits: EditSet, dst: str | Path, *, backup: bool = False) -> Path:
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    from xltools.errors import UnreadableWorkbook
    from xltools.io.safety import check_file

    check_file(src)
    try:
        wb = openpyxl.load_workbook(src)
    except Exception as e:
        raise UnreadableWorkbook(f"“{Path(src).name}” 无法打开（{type(e).__name__}）。") from None
    for name in edits.remove_sheets:
        if name in wb.sheetnames:
            del wb[name]
    for e in edits.edits:
        if e.sheet not in wb.sheetnames:
            continue
        cell = wb[e.sheet][e.cell]
        if e.sets_value:
            cell.value = e.value
        if e.mark == "clear":
            cell.fill = PatternFill(fill_type=None)
        elif e.mark:
            cell.fill = PatternFill("solid", fgColor=MARK_FILLS[e.mark])
        if e.note is not None:
            if e.note == "":
                if cell.comment is not None and cell.comment.author == NOTE_AUTHOR:
                    cell.comment = None
            else:
                c = Comment(e.note, NOTE_AUTHOR)
                c.width, c.height = 320, 120
                cell.comment = c
    for rs in edits.sheets:
        _result_sheet(wb, rs)
    return save_workbook(wb, dst, backup=backup)


def _result_sheet(wb, rs) -> None:
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    if rs.name in wb.sheetnames:
        del wb[rs.name]
    ws = wb.create_sheet(rs.name, 0)
    ws.append(list(rs.header))
    for c in ws[1]:
        c.font = Font(bold=True)
        c.fill = PatternFill("solid", fgColor="D9E1F2")
    for i, row in enumerate(rs.rows):
        ws.append(list(row))
        link = rs.links[i] if i < len(rs.links) else None
        if link:
            cell = ws.cell(row=i + 2, column=1)
            sheet, ref = link
            cell.hyperlink = f"#'{sheet}'!{ref or 'A1'}"
            cell.font = Font(color="0563C1", underline="single")
    for i, w in enumerate(rs.widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"
    if rs.rows:
        ws.auto_filter.ref = ws.dimensions
