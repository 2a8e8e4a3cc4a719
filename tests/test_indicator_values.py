"""xltools.indicators.values: 指标性质 / 指标值 parsing.

The expectation tables below are inline, so the tests run without /work/shared. When the clean seeds are present
every 指标值 and 指标性质 they contain is also read at test time and must appear in (and agree with) the tables.
"""
from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xltools.indicators import values as iv
from xltools.indicators.values import (
    Comparison, IndicatorValue, format_value, is_placeholder, parse_comparison, parse_value, to_yuan,
)

SEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds" / "clean"
# file → (value column, unit column or None, comparison column or None)
SEED_FILES = {
    "000_indicators.csv": ("指标值", "度量单位", "指标性质"),
    "001_project_indicators.csv": ("指标值", None, None),
    "001_部门整体绩效目标表.csv": ("指标值", "计量单位", "指标性质"),
    "002_indicators.csv": ("指标值", "度量单位", "指标性质"),
    "003_indicators.csv": ("指标值", "度量单位", "指标性质"),
}


def E(kind, op=None, number=None, unit=None, subject=None, *, mult=False, uiv=False, date=None, date_end=None,
      grade=None, parts=None):
    """An expectation; number given as str, parts as a list of E()."""
    return dict(kind=kind, op=op, number=None if number is None else Decimal(number), unit=unit, subject=subject,
                multiplier_applied=mult, unit_in_value=uiv, date=date, date_end=date_end, grade=grade, parts=parts)


def check(v: IndicatorValue, exp: dict) -> None:
    for field in ("kind", "op", "number", "unit", "subject", "multiplier_applied", "unit_in_value", "date",
                  "date_end", "grade"):
        assert getattr(v, field) == exp[field], (field, v)
    if exp["number"] is not None:
        assert isinstance(v.number, Decimal)
    if exp["parts"] is None:
        assert v.parts == ()
    else:
        assert len(v.parts) == len(exp["parts"]), v
        for p, pe in zip(v.parts, exp["parts"]):
            check(p, pe)


# ------------------------------------------------------------------------------------------ seed expectations
# (指标值, unit column or None) → expectation. Covers every value of the five seed CSVs.
SAT90 = E("percent", ">=", "90", "%", "满意度")
SAT95 = E("percent", ">=", "95", "%", "满意度")
DONE95 = E("percent", ">=", "95", "%", "办结率")
SEED_VALUES_EXPECTED: dict[tuple[str, str | None], dict] = {
    # 000_indicators.csv (separate 度量单位)
    ("28", "人"): E("number", None, "28", "人"),
    ("25", "人"): E("number", None, "25", "人"),
    ("200", "人次"): E("number", None, "200", "人次"),
    ("6", "个"): E("number", None, "6", "个"),
    ("7", "次（件）"): E("number", None, "7", "次(件)"),
    ("90", "%"): E("percent", None, "90", "%"),
    ("3", "%"): E("percent", None, "3", "%"),
    ("5", "分"): E("number", None, "5", "分"),
    ("100", "%"): E("percent", None, "100", "%"),
    # 002_indicators.csv
    ("12", "次"): E("number", None, "12", "次"),
    ("1", "月/次"): E("number", None, "1", "月/次"),
    ("0", "%"): E("percent", None, "0", "%"),
    ("85", "%"): E("percent", None, "85", "%"),
    # 003_indicators.csv: the value carries its own unit and a 万 multiplier
    ("19万件", "件"): E("number", None, "190000", "件", mult=True, uiv=True),
    ("15万张", "张"): E("number", None, "150000", "张", mult=True, uiv=True),
    ("300", "桶"): E("number", None, "300", "桶"),
    ("220", "件"): E("number", None, "220", "件"),
    ("10", "万元"): E("number", None, "10", "万元"),
    ("95", "%"): E("percent", None, "95", "%"),
    # 001_部门整体绩效目标表.csv (计量单位, 百分率 = %)
    ("28", "个"): E("number", None, "28", "个"),
    ("182", "个"): E("number", None, "182", "个"),
    ("262", "名"): E("number", None, "262", "名"),
    ("2", "套"): E("number", None, "2", "套"),
    ("80", "百分率"): E("percent", None, "80", "%"),
    ("24*7", "小时"): E("ratio", None, None, "小时"),
    ("90", "百分率"): E("percent", None, "90", "%"),
    # 001_project_indicators.csv (no unit column)
    ("28 个", None): E("number", None, "28", "个"),
    ("182 个", None): E("number", None, "182", "个"),
    ("262 名", None): E("number", None, "262", "名"),
    ("1187 项", None): E("number", None, "1187", "项"),
    ("96 万件", None): E("number", None, "960000", "件", mult=True),
    ("30%", None): E("percent", None, "30", "%"),
    ("≥80%", None): E("percent", ">=", "80", "%"),
    ("≥98.7%", None): E("percent", ">=", "98.7", "%"),
    ("32 个工作日", None): E("number", None, "32", "个工作日"),
    ("34 个工作日", None): E("number", None, "34", "个工作日"),
    ("2个工作日", None): E("number", None, "2", "个工作日"),
    ("65 万元", None): E("number", None, "65", "万元"),
    ("11 万元", None): E("number", None, "11", "万元"),
    ("61.5 万元", None): E("number", None, "61.5", "万元"),
    ("13 万元", None): E("number", None, "13", "万元"),
    ("15 万元", None): E("number", None, "15", "万元"),
    ("36 万元", None): E("number", None, "36", "万元"),
    ("1227 万元", None): E("number", None, "1227", "万元"),
    ("300 人", None): E("number", None, "300", "人"),
    ("0", None): E("number", None, "0", None),
    ("满意度≧90%、办结率≧95%", None): E("compound", parts=[SAT90, DONE95]),
    ("满意度≧90%、办结率≥95%", None): E("compound", parts=[SAT90, DONE95]),
    ("满意度≧90%", None): SAT90,
    ("满意度≧95%", None): SAT95,
    ("办结率≧95%", None): DONE95,
    ("网上办结率 95%, 满意度≧95%", None): E("compound", parts=[E("percent", None, "95", "%", "网上办结率"), SAT95]),
    ("群众满意度≧95%", None): E("percent", ">=", "95", "%", "群众满意度"),
    ("好评率≧90%", None): E("percent", ">=", "90", "%", "好评率"),
    ("2021年12月完成", None): E("date", date="2021-12"),
    ("300 元/人, 12 场次, 9 万元", None): E("compound", parts=[
        E("number", None, "300", "元/人"), E("number", None, "12", "场次"), E("number", None, "9", "万元")]),
    ("服务群众3万人次/年", None): E("number", None, "30000", "人次/年", "服务群众", mult=True),
    ("有效评价2万条/年", None): E("number", None, "20000", "条/年", "有效评价", mult=True),
    ("办件量3万件/年", None): E("number", None, "30000", "件/年", "办件量", mult=True),
}

# 指标性质 strings of the seeds
SEED_COMPARISONS_EXPECTED: dict[str, tuple[str | None, bool]] = {
    ">=": (">=", True), "<=": ("<=", True), "=": ("=", True), ">": (">", True), "<": ("<", True),
    "≥": (">=", True), "≧": (">=", True),
    "\\(\\)": (None, False),  # the integrated table's unreadable symbol: reported, never guessed
}

# More forms seen in practice, beyond the seeds
EXTRA_VALUES_EXPECTED: dict[tuple[str, str | None], dict] = {
    ("１１８７项", None): E("number", None, "1187", "项"),
    ("1,187 项", None): E("number", None, "1187", "项"),
    ("1，187", "项"): E("number", None, "1187", "项"),
    ("９５％", None): E("percent", None, "95", "%"),
    ("98．5%", None): E("percent", None, "98.5", "%"),
    ("＞＝90％", None): E("percent", ">=", "90", "%"),
    ("不低于90%", None): E("percent", ">=", "90", "%"),
    ("满意度不低于90%", None): E("percent", ">=", "90", "%", "满意度"),
    ("满意度大于等于90%", None): E("percent", ">=", "90", "%", "满意度"),
    ("90%以上", None): E("percent", ">=", "90", "%"),
    ("3个工作日以内", None): E("number", "<=", "3", "个工作日"),
    ("≤5%", None): E("percent", "<=", "5", "%"),
    ("≦5", "%"): E("percent", "<=", "5", "%", uiv=False),
    ("<3", "%"): E("percent", "<", "3", "%"),
    ("满意度：95%", None): E("percent", None, "95", "%", "满意度"),
    ("满意度达到95%", None): E("percent", None, "95", "%", "满意度"),
    ("发生率为0", None): E("number", "=", "0", None, "发生率"),
    ("90%", "%"): E("percent", None, "90", "%", uiv=True),
    ("80", "百分比"): E("percent", None, "80", "%"),
    ("3", "万人次"): E("number", None, "30000", "人次", mult=True),
    ("19万", "万件"): E("number", None, "190000", "件", mult=True),
    ("1.5亿人次", None): E("number", None, "150000000", "人次", mult=True),
    ("5千米", None): E("number", None, "5", "千米"),
    ("2亿元", None): E("number", None, "2", "亿元"),
    ("100%完成", None): E("percent", None, "100", "%", "完成"),
    ("7×24小时", None): E("ratio", None, None, "小时"),
    ("5x8", None): E("ratio"),
    ("2021年12月31日", None): E("date", date="2021-12-31"),
    ("2021.12.31", None): E("date", date="2021-12-31"),
    ("2021-6-30", None): E("date", date="2021-06-30"),
    ("2021年12月31日前完成", None): E("date", "<=", date="2021-12-31"),
    ("2021年底前完成", None): E("date", "<=", date="2021-12"),
    ("2021.12完成", None): E("date", date="2021-12"),
    ("2021.12", None): E("number", None, "2021.12"),  # a Y.M date needs a word such as 完成 / 前
    ("2021年1月1日至2021年12月31日", None): E("date_range", date="2021-01-01", date_end="2021-12-31"),
    ("2021.1.1-2021.12.31", None): E("date_range", date="2021-01-01", date_end="2021-12-31"),
    ("2021年3月至11月", None): E("date_range", date="2021-03", date_end="2021-11"),
    ("2021年2月30日", None): E("text"),
    ("2021年3月开工、2021年12月完工", None): E("compound", parts=[E("date", date="2021-03"),
                                                              E("date", date="2021-12")]),
    ("好", None): E("grade", grade="好"),
    ("较好", None): E("grade", grade="较好"),
    ("一般", None): E("grade", grade="一般"),
    ("差", None): E("grade", grade="差"),
    ("优", None): E("grade", grade="优"),
    ("良", None): E("grade", grade="良"),
    ("优良", None): E("grade", grade="优良"),
    ("优秀", None): E("grade", grade="优秀"),
    ("合格", None): E("grade", grade="合格"),
    ("达到预期", None): E("grade", grade="达到预期"),
    ("达标", None): E("grade", grade="达标"),
    ("完成", None): E("grade", grade="完成"),
    ("按时完成", None): E("grade", grade="按时完成"),
    ("验收合格", None): E("grade", subject="验收", grade="合格"),
    ("质量不合格", None): E("grade", subject="质量", grade="不合格"),
    ("≥良好", None): E("grade", ">=", grade="良好"),
    ("节约社会资源,提高办事效率", None): E("text"),
    ("约90%", None): E("text"),
    ("90%左右", None): E("text"),
    ("1-2个", None): E("text"),
    ("≤90%以上", None): E("text"),
    ("满意度≧90%、好评", None): E("text"),
    ("空", None): E("empty"),
    ("无", None): E("empty"),
    ("-", None): E("empty"),
    ("—", None): E("empty"),
    ("／", None): E("empty"),
    ("  ", None): E("empty"),
    ("", "%"): E("empty", unit="%"),
    ("零投诉", None): E("text"),
    ("100m2", None): E("number", None, "100", "m2"),
    ("5万%", None): E("text"),
    ("办结率2021.12%", None): E("percent", None, "2021.12", "%", "办结率"),
    ("截至2021.12", None): E("date", "<=", date="2021-12"),
    ("≥满意度90%", None): E("percent", ">=", "90", "%", "满意度"),
    ("3万万人", None): E("number", None, "300000000", "人", mult=True),
    ("5万元/人", None): E("number", None, "5", "万元/人"),
    ("定性", None): E("text"),
    # 万 in the value beside a money unit is part of the amount, counted in that unit (never 650000 万元)
    ("65万", "万元"): E("number", None, "65", "万元", mult=True),
    ("≤65万", "万元"): E("number", "<=", "65", "万元", mult=True),
    ("2.5亿", "万元"): E("number", None, "25000", "万元", mult=True),
    ("250万", "元"): E("number", None, "2500000", "元", mult=True),
    ("250万", None): E("number", None, "2500000", None, mult=True),
}

# Every 指标性质 form the brief lists, and a few that must stay unreadable
COMPARISON_FORMS: dict[str, str | None] = {
    **{f: ">=" for f in ("≥", "≧", ">=", "＞＝", "＞=", "不低于", "不少于", "大于等于", "大于或等于", "不小于", "⩾",
                         " ≥ ", "<u>></u>")},
    **{f: "<=" for f in ("≤", "≦", "<=", "＜＝", "不高于", "不超过", "不大于", "小于等于", "⩽")},
    **{f: "=" for f in ("=", "＝", "==", "等于", "为")},
    **{f: ">" for f in (">", "＞", "大于", "高于", "超过")},
    **{f: "<" for f in ("<", "＜", "小于", "低于")},
    **{f: "qualitative" for f in ("定性", "定性指标")},
}
UNREADABLE = ("\\(\\)", "?", "？", "□", "()", "≈", "正向", "定量", "≥90", "abc")


# --------------------------------------------------------------------------------------------- seed loading
def _read_seed_rows():
    """[(file, value, unit, comparison)] from the seed CSVs; [] when the folder is absent."""
    rows = []
    if not SEEDS.is_dir():
        return rows
    for name, (vcol, ucol, ccol) in SEED_FILES.items():
        path = SEEDS / name
        if not path.is_file():
            continue
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for rec in csv.DictReader(fh):
                rows.append((name, rec[vcol], rec[ucol] if ucol else None, rec[ccol] if ccol else None))
    return rows


_SEED_ROWS = _read_seed_rows()
_NO_SEEDS = pytest.mark.skip(reason=f"{SEEDS} not present")


def _seed_value_params():
    seen = {}
    for name, value, unit, _ in _SEED_ROWS:
        seen.setdefault((value, unit), name)
    if not seen:
        return [pytest.param(None, None, None, marks=_NO_SEEDS)]
    return [pytest.param(name, value, unit, id=f"{name}:{value}|{unit}") for (value, unit), name in seen.items()]


def _seed_comparison_params():
    seen = {}
    for name, _, _, comp in _SEED_ROWS:
        if comp is not None:
            seen.setdefault(comp, name)
    if not seen:
        return [pytest.param(None, None, marks=_NO_SEEDS)]
    return [pytest.param(name, comp, id=f"{name}:{comp}") for comp, name in seen.items()]


@pytest.mark.parametrize("name,value,unit", _seed_value_params())
def test_every_seed_value_is_classified(name, value, unit):
    key = (value, unit)
    assert key in SEED_VALUES_EXPECTED, f"{name}: no expectation for 指标值 {value!r} (unit {unit!r}); add one"
    check(parse_value(value, unit), SEED_VALUES_EXPECTED[key])


@pytest.mark.parametrize("name,comp", _seed_comparison_params())
def test_every_seed_comparison_is_classified(name, comp):
    assert comp in SEED_COMPARISONS_EXPECTED, f"{name}: no expectation for 指标性质 {comp!r}; add one"
    op, readable = SEED_COMPARISONS_EXPECTED[comp]
    assert parse_comparison(comp) == Comparison(op, comp, readable)


def test_seed_folder_has_the_five_tables():
    if not SEEDS.is_dir():
        pytest.skip(f"{SEEDS} not present")
    for name in SEED_FILES:
        assert (SEEDS / name).is_file(), name


# ----------------------------------------------------------------------------------------- inline tables
@pytest.mark.parametrize("value,unit", list(SEED_VALUES_EXPECTED) + list(EXTRA_VALUES_EXPECTED))
def test_value_table(value, unit):
    exp = {**SEED_VALUES_EXPECTED, **EXTRA_VALUES_EXPECTED}[(value, unit)]
    v = parse_value(value, unit)
    check(v, exp)
    assert v.raw == value
    assert v.kind in iv.KINDS


@pytest.mark.parametrize("value,unit", list(SEED_VALUES_EXPECTED) + list(EXTRA_VALUES_EXPECTED))
def test_format_then_parse_is_stable(value, unit):
    v = parse_value(value, unit)
    again = parse_value(format_value(v))
    if v.kind == "empty":
        assert again.kind == "empty"
        return
    assert (again.kind, again.op, again.number) == (v.kind, v.op, v.number)
    if v.kind in ("number", "percent", "date", "date_range", "grade"):
        assert (again.unit, again.subject, again.date, again.date_end, again.grade) == (
            v.unit, v.subject, v.date, v.date_end, v.grade)
    if v.kind == "compound":
        assert [(p.kind, p.op, p.number, p.unit, p.subject) for p in again.parts] == [
            (p.kind, p.op, p.number, p.unit, p.subject) for p in v.parts]


@pytest.mark.parametrize("form,op", list(SEED_COMPARISONS_EXPECTED.items()))
def test_seed_comparisons_inline(form, op):
    assert parse_comparison(form) == Comparison(op[0], form, op[1])


@pytest.mark.parametrize("form,op", list(COMPARISON_FORMS.items()))
def test_comparison_forms(form, op):
    c = parse_comparison(form)
    assert (c.op, c.readable, c.raw) == (op, True, form)


@pytest.mark.parametrize("form", UNREADABLE)
def test_unreadable_comparison_is_reported_not_guessed(form):
    assert parse_comparison(form) == Comparison(None, form, False)


@pytest.mark.parametrize("form", [None, "", "  ", "空", "无", "-", "/", "／", "—"])
def test_empty_comparison(form):
    c = parse_comparison(form)
    assert c.op is None and c.readable


def test_comparison_ops_inside_values_match_column_ops():
    # the same spelling means the same thing in the 指标性质 column and inside a 指标值
    for form, op in COMPARISON_FORMS.items():
        if op == "qualitative" or form.startswith("<u>"):
            continue
        v = parse_value(f"{form}90%")
        assert (v.kind, v.op, v.number) == ("percent", op, Decimal(90)), form


# ------------------------------------------------------------------------------------------- misc API
def test_none_and_non_str_cells():
    assert parse_value(None).kind == "empty"
    assert parse_value(None).raw == ""
    v = parse_value(28.0, "个")
    assert (v.kind, v.number, v.unit) == ("number", Decimal(28), "个")
    v = parse_value(0.95, "%")
    assert (v.kind, v.number) == ("percent", Decimal("0.95"))
    assert parse_value(float("nan")).kind == "empty"
    assert parse_value(Decimal("61.50"), "万元").number == Decimal("61.5")


def test_is_money_and_to_yuan():
    assert parse_value("65 万元").is_money
    assert parse_value("10", "万元").is_money
    assert parse_value("300元").is_money
    assert not parse_value("300 元/人").is_money
    assert not parse_value("96 万件").is_money
    assert to_yuan(Decimal("61.5"), "万元") == Decimal("615000")
    assert to_yuan(Decimal(3), "千元") == Decimal(3000)
    assert to_yuan(Decimal(2), "亿元") == Decimal(200000000)
    assert to_yuan(Decimal("12.34"), "元") == Decimal("12.34")
    assert to_yuan("1,187", "元") == Decimal(1187)
    assert to_yuan(Decimal(5), "个") is None
    assert to_yuan(None, "万元") is None
    assert to_yuan(Decimal(5), None) is None
    assert to_yuan("abc", "元") is None
    v = parse_value("1227 万元")
    assert to_yuan(v.number, v.unit) == Decimal(12270000)


@pytest.mark.parametrize("text", ["", "空", "无", "-", "—", "／", "/", " 空 ", None, "——", "－"])
def test_placeholders(text):
    assert is_placeholder(text)


@pytest.mark.parametrize("text", ["0", "无投诉", "好", "28 个", "-5", "空调"])
def test_not_placeholders(text):
    assert not is_placeholder(text)


def test_format_examples():
    assert format_value(parse_value("满意度≧90%、办结率≧95%")) == "满意度≥90%、办结率≥95%"
    assert format_value(parse_value("19万件", "件")) == "190000件"
    assert format_value(parse_value("65 万元")) == "65万元"
    assert format_value(parse_value("80", "百分率")) == "80%"
    assert format_value(parse_value("2021年1月1日至2021年12月31日")) == "2021-01-01至2021-12-31"
    assert format_value(parse_value("")) == ""
    assert format_value(parse_value("24*7", "小时")) == "24*7"


def test_values_are_frozen():
    v = parse_value("28 个")
    with pytest.raises(AttributeError):
        v.number = Decimal(1)  # type: ignore[misc]
    with pytest.raises(AttributeError):
        parse_comparison(">=").op = "<"  # type: ignore[misc]


# --------------------------------------------------------------------------------------------- properties
OPS = st.sampled_from([None, ">=", "<=", "=", ">", "<"])
NUMBERS = st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False, allow_infinity=False)
UNITS = st.sampled_from(["%", "个", "万元", "人次", "件"])
SUBJECTS = st.sampled_from([None, "满意度", "办结率", "服务群众", "好评率"])


@settings(max_examples=300, deadline=None)
@given(op=OPS, number=NUMBERS, unit=UNITS, subject=SUBJECTS)
def test_round_trip_format_parse(op, number, unit, subject):
    kind = "percent" if unit == "%" else "number"
    v = IndicatorValue(raw="", kind=kind, op=op, number=number, unit=unit, subject=subject)
    text = format_value(v)
    back = parse_value(text)
    assert (back.kind, back.op, back.number, back.unit, back.subject) == (kind, op, number, unit, subject), text
    # and with the unit given in its own column instead
    if subject is None:
        bare = text[: -len(unit)]
        back = parse_value(bare, unit)
        assert (back.kind, back.op, back.number, back.unit, back.unit_in_value) == (kind, op, number, unit, False)


@settings(max_examples=500, deadline=None)
@given(st.text())
def test_parse_value_never_raises(text):
    # the private function has no safety net, so this finds real bugs
    v = iv._parse_value(text)
    assert v.kind in iv.KINDS
    assert v.raw == text
    assert isinstance(format_value(v), str)
    parse_value(text, text)
    c = parse_comparison(text)
    assert c.op in iv.OPS or c.op is None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("0123456789.,、;%万千亿元个件年月日至-*×≥≧<>=满意度 ０％．，/空无")),
               max_size=30), st.one_of(st.none(), UNITS, st.sampled_from(["百分率", "万件", "次（件）"])))
def test_parse_value_never_raises_on_dense_text(text, unit):
    v = iv._parse_value(text, unit)
    assert v.kind in iv.KINDS
    if v.kind in ("number", "percent"):
        assert isinstance(v.number, Decimal)
        again = parse_value(format_value(v))
        assert (again.kind, again.op, again.number, again.unit) == (v.kind, v.op, v.number, v.unit)


# ------------------------------------------------------------------------------------------- start-up, caches


def _normalise_by_character(text: str) -> str:
    """The definition _normalise's translate table implements, one character at a time."""
    import unicodedata

    out = []
    for ch in text:
        o = ord(ch)
        if o < 128:
            out.append(ch)
        elif 0xFF01 <= o <= 0xFF5E:
            out.append(chr(o - 0xFEE0))
        elif ch in iv._EXTRA_CHARS:
            out.append(iv._EXTRA_CHARS[ch])
        else:
            cat = unicodedata.category(ch)
            if cat == "Nd":
                out.append(str(unicodedata.decimal(ch, 0)))
            elif cat[0] == "Z":
                out.append(" ")
            elif cat != "Cf":
                out.append(ch)
    return "".join(out)


def test_normalise_table_is_the_character_rule():
    every = "".join(chr(i) for i in range(0x3400) if not 0xD800 <= i <= 0xDFFF) + "".join(
        chr(i) for i in (0xFEFF, 0xFF10, 0xFF05, 0xFF5E, 0xFF5F, 0x1D7CE, 0x200B, 0x2028, 0x3000, 0x0660, 0x4E00))
    assert iv._normalise(every) == _normalise_by_character(every)
    assert iv._normalise("满意度≥９５％\u200b") == "满意度≥95%"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=12))
def test_normalise_any_text(text):
    assert iv._normalise(text) == _normalise_by_character(text)


def test_parse_value_of_text_is_read_once_and_equal_to_a_fresh_read():
    a = parse_value("≥95%", "%")
    assert parse_value("≥95%", "%") is a                     # cached: a frozen record, safe to share
    assert a == iv._parse_value("≥95%", "%")
    # numbers are not cache keys: 1 == 1.0 == Decimal("1.0"), but they read differently
    assert parse_value(Decimal("1.0")).raw == "1.0" and parse_value(1).raw == "1" and parse_value(1.5).raw == "1.5"


def test_patterns_compile_on_first_use():
    import subprocess
    import sys

    # the modules they build on (and their own patterns) first; then count what importing the rules compiles
    code = ("import xltools.model, xltools.families, xltools.text, xltools.findings, xltools.rules\n"
            "import xltools.codes.catalogue, xltools.codes.dropdown\n"
            "import re._compiler as c; n = [0]; f = c.compile\n"
            "def g(*a): n[0] += 1; return f(*a)\n"
            "c.compile = g\n"
            "import xltools.indicators.rows, xltools.rules.indicators, xltools.rules.codes, xltools.rules.tables\n"
            "import xltools.rules.between, xltools.rules.consistency, xltools.narrative.context\n"
            "print(n[0])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert int(out) <= 1, "the rule modules compile their patterns on first use (xltools.lazyre), not at import"
    from xltools.lazyre import lazy

    p = lazy(r"(\d+)元")
    assert "_compiled" not in p.__dict__
    assert p.search("共65元").group(1) == "65" and p.pattern == r"(\d+)元" and p.sub("", "5元x") == "x"
    assert p.__dict__["search"] == p.search                    # kept on the instance after the first use
