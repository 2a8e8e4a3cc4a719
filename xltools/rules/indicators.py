"""I family: the performance-indicator tables (项目支出绩效目标表, 部门整体绩效目标表, the dept family's project sheets).

Rows of every layout arrive as IndicatorRecords (xltools.indicators.rows): canonical level names, the comparison
from the 指标性质 column or from inside the value, the value read against the unit column. The checks:
- framework (I001–I003, I007, I008): 一级/二级 against the framework the table is checked against
  (xltools.indicators.frameworks): the one its family uses for the budget year (the family's own choice, else
  the year's), or another recognised one the table follows consistently — then one I008 names it;
- coverage (I004–I006): the required 一级 and 二级 of that framework each have at least one 三级;
- values (I009–I022): what a target says — numbers, units, 万, percent ranges, satisfaction, comparisons;
- cost (I030–I031): money-valued 成本 indicators against the project's 资金总额;
- hygiene (I040–I043): duplicates, 评（扣）分标准, the 整体绩效目标表 权重 total.

Each finding sits on the indicator's own row, in the column to fix; table-wide findings (a missing 一级/二级,
the 权重 total) on the table's header cell. One mistake is reported once: a 成本指标 under 产出指标 in a 101号
year is one I008 for a table that follows the older framework throughout, one I002 on its row for a table that
also has a 成本指标 一级 — never also an I004 "missing 成本指标"; a level name is judged once per table.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal, DecimalException

from xltools.families import Framework
from xltools.findings import Finding
from xltools.indicators.frameworks import Judgement, applicable, judge, recognised
from xltools.indicators.rows import IndicatorRecord, IndicatorSet, indicator_sets, name_key
from xltools.indicators.values import MONEY_UNITS, IndicatorValue, is_placeholder, parse_value
from xltools.indicators.values import to_yuan as _to_yuan
from xltools.lazyre import lazy
from xltools.model import Book
from xltools.rules import rule
from xltools.rules.registry import check

OP_SYMBOL = {">=": "≥", "<=": "≤", "=": "=", ">": ">", "<": "<", "qualitative": "定性"}
SATISFACTION_FLOOR = Decimal(80)
# growth rates may exceed 100 % or be negative: the percent-range checks leave them alone
GROWTH_WORDS = ("增长", "增幅", "增速", "增加", "提高", "提升", "较上年", "比上年", "同比", "环比", "倍")
# 二级 under a 101号 成本指标 that are no spending of the project's own money (costs borne by society / nature)
NON_PROJECT_COSTS = ("社会成本指标", "生态环境成本指标")
MIXUP_UNITS = ("元", "万元")
_HALFWIDTH = {i: i - 0xFEE0 for i in range(0xFF01, 0xFF5F)}
_SPACES = lazy(r"\s+")          # patterns compiled on first use (xltools.lazyre): importing stays cheap
_FORMER_NAME = lazy(r"（(原[^，）]*)")


# ------------------------------------------------------------------------------------------------ helpers
def _short(text: str, n: int = 24) -> str:
    s = _SPACES.sub("", text or "")
    return s if len(s) <= n else s[: n - 1] + "…"


def _name(rec: IndicatorRecord) -> str:
    return _short(rec.name) if rec.name else f"第{rec.row}行"


def _plain(d: Decimal) -> str:
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _canon(d: Decimal) -> Decimal:
    return Decimal(_plain(d))


def _fw_name(fw: Framework) -> str:
    """A short name for messages: 财预〔2021〕101号指标体系 / 原指标体系."""
    first = fw.title.split()[0]
    if first.startswith("财预"):
        return f"{first}指标体系"
    m = _FORMER_NAME.search(fw.title)
    return m.group(1) if m else fw.title


def _year(book: Book) -> str:
    return str(book.year) if book.year else "本"   # "本年度" when the workbook gives no budget year


def _levels_sets(book: Book) -> list[IndicatorSet]:
    return [s for s in indicator_sets(book) if s.layout == "levels" and "level1" in s.table.columns]


def _parent(fw: Framework, level2: str) -> str | None:
    return next((l1 for l1, l2s in fw.levels.items() if level2 in l2s), None)


def _other_frameworks(fw: Framework) -> list[Framework]:
    """The other frameworks of frameworks.toml (for the hints: "成本指标 is a 一级 from 2022")."""
    return [o for o in recognised() if o.key != fw.key]


def _choices(names: Iterable[str]) -> str:
    return "、".join(names)


# ---------------------------------------------------------------------------------------------- framework
def _judgement(book: Book, s: IndicatorSet) -> Judgement:
    """The framework a table is checked against (xltools.indicators.frameworks): the one its family uses for the
    budget year, or another recognised one the table follows consistently."""
    return judge([(r.level1, r.level2) for r in s.records], applicable(book.family, book.year))


def _basis(book: Book, j: Judgement) -> str:
    """That framework in words: 2023年度适用的财预〔2021〕101号指标体系 / 本表所按的原指标体系."""
    if j.follows:
        return f"本表所按的{_fw_name(j.framework)}"
    return f"{_year(book)}年度适用的{_fw_name(j.framework)}"


def _mixed_notes(s: IndicatorSet, j: Judgement) -> dict[int, str]:
    """For a table mixing two frameworks: sheet row → the note for each row of the other framework."""
    if j.mixed_with is None:
        return {}
    first = s.records[j.against[0]].row
    note = f"；本表第{first}行已按该体系填写，同一张表只能用一种指标体系"
    return {s.records[i].row: note for i in j.evidence}


@check("indicators_framework")
def framework(book: Book) -> Iterator[Finding]:
    for s in _levels_sets(book):
        j = _judgement(book, s)
        fw = j.framework
        others = _other_frameworks(fw)
        all_level2 = {l2: l1 for f in (fw, *others) for l1, l2s in f.levels.items() for l2 in l2s}
        if j.follows:
            yield _follows(book, j, s.records[j.evidence[0]])
        mixed = _mixed_notes(s, j)
        seen1: set[str] = set()
        seen2: set[tuple[str, str]] = set()
        for rec in s.records:
            yield from _level1(book, j, others, all_level2, rec, seen1, mixed)
            if rec.level1 in fw.levels and "level2" in s.table.columns:
                yield from _level2(book, j, others, rec, seen2, mixed)
            if rec.level1 == "效益指标" and "满意度" in rec.name and "不满意" not in rec.name:
                yield rule("I003").finding(rec.sheet, rec.cell("name"), actual=rec.name, name=_name(rec),
                                           level1=rec.level1, level2=rec.level2 or "")


def _follows(book: Book, j: Judgement, rec: IndicatorRecord) -> Finding:
    """I008 on the first row showing the framework the table follows instead of the applicable one."""
    a, l1, l2 = j.applicable, rec.level1, rec.level2
    if l1 in a.levels:       # the 二级 sits elsewhere in the applicable framework: 成本指标 under 产出指标
        cell, evidence = rec.cell("level2"), f"“{l2}”填在“{l1}”下"
        parent = _parent(a, l2)
        if l2 in a.levels:
            below = a.levels[l2]
            how = f"该体系中“{l2}”是一级指标" + (f"，下设{_choices(below)}" if below else "")
            fix = f"将这些三级指标移到一级指标“{l2}”下"
        elif parent is not None:
            how, fix = f"该体系中“{l2}”在“{parent}”下", f"将这些三级指标移到一级指标“{parent}”下"
        else:
            how, fix = f"该体系中“{l1}”下没有“{l2}”", f"按该体系调整“{l1}”下的二级指标"
    else:                    # a 一级 the applicable framework lacks: 成本指标 as a 一级 before 101号
        cell, evidence = rec.cell("level1"), f"“{l1}”作为一级指标"
        parent = _parent(a, l1)
        if parent is not None:
            how = f"该体系中“{l1}”是“{parent}”下的二级指标"
            fix = f"将一级指标“{l1}”下的三级指标改填在一级指标“{parent}”、二级指标“{l1}”下"
        else:
            how, fix = f"该体系中没有一级指标“{l1}”", "按该体系调整一级指标"
    return rule("I008").finding(rec.sheet, cell, expected=_fw_name(a), actual=_fw_name(j.framework),
                                followed=_fw_name(j.framework), framework=_fw_name(a), year=_year(book),
                                evidence=evidence, how=how, fix=fix)


def _level1(book, j: Judgement, others, all_level2, rec: IndicatorRecord, seen: set[str],
            mixed: dict[int, str]) -> Iterator[Finding]:
    fw = j.framework
    l1 = rec.level1
    if l1 in fw.levels or l1 in seen:
        return
    seen.add(l1)
    basis = _basis(book, j)
    expected = _choices(fw.levels)
    if not l1:
        yield rule("I001").finding(rec.sheet, rec.cell("level1"), actual="（空）", basis=basis,
                                   hint=f"未填写一级指标，应为 {expected} 之一")
        return
    other = next((o for o in others if l1 in o.levels), None)
    if other is not None:
        parent = _parent(fw, l1)
        where = f"该体系中“{l1}”是“{parent}”下的二级指标" if parent else f"该体系中没有“{l1}”"
        if rec.row in mixed:   # the table also has rows of the applicable framework: it mixes the two
            yield rule("I001").finding(rec.sheet, rec.cell("level1"), actual=rec.level1_raw or l1, basis=basis,
                                       hint=where + mixed[rec.row])
            return
        # a level of another framework on a row that does not fit it either: readable, so a warning
        yield rule("I001").finding(rec.sheet, rec.cell("level1"), actual=rec.level1_raw or l1, severity="warning",
                                   basis=basis,
                                   hint=f"{where}（“{l1}”作一级指标是{_fw_name(other)}的写法），请确认本年度适用的指标体系")
        return
    if l1 in all_level2:
        hint = f"“{l1}”是“{all_level2[l1]}”下的二级指标，一级指标应为 {expected} 之一"
    else:
        hint = f"一级指标应为 {expected} 之一"
    yield rule("I001").finding(rec.sheet, rec.cell("level1"), actual=rec.level1_raw or l1, basis=basis, hint=hint)


def _level2(book, j: Judgement, others, rec: IndicatorRecord, seen: set[tuple[str, str]],
            mixed: dict[int, str]) -> Iterator[Finding]:
    fw = j.framework
    l1, l2 = rec.level1, rec.level2
    allowed = fw.levels[l1]
    if l2 in allowed or (l1, l2) in seen:
        return
    seen.add((l1, l2))
    if not l2:
        yield rule("I007").finding(rec.sheet, rec.cell("level2"), name=_name(rec), level1=l1,
                                   choices=_choices(allowed))
        return
    basis = _basis(book, j)
    note = mixed.get(rec.row, "")
    if l2 == l1:             # 成本指标 / 成本指标: the 二级 not chosen
        yield rule("I002").finding(
            rec.sheet, rec.cell("level2"), actual=rec.level2_raw or l2, level1=l1, severity="warning",
            hint=f"与一级指标同名，“{l1}”下的二级指标应为 {_choices(allowed)} 之一")
        return
    parent = _parent(fw, l2)
    if parent is not None:
        yield rule("I002").finding(rec.sheet, rec.cell("level2"), actual=rec.level2_raw or l2, level1=l1,
                                   hint=f"不属于该一级指标，应放在一级指标“{parent}”下")
        return
    if l2 in fw.levels:   # a 一级 used as a 二级: 成本指标 under 产出指标 in a table mixing the frameworks
        below = fw.levels[l2]
        yield rule("I002").finding(
            rec.sheet, rec.cell("level2"), actual=rec.level2_raw or l2, level1=l1,
            hint=(f"不符合{basis}：“{l2}”是一级指标，其下分 {_choices(below)}，"
                  f"请将这些三级指标移到一级指标“{l2}”下{note}"))
        return
    if any(l2 in lv for o in others for lv in o.levels.values()):
        yield rule("I002").finding(
            rec.sheet, rec.cell("level2"), actual=rec.level2_raw or l2, level1=l1,
            hint=f"不在{basis}中，“{l1}”下的二级指标应为 {_choices(allowed)} 之一{note}")
        return
    yield rule("I002").finding(
        rec.sheet, rec.cell("level2"), actual=rec.level2_raw or l2, level1=l1, severity="warning",
        hint=f"不是规范的二级指标名称，“{l1}”下的二级指标应为 {_choices(allowed)} 之一")


# ----------------------------------------------------------------------------------------------- coverage
@check("indicators_coverage")
def coverage(book: Book) -> Iterator[Finding]:
    for s in indicator_sets(book):
        if not s.records:
            yield rule("I006").finding(s.sheet, s.header_cell("name"))
            continue
        if s.layout != "levels" or "level1" not in s.table.columns:
            continue
        j = _judgement(book, s)
        fw = j.framework
        basis = _basis(book, j)
        level1s = {r.level1 for r in s.records}
        level2s = {r.level2 for r in s.records}
        pairs = {(r.level1, r.level2) for r in s.records}
        cell = s.header_cell("level1")
        others = _other_frameworks(fw)
        # a 二级 name typed as the 一级 (社会效益指标 for 效益指标): the I001 on that row already says so
        stands_in = {_parent(fw, l1) for l1 in level1s if l1 not in fw.levels}
        for l1 in fw.required_level1:
            if l1 in level1s or l1 in stands_in:
                continue
            if l1 in level2s:    # typed as a 二级 elsewhere: the I002 on that row says where it belongs
                continue
            below = fw.levels.get(l1, ())
            hint = f"（下设{_choices(below)}）" if below else ""
            if any(l1 in lv for o in others for lv in o.levels.values()):   # 成本指标: a 二级 before 101号
                was = next((_parent(o, l1) for o in others if _parent(o, l1)), None)
                hint = (f"（该体系中“{l1}”是一级指标，下设{_choices(below)}"
                        + (f"，不再是“{was}”下的二级指标" if was else "") + "）")
            yield rule("I004").finding(s.sheet, cell, expected=l1, level1=l1, basis=basis, hint=hint)
        for l2 in fw.required_level2:
            parent = _parent(fw, l2)
            if parent is None or parent not in level1s or (parent, l2) in pairs or l2 in level2s:
                continue
            yield rule("I005").finding(s.sheet, cell, expected=l2, level1=parent, level2=l2)


# ------------------------------------------------------------------------------------------------- values
def _numeric(v: IndicatorValue) -> bool:
    if v.kind == "compound":
        return any(_numeric(p) for p in v.parts)
    return v.is_numeric or v.kind == "ratio"


def _measurable(v: IndicatorValue) -> bool:
    return v.kind in ("number", "percent", "ratio", "date", "date_range", "compound")


def _is_satisfaction(rec: IndicatorRecord, v: IndicatorValue) -> bool:
    text = v.subject if v.subject else rec.name
    return "满意" in (text or "") and "不满意" not in (text or "")


def _is_growth(rec: IndicatorRecord, v: IndicatorValue) -> bool:
    return any(w in (rec.name or "") or w in (v.subject or "") for w in GROWTH_WORDS)


def _target_text(op: str | None, v: IndicatorValue) -> str:
    """"> 100%", "满意度 ≥ 90%" — the target as the rules read it."""
    sym = OP_SYMBOL.get(op or "", "")
    unit = "%" if v.kind == "percent" else (v.unit or "")
    num = _plain(v.number) if v.number is not None else v.raw
    subject = v.subject or ""
    return f"{subject}{sym}{num}{unit}"


def _percent_findings(rec: IndicatorRecord, v: IndicatorValue, op: str | None, op_cell: str) -> Iterator[Finding]:
    """One percent target (the value, or one part of a compound value)."""
    if v.kind != "percent" or v.number is None:
        return
    n = v.number
    # the name and the target text are made only for a finding (most targets pass)
    if not _is_growth(rec, v):
        if n < 0 or n > 100:
            yield rule("I015").finding(rec.sheet, rec.cell("value"), expected="0%–100%", actual=_target_text(op, v),
                                       name=_name(rec), problem="超出 0%–100% 的范围")
        elif op == ">" and n >= 100:
            yield rule("I015").finding(rec.sheet, op_cell, actual=_target_text(op, v), name=_name(rec),
                                       problem="要求大于 100%，无法达到（比率最高为 100%）")
        elif op == "<" and n <= 0:
            yield rule("I015").finding(rec.sheet, op_cell, actual=_target_text(op, v), name=_name(rec),
                                       problem="要求小于 0%，无法达到")
        elif op == ">=" and n == 100:
            yield rule("I016").finding(rec.sheet, op_cell, expected="=100%", actual=_target_text(op, v),
                                       name=_name(rec))
    if _is_satisfaction(rec, v):
        if op in ("=", "<=", "<"):
            yield rule("I017").finding(rec.sheet, op_cell, expected="≥", actual=_target_text(op, v),
                                       op=OP_SYMBOL[op])
        if n < SATISFACTION_FLOOR:
            yield rule("I018").finding(rec.sheet, rec.cell("value"), expected=f"≥{SATISFACTION_FLOOR}%",
                                       actual=_target_text(op, v))


def _shown(rec: IndicatorRecord) -> str:
    """The value as typed, with the unit column beside it when the value has none ("90" + "%" → "90%");
    never the number as read ("250万" stays "250万", not 2500000)."""
    raw = rec.value.raw.strip()
    if rec.unit and rec.value_text_unit is None and rec.value.kind in ("number", "percent"):
        return f"{raw}%" if rec.value.kind == "percent" else f"{raw} {rec.unit}"
    return raw


def _typed(rec: IndicatorRecord, v: IndicatorValue) -> str:
    """One amount of a row as typed: the whole value (_shown), or a part of a compound one with the unit column
    beside it when the part has no unit of its own."""
    if v is rec.value:
        return _shown(rec)
    raw = v.raw.strip()
    return f"{raw} {rec.unit}" if (rec.unit and not v.unit_in_value and v.kind == "number") else raw


def _reading(v: IndicatorValue) -> str:
    if v.kind == "percent":
        return f"{_plain(v.number)}%"
    return f"{_plain(v.number)} {v.unit}" if v.unit else _plain(v.number)


@check("indicators_values")
def values(book: Book) -> Iterator[Finding]:
    for s in indicator_sets(book):
        for rec in s.records:
            yield from _value_findings(rec)


def _value_findings(rec: IndicatorRecord) -> Iterator[Finding]:
    v = rec.value             # the row's name for a message (_name) is made only for a finding
    comp = rec.comparison
    if comp is not None and not comp.readable:
        yield rule("I019").finding(rec.sheet, rec.cell("op"), actual=comp.raw, name=_name(rec))
    if v.kind == "empty":
        yield rule("I009").finding(rec.sheet, rec.cell("value"), name=_name(rec))
        return
    raw = v.raw.strip()
    qualitative = rec.attribute == "定性" or rec.op == "qualitative"
    if qualitative and _numeric(v):
        cell = rec.cell("attribute") if rec.attribute == "定性" else rec.cell("op")
        yield rule("I014").finding(rec.sheet, cell, expected="定量指标", actual=_shown(rec), name=_name(rec))
    if rec.attribute == "定量" and not _measurable(v):
        yield rule("I010").finding(rec.sheet, rec.cell("value"), actual=raw, name=_name(rec))
    if v.kind == "compound":
        parts = "；".join(p.raw for p in v.parts)       # each part as typed ("19万件", never "190000件")
        yield rule("I022").finding(rec.sheet, rec.cell("value"), actual=raw, count=len(v.parts), parts=parts)
        for p in v.parts:
            yield from _percent_findings(rec, p, p.op, rec.cell("value"))
        return
    if comp is not None and comp.op not in (None, "qualitative") and v.op is not None and v.op != comp.op:
        yield rule("I020").finding(rec.sheet, rec.cell("value"), expected=comp.raw.strip(), actual=raw)
    if rec.has("unit") and v.kind in ("number", "percent", "ratio"):
        yield from _unit_findings(rec)
    if (rec.has("op") and comp is not None and comp.readable and comp.op is None and v.op is None
            and v.kind in ("number", "percent") and rec.quantitative and not qualitative):
        yield rule("I021").finding(rec.sheet, rec.cell("op"), actual=_shown(rec), name=_name(rec))
    yield from _percent_findings(rec, v, rec.op, rec.op_cell)


def _unit_findings(rec: IndicatorRecord) -> Iterator[Finding]:
    v, raw = rec.value, rec.value.raw.strip()
    if rec.unit is None:
        if v.kind in ("number", "ratio") and v.unit is None and rec.quantitative and rec.op != "qualitative":
            hint = "；成本指标的金额请写明单位（元或万元），才能与项目资金总额核对" if _is_project_cost(rec) else ""
            yield rule("I011").finding(rec.sheet, rec.cell("unit"), actual=raw, name=_name(rec), hint=hint)
        return
    if rec.value_text_unit is None and not rec.value_multiplier:
        return
    column = parse_value("1", rec.unit)   # the unit column, read the way the value is (万件 → 件 × 10000)
    if rec.value_text_unit is not None and column.unit is not None and rec.value_text_unit != column.unit:
        yield rule("I013").finding(rec.sheet, rec.cell("value"), expected=rec.unit, actual=raw,
                                   value_unit=rec.value_text_unit)
        return
    if v.number is None:
        return
    severity = "warning" if rec.value_multiplier else "info"
    yield rule("I012").finding(rec.sheet, rec.cell("value"), expected=_reading(v), actual=raw, severity=severity,
                               reading=_reading(v))


# --------------------------------------------------------------------------------------------------- cost
def _is_project_cost(rec: IndicatorRecord) -> bool:
    """A 成本 indicator spending the project's own money: 成本指标 as 二级 (the older framework), or a 101号
    成本指标 一级 row other than 社会成本 / 生态环境成本."""
    if rec.level1 == "成本指标":
        return rec.level2 not in NON_PROJECT_COSTS
    return rec.level2 == "成本指标"


def _money(v: IndicatorValue) -> list[IndicatorValue]:
    if v.kind == "compound":
        return [p for p in v.parts if p.kind == "number" and p.is_money and p.number is not None]
    if v.kind == "number" and v.is_money and v.number is not None:
        return [v]
    return []


def to_yuan(number: object, unit: object) -> Decimal | None:
    """values.to_yuan, None for an amount too large to be one ("1e999999999" overflows inside it)."""
    try:
        y = _to_yuan(number, unit)
    except (DecimalException, ValueError, OverflowError):
        return None
    return y if (y is None or (y.is_finite() and y.adjusted() < 30)) else None


def _in_unit(yuan: Decimal, unit: str) -> Decimal:
    return _canon(yuan / MONEY_UNITS[unit])


def _money_text(amount: Decimal, unit: str) -> str:
    return f"{_plain(amount)} {unit}"


# words that make a cost indicator a cost per unit (its value is typed without "/人" often enough)
PER_UNIT_WORDS = ("人均", "每人", "每户", "每次", "每件", "每辆", "每平方米", "单价", "单位成本", "平均", "标准")


@check("indicators_cost")
def cost(book: Book) -> Iterator[Finding]:
    for s in _levels_sets(book):
        funds_unit = (str(s.funds_unit).strip() if s.funds_unit else "") or "万元"
        if funds_unit not in MONEY_UNITS:
            continue
        funds_yuan = to_yuan(s.funds, funds_unit)
        if funds_yuan is None or funds_yuan <= 0 or funds_yuan.adjusted() > 15:
            continue      # no usable 资金总额 (S005/S007 report it); beyond 10^15 元 it is no budget figure
        funds = _in_unit(funds_yuan, funds_unit)
        exp = _money_text(funds, funds_unit)
        costs = [r for r in s.records if _is_project_cost(r)]
        if not costs:
            continue
        over = False
        for rec in costs:
            for m in _money(rec.value):
                yuan = to_yuan(m.number, m.unit)
                if yuan is None or yuan <= funds_yuan:
                    continue
                over = True
                yield rule("I030").finding(
                    rec.sheet, rec.cell("value"), expected=funds, actual=_in_unit(yuan, funds_unit),
                    name=_name(rec), act=_typed(rec, m), exp=exp,
                    hint="" if m.multiplier_applied else _mixup_hint(m.number, m.unit, funds_yuan, funds_unit))
        if over:
            continue
        amounts = [_money(r.value) for r in costs]
        if any(len(a) != 1 for a in amounts):
            continue     # a cost that is no money (厉行节约 = 100%) or several amounts: no total to compare
        if any(w in _name(r) for r in costs for w in PER_UNIT_WORDS):
            continue     # 人均救助 ≤1000元: a cost per person (or per item) is no part of the project's total
        units = {a[0].unit for a in amounts}
        if len(units) != 1:
            continue     # 元 beside 万元: leave the total alone (a unit price may sit among the costs)
        unit = units.pop()
        total = sum((a[0].number for a in amounts), Decimal(0))
        total_yuan = to_yuan(total, unit)
        if total_yuan is None or total_yuan == funds_yuan:
            continue
        diff_yuan = total_yuan - funds_yuan
        tol = Decimal(1) if funds_unit == "元" else Decimal(MONEY_UNITS[funds_unit]) / 100
        hint, severity = "", "error"
        # an amount typed with 万 ("250万" beside 元) is read as 2500000 元: the message shows what was typed
        multiplied = any(a[0].multiplier_applied for a in amounts)
        if abs(diff_yuan) <= tol:
            hint, severity = "（尾差，请核对四舍五入）", "warning"
        else:
            alt = None if multiplied else next(
                (u for u in MIXUP_UNITS if u != unit and to_yuan(total, u) == funds_yuan), None)
            if alt is not None:
                hint = f"；各成本指标的单位可能应为“{alt}”（{_plain(total)} {alt} 与资金总额一致）"
            elif diff_yuan < 0:
                hint, severity = "，成本指标可能未列全", "warning"
        if multiplied:
            parts = " + ".join(_typed(r, a[0]) for r, a in zip(costs, amounts))
            act = _money_text(_in_unit(total_yuan, funds_unit), funds_unit)
        else:
            parts = " + ".join(_plain(a[0].number) for a in amounts) + f" {unit}"
            act = _money_text(total, unit)
        first = costs[0]
        yield rule("I031").finding(
            first.sheet, first.cell("value"), expected=funds, actual=_in_unit(total_yuan, funds_unit),
            severity=severity, act=act, exp=exp, parts=parts,
            diff=_money_text(_in_unit(abs(diff_yuan), funds_unit), funds_unit), hint=hint)


def _mixup_hint(number: Decimal, unit: str | None, funds_yuan: Decimal, funds_unit: str) -> str:
    for alt in MIXUP_UNITS:
        if alt == unit:
            continue
        y = to_yuan(number, alt)
        if y is None:
            continue
        if y == funds_yuan:
            return (f"；单位可能应为“{alt}”（{_plain(number)} {alt} = {_money_text(_in_unit(y, funds_unit), funds_unit)}，"
                    "与资金总额一致）")
        if y <= funds_yuan:
            return f"；请核对单位是否应为“{alt}”"
    return ""


# ------------------------------------------------------------------------------------------------ hygiene
@check("indicators_hygiene")
def hygiene(book: Book) -> Iterator[Finding]:
    for s in indicator_sets(book):
        seen: dict[str, int] = {}
        unscored: list[IndicatorRecord] = []
        for rec in s.records:
            key = name_key(rec.name)
            if key:
                if key in seen:
                    yield rule("I040").finding(rec.sheet, rec.cell("name"), actual=rec.name, name=_name(rec),
                                               first=seen[key])
                else:
                    seen[key] = rec.row
            if rec.has("scoring") and is_placeholder(rec.scoring):
                unscored.append(rec)
        if len(unscored) > 1 and len(unscored) == len(s.records):
            # the column left empty throughout (the locality's own form has none): one finding, not one a row
            subject = f"本表全部 {len(unscored)} 项三级指标都"
            yield rule("I041").finding(s.sheet, s.header_cell("scoring"), subject=subject)
        else:
            for rec in unscored:
                name = _name(rec).replace("“", "‘").replace("”", "’")
                subject = f"三级指标“{name}”" if rec.name else f"{name}的三级指标"
                yield rule("I041").finding(rec.sheet, rec.cell("scoring"), subject=subject)
        if "weight" in s.table.columns:
            yield from _weights(s)


_WEIGHT = lazy(r"([0-9]{1,6}(?:\.[0-9]{1,8})?)(%?)")   # 5% · 0.05 · 15 (full-width folded first)


def _weights(s: IndicatorSet) -> Iterator[Finding]:
    filled = [r for r in s.records if not is_placeholder(r.weight)]
    if not filled:
        return    # a table without weights at all: nothing to add up
    total = Decimal(0)
    fractions = True
    bad = False
    for rec in s.records:
        text = _SPACES.sub("", rec.weight or "").translate(_HALFWIDTH)
        if is_placeholder(text):
            bad = True
            yield rule("I043").finding(rec.sheet, rec.cell("weight"), actual="（空）", name=_name(rec))
            continue
        m = _WEIGHT.fullmatch(text)
        if m is None:
            bad = True
            yield rule("I043").finding(rec.sheet, rec.cell("weight"), actual=rec.weight, name=_name(rec))
            continue
        w, percent = Decimal(m.group(1)), bool(m.group(2))
        if percent or w > 1:
            fractions = False
        total += w
    if bad:
        return
    if total == 100 or (fractions and total == 1):
        return
    shown = total * 100 if fractions else total
    yield rule("I042").finding(s.sheet, s.header_cell("weight"), expected=Decimal(100), actual=_canon(shown),
                               act=f"{_plain(shown)}%")
