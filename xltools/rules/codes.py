"""C family: 科目编码 and 科目名称 against the catalogue of the book's 预算年度.

Coded tables (code_kind func / econ_dept): every item row's code is checked for its form (C001), its kind for the
table (C007), its place in the catalogue (C002 where the catalogue level is complete, C003 where the bundled list
is partial — a partial list never turns a well-formed code into an error), its name (C004, C005), repetition
(C008) and its parent rows in the same table (C006); a row with a name or an amount but no code is C009.
Tables whose expense rows are named without codes (code_kind func_lei_by_name: the expense sides of 部门收支总表
and 财政拨款收支总表) are matched to 类 by name (C010, C004 for a former name, C008), and each named 类 with an
amount is looked for in the coded 功能分类 tables of the same book: a 类 the detail tables do not have, whose
amount equals that of a 类 they have and this side does not name, is a mislabel (C011); otherwise C012.

`analyse(book)` also returns what fill-codes may write: empty 科目名称 the catalogue can fill, and code cells that
hold a dropdown choice ("2010301 行政运行") to be reduced to the code. Nothing here touches a file.
"""
from __future__ import annotations

from decimal import Decimal
from operator import attrgetter

from xltools.codes.normalise import (KIND_NAMES, infer_kind, level_of, name_key, names_match, normalise_code,
                                     parent_code)
from xltools.families import TableDecl, get_family
from xltools.findings import Finding
from xltools.lazyre import lazy
from xltools.model import Book, Line, Table
from xltools.record import record
from xltools.rules import rule
from xltools.rules.registry import check

# the catalogue (xltools.codes.catalogue) is imported and read when a table needs it: a project book has none
TYPE_CHECKING = False              # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from xltools.codes.catalogue import Catalogue, Entry, View

_ANCESTORS = {7: (5, 3), 5: (3,)}     # a code's 款 and 类 prefixes by its length (parent_code, repeated)
BY_NAME = "func_lei_by_name"
_LEVEL_WORD = {"类": "类级", "款": "款级", "项": "项级"}
# enumeration in front of a label: 一、 （一） 1. 1、 (1) — compiled on first use (xltools.lazyre)
_ENUM = lazy(r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d+[、.．)）])\s*")


@record
class NameFill:
    """An empty 科目名称 the catalogue fills (and, for a dropdown choice in the code cell, the code itself)."""

    sheet: str
    cell: str
    value: str
    code: str
    what: str = "name"          # "name" (科目名称 cell) | "code" (code cell reduced to the code)
    #                             | "code_by_name" (an empty code cell, the code of the row's name)


class CodeAnalysis:
    """The C findings of a book and the cells fill-codes may write (both lists filled by the checker)."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.fills: list[NameFill] = []


# ------------------------------------------------------------------------------------------------ helpers

def _catalogue_label(kind: str, year: int | None) -> str:
    return f"{year}年{KIND_NAMES[kind]}目录" if year else f"{KIND_NAMES[kind]}目录"


def _code_cell(ln: Line) -> str:
    # split 类|款|项 columns leave no single code cell: the row's name cell stands in for it
    return ln.cells.get("code") or ln.cells.get("name") or ln.cells.get("item") or f"A{ln.row}"


def _name_cell(ln: Line) -> str:
    return ln.cells.get("name") or ln.cells.get("item") or _code_cell(ln)


def _first_amount_column(table: Table, decl: TableDecl) -> str | None:
    """The key of the table's first amount column (None when it has none)."""
    return next((c.key for c in decl.amount_columns if c.key in table.columns), None)


def _money(d: Decimal) -> str:
    """39.7 → '39.70' (at least two decimals, as the tables print them); any Decimal, never raises."""
    if d.is_finite() and d.as_tuple().exponent > -2:
        try:
            return format(d.quantize(Decimal("0.01")), "f")
        except ArithmeticError:  # too many digits for the context (1E+30): print it as it is
            pass
    return format(d, "f")


def _has_amount(ln: Line) -> bool:
    return any(v is not None for v in ln.amounts.values()) or bool(ln.bad)


def _kind_text(code: str) -> str:
    k = infer_kind(code)
    if k is None:
        return "未知分类"
    return f"{KIND_NAMES[k]}{_LEVEL_WORD.get(level_of(code) or '', '')}"


def _rename_note(code: str, typed: str, entry: Entry, year: int | None, cat: Catalogue) -> str:
    """Why a typed name differs when the 科目 was renamed: the former name, or the later one in an older book."""
    for r in cat.renames.get(code, ()):
        if names_match(typed, r.former_name) and not names_match(typed, entry.name):
            return f"（“{typed}”是该科目的曾用名，{r.until_year + 1} 年起更名为“{r.current_name}”，请改用目录名称）"
        if names_match(typed, r.current_name) and year is not None and year <= r.until_year:
            return f"（“{typed}”是该科目 {r.until_year + 1} 年起的名称，{year} 年的目录中为“{entry.name}”）"
    return ""


def _variant(typed: str, official: str) -> bool:
    a, b = name_key(typed), name_key(official)
    return bool(a and b) and min(len(a), len(b)) >= 2 and (a in b or b in a)


# the 类 name index of the last catalogue view asked for (a view is built once per kind and year and kept by
# the catalogue; a reloaded catalogue makes new views, so the index is rebuilt)
_LEI_INDEX: dict[int, tuple[View, dict[str, tuple[Entry, str | None]]]] = {}


class _Checker:
    def __init__(self, book: Book) -> None:
        self.book = book
        self.year = book.year
        self._cat: Catalogue | None = None
        self.fam = get_family(book.family)
        self.out = CodeAnalysis()
        self._views: dict[str, View] = {}
        self._partial_seen: set[tuple[str, str]] = set()     # (kind, code) reported as C003

    @property
    def cat(self) -> Catalogue:
        if self._cat is None:
            from xltools.codes.catalogue import get_catalogue

            self._cat = get_catalogue()
        return self._cat

    def view(self, kind: str) -> View:
        v = self._views.get(kind)
        if v is None:
            v = self._views[kind] = self.cat.view(kind, self.year)
        return v

    def add(self, rule_code: str, sheet: str, cell: str, /, **kw) -> None:
        self.out.findings.append(rule(rule_code).finding(sheet, cell, **kw))

    def tables(self):
        for key, table in self.book.tables.items():
            if not table.found:
                continue
            try:
                decl = self.fam.table(key)
            except KeyError:
                continue
            yield table, decl

    # -------------------------------------------------------------------------------- coded tables
    def coded(self, table: Table, decl: TableDecl) -> None:
        kind = decl.code_kind
        sheet = table.sheet
        first_row: dict[str, int] = {}
        present: list[tuple[str, Line]] = []
        for ln in table.lines:
            if ln.kind != "item":
                continue
            typed = (ln.label or "").strip()
            code = ln.code
            if ln.raw_code in (None, ""):
                if typed or _has_amount(ln):
                    self._missing_code(sheet, ln, typed, kind)
                if code is None:
                    continue
                # the parser placed the row by its name (the one catalogue entry so called): fill-codes writes it
                if ln.cells.get("code"):
                    self.out.fills.append(NameFill(sheet, ln.cells["code"], code, code, "code_by_name"))
            if not (code.isascii() and code.isdigit()):
                self.add("C001", sheet, _code_cell(ln), actual=ln.raw_code if isinstance(ln.raw_code, str)
                         else code, reason="含有字母或其他非数字字符")
                continue
            choice = None
            if isinstance(ln.raw_code, str) and normalise_code(ln.raw_code) != code:   # the parser split the cell
                from xltools.codes.dropdown import split_code_cell   # rare: imported when met

                choice = split_code_cell(ln.raw_code)
            if choice is not None:
                # a dropdown choice "2010301 行政运行" in the code cell: the parser took its code, and its name when
                # the name cell was empty — which fill-codes then fills with the catalogue's name
                if ln.cells.get("code"):
                    self.out.fills.append(NameFill(sheet, ln.cells["code"], code, code, "code"))
                self.add("C013", sheet, _code_cell(ln), actual=str(ln.raw_code).strip(), code=code)
                if "name" in ln.cells and typed == choice[1]:
                    typed = ""
            k = infer_kind(code)
            if k is None:
                self.add("C001", sheet, _code_cell(ln), actual=code,
                         reason=f"{len(code)} 位数字，不是有效的编码位数或开头")
                continue
            if k != kind:
                hint = ""
                if kind == "econ_dept" and k == "econ_gov":
                    hint = "（部门预算各表使用部门预算支出经济分类 301–399）"
                elif kind == "econ_dept" and k == "func":
                    hint = "（基本支出表按经济分类列示；功能分类科目请填在一般公共预算财政拨款支出预算表等表中）"
                elif kind == "func":
                    hint = "（本表按支出功能分类列示）"
                self.add("C007", sheet, _code_cell(ln), actual=code, code=code, actual_kind=_kind_text(code),
                         expected_kind=KIND_NAMES[kind], hint=hint)
                continue
            if code in first_row:
                self.add("C008", sheet, _code_cell(ln), actual=code, what=f"科目 {code}", first=first_row[code])
                continue
            first_row[code] = ln.row
            present.append((code, ln))
            self._entry(sheet, ln, code, kind, typed)
        self._parents(sheet, kind, present)

    def _missing_code(self, sheet: str, ln: Line, typed: str, kind: str) -> None:
        hint = ""
        if typed:
            what = f"科目“{typed}”"
            hits = self.view(kind).named(typed)
            if len(hits) == 1:
                hint = (f"（目录中名称相同的科目是 {hits[0].code}，本行已按 {hits[0].code} 核对；"
                        "点击“填充科目名称”或运行 xltools fill-codes 可补填编码）")
            elif len(hits) > 1:
                hint = f"（目录中有 {len(hits)} 个科目叫这个名称，如 {hits[0].code}、{hits[1].code}，请按所属款、类选定）"
        else:
            what = f"第 {ln.row} 行有金额，但"
        self.add("C009", sheet, _code_cell(ln), actual=typed or None, what=what, hint=hint)

    def _entry(self, sheet: str, ln: Line, code: str, kind: str, typed: str) -> None:
        view = self.view(kind)
        entry = view.by_code.get(code)
        if entry is None:
            self._unknown(sheet, ln, code, kind)
            return
        if not typed:
            cell = ln.cells.get("name")
            if cell:
                self.out.fills.append(NameFill(sheet, cell, entry.name, code))
            return
        if names_match(typed, entry.name):
            return
        note = _rename_note(code, typed, entry, self.year, self.cat)
        if not note and _variant(typed, entry.name):
            self.add("C005", sheet, _name_cell(ln), expected=entry.name, actual=typed, code=code)
            return
        if not note:
            note = "，请核对编码是否填错或名称是否抄错"
        self.add("C004", sheet, _name_cell(ln), expected=entry.name, actual=typed, code=code, note=note)

    def _unknown(self, sheet: str, ln: Line, code: str, kind: str) -> None:
        view = self.view(kind)
        level = level_of(code) or ""
        chain = []
        p = parent_code(code)
        while p:
            chain.append(p)
            p = parent_code(p)
        chain.reverse()
        found = [view.by_code[p] for p in chain if p in view.by_code]
        lei = code[:3]
        lei_missing = lei != code and lei not in view.by_code and not self.cat.is_partial(kind, "类", self.year)
        catalogue = _catalogue_label(kind, self.year)
        if lei_missing:
            self.add("C002", sheet, _code_cell(ln), actual=code, code=code, catalogue=catalogue,
                     detail=f"（没有 {lei} 这一类）")
        elif self.cat.is_partial(kind, level, self.year):
            # once per code and book: the same code in the detail and every summary table is one thing to check
            if (kind, code) in self._partial_seen:
                return
            self._partial_seen.add((kind, code))
            detail = "（上级：" + " › ".join(e.label() for e in found) + "）" if found else ""
            self.add("C003", sheet, _code_cell(ln), actual=code, code=code, catalogue=catalogue, detail=detail,
                     level=level, year=self.year or "年度")
        else:
            detail = ""
            if level == "类":
                detail = "（没有这一类）"
            elif found:
                detail = "（其上级 " + found[-1].label() + " 下没有这一" + level + "）"
            self.add("C002", sheet, _code_cell(ln), actual=code, code=code, catalogue=catalogue, detail=detail)

    def _parents(self, sheet: str, kind: str, present: list[tuple[str, Line]]) -> None:
        codes = {c for c, _ in present}
        missing: dict[str, list[tuple[str, Line]]] = {}
        for code, ln in present:
            for n in _ANCESTORS.get(len(code), ()):   # parent_code, repeated: present codes are 3/5/7 digits
                p = code[:n]
                if p not in codes:
                    missing.setdefault(p, []).append((code, ln))
        view = self.view(kind)
        for p, kids in sorted(missing.items(), key=lambda kv: kv[1][0][1].row):
            first_code, first_ln = kids[0]
            e = view.by_code.get(p)
            name = e.name if e else "（目录未收录）"
            if len(kids) == 1:
                children = f" {first_code}"
            else:
                children = f" {first_code} 等 {len(kids)} 个下级科目"
            self.add("C006", sheet, _code_cell(first_ln), actual=None, expected=p, code=p, name=name,
                     children=children, level=level_of(p) or "")

    # -------------------------------------------------------------------------------- named 类 rows
    def _lei_index(self) -> dict[str, tuple[Entry, str | None]]:
        view = self.view("func")
        hit = _LEI_INDEX.get(id(view))
        if hit is not None and hit[0] is view:
            return hit[1]
        idx: dict[str, tuple[Entry, str | None]] = {}
        # the 类 in code order (what view.ordered gives them in), without sorting every 款 and 项 too
        for e in sorted((e for e in view.by_code.values() if e.level == "类"), key=attrgetter("code")):
            idx.setdefault(name_key(e.name), (e, None))
            for f in e.former_names:
                idx.setdefault(name_key(f), (e, f))
        _LEI_INDEX.clear()
        _LEI_INDEX[id(view)] = (view, idx)
        return idx

    def _detail_lei(self) -> dict[str, set[Decimal]]:
        """类 codes found in the book's coded 功能分类 tables → their amounts (first amount column)."""
        amounts: dict[str, set[Decimal]] = {}
        for table, decl in self.tables():
            if decl.code_kind != "func":
                continue
            col = _first_amount_column(table, decl)
            for ln in table.lines:
                if ln.kind != "item" or not ln.code or len(ln.code) != 3 or not ln.code.isdigit():
                    continue
                a = ln.amounts.get(col) if col is not None else None
                amounts.setdefault(ln.code, set())
                if a is not None:
                    amounts[ln.code].add(a)
        return amounts

    def by_name(self, tables: list[tuple[Table, TableDecl]]) -> None:
        if not tables:
            return
        idx = self._lei_index()
        detail = self._detail_lei()
        lei_view = self.view("func")
        for table, decl in tables:
            sheet = table.sheet
            col = _first_amount_column(table, decl)
            rows: list[tuple[Line, Entry, Decimal | None]] = []
            for ln in table.lines:
                typed = (ln.label or "").strip()
                if ln.kind != "item" or not typed:
                    continue
                cell = _name_cell(ln)
                hit = idx.get(name_key(_ENUM.sub("", typed)))
                if hit is None:
                    self.add("C010", sheet, cell, actual=typed, catalogue=_catalogue_label("func", self.year),
                             hint=self._suggest_lei(typed))
                    continue
                e, former = hit
                if former is not None:
                    self.add("C004", sheet, cell, expected=e.name, actual=typed, code=e.code,
                             note=_rename_note(e.code, typed, e, self.year, self.cat) or "（曾用名）")
                rows.append((ln, e, ln.amounts.get(col) if col is not None else None))
            named = {e.code for _, e, _ in rows}
            flagged: set[int] = set()
            if detail:
                for ln, e, a in rows:
                    if not a or e.code in detail:
                        continue
                    cands = [c for c in sorted(detail) if c not in named and a in detail[c]]
                    typed = ln.label.strip()
                    flagged.add(ln.row)
                    if cands:
                        best = lei_view.by_code.get(cands[0])
                        self.add("C011", sheet, _name_cell(ln), expected=best.name if best else cands[0],
                                 actual=typed, amount=_money(a), code=e.code, expected_code=cands[0])
                    else:
                        self.add("C012", sheet, _name_cell(ln), actual=typed, amount=_money(a), code=e.code)
            first: dict[str, int] = {}
            for ln, e, _ in rows:
                if ln.row in flagged:
                    continue
                if e.code in first:
                    self.add("C008", sheet, _name_cell(ln), actual=ln.label.strip(), what=f"“{e.name}”",
                             first=first[e.code])
                else:
                    first[e.code] = ln.row

    def _suggest_lei(self, typed: str) -> str:
        hits = [e for e in self.cat.search(_ENUM.sub("", typed), self.year, "func", limit=30) if e.level == "类"]
        return f"，是否为“{hits[0].name}”？" if hits else ""

    # --------------------------------------------------------------------------------
    def run(self) -> CodeAnalysis:
        named: list[tuple[Table, TableDecl]] = []
        for table, decl in self.tables():
            if decl.coded:
                self.coded(table, decl)
            elif decl.code_kind == BY_NAME:
                named.append((table, decl))
        self.by_name(named)
        return self.out


def analyse(book: Book) -> CodeAnalysis:
    """Every C finding of the book, and the names (and dropdown code cells) fill-codes may write."""
    return _Checker(book).run()


@check("codes")
def codes(book: Book):
    return analyse(book).findings
