"""Indicator rows of both layouts as normalised records (what the I rules and the narrative read).

Two layouts reach here from the model:
- ``levels`` — 一级/二级/三级指标 and 指标值, with (project family) or without (the dept family's project sheets)
  the columns 指标性质, 度量单位, 指标属性, 评（扣）分标准. Without them the comparison and the unit sit inside
  the value ("≥98.7%", "65 万元").
- ``weighted`` — the 部门整体绩效目标表: 指标名称, 指标权重, 计量单位, 指标性质, 指标值; no levels.

`records(table, layout)` turns an IndicatorTable into IndicatorRecords: level names folded to the framework's
canonical names (产出 → 产出指标, 服务对象满意度 → 服务对象满意度指标, 生态环境效益指标 → 生态效益指标), the
comparison read from the 指标性质 column or, where the layout has none or it is empty, from inside the value, the
value read against the unit column, 定量/定性, and the source cell of each column. `indicator_sets(book)` gives
every indicator table of a book with the project's 资金总额 beside it. Nothing here judges; the rules do.

Pure: no I/O, no Excel.
"""
from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from xltools.indicators.values import (
    Comparison, IndicatorValue, is_placeholder, parse_comparison, parse_value,
)
from xltools.lazyre import lazy
from xltools.model import Book, IndicatorTable
from xltools.record import factory, record

__all__ = [
    "IndicatorRecord", "IndicatorSet", "records", "indicator_sets", "canonical_level1", "canonical_level2",
    "level_base", "attribute_kind", "name_key",
]

# ------------------------------------------------------------------------------------------ level names
# Forms people type for the framework's level names, keyed by the name without its trailing 指标 and without
# spaces. Anything not listed stays as typed (the rules then report it as outside the framework).
_LEVEL1_ALIASES: dict[str, str] = {
    "产出": "产出指标",
    "成本": "成本指标",
    "效益": "效益指标",
    "满意度": "满意度指标",
    "满意": "满意度指标",
    "服务对象满意度": "满意度指标",
}
_LEVEL2_ALIASES: dict[str, str] = {
    "数量": "数量指标",
    "质量": "质量指标",
    "时效": "时效指标",
    "成本": "成本指标",
    "经济成本": "经济成本指标",
    "社会成本": "社会成本指标",
    "生态环境成本": "生态环境成本指标",
    "生态成本": "生态环境成本指标",
    "环境成本": "生态环境成本指标",
    "经济效益": "经济效益指标",
    "社会效益": "社会效益指标",
    "生态效益": "生态效益指标",
    "生态环境效益": "生态效益指标",
    "环境效益": "生态效益指标",
    "可持续影响": "可持续影响指标",
    "可持续影响力": "可持续影响指标",
    "可持续发展": "可持续影响指标",
    "服务对象满意度": "服务对象满意度指标",
    "服务对象满意": "服务对象满意度指标",
    "社会公众或服务对象满意度": "服务对象满意度指标",
    "社会公众满意度": "服务对象满意度指标",
    "满意度": "服务对象满意度指标",
}
_FULLWIDTH = {i: i - 0xFEE0 for i in range(0xFF01, 0xFF5F)}
# patterns compiled on first use (xltools.lazyre): the check path imports this module
_SPACES = lazy(r"\s+")
# a leading enumeration: "一、" "（一）" "1." "1、" "(1)"
_ENUM = lazy(r"^(?:[（(][一二三四五六七八九十0-9]+[)）]|[一二三四五六七八九十]+[、.]|[0-9]+[、.．])")


def level_base(text: str) -> str:
    """A level name without spaces, enumeration and trailing 指标: "（一）产出 指标" → "产出"."""
    s = _SPACES.sub("", str(text or "").translate(_FULLWIDTH))
    s = _ENUM.sub("", s).strip(":：。.")
    if s.endswith("指标"):
        s = s[: -len("指标")]
    return s


@lru_cache(maxsize=1 << 10)      # level names repeat on every row of every table: each is worked out once
def canonical_level1(text: str) -> str:
    """产出 / 产出指标 / " 产出指标 " → 产出指标; an unknown name comes back without spaces, as typed."""
    if is_placeholder(text):
        return ""
    base = level_base(text)
    return _LEVEL1_ALIASES.get(base) or _SPACES.sub("", str(text))


@lru_cache(maxsize=1 << 10)
def canonical_level2(text: str) -> str:
    """服务对象满意度 → 服务对象满意度指标, 生态环境效益指标 → 生态效益指标; unknown names as typed."""
    if is_placeholder(text):
        return ""
    base = level_base(text)
    return _LEVEL2_ALIASES.get(base) or _SPACES.sub("", str(text))


def attribute_kind(text: str) -> str | None:
    """指标属性 → "定量" | "定性" | None (empty or unreadable)."""
    s = _SPACES.sub("", str(text or ""))
    if s.startswith("定量"):
        return "定量"
    if s.startswith("定性"):
        return "定性"
    return None


_NAME_PUNCT = lazy(r"[\s，,。.、;；:：“”\"'‘’（）()《》<>]")


@lru_cache(maxsize=1 << 12)
def name_key(text: str) -> str:
    """The form 三级指标 names are compared in (duplicates): half-width, no spaces or punctuation."""
    return _NAME_PUNCT.sub("", str(text or "").translate(_FULLWIDTH))


# ---------------------------------------------------------------------------------------------- records
@record
class IndicatorRecord:
    """One indicator row, read. ``op`` is the comparison in force: the 指标性质 column's when it is readable,
    else the one inside the value; ``op_source`` says which ("column" | "value" | "")."""

    sheet: str
    table: str                         # IndicatorTable.key
    layout: str                        # levels | weighted
    row: int                           # 1-based sheet row
    level1: str                        # canonical (产出指标 …) or as typed when outside the known names
    level2: str
    level1_raw: str
    level2_raw: str
    name: str
    comparison: Comparison | None      # the 指标性质 column read; None where the layout has no such column
    op: str | None
    op_source: str
    value: IndicatorValue              # 指标值 read against the unit column
    unit: str | None                   # 度量单位 / 计量单位 as typed (None when empty or absent)
    attribute: str | None              # 定量 | 定性 from the 指标属性 column (None when empty or absent)
    attribute_raw: str
    weight: str
    scoring: str
    value_text_unit: str | None        # a unit written inside the value itself ("19万件" → 件), parts excluded
    value_multiplier: bool             # the value itself carries 万/千/亿 ("19万件")
    columns: frozenset[str]            # the columns this layout has (keys of Indicator.cells)
    cells: dict[str, str] = factory(dict)

    def has(self, key: str) -> bool:
        return key in self.columns

    def cell(self, key: str) -> str:
        """The A1 reference of a column of this row; the value (else the name) cell when the column is absent."""
        return self.cells.get(key) or self.cells.get("value") or self.cells.get("name") or ""

    @property
    def quantitative(self) -> bool:
        """定量: as the 指标属性 column says; where it is empty or absent, whether the value is a measurable one."""
        if self.attribute is not None:
            return self.attribute == "定量"
        if self.op == "qualitative":
            return False
        return self.value.kind in ("number", "percent", "ratio", "compound")

    @property
    def op_cell(self) -> str:
        """Where the comparison in force was written (the 指标性质 cell, else the 指标值 cell)."""
        return self.cell("op") if self.op_source == "column" else self.cell("value")


def _record(table: IndicatorTable, layout: str, ind) -> IndicatorRecord:
    cols = frozenset(ind.cells)
    unit = None if (not ind.unit or is_placeholder(ind.unit)) else ind.unit.strip()
    value = parse_value(ind.value, unit)
    comparison = parse_comparison(ind.op) if "op" in cols else None
    if comparison is not None and comparison.op is not None:
        op, source = comparison.op, "column"
    elif value.op is not None:
        op, source = value.op, "value"
    else:
        op, source = None, ""
    alone = parse_value(ind.value) if value.kind in ("number", "percent", "ratio") else None
    return IndicatorRecord(
        sheet=table.sheet, table=table.key, layout=layout, row=ind.row,
        level1=canonical_level1(ind.level1), level2=canonical_level2(ind.level2),
        level1_raw=ind.level1, level2_raw=ind.level2, name=(ind.name or "").strip(),
        comparison=comparison, op=op, op_source=source, value=value, unit=unit,
        attribute=attribute_kind(ind.attribute), attribute_raw=ind.attribute or "",
        weight=ind.weight or "", scoring=ind.scoring or "",
        value_text_unit=alone.unit if alone is not None else None,
        value_multiplier=bool(alone is not None and alone.multiplier_applied),
        columns=cols, cells=dict(ind.cells),
    )


def records(table: IndicatorTable, layout: str = "levels") -> list[IndicatorRecord]:
    """Every indicator row of a table as a record (rows the parser kept: a name or a value)."""
    return [_record(table, layout, ind) for ind in table.rows]


# ------------------------------------------------------------------------------------------------- sets
@record
class IndicatorSet:
    """One indicator table with what the rules need beside it: the project's 资金总额 and its unit."""

    table: IndicatorTable
    layout: str
    records: tuple[IndicatorRecord, ...]
    funds: Decimal | str | None = None
    funds_unit: str | None = None
    project: str = ""

    @property
    def sheet(self) -> str:
        return self.table.sheet

    def header_cell(self, key: str) -> str:
        """The header cell of a column (the table-wide place for a finding); A + header row when absent."""
        letter = self.table.columns.get(key) or next(iter(self.table.columns.values()), "A")
        return f"{letter}{self.table.header_row}" if self.table.header_row else ""


def _layouts(book: Book) -> tuple[dict[str, str], str | None]:
    try:
        from xltools.families import get_family

        fam = get_family(book.family)
    except Exception:  # an unknown family: every table is read as the levels layout
        return {}, None
    by_key = {s.indicators.key: s.indicators.layout for s in fam.sheets if s.indicators is not None}
    rep = fam.repeated
    project_layout = rep.indicators.layout if (rep is not None and rep.indicators is not None) else None
    return by_key, project_layout


_LAST: list = []   # (book, sets) of the last book asked about: the I rules all read the same sets


def indicator_sets(book: Book) -> list[IndicatorSet]:
    """Computed once per book (five rule groups ask for the same sets)."""
    if _LAST and _LAST[0][0] is book:
        return _LAST[0][1]
    sets = _indicator_sets(book)
    _LAST[:] = [(book, sets)]
    return sets


def _indicator_sets(book: Book) -> list[IndicatorSet]:
    """Every indicator table of a book that was found: the book's own (部门整体绩效目标表 / 项目绩效目标表) and
    one per project sheet, each with its 资金总额 — a project sheet's 资金总额（万元）, or for a one-project
    workbook the application's 资金总额 with its 金额单位."""
    by_key, project_layout = _layouts(book)
    out: list[IndicatorSet] = []
    for key, table in book.indicators.items():
        if not table.found:
            continue
        layout = by_key.get(key, "levels")
        funds = unit = None
        project = ""
        if layout == "levels":   # a one-project workbook: the project is the book
            try:
                info = book.info
            except Exception:
                info = None
            if info is not None:
                funds = info.get("funds")
                unit = info.get("unit") or book.unit
                project = book.name
        out.append(IndicatorSet(table, layout, tuple(records(table, layout)), funds, unit, project))
    for p in book.projects:
        if not p.indicators.found:
            continue
        layout = project_layout or "levels"
        out.append(IndicatorSet(p.indicators, layout, tuple(records(p.indicators, layout)),
                                p.form.get("funds"), "万元", p.name))
    return out
