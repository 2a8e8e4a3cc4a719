"""T family: arithmetic inside one table (表内审核).

Every identity is checked on the figures as typed, each at its own level (类 = Σ its 款 as typed, not as they
would be after recalc), and every finding sits at the cell that disagrees, with the expected and actual Decimal.

One wrong cell breaks several identities at once; each difference is reported once, where it arises:
- a declared computed column (合计 = 基本支出 + 项目支出) on a parent row is not checked against its children when
  the row adds up as typed: its parts are checked against theirs, and every child's 合计 against the child's
  parts (302: 合计 68.20 and 公用经费 68.20 against 款 68.19 → one finding, at 公用经费);
- a row identity (T003) that fails only because a part is itself off against its children is not reported
  again (总计: 1932.33 ≠ 494.82 + 1437.50 because 494.82 should be 494.83 → the T002 finding explains it).
"""
from __future__ import annotations

from decimal import Decimal

from xltools.families import TableDecl, get_family
from xltools.findings import Finding
from xltools.model import Book, Line, Table
from xltools.rules import rule
from xltools.rules.registry import check
from xltools.subtotals import (ZERO, Identity, computed_columns, dsum, grade, hierarchy, identities, is_coded, money,
                               ordered_sums)

TAIL = {"warning": "（尾差，请核对四舍五入）", "error": ""}
KIND_CODE = {"hierarchy": "T001", "total": "T002", "labelled": "T005"}
PERSONNEL = ("301", "303", "501", "509")     # 人员经费: 工资福利支出, 对个人和家庭的补助 (部门 / 政府经济分类)


def _tables(book: Book):
    fam = get_family(book.family)
    for key, table in book.tables.items():
        if not table.found:
            continue
        try:
            decl = fam.table(key)
        except KeyError:
            continue
        yield table, decl


def amounts(exp: Decimal | None, act: Decimal | None, sev: str | None = None) -> dict:
    """Message parameters for a comparison: {exp} {act} {diff} as printed, {tail} the 尾差 note."""
    e, a = exp or Decimal(0), act or Decimal(0)
    return {"exp": money(e), "act": money(a), "diff": money(abs(a - e)), "tail": TAIL.get(sev or "", "")}


def _name(ln: Line) -> str:
    return ln.label or (ln.code or f"第{ln.row}行")


def _parts_text(decl: TableDecl, ident: Identity | None = None, cols: tuple[str, ...] = ()) -> str:
    if cols:
        return "、".join(f"“{decl.column(c).label}”" for c in cols)
    assert ident is not None
    if all(p.kind == "item" for p in ident.parts):
        return "其下各项"
    labels = [f"“{p.label}”" for p in ident.parts if p.label]
    return "、".join(labels) if len(labels) <= 4 else "各部分"


class _Analysis:
    """The vertical expectations of one table, shared by the vertical and the row checks."""

    def __init__(self, table: Table, decl: TableDecl) -> None:
        self.table, self.decl = table, decl
        self.cols = [c.key for c in decl.amount_columns if c.key in table.columns]
        self.ids = identities(table, decl)
        self.expected: dict[tuple[int, str], Decimal] = {}
        # (identity, column, expected) where the typed figure differs, in identity then column order: the
        # vertical check looks at these only (most cells agree)
        self.off: list[tuple[Identity, str, Decimal]] = []
        expected, off = self.expected, self.off
        for ident in self.ids:
            target, parts = ident.target, ident.parts
            bad = set(target.bad)              # a column holding text that is no number: no expectation
            for p in parts:
                if p.bad:
                    bad.update(p.bad)
            amounts = [p.amounts for p in parts]
            row, typed = target.row, target.amounts
            for col in self.cols:
                if col in bad:
                    continue
                total = ZERO                   # Σ parts, added in order (= dsum); inline: the hottest loop
                for a in amounts:
                    v = a.get(col)
                    if v is not None:
                        total += v
                expected[(row, col)] = total
                if (typed.get(col) or ZERO) != total:    # amounts are finite: unequal is what grade() grades
                    off.append((ident, col, total))
        self.sums = [s for s in ordered_sums(decl) if s.target in self.cols and all(p in self.cols for p in s.parts)]

    def corrected(self, ln: Line, col: str) -> Decimal | None:
        """The value a cell should have by its own vertical identity (its typed value when it has none)."""
        return self.expected.get((ln.row, col), ln.amounts.get(col))

    def row_ok(self, ln: Line, target: str, parts: tuple[str, ...]) -> bool:
        return (ln.amounts.get(target) or 0) == dsum(ln.amounts.get(p) for p in parts)

    def implied_by_parts(self, ln: Line, col: str) -> bool:
        """A computed column's vertical difference is implied when the row adds up as typed: the parts are
        checked against their children, and each child's total against its own parts (T003)."""
        return any(s.target == col and self.row_ok(ln, col, s.parts) for s in self.sums)


def vertical_findings(table: Table, decl: TableDecl, a: _Analysis | None = None) -> list[Finding]:
    a = a or _Analysis(table, decl)
    computed = computed_columns(decl)
    out = []
    for ident, col, exp in a.off:
        ln = ident.target
        act = ln.amounts.get(col)
        sev = grade(exp, act, table.unit)
        if sev is None or not ln.cells.get(col):
            continue
        if col in computed and a.implied_by_parts(ln, col):
            continue
        code = KIND_CODE[ident.kind]
        params = dict(name=_name(ln), column=decl.column(col).label, **amounts(exp, act, sev))
        if code == "T001":
            params["code"] = ln.code or ""
        if code == "T005":
            params["parts"] = _parts_text(decl, ident)
        out.append(rule(code).finding(table.sheet, ln.cells[col], expected=exp, actual=act or Decimal(0),
                                      severity=sev, **params))
    return out


def row_findings(table: Table, decl: TableDecl, a: _Analysis | None = None) -> list[Finding]:
    a = a or _Analysis(table, decl)
    out = []
    sums = [(s, (s.target, *s.parts)) for s in a.sums]
    for ln in table.lines:
        vals, bad, cells = ln.amounts, ln.bad, ln.cells
        for s, involved in sums:
            if (bad and any(c in bad for c in involved)) or not cells.get(s.target):
                continue
            act = vals.get(s.target)
            exp = ZERO
            for p in s.parts:
                v = vals.get(p)
                if v is not None:
                    exp += v
            if (act or ZERO) == exp:         # amounts are finite: equal is what grade() calls None
                continue
            sev = grade(exp, act, table.unit)
            if sev is None:
                continue
            fixed_parts = dsum(a.corrected(ln, p) for p in s.parts)
            if fixed_parts == (act or 0):
                continue                      # a part is off against its children: reported there
            fixed_target = a.expected.get((ln.row, s.target))
            if fixed_target is not None and fixed_target != (act or 0) and fixed_target == fixed_parts:
                continue                      # the target is off against its children: reported there
            out.append(rule("T003").finding(
                table.sheet, ln.cells[s.target], expected=exp, actual=act or Decimal(0), severity=sev,
                name=_name(ln), column=decl.column(s.target).label, parts=_parts_text(decl, cols=s.parts),
                **amounts(exp, act, sev)))
    return out


@check("table_sums")
def table_sums(book: Book):
    """T001 类/款 = Σ children, T002 总计 = Σ 类, T005 labelled totals, T003 row identities."""
    for table, decl in _tables(book):
        a = _Analysis(table, decl)
        yield from vertical_findings(table, decl, a)
        yield from row_findings(table, decl, a)


@check("personnel_public")
def personnel_public(book: Book):
    """T004: in the 基本支出 table 301/303 lines only under 人员经费, the others only under 公用经费."""
    for table, decl in _tables(book):
        if not is_coded(decl) or "personnel" not in table.columns or "public" not in table.columns:
            continue
        parents = _parent_rows(table, decl)
        for ln in table.items():
            if not ln.code or ln.row in parents or ln.code[:1] not in "35":
                continue
            personnel = ln.code[:3] in PERSONNEL
            wrong = "public" if personnel else "personnel"
            v = ln.amounts.get(wrong)
            if v in (None, Decimal(0)) or wrong in ln.bad or not ln.cells.get(wrong):
                continue
            yield rule("T004").finding(table.sheet, ln.cells[wrong], expected=Decimal(0), actual=v,
                                       code=ln.code, name=_name(ln), column=decl.column(wrong).label,
                                       belongs="人员经费" if personnel else "公用经费", **amounts(Decimal(0), v))


def _parent_rows(table: Table, decl: TableDecl) -> set[int]:
    """The rows of a coded table that identities() makes targets (rows with children, total rows), without
    building the identities."""
    if not table.found or decl.single_row:
        return set()
    children, _ = hierarchy(table)
    return set(children) | {ln.row for ln in table.lines if ln.kind == "total"}
