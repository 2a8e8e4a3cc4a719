"""Parse grids into the model, finding every table by its sheet title and header labels — never by fixed
coordinates. Tolerates inserted and blank rows, merged header cells, codes typed as numbers or split into
类|款|项 columns, full-width digits and symbols, amounts typed as text with thousands separators.

`parse_book(grids)` returns the Book and the structure findings (S family) met on the way.
"""
from __future__ import annotations

import re
from decimal import Decimal

from xltools.families import Column, Family, Field, IndicatorDecl, SheetDecl, TableDecl, families, get_family
from xltools.findings import Finding
from xltools.io.readers import Grid, Grids, MergedRange
from xltools.model import Book, Explanation, FieldValue, Form, Indicator, IndicatorTable, Line, Project, Table
from xltools.rules import rule
from xltools.text import NotAnAmount, cell_ref, cell_text, col_letter, label_key, parse_amount

META_SHEET = "_xltools"
EXPLAIN_SHEET = "审核说明"   # people accept a warning here: 代码 | 位置 | 说明
HEADER_SCAN_ROWS = 40
_UNIT_RE = re.compile(r"单位[:：]\s*(万元|千元|元)")
_NOTE_PREFIX = ("备注", "注:", "注：", "说明:", "说明：", "填表说明")
PLACEHOLDERS = {"空", "无"}


# ----------------------------------------------------------------------------------------------- sheets


class SheetView:
    """One sheet's grid with merged values spread (for labels) beside the raw grid (for values)."""

    def __init__(self, name: str, grid: Grid, merged: list[MergedRange]) -> None:
        self.name = name
        self.grid = grid
        self.height = len(grid)
        self.width = max((len(r) for r in grid), default=0)
        self.merged = merged
        self._keys: dict[tuple[int, int], str] = {}
        self._row_keys: dict[int, dict[str, list[int]]] = {}
        self._owner: dict[tuple[int, int], tuple[int, int]] = {}
        self.merge_end: dict[tuple[int, int], int] = {}
        for r0, c0, r1, c1 in merged:
            r1 = min(r1, self.height - 1)
            c1 = min(c1, self.width - 1)
            if (r1 - r0 + 1) * (c1 - c0 + 1) > 100_000:  # a merged range over a whole sheet: spread nothing
                continue
            self.merge_end[(r0, c0)] = c1
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    if (r, c) != (r0, c0):
                        self._owner[(r, c)] = (r0, c0)

    def raw(self, r: int, c: int) -> object:
        row = self.grid[r] if 0 <= r < self.height else ()
        return row[c] if 0 <= c < len(row) else None

    def value(self, r: int, c: int) -> object:
        """The value shown at (r, c): a merged cell shows its range's top-left value."""
        owner = self._owner.get((r, c))
        return self.raw(*owner) if owner else self.raw(r, c)

    def text(self, r: int, c: int) -> str:
        return cell_text(self.value(r, c))

    def key(self, r: int, c: int) -> str:
        k = self._keys.get((r, c))
        if k is None:
            v = self.value(r, c)
            k = label_key(v).lstrip("*") if v is not None else ""
            self._keys[(r, c)] = k
        return k

    def row_keys(self, r: int) -> dict[str, list[int]]:
        """label key → columns of row r showing it, plus the two-level header forms (upper + lower label,
        e.g. 事业收入预算 + 非教育收费收入) read as one label. Computed once per row."""
        out = self._row_keys.get(r)
        if out is None:
            out = {}
            for c in range(self.width):
                k = self.key(r, c)
                if not k:
                    continue
                out.setdefault(k, []).append(c)
                combo = "".join(dict.fromkeys(x for x in (self.key(rr, c) for rr in range(max(0, r - 2), r + 1)) if x))
                if combo != k:
                    out.setdefault(combo, []).append(c)
            self._row_keys[r] = out
        return out

    def is_merged_continuation(self, r: int, c: int) -> bool:
        return (r, c) in self._owner

    def row_empty(self, r: int) -> bool:
        return all(v is None or (isinstance(v, str) and not v.strip()) for v in (self.grid[r] if r < self.height else ()))

    def unit(self) -> str | None:
        for r in range(min(6, self.height)):
            for c in range(self.width):
                v = self.raw(r, c)
                if isinstance(v, str):
                    m = _UNIT_RE.search(v.replace(" ", ""))
                    if m:
                        return m.group(1)
        return None


_SHEET_NUMBERING = re.compile(r"^(?:附件|附表|表)?[0-9一二三四五六七八九十]+(?:[-_.、:：)）]|$)*")


def _sheet_matches(name: str, decl: SheetDecl) -> bool:
    """By the sheet's name, also when numbered the way bureaus number them: 表1-部门收支总表, 附件2 …, 3.…"""
    k = label_key(name)
    keys = {label_key(n) for n in decl.names}
    return k in keys or _SHEET_NUMBERING.sub("", k, count=1) in keys


def _title_matches(view: SheetView, decl: SheetDecl) -> bool:
    keys = {label_key(t) for t in (decl.title, *decl.names) if "{" not in t}
    for r in range(min(4, view.height)):
        for c in range(min(view.width, 12)):
            k = view.key(r, c)
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

def _field_label_matches(k: str, f: Field) -> bool:
    for lab in f.labels:
        lk = label_key(lab)
        if k == lk:
            return True
        if f.prefix and re.sub(r"\(.*?\)", "", k) == lk:
            return True  # 总体目标(2021年-2023年), 预算年度(2021年)目标
    return False


def _convert(f: Field, raw: object, sheet: str, cell: str, findings: list[Finding]) -> object:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if f.type in ("int", "year"):
        try:
            d = parse_amount(raw)
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
    keys = {}
    for r in range(view.height):
        for c in range(view.width):
            if view.is_merged_continuation(r, c):
                continue
            k = view.key(r, c)
            if k:
                keys.setdefault(k, (r, c))
    for f in fields:
        pos = next((p for k, p in keys.items() if _field_label_matches(k, f)), None)
        if pos is None:
            if report_missing:
                findings.append(rule("S006").finding(view.name, "", label=f.label))
            out[f.key] = FieldValue(f.key, f.label, None)
            continue
        r, c = pos
        vc = view.merge_end.get((r, c), c) + 1
        raw = view.raw(r, vc)
        ref = cell_ref(r, vc)
        out[f.key] = FieldValue(f.key, f.label, _convert(f, raw, view.name, ref, findings), ref, raw)
    return Form(view.name, out)


# ----------------------------------------------------------------------------------------------- headers

def _group_ok(view: SheetView, r: int, c: int, col: Column, year: int | None) -> bool:
    if not col.group:
        return True
    g = label_key(col.group_text(year))
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
        if k == g or ("{year}" in col.group and k.endswith(label_key(col.group.split("}", 1)[1]))):
            return True
    return False


def _candidates(view: SheetView, r: int, col: Column) -> list[int]:
    row = view.row_keys(r)
    out: set[int] = set()
    for lab in col.labels:
        out.update(row.get(label_key(lab), ()))
    return sorted(out)


def find_header(view: SheetView, columns: tuple[Column, ...], start: int = 0) -> int | None:
    """The 0-based row holding the most of the columns' labels (the lowest header line)."""
    best_r, best_n = None, 0
    need = max(1, min(2, len(columns)))
    for r in range(start, min(view.height, start + HEADER_SCAN_ROWS)):
        n = sum(1 for col in columns if _candidates(view, r, col))
        if n > best_n:
            best_r, best_n = r, n
    return best_r if best_n >= need else None


def assign_columns(view: SheetView, r: int, columns: tuple[Column, ...], year: int | None,
                   taken: set[int]) -> dict[str, int]:
    found: dict[str, int] = {}
    for col in columns:
        cands = [c for c in _candidates(view, r, col) if c not in taken]
        grouped = [c for c in cands if _group_ok(view, r, c, col, year)]
        # without a readable group (收入/支出 …) the parts take the repeated labels left to right
        pick = grouped or cands
        if pick:
            found[col.key] = pick[0]
            taken.add(pick[0])
    return found


# ----------------------------------------------------------------------------------------------- tables

def _amounts(view: SheetView, r: int, decl: TableDecl, cols: dict[str, int]):
    amounts: dict[str, Decimal | None] = {}
    cells: dict[str, str] = {}
    bad: dict[str, object] = {}
    for col in decl.amount_columns:
        c = cols.get(col.key)
        if c is None:
            continue
        cells[col.key] = cell_ref(r, c)
        raw = view.raw(r, c)
        try:
            amounts[col.key] = parse_amount(raw)
        except NotAnAmount:
            amounts[col.key] = None
            bad[col.key] = raw
    return amounts, cells, bad


def _is_note(text: str) -> bool:
    t = label_key(text)
    return any(t.startswith(label_key(p)) for p in _NOTE_PREFIX)


def parse_table(view: SheetView, decl: TableDecl, year: int | None, unit: str, findings: list[Finding],
                header_row: int | None, cols: dict[str, int]) -> Table:
    from xltools.codes.normalise import join_split_code, normalise_code

    code_col = cols.get("code")
    split = cols.get("_lei"), cols.get("_kuan"), cols.get("_xiang")
    name_col = cols.get("name") if "name" in cols else cols.get(decl.label_column)
    totals = {label_key(t) for t in decl.total_labels} | {label_key(t) for t in decl.closing if t}
    sections = {label_key(s) for s in decl.sections}
    lines: list[Line] = []
    section = ""
    last_lei = last_kuan = None
    for r in range((header_row or 0) + 1, view.height):
        if view.row_empty(r):
            continue
        label = view.text(r, name_col) if name_col is not None else ""
        raw_code = view.raw(r, code_col) if code_col is not None else None
        if split[0] is not None or split[1] is not None:
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
        amounts, cells, bad = _amounts(view, r, decl, cols)
        if not label and raw_code in (None, "") and all(v is None for v in amounts.values()) and not bad:
            continue
        code = normalise_code(raw_code) if raw_code not in (None, "") else None
        k = label_key(label)
        kind = "item"
        if code is None and k in totals:
            kind = "total"
        elif code is None and k in sections:
            kind = "section"
            section = label
        if name_col is not None:
            cells["name" if "name" in cols else decl.label_column] = cell_ref(r, name_col)
        if code_col is not None:
            cells["code"] = cell_ref(r, code_col)
        elif split[0] is not None or split[1] is not None:
            cells["code"] = cell_ref(r, split[0] if split[0] is not None else split[1])
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


def _split_code_columns(view: SheetView, r: int, taken: set[int]) -> dict[str, int]:
    out = {}
    for key, lab in (("_lei", "类"), ("_kuan", "款"), ("_xiang", "项")):
        for c in range(view.width):
            if c not in taken and view.key(r, c) == lab:
                out[key] = c
                taken.add(c)
                break
    return out


def parse_sheet_tables(view: SheetView, sdecl: SheetDecl, year: int | None, unit: str,
                       findings: list[Finding]) -> dict[str, Table]:
    out: dict[str, Table] = {}
    all_cols = tuple(c for t in sdecl.tables for c in t.columns)
    r = find_header(view, all_cols)
    taken: set[int] = set()
    sheet_unit = view.unit() or unit
    if view.unit() and unit and view.unit() != unit:
        findings.append(rule("S004").finding(view.name, "", expected=unit, actual=view.unit()))
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
    rows: list[Indicator] = []
    carry = {"level1": "", "level2": ""}
    for rr in range(r + 1, view.height):
        if view.row_empty(rr):
            continue
        vals: dict[str, str] = {}
        cells: dict[str, str] = {}
        for key, c in cols.items():
            # level columns are often merged down or left blank under the first row: read the shown value
            v = view.text(rr, c) if key in ("level1", "level2") else cell_text(view.raw(rr, c))
            vals[key] = v
            cells[key] = cell_ref(rr, c)
        content = [v for k, v in vals.items() if k not in ("level1", "level2") and v]
        if not content and not any(vals.get(k) for k in ("level1", "level2")):
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
        rows.append(Indicator(row=rr + 1, cells=cells, **{k: v for k, v in vals.items()}))
    return IndicatorTable(decl.key, view.name, tuple(rows), r + 1, True,
                          {k: col_letter(c) for k, c in cols.items()})


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
            head = {view.key(r, c) for r in range(min(view.height, 12)) for c in range(min(view.width, 8))}
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
    return [(view.name, cell_ref(r, c), v.strip()) for r in rows if r < view.height
            for c, v in enumerate(view.grid[r]) if isinstance(v, str) and v.strip()]


def parse_explanations(view: SheetView) -> tuple[Explanation, ...]:
    """The 审核说明 sheet: a header with 代码 / 位置 / 说明, then one accepted finding per row.
    位置 is written as the check reports it: 工作表!单元格 (e.g. 部门支出总表!D5)."""
    from xltools.families import Column

    cols = (Column("code", "代码", aliases=("规则代码",)), Column("place", "位置", aliases=("单元格",)),
            Column("reason", "说明", aliases=("情况说明", "原因")))
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
