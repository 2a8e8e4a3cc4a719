"""The xlwings adapter: grids from an `xw.Book`, edits back onto it, and a message box.

Works on any xlwings engine the buttons meet — the desktop Book (COM / AppleScript) and the Book that
xlwings Lite / Server build from the Office.js payload — through the public xlwings API only. Nothing here
imports xlwings: the book object is handed in.

Cell addresses line up with the sheet: each sheet is read from A1 to the last cell of its used range (a used
range can start at C5; reading it alone would shift every address). Merged ranges are not part of what
xlwings reads (the Office.js payload has none), so the header merges the parser relies on are inferred from
the declared header labels (`infer_header_merges`); a test proves the parse equals the file reader's.
"""
from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from xltools.edits import MARK_FILLS, EditSet, ResultSheet
from xltools.io.readers import Grid, Grids, MergedRange

TITLE = "预算工具"
HEADER_SCAN_ROWS = 40
RESULT_HEADER_FILL = "#D9E1F2"


# ------------------------------------------------------------------------------------------ reading

def read_grids(book, sheets: list[str] | None = None) -> Grids:
    """Every worksheet's values from A1, the hidden sheets, and inferred header merges."""
    out: dict[str, Grid] = {}
    hidden: set[str] = set()
    for sheet in book.sheets:
        name = sheet.name
        if sheets is not None and name not in sheets:
            continue
        if not sheet.visible:
            hidden.add(name)
        out[name] = read_sheet(sheet)
    merged = infer_header_merges(out)
    return Grids(out, merged, hidden, _fullname(book))


def read_sheet(sheet) -> Grid:
    used = sheet.used_range
    last = used.last_cell
    nrows, ncols = last.row, last.column
    if nrows == 1 and ncols == 1 and used.value is None:
        return []
    values = sheet.range((1, 1), (nrows, ncols)).options(ndim=2).value
    return [[_clean(v) for v in row] for row in values]


def _clean(v: object) -> object:
    """Empty cells are None (Office.js sends ''); numbers, text, booleans and datetimes stay as they are,
    as the file readers give them."""
    return None if v is None or v == "" else v


def _fullname(book) -> str:
    try:
        return str(book.fullname)
    except Exception:  # an engine without a path (Office.js gives the name only)
        return str(book.name)


# ------------------------------------------------------------------------------------------ merges

@lru_cache(maxsize=1)
def _header_labels() -> tuple[frozenset[str], tuple[str, ...]]:
    """label_key of every declared column label and group text (and the suffixes of year-templated groups)."""
    from xltools.families import families
    from xltools.text import label_key

    labels: set[str] = set()
    suffixes: set[str] = set()
    for fam in families().values():
        for sd in fam.sheets:
            cols = [c for t in sd.tables for c in t.columns]
            if sd.indicators:
                cols += list(sd.indicators.columns)
            for c in cols:
                labels.update(label_key(x).lstrip("*") for x in c.labels)
                if c.group:
                    if "{year}" in c.group:
                        suffixes.add(label_key(c.group.split("}", 1)[1]))
                    else:
                        labels.add(label_key(c.group))
    return frozenset(x for x in labels if x), tuple(sorted(x for x in suffixes if x))


def _is_label(v: object) -> bool:
    if not isinstance(v, str):
        return False
    from xltools.text import label_key

    labels, suffixes = _header_labels()
    k = label_key(v).lstrip("*")
    return k in labels or any(k.endswith(s) and re.search(r"\d{4}", k) for s in suffixes)


def infer_header_merges(sheets: dict[str, Grid]) -> dict[str, list[MergedRange]]:
    """The merged cells of each header band, as the official templates lay them out.

    A header band is a run of rows (in the first 40) holding two or more declared header labels. Inside a
    band, a label with nothing below it spans down to the band's last row (合计 over two header lines), and a
    group label with empty cells to its right, above cells that have labels, spans across them (科目 over
    科目编码 | 科目名称). Data rows are never touched.
    """
    out: dict[str, list[MergedRange]] = {}
    for name, grid in sheets.items():
        ranges: list[MergedRange] = []
        rows = min(len(grid), HEADER_SCAN_ROWS)
        is_header = [sum(1 for v in grid[r] if _is_label(v)) >= 2 for r in range(rows)]
        r = 0
        while r < rows:
            if not is_header[r]:
                r += 1
                continue
            r1 = r
            while r1 + 1 < rows and is_header[r1 + 1]:
                r1 += 1
            ranges += _band_merges(grid, r, r1)
            r = r1 + 1
        out[name] = ranges
    return out


def _band_merges(grid: Grid, r0: int, r1: int) -> list[MergedRange]:
    def val(r: int, c: int) -> object:
        row = grid[r]
        v = row[c] if c < len(row) else None
        return None if (v is None or (isinstance(v, str) and not v.strip())) else v

    width = max(len(grid[r]) for r in range(r0, r1 + 1))
    out: list[MergedRange] = []
    covered: set[tuple[int, int]] = set()
    for r in range(r0, r1):
        for c in range(width):
            if val(r, c) is None or (r, c) in covered:
                continue
            # across: empty cells to the right whose cells below carry labels
            c1 = c
            while c1 + 1 < width and val(r, c1 + 1) is None and val(r + 1, c1 + 1) is not None:
                c1 += 1
            if c1 > c and val(r + 1, c) is not None:
                out.append((r, c, r, c1))
                covered.update((r, x) for x in range(c, c1 + 1))
                continue
            # down: nothing below it inside the band
            if all(val(rr, c) is None for rr in range(r + 1, r1 + 1)):
                out.append((r, c, r1, c))
                covered.update((rr, c) for rr in range(r, r1 + 1))
    return out


# ------------------------------------------------------------------------------------------ writing

def _xl_value(v: object) -> object:
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() and v.as_tuple().exponent >= 0 else float(v)
    return v


def apply_edits(book, edits: EditSet) -> dict[str, int]:
    """Apply an EditSet to the book: values, marks (fills), notes, whole result sheets. Returns counts."""
    counts = {"values": 0, "marks": 0, "cleared": 0, "notes": 0, "sheets": 0}
    names = {s.name for s in book.sheets}
    for name in edits.remove_sheets:
        if name in names:
            book.sheets[name].delete()
            names.discard(name)
    sheets: dict[str, object] = {}
    for e in edits.edits:
        if e.sheet not in names:
            continue
        sheet = sheets.get(e.sheet) or sheets.setdefault(e.sheet, book.sheets[e.sheet])
        rng = sheet.range(e.cell)
        if e.sets_value:
            rng.value = _xl_value(e.value)
            counts["values"] += 1
        if e.mark == "clear":
            rng.color = None
            counts["cleared"] += 1
        elif e.mark:
            rng.color = "#" + MARK_FILLS[e.mark]
            counts["marks"] += 1
        if e.note is not None:
            _set_note(rng, e.note)
            counts["notes"] += 1
    for rs in edits.sheets:
        write_result_sheet(book, rs)
        counts["sheets"] += 1
    return counts


def _set_note(rng, text: str) -> None:
    try:
        note = rng.note
    except NotImplementedError:
        note = None
    if text == "":
        if note is not None:
            note.delete()
        return
    if note is not None:
        note.text = text
    else:
        rng.add_note(text)


def hyperlink_formula(sheet: str, cell: str, text: object) -> str:
    """=HYPERLINK("#'sheet'!C12","text"): a link inside the workbook that works alike in Excel on Windows and
    Mac, Excel on the web (Office.js), WPS and LibreOffice."""
    target = "#'" + sheet.replace("'", "''") + "'!" + (cell or "A1")
    label = "" if text is None else str(text)
    return '=HYPERLINK("{}","{}")'.format(target.replace('"', '""'), label.replace('"', '""'))


def write_result_sheet(book, rs: ResultSheet) -> None:
    """Replace the tool's own sheet (校验结果) as a whole: header, rows, links back to each cell."""
    from xltools.text import col_letter

    if rs.name in {s.name for s in book.sheets}:
        book.sheets[rs.name].delete()
    first = book.sheets[0]
    ws = book.sheets.add(rs.name, before=first)
    rows = [list(rs.header)] + [[_xl_value(v) for v in r] for r in rs.rows]
    for i, link in enumerate(rs.links):
        if link and i + 1 < len(rows) and rows[i + 1]:
            rows[i + 1][0] = hyperlink_formula(link[0], link[1], rows[i + 1][0])
    width = max(len(r) for r in rows)
    rows = [r + [None] * (width - len(r)) for r in rows]
    ws.range("A1").value = rows
    ws.range((1, 1), (1, width)).color = RESULT_HEADER_FILL
    for i, w in enumerate(rs.widths, start=1):
        ws.range(f"{col_letter(i - 1)}1").column_width = w
    ws.activate()


# ------------------------------------------------------------------------------------------ telling

def alert(book, message: str, *, error: bool = False) -> None:
    """A message box: `App.alert` (MsgBox on the desktop, the add-in's dialog in Excel on the web)."""
    book.app.alert(message, title=TITLE, buttons="ok", mode="critical" if error else "info")
