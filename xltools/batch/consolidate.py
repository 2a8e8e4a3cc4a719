"""Consolidation (汇总): the tables of every department's workbook in one template family, added up into a
workbook of the same family, built with the same builder (so the 汇总 itself passes `xltools check`).

What is added, and how the totals are made (declaration-driven, nothing here names a particular table):
- coded tables (功能分类 / 经济分类): each unit contributes the figures it typed at the lowest level — rows with
  nothing beneath them (项, or a 款/类 with no children), and a parent's figure in a column where none of its
  children has one (so no money a unit typed is dropped). They are summed by code across units; every parent
  row (类 = Σ 款 = Σ 项) and the total row are then computed from those sums, never summed from what units
  typed in their own totals. A unit's 尾差 therefore does not multiply by the number of units.
- labelled tables (the two-sided 收支总表, 政府采购): rows summed by (section, label); section and total rows
  (一、本年收入 = Σ its items, 本年收入合计, 收入总计 = 本年收入合计 + …, 合计) recomputed by the identities the T rules
  check (xltools.subtotals.identities); input closing rows (上年结转, 结转下年 …) summed.
- the single-row 三公 table: inputs summed; 小计 and 合计 computed.
- every declared computed column (合计 = 基本支出 + 项目支出 …) recomputed on every row.
- 单位信息: amounts and counts summed (上年数, 机关运行经费, 政府采购, 人数, 车辆); texts describe the 汇总.
Amounts are Decimal from the cell to the sum; they become numbers only when the workbook is written.
Units in 元 and 万元 are converted exactly to the unit most of the workbooks use.

Who is left out (listed on stdout and on the 未汇总单位 sheet, never silently): unreadable workbooks, another
template family or budget year than most, workbooks with errors (unless include_errors), and a second
workbook of the same unit (same 单位编码, or the same name when there is no code; the newest file is kept
unless keep_duplicates). pandas is imported here only, for the aggregation.
"""
from __future__ import annotations

import datetime as _dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from xltools.batch.check import _lines
from xltools.batch.figures import FIGURES, unit_figures
from xltools.batch.tasks import FAILED, UNREADABLE
from xltools.errors import XltoolsError
from xltools.families import Family, TableDecl, get_family
from xltools.model import Book, Line, Table

UNIT_IN_YUAN = {"元": Decimal(1), "千元": Decimal(1000), "万元": Decimal(10000)}
UNITS_SHEET = "分单位汇总"
LEFT_OUT_SHEET = "未汇总单位"


class NothingToConsolidate(XltoolsError, ValueError):
    """No workbook in the folder can be consolidated."""


# ----------------------------------------------------------------------------------------------- per unit (worker)

def input_columns(decl: TableDecl) -> list[str]:
    from xltools.subtotals import computed_columns

    computed = computed_columns(decl)
    return [c.key for c in decl.amount_columns if c.key not in computed]


def _amounts(ln: Line, cols: list[str]) -> dict[str, Decimal]:
    return {c: ln.amounts[c] for c in cols if ln.amounts.get(c) is not None}


def _coded_rows(table: Table, cols: list[str]) -> list[tuple]:
    from xltools.subtotals import norm_label

    items = [ln for ln in table.lines if ln.kind == "item" and ln.code]
    below: dict[int, list[Line]] = {}
    for ln in items:
        below[ln.row] = [d for d in items if d.code != ln.code and d.code.startswith(ln.code)]
    rows = []
    for ln in table.lines:
        if ln.kind == "total":
            rows.append((("total",), ln.label, None, "total", {}))
        elif ln.kind == "item" and ln.code:
            desc = below[ln.row]
            own = {c: v for c, v in _amounts(ln, cols).items()
                   if not desc or all(d.amounts.get(c) is None for d in desc)}
            rows.append((("code", ln.code), ln.label, ln.code, "item", own))
        elif ln.kind == "item" and _amounts(ln, cols):
            rows.append((("label", norm_label(ln.label)), ln.label, None, "item", _amounts(ln, cols)))
    return rows


def _labelled_rows(table: Table, cols: list[str]) -> list[tuple]:
    from xltools.subtotals import norm_label

    rows = []
    for ln in table.lines:
        amts = _amounts(ln, cols)
        if not ln.label and not amts:
            continue
        section = "" if ln.kind == "section" else norm_label(ln.section)
        rows.append((("label", section, norm_label(ln.label)), ln.label, None, ln.kind, amts))
    return rows


def contribution(book: Book) -> dict:
    """What one unit adds to the 汇总 (computed in the worker; small and picklable)."""
    fam = get_family(book.family)
    tables: dict[str, list[tuple]] = {}
    for _, decl in fam.tables():
        t = book.tables.get(decl.key)
        if t is None or not t.found:
            continue
        cols = [c for c in input_columns(decl) if c in t.columns]
        if decl.single_row:
            tables[decl.key] = [(("row",), "", None, "item", _amounts(t.lines[0], cols))] if t.lines else []
        elif decl.coded:
            tables[decl.key] = _coded_rows(t, cols)
        else:
            tables[decl.key] = _labelled_rows(t, cols)
    forms: dict[str, dict] = {}
    for sd in fam.sheets:
        if not sd.fields or sd.repeat or sd.key not in book.forms:
            continue
        form = book.forms[sd.key]
        vals = {}
        for f in sd.fields:
            v = form.get(f.key)
            if f.type == "amount" and isinstance(v, Decimal):
                vals[f.key] = v
            elif f.type == "int" and isinstance(v, int):
                vals[f.key] = v
        forms[sd.key] = vals
    return {"tables": tables, "forms": forms, "figures": unit_figures(book)}


# ----------------------------------------------------------------------------------------------- the whole folder

@dataclass
class Unit:
    file: str
    path: str
    name: str = ""
    code: str = ""
    status: str = UNREADABLE
    reason: str = ""
    family: str = ""
    year: int | None = None
    unit: str = ""
    errors: int = 0
    warnings: int = 0
    mtime: float = 0.0
    figures: dict = field(default_factory=dict)
    contribution: dict | None = None
    left_out: str = ""

    @property
    def included(self) -> bool:
        return not self.left_out


@dataclass
class Consolidation:
    folder: Path
    family: Family | None
    year: int | None
    unit: str
    units: list[Unit]
    skipped: list[str]
    data: dict | None = None
    notes: list[str] = field(default_factory=list)
    output: Path | None = None
    self_check: dict | None = None

    @property
    def included(self) -> list[Unit]:
        return [u for u in self.units if u.included]

    @property
    def left_out(self) -> list[Unit]:
        return [u for u in self.units if not u.included]

    def to_dict(self) -> dict:
        def fig(u):
            return {k: (format(v, "f") if isinstance(v, Decimal) else v) for k, v in u.figures.items()}

        return {"folder": str(self.folder), "family": self.family.family if self.family else None,
                "year": self.year, "unit": self.unit, "output": str(self.output) if self.output else None,
                "included": [{"file": u.file, "unit_name": u.name, "unit_code": u.code, "status": u.status,
                              "figures": fig(u)} for u in self.included],
                "left_out": [{"file": u.file, "unit_name": u.name, "status": u.status, "reason": u.left_out}
                             for u in self.left_out],
                "skipped": self.skipped, "notes": self.notes, "self_check": self.self_check}


def _majority(values: list) -> object:
    vals = [v for v in values if v not in (None, "")]
    return Counter(vals).most_common(1)[0][0] if vals else None


def _identity(u: Unit) -> tuple[str, str] | None:
    from xltools.text import label_key

    if u.code:
        return ("code", u.code.strip())
    if u.name:
        return ("name", label_key(u.name))
    return None


def select_units(units: list[Unit], *, include_errors: bool, keep_duplicates: bool,
                 year: int | None = None, family: str | None = None) -> tuple[str | None, int | None]:
    """Mark who is left out and why; returns the family and year the 汇总 is made in."""
    readable = [u for u in units if u.status != UNREADABLE]
    fam = family or _majority([u.family for u in readable])
    yr = year or _majority([u.year for u in readable if u.family == fam])
    for u in units:
        if u.status == UNREADABLE:
            u.left_out = f"无法读取：{u.reason}"
        elif u.family != fam:
            u.left_out = f"模板族不同（{_family_title(u.family)}），未汇总"
        elif u.year != yr:
            u.left_out = f"预算年度为 {u.year or '空'}，与汇总年度 {yr} 不同，未汇总"
        elif u.unit not in UNIT_IN_YUAN:
            u.left_out = f"金额单位“{u.unit}”无法换算，未汇总"
        elif u.status == FAILED and not include_errors:
            u.left_out = f"有 {u.errors} 个错误，未汇总（改正后重新汇总，或使用 --include-errors）"
    if not keep_duplicates:
        groups: dict[tuple, list[Unit]] = {}
        for u in units:
            key = _identity(u)
            if u.included and key:
                groups.setdefault(key, []).append(u)
        for same in groups.values():
            if len(same) < 2:
                continue
            keep = max(same, key=lambda u: (u.mtime, u.file))
            for u in same:
                if u is not keep:
                    by = "单位编码" if u.code else "单位名称"
                    u.left_out = (f"与“{keep.file}”是同一单位（{by}相同），视为重复报送，只汇总较新的“{keep.file}”"
                                  "（确需分别汇总请使用 --keep-duplicates）")
    return fam, yr


def _family_title(key: str) -> str:
    try:
        return get_family(key).title
    except XltoolsError:
        return key or "未知"


def _factor(src: str, dst: str) -> Decimal:
    return UNIT_IN_YUAN[src] / UNIT_IN_YUAN[dst]


def aggregate(units: list[Unit], target_unit: str, fam: Family | None = None) -> dict:
    """Sum the included units' contributions with pandas (Decimal objects: exact). Returns
    sums[(table, key)][column], labels[(table, key)] (a Counter of the labels units gave the row), kinds,
    order[table] (row keys in order of first appearance, kept under their section) and forms[form][field]."""
    import pandas as pd

    records = []      # (table, key, column, amount)
    labels: dict[tuple, Counter] = {}
    kinds: dict[tuple, str] = {}
    order: dict[str, list[tuple]] = {}
    forms: list[tuple] = []   # (form, field, value)
    who: dict[tuple, list[str]] = {}   # (table, ("code", c)) → units that typed a figure at c itself
    for u in units:
        c = u.contribution or {}
        k = _factor(u.unit, target_unit)
        for table, rows in c.get("tables", {}).items():
            seq = order.setdefault(table, [])
            for key, label, code, kind, amts in rows:
                tk = (table, key)
                if tk not in labels:
                    labels[tk] = Counter()
                    _insert(seq, key)
                if label:
                    labels[tk][label] += 1
                kinds.setdefault(tk, kind)
                if amts and key[0] == "code":
                    who.setdefault(tk, []).append(u.name or u.file)
                for col, v in amts.items():
                    records.append((table, key, col, v * k if k != 1 else v))
        for form, vals in c.get("forms", {}).items():
            for fk, v in vals.items():
                forms.append((form, fk, v * k if isinstance(v, Decimal) and k != 1 else v))
    sums: dict[tuple, dict[str, Decimal]] = {}
    if records:
        df = pd.DataFrame.from_records(records, columns=["table", "key", "column", "amount"])
        totals = df.groupby(["table", "key", "column"], sort=False)["amount"].sum()
        for (table, key, col), v in totals.items():
            sums.setdefault((table, key), {})[col] = v
    form_sums: dict[str, dict[str, object]] = {}
    if forms:
        df = pd.DataFrame.from_records(forms, columns=["form", "field", "value"])
        for (form, fk), v in df.groupby(["form", "field"], sort=False)["value"].sum().items():
            form_sums.setdefault(form, {})[fk] = v
    return {"sums": sums, "labels": labels, "kinds": kinds, "order": order, "forms": form_sums,
            "notes": _mixed_depth(who, fam)}


def _mixed_depth(who: dict[tuple, list[str]], fam: Family | None) -> list[str]:
    """Codes some units typed at a level where other units have rows beneath: that row will exceed the sum of
    its children in the 汇总 (nothing is dropped; the difference is what those units did not break down)."""
    notes = []
    by_table: dict[str, set[str]] = {}
    for (table, key) in who:
        by_table.setdefault(table, set()).add(key[1])
    for (table, key), names in sorted(who.items()):
        code = key[1]
        if any(c != code and c.startswith(code) for c in by_table[table]):
            sheet = next((sd.name for sd in (fam.sheets if fam else ()) if any(t.key == table for t in sd.tables)),
                         table)
            shown = "、".join(names[:3]) + (f" 等 {len(names)} 个单位" if len(names) > 3 else "")
            notes.append(f"“{sheet}”科目 {code}：{shown}只填到这一级，其他单位细化到了下级科目；"
                         "汇总表中该行大于其下级科目之和，差额即这些单位未细化的金额。")
    return notes


def _insert(seq: list[tuple], key: tuple) -> None:
    """Keep labelled rows under their section: a new row goes after the last row of its section."""
    if key[0] == "label" and len(key) == 3 and key[1]:
        section = key[1]
        at = None
        for i, k in enumerate(seq):
            if k[0] == "label" and len(k) == 3 and (k[1] == section or (k[1] == "" and k[2] == section)):
                at = i
        if at is not None:
            seq.insert(at + 1, key)
            return
    seq.append(key)


def _label(agg: dict, table: str, key: tuple, default: str = "") -> str:
    c = agg["labels"].get((table, key))
    return c.most_common(1)[0][0] if c else default


def _catalogue_name(code: str, kind: str, year: int | None) -> str:
    try:
        from xltools import codes

        e = codes.lookup(code, year=year, kind=kind)
        return e.name if e else ""
    except Exception:  # noqa: BLE001 — a missing name is only a missing label
        return ""


def _apply_sums(decl: TableDecl, amounts: dict[str, Decimal | None]) -> None:
    from xltools.subtotals import ordered_sums

    for s in ordered_sums(decl):
        parts = [amounts.get(p) for p in s.parts]
        vals = [v for v in parts if v is not None]
        amounts[s.target] = sum(vals, Decimal(0)) if vals else None


def _coded_table(decl: TableDecl, agg: dict, year: int | None) -> list[dict]:
    key_ = decl.key
    contrib: dict[str, dict[str, Decimal]] = {}
    labels: dict[str, str] = {}
    uncoded: list[tuple[str, dict]] = []
    total_label = None
    for key in agg["order"].get(key_, []):
        if key[0] == "code":
            contrib[key[1]] = agg["sums"].get((key_, key), {})
            labels[key[1]] = _label(agg, key_, key)
        elif key[0] == "label":
            uncoded.append((_label(agg, key_, key), agg["sums"].get((key_, key), {})))
        elif key[0] == "total":
            total_label = _label(agg, key_, key)
    return rollup(decl, contrib, labels, total_label, uncoded, year)


def rollup(decl: TableDecl, contrib: dict[str, dict[str, Decimal]], labels: dict[str, str] | None = None,
           total_label: str | None = None, uncoded: list[tuple[str, dict]] = (), year: int | None = None) -> list[dict]:
    """The rows of a coded table from the figures typed at the lowest level (contrib: code → column → amount):
    every code and its 类/款 ancestors, each the sum of what lies beneath it; the total row first, the sum of the
    top-level rows; the declared computed columns on every row. Used for the 汇总 and to generate examples."""
    labels = labels or {}
    codes = set(contrib)
    for c in list(codes):
        if c.isdigit():
            for n in (3, 5):
                if len(c) > n:
                    codes.add(c[:n])
    cols = input_columns(decl)
    rows = []
    for code in sorted(codes):
        amounts: dict[str, Decimal | None] = {}
        for col in cols:
            vals = [v.get(col) for c2, v in contrib.items() if c2.startswith(code) and v.get(col) is not None]
            amounts[col] = sum(vals, Decimal(0)) if vals else None
        _apply_sums(decl, amounts)
        label = labels.get(code) or _catalogue_name(code, decl.code_kind, year)
        rows.append({"code": code, "label": label, "kind": "item", "amounts": amounts})
    for label, amts in uncoded:
        amounts = {col: amts.get(col) for col in cols}
        _apply_sums(decl, amounts)
        rows.append({"code": None, "label": label, "kind": "item", "amounts": amounts})
    top = [r for r in rows if r["code"] is None or not any(
        r["code"] != o["code"] and o["code"] and r["code"].startswith(o["code"]) for o in rows)]
    total: dict[str, Decimal | None] = {}
    for col in cols:
        vals = [r["amounts"].get(col) for r in top if r["amounts"].get(col) is not None]
        total[col] = sum(vals, Decimal(0)) if vals else None
    _apply_sums(decl, total)
    label = total_label or (decl.total_labels[0] if decl.total_labels else "合计")
    return [{"code": None, "label": label, "kind": "total", "amounts": total}] + rows


def _labelled_table(decl: TableDecl, agg: dict) -> list[dict]:
    """Rows summed by label, then every section/total the T rules check recomputed from its parts."""
    from xltools.subtotals import identities

    key_ = decl.key
    cols = input_columns(decl)
    keys = agg["order"].get(key_, [])
    lines = []
    section = ""
    for i, key in enumerate(keys):
        kind = agg["kinds"].get((key_, key), "item")
        label = _label(agg, key_, key)
        if kind == "section":
            section = label
        elif kind == "item" and len(key) == 3 and not key[1]:
            section = ""          # a row outside any section ends the section above
        amounts = {c: agg["sums"].get((key_, key), {}).get(c) for c in cols}
        lines.append(Line(row=i + 1, label=label, kind=kind, section=section if kind != "section" else label,
                          amounts=amounts, cells={c: "A1" for c in cols}))
    table = Table(key_, "", "", tuple(lines), {c: "A" for c in [*cols, decl.label_column or "item"]}, 0, True)
    ids = {ident.target.row: ident for ident in identities(table, decl)}
    memo: dict[tuple[int, str], Decimal | None] = {}

    def value(row: int, col: str, depth: int = 0) -> Decimal | None:
        if (row, col) in memo:
            return memo[(row, col)]
        memo[(row, col)] = lines[row - 1].amounts.get(col)
        ident = ids.get(row)
        if ident is not None and depth < 50:
            vals = [value(p.row, col, depth + 1) for p in ident.parts]
            vals = [v for v in vals if v is not None]
            if vals:
                memo[(row, col)] = sum(vals, Decimal(0))
        return memo[(row, col)]

    rows = []
    for ln in lines:
        amounts = {c: value(ln.row, c) for c in cols}
        _apply_sums(decl, amounts)
        rows.append({"code": None, "label": ln.label, "kind": ln.kind, "amounts": amounts})
    return rows


def _single_row(decl: TableDecl, agg: dict) -> list[dict]:
    amounts = {c: agg["sums"].get((decl.key, ("row",)), {}).get(c) for c in input_columns(decl)}
    _apply_sums(decl, amounts)
    return [{"code": None, "label": "", "kind": "item", "amounts": amounts}]


def _plain(v):
    if isinstance(v, Decimal):
        return format(v, "f")
    return v


def build_data(fam: Family, agg: dict, *, year: int, unit: str, name: str, n_units: int,
               contact: str = "", phone: str = "") -> dict:
    tables: dict[str, list[dict]] = {}
    for _, decl in fam.tables():
        if decl.key not in agg["order"]:
            continue
        if decl.single_row:
            rows = _single_row(decl, agg)
        elif decl.coded:
            rows = _coded_table(decl, agg, year)
        else:
            rows = _labelled_table(decl, agg)
        for r in rows:
            r["amounts"] = {k: _plain(v) for k, v in r["amounts"].items()}
        tables[decl.key] = rows
    forms: dict[str, dict] = {}
    today = _dt.date.today().isoformat()
    for sd in fam.sheets:
        if not sd.fields or sd.repeat:
            continue
        sums = agg["forms"].get(sd.key, {})
        vals: dict[str, object] = {}
        for f in sd.fields:
            if f.key in sums:
                vals[f.key] = _plain(sums[f.key]) if f.type == "amount" else int(sums[f.key])
        if sd.key == fam.info_sheet:
            vals.update({fam.name_field: name, "year": year, "unit": unit})
            keys = {f.key for f in sd.fields}
            if "prior_year" in keys:
                vals["prior_year"] = year - 1
            if "functions" in keys:
                vals["functions"] = f"本工作簿为 {n_units} 个单位 {year} 年部门预算的汇总，由 xltools 于 {today} 生成。"
            if "contact" in keys and contact:
                vals["contact"] = contact
            if "phone" in keys and phone:
                vals["phone"] = phone
        elif "unit_name" in {f.key for f in sd.fields}:
            vals["unit_name"] = name
        forms[sd.key] = vals
    return {"schema": "xltools-book/1", "family": fam.family, "template_version": fam.template_version,
            "year": year, "unit": unit, "forms": forms, "tables": tables, "indicators": {}, "projects": []}


# ----------------------------------------------------------------------------------------------- run

def collect(folder: Path, files: list[Path], *, jobs: int | None, timeout: float | None, memory_mb: int | None,
            progress=None) -> tuple[list[Unit], list[str]]:
    from xltools.batch.discover import relative
    from xltools.batch.pool import run_isolated
    from xltools.batch.tasks import inspect, warm

    warm()
    units: list[Unit | None] = [None] * len(files)
    skipped: list[str] = []
    for oc in run_isolated(inspect, [(str(p), "consolidate") for p in files], jobs=jobs, timeout=timeout,
                           memory_mb=memory_mb):
        p = files[oc.index]
        rel = relative(p, folder)
        try:
            mtime = p.stat().st_mtime
        except OSError:
            mtime = 0.0
        if progress:
            progress.update(rel)
        if not oc.ok:
            units[oc.index] = Unit(rel, str(p), reason=f"“{p.name}” {oc.reason}，已跳过。", mtime=mtime)
            continue
        r = oc.value
        if r.get("skip"):
            skipped.append(r["skip"])
            continue
        c = r.get("contribution") or {}
        units[oc.index] = Unit(rel, str(p), r["unit_name"], r["unit_code"], r["status"], r["reason"], r["family"],
                               r["year"], r["unit"], r["errors"], r["warnings"], mtime, c.get("figures") or {}, c or None)
    return [u for u in units if u is not None], skipped


def consolidate(folder: str | Path, output: str | Path | None = None, *, include_errors: bool = False,
                keep_duplicates: bool = False, name: str | None = None, year: int | None = None,
                contact: str = "", phone: str = "", jobs: int | None = None, timeout: float | None = None,
                memory_mb: int | None = None, progress=None, self_check: bool = True) -> Consolidation:
    from xltools.batch.discover import find_workbooks
    from xltools.batch.pool import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT

    root = Path(folder)
    files = find_workbooks(root, exclude=(output,) if output else ())
    if not files:
        raise NothingToConsolidate(f"文件夹“{root}”中没有找到 .xlsx 工作簿。", path=root)
    if progress is not None:
        progress.total = len(files)
    units, skipped = collect(root, files, jobs=jobs, timeout=timeout or DEFAULT_TIMEOUT,
                             memory_mb=memory_mb or DEFAULT_MEMORY_MB, progress=progress)
    if progress is not None:
        progress.close()
    fam_key, yr = select_units(units, include_errors=include_errors, keep_duplicates=keep_duplicates, year=year)
    result = Consolidation(root, get_family(fam_key) if fam_key else None, yr, "", units, skipped)
    chosen = result.included
    if not chosen or result.family is None or yr is None:
        why = "；".join(f"{u.file}：{u.left_out}" for u in units[:5])
        raise NothingToConsolidate(f"文件夹“{root}”中没有可以汇总的工作簿（{why or '全部已跳过'}）。", path=root)
    fam = result.family
    if not any(decl.coded for _, decl in fam.tables()):
        raise NothingToConsolidate(f"模板族“{fam.title}”没有可以按科目汇总的表。", path=root)
    result.unit = str(_majority([u.unit for u in chosen]) or fam.default_unit)
    agg = aggregate(chosen, result.unit, fam)
    result.notes.extend(agg["notes"])
    unit_name = name or f"部门预算汇总（{len(chosen)}个单位）"
    result.data = build_data(fam, agg, year=yr, unit=result.unit, name=unit_name, n_units=len(chosen),
                             contact=contact, phone=phone)
    for u in units:
        u.contribution = None          # what is summed is in result.data now
        if u.unit in UNIT_IN_YUAN and u.unit != result.unit:
            k = _factor(u.unit, result.unit)
            u.figures = {f: (v * k if isinstance(v, Decimal) else v) for f, v in u.figures.items()}
    if output is not None:
        result.output = write_consolidated(result, Path(output))
        if self_check:
            result.self_check = check_output(result.output, len(chosen))
    return result


def write_consolidated(result: Consolidation, path: Path) -> Path:
    from xltools.io.writers import save_workbook
    from xltools.template import build_workbook

    wb = build_workbook(result.family, result.data)
    _units_sheet(wb, result)
    if result.left_out:
        _left_out_sheet(wb, result)
    meta = wb["_xltools"]
    n = meta.max_row
    for i, (k, v) in enumerate((("kind", "consolidated"), ("consolidated_units", str(len(result.included))),
                                ("consolidated_from", result.folder.name)), start=1):
        meta.cell(row=n + i, column=1, value=k)
        meta.cell(row=n + i, column=2, value=v)
    return save_workbook(wb, path)


def check_output(path: Path, n_units: int = 1) -> dict:
    """Check the written 汇总 (our own file: read in-process) and sum up what the rules say about it. A T/X
    difference within n_units × the rounding allowance is marked `accumulated`: each unit's 尾差 (within its own
    allowance) added up, not an error of the 汇总."""
    from xltools.pipeline import check_file
    from xltools.subtotals import tolerance

    book, report = check_file(path)
    tx = []
    for f in report.findings:
        if f.code[:1] not in "TX" or f.severity != "error":
            continue
        d = f.to_dict()
        try:
            diff = abs(Decimal(str(f.expected)) - Decimal(str(f.actual)))
            d["accumulated"] = diff <= tolerance(book.unit) * n_units
        except (ArithmeticError, ValueError, TypeError):
            d["accumulated"] = False
        tx.append(d)
    return {"stats": report.stats(), "tx_errors": tx, "codes": dict(Counter(f.code for f in report.findings))}


# ----------------------------------------------------------------------------------------------- extra sheets

_FIG_COLS = ["income_total", "expense_total", "basic", "project", "gpb", "fund", "sangong", "procurement"]


def _sheet_styles():
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="808080")
    return {"border": Border(left=thin, right=thin, top=thin, bottom=thin),
            "title": Font(name="宋体", size=16, bold=True), "font": Font(name="宋体", size=10),
            "bold": Font(name="宋体", size=10, bold=True), "header": PatternFill("solid", fgColor="D9E1F2"),
            "center": Alignment(horizontal="center", vertical="center", wrap_text=True),
            "left": Alignment(horizontal="left", vertical="center", wrap_text=True),
            "grey": PatternFill("solid", fgColor="EDEDED"), "middle": Alignment(vertical="center")}


def _place(wb, title: str):
    ws = wb.create_sheet(title)
    # before the hidden helper sheets, after the family's own
    hidden = [i for i, s in enumerate(wb.worksheets) if s.sheet_state != "visible" or s.title.startswith("_")]
    if hidden:
        wb.move_sheet(ws, offset=hidden[0] - wb.worksheets.index(ws))
    return ws


def _units_sheet(wb, result: Consolidation) -> None:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    from xltools.template import escape_text

    st = _sheet_styles()
    ws = _place(wb, UNITS_SHEET)
    heads = ["序号", "单位名称", "单位编码", "文件", "汇总情况"] + [FIGURES[k][0] for k in _FIG_COLS]
    widths = [6, 32, 12, 44, 10] + [14] * len(_FIG_COLS)
    ws.cell(row=1, column=1, value=f"{result.data['forms'][result.family.info_sheet].get(result.family.name_field, '')}"
            f"分单位汇总表").font = st["title"]
    ws.cell(row=1, column=1).alignment = st["center"]
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(heads))
    ws.row_dimensions[1].height = 30
    u = ws.cell(row=2, column=len(heads), value=f"单位：{result.unit}")
    u.font, u.alignment = st["font"], st["left"]
    for c, h in enumerate(heads, start=1):
        cell = ws.cell(row=3, column=c, value=h)
        cell.font, cell.fill, cell.alignment, cell.border = st["bold"], st["header"], st["center"], st["border"]
        ws.column_dimensions[get_column_letter(c)].width = widths[c - 1]
    ws.row_dimensions[3].height = 30
    r = 4
    totals = {k: Decimal(0) for k in _FIG_COLS}
    ordered = result.included + result.left_out
    for i, unit in enumerate(ordered, start=1):
        state = "已汇总" if unit.included else "未汇总"
        vals = [i, escape_text(unit.name or "（无法读取）"), escape_text(unit.code), escape_text(unit.file), state]
        for k in _FIG_COLS:
            v = unit.figures.get(k)
            vals.append(float(v) if isinstance(v, Decimal) else None)
            if unit.included and isinstance(v, Decimal):
                totals[k] += v
        for c, v in enumerate(vals, start=1):
            cell = ws.cell(row=r, column=c, value=v)
            cell.font, cell.border = st["font"], st["border"]
            if c == 1:
                cell.alignment = st["center"]
            elif c <= 5:
                cell.alignment = st["left"]
            else:
                cell.number_format = "#,##0.00"
                cell.alignment = st["middle"]
            if not unit.included:
                cell.fill = st["grey"]
        lines = max(_lines(v, w) for v, w in zip(vals[:5], widths))
        if lines > 1:
            ws.row_dimensions[r].height = 13.5 * lines + 2
        r += 1
    vals = ["", f"合计（已汇总 {len(result.included)} 个单位）", "", "", ""] + [float(totals[k]) for k in _FIG_COLS]
    for c, v in enumerate(vals, start=1):
        cell = ws.cell(row=r, column=c, value=v)
        cell.font, cell.border, cell.fill = st["bold"], st["border"], st["header"]
        if c > 5:
            cell.number_format = "#,##0.00"
    ws.freeze_panes = "C4"
    ws.auto_filter.ref = f"A3:{get_column_letter(len(heads))}{r - 1}"
    ws.print_title_rows = "3:3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0


def _left_out_sheet(wb, result: Consolidation) -> None:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    from xltools.template import escape_text

    st = _sheet_styles()
    ws = _place(wb, LEFT_OUT_SHEET)
    heads, widths = ["序号", "文件", "单位名称", "状态", "未汇总原因"], [6, 30, 30, 10, 80]
    for c, h in enumerate(heads, start=1):
        cell = ws.cell(row=1, column=c, value=h)
        cell.font, cell.fill, cell.alignment, cell.border = st["bold"], st["header"], st["center"], st["border"]
        ws.column_dimensions[get_column_letter(c)].width = widths[c - 1]
    for i, u in enumerate(result.left_out, start=1):
        vals = [i, escape_text(u.file), escape_text(u.name), u.status, escape_text(u.left_out)]
        for c, v in enumerate(vals, start=1):
            cell = ws.cell(row=i + 1, column=c, value=v)
            cell.font, cell.border, cell.alignment = st["font"], st["border"], st["left"]
        lines = max(_lines(v, w) for v, w in zip(vals, widths))
        if lines > 1:
            ws.row_dimensions[i + 1].height = 13.5 * lines + 2
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:E{len(result.left_out) + 1}"
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
