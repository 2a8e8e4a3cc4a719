"""Edits: the only way anything is written back to a workbook.

An edit names a sheet and a cell and what to set there: a value, a mark (fill) and/or a note. The tool writes
only cells it owns (names it filled, totals it computed, its marks, its result sheet) and never what a person
typed. Adapters apply edits: to grids (tests), through openpyxl (files), through xlwings (buttons).
"""
from __future__ import annotations

from xltools.record import record

KEEP = object()  # "leave the value as it is"

MARK_FILLS = {"error": "FFC7CE", "warning": "FFEB9C", "info": "DDEBF7"}


@record
class Edit:
    sheet: str
    cell: str
    value: object = KEEP
    mark: str | None = None        # error | warning | info | "clear" (remove an earlier mark)
    note: str | None = None        # a cell comment ("" removes the tool's earlier note)

    @property
    def sets_value(self) -> bool:
        return self.value is not KEEP


@record
class ResultSheet:
    """A sheet the tool owns entirely (校验结果): replaced as a whole on every run."""

    name: str
    header: tuple[str, ...]
    rows: tuple[tuple, ...]
    links: tuple[tuple[str, str] | None, ...] = ()   # per row: (sheet, cell) the row points to
    widths: tuple[float, ...] = ()


class EditSet:
    """What one command writes: cell edits, whole result sheets, and sheets to remove (filled in as it goes)."""

    def __init__(self, edits: list[Edit] | None = None, sheets: list[ResultSheet] | None = None,
                 remove_sheets: list[str] | None = None) -> None:
        self.edits: list[Edit] = [] if edits is None else edits
        self.sheets: list[ResultSheet] = [] if sheets is None else sheets
        self.remove_sheets: list[str] = [] if remove_sheets is None else remove_sheets

    def __repr__(self) -> str:
        return f"EditSet({len(self.edits)} edits, {len(self.sheets)} sheets, remove {self.remove_sheets})"

    def __len__(self) -> int:
        return len(self.edits) + len(self.sheets)


def apply_to_grids(grids, edits: EditSet) -> None:
    """Apply value edits to in-memory grids (what a test checks the end state on)."""
    from xltools.text import parse_ref

    for e in edits.edits:
        if not e.sets_value:
            continue
        r, c = parse_ref(e.cell)
        grid = grids.sheets[e.sheet]
        while len(grid) <= r:
            grid.append([])
        row = grid[r]
        while len(row) <= c:
            row.append(None)
        row[c] = e.value
    for name in edits.remove_sheets:
        grids.sheets.pop(name, None)
    for rs in edits.sheets:
        grids.sheets[rs.name] = [list(rs.header)] + [list(r) for r in rs.rows]
