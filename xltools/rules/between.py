"""X family: figures that must agree between the tables of one 部门预算公开 workbook (表间审核).

Each comparison is made on the figures as typed, at the level where a difference arises, so that one wrong cell
is reported once:
- detail ↔ summary by code compares the summary's lowest rows (项, or whatever has nothing beneath it); a wrong
  parent row is the T family's, and a total follows from its rows;
- a section or total of a summary is compared only when its rows all agree (then the difference is a missing or
  misnamed row);
- rows the tool cannot place (a 类 name that is no 类 of the detail table) are not compared here: the code rules
  report the name.
When one side of a comparison has no figures at all, one X014 finding replaces a finding per row.
"""
from __future__ import annotations

from decimal import Decimal

from xltools.families import get_family
from xltools.findings import Finding
from xltools.model import Book, Line, Table
from xltools.rules import rule
from xltools.rules.registry import check
from xltools.rules.tables import amounts
from xltools.subtotals import (
    FIN_EXPENSE_SECTION, FIN_INCOME, FIN_INCOME_SECTION, OTHER_INCOME, SUMMARY_INCOME, dsum, fin_carryover, grade,
    hierarchy, lei_by_name, money, norm_label,
)

D0 = Decimal(0)
HINT = "请按明细表填写该表（表中已有科目行时，可运行“重算合计”自动填写金额）。"
DETAIL_HINT = "请按功能分类科目填写该表。"
# 三公 item → the 基本支出 econ line it must cover
SANGONG_ECON = (("reception", "30217"), ("vehicle_run", "30231"), ("abroad", "30212"), ("vehicle_buy", "31013"))


# ----------------------------------------------------------------------------------------------- helpers

def _table(book: Book, key: str) -> Table | None:
    t = book.tables.get(key)
    return t if t is not None and t.found else None


def _filled(table: Table | None, cols: tuple[str, ...] | None = None) -> bool:
    if table is None:
        return False
    return any(v not in (None, D0) for ln in table.lines for k, v in ln.amounts.items() if cols is None or k in cols)


def _v(ln: Line | None, col: str) -> Decimal:
    if ln is None:
        return D0
    return ln.amounts.get(col) or D0


def _total(table: Table, col: str) -> Decimal:
    """A table's total of one column as typed: its total row, else the sum of its top-level rows."""
    t = table.total_line()
    if t is not None:
        return _v(t, col)
    if "code" in table.columns:
        _, top = hierarchy(table)
        return dsum(_v(ln, col) for ln in top)
    return dsum(_v(ln, col) for ln in table.items())


def _col_total(table: Table, col: str) -> Decimal:
    """A summary's figure in one column: its total (or first section) row when that has one, else its largest."""
    t = table.total_line() or next((ln for ln in table.lines if ln.kind == "section"), None)
    if t is not None and t.amounts.get(col):
        return t.amounts[col]
    return max((_v(ln, col) for ln in table.lines), default=D0)


def _by_code(table: Table | None) -> dict[str, list[Line]]:
    out: dict[str, list[Line]] = {}
    if table is None:
        return out
    for ln in table.lines:
        if ln.kind == "item" and ln.code:
            out.setdefault(ln.code, []).append(ln)
    return out


def _code_sum(by_code: dict[str, list[Line]], code: str, col: str) -> Decimal:
    """The sum of one column over a table's rows of one code (by_code: `_by_code(table)`, made once a table)."""
    return dsum(_v(ln, col) for ln in by_code.get(code, []))


def _leaves(table: Table) -> list[Line]:
    children, _ = hierarchy(table)
    return [ln for ln in table.lines if ln.kind == "item" and ln.code and ln.row not in children]


def _first_cell(table: Table, cols: tuple[str, ...]) -> str:
    for ln in table.lines:
        for c in cols:
            if ln.cells.get(c):
                return ln.cells[c]
    return ""


def _compare(code: str, table: Table, ln: Line | None, col: str, expected: Decimal, actual: Decimal | None, /,
             note: str = "", **params) -> Finding | None:
    """A finding at ln's cell of col when actual differs from expected (None when they agree); `note` is added
    after the message's tail."""
    if ln is None or col in ln.bad:
        return None
    sev = grade(expected, actual, table.unit)
    if sev is None:
        return None
    cell = ln.cells.get(col, "")
    values = amounts(expected, actual, sev)
    values["tail"] += note
    return rule(code).finding(table.sheet, cell, expected=expected, actual=actual or D0, severity=sev,
                              **{**values, **params})


def _unfilled(summary: Table, cols: tuple[str, ...], source: Table | str, total: Decimal,
              hint: str = HINT, cell: str | None = None) -> Finding | None:
    """X014: one finding for a table (or its columns) left without figures while its counterpart has some, at
    `cell` (default: the first cell of cols)."""
    if total == 0:
        return None
    src = source if isinstance(source, str) else f"“{source.sheet}”合计"
    cell = _first_cell(summary, cols) if cell is None else cell
    return rule("X014").finding(summary.sheet, cell, expected=total, actual=D0,
                                table=summary.sheet, source=src, hint=hint, **amounts(total, D0))


def _pair_state(summary: Table | None, s_cols: tuple[str, ...], detail: Table | None,
                d_cols: tuple[str, ...]) -> str:
    """both | none | summary-empty | detail-empty: which sides of a comparison have figures."""
    s, d = _filled(summary, s_cols), _filled(detail, d_cols)
    if summary is None or detail is None:
        return "none"
    if s and d:
        return "both"
    if d:
        return "summary-empty"
    if s:
        return "detail-empty"
    return "none"


def _dept(book: Book) -> bool:
    return book.family == "dept_budget"


# ----------------------------------------------------------------------------------------------- X001

@check("balance")
def balance(book: Book):
    """X001: 收入总计 = 支出总计 (部门收支总表), 本年收入总计 = 本年支出总计 (财政拨款收支总表)."""
    if not _dept(book):
        return
    pairs = (("summary_dept_income", "收入总计", "summary_dept_expense", "支出总计", "amount"),
             ("summary_fin_income", "本年收入总计", "summary_fin_expense", "本年支出总计", "total"))
    for ik, ilabel, ek, elabel, ecol in pairs:
        inc, exp = _table(book, ik), _table(book, ek)
        if inc is None or exp is None:
            continue
        iline = next((ln for ln in inc.lines if norm_label(ln.label) == ilabel), None)
        eline = next((ln for ln in exp.lines if norm_label(ln.label) == elabel), None)
        if iline is None or eline is None or "amount" in iline.bad:
            continue
        f = _compare("X001", exp, eline, ecol, _v(iline, "amount"), eline.amounts.get(ecol),
                     table=exp.sheet, name=eline.label, other=iline.label)
        if f:
            yield f


# ----------------------------------------------------------------------------------------------- X002

@check("fin_summary")
def fin_summary(book: Book):
    """X002: 财政拨款收支总表 against the 一般公共预算 / 政府性基金 tables and the 部门收入总表."""
    if not _dept(book):
        return
    exp = _table(book, "summary_fin_expense")
    if exp is not None:
        for col, key in (("gpb", "expense_gpb"), ("fund", "expense_fund")):
            detail = _table(book, key)
            state = _pair_state(exp, (col,), detail, ("total",))
            if state == "summary-empty":
                f = _unfilled(exp, (col,), detail, _total(detail, "total"))
                if f:
                    yield f
                continue
            if state == "detail-empty":
                f = _unfilled(detail, ("total",), f"“{exp.sheet}”的“{_label(book, exp, col)}”",
                              _col_total(exp, col), hint=DETAIL_HINT)
                if f:
                    yield f
                continue
            if state != "both":
                continue
            carry = fin_carryover(book, col)
            lei = lei_by_name(detail) if not carry else {}   # carried-over money is not split by 类 anywhere
            found = []
            items = [ln for ln in exp.items() if norm_label(ln.section) in (FIN_EXPENSE_SECTION, "")]
            for ln in items:
                src = lei.get(norm_label(ln.label))
                if src is None:
                    continue
                f = _compare("X002", exp, ln, col, _v(src, "total"), ln.amounts.get(col), name=ln.label,
                             column=_label(book, exp, col), source=f"“{detail.sheet}”{src.code} {src.label}")
                if f:
                    found.append(f)
            yield from found
            if not found:
                sec = next((ln for ln in exp.lines if ln.kind == "section"
                            and norm_label(ln.label) == FIN_EXPENSE_SECTION), None)
                source = f"“{detail.sheet}”合计" + (
                    f" {money(_total(detail, 'total'))} 加上年结转（扣除结转下年）{money(carry)} " if carry else "")
                f = _compare("X002", exp, sec, col, _total(detail, "total") + carry,
                             sec.amounts.get(col) if sec else None, name=sec.label if sec else "",
                             column=_label(book, exp, col), source=source)
                if f:
                    yield f
    inc, income = _table(book, "summary_fin_income"), _table(book, "income_dept")
    if inc is not None and income is not None:
        cols = tuple(sorted(set(FIN_INCOME.values())))
        state = _pair_state(inc, ("amount",), income, cols)
        if state == "summary-empty":
            f = _unfilled(inc, ("amount",), income, dsum(_total(income, c) for c in cols))
            if f:
                yield f
        elif state == "both":
            for ln in inc.items():
                col = FIN_INCOME.get(norm_label(ln.label))
                if col is None or norm_label(ln.section) != FIN_INCOME_SECTION:
                    continue
                f = _compare("X002", inc, ln, "amount", _total(income, col), ln.amounts.get("amount"),
                             name=ln.label, column="预算数",
                             source=f"“{income.sheet}”“{_label(book, income, col)}”合计")
                if f:
                    yield f


def _label(book: Book, table: Table, col: str) -> str:
    try:
        return get_family(book.family).table(table.key).column(col).label
    except KeyError:
        return col


# ----------------------------------------------------------------------------------------------- X003

@check("basic_total")
def basic_total(book: Book):
    """X003: 基本支出 of the 一般公共预算 table = the 基本支出 table's 合计."""
    if not _dept(book):
        return
    gpb, basic = _table(book, "expense_gpb"), _table(book, "basic_gpb")
    state = _pair_state(gpb, ("basic",), basic, ("total",))
    if state == "none":
        return
    if state == "detail-empty":
        f = _unfilled(basic, ("total",), f"“{gpb.sheet}”的基本支出", _total(gpb, "basic"),
                      hint="请按经济分类科目填写基本支出表。")
        if f:
            yield f
        return
    if state == "summary-empty":
        f = _unfilled(gpb, ("basic",), basic, _total(basic, "total"), hint="请按功能分类科目填写基本支出。")
        if f:
            yield f
        return
    want = _total(basic, "total")
    t = gpb.total_line()
    if t is not None:
        f = _compare("X003", gpb, t, "basic", want, t.amounts.get("basic"), source=basic.sheet)
    else:
        bt = basic.total_line()
        f = _compare("X003", basic, bt, "total", _total(gpb, "basic"), bt.amounts.get("total") if bt else None,
                     source=gpb.sheet)
    if f:
        yield f


# ----------------------------------------------------------------------------------------------- X004 X005 X006 X007

def _fiscal_only(book: Book) -> bool:
    income = _table(book, "income_dept")
    return income is not None and not _filled(income, OTHER_INCOME)


def _covered(code: str, codes: set[str]) -> bool:
    """Whether a summary with `codes` lists `code`: itself, a row beneath it, or its nearest listed parent
    when the summary goes no deeper there (a summary may stop at 类 or 款)."""
    if code in codes or any(c.startswith(code) for c in codes):
        return True
    parents = [c for c in codes if code.startswith(c)]
    if not parents:
        return False
    p = max(parents, key=len)
    return not any(c != p and c.startswith(p) for c in codes)


def _missing(summary: Table, details: list[Table]) -> list[Finding]:
    """X005: detail rows with figures whose code (or a parent or child of it) the summary lacks."""
    have = {ln.code for ln in summary.lines if ln.code}
    out = []
    seen: set[str] = set()
    for d in details:
        for ln in _leaves(d):
            amt = _v(ln, "total")
            if amt == 0 or ln.code in seen or _covered(ln.code, have):
                continue
            seen.add(ln.code)
            out.append(rule("X005").finding(d.sheet, ln.cells.get("code", ""), actual=amt, code=ln.code,
                                            name=ln.label, summary=summary.sheet, **amounts(D0, amt)))
    return out


@check("dept_expense")
def dept_expense(book: Book):
    """X004 部门支出总表 = 一般公共预算 + 政府性基金 by code; X005 rows it lacks."""
    if not _dept(book):
        return
    dept = _table(book, "expense_dept")
    gpb = _table(book, "expense_gpb")
    details = [t for t in (gpb, _table(book, "expense_fund")) if _filled(t)]
    if dept is None:
        return
    if not details:
        if gpb is not None and _filled(dept, ("basic", "project")) and _fiscal_only(book):
            f = _unfilled(gpb, ("total", "basic", "project"), dept, _total(dept, "total"),
                          hint="单位只有财政拨款收入，支出应按功能分类科目填入本表。")
            if f:
                yield f
        return
    cols = ("basic", "project")
    if not _filled(dept, cols):
        f = _unfilled(dept, cols, details[0], dsum(_total(d, "total") for d in details))
        if f:
            yield f
        return
    exact = _fiscal_only(book)
    source = "、".join(f"“{d.sheet}”" for d in details)
    detail_codes = [_by_code(d) for d in details]
    labels = {col: _label(book, dept, col) for col in cols}
    for ln in _leaves(dept):
        for col in cols:
            if col not in ln.cells:
                continue
            want = dsum(_code_sum(bc, ln.code, col) for bc in detail_codes)
            got = ln.amounts.get(col)
            if not exact and (got or D0) >= want:
                continue
            f = _compare("X004", dept, ln, col, want, got, code=ln.code, name=ln.label,
                         column=labels[col], source=source,
                         relation="" if exact else "（单位另有其他收入，不应少于此数）")
            if f:
                yield f
    yield from _missing(dept, details)


@check("dept_income")
def dept_income(book: Book):
    """X007 部门收入总表 财政拨款 columns = the tables' 小计 by code; X006 收入合计 = 支出合计 by code; X005."""
    if not _dept(book):
        return
    income = _table(book, "income_dept")
    if income is None:
        return
    flagged: set[int] = set()
    fiscal = [(col, _table(book, key)) for col, key in (("gpb", "expense_gpb"), ("fund", "expense_fund"))]
    leaves = _leaves(income)                   # the same rows for every comparison below: found once
    for col, detail in fiscal:
        state = _pair_state(income, (col,), detail, ("total",))
        if state == "summary-empty":
            f = _unfilled(income, (col,), detail, _total(detail, "total"))
            if f:
                flagged.update(ln.row for ln in income.lines)
                yield f
            continue
        if state == "detail-empty":
            f = _unfilled(detail, ("total",), f"“{income.sheet}”的“{_label(book, income, col)}”",
                          _col_total(income, col), hint=DETAIL_HINT)
            if f:
                flagged.update(ln.row for ln in income.lines)
                yield f
            continue
        if state != "both":
            continue
        detail_codes = _by_code(detail)
        column, source = _label(book, income, col), f"“{detail.sheet}”同一科目的小计"
        for ln in leaves:
            want, got, carry = _code_sum(detail_codes, ln.code, "total"), ln.amounts.get(col), ln.amounts.get("carryover")
            note = (f"（本行另有上年结转 {money(carry)}：“{detail.sheet}”只列当年拨款安排的支出，上年结转资金安排的支出"
                    "不列入）" if carry and want > (got or D0) else "")
            f = _compare("X007", income, ln, col, want, got, note, code=ln.code, name=ln.label, column=column,
                         source=source)
            if f:
                flagged.add(ln.row)
                yield f
    details = [d for _, d in fiscal if _filled(d)]
    if details and _filled(income):
        yield from _missing(income, details)
    dept = _table(book, "expense_dept")
    if dept is None or not _filled(dept) or not _filled(income):
        return
    dept_codes = _by_code(dept)
    for ln in leaves:
        if ln.row in flagged or ln.code not in dept_codes:
            continue
        f = _compare("X006", income, ln, "total", _code_sum(dept_codes, ln.code, "total"), ln.amounts.get("total"),
                     code=ln.code, name=ln.label)
        if f:
            yield f


# ----------------------------------------------------------------------------------------------- X008

@check("dept_summary")
def dept_summary(book: Book):
    """X008: 部门收支总表 against the 部门收入总表 column totals and the 部门支出总表 类 rows and total."""
    if not _dept(book):
        return
    inc, income = _table(book, "summary_dept_income"), _table(book, "income_dept")
    if inc is not None and income is not None:
        state = _pair_state(inc, ("amount",), income, None)
        if state == "summary-empty":
            f = _unfilled(inc, ("amount",), income, _total(income, "total"))
            if f:
                yield f
        elif state == "both":
            found = []
            for ln in inc.lines:
                k = norm_label(ln.label)
                cols = SUMMARY_INCOME.get(k)
                if not cols or (ln.kind != "item" and k not in ("用事业基金弥补收支差额", "上年结转")):
                    continue
                f = _compare("X008", inc, ln, "amount", dsum(_total(income, c) for c in cols),
                             ln.amounts.get("amount"), name=ln.label,
                             source=f"“{income.sheet}”“{'、'.join(_label(book, income, c) for c in cols)}”合计")
                if f:
                    found.append(f)
            yield from found
            closing = next((ln for ln in inc.lines if norm_label(ln.label) == "收入总计"), None)
            if not found and closing is not None:
                f = _compare("X008", inc, closing, "amount", _total(income, "total"), closing.amounts.get("amount"),
                             name=closing.label, source=f"“{income.sheet}”总计")
                if f:
                    yield f
    exp, dept = _table(book, "summary_dept_expense"), _table(book, "expense_dept")
    if exp is not None and dept is not None:
        state = _pair_state(exp, ("amount",), dept, ("total",))
        if state == "summary-empty":
            f = _unfilled(exp, ("amount",), dept, _total(dept, "total"))
            if f:
                yield f
        elif state == "both":
            lei = lei_by_name(dept)
            found = []
            for ln in exp.items():
                src = lei.get(norm_label(ln.label))
                if src is None:
                    continue
                f = _compare("X008", exp, ln, "amount", _v(src, "total"), ln.amounts.get("amount"), name=ln.label,
                             source=f"“{dept.sheet}”{src.code} {src.label}")
                if f:
                    found.append(f)
            yield from found
            closing = next((ln for ln in exp.lines if norm_label(ln.label) == "本年支出合计"), None)
            if not found and closing is not None:
                f = _compare("X008", exp, closing, "amount", _total(dept, "total"), closing.amounts.get("amount"),
                             name=closing.label, source=f"“{dept.sheet}”总计")
                if f:
                    yield f


# ----------------------------------------------------------------------------------------------- X009

@check("sangong")
def sangong(book: Book):
    """X009: each 三公 item ≥ its economic line in the 基本支出 table."""
    if not _dept(book):
        return
    sg, basic = _table(book, "sangong"), _table(book, "basic_gpb")
    if sg is None or basic is None:
        return
    codes = _by_code(basic)
    if not sg.lines:
        # a blank 三公 table reads as none at all: wrong when the 基本支出 table spends on 三公 lines
        floors = [(code, _code_sum(codes, code, "total")) for _, code in SANGONG_ECON if code in codes]
        spent = [(code, v) for code, v in floors if v > 0]
        if spent:
            lines = "、".join(f"{code} {codes[code][0].label} {money(v)}" for code, v in spent)
            col = sg.columns.get("total") or next(iter(sg.columns.values()), "")
            f = _unfilled(sg, (), f"“{basic.sheet}”中的{lines}，合计", dsum(v for _, v in spent),
                          hint="请填写“三公”经费预算（不少于基本支出中的对应科目）。",
                          cell=f"{col}{sg.header_row + 1}" if col else "")
            if f is not None:
                yield f
        return
    row = sg.lines[0]
    for col, code in SANGONG_ECON:
        if col not in row.cells or col in row.bad or code not in codes:
            continue
        floor = _code_sum(codes, code, "total")
        got = row.amounts.get(col) or D0
        if got >= floor:
            continue
        f = _compare("X009", sg, row, col, floor, got, column=_label(book, sg, col), code=code,
                     name=codes[code][0].label)
        if f:
            yield f


# ----------------------------------------------------------------------------------------------- X010

PROJECT_UNIT_FACTOR = {"元": Decimal(10000), "千元": Decimal(10)}   # 资金总额 is typed in 万元


@check("projects_total")
def projects_total(book: Book):
    """X010: 项目支出 total = Σ project sheets' 资金总额."""
    if not _dept(book):
        return
    funds = [p.form.get("funds") for p in book.projects]
    funds = [f for f in funds if isinstance(f, Decimal)]
    if not funds:
        return
    dept = _table(book, "expense_dept")
    if dept is not None and _filled(dept, ("project",)) and dept.total_line() is not None:
        table, ln = dept, dept.total_line()
        got = ln.amounts.get("project")
    else:
        parts = [t for t in (_table(book, "expense_gpb"), _table(book, "expense_fund")) if _filled(t, ("project",))]
        if not parts or parts[0].total_line() is None:
            return
        table, ln = parts[0], parts[0].total_line()
        got = dsum(_total(t, "project") for t in parts)
    if "project" in ln.bad:
        return
    want = dsum(funds) * PROJECT_UNIT_FACTOR.get(table.unit, Decimal(1))
    sev = grade(want, got, table.unit)
    if sev is None:
        return
    params = amounts(want, got, sev)
    if sev == "error" and want < (got or D0):
        sev = "warning"        # fewer project sheets than project spending: 人员类项目 need none
        params["tail"] = "（少于项目支出：人员类等项目可不填绩效目标表，其余项目请补齐绩效目标表）"
    yield rule("X010").finding(table.sheet, ln.cells.get("project", ""), expected=want, actual=got or D0,
                               severity=sev, n=len(funds), **params)


# ----------------------------------------------------------------------------------------------- X011 X012 X013

@check("info_figures")
def info_figures(book: Book):
    """X011 机关运行经费 vs 公用经费 (info); X012 政府采购 in 单位信息 vs the 明细表; X013 整体绩效目标表."""
    if not _dept(book):
        return
    fam = get_family(book.family)
    if fam.info_sheet not in book.forms:
        return
    info = book.info
    basic = _table(book, "basic_gpb")
    admin = info.get("admin_cost")
    if isinstance(admin, Decimal) and basic is not None and _filled(basic, ("public",)) \
            and info.get("unit_type") != "事业单位":
        want = _total(basic, "public")
        if admin != want:
            yield rule("X011").finding(info.sheet, info.cell("admin_cost"), expected=want, actual=admin,
                                       **amounts(want, admin))
    proc = _table(book, "procurement")
    if proc is not None:
        rows = {norm_label(ln.label): ln for ln in proc.lines}
        for key, row in (("procurement_total", "合计"), ("procurement_goods", "货物类"),
                         ("procurement_works", "工程类"), ("procurement_services", "服务类")):
            v = info.get(key)
            if not isinstance(v, Decimal):
                continue
            ln = rows.get(row)
            want = _v(ln, "total") if ln is not None else (_total(proc, "total") if row == "合计" else D0)
            sev = grade(want, v, proc.unit)
            if sev is None:
                continue
            fv = info.fields[key]
            yield rule("X012").finding(info.sheet, fv.cell, expected=want, actual=v, severity=sev, label=fv.label,
                                       row=row, **amounts(want, v, sev))
    perf = book.forms.get("perf_overall")
    dept = _table(book, "expense_dept")
    if perf is not None and dept is not None and _filled(dept, ("total",)):
        v = perf.get("dept_budget")
        if isinstance(v, Decimal):
            want = _total(dept, "total")
            if v != want:
                fv = perf.fields["dept_budget"]
                yield rule("X013").finding(perf.sheet, fv.cell, expected=want, actual=v, label=fv.label,
                                           **amounts(want, v))
