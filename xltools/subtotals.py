"""Subtotals: what every total must be, computed from the model. Touches no file and no Excel.

Two users:
- the T/X rules ask `identities(table, decl)` which rows must add up to which, and `grade()` how far apart two
  amounts may be (the tolerance policy);
- `recompute(book)` returns the EditSet that `xltools recalc` (and the 重算合计 button) applies.

Tolerance policy: money compares as Decimal. An exact match passes; a difference within rounding — 0.01 when the
table's unit is 万元 (or 千元), 1 when it is 元 — is a warning (尾差); anything larger is an error.

Which cells the tool owns (recalc writes them; every other cell is the person's and is never written):
1. Declared `computed` columns (合计/小计 = Σ the row's parts, the `sums` of the declaration) on every row.
2. In coded tables (功能分类 类/款/项, 经济分类 类/款): every amount of a row that has children in the table —
   类 = Σ its 款, 款 = Σ its 项 — and of the total row (总计/合计 = Σ the top-level rows). The person types the
   lowest level only (项 rows; or 款/类 rows that have nothing beneath them).
3. In labelled tables: total rows (合计, 本年收入合计, 收入总计 = 本年收入合计 + 用事业基金弥补收支差额 + 上年结转 …) and
   section rows with items beneath them (一、本年收入 = Σ its items). Closing rows that are inputs (上年结转,
   结转下年, 用事业基金弥补收支差额) and sections without items stay the person's.
4. The summary tables that follow from the detail tables (部门预算公开 only):
   - 部门支出总表 基本支出/项目支出 by code = 一般公共预算 + 政府性基金 tables, when the department's only income is
     those two appropriations (部门收入总表 has nothing in its other columns); otherwise they are the person's;
   - 部门收入总表 一般公共预算拨款收入 / 政府性基金预算拨款收入 columns by code = the two tables' 小计 (not on a
     row with 上年结转: whether that 小计 spends carried-over money too only the person knows);
   - 部门收支总表: income items from the 部门收入总表 column totals; expense items named as a 类 of the
     部门支出总表 from that 类's 合计 (an item whose name is no 类 of the detail is left as typed — the code
     rules report it);
   - 财政拨款收支总表: 本年收入 items from the 部门收入总表 column totals; 本年支出 items named as a 类 from the
     一般公共预算 / 政府性基金 tables, unless that money has a 上年结转 or 结转下年 (the detail tables show the
     year's own appropriations, the 本年支出 column also what is carried over: fin_carryover) — then, like
     国有资本经营 and the 上年结转 / 结转下年 lines, they stay the person's.
   A summary is filled only from a detail table that has figures in it (an empty detail table is "not filled
   yet", never a reason to wipe a summary), and only rows whose code or name the detail table has are written.
Guard: a sum whose parts are all blank never overwrites a typed figure (the finding stays; nothing is lost),
and a sum that involves a cell holding text that is not a number is not written at all.

Values are written as numbers (never formulas); a zero is written as an empty cell, as the official tables
print it. Recomputing a recomputed book changes nothing (idempotent).

Seed 001: after recalc the 基本支出 table's 302 row is 68.19 (the sum of its 款) and its 合计 494.82, while the
一般公共预算财政拨款支出预算表 says 494.83 for 基本支出 (the sum of its 功能分类 类). Both details are typed by the
person and each adds up; which 款 or 项 carries the 0.01 the tool cannot know, so one X 尾差 warning remains.
"""
from __future__ import annotations

from collections.abc import Iterable
from contextvars import ContextVar
from decimal import Decimal
from functools import lru_cache

from xltools.families import TableDecl, get_family
from xltools.lazyre import lazy
from xltools.model import Book, Line, Table
from xltools.text import fmt_money, label_key

# xltools.edits is imported by the functions that make edits (recalc), not at import: the checks never do
TYPE_CHECKING = False              # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from xltools.edits import Edit, EditSet

ZERO = Decimal(0)


# ----------------------------------------------------------------------------------------------- tolerance

# how many units' rounding a difference may hold: 1 for a department's own book; N for a bureau's consolidation
# of N departments (each within its own 尾差, the sum may differ by up to N × 0.01). Set by pipeline.check_grids.
ROUNDING_UNITS: ContextVar[int] = ContextVar("rounding_units", default=1)


def tolerance(unit: str) -> Decimal:
    """The rounding allowance: 1 元, else 0.01 (万元, 千元) — per unit consolidated into the book."""
    one = Decimal(1) if (unit or "").strip() == "元" else Decimal("0.01")
    return one * max(1, ROUNDING_UNITS.get())


def grade(expected: Decimal | None, actual: Decimal | None, unit: str) -> str | None:
    """None when equal, "warning" for a difference within rounding (尾差), "error" beyond it."""
    d = abs((actual or ZERO) - (expected or ZERO))
    if d == 0:
        return None
    return "warning" if d <= tolerance(unit) else "error"


def dsum(values: Iterable[Decimal | None]) -> Decimal:
    total = ZERO                      # added in order, as sum(…, ZERO) would: the same Decimal
    for v in values:
        if v is not None:
            total += v
    return total


def money(d: Decimal | None) -> str:
    """An amount as printed in a message: at least two decimals (68.2 → 68.20), more when typed so."""
    return fmt_money(d if d is not None else ZERO)


def num(d: Decimal | None) -> object:
    """A Decimal as the value written to a cell: int when whole, float otherwise, None for zero/blank."""
    if d is None or d == 0:
        return None
    if d == d.to_integral_value():
        return int(d)
    return float(d)


# ----------------------------------------------------------------------------------------------- identities

class Identity:
    """`target` = Σ `parts`, on every amount column of the table (a vertical identity). A plain class, not a
    dataclass: nothing compares or hashes identities, and a frozen dataclass costs ~1 ms to define at import."""

    __slots__ = ("target", "parts", "kind")

    def __init__(self, target: Line, parts: tuple[Line, ...], kind: str) -> None:
        self.target = target
        self.parts = parts
        # hierarchy (类/款 = Σ children) | total (总计 = Σ 类) | labelled (合计/小计/总计 of a labelled table)
        self.kind = kind

    def __repr__(self) -> str:
        return f"Identity(target={self.target!r}, parts={self.parts!r}, kind={self.kind!r})"


# the numbering in front of a row label (一、 （一） 1.), compiled on first use (xltools.lazyre)
_NUMBERING = lazy(r"^(?:[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十0-9]+[)）]|[0-9]+[、.．])")


def norm_label(label: object) -> str:
    """A row label as compared: label_key without leading numbering (一、 (一) 1.) and a trailing colon."""
    return _norm_key(label_key(label))


@lru_cache(maxsize=1 << 12)           # the rules ask again and again for the same few hundred labels
def _norm_key(k: str) -> str:
    return _NUMBERING.sub("", k).rstrip(":：")


# closing rows of labelled tables that are not "Σ items" (label → the rows they add up)


def is_coded(decl: TableDecl) -> bool:
    return decl.coded


def hierarchy(table: Table) -> tuple[dict[int, list[Line]], list[Line]]:
    """Children of each coded row (by sheet row) and the top-level rows of a coded table.

    The parent of a code is the longest code in the table that is a proper prefix of it (项 → 款 → 类; a 项
    whose 款 row is missing hangs under its 类). Rows without a code that carry amounts count as top-level."""
    items = [ln for ln in table.lines if ln.kind == "item"]
    first: dict[str, Line] = {}
    for ln in items:
        if ln.code and ln.code not in first:
            first[ln.code] = ln
    children: dict[int, list[Line]] = {}
    top: list[Line] = []
    for ln in items:
        code = ln.code
        if not code:
            if any(v is not None for v in ln.amounts.values()):
                top.append(ln)
            continue
        p = None
        if code.isdigit():
            for n in (7, 5, 3):            # the longest proper prefix the table has
                if len(code) > n:
                    p = first.get(code[:n])
                    if p is not None:
                        break
        if p is None:
            top.append(ln)
        elif p.row in children:
            children[p.row].append(ln)
        else:
            children[p.row] = [ln]
    return children, top


def identities(table: Table, decl: TableDecl) -> list[Identity]:
    """Every vertical identity of one table (rows that must equal the sum of other rows)."""
    out: list[Identity] = []
    if not table.found or decl.single_row:
        return out
    if is_coded(decl):
        children, top = hierarchy(table)
        for ln in table.lines:
            if ln.row in children:
                out.append(Identity(ln, tuple(children[ln.row]), "hierarchy"))
        for ln in table.lines:
            if ln.kind == "total":
                out.append(Identity(ln, tuple(top), "total"))
        return out
    items = [ln for ln in table.lines if ln.kind == "item"]
    sections = [ln for ln in table.lines if ln.kind == "section"]
    for s in sections:
        parts = tuple(ln for ln in items if ln.section == s.label)
        if parts:
            out.append(Identity(s, parts, "labelled"))
    by_key = {}
    for ln in table.lines:
        by_key.setdefault(norm_label(ln.label), ln)
    row_sums = {norm_label(s.target): tuple(norm_label(p) for p in s.parts) for s in decl.row_sums}
    for t in table.lines:
        if t.kind != "total":
            continue
        k = norm_label(t.label)
        if k in row_sums:
            found: list[Line] = []
            for p in row_sums[k]:
                if p in by_key:
                    found.append(by_key[p])
                elif "合计" in p:          # no 本年收入合计 row: its items count directly
                    found.extend(items)
            parts = tuple(found)
        elif "合计" in k or "总计" in k or k == "小计":
            if sections:
                parts = tuple(sections) + tuple(ln for ln in items if not ln.section)
            else:
                parts = tuple(items)
        else:
            continue       # an input closing row (上年结转, 结转下年, 用事业基金弥补收支差额)
        out.append(Identity(t, parts, "labelled"))
    return out


def ordered_sums(decl: TableDecl):
    """The declared row sums, a sum whose target is a part of another first (三公: 小计 before 合计)."""
    sums = list(decl.sums)
    targets = {s.target for s in sums}
    done: list = []
    while sums:
        ready = [s for s in sums if not any(p in targets and p not in {d.target for d in done} and p != s.target
                                            for p in s.parts)]
        if not ready:
            ready = sums[:1]
        for s in ready:
            done.append(s)
            sums.remove(s)
    return done


def computed_columns(decl: TableDecl) -> set[str]:
    return {c.key for c in decl.columns if c.computed} | {s.target for s in decl.sums}


# ----------------------------------------------------------------------------------------------- recompute

class TableCalc:
    """One table's values as recalc will leave them: owned cells recomputed, the person's cells as typed."""

    def __init__(self, table: Table, decl: TableDecl, overrides: dict[tuple[int, str], Decimal | None] | None = None):
        self.table, self.decl = table, decl
        self.cols = [c.key for c in decl.amount_columns if c.key in table.columns]
        self.lines = {ln.row: ln for ln in table.lines}
        self.ids = {i.target.row: i for i in identities(table, decl)}
        self.sums = [s for s in ordered_sums(decl) if s.target in self.cols]
        self.overrides = dict(overrides or {})
        self._memo: dict[tuple[int, str], tuple[Decimal | None, bool]] = {}
        self._by_code: dict[str, Line] | None = None
        self._has_figures: bool | None = None

    def raw(self, row: int, col: str) -> Decimal | None:
        return self.lines[row].amounts.get(col)

    def is_bad(self, row: int, col: str) -> bool:
        return col in self.lines[row].bad

    def value(self, row: int, col: str) -> Decimal | None:
        return self._value(row, col)[0]

    def _value(self, row: int, col: str) -> tuple[Decimal | None, bool]:
        """(value after recalc, known) — unknown when a term is text that is not a number."""
        key = (row, col)
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = (self.raw(row, col), not self.is_bad(row, col))  # guards against cycles
        ident = self.ids.get(row)
        own = next((s for s in self.sums if s.target == col), None)
        if ident is not None and own is not None:
            # a computed column of a parent row: the row's own parts (each the sum of its children) — the same
            # as the sum of the children's 合计, and still consistent when a parent keeps a figure of its own
            res = self._sum([(row, p) for p in own.parts if p in self.cols], row, col)
        elif ident is not None:
            res = self._sum([(p.row, col) for p in ident.parts], row, col)
        else:
            res = self._leaf(row, col)
        self._memo[key] = res
        return res

    def _leaf(self, row: int, col: str) -> tuple[Decimal | None, bool]:
        if (row, col) in self.overrides:
            return self.overrides[(row, col)], True
        for s in self.sums:
            if s.target == col:
                return self._sum([(row, p) for p in s.parts if p in self.cols], row, col)
        return self.raw(row, col), not self.is_bad(row, col)

    def _sum(self, terms: list[tuple[int, str]], row: int, col: str) -> tuple[Decimal | None, bool]:
        vals = [self._value(r, c) for r, c in terms]
        if not all(ok for _, ok in vals) or self.is_bad(row, col):
            return self.raw(row, col), False
        if all(v is None for v, _ in vals) and self.raw(row, col) not in (None, ZERO):
            return self.raw(row, col), True          # nothing to add up: keep what the person typed
        total = dsum(v for v, _ in vals)
        return (total if total != 0 else None), True

    def total(self, col: str) -> Decimal:
        """The table's total of one column after recalc: the total row, or the sum of the top-level rows."""
        t = self.table.total_line()
        if t is not None and col in self.cols:
            return self.value(t.row, col) or ZERO
        if is_coded(self.decl):
            _, top = hierarchy(self.table)
            return dsum(self.value(ln.row, col) for ln in top)
        return dsum(self.value(ln.row, col) for ln in self.table.items())

    def by_code(self) -> dict[str, Line]:
        """The first row of each code."""
        if self._by_code is None:
            self._by_code = {}
            for ln in self.table.lines:
                if ln.kind == "item" and ln.code:
                    self._by_code.setdefault(ln.code, ln)
        return self._by_code

    def has_figures(self) -> bool:
        """Whether the table has any figure after recalc."""
        if self._has_figures is None:
            self._has_figures = self.table.found and (self._typed_figure() or any(
                self.value(ln.row, c) not in (None, ZERO) for ln in self.table.lines for c in self.cols))
        return self._has_figures

    def _typed_figure(self) -> bool:
        """Whether one of the person's cells holds a figure (recalc leaves it as typed) or a summary cell is
        given one from a detail table (recalc writes it), found without summing."""
        if any(v not in (None, ZERO) for v in self.overrides.values()):
            return True
        computed = computed_columns(self.decl)
        for ln in self.table.lines:
            if ln.row in self.ids:
                continue
            for c in self.cols:
                if c not in computed and (ln.row, c) not in self.overrides and ln.amounts.get(c) not in (None, ZERO):
                    return True
        return False

    def edits(self, only_empty: bool = False) -> list[Edit]:
        from xltools.edits import Edit

        out = []
        computed = computed_columns(self.decl)
        for ln in self.table.lines:
            owned_row = ln.row in self.ids
            for col in self.cols:
                if not (owned_row or col in computed or (ln.row, col) in self.overrides):
                    continue
                cell = ln.cells.get(col)
                if not cell or only_empty and (ln.amounts.get(col) is not None or col in ln.bad):
                    continue
                new, known = self._value(ln.row, col)
                if not known:
                    continue
                old = self.raw(ln.row, col)
                if (new or ZERO) == (old or ZERO) or num(new) == num(old):
                    continue            # num(): beyond 15 digits a cell holds the same double either way
                out.append(Edit(self.table.sheet, cell, value=num(new)))
        return out


def recompute(book: Book, only_empty: bool = False) -> EditSet:
    """The edits that make every owned cell what it must be (see the module docstring); with only_empty, just
    those of the owned cells that are empty (what check computes in memory, xltools.pipeline.with_totals)."""
    from xltools.edits import EditSet

    fam = get_family(book.family)
    calcs: dict[str, TableCalc] = {}
    order = [t.key for _, t in fam.tables()]
    if book.family == "dept_budget":
        # detail tables first, then the summaries that follow from them
        summaries = ["expense_dept", "income_dept", "summary_dept_income", "summary_dept_expense",
                     "summary_fin_income", "summary_fin_expense"]
        order = [k for k in order if k not in summaries] + summaries
    for key in order:
        if key not in book.tables or not book.tables[key].found:
            continue
        decl = fam.table(key)
        overrides = _summary_overrides(key, book, calcs) if book.family == "dept_budget" else {}
        calcs[key] = TableCalc(book.tables[key], decl, overrides)
    es = EditSet()
    for key in order:
        if key in calcs:
            es.edits.extend(calcs[key].edits(only_empty))
    return es


# ----------------------------------------------------------------------------------------------- summaries (部门预算公开)

OTHER_INCOME = ("carryover", "soe", "fiscal", "biz_nonedu", "biz_edu", "operating", "other", "reserve")

# 部门收支总表 income rows → 部门收入总表 columns
SUMMARY_INCOME: dict[str, tuple[str, ...]] = {
    "一般公共预算拨款收入": ("gpb",), "一般公共预算拨款": ("gpb",),
    "政府性基金预算拨款收入": ("fund",), "政府性基金预算拨款": ("fund",),
    "国有资本经营预算拨款收入": ("soe",), "国有资本经营预算拨款": ("soe",),
    "财政专户管理资金收入": ("fiscal",), "财政专户管理资金": ("fiscal",),
    "事业收入预算": ("biz_nonedu", "biz_edu"), "事业收入": ("biz_nonedu", "biz_edu"),
    "事业单位经营收入预算": ("operating",), "事业单位经营收入": ("operating",),
    "其他收入预算": ("other",), "其他收入": ("other",),
    "用事业基金弥补收支差额": ("reserve",),
    "上年结转": ("carryover",),
}
# 财政拨款收支总表 本年收入 rows → 部门收入总表 columns
FIN_INCOME: dict[str, str] = {"一般公共预算拨款": "gpb", "一般公共预算拨款收入": "gpb",
                              "政府性基金预算拨款": "fund", "政府性基金预算拨款收入": "fund",
                              "国有资本经营预算拨款": "soe", "国有资本经营预算拨款收入": "soe"}
FIN_INCOME_SECTION = "本年收入"
FIN_EXPENSE_SECTION = "本年支出"
FIN_CARRY_IN, FIN_CARRY_OUT = "上年结转", "结转下年"


def fin_carryover(book: Book, col: str) -> Decimal:
    """What the 财政拨款收支总表's 本年支出 in column col ("gpb" / "fund") spends beyond the year's own
    appropriations, which are what the 一般公共预算 / 政府性基金 detail tables and the 部门收入总表's
    appropriation columns show: that money's 上年结转 (income side) less its 结转下年 (expense side)."""
    carry = ZERO
    inc = book.tables.get("summary_fin_income")
    if inc is not None:
        for ln in inc.items():
            if norm_label(ln.section) == FIN_CARRY_IN and FIN_INCOME.get(norm_label(ln.label)) == col:
                carry += ln.amounts.get("amount") or ZERO
    exp = book.tables.get("summary_fin_expense")
    if exp is not None:
        for ln in exp.lines:
            if norm_label(ln.label) == FIN_CARRY_OUT:
                carry -= ln.amounts.get(col) or ZERO
    return carry


def fiscal_only(income: TableCalc | None) -> bool:
    """Whether the department's only income is 一般公共预算 and 政府性基金 appropriations: the 部门收入总表 has
    nothing in its other columns (a blank 部门收入总表 too — recalc fills its appropriation columns)."""
    if income is None:
        return False
    return all(ln.amounts.get(c) in (None, ZERO) for ln in income.table.lines for c in OTHER_INCOME)


def lei_by_name(table: Table | None) -> dict[str, Line]:
    """The 类 rows of a 功能分类 table by name: as typed, and as the code catalogue names the row's code."""
    from xltools import codes

    out: dict[str, Line] = {}
    if table is None:
        return out
    try:
        func = codes.get_catalogue().view("func").by_code   # what codes.lookup(code, kind="func") reads
    except Exception:  # a catalogue that cannot answer must not stop a recalc
        func = {}
    for ln in table.lines:
        if ln.kind == "item" and ln.code and len(ln.code) == 3:
            out.setdefault(norm_label(ln.label), ln)
            e = func.get(codes.normalise_code(ln.code))
            if e is not None:
                out.setdefault(norm_label(e.name), ln)
    return out


def _leaves(calc: TableCalc) -> list[Line]:
    return [ln for ln in calc.table.lines if ln.kind == "item" and ln.code and ln.row not in calc.ids]


def _summary_overrides(key: str, book: Book, calcs: dict[str, TableCalc]) -> dict[tuple[int, str], Decimal | None]:
    table = book.tables[key]
    gpb, fund = calcs.get("expense_gpb"), calcs.get("expense_fund")
    sources = [c for c in (gpb, fund) if c is not None and c.has_figures()]
    out: dict[tuple[int, str], Decimal | None] = {}
    if key in ("expense_dept", "income_dept") and sources:
        probe = TableCalc(table, get_family(book.family).table(key))
        leaves = _leaves(probe)
        codes_ = [s.by_code() for s in sources]
        if key == "expense_dept" and not fiscal_only(calcs.get("income_dept") or _income_probe(book)):
            return out
        for ln in leaves:
            hits = [(s, bc[ln.code]) for s, bc in zip(sources, codes_) if ln.code in bc]
            if not hits:
                continue
            if key == "expense_dept":
                for col in ("basic", "project"):
                    if col in probe.cols:
                        out[(ln.row, col)] = _nz(dsum(s.value(src.row, col) for s, src in hits))
            elif ln.amounts.get("carryover") in (None, ZERO):
                # a row with 上年结转: whether its detail 小计 spends carried-over money too, only the person
                # knows — its appropriation figures stay as typed (X007 compares them)
                for s, col in ((gpb, "gpb"), (fund, "fund")):
                    if col not in probe.cols or s is None or not s.has_figures():
                        continue
                    src = s.by_code().get(ln.code)
                    out[(ln.row, col)] = _nz(s.value(src.row, "total") if src else None)
        return out
    income = calcs.get("income_dept")
    if key == "summary_dept_income" and income is not None and income.has_figures():
        for ln in table.lines:
            cols = SUMMARY_INCOME.get(norm_label(ln.label))
            if cols and "amount" in ln.cells and (ln.kind == "item" or norm_label(ln.label) in
                                                 ("用事业基金弥补收支差额", "上年结转")):
                out[(ln.row, "amount")] = _nz(dsum(income.total(c) for c in cols if c in income.cols))
        return out
    expense = calcs.get("expense_dept")
    if key == "summary_dept_expense" and expense is not None and expense.has_figures():
        lei = lei_by_name(expense.table)
        for ln in table.items():
            src = lei.get(norm_label(ln.label))
            if src is not None and "amount" in ln.cells:
                out[(ln.row, "amount")] = _nz(expense.value(src.row, "total"))
        return out
    if key == "summary_fin_income" and income is not None and income.has_figures():
        for ln in table.items():
            col = FIN_INCOME.get(norm_label(ln.label))
            if col and norm_label(ln.section) == FIN_INCOME_SECTION and col in income.cols:
                out[(ln.row, "amount")] = _nz(income.total(col))
        return out
    if key == "summary_fin_expense" and sources:
        # a column that also spends carried-over money is not the detail's by 类: it stays the person's
        maps = {col: (c, lei_by_name(c.table)) for col, c in (("gpb", gpb), ("fund", fund))
                if c is not None and c.has_figures() and not fin_carryover(book, col)}
        for ln in table.items():
            if norm_label(ln.section) not in (FIN_EXPENSE_SECTION, ""):
                continue
            k = norm_label(ln.label)
            if not any(k in lei for _, lei in maps.values()):
                continue
            for col, (c, lei) in maps.items():
                if col in ln.cells:
                    src = lei.get(k)
                    out[(ln.row, col)] = _nz(c.value(src.row, "total") if src else None)
    return out


def _income_probe(book: Book) -> TableCalc | None:
    t = book.tables.get("income_dept")
    if t is None or not t.found:
        return None
    return TableCalc(t, get_family(book.family).table("income_dept"))


def _nz(d: Decimal | None) -> Decimal | None:
    return None if d is None or d == 0 else d


# ----------------------------------------------------------------------------------------------- rows of the summaries

SUMMARY_CODED = ("expense_dept", "income_dept")                      # 科目 rows taken from the detail tables
SUMMARY_LEI = ("summary_dept_expense", "summary_fin_expense")         # 类 names taken from the detail tables
DETAIL = ("expense_gpb", "expense_fund")


def _detail_lines(book: Book) -> list[Line]:
    seen: dict[str, Line] = {}
    for key in DETAIL:
        t = book.tables.get(key)
        if t is None or not t.found:
            continue
        for ln in t.lines:
            if ln.kind == "item" and ln.code and ln.code.isdigit() and len(ln.code) in (3, 5, 7):
                seen.setdefault(ln.code, ln)
    return [seen[c] for c in sorted(seen)]


def _free_rows(table: Table, start: int, stop: int | None) -> Iterable[int]:
    """1-based sheet rows after `start` (and before `stop`) that no line of the table uses."""
    used = {ln.row for ln in table.lines}
    r = start + 1
    while stop is None or r < stop:
        if r not in used:
            yield r
        r += 1


def summary_rows(book: Book, untouched_only: bool = False) -> EditSet:
    """Codes and 类 names the summary tables lack, written into their empty rows (the template leaves rows for
    them), so that recompute can then fill their amounts. A freshly issued template has only the 总计 row in
    部门支出总表 / 部门收入总表: without this the person would have to type every 科目 twice. With
    untouched_only, only into summary tables the person has typed no row of (check's in-memory totals: a code
    missing from a typed summary is a finding, X005, not work in progress)."""
    from xltools.edits import Edit, EditSet

    es = EditSet()
    if book.family != "dept_budget":
        return es
    detail = _detail_lines(book)
    if not detail:
        return es
    fam = get_family(book.family)
    for key in SUMMARY_CODED:
        t = book.tables.get(key)
        if t is None or not t.found or "code" not in t.columns:
            continue
        have = {ln.code for ln in t.lines if ln.code}
        if untouched_only and have:
            continue
        missing = [ln for ln in detail if ln.code not in have]
        rows = _free_rows(t, t.header_row, None)
        name_col = t.columns.get("name")
        for ln in missing:
            r = next(rows)
            es.edits.append(Edit(t.sheet, f"{t.columns['code']}{r}", ln.code))
            if name_col and ln.label:
                es.edits.append(Edit(t.sheet, f"{name_col}{r}", ln.label))
    lei = [ln for ln in detail if len(ln.code) == 3]
    for key in SUMMARY_LEI:
        t = book.tables.get(key)
        if t is None or not t.found:
            continue
        decl = fam.table(key)
        label_col = t.columns.get(decl.label_column)
        if not label_col:
            continue
        have = {norm_label(ln.label) for ln in t.lines}
        if untouched_only and any(ln.label for ln in t.items()):
            continue
        missing = [ln for ln in lei if ln.label and norm_label(ln.label) not in have]
        known = {norm_label(ln.label) for ln in lei}
        strays = [ln for ln in t.items() if norm_label(ln.label) not in known
                  and any(v is not None for v in ln.amounts.values())]
        if not missing or strays:
            # a line with an amount under a name that is no 类 of the detail (seed 001's 社会保险基金支出 39.70
            # for 208) is probably the missing 类 mislabelled: adding the 类 again would count it twice —
            # the person decides (the code rules report the line)
            continue
        closing = {norm_label(x) for x in decl.closing if x}
        sections = [ln for ln in t.lines if ln.kind == "section"]
        start = sections[0].row if sections else t.header_row
        stop = next((ln.row for ln in t.lines if ln.row > start and (norm_label(ln.label) in closing
                                                                       or ln.kind == "section")), None)
        rows = list(_free_rows(t, start, stop))
        for ln, r in zip(missing, rows):   # no room left: the remaining 类 stay a finding (X005)
            es.edits.append(Edit(t.sheet, f"{label_col}{r}", ln.label))
    return es


def recompute_grids(grids, book: Book | None = None, only_empty: bool = False) -> tuple[Book, EditSet]:
    """recompute() after summary_rows(): the rows are added to a copy of the grids, the book read again, and
    the amounts computed on it. Returns the book as read (`book`, when the caller has parsed the grids already)
    and every edit (rows first); with only_empty, only the edits of owned cells that are empty."""
    from xltools.edits import apply_to_grids
    from xltools.parse import parse_book

    if book is None:
        book, _ = parse_book(grids)
    rows = summary_rows(book, untouched_only=only_empty)
    if not len(rows):
        return book, recompute(book, only_empty)
    grids2 = grids.copy()
    apply_to_grids(grids2, rows)
    book2, _ = parse_book(grids2)
    es = recompute(book2, only_empty)
    es.edits[:0] = rows.edits
    return book, es
