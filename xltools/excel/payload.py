"""The JSON payload the xlwings Office.js client sends (xlwings Lite / Server), built from an .xlsx file.

`xw.Book(json=payload_from_xlsx(path))` is the Book a button meets in Excel on the web: tests and the
benchmark drive the button functions through it. The shape follows what the client sends for each sheet
(xlwings/js and xlwings/pro/_xlremote.py): values from A1 to the last used cell ('' for empty cells, numbers,
booleans, dates as ISO strings), the used range's address, visibility, notes, tables, pictures, shapes.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path


def _cell(v: object) -> object:
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return v.isoformat(timespec="milliseconds") + "Z"
    if isinstance(v, dt.date):
        return dt.datetime(v.year, v.month, v.day).isoformat(timespec="milliseconds") + "Z"
    if isinstance(v, dt.time):
        return v.isoformat()
    return v


def payload_from_xlsx(path: str | Path, *, active: str | None = None, version: str | None = None) -> dict:
    import openpyxl
    from openpyxl.utils import get_column_letter

    if version is None:
        from importlib.metadata import version as _v

        version = _v("xlwings")
    path = Path(path)
    wb = openpyxl.load_workbook(path, data_only=True)
    sheets = []
    for ws in wb.worksheets:
        cells = [(c.row, c.column) for row in ws.iter_rows() for c in row if c.value not in (None, "")]
        if cells:
            r0 = min(r for r, _ in cells)
            c0 = min(c for _, c in cells)
            r1 = max(r for r, _ in cells)
            c1 = max(c for _, c in cells)
            values = [[_cell(ws.cell(row=r, column=c).value) for c in range(1, c1 + 1)] for r in range(1, r1 + 1)]
            used = f"{get_column_letter(c0)}{r0}:{get_column_letter(c1)}{r1}"
        else:
            values, used = [[]], None
        notes = [{"address": f"${''.join(ch for ch in c.coordinate if ch.isalpha())}"
                             f"${''.join(ch for ch in c.coordinate if ch.isdigit())}"}
                 for row in ws.iter_rows() for c in row if c.comment is not None]
        state = {"visible": "Visible", "hidden": "Hidden", "veryHidden": "VeryHidden"}[ws.sheet_state]
        sheets.append({
            "name": ws.title, "values": values, "used_range_address": used, "visibility": state,
            "pictures": [], "shapes": [], "charts": [], "tables": [], "pivot_tables": [],
            "notes": notes, "notes_supported": True, "show_gridlines": bool(ws.sheet_view.showGridLines),
            "print_area": None,
        })
    names = [ws.title for ws in wb.worksheets]
    active_index = names.index(active) if active in names else next(
        (i for i, ws in enumerate(wb.worksheets) if ws.sheet_state == "visible"), 0)
    return {
        "client": "Office.js",
        "version": version,
        "book": {"name": path.name, "active_sheet_index": active_index, "selection": "A1"},
        "names": [],
        "sheets": sheets,
    }
