"""A unit's headline figures as its workbook states them (部门预算公开): what the 分单位汇总 sheet lists and
what next year's workbook carries over as 上年数. Read from the model, as typed; a total row that is missing
falls back to the sum of the table's top-level rows."""
from __future__ import annotations

from decimal import Decimal

from xltools.model import Book, Line, Table

# key → (Chinese heading, unit_info field it becomes next year)
FIGURES: dict[str, tuple[str, str | None]] = {
    "income_total": ("收入总计", "prior_income"),
    "expense_total": ("支出总计", "prior_expense"),
    "basic": ("基本支出", "prior_basic"),
    "project": ("项目支出", "prior_project"),
    "gpb": ("一般公共预算财政拨款支出", None),
    "fund": ("政府性基金预算支出", None),
    "sangong": ("“三公”经费", "prior_sangong"),
    "abroad": ("因公出国（境）费", "prior_abroad"),
    "vehicle_buy": ("公务用车购置费", "prior_vehicle_buy"),
    "vehicle_run": ("公务用车运行维护费", "prior_vehicle_run"),
    "reception": ("公务接待费", "prior_reception"),
    "procurement": ("政府采购预算", None),
    "admin_cost": ("机关运行经费", "prior_admin_cost"),
}


def _found(book: Book, key: str) -> Table | None:
    t = book.tables.get(key)
    return t if t is not None and t.found and t.lines else None


def _line(table: Table | None, *labels: str) -> Line | None:
    if table is None:
        return None
    from xltools.subtotals import norm_label

    keys = {norm_label(x) for x in labels}
    return next((ln for ln in table.lines if norm_label(ln.label) in keys), None)


def _sum(values) -> Decimal | None:
    vals = [v for v in values if v is not None]
    return sum(vals, Decimal(0)) if vals else None


def table_total(table: Table | None, col: str) -> Decimal | None:
    """The table's total of one column as typed: its total row, else the sum of its top-level rows."""
    if table is None:
        return None
    t = table.total_line()
    if t is not None and t.amounts.get(col) is not None:
        return t.amounts.get(col)
    coded = [ln for ln in table.lines if ln.kind == "item" and ln.code]
    if coded:
        have = {ln.code for ln in coded}
        top = [ln for ln in coded if not any(ln.code != c and ln.code.startswith(c) for c in have)]
        return _sum(ln.amounts.get(col) for ln in top)
    return _sum(ln.amounts.get(col) for ln in table.items())


def unit_figures(book: Book) -> dict[str, Decimal | None]:
    out: dict[str, Decimal | None] = {k: None for k in FIGURES}
    if book.family != "dept_budget":
        return out
    inc = _line(_found(book, "summary_dept_income"), "收入总计")
    out["income_total"] = (inc.amounts.get("amount") if inc else None) or table_total(_found(book, "income_dept"), "total")
    exp = _line(_found(book, "summary_dept_expense"), "支出总计")
    dept = _found(book, "expense_dept")
    out["expense_total"] = (exp.amounts.get("amount") if exp else None) or table_total(dept, "total")
    out["basic"] = table_total(dept, "basic")
    out["project"] = table_total(dept, "project")
    out["gpb"] = table_total(_found(book, "expense_gpb"), "total")
    out["fund"] = table_total(_found(book, "expense_fund"), "total")
    sg = _found(book, "sangong")
    if sg is not None:
        row = sg.lines[0].amounts
        for k in ("abroad", "vehicle_buy", "vehicle_run", "reception"):
            out[k] = row.get(k)
        out["sangong"] = row.get("total")
        if out["sangong"] is None:
            out["sangong"] = _sum(row.get(k) for k in ("abroad", "vehicle_buy", "vehicle_run", "reception"))
    out["procurement"] = table_total(_found(book, "procurement"), "total")
    try:
        admin = book.info.get("admin_cost")
    except (KeyError, AttributeError):
        admin = None
    out["admin_cost"] = admin if isinstance(admin, Decimal) else None
    return out
