"""Readers: every source becomes grids — dict[sheet name, list[list[value]]].

Values are normalised here, once: empty cells are None, whole floats stay floats (the parser reads them
through `parse_amount`), strings are stripped of nothing (the parser decides). Merged ranges are kept so that
the parser can spread a merged label across its columns.
"""
from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from xltools.errors import UnreadableWorkbook
from xltools.io.safety import check_file

Grid = list[list[object]]
MergedRange = tuple[int, int, int, int]  # 0-based first_row, first_col, last_row, last_col


class Grids:
    """What every reader returns: the sheets' values in order, their merged ranges, the hidden sheets.
    (A plain class: a dataclass costs a millisecond at import.)"""

    def __init__(self, sheets: dict[str, Grid], merged: dict[str, list[MergedRange]] | None = None,
                 hidden: set[str] | None = None, source: str = "") -> None:
        self.sheets = sheets
        self.merged = {} if merged is None else merged
        self.hidden = set() if hidden is None else hidden
        self.source = source

    def __getitem__(self, name: str) -> Grid:
        return self.sheets[name]

    def __contains__(self, name: str) -> bool:
        return name in self.sheets

    @property
    def names(self) -> list[str]:
        return list(self.sheets)

    def value(self, sheet: str, ref: str) -> object:
        """The value of one cell by its A1 reference (None beyond the grid or for a sheet not there)."""
        from xltools.text import parse_ref

        grid = self.sheets.get(sheet)
        if grid is None:
            return None
        r, c = parse_ref(ref)
        row = grid[r] if r < len(grid) else ()
        return row[c] if c < len(row) else None

    def copy(self) -> Grids:
        """A copy whose rows can be written (edits applied in memory) without touching these."""
        return Grids({name: [list(r) for r in rows] for name, rows in self.sheets.items()}, self.merged,
                     self.hidden, self.source)


def _clean(v: object) -> object:
    if v == "" or v is None:
        return None
    return v


def read_calamine(path: str | Path, skip: Collection[str] = ()) -> Grids:
    """Fast read-only path (check, export, batch). Sheets named in `skip` are listed with an empty grid, not read
    (check skips the tool's hidden dropdown lists, a third of a template's cells)."""
    p = check_file(path)
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    try:
        wb = CalamineWorkbook.from_path(str(p))
        sheets: dict[str, Grid] = {}
        merged: dict[str, list[MergedRange]] = {}
        hidden: set[str] = set()
        for meta in wb.sheets_metadata:
            if meta.typ != SheetTypeEnum.WorkSheet:
                continue
            name = meta.name
            if meta.visible != SheetVisibleEnum.Visible:
                hidden.add(name)
            if name in skip:
                sheets[name], merged[name] = [], []
                continue
            sh = wb.get_sheet_by_name(name)
            # an empty cell comes as "": None, as _clean makes it, inline (no call per cell)
            sheets[name] = [[None if v == "" else v for v in row] for row in sh.to_python(skip_empty_area=False)]
            merged[name] = [(a[0], a[1], b[0], b[1]) for a, b in sh.merged_cell_ranges or ()]
        wb.close()
    except UnreadableWorkbook:
        raise
    except Exception as e:  # calamine raises its own errors and sometimes plain ones
        raise UnreadableWorkbook(
            f"“{p.name}” 无法读取（{type(e).__name__}），文件可能已损坏。请在 Excel 中打开并另存为 .xlsx 后再试。",
            path=p) from None
    return Grids(sheets, merged, hidden, str(p))


def read_openpyxl(path: str | Path) -> Grids:
    """The openpyxl path (used where a workbook is about to be written anyway, and to cross-check calamine)."""
    p = check_file(path)
    import openpyxl

    try:
        wb = openpyxl.load_workbook(p, data_only=True)
    except Exception as e:
        raise UnreadableWorkbook(
            f"“{p.name}” 无法读取（{type(e).__name__}），文件可能已损坏。请在 Excel 中打开并另存为 .xlsx 后再试。",
            path=p) from None
    return grids_from_openpyxl(wb, str(p))


def grids_from_openpyxl(wb, source: str = "") -> Grids:
    sheets: dict[str, Grid] = {}
    merged: dict[str, list[MergedRange]] = {}
    hidden: set[str] = set()
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            hidden.add(ws.title)
        rows = [[_clean(v) for v in r] for r in ws.iter_rows(values_only=True)]
        # openpyxl reports max_row from styled cells too: trim trailing empty rows so grids match calamine's
        while rows and all(v is None for v in rows[-1]):
            rows.pop()
        width = max((max((i + 1 for i, v in enumerate(r) if v is not None), default=0) for r in rows), default=0)
        sheets[ws.title] = [r[:width] + [None] * (width - len(r[:width])) for r in rows]
        merged[ws.title] = [(m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1)
                            for m in ws.merged_cells.ranges]
    return Grids(sheets, merged, hidden, source)


def read_grids(path: str | Path, engine: str = "calamine", skip: Collection[str] = ()) -> Grids:
    """The workbook's grids; `skip` (sheets not to read) applies to the calamine path, the openpyxl one reads all."""
    return read_calamine(path, skip) if engine == "calamine" else read_openpyxl(path)
