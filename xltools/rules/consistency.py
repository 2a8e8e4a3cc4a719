"""X family, workbook-wide consistency: one year and one unit everywhere, no template placeholders left.

What the model carries is checked: the 单位信息 year and unit against the ones the template was issued with
(the `_xltools` record), the prior year, the project periods, and every text a person typed (forms, row labels,
indicators). Sheet titles and header bands ("2021年预算数") come as `Book.texts` ((sheet, cell, text)) and are checked for the
year too.
"""
from __future__ import annotations

from collections.abc import Iterator

from xltools.families import get_family
from xltools.lazyre import lazy
from xltools.model import Book
from xltools.rules import rule
from xltools.rules.registry import check
from xltools.text import halfwidth

# compiled on first use (xltools.lazyre): importing the rules must stay cheap
_YEAR = lazy(r"((?:19|20)\d{2})\s*年")
_YEAR_IN_TEXT = lazy(r"((?:19|20)\d{2})(?:\s*年|[.\-/])")
_YEAR_ALONE = lazy(r"\s*((?:19|20)\d{2})\s*")
PLACEHOLDER = lazy(r"(?<![A-Za-z])[Xx]{2,}(?![A-Za-z])|[×✕╳]{2,}|[○〇□]{2,}|待填写|请填写|待补充|此处填写|\(填写[^)]*\)")   # matched in halfwidth(text): （） are () here
# Every match of PLACEHOLDER in halfwidth(text) holds one of these characters of the text (Ｘ ｘ become X x):
# a text without any is skipped before halfwidth() and PLACEHOLDER run (most texts are plain labels; one
# search for a character class is far cheaper than both).
_PLACEHOLDER_HINT = lazy("[XxＸｘ×✕╳○〇□填补]")


def _info(book: Book):
    fam = get_family(book.family)
    return book.forms.get(fam.info_sheet)


@check("year_unit")
def year_unit(book: Book):
    """X020 one budget year everywhere; X021 one unit."""
    info = _info(book)
    if info is None:
        return
    year = info.get("year")
    meta_year = str(book.meta.get("year", "")).strip()
    if isinstance(year, int) and meta_year.isdigit() and int(meta_year) != year:
        yield rule("X020").finding(info.sheet, info.cell("year"), expected=year, actual=int(meta_year),
                                   where="模板（下发时的预算年度）", exp=year, act=meta_year)
    prior = info.get("prior_year")
    if isinstance(year, int) and isinstance(prior, int) and prior != year - 1:
        yield rule("X020").finding(info.sheet, info.cell("prior_year"), expected=year - 1, actual=prior,
                                   where="“上年度”", exp=year - 1, act=prior)
    if isinstance(year, int):
        for p in book.projects:
            start, end = _first_year(p.form.get("start")), _first_year(p.form.get("end"))
            if start is not None and start > year:
                yield rule("X020").finding(p.sheet, p.form.cell("start"), expected=year, actual=start,
                                           severity="warning", where=f"{p.sheet}“项目起始时间”", exp=year, act=start)
            if end is not None and end < year:
                yield rule("X020").finding(p.sheet, p.form.cell("end"), expected=year, actual=end,
                                           severity="warning", where=f"{p.sheet}“项目终止时间”", exp=year, act=end)
        for sheet, cell, text in book.texts:
            if "年" not in str(text):           # every _YEAR match ends in 年: skip the rest cheaply
                continue
            for m in _YEAR.finditer(halfwidth(str(text))):
                y = int(m.group(1))
                if y != year and (y != year - 1 or "上年" not in text):
                    yield rule("X020").finding(sheet, cell, expected=year, actual=y, where=f"“{text}”",
                                               exp=year, act=y)
                    break
    unit = info.get("unit")
    meta_unit = str(book.meta.get("unit", "")).strip()
    if unit and meta_unit and meta_unit != unit:
        yield rule("X021").finding(info.sheet, info.cell("unit"), expected=unit, actual=meta_unit,
                                   where="模板（下发时的金额单位）", exp=unit, act=meta_unit)
    # a sheet's own "单位：元" line against 单位信息 is S004, reported by the parser where it reads that line


def _first_year(v: object) -> int | None:
    if v in (None, ""):
        return None
    s = halfwidth(str(v))
    m = _YEAR_IN_TEXT.search(s) or _YEAR_ALONE.fullmatch(s)
    return int(m.group(1)) if m else None


def _texts(book: Book, want=None) -> Iterator[tuple[str, str, str, str]]:
    """(sheet, cell, label, text) of every text a person typed that the model keeps; with `want` (a test on
    the text), only those it accepts — the others are passed over before anything is made of them."""
    for form in book.forms.values():
        for fv in form.fields.values():
            v = fv.value
            if isinstance(v, str) and fv.cell and (want is None or want(v)):
                yield form.sheet, fv.cell, fv.label, v
    for p in book.projects:
        for fv in p.form.fields.values():
            v = fv.value
            if isinstance(v, str) and fv.cell and (want is None or want(v)):
                yield p.sheet, fv.cell, fv.label, v
    for table in book.tables.values():
        for ln in table.lines:
            label = ln.label
            if not label or (want is not None and not want(label)):
                continue
            cells = ln.cells
            cell = cells.get("name") or next((c for k, c in cells.items() if k in ("item", "label")), "")
            if cell:
                yield table.sheet, cell, label, label
    indicator_tables = list(book.indicators.values()) + [p.indicators for p in book.projects]
    for it in indicator_tables:
        for ind in it.rows:
            for key in ("name", "value", "content", "scoring", "source"):
                text = getattr(ind, key, "")
                if text and ind.cells.get(key) and (want is None or want(text)):
                    yield it.sheet, ind.cells[key], text[:20], text
    for sheet, cell, text in book.texts:
        text = str(text)
        if want is None or want(text):
            yield sheet, cell, text[:20], text


@check("placeholders")
def placeholders(book: Book):
    """X022: template placeholders (XX, ××, 待填写 …) left in text."""
    seen: set[tuple[str, str]] = set()
    for sheet, cell, label, text in _texts(book, want=_PLACEHOLDER_HINT.search):
        m = PLACEHOLDER.search(halfwidth(text))
        if m is None or (sheet, cell) in seen:
            continue
        seen.add((sheet, cell))
        shown = text if len(text) <= 40 else text[:40] + "…"
        yield rule("X022").finding(sheet, cell, actual=text, label=label, token=m.group(0), text=shown)
