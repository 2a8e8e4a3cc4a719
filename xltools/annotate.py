"""Findings → edits that mark a workbook: the offending cells filled (red error, yellow warning), a cell note
with the message, and a 校验结果 sheet with one hyperlinked row per finding (位置 / 代码 / 级别 / 说明).

Marks are the tool's own cells, so a new run replaces them: the cells the tool marked are recorded in the
hidden `_xltools` sheet (rows `mark:<sheet>!<cell>` | level) and listed in the 校验结果 sheet; cells marked
before and not marked now get their fill and the tool's note removed (a note written by a person stays).
Findings a person accepted in 审核说明 (已说明) are listed, not filled.

`annotate()` is pure (report in, EditSet out); `annotate_file()` reads the earlier marks from the file and
writes through the file writer.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from xltools.edits import Edit, EditSet, ResultSheet
from xltools.findings import SEVERITY_ZH, Finding, Report

RESULT_SHEET = "校验结果"
HEADER = ("位置", "代码", "级别", "说明")
WIDTHS = (34, 8, 12, 100)
MARK_PREFIX = "mark:"
_RANK = {"error": 0, "warning": 1, "info": 2}
_REF = re.compile(r"\$?[A-Z]{1,3}\$?[0-9]{1,7}")


def place(f: Finding) -> str:
    return f"{f.sheet}!{f.cell}" if f.cell else f.sheet


def split_place(text: object) -> tuple[str, str] | None:
    """'部门支出总表!D5' → ('部门支出总表', 'D5'); None for anything that is not sheet!cell."""
    s = str(text or "").strip()
    sheet, sep, cell = s.rpartition("!")
    cell = cell.replace("$", "")
    if not sep or not sheet or not _REF.fullmatch(cell):
        return None
    return sheet.strip("'"), cell


def _safe(text: str) -> str:
    from xltools.template import escape_text

    return escape_text(text)


def _level(f: Finding) -> str:
    return SEVERITY_ZH.get(f.severity, f.severity) + ("（已说明）" if f.explained else "")


def annotate(report: Report | Iterable[Finding], *, previous: Iterable[tuple[str, str]] = (),
             meta: list[list] | None = None, sheets: Iterable[str] | None = None) -> EditSet:
    """The edits that mark `report` on its workbook.

    previous: cells marked by an earlier run (cleared unless marked again); meta: the rows of the `_xltools`
    sheet (the mark record is rewritten there; None when the workbook has none); sheets: the workbook's sheet
    names (marks and links only go to sheets that exist)."""
    from xltools.parse import META_SHEET

    findings = list(report.findings if isinstance(report, Report) else report)
    names = set(sheets) if sheets is not None else None
    marks: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        if not _REF.fullmatch(f.cell or "") or f.explained or (names is not None and f.sheet not in names):
            continue
        marks.setdefault((f.sheet, f.cell), []).append(f)
    es = EditSet()
    for (sheet, cell), fs in marks.items():
        fs.sort(key=lambda f: _RANK.get(f.severity, 3))
        note = "\n".join(f"[{f.code} {SEVERITY_ZH.get(f.severity, f.severity)}] {f.message}" for f in fs)
        es.edits.append(Edit(sheet, cell, mark=fs[0].severity, note=note))
    for key in dict.fromkeys(previous):
        if key in marks or (names is not None and key[0] not in names):
            continue
        es.edits.append(Edit(key[0], key[1], mark="clear", note=""))
    if meta is not None:
        es.edits.extend(_record(meta, {k: fs[0].severity for k, fs in marks.items()}, META_SHEET))
    rows, links = [], []
    for f in findings:
        rows.append((_safe(place(f)), f.code, _level(f),
                     _safe(f.message + (f"（已说明：{f.explained}）" if f.explained else ""))))
        ref = f.cell if _REF.fullmatch(f.cell or "") else "A1"
        links.append((f.sheet, ref) if names is None or f.sheet in names else None)
    if not rows:
        rows.append(("", "", "", "未发现问题。"))
        links.append(None)
    es.sheets.append(ResultSheet(RESULT_SHEET, HEADER, tuple(rows), tuple(links), WIDTHS))
    return es


def _record(meta: list[list], marks: dict[tuple[str, str], str], sheet: str) -> list[Edit]:
    """Rewrite the mark rows of the `_xltools` sheet: other rows stay where they are; mark rows go into the
    rows that held marks before, then below the last row; rows left over are emptied."""
    def key(row) -> str:
        return str(row[0]) if row and row[0] is not None else ""

    slots = [i for i, row in enumerate(meta) if key(row).startswith(MARK_PREFIX)]
    last = max((i for i, row in enumerate(meta) if key(row)), default=-1)
    wanted = [(f"{MARK_PREFIX}{s}!{c}", sev) for (s, c), sev in marks.items()]
    edits = []
    nxt = last + 1
    for i, (k, sev) in enumerate(wanted):
        if i < len(slots):
            r = slots[i]
        else:
            r, nxt = nxt, nxt + 1
        old = meta[r] if r < len(meta) else []
        if key(old) != k or (old[1] if len(old) > 1 else None) != sev:
            edits += [Edit(sheet, f"A{r + 1}", value=k), Edit(sheet, f"B{r + 1}", value=sev)]
    for r in slots[len(wanted):]:
        edits += [Edit(sheet, f"A{r + 1}", value=None), Edit(sheet, f"B{r + 1}", value=None)]
    return edits


def previous_marks(grids) -> list[tuple[str, str]]:
    """Cells an earlier run marked: the `_xltools` record and the 位置 column of the 校验结果 sheet."""
    from xltools.parse import META_SHEET

    out: list[tuple[str, str]] = []
    if META_SHEET in grids:
        for row in grids[META_SHEET]:
            if row and isinstance(row[0], str) and row[0].startswith(MARK_PREFIX):
                p = split_place(row[0][len(MARK_PREFIX):])
                if p:
                    out.append(p)
    if RESULT_SHEET in grids:
        for row in grids[RESULT_SHEET][1:]:
            p = split_place(row[0] if row else None)
            if p:
                out.append(p)
    return list(dict.fromkeys(out))


def annotate_file(src: str | Path, report: Report, dst: str | Path) -> Path:
    """Write a copy of src to dst with report marked (earlier marks of the tool replaced)."""
    from xltools.io.patch import apply_edits
    from xltools.io.readers import read_grids
    grids = read_grids(src)
    names = [n for n in grids.names if n != RESULT_SHEET]
    # the patcher records each mark (with the cell's original style) in `_xltools` itself and restores the
    # template's fill when a mark is cleared, so no mark rows are written here
    es = annotate(report, previous=previous_marks(grids), meta=None, sheets=names)
    return apply_edits(src, es, dst)
