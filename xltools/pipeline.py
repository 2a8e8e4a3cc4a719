"""The core behind every command and button: read → parse → rules → report. No file is written here."""
from __future__ import annotations

import gc
from pathlib import Path

from xltools.findings import Finding, Report
from xltools.io.readers import Grids, read_grids
from xltools.model import Book
from xltools.parse import LISTS_SHEET, parse_book
from xltools.record import replace


NOT_CHECKED = (LISTS_SHEET,)   # sheets check does not read (their names are still listed)


def apply_explanations(book: Book, findings: list[Finding]) -> list[Finding]:
    """Soft findings a person accepted in the 审核说明 sheet become 已说明; errors can never be explained away."""
    if not book.explanations:
        return findings
    accepted = {}
    for e in book.explanations:
        accepted[(e.code, e.sheet, e.cell)] = e.reason
        accepted.setdefault((e.code, e.sheet, ""), e.reason)   # a whole sheet
    out = []
    for f in findings:
        reason = accepted.get((f.code, f.sheet, f.cell)) or accepted.get((f.code, f.sheet, ""))
        out.append(replace(f, explained=reason) if reason and f.severity != "error" else f)
    return out


def rounding_units(book: Book) -> int:
    """A consolidated book (xltools batch consolidate) sums N departments, each within its own 尾差."""
    n = str(book.meta.get("consolidated_units") or "1")
    return int(n) if book.meta.get("kind") == "consolidated" and n.isdigit() and int(n) > 0 else 1


def with_totals(grids: Grids) -> tuple[Book, list[Finding], list[Finding]]:
    """The book as read, with every tool-owned cell that is still empty (a 小计/合计 column, a 类/款 or total row,
    a summary table that follows from the details — see xltools.subtotals) computed in memory as recalc would
    write it. A person fills the details first and clicks 重算合计 last, so an empty computed cell is work in
    progress, not a 0: checks and the narrative see the totals the details give, and one T006 per sheet says
    how many cells recalc has yet to write. A computed cell that holds a figure is never replaced here (a wrong
    one stays a finding). Returns (book, parse findings, T006 findings); nothing is written."""
    book, findings = parse_book(grids)
    pending = _pending_totals(grids, book)
    if not pending:
        return book, findings, []
    from xltools.edits import EditSet, apply_to_grids
    from xltools.rules import rule

    filled = grids.copy()
    apply_to_grids(filled, EditSet(pending))
    book, findings = parse_book(filled)
    per_sheet: dict[str, list[str]] = {}
    for e in pending:
        per_sheet.setdefault(e.sheet, []).append(e.cell)
    notes = [rule("T006").finding(sheet, cells[0], count=len(cells)) for sheet, cells in per_sheet.items()]
    return book, findings, notes


def _pending_totals(grids: Grids, book: Book) -> list:
    """recalc's edits that would fill an empty cell with a figure (or a summary row's code and name)."""
    from xltools.subtotals import recompute_grids

    _, edits = recompute_grids(grids, book, only_empty=True)
    return [e for e in edits.edits if e.sets_value and e.value not in (None, "") and e.sheet in grids
            and grids.value(e.sheet, e.cell) in (None, "")]


def check_grids(grids: Grids) -> tuple[Book, Report]:
    # A check makes tens of thousands of objects (the model, the findings, the caches of the first use) and
    # drops none in reference cycles: the cyclic garbage collector, run every 700 of them, would only walk them
    # again and again (~2 % of a check). It is paused for the check and resumed after, as timeit does.
    paused = gc.isenabled()
    gc.disable()
    try:
        return _check(grids)
    finally:
        if paused:
            gc.enable()


def _check(grids: Grids) -> tuple[Book, Report]:
    from xltools.rules.registry import run_checks
    from xltools.subtotals import ROUNDING_UNITS

    book, findings, pending = with_totals(grids)
    findings = findings + pending
    token = ROUNDING_UNITS.set(rounding_units(book))
    try:
        findings = findings + run_checks(book)
    finally:
        ROUNDING_UNITS.reset(token)
    if book.meta.get("kind") == "consolidated":
        findings = for_consolidated(findings)
    return book, Report(apply_explanations(book, findings), grids.source)


def for_consolidated(findings: list[Finding]) -> list[Finding]:
    """A 汇总 book has no department of its own: rules about one department's inputs do not apply to it."""
    from xltools.rules import rule

    return [f for f in findings if rule(f.code).consolidated]


def check_file(path: str | Path, engine: str = "calamine") -> tuple[Book, Report]:
    return check_grids(read_grids(path, engine, skip=NOT_CHECKED))
