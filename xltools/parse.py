"""Parse grids into the model, finding every table by its sheet title and header labels — never by fixed
coordinates. Tolerates inserted and blank rows, merged header cells, codes typed as numbers or split into
类|款|项 columns, full-width digits and symbols, amounts typed as text with thousands separators.

`parse_book(grids)` returns the Book and the structure findings (S family) met on the way.
"""
from __future__ import annotations

from decimal import Decimal
from functools import lru_cache, wraps

from xltools.families import Column, Family, Field, IndicatorDecl, SheetDecl, TableDecl, families, get_family
from xltools.findings import Finding
from xltools.io.readers import Grid, Grids, MergedRange
from xltools.lazyre import lazy
from xltools.model import Book, Explanation, FieldValue, Form, Indicator, IndicatorTable, Line, Project, Table
from xltools.rules import rule
from xltools.text import NotAnAmount, cell_ref, cell_text, col_letter, label_key, parse_amount

META_SHEET = "_xltools"
LISTS_SHEET = "_lists"       # the template's hidden dropdown lists (xltools.template.LISTS_SHEET): tool-owned, not checked
EXPLAIN_SHEET = "审核说明"   # people accept a warning here: 代码 | 位置 | 说明
HEADER_SCAN_ROWS = 40
_UNIT_RE = lazy(r"单位[:：]\s*(万元|千元|元)")
_NOTE_PREFIX = ("备注", "注:", "注：", "说明:", "说明：", "填表说明")
_NOTE_KEYS = tuple(label_key(p) for p in _NOTE_PREFIX)
_PARENTHESISED = lazy(r"\(.*?\)")
_SHEET_NUMBERING = lazy(r"^(?:附件|附表|表)?[0-9一二三四五六七八九十]+(?:[-_.、:：)）]|$)*")
PLACEHOLDERS = {"空", "无"}


# ----------------------------------------------------------------------------------------------- label keys
# Every parse compares cell keys with the declared labels' keys many times over (each header row against every
# column). The declared side never changes, so what is derived from a declaration (its label keys, find_header's
# lookups) is computed once per declaration object and kept, not recomputed on every parse.

def _per_object(make):
    """Cache make(obj) by the object's identity. Declarations are built once per family load and asked the
    same questions on every parse; an identity lookup also spares hashing a whole (frozen) declaration. The
    object is kept beside its value, so its id cannot be reused while cached; past 4096 entries the cache
    starts afresh (new declaration objects come only from loading families again)."""
    cache: dict[int, tuple[object, object]] = {}

    @wraps(make)
    def get(obj):
        hit = cache.get(id(obj))
        if hit is None or hit[0] is not obj:
            if len(cache) >= 4096:
                cache.clear()
            hit = cache[id(obj)] = (obj, make(obj))
        return hit[1]

    return get


@lru_cache(maxsize=1 << 16)
def _text_key(s: str) -> str:
    """The key of a typed text cell: label_key without the leading * that marks a required field."""
    return label_key(s).lstrip("*")


def _cell_key(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return _text_key(v)
    if type(v) in (int, float):
        return str(v)   # what label_key gives: digits, sign, point, exponent, inf/nan — nothing to fold
    return label_key(v).lstrip("*")


@_per_object
def _label_keys(decl: Column | Field) -> tuple[str, ...]:
    """label_key of a column's or field's label and aliases, in order, without repeats."""
    if not decl.aliases:            # most declarations: one label
        return (label_key(decl.label),)
    return tuple(dict.fromkeys(label_key(lab) for lab in decl.labels))


@_per_object
def _header_index(columns: tuple[Column, ...]) -> tuple[dict[str, tuple[int, ...]], frozenset[str]]:
    """find_header's lookups: label key → the positions in `columns` of the columns it names, and every
    prefix and suffix of those keys. A row none of whose cells is such a fragment holds none of the labels,
    not even read together with the lines above it: a cell's key begins or ends that reading (_combined)."""
    by_key: dict[str, list[int]] = {}
    for i, col in enumerate(columns):
        for k in _label_keys(col):
            by_key.setdefault(k, []).append(i)
    fragments = frozenset(f for k in by_key for i in range(len(k)) for f in (k[:i + 1], k[i:]))
    return {k: tuple(v) for k, v in by_key.items()}, fragments


@_per_object
def _sheet_columns(decl: SheetDecl) -> tuple[Column, ...]:
    """The columns of all the sheet's tables (they share one header row), one tuple per declaration."""
    return tuple(c for t in decl.tables for c in t.columns)


@_per_object
def _name_keys(decl: SheetDecl) -> frozenset[str]:
    return frozenset(label_key(n) for n in decl.names)


@_per_object
def _title_keys(decl: SheetDecl) -> tuple[str, ...]:
    return tuple({label_key(t): None for t in (decl.title, *decl.names) if "{" not in t})


@lru_cache(maxsize=256)
def _sheet_name_keys(name: str) -> tuple[str, str]:
    """A sheet name's key, and that key without the numbering bureaus put before names (表1-, 附件2 …)."""
    k = label_key(name)
    return k, _SHEET_NUMBERING.sub("", k, count=1)


@lru_cache(maxsize=1024)
def _group_keys(group: str, year: int | None) -> tuple[str, str | None]:
    """A column group's key for the year, and for a {year} group the key of the text after {year} (a group
    label with another year typed still names the group)."""
    g = label_key(group.replace("{year}", str(year) if year else ""))
    return g, (label_key(group.split("}", 1)[1]) if "{year}" in group else None)


# ----------------------------------------------------------------------------------------------- sheets

def _combined(a: str, b: str, k: str) -> str:
    """A header label read over up to three lines (a above b above k): the non-empty keys joined top to
    bottom, each once (a label merged down over two lines counts once)."""
    if not a and not b:
        return k
    parts = [a] if a else []
    if b and b != a:
        parts.append(b)
    if k not in parts:
        parts.append(k)
    return "".join(parts)


def _blank(row: list[object]) -> bool:
    """Nothing in the row but empty cells and blank text."""
    for v in row:
        if v is not None and not (isinstance(v, str) and not v.strip()):
            return False
    return True


class SheetView:
    """One sheet's grid with merged values spread (for labels) beside the raw grid (for values).
    Cell keys are computed a row at a time, and only for the rows the parse looks at."""

    def __init__(self, name: str, grid: Grid, merged: list[MergedRange]) -> None:
        self.name = name
        self.grid = grid
        self.height = len(grid)
        self.width = max(map(len, grid), default=0)
        self.merged = merged
        self._key_rows: dict[int, list[str]] = {}
        self._row_keys: dict[int, dict[str, list[int]]] = {}
        self._positions: dict[str, tuple[int, int]] | None = None
        self._unbracketed: dict[str, tuple[int, int]] | None = None
        # merged continuation cells, by row: column → the top-left cell of their range
        self._owner: dict[int, dict[int, tuple[int, int]]] = {}
        self.merge_end: dict[tuple[int, int], int] = {}
        for r0, c0, r1, c1 in merged:
            r1 = min(r1, self.height - 1)
            c1 = min(c1, self.width - 1)
            if (r1 - r0 + 1) * (c1 - c0 + 1) > 100_000:  # a merged range over a whole sheet: spread nothing
                continue
            self.merge_end[(r0, c0)] = c1
            for r in range(r0, r1 + 1):
                cols = range(c0 + 1 if r == r0 else c0, c1 + 1)   # all but the top-left cell
                if cols:
                    row = self._owner.setdefault(r, {})
                    for c in cols:
                        row[c] = (r0, c0)

    def merged_owner(self, r: int) -> dict[int, tuple[int, int]]:
        """Row r's merged continuation cells: column → the top-left (row, column) of their range."""
        return self._owner.get(r, {})

    def raw(self, r: int, c: int) -> object:
        row = self.grid[r] if 0 <= r < self.height else ()
        return row[c] if 0 <= c < len(row) else None

    def value(self, r: int, c: int) -> object:
        """The value shown at (r, c): a merged cell shows its range's top-left value."""
        owners = self._owner.get(r)
        owner = owners.get(c) if owners else None
        return self.raw(*owner) if owner else self.raw(r, c)

    def text(self, r: int, c: int) -> str:
        return cell_text(self.value(r, c))

    def key_row(self, r: int) -> list[str]:
        """The label keys of row r's shown values, one per column ('' for an empty cell). Computed once."""
        ks = self._key_rows.get(r)
        if ks is None:
            row = self.grid[r] if 0 <= r < self.height else ()
            # _cell_key of each value, its common cases inline: text, empty, a number (whose key is its str)
            ks = [_text_key(v) if type(v) is str else "" if v is None else str(v) if type(v) is float
                  else _cell_key(v) for v in row]
            if len(ks) < self.width:
                ks += [""] * (self.width - len(ks))
            owners = self._owner.get(r)
            if owners:
                for c, (r0, c0) in owners.items():
                    ks[c] = _cell_key(self.raw(r0, c0))
            self._key_rows[r] = ks
        return ks

    def key(self, r: int, c: int) -> str:
        if 0 <= r < self.height and 0 <= c < self.width:
            return self.key_row(r)[c]
        return ""

    def row_keys(self, r: int) -> dict[str, list[int]]:
        """label key → columns of row r showing it, plus the two-level header forms (upper + lower label,
        e.g. 事业收入预算 + 非教育收费收入) read as one label. Computed once per row."""
        out = self._row_keys.get(r)
        if out is None:
            out = {}
            two_up = self.key_row(r - 2) if r >= 2 else None
            one_up = self.key_row(r - 1) if r >= 1 else None
            for c, k in enumerate(self.key_row(r)):
                if not k:
                    continue
                out.setdefault(k, []).append(c)
                combo = _combined(two_up[c] if two_up else "", one_up[c] if one_up else "", k)
                if combo != k:
                    out.setdefault(combo, []).append(c)
            self._row_keys[r] = out
        return out

    def label_positions(self) -> dict[str, tuple[int, int]]:
        """label key → its first cell (row by row), merged continuation cells left out. Computed once."""
        if self._positions is None:
            pos: dict[str, tuple[int, int]] = {}
            for r in range(self.height):
                owners = self._owner.get(r)
                for c, k in enumerate(self.key_row(r)):
                    if k and k not in pos and not (owners and c in owners):
                        pos[k] = (r, c)
            self._positions = pos
        return self._positions

    def unbracketed_positions(self) -> dict[str, tuple[int, int]]:
        """As label_positions, by the keys with their parenthesised parts taken out. Computed once."""
        if self._unbracketed is None:
            out: dict[str, tuple[int, int]] = {}
            for k, p in self.label_positions().items():
                out.setdefault(_PARENTHESISED.sub("", k) if "(" in k else k, p)
            self._unbracketed = out
        return self._unbracketed

    def is_merged_continuation(self, r: int, c: int) -> bool:
        return c in self._owner.get(r, ())

    def row_empty(self, r: int) -> bool:
        return _blank(self.grid[r] if r < self.height else ())

    def unit(self) -> str | None:
        for row in self.grid[:6]:
            for v in row:
                if isinstance(v, str):
                    m = _UNIT_RE.search(v.replace(" ", ""))
                    if m:
                        return m.group(1)
        return None


def _sheet_matches(name: str, decl: SheetDecl) -> bool:
    """By the sheet's name, also when numbered the way bureaus number them: 表1-部门收支总表, 附件2 …, 3.…"""
    keys = _name_keys(decl)
    return any(k in keys for k in _sheet_name_keys(name))


def _title_matches(view: SheetView, decl: SheetDecl) -> bool:
    keys = _title_keys(decl)
    for r in range(min(4, view.height)):
        for k in view.key_row(r)[:12]:
            if k and any(k.endswith(t) or (t in k and len(k) - len(t) < 60) for t in keys):
                return True
    return False


def read_meta(grids: Grids) -> dict[str, str]:
    if META_SHEET not in grids:
        return {}
    meta = {}
    for row in grids[META_SHEET]:
        if len(row) >= 2 and row[0] is not None:
            meta[str(row[0])] = cell_text(row[1])
    return meta


def detect_family(grids: Grids, meta: dict[str, str]) -> Family:
    if meta.get("family"):
        return get_family(meta["family"])
    best, score = None, -1
    for fam in families().values():
        s = sum(1 for d in fam.sheets if not d.repeat and any(_sheet_matches(n, d) for n in grids.names))
        if s > score:
            best, score = fam, s
    if score <= 0:
        # no sheet named as any family's: decide by content (indicator tables with 指标性质 → project family)
        for name in grids.names:
            flat = "".join(label_key(v) for row in grids[name][:40] for v in row[:12] if v is not None)
            if "指标性质" in flat and "度量单位" in flat:
                return get_family("project_perf")
        return get_family("dept_budget")
    return best


# ----------------------------------------------------------------------------------------------- forms

def _find_field(view: SheetView, f: Field) -> tuple[int, int] | None:
    """The first cell (row by row) showing one of the field's labels. A prefix field's label may carry a
    parenthesised part: 总体目标(2021年-2023年), 预算年度(2021年)目标."""
    places = [view.label_positions()]
    if f.prefix:
        places.append(view.unbracketed_positions())
    found = [where[k] for where in places for k in _label_keys(f) if k in where]
    return min(found) if found else None


_YEAR_WORD = lazy(r"(\S+?)\s*年度?")
_COUNT_WORD = lazy(r"(\S+?)\s*[人辆个名家台户项]")


def _convert(f: Field, raw: object, sheet: str, cell: str, findings: list[Finding]) -> object:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if f.type in ("int", "year"):
        number = raw
        if isinstance(raw, str):       # "2024年", "2024年度", "3辆", "45 人": the number a person wrote
            m = (_YEAR_WORD if f.type == "year" else _COUNT_WORD).fullmatch(raw.strip())
            if m:
                number = m[1]
        try:
            d = parse_amount(number)
        except NotAnAmount:
            d = None
        if d is None or d != d.to_integral_value():
            findings.append(rule("S007").finding(sheet, cell, actual=cell_text(raw), label=f.label,
                                                 kind="年份（四位数字）" if f.type == "year" else "整数"))
            return None
        return int(d)
    if f.type == "amount":
        try:
            return parse_amount(raw)
        except NotAnAmount:
            findings.append(rule("S007").finding(sheet, cell, actual=cell_text(raw), label=f.label, kind="数字金额"))
            return None
    return cell_text(raw)


def parse_form(view: SheetView, fields: tuple[Field, ...], findings: list[Finding],
               report_missing: bool = True) -> Form:
    out: dict[str, FieldValue] = {}
    for f in fields:
        pos = _find_field(view, f)
        if pos is None:
            if report_missing:
                findings.append(rule("S006").finding(view.name, "", label=f.label))
            out[f.key] = FieldValue(f.key, f.label, None)
            continue
        r, c = pos
        vc = view.merge_end.get((r, c), c) + 1
        raw = view.raw(r, vc)
        ref = cell_ref(r, vc)
        # a label that may carry a suffix keeps it as typed: 总体目标(2021年-2023年) says which years
        label = (view.text(r, c).lstrip("*").strip() or f.label) if f.prefix else f.label
        out[f.key] = FieldValue(f.key, label, _convert(f, raw, view.name, ref, findings), ref, raw)
    return Form(view.name, out)


# ----------------------------------------------------------------------------------------------- headers

def _group_ok(view: SheetView, r: int, c: int, col: Column, year: int | None) -> bool:
    if not col.group:
        return True
    g, year_suffix = _group_keys(col.group, year)
    for rr in range(max(0, r - 3), r):
        k = view.key(rr, c)
        cc = c
        while not k and cc > 0 and view.key(r, cc - 1):
            # a group label typed in the first cell only (not merged) covers the empty cells after it,
            # as far as the header row below goes on
            cc -= 1
            k = view.key(rr, cc)
        if not k:
            continue
        if k == g or (year_suffix is not None and k.endswith(year_suffix)):
            return True
    return False


def _candidates(view: SheetView, r: int, col: Column) -> list[int]:
    row = view.row_keys(r)
    out: set[int] = set()
    for k in _label_keys(col):
        out.update(row.get(k, ()))
    return sorted(out)


def find_header(view: SheetView, columns: tuple[Column, ...], start: int = 0) -> int | None:
    """The 0-based row holding the most of the columns' labels (the lowest header line)."""
    by_key, fragments = _header_index(columns)
    best_r, best_n = None, 0
    need = max(1, min(2, len(columns)))
    for r in range(start, min(view.height, start + HEADER_SCAN_ROWS)):
        if fragments.isdisjoint(view.key_row(r)):
            continue   # a data or blank row: no cell is even part of a label
        found: set[int] = set()   # positions in `columns` of the columns this row names
        for k in view.row_keys(r):
            hit = by_key.get(k)
            if hit:
                found.update(hit)
        if len(found) > best_n:
            best_r, best_n = r, len(found)
    return best_r if best_n >= need else None


def assign_columns(view: SheetView, r: int, columns: tuple[Column, ...], year: int | None,
                   taken: set[int]) -> dict[str, int]:
    found: dict[str, int] = {}
    for col in columns:
        cands = [c for c in _candidates(view, r, col) if c not in taken]
        grouped = [c for c in cands if _group_ok(view, r, c, col, year)] if col.group else cands
        # without a readable group (收入/支出 …) the parts take the repeated labels left to right
        pick = grouped or cands
        if pick:
            found[col.key] = pick[0]
            taken.add(pick[0])
    return found


# ----------------------------------------------------------------------------------------------- tables

def _amounts(row: list[object], r: int, amount_cols: list[tuple[str, int, str]]):
    """The row's amounts by column key, their cells, and the cells that are no amount (raw values)."""
    amounts: dict[str, Decimal | None] = {}
    cells: dict[str, str] = {}
    bad: dict[str, object] = {}
    n = str(r + 1)
    width = len(row)
    for key, c, letter in amount_cols:
        cells[key] = letter + n
        raw = row[c] if c < width else None
        if raw is None:
            amounts[key] = None
            continue
        try:
            amounts[key] = parse_amount(raw)
        except NotAnAmount:
            amounts[key] = None
            bad[key] = raw
    return amounts, cells, bad


def _merged_amounts(view: SheetView, owners: dict[int, tuple[int, int]], decl: TableDecl,
                    amount_cols: list[tuple[str, int, str]], seen: set[tuple[int, int]], findings: list[Finding]) -> None:
    """S008 for a merged range that covers an amount cell of a row (`owners`: its merged continuation cells) other
    than its own top-left cell: only the top-left cell holds a value, so the other amounts read as empty (the T
    rules would only see wrong sums)."""
    for key, c, _ in amount_cols:
        top = owners.get(c)
        if top is None or top in seen:
            continue
        seen.add(top)
        r0, c0 = top
        r1, c1 = next(((m[2], m[3]) for m in view.merged if (m[0], m[1]) == top), top)
        findings.append(rule("S008").finding(view.name, cell_ref(r0, c0), column=decl.column(key).label,
                                             range=f"{cell_ref(r0, c0)}:{cell_ref(r1, c1)}"))


def _is_note(text: str) -> bool:
    return label_key(text).startswith(_NOTE_KEYS)


def parse_table(view: SheetView, decl: TableDecl, year: int | None, unit: str, findings: list[Finding],
                header_row: int | None, cols: dict[str, int]) -> Table:
    from xltools.codes.normalise import join_split_code, normalise_code

    code_col = cols.get("code")
    split = cols.get("_lei"), cols.get("_kuan"), cols.get("_xiang")
    name_col = cols.get("name") if "name" in cols else cols.get(decl.label_column)
    totals = {label_key(t) for t in decl.total_labels} | {label_key(t) for t in decl.closing if t}
    sections = {label_key(s) for s in decl.sections}
    amount_cols = [(col.key, cols[col.key], col_letter(cols[col.key]))
                   for col in decl.amount_columns if cols.get(col.key) is not None]
    name_key = "name" if "name" in cols else decl.label_column
    name_letter = col_letter(name_col) if name_col is not None else ""
    has_split = split[0] is not None or split[1] is not None
    # the code's cell: its column, or the first of the split 类 | 款 columns
    code_cell_col = code_col if code_col is not None else next((c for c in split[:2] if c is not None), None)
    code_letter = col_letter(code_cell_col) if code_cell_col is not None else ""
    lines: list[Line] = []
    section = ""
    last_lei = last_kuan = None
    merged_seen: set[tuple[int, int]] = set()
    for r in range((header_row or 0) + 1, view.height):
        row = view.grid[r]
        if _blank(row):
            continue
        label = view.text(r, name_col) if name_col is not None else ""
        raw_code = view.raw(r, code_col) if code_col is not None else None
        if has_split:
            # split 类 | 款 | 项 columns: printed forms write 类 (and 款) once and leave them blank below
            lei = view.raw(r, split[0]) if split[0] is not None else None
            kuan = view.raw(r, split[1]) if split[1] is not None else None
            xiang = view.raw(r, split[2]) if split[2] is not None else None
            if lei not in (None, ""):
                last_lei, last_kuan = lei, None
            elif kuan not in (None, "") or xiang not in (None, ""):
                lei = last_lei
            if kuan not in (None, ""):
                last_kuan = kuan
            elif xiang not in (None, ""):
                kuan = last_kuan
            raw_code = join_split_code(lei, kuan, xiang)
        first_text = cell_text(raw_code) or label
        if first_text and _is_note(first_text):
            break
        amounts, cells, bad = _amounts(row, r, amount_cols)
        owners = view.merged_owner(r)
        if owners:
            _merged_amounts(view, owners, decl, amount_cols, merged_seen, findings)
        no_code = raw_code in (None, "")
        if not label and no_code and all(v is None for v in amounts.values()) and not bad:
            continue
        code = None if no_code else normalise_code(raw_code)
        if code is not None and not code.isdigit():
            # a dropdown choice "2010301 行政运行" (or the same typed by hand): the code is its digits, and its
            # name stands for an empty name cell (the C rules report the cell, fill-codes splits it)
            from xltools.codes.dropdown import split_code_cell   # rare: imported when met

            choice = split_code_cell(raw_code)
            if choice is not None:
                code = choice[0]
                label = label or choice[1]
        kind = "item"
        if code is None:
            k = label_key(label)
            if k in totals:
                kind = "total"
            elif k in sections:
                kind = "section"
                section = label
        if code is None and kind == "item" and label and code_cell_col is not None and decl.coded:
            code = code_by_name(decl.code_kind, year, label)
        if name_col is not None:
            cells[name_key] = f"{name_letter}{r + 1}"
        if code_cell_col is not None:
            cells["code"] = f"{code_letter}{r + 1}"
        ln = Line(row=r + 1, label=label, code=code, raw_code=raw_code, kind=kind,
                  section=section if kind != "section" else label, amounts=amounts, cells=cells, bad=bad)
        lines.append(ln)
        for key, raw in bad.items():
            findings.append(rule("S003").finding(view.name, cells[key], actual=cell_text(raw),
                                                 column=decl.column(key).label))
        if decl.single_row:
            break
    letters = {k: col_letter(c) for k, c in cols.items() if not k.startswith("_")}
    return Table(decl.key, view.name, unit, tuple(lines), letters, (header_row or 0) + 1, True)


def code_by_name(kind: str, year: int | None, name: str) -> str | None:
    """The code of the one catalogue entry of this classification called `name` (its current or a former name);
    None when no entry or several are. A row typed with its name only ("工资福利支出", no code) is placed as that
    code, so its amounts add up where they belong; the C rules still ask for the code and fill-codes fills it."""
    from xltools.codes.catalogue import get_catalogue

    hits = get_catalogue().view(kind, year).named(name)
    return hits[0].code if len(hits) == 1 else None


def _split_code_columns(view: SheetView, r: int, taken: set[int]) -> dict[str, int]:
    out = {}
    keys = view.key_row(r)
    for key, lab in (("_lei", "类"), ("_kuan", "款"), ("_xiang", "项")):
        for c in range(view.width):
            if c not in taken and keys[c] == lab:
                out[key] = c
                taken.add(c)
                break
    return out


def parse_sheet_tables(view: SheetView, sdecl: SheetDecl, year: int | None, unit: str,
                       findings: list[Finding]) -> dict[str, Table]:
    out: dict[str, Table] = {}
    r = find_header(view, _sheet_columns(sdecl))
    taken: set[int] = set()
    typed_unit = view.unit()
    sheet_unit = typed_unit or unit
    if typed_unit and unit and typed_unit != unit:
        findings.append(rule("S004").finding(view.name, "", expected=unit, actual=typed_unit))
    for t in sdecl.tables:
        cols = assign_columns(view, r, t.columns, year, taken) if r is not None else {}
        if r is not None and t.code_kind in ("func", "econ_dept") and "code" not in cols:
            cols.update(_split_code_columns(view, r, taken))
            if "_lei" in cols or "_kuan" in cols:
                cols["code"] = None  # joined from the split columns
        missing = [c.label for c in t.columns if c.key not in cols]
        if r is None or missing:
            labels = "、".join(missing or [c.label for c in t.columns])
            findings.append(rule("S002").finding(view.name, "", labels=labels))
        if r is None:
            out[t.key] = Table(t.key, view.name, sheet_unit, (), {}, 0, False)
            continue
        if cols.get("code", 0) is None:
            del cols["code"]
        out[t.key] = parse_table(view, t, year, sheet_unit, findings, r, cols)
    return out


# ----------------------------------------------------------------------------------------------- indicators

def parse_indicators(view: SheetView, decl: IndicatorDecl, findings: list[Finding], year: int | None) -> IndicatorTable:
    r = find_header(view, decl.columns)
    if r is None:
        findings.append(rule("S002").finding(view.name, "", labels="、".join(c.label for c in decl.columns)))
        return IndicatorTable(decl.key, view.name, (), 0, False)
    cols = assign_columns(view, r, decl.columns, year, set())
    letters = {k: col_letter(c) for k, c in cols.items()}
    # level columns are often merged down or left blank under the first row: they are read as shown
    reads = [(key, c, letters[key], key in ("level1", "level2")) for key, c in cols.items()]
    rows: list[Indicator] = []
    carry = {"level1": "", "level2": ""}
    for rr in range(r + 1, view.height):
        row = view.grid[rr]
        if _blank(row):
            continue
        vals: dict[str, str] = {}
        cells: dict[str, str] = {}
        content: list[str] = []   # what the row says besides its levels
        level_typed = False
        n = str(rr + 1)
        for key, c, letter, shown in reads:
            if shown:
                v = view.text(rr, c)
                level_typed = level_typed or bool(v)
            else:
                v = cell_text(row[c] if c < len(row) else None)
                if v:
                    content.append(v)
            vals[key] = v
            cells[key] = letter + n
        if not content and not level_typed:
            continue
        if content and all(v in PLACEHOLDERS for v in content):
            content = []
        if content and _is_note(content[0]):
            break
        for k in ("level1", "level2"):
            if k in cols:
                if vals.get(k) and vals[k] not in PLACEHOLDERS:
                    if k == "level1" and vals[k] != carry["level1"]:
                        carry["level2"] = ""
                    carry[k] = vals[k]
                vals[k] = carry[k]
        if not content or not (vals.get("name") or vals.get("value")):
            continue  # a level heading row or an empty template row
        rows.append(Indicator(row=rr + 1, cells=cells, **vals))
    return IndicatorTable(decl.key, view.name, tuple(rows), r + 1, True, letters)


# ----------------------------------------------------------------------------------------------- book

def parse_book(grids: Grids, family: Family | None = None) -> tuple[Book, list[Finding]]:
    findings: list[Finding] = []
    meta = read_meta(grids)
    fam = family or detect_family(grids, meta)
    names = [n for n in grids.names if n != META_SHEET]
    views = {n: SheetView(n, grids[n], grids.merged.get(n, [])) for n in names}
    claimed: dict[str, str] = {}  # sheet decl key → sheet name
    for d in fam.sheets:
        if d.repeat:
            continue
        hit = next((n for n in names if _sheet_matches(n, d) and n not in claimed.values()), None)
        if hit:
            claimed[d.key] = hit
    for d in fam.sheets:
        if d.repeat or d.key in claimed:
            continue
        hit = next((n for n in names if n not in claimed.values() and _title_matches(views[n], d)), None)
        if hit:
            claimed[d.key] = hit

    # the information sheet first: it gives the year and unit every other sheet is read with
    info_decl = fam.info
    forms: dict[str, Form] = {}
    if info_decl.key in claimed:
        forms[info_decl.key] = parse_form(views[claimed[info_decl.key]], info_decl.fields, findings)
    else:
        findings.append(rule("S001").finding(info_decl.name, "", name=info_decl.name))
        forms[info_decl.key] = Form(info_decl.name, {})
    info = forms[info_decl.key]
    year = info.get("year")
    if year is None and meta.get("year", "").isdigit():
        year = int(meta["year"])
    unit = str(info.get("unit") or meta.get("unit") or fam.default_unit)

    tables: dict[str, Table] = {}
    indicators: dict[str, IndicatorTable] = {}
    texts: list[tuple[str, str, str]] = []
    for d in fam.sheets:
        if d.repeat or d.key == info_decl.key:
            continue
        if d.key not in claimed:
            findings.append(rule("S001").finding(d.name, "", name=d.name))
            continue
        view = views[claimed[d.key]]
        if d.fields:
            forms[d.key] = parse_form(view, d.fields, findings)
        if d.tables:
            parsed = parse_sheet_tables(view, d, year, unit, findings)
            tables.update(parsed)
            band = max((t.header_row for t in parsed.values()), default=1)
            texts += _texts(view, range(0, max(band, 1)))
        else:
            texts += _texts(view, range(0, 1))   # the title line
        if d.indicators:
            indicators[d.indicators.key] = parse_indicators(view, d.indicators, findings, year)

    projects: list[Project] = []
    rep = fam.repeated
    if rep is not None:
        first = label_key(rep.fields[0].label)
        for n in names:
            if n in claimed.values() or n == rep.template_name or n in grids.hidden:
                continue
            view = views[n]
            head = {k for r in range(min(view.height, 12)) for k in view.key_row(r)[:8]}
            if first not in head:
                continue
            form = parse_form(view, rep.fields, findings)
            ind = parse_indicators(view, rep.indicators, findings, year) if rep.indicators else \
                IndicatorTable("", n, ())
            projects.append(Project(n, form, ind))

    explanations = parse_explanations(views[EXPLAIN_SHEET]) if EXPLAIN_SHEET in views else ()
    book = Book(fam.family, year, unit, forms, tables, indicators, tuple(projects), tuple(names),
                grids.source, meta, explanations, tuple(texts))
    return book, findings


def _texts(view: SheetView, rows: range) -> list[tuple[str, str, str]]:
    """(sheet, cell, text) of the typed text cells in the given rows (titles, 单位 lines, header bands)."""
    out = []
    for r in rows:
        if r < view.height:
            n = str(r + 1)
            for c, v in enumerate(view.grid[r]):
                if isinstance(v, str):
                    t = v.strip()
                    if t:
                        out.append((view.name, col_letter(c) + n, t))
    return out


@lru_cache(maxsize=1)
def _explanation_columns() -> tuple[Column, ...]:
    """Made once: find_header keeps what it derives from columns per object."""
    return (Column("code", "代码", aliases=("规则代码",)), Column("place", "位置", aliases=("单元格",)),
            Column("reason", "说明", aliases=("情况说明", "原因")))


def parse_explanations(view: SheetView) -> tuple[Explanation, ...]:
    """The 审核说明 sheet: a header with 代码 / 位置 / 说明, then one accepted finding per row.
    位置 is written as the check reports it: 工作表!单元格 (e.g. 部门支出总表!D5)."""
    cols = _explanation_columns()
    r = find_header(view, cols)
    if r is None:
        return ()
    idx = assign_columns(view, r, cols, None, set())
    out = []
    for rr in range(r + 1, view.height):
        vals = {k: cell_text(view.raw(rr, c)) for k, c in idx.items()}
        code, place, reason = vals.get("code", ""), vals.get("place", ""), vals.get("reason", "")
        if not code or not reason:
            continue
        sheet, bang, cell = place.rpartition("!")
        if not bang:                    # just a sheet name: the finding anywhere on that sheet
            sheet, cell = place, ""
        out.append(Explanation(code.upper(), sheet.strip("'"), cell.replace("$", ""), reason, rr + 1))
    return tuple(out)


def read_book(path, engine: str = "calamine") -> tuple[Book, list[Finding]]:
    from xltools.io.readers import read_grids

    return parse_book(read_grids(path, engine))
