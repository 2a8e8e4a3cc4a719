"""填充科目名称: pull names from the catalogue into a workbook, and refresh the templates' code dropdowns.

    edits, findings = fill_codes(book)          # the core the Excel button calls (Book or Grids in)
    edits = refresh_code_lists(grids)            # rewrite the `_lists` columns headed codes_<kind>
    result = fill_codes_file("in.xlsx", "out.xlsx", refresh_lists=True)   # read → fill → write once

For every coded row of every table the code is read as the parser normalised it (2010301.0, spaces, full-width
digits, 类|款|项 split columns all give 2010301). An EMPTY 科目名称 is filled with the catalogue name of the
book's 预算年度; a typed name is never overwritten (a difference is a C004/C005 finding). A code cell holding a
dropdown choice ("2010301 行政运行") is reduced to the code. The findings are the C family (xltools.rules.codes).

The file path reads once through calamine (xltools.io.readers.read_grids) and writes once: through the package
patcher xltools.io.patch.apply_edits (which keeps form-control buttons and shapes; openpyxl would drop them).
A workbook with nothing to change is copied as it is.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from xltools.edits import Edit, EditSet
from xltools.findings import Finding
from xltools.io.readers import Grids
from xltools.model import Book

LISTS_SHEET = "_lists"           # the template's hidden sheet of dropdown lists (xltools.template.LISTS_SHEET)
STRUCTURE_CODES = ("S001", "S002")  # parse findings that explain why a table was not filled


def _book(source: Book | Grids) -> Book:
    if isinstance(source, Book):
        return source
    from xltools.parse import parse_book

    return parse_book(source)[0]


def _fill(book: Book):
    from xltools.rules.codes import analyse

    result = analyse(book)
    split = {(f.sheet, f.cell) for f in result.fills if f.what == "code"}
    coded = {(f.sheet, f.cell) for f in result.fills if f.what == "code_by_name"}
    # C013 (a dropdown choice in the code cell) and C009 (no code, but the name is one catalogue entry's) are
    # resolved by the edits themselves
    findings = [f for f in result.findings if not (f.code == "C013" and (f.sheet, f.cell) in split
                                                   or f.code == "C009" and (f.sheet, f.cell) in coded)]
    return result.fills, findings


def fill_codes(book: Book | Grids) -> tuple[EditSet, list[Finding]]:
    """The names to fill (one Edit per empty 科目名称 cell, plus one per dropdown code cell reduced to its code)
    and the C findings of the book as it will be once those edits are applied."""
    fills, findings = _fill(_book(book))
    return EditSet([Edit(f.sheet, f.cell, f.value) for f in fills]), findings


def _year_of(grids: Grids) -> int | None:
    from xltools.parse import parse_book

    return parse_book(grids)[0].year


def refresh_code_lists(grids: Grids, year: int | None = None, book: Book | None = None) -> EditSet:
    """Rewrite every `_lists` column headed codes_<kind> with the catalogue in force for `year` (default: the
    预算年度 of `book`, or of the workbook parsed from `grids`), one Edit per cell that changes; cells below a
    shorter new list are emptied. A workbook without the `_lists` sheet or without code lists gives an empty
    EditSet."""
    from xltools.codes.dropdown import LIST_HEADER_PREFIX, catalogue_list
    from xltools.text import cell_ref, cell_text

    grid = grids.sheets.get(LISTS_SHEET)
    out = EditSet()
    if not grid:
        return out
    header = grid[0]
    columns = [(c, str(h)[len(LIST_HEADER_PREFIX):]) for c, h in enumerate(header)
               if isinstance(h, str) and h.startswith(LIST_HEADER_PREFIX)]
    if not columns:
        return out
    if year is None:
        year = book.year if book is not None else _year_of(grids)
    for c, kind in columns:
        values = catalogue_list(kind, year)
        if not values:
            continue  # a kind the catalogue does not know: leave the column as it is
        old = [cell_text(row[c]) if c < len(row) and row[c] is not None else "" for row in grid[1:]]
        for i in range(max(len(values), len(old))):
            new = values[i] if i < len(values) else None
            cur = old[i] if i < len(old) else ""
            if (new or "") != cur:
                out.edits.append(Edit(LISTS_SHEET, cell_ref(i + 1, c), new))
    return out


def _writer():
    """The file writer: the package patcher (keeps buttons, shapes and everything else byte for byte, and loads
    no openpyxl)."""
    from xltools.io.patch import apply_edits

    return apply_edits


@dataclass
class FillResult:
    source: Path
    output: Path | None                  # None when nothing was written (--in-place with nothing to change)
    filled: list[Edit] = field(default_factory=list)       # 科目名称 cells filled
    split: list[Edit] = field(default_factory=list)        # code cells reduced from "code name" to the code
    coded: list[Edit] = field(default_factory=list)        # empty code cells given the code of the row's name
    lists: list[Edit] = field(default_factory=list)        # `_lists` cells rewritten
    findings: list[Finding] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.filled or self.split or self.coded or self.lists)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]


def fill_codes_file(src: str | Path, dst: str | Path | None = None, *, backup: bool = False,
                    refresh_lists: bool = False, engine: str = "calamine") -> FillResult:
    """Read `src` once (calamine), fill, and write `dst` once (default: in place). With nothing to change, `dst`
    is a plain copy of `src` (and an in-place run writes nothing)."""
    from xltools.io.readers import read_grids
    from xltools.io.writers import atomic_write
    from xltools.parse import parse_book

    src = Path(src)
    dst = Path(dst) if dst is not None else src
    grids = read_grids(src, engine)
    book, parse_findings = parse_book(grids)
    fills, findings = _fill(book)
    result = FillResult(src, None, findings=[f for f in parse_findings if f.code in STRUCTURE_CODES] + findings)
    editset = EditSet()
    for f in fills:
        e = Edit(f.sheet, f.cell, f.value)
        {"code": result.split, "code_by_name": result.coded}.get(f.what, result.filled).append(e)
        editset.edits.append(e)
    if refresh_lists:
        lists = refresh_code_lists(grids, book.year)
        result.lists = list(lists.edits)
        editset.edits.extend(lists.edits)
    same = dst.resolve() == src.resolve() if dst.exists() else False
    if editset.edits:
        result.output = _writer()(src, editset, dst, backup=backup)
    elif not same:
        result.output = atomic_write(dst, lambda tmp: shutil.copyfile(src, tmp))
    return result
