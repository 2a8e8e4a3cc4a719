"""The template context: everything a narrative template prints, computed from the Book.

Figures come from the tables (部门收支总表, 部门支出总表 and 一般公共预算财政拨款支出预算表 类 rows, the 三公 and
基本支出 tables, 政府采购预算明细表); prior-year figures, reasons and descriptions from the input cells of 单位信息.
The year-on-year wording is computed here (xltools.narrative.numbers.Change), never typed.

An input the document needs and the workbook lacks becomes a `Missing` marker (【待填写：…】) and a finding of
the N family at the cell of the empty input. `needs` are the inputs the shipped templates use (known before
rendering, so `xltools check` reports them); a bureau's template that prints other empty fields adds them to
`shown` while rendering. Plain Python: no Jinja, no python-docx.
"""
from __future__ import annotations

from decimal import Decimal

from xltools.families import Family, TableDecl, get_family
from xltools.findings import Finding
from xltools.lazyre import lazy
from xltools.model import Book, Form, IndicatorTable, Line, Table
from xltools.narrative.numbers import (ZERO, Amount, Change, Missing, clean_reason, clean_sentence, fmt_number,
                                       fmt_plain, md_cell, md_escape, quantize)
from xltools.text import label_key

# the order the published 部门预算公开 prints its tables in (附件1 …)
DEPT_TABLE_ORDER = ("summary_fin", "expense_gpb", "basic_gpb", "sangong", "expense_fund", "summary_dept",
                    "income_dept", "expense_dept", "procurement")
WIDE_TABLE_COLUMNS = 7                     # tables with more columns than this go on landscape pages

SANGONG_ITEMS = (  # (table column, narrative label, prior-year input)
    ("abroad", "因公出国（境）费", "prior_abroad"),
    ("vehicle_buy", "公务用车购置费", "prior_vehicle_buy"),
    ("vehicle_run", "公务用车运行维护费", "prior_vehicle_run"),
    ("reception", "公务接待费", "prior_reception"),
)
PROCUREMENT_ITEMS = (("货物类", "goods", "procurement_goods", "货物"), ("工程类", "works", "procurement_works", "工程"),
                     ("服务类", "services", "procurement_services", "服务"))
# the money a purchase is paid from: (words in the sentence, columns of 政府采购预算明细表)
PROCUREMENT_SOURCES = (("一般公共预算拨款", ("gpb",)), ("政府性基金预算拨款", ("fund",)), ("国有资本经营预算拨款", ("soe",)),
                       ("财政专户管理资金", ("fiscal",)), ("事业收入", ("biz_nonedu", "biz_edu")), ("事业单位经营收入", ("operating",)),
                       ("其他收入", ("other",)), ("用事业基金弥补收支差额", ("reserve",)), ("上年结转", ("carryover",)))
NONE_WORDS = {"无", "没有", "否", "0", "无安排", "不涉及"}


class View:
    """A plain attribute bag the sandboxed templates read (`t.title`, `t.rows` …)."""

    def __init__(self, **kw) -> None:
        self.__dict__.update(kw)

    def __repr__(self) -> str:
        return f"View({', '.join(sorted(self.__dict__))})"

    def get(self, key: str, default=None):
        return self.__dict__.get(key, default)

    def __getitem__(self, key: str):
        return self.__dict__[key]

    def __contains__(self, key: str) -> bool:
        return key in self.__dict__


class TableView(View):
    """A table ready for the `table` macro: header rows and body rows of cell strings (already escaped for
    Markdown; None = the cell is spanned by the one on its left), relative column widths, an alignment letter
    per column (l / c / r), the 1-based columns whose equal neighbours merge vertically, and flags.

    Made with `render` (a function returning a dict of attributes), what the keywords do not give is computed
    on first access to any of it: `xltools check` builds the same context to learn which inputs are missing
    and reads no more of a table than whether it was found, and rendering every cell of every disclosure
    table was most of the cost of that check. The cells are strings only (no Missing markers), so rendering
    them later, or never, changes nothing else."""

    def __init__(self, render=None, **kw) -> None:
        super().__init__(**kw)
        if render is not None:
            self.__dict__["_render"] = render

    def _rendered(self) -> None:
        render = self.__dict__.pop("_render", None)
        if render is not None:
            self.__dict__.update(render())

    def __getattr__(self, name: str):       # called only for what the instance does not hold (yet)
        if name.startswith("_") or "_render" not in self.__dict__:
            raise AttributeError(name)
        self._rendered()
        return getattr(self, name)

    def __repr__(self) -> str:
        self._rendered()
        return super().__repr__()

    def get(self, key: str, default=None):
        self._rendered()
        return super().get(key, default)

    def __getitem__(self, key: str):
        self._rendered()
        return super().__getitem__(key)

    def __contains__(self, key: str) -> bool:
        self._rendered()
        return super().__contains__(key)

    @property
    def separator(self) -> str:
        return "|" + "".join({"l": ":---|", "r": "---:|", "c": ":---:|"}[a] for a in self.align)


class Context:
    def __init__(self, book: Book) -> None:
        self.book = book
        self.fam: Family = get_family(book.family)
        self.unit = book.unit or self.fam.default_unit
        self.needs: list[Missing] = []
        self.shown: list[Missing] = []
        self.extra: list[Finding] = []
        self._required: set[tuple[str, str]] = set()
        self._decls: dict[int, object] = {}
        self._field_types: dict[str, str] | None = None
        self._field_maps: dict[int, dict] = {}
        self.data: dict = {}

    # ------------------------------------------------------------------------------------------ missing

    def _record_shown(self, m: Missing) -> None:
        if all(x.place != m.place for x in self.shown):
            self.shown.append(m)

    def missing(self, label: str, *, sheet: str = "", cell: str = "", key: str = "", code: str = "N001",
                eager: bool = True, **params) -> Missing:
        m = Missing(label, key, sheet, cell, code, params, sink=self._record_shown)
        if eager and all(x.place != m.place for x in self.needs):
            self.needs.append(m)
        return m

    def field_missing(self, form: Form, key: str, *, code: str = "N001", eager: bool = True, label: str = "",
                      **params) -> Missing:
        fv = form.fields.get(key)
        label = label or (fv.label if fv else key)
        decl = self._field_decl(form, key)
        if decl is not None and decl.required:
            self._required.add((form.sheet, fv.cell if fv else ""))
        return self.missing(label, sheet=form.sheet, cell=fv.cell if fv else "", key=key, code=code,
                            eager=eager, **params)

    def form(self, sheet_key: str) -> Form:
        """The book's form for a sheet of the family (an empty one when the sheet is missing)."""
        sd = self.fam.sheet(sheet_key)
        form = self.book.forms.get(sheet_key) or Form(sd.name, {})
        self._decls[id(form)] = sd
        return form

    def typed_label(self, form: Form, key: str, default: str) -> str:
        """The label as the person typed it when it says more than the declared one (总体目标(2021年-2023年))."""
        fv = form.fields.get(key)
        decl = self._field_decl(form, key)
        if fv is None or not fv.cell or not fv.label or decl is None:
            return default
        return md_cell(fv.label) if label_key(fv.label) != label_key(decl.label) else default

    def _field_decl(self, form: Form, key: str):
        sd = self._decls.get(id(form))
        if sd is None:
            sd = next((s for s in self.fam.sheets if not s.repeat and self.book.forms.get(s.key) is form),
                      self.fam.repeated)
        if not sd:
            return None
        by_key = self._field_maps.get(id(sd))     # a sheet's field declarations by key, made once a context
        if by_key is None:
            by_key = self._field_maps[id(sd)] = {}
            for f in sd.fields:
                by_key.setdefault(f.key, f)
        return by_key.get(key)

    def findings(self, *, include_required: bool = True, shown: bool = True) -> list[Finding]:
        from xltools.rules import rule

        out: list[Finding] = []
        seen: set[tuple] = set()
        for m in self.needs + (self.shown if shown else []):
            if m.place in seen:
                continue
            seen.add(m.place)
            if not include_required and (m.sheet, m.cell) in self._required:
                continue
            params = {"label": m.label, "item": "", "change": "", "note": "", **m.params}
            out.append(rule(m.code).finding(m.sheet, m.cell, **params))
        return out + self.extra

    # ------------------------------------------------------------------------------------------ inputs

    def text(self, form: Form, key: str, *, need: bool = True, sentence: bool = False):
        """A typed text, escaped for Markdown; a Missing marker when empty (eager when `need`). With
        `sentence`, trailing punctuation is dropped so the template's own 。/； follows."""
        v = form.get(key)
        if v is None:
            return self.field_missing(form, key, eager=need)
        s = str(v)
        return md_escape(clean_sentence(s) if sentence else s)

    def amount(self, form: Form, key: str, *, need: bool = True, code: str = "N001", **params):
        v = form.get(key)
        if v is None or not isinstance(v, Decimal):
            return self.field_missing(form, key, eager=need, code=code, **params)
        return Amount(v, self.unit)

    def integer(self, form: Form, key: str, *, need: bool = True):
        v = form.get(key)
        if v is None:
            return self.field_missing(form, key, eager=need)
        return v

    def fields(self, form: Form) -> dict:
        """Every field of a form for templates that print one directly: text escaped, amounts as Amount,
        empty ones as a Missing marker that is reported only if the document prints it."""
        out = {}
        if self._field_types is None:      # the declared type of every field key, once per context
            self._field_types = {f.key: f.type for sd in self.fam.sheets for f in sd.fields}
        types = self._field_types
        for key, fv in form.fields.items():
            v = fv.value
            if v is None or (isinstance(v, str) and not v):   # (not `v == ""`: slow for a Decimal)
                out[key] = self.field_missing(form, key, eager=False)
            elif isinstance(v, Decimal):
                out[key] = Amount(v, self.unit) if types.get(key, "amount") == "amount" else v
            elif isinstance(v, int):
                out[key] = v
            else:
                out[key] = md_escape(v)
        return _FieldDict(form, self, out)


class _FieldDict(dict):
    """Fields by key; a key the form does not have at all prints as a marker rather than failing."""

    def __init__(self, form: Form, ctx: Context, data: dict) -> None:
        super().__init__(data)
        self._form = form
        self._ctx = ctx

    def __missing__(self, key: str):
        return self._ctx.missing(key, sheet=self._form.sheet, key=key, eager=False)


# ----------------------------------------------------------------------------------------------- tables


def _lines(book: Book, key: str) -> list[Line] | None:
    t = book.tables.get(key)
    if t is None or not t.found:
        return None
    return list(t.lines)


def _sum(lines, col: str) -> Decimal:
    return sum((ln.amount(col) or ZERO for ln in lines), ZERO)


def _lei(lines: list[Line]) -> list[Line]:
    return [ln for ln in lines if ln.kind == "item" and ln.code and len(ln.code) == 3]


def _total_line(lines: list[Line], labels=()) -> Line | None:
    keys = [label_key(x) for x in labels]
    totals = [ln for ln in lines if ln.kind == "total"]
    for k in keys:
        for ln in totals:
            if label_key(ln.label) == k:
                return ln
    return totals[0] if totals and not keys else None


def _same(a, b) -> bool:
    """Two amounts that print the same (False when either is a Missing marker)."""
    return isinstance(a, Amount) and isinstance(b, Amount) and quantize(a.value) == quantize(b.value)


def _name(ln: Line) -> str:
    return ln.label.strip()


def _cell_amount(ln: Line, key: str) -> str:
    if key in ln.bad:
        return md_cell(ln.bad[key])
    v = ln.amounts.get(key)
    return fmt_number(v) if v is not None else ""


def _header(columns, year: int | None) -> list[list[str | None]]:
    """One header row, or two when some column has a group: the group over its columns (spanned), a
    column without a group repeats its label in both rows (merged vertically in Word)."""
    groups = [c.group_text(year) for c in columns]
    row2 = [md_cell(c.label) for c in columns]
    if not any(groups):
        return [row2]
    row1: list[str | None] = []
    for i, c in enumerate(columns):
        g = groups[i]
        if g and i > 0 and groups[i - 1] == g:
            row1.append(None)
        else:
            row1.append(md_cell(g) if g else md_cell(c.label))
    return [row1, row2]


def _align(columns) -> str:
    return "".join("r" if c.role == "amount" else "l" for c in columns)


def _empty(lines: list[Line], decl: TableDecl) -> bool:
    keys = [c.key for c in decl.amount_columns]
    return all(not (ln.amounts.get(k) or ZERO) for ln in lines for k in keys)


def table_view(book: Book, fam: Family, sheet_key: str) -> TableView:
    """A disclosure sheet as a table: its declared header and every row as typed (amounts with two decimals).
    A sheet with two tables side by side (收入 | 支出) is put back side by side, row by row. Only what the
    context needs (found, sheet, title) is worked out here; the rest when the template reads it (TableView)."""
    sd = fam.sheet(sheet_key)
    decls = list(sd.tables)
    tables: list[Table | None] = [book.tables.get(d.key) for d in decls]
    found = any(t is not None and t.found for t in tables)
    sheet = next((t.sheet for t in tables if t is not None and t.found), sd.name)
    unit = next((t.unit for t in tables if t is not None and t.found and t.unit), book.unit)

    def render() -> dict:
        columns = [c for d in decls for c in d.columns]
        header, rows = _table_cells(decls, tables, columns, book.year)
        return dict(header=header, rows=rows, header_rows=len(header), widths=[int(c.width) for c in columns],
                    align=_align(columns), merge=[], landscape=len(columns) > WIDE_TABLE_COLUMNS,
                    empty=all(_empty(t.lines, d) for d, t in zip(decls, tables) if t is not None))

    return TableView(key=sheet_key, title=sd.title, sheet=sheet, unit=unit, found=found, render=render)


def _table_cells(decls: list[TableDecl], tables: list[Table | None], columns, year: int | None):
    """(header rows, body rows) of a disclosure sheet, every cell escaped for Markdown."""
    if len(decls) > 1:
        header: list[list[str | None]] = [[], []]
        for d in decls:
            h = _header(d.columns, year)
            side = md_cell(d.side or "")
            if len(h) == 1:
                header[0] += [side] + [None] * (len(d.columns) - 1)
                header[1] += h[0]
            else:                            # 支出 | 合计 | 一般公共预算财政拨款 … under the side's banner
                header[0] += [side] + [None] * (len(d.columns) - 1)
                header[1] += h[1]
    else:
        header = _header(columns, year)
    rows: list[list[str | None]] = []
    if len(decls) == 1:
        t = tables[0]
        for ln in (t.lines if t is not None else ()):
            rows.append([_cell(ln, c) for c in columns])
    else:
        by_row: dict[int, list] = {}
        for i, (d, t) in enumerate(zip(decls, tables)):
            for ln in (t.lines if t is not None else ()):
                by_row.setdefault(ln.row, [None] * len(decls))[i] = ln
        for r in sorted(by_row):
            cells: list[str | None] = []
            for d, ln in zip(decls, by_row[r]):
                cells += [_cell(ln, c) if ln is not None else "" for c in d.columns]
            rows.append(cells)
    return header, rows


def _cell(ln: Line, c) -> str:
    if c.role == "code":
        return md_cell(ln.code or (ln.raw_code if ln.raw_code not in (None, "") else ""))
    if c.role in ("name", "label"):
        return md_cell(ln.label)
    if c.role == "amount":
        return _cell_amount(ln, c.key)
    return ""


def indicator_view(ind: IndicatorTable | None, fam: Family, decl_sheet: str, title: str = "") -> TableView:
    """An indicator table as a table; its cells rendered when the template first reads them (see TableView)."""
    sd = fam.sheet(decl_sheet)
    cols = sd.indicators.columns

    def render() -> dict:
        header = _header(cols, None)
        rows = [[md_cell(getattr(r, c.key, "")) for c in cols] for r in (ind.rows if ind else ())]
        return dict(header=header, rows=rows, header_rows=len(header), widths=[int(c.width) for c in cols],
                    align="l" * len(cols), merge=[i + 1 for i, c in enumerate(cols) if c.key in ("level1", "level2")],
                    empty=not rows, landscape=len(cols) > WIDE_TABLE_COLUMNS)

    return TableView(key=sd.indicators.key, title=title or sd.title, sheet=ind.sheet if ind else sd.name,
                     unit="", found=bool(ind and ind.found), render=render)


def info_view(rows, widths: list[int], key: str = "", title: str = "") -> TableView:
    """A form printed as a table without a header row (项目名称 | … spanning, pairs side by side). `rows` is
    the list of rows, or a function making it when the template first reads the table (see TableView)."""
    common = dict(key=key, title=title, sheet="", unit="", header=[], widths=widths, align="l" * len(widths),
                  merge=[1], found=True, empty=False, landscape=False, header_rows=0)
    if callable(rows):
        make = rows
        return TableView(render=lambda: {"rows": make()}, **common)
    return TableView(rows=rows, **common)


# ----------------------------------------------------------------------------------------------- 部门预算公开


def _display_income(label: str) -> str:
    s = label.strip()
    if s.endswith("预算"):
        s = s[:-2]
    if s.endswith("拨款收入"):
        s = s[:-2]
    return s


def dept_context(ctx: Context) -> dict:
    book, fam, unit = ctx.book, ctx.fam, ctx.unit
    info = ctx.form(fam.info_sheet)
    A = lambda v: Amount(v, unit)  # noqa: E731

    year = book.year
    year_v = year if year is not None else ctx.field_missing(info, "year")
    prior_year = info.get("prior_year") or (year - 1 if year is not None else None)
    base = f"{prior_year}年" if prior_year is not None else "上年"
    name = ctx.text(info, "unit_name")

    def table_missing(key: str, use: str) -> Missing:
        sd = next(s for s in fam.sheets if any(t.key == key for t in s.tables))
        return ctx.missing(sd.name, sheet=sd.name, key=key, code="N004", use=use, table=sd.name,
                           problem="缺失或找不到表头")

    def prior(key: str, item: str):
        return ctx.amount(info, key, code="N003", item=item)

    def reason(key: str, change: Change, item: str):
        v = info.get(key)
        if v:
            return md_escape(clean_reason(str(v)))
        if change.changed:
            return ctx.field_missing(info, key, code="N002", item=item, change=change.text)
        return ""

    # -- 一、单位基本情况
    subs = info.get("n_subordinate")
    org = View(
        functions=ctx.text(info, "functions"),
        n_departments=ctx.integer(info, "n_departments"),
        n_subordinate=subs or 0,
        subordinate_units=md_escape(clean_sentence(str(info.get("subordinate_units") or ""))),
        # "2个下属事业单位：甲、乙" (a list after a colon); one unit reads as the seed prints it, "1个下属事业单位甲"
        subordinate_sep=("：" if info.get("subordinate_units") and ((isinstance(subs, int) and subs > 1) or any(
            x in str(info.get("subordinate_units")) for x in "、，,；;")) else ""),
        staff=ctx.integer(info, "staff"),
        retired=info.get("retired"),
        dispatched=info.get("dispatched"),
        dispatched_detail=md_escape(info.get("dispatched_detail") or ""),
        vehicles=info.get("vehicles_in_staff"),
        unit_type=md_escape(info.get("unit_type") or ""),
    )

    # -- 二、部门收支总体情况: 部门收支总表 (income items, totals), 部门支出总表 类 rows
    inc_lines = _lines(book, "summary_dept_income")
    if inc_lines is None:
        income_total = table_missing("summary_dept_income", "收入预算")
        income_items, income_absent = [], []
    else:
        tl = _total_line(inc_lines, ("收入总计", "本年收入合计"))
        items = [ln for ln in inc_lines if ln.kind == "item"]
        income_total = A(tl.amount("amount") if tl and tl.amount("amount") is not None else _sum(items, "amount"))
        income_items = [View(label=md_escape(_display_income(ln.label)), amount=A(ln.amount("amount")))
                        for ln in items if ln.amount("amount")]
        for ln in inc_lines:   # 用事业基金弥补收支差额, 上年结转: printed when there is an amount
            if ln.kind == "total" and label_key(ln.label) in ("用事业基金弥补收支差额", "上年结转") and ln.amount("amount"):
                income_items.append(View(label=md_escape(ln.label), amount=A(ln.amount("amount"))))
        income_absent = [md_escape(_display_income(ln.label)) for ln in items if not ln.amount("amount")]
    income_change = Change(income_total, prior("prior_income", "收入预算"), base)
    income = View(total=income_total, items=income_items, absent=income_absent, change=income_change,
                  reason=reason("income_change_reason", income_change, "收入预算"))

    dept_lines = _lines(book, "expense_dept")
    gpb_lines = _lines(book, "expense_gpb")
    exp_lines = _lines(book, "summary_dept_expense")

    # 一般公共预算财政拨款 (类 rows of 一般公共预算财政拨款支出预算表): section 三, and the test below
    if gpb_lines is None:
        g_total = g_basic = g_project = table_missing("expense_gpb", "一般公共预算财政拨款支出")
    else:
        g_lei = _lei(gpb_lines)
        if g_lei:
            g_total, g_basic, g_project = (A(_sum(g_lei, k)) for k in ("total", "basic", "project"))
        else:
            tl = _total_line(gpb_lines)
            g_total, g_basic, g_project = (A(tl.amount(k) if tl else 0) for k in ("total", "basic", "project"))

    dept_lei = _lei(dept_lines) if dept_lines else []
    func_lines = dept_lines if dept_lei else gpb_lines
    exp_tl = _total_line(exp_lines, ("支出总计", "本年支出合计")) if exp_lines is not None else None
    if func_lines is None and exp_lines is None:
        expense_total = table_missing("expense_dept", "支出预算")
    elif exp_tl is not None and exp_tl.amount("amount") is not None:
        expense_total = A(exp_tl.amount("amount"))
    elif func_lines:
        expense_total = A(_sum(_lei(func_lines), "total"))
    else:
        expense_total = A(0)
    # Is all of the department's money 一般公共预算 (its totals equal the 一般公共预算财政拨款 ones, as in seed 001)?
    # Only then do the department's 上年 figures stand for the 一般公共预算 ones, and the 一般公共预算 table for
    # a 部门支出总表 without 类 rows.
    all_gpb = _same(expense_total, g_total) and (not dept_lei or (_same(A(_sum(dept_lei, "basic")), g_basic)
                                                                  and _same(A(_sum(dept_lei, "project")), g_project)))
    def share(v) -> str:
        return A(v).share_of(expense_total) if isinstance(expense_total, Amount) else ""

    if func_lines is not None and (dept_lei or all_gpb):
        lei = _lei(func_lines)
        by_func = [View(code=ln.code, name=md_escape(_name(ln)), amount=A(ln.amount("total")),
                        share=share(ln.amount("total"))) for ln in lei if ln.amount("total")]
        d_basic, d_project = A(_sum(lei, "basic")), A(_sum(lei, "project"))
    else:
        # no 类 rows in 部门支出总表, and the 一般公共预算 table is not the department's: the 类 amounts of
        # 部门收支总表, 基本支出 and 项目支出 unknown
        by_func = [View(code="", name=md_escape(_name(ln)), amount=A(ln.amount("amount")),
                        share=share(ln.amount("amount")))
                   for ln in (exp_lines or ()) if ln.kind == "item" and ln.amount("amount")]
        d_basic = d_project = table_missing("expense_dept", "基本支出和项目支出")
    expense_change = Change(expense_total, prior("prior_expense", "支出预算"), base)
    p_basic = prior("prior_basic", "基本支出")
    p_project = prior("prior_project", "项目支出")
    d_basic_change, d_project_change = Change(d_basic, p_basic, base), Change(d_project, p_project, base)
    drivers = [f"{label}预算{c.phrase}" for label, c in (("基本支出", d_basic_change), ("项目支出", d_project_change))
               if c.changed or c.missing]
    expense = View(total=expense_total, by_func=by_func, change=expense_change, basic=d_basic, project=d_project,
                   basic_change=d_basic_change, project_change=d_project_change, drivers=drivers)

    # -- 三、部门预算情况说明: 一般公共预算财政拨款, compared with the 一般公共预算 上年 figures (never with the
    # department's, unless they are the same money)
    fin_lines = _lines(book, "summary_fin_income")
    if fin_lines is not None:
        gi = [ln for ln in fin_lines if ln.kind == "item" and label_key(ln.label).startswith("一般公共预算")]
        g_income = A(gi[0].amount("amount") or 0) if gi else g_total
    else:
        g_income = g_total

    def gpb_prior(key: str, item: str, dept: Amount | Missing | None, dept_label: str) -> Amount | Missing:
        """The 上年 figure typed for 一般公共预算; else the department's (`dept`) when it is the same money; else
        a marker and an N003 that says why the department's figure cannot be used."""
        v = info.get(key)
        if isinstance(v, Decimal):
            return A(v)
        if all_gpb and dept is not None:
            return dept
        note = f"（部门支出中有一般公共预算财政拨款以外的资金，不能用“{dept_label}”比较"
        fv = info.fields.get(key)
        if fv is None or not fv.cell:        # a workbook made before the row existed: a person can add it
            label = next(f.label for f in fam.sheet(fam.info_sheet).fields if f.key == key)
            note += f"；表中没有这一项的，在单位信息末尾空行的“填报项”列写“{label}”、右侧填金额"
        return ctx.amount(info, key, code="N003", item=item, note=note + "）")

    gp_basic = gpb_prior("prior_gpb_basic", "一般公共预算财政拨款基本支出", p_basic, "上年基本支出")
    gp_project = gpb_prior("prior_gpb_project", "一般公共预算财政拨款项目支出", p_project, "上年项目支出")
    typed = info.get("prior_gpb_expense")
    if isinstance(typed, Decimal):
        g_prior: Amount | Missing = A(typed)
    elif isinstance(gp_basic, Amount) and isinstance(gp_project, Amount):
        g_prior = A(gp_basic.value + gp_project.value)
    elif all_gpb:
        g_prior = gp_basic if isinstance(gp_basic, Missing) else gp_project
    else:
        g_prior = gpb_prior("prior_gpb_expense", "一般公共预算财政拨款支出", None, "上年支出预算")
    basic_change = Change(g_basic, gp_basic, base)
    basic_change._reason = reason("basic_change_reason", basic_change, "基本支出")
    project_change = Change(g_project, gp_project, base)
    project_change._reason = reason("project_change_reason", project_change, "项目支出")
    gpb = View(income=g_income, total=g_total, basic=g_basic, project=g_project, all_gpb=all_gpb,
               change=Change(g_total, g_prior, base), basic_change=basic_change, project_change=project_change,
               basic_use=(ctx.text(info, "basic_use", sentence=True) if isinstance(g_basic, Amount) and not g_basic.zero else ""),
               project_use=(ctx.text(info, "project_use", sentence=True) if isinstance(g_project, Amount) and not g_project.zero
                            else ""))

    fund_lines = _lines(book, "expense_fund")
    fund_total = A(_sum(_lei(fund_lines), "total") if fund_lines and _lei(fund_lines)
                   else (_total_line(fund_lines).amount("total") or 0) if fund_lines and _total_line(fund_lines)
                   else 0)
    fund_note = info.get("fund_note")
    note = clean_sentence(str(fund_note)) if fund_note else ""
    if fund_total.zero:
        fund_use: str | Missing = ""
        fund_text = ""
        fund_none = _fund_none_sentence(note, name, year_v)
    else:
        fund_none = ""
        if not note or label_key(note) in NONE_WORDS:
            fund_use, fund_text = ctx.field_missing(info, "fund_note"), ""
        else:
            fund_use, fund_text = (md_escape(x) for x in _fund_use(note))
    fund = View(total=fund_total, zero=fund_total.zero, note=md_escape(note), use=fund_use, text=fund_text,
                none_sentence=fund_none)

    # -- 四、“三公”经费
    sg_lines = _lines(book, "sangong")
    if sg_lines is None:
        sg_total: Amount | Missing = table_missing("sangong", "“三公”经费")
        sg_line = None
    else:
        sg_line = sg_lines[0] if sg_lines else None
        parts = [(sg_line.amount(k) if sg_line else None) or ZERO for k, _, _ in SANGONG_ITEMS]
        t = sg_line.amount("total") if sg_line else None
        sg_total = A(t if t is not None else sum(parts, ZERO))
    sg_change = Change(sg_total, prior("prior_sangong", "“三公”经费"), base)
    sg_change._reason = reason("sangong_change_reason", sg_change, "“三公”经费")
    sg_items, present, changes, absent = [], [], [], []
    for key, label, pkey in SANGONG_ITEMS:
        cur = A((sg_line.amount(key) if sg_line else None) or 0)
        pv = info.get(pkey)
        if isinstance(pv, Decimal):
            p: Amount | Missing = A(pv)
        elif not cur.zero:
            p = prior(pkey, label)
        else:
            p = A(0)
        item = View(key=key, label=label, amount=cur, change=Change(cur, p, base), prior=p)
        sg_items.append(item)
        if not cur.zero:
            present.append(item)
        else:
            absent.append(label)
        if not cur.zero or (isinstance(p, Amount) and not p.zero):
            changes.append(item)
    sangong = View(total=sg_total, change=sg_change, items=sg_items, present=present, changes=changes,
                   absent=absent, zero=isinstance(sg_total, Amount) and sg_total.zero)

    # -- 五、其他重要事项
    ac = info.get("admin_cost")
    basic_t = _lines(book, "basic_gpb")
    if isinstance(ac, Decimal):
        admin_amount: Amount | Missing = A(ac)
    elif label_key(info.get("unit_type") or "") == "事业单位":
        admin_amount = A(0)     # 机关运行经费 is 行政单位 and 参公 only: a 事业单位's 公用经费 is not one
    elif basic_t:
        tl = _total_line(basic_t)
        admin_amount = A(tl.amount("public") if tl and tl.amount("public") is not None
                         else _sum([ln for ln in basic_t if ln.kind == "item" and ln.code and len(ln.code) == 3],
                                   "public"))
    else:
        admin_amount = ctx.field_missing(info, "admin_cost")
    # none this year: the document says so and needs no 上年 figure (used when typed: 比上年减少…)
    admin_zero = isinstance(admin_amount, Amount) and admin_amount.zero
    admin_prior = (ctx.amount(info, "prior_admin_cost", need=False, code="N003", item="机关运行经费") if admin_zero
                   else prior("prior_admin_cost", "机关运行经费"))
    admin_change = Change(admin_amount, admin_prior, "上年")
    admin_change._reason = reason("admin_cost_change_reason", admin_change, "机关运行经费")
    admin = View(amount=admin_amount, change=admin_change,
                 use=(ctx.text(info, "admin_cost_use", sentence=True) if isinstance(admin_amount, Amount) and not admin_amount.zero
                      else ""))

    procurement = _procurement(ctx, info, A, all_gpb)

    covered = info.get("perf_covered")
    perf_note = info.get("perf_note")
    perf = View(covered=A(covered) if isinstance(covered, Decimal) else g_project,
                note=md_escape(clean_sentence(str(perf_note))) if perf_note else "")

    plan = info.get("vehicle_purchase_plan")
    if plan is None:
        purchase = purchase_text = ctx.field_missing(info, "vehicle_purchase_plan")
        purchase_none = False
    else:
        purchase = md_escape(clean_sentence(str(plan)))
        purchase_none = label_key(plan) in NONE_WORDS
        # the plan as typed may already say 购置 / 安排 (购置疾控应急车辆1辆): not "安排购置车辆购置…"
        purchase_text = (purchase if purchase.startswith(("安排", "计划")) else
                         "安排" + purchase if purchase.startswith(("购置", "新购", "购买", "采购", "更新")) else
                         "安排购置车辆" + purchase)
    vt = info.get("vehicles_total")
    assets = View(date=ctx.text(info, "assets_date"),
                  vehicles=ctx.integer(info, "vehicles_total"),
                  general=(ctx.integer(info, "vehicles_general") if vt else info.get("vehicles_general")),
                  purchase=purchase, purchase_none=purchase_none, purchase_text=purchase_text)

    # -- tables, 部门整体绩效目标表, projects
    tables = {key: table_view(book, fam, key) for key in DEPT_TABLE_ORDER if _has_sheet(fam, key)}
    for key, t in tables.items():
        if not t.found:
            ctx.extra.append(_n004(t.sheet, t.title, "附表", "缺失或找不到表头"))
    perf_overall = _perf_overall(ctx, book, fam, A)
    projects = [_dept_project(ctx, p, fam, i) for i, p in enumerate(book.projects, 1)]

    return dict(
        family=fam.family, family_title=fam.title, unit=unit, year=year_v, prior_year=prior_year, base=base,
        name=name, f=ctx.fields(info), org=org, income=income, expense=expense, gpb=gpb, fund=fund,
        sangong=sangong, admin=admin, procurement=procurement, perf=perf, assets=assets,
        contact=ctx.text(info, "contact"), phone=ctx.text(info, "phone"),
        tables=tables, table_order=[k for k in DEPT_TABLE_ORDER if k in tables],
        perf_overall=perf_overall, projects=projects,
    )


_USE_LEADS = ("主要用于", "用于")
_AMOUNT_IN_TEXT = lazy(r"\d[\d,.]*\s*(万元|元)")
_ABSENCE = ("无", "未", "没有", "不涉及")


def _fund_use(note: str) -> tuple[str, str]:
    """政府性基金预算说明 as typed → (use, sentence): the phrase that follows "主要用于" in our sentence, or the
    person's own full sentence printed after ours. People type either a phrase (农村基础设施建设) or a whole
    sentence that restates the amount (政府性基金预算支出420万元，主要用于农村基础设施建设): the restatement is
    dropped (the document's amount comes from the table), a sentence that says more is kept whole."""
    for lead in _USE_LEADS:
        if note.startswith(lead):
            return note[len(lead):].lstrip("：:，, "), ""
    for lead in _USE_LEADS:
        i = note.find(lead)
        if i > 0:
            pre, post = note[:i].rstrip("，,；;：: "), note[i + len(lead):].lstrip("：:，, ")
            restates = "政府性基金" in pre or _AMOUNT_IN_TEXT.search(pre) is not None
            says_more = "其中" in pre or pre.endswith("分别") or any(x in pre for x in "。；;")
            if restates and not says_more and post:
                return post, ""
            return "", note
    if any(x in note for x in "。；;") or "政府性基金" in note or _AMOUNT_IN_TEXT.search(note) is not None:
        return "", note
    return note, ""


def _fund_none_sentence(note: str, name, year) -> str:
    """The sentence for a department without 政府性基金 money: the typed statement when it says so (prefixed with
    the unit's name when it starts with the year or with 无/未), else the published wording."""
    if note and label_key(note) not in NONE_WORDS and any(x in note for x in _ABSENCE):
        text = md_escape(note)
        if note[:1].isdigit() or note.startswith(_ABSENCE):
            return f"{name}{text}"
        return text
    return f"{name}{year}年未使用政府性基金预算拨款安排的支出"


def _has_sheet(fam: Family, key: str) -> bool:
    try:
        fam.sheet(key)
    except KeyError:
        return False
    return True


def _n004(sheet: str, table: str, use: str, problem: str) -> Finding:
    from xltools.rules import rule

    return rule("N004").finding(sheet, "", label=table, table=table, use=use, problem=problem, item="", change="")


def _procurement(ctx: Context, info: Form, A, all_gpb: bool = True) -> View:
    """政府采购: the total, the money it comes from (`sources`: 一般公共预算拨款, 政府性基金预算拨款 …, as the
    政府采购预算明细表 splits it) and the kinds (`parts`: 货物 / 工程 / 服务)."""
    lines = _lines(ctx.book, "procurement")
    if lines is not None and any(ln.amount("total") for ln in lines):
        tl = _total_line(lines, ("合计",))
        items = {label_key(ln.label): ln for ln in lines if ln.kind == "item"}
        total = A(tl.amount("total") if tl and tl.amount("total") is not None
                  else sum((items[k].amount("total") or ZERO for k in items), ZERO))

        def column(k: str) -> Decimal:          # the 合计 row's figure, else the sum of the kinds
            v = tl.amount(k) if tl else None
            return v if v is not None else sum((ln.amount(k) or ZERO for ln in items.values()), ZERO)

        gpb = A(column("gpb"))

        sources = [View(label=label, amount=A(sum((column(k) for k in keys), ZERO)))
                   for label, keys in PROCUREMENT_SOURCES]
        sources = [x for x in sources if not x.amount.zero]
        parts = {}
        for label, key, _, _ in PROCUREMENT_ITEMS:
            ln = items.get(label_key(label))
            parts[key] = A((ln.amount("total") if ln else None) or 0)
        # an input in 单位信息 that says otherwise: the document follows the table, the person is told
        from xltools.rules import rule

        checks = [(field, parts[key]) for _, key, field, _ in PROCUREMENT_ITEMS] + [("procurement_total", total)]
        for field, fval in checks:
            typed = info.get(field)
            if isinstance(typed, Decimal) and typed != fval.value:
                fv = info.fields.get(field)
                ctx.extra.append(rule("N005").finding(info.sheet, fv.cell if fv else "", expected=fval.value,
                                                      actual=typed, label=fv.label if fv else field,
                                                      table="政府采购预算明细表", item="", change=""))
    else:
        t = info.get("procurement_total")
        parts = {key: A(info.get(field) or 0) for _, key, field, _ in PROCUREMENT_ITEMS}
        if isinstance(t, Decimal):
            total = A(t)
        elif any(not p.zero for p in parts.values()):
            total = A(sum((p.value for p in parts.values()), ZERO))
        elif lines is not None:
            total = A(0)                 # the table is there and empty: no procurement
        else:
            total = ctx.field_missing(info, "procurement_total")
        # no table: the money it comes from is known only when all of the department's money is 一般公共预算
        gpb = total if all_gpb else A(0)
        sources = [View(label=PROCUREMENT_SOURCES[0][0], amount=total)] if all_gpb and isinstance(total, Amount) else []
    listed = [View(label=lab, amount=parts[key]) for _, key, _, lab in PROCUREMENT_ITEMS if not parts[key].zero]
    zero = isinstance(total, Amount) and total.zero
    return View(total=total, gpb=gpb, goods=parts["goods"], works=parts["works"], services=parts["services"],
                parts=listed, sources=sources, zero=zero)


def _perf_overall(ctx: Context, book: Book, fam: Family, A) -> View | None:
    if not _has_sheet(fam, "perf_overall"):
        return None
    sd = fam.sheet("perf_overall")
    ind = book.indicators.get("perf_overall")
    if book.forms.get("perf_overall") is None and ind is None:
        return View(found=False, title=sd.title, info=None, indicators=None)
    form = ctx.form("perf_overall")
    f = ctx.fields(form)
    lab = {x.key: md_cell(x.label) for x in sd.fields}
    amt = lambda k: f[k].num if isinstance(f[k], Amount) else f[k]  # noqa: E731
    rows = [[lab["unit_name"], f["unit_name"], None, None],
            [lab["total_budget"], amt("total_budget"), lab["dept_budget"], amt("dept_budget")],
            [lab["goal"], f["goal"], None, None]]
    return View(found=True, title=sd.title, info=info_view(rows, [18, 30, 18, 20], "perf_overall_info"),
                indicators=indicator_view(ind, fam, "perf_overall"), unit=ctx.unit)


def _dept_project(ctx: Context, p, fam: Family, n: int) -> View:
    rep = fam.repeated
    f = ctx.fields(p.form)
    fv = p.form.fields

    def val(k):
        v = f[k]
        if isinstance(v, Amount):
            return fmt_plain(v.value)
        return v

    def info_rows() -> list[list]:      # the project's 项目信息 table, made when the template prints it
        lab = {x.key: md_cell(x.label) for x in rep.fields}
        rows: list[list] = []
        pending: list = []
        for fd in rep.fields:
            if fd.key not in fv and fd.key not in f:
                continue
            if fd.pair:
                pending += [lab[fd.key], val(fd.key)]
                if len(pending) == 4:
                    rows.append(pending)
                    pending = []
            else:
                if pending:
                    rows.append(pending + [None] * (4 - len(pending)))
                    pending = []
                rows.append([lab[fd.key], val(fd.key), None, None])
        if pending:
            rows.append(pending + [None] * (4 - len(pending)))
        return rows

    return View(n=n, sheet=p.sheet, name=f["name"], fields=f, title=rep.title,
                info=info_view(info_rows, [16, 30, 18, 20], f"project{n}_info"),
                indicators=indicator_view(p.indicators, fam, rep.key))


# ----------------------------------------------------------------------------------------------- 项目绩效目标申报


def project_context(ctx: Context) -> dict:
    book, fam, unit = ctx.book, ctx.fam, ctx.unit
    app = ctx.form("application")
    tg = ctx.form("targets")
    year = book.year
    year_v = year if year is not None else ctx.field_missing(app, "year")

    need = lambda k: ctx.text(app, k)  # noqa: E731
    p = View(**{k: need(k) for k in ("project_name", "basis", "unit_name", "org_code", "address", "phone",
                                     "legal_rep", "funding_source", "unit_profile", "overview", "content",
                                     "plan", "outcome")})
    department = app.get("department")
    org = md_escape(department) if department else p.unit_name
    funds = ctx.amount(app, "funds")
    ft = app.get("funds_text")
    funds_text = md_escape(ft) if ft else ""
    goal_overall = ctx.text(tg, "goal_overall")
    goal_year = ctx.text(tg, "goal_year")
    y = year if year is not None else "【待填写：预算年度】"
    goals = info_view([["项目目标", ctx.typed_label(tg, "goal_overall", "总体目标"), goal_overall],
                       ["项目目标", ctx.typed_label(tg, "goal_year", f"预算年度（{y}年）目标"), goal_year]],
                      [10, 18, 72], "goals")
    indicators = indicator_view(book.indicators.get("targets"), fam, "targets", "项目绩效目标表")
    return dict(family=fam.family, family_title=fam.title, unit=unit, year=year_v, org=org, p=p,
                f=ctx.fields(app), t=ctx.fields(tg), funds=funds, funds_text=funds_text, goals=goals,
                indicators=indicators, name=p.project_name)


BUILDERS = {"dept_budget": dept_context, "project_perf": project_context}


def build_context(book: Book) -> Context:
    """The context for the book's family; Context.data is what the templates see."""
    ctx = Context(book)
    builder = BUILDERS.get(book.family)
    if builder is None:
        from xltools.errors import TemplateError

        raise TemplateError(f"模板族“{ctx.fam.title}”没有情况说明的生成规则。")
    ctx.data = builder(ctx)
    return ctx
