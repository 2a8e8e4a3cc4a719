"""指标性质 and 指标值 of performance-target tables, as people type them.

`parse_comparison("≧")` reads the comparison column; `parse_value("满意度≧90%、办结率≧95%")` reads a target value
into a kind (number, percent, ratio, date, date_range, grade, text, compound, empty), a comparison found inside the
value, a Decimal in the stated unit, the unit, and a leading label. Nothing here raises on a string and nothing
guesses: a comparison symbol that cannot be read comes back with ``readable=False`` for the caller to report.

Pure standard library (and xltools.lazyre), no I/O.
"""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation, localcontext
from functools import lru_cache

from xltools.lazyre import lazy
from xltools.record import record

__all__ = [
    "Comparison", "IndicatorValue", "parse_comparison", "parse_value", "format_value", "to_yuan",
    "is_placeholder", "OPS", "KINDS", "MONEY_UNITS", "PERCENT_UNITS", "GRADES",
]

OPS = (">=", "<=", "=", ">", "<", "qualitative")
KINDS = ("number", "percent", "ratio", "date", "date_range", "grade", "text", "compound", "empty")

#: money units and their size in 元 (is_money / to_yuan)
MONEY_UNITS: dict[str, int] = {
    "元": 1, "千元": 1_000, "万元": 10_000, "百万元": 1_000_000, "千万元": 10_000_000, "亿元": 100_000_000,
}
#: how a percentage unit is written in the unit column (the 整体绩效目标表 writes 百分率)
PERCENT_UNITS = ("%", "％", "百分率", "百分比", "百分数")

# ---------------------------------------------------------------------------------------------- comparisons
# Every spelling seen in practice, as typed. Lookup happens on the normalised form (full-width → ASCII, no
# spaces), so "＞＝" and "＞=" arrive as ">=".
_OP_FORMS: dict[str, tuple[str, ...]] = {
    ">=": ("≥", "≧", "⩾", "≮", ">=", "=>", "≥=", "≧=", "＞＝", "＞=", "不低于", "不少于", "大于等于", "大于或等于",
           "不小于", "至少"),
    "<=": ("≤", "≦", "⩽", "≯", "<=", "=<", "≤=", "≦=", "＜＝", "＜=", "不高于", "不超过", "不大于", "不多于",
           "小于等于", "小于或等于", "至多"),
    "=": ("=", "＝", "==", "等于", "为"),
    ">": (">", "＞", "大于", "高于", "超过", "多于"),
    "<": ("<", "＜", "小于", "低于", "少于"),
}
_QUALITATIVE_FORMS = ("定性", "定性指标")
# The clean seeds transcribe an underlined ">" as <u>></u>; it means ≥ (and likewise for <).
_MARKUP_FORMS = {"<u>></u>": ">=", "<u><</u>": "<="}

_OP_SYMBOL = {">=": "≥", "<=": "≤", "=": "=", ">": ">", "<": "<"}


@record
class Comparison:
    """A 指标性质 cell. op is one of OPS or None; readable is False for a non-empty cell that is no known
    comparison (an OCR-garbled symbol such as ``\\(\\)``) — the caller reports it, never guesses."""

    op: str | None
    raw: str
    readable: bool


# ------------------------------------------------------------------------------------------- normalisation
_EXTRA_CHARS = {
    "\u3000": " ", "\u00a0": " ", "\ufe6a": "%", "\u301c": "~", "\u2212": "-", "\ufe66": "=", "\ufe64": "<",
    "\ufe65": ">", "\ufe50": ",", "\ufe51": "、", "\ufe54": ";",
}


class _NormalTable(dict):
    """The str.translate table of _normalise, filled in as characters are met: a character's mapping is worked
    out once per process (by its Unicode category), and translate() then maps a whole text in C — the
    character-by-character loop this replaces was most of the cost of reading an indicator table."""

    def __missing__(self, o: int):
        ch = chr(o)
        if o < 128:
            v: int | str | None = o
        elif 0xFF01 <= o <= 0xFF5E:
            v = o - 0xFEE0
        elif ch in _EXTRA_CHARS:
            v = _EXTRA_CHARS[ch]
        else:
            cat = unicodedata.category(ch)
            if cat == "Nd":
                v = str(unicodedata.decimal(ch, 0))
            elif cat[0] == "Z":
                v = " "
            elif cat == "Cf":
                v = None                 # dropped
            else:
                v = o
        self[o] = v
        return v


_NORMAL = _NormalTable()


def _normalise(text: str) -> str:
    """Full-width ASCII → ASCII, any Unicode decimal digit → 0-9, any space → " ", format marks dropped."""
    return text if text.isascii() else text.translate(_NORMAL)


# The patterns below are compiled on first use (xltools.lazyre): compiling all of them cost ~7 ms at import, on
# the path of every `xltools check`, whether or not the workbook has an indicator table.
_WS = lazy(r"\s+")
_THOUSANDS = lazy(r"(?<![0-9.])[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])")
_EDGE_PUNCT = "。.;,、"


@lru_cache(maxsize=1 << 12)      # the same short texts (units, 指标性质, placeholders) come again and again
def _squash(text: str) -> str:
    return _WS.sub("", _normalise(text))


def _prepare(text: str) -> str:
    s = _squash(text)
    s = _THOUSANDS.sub(lambda m: m.group(0).replace(",", ""), s)
    return s.strip(_EDGE_PUNCT)


def _as_text(value: object) -> str | None:
    """A cell value as text: None stays None, numbers as Excel shows them (28.0 → "28")."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:  # NaN: an empty numeric cell
            return None
        if value in (float("inf"), float("-inf")):
            return str(value)
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, Decimal):
        if value.is_nan():
            return None
        return format(value, "f") if value.is_finite() else str(value)
    return str(value)


_PLACEHOLDERS = frozenset({"", "空", "无", "-", "--", "—", "——", "–", "―", "/", "//", "\\", "n/a", "N/A"})


def is_placeholder(text: object) -> bool:
    """True for an empty template cell: "", 空, 无, -, —, ／, / (and None, and the same with spaces around)."""
    try:
        t = _as_text(text)
        if t is None:
            return True
        return _squash(t).strip("。") in _PLACEHOLDERS
    except Exception:  # pragma: no cover - defensive, _squash does not raise on str
        return False


def _lookup_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for op, forms in _OP_FORMS.items():
        for form in forms:
            table[_squash(form)] = op
    return table


_VALUE_OPS = _lookup_table()  # normalised form → op (the forms that may appear inside a value)
_COMPARISON_TABLE = dict(_VALUE_OPS)
_COMPARISON_TABLE.update({_squash(f): "qualitative" for f in _QUALITATIVE_FORMS})
_COMPARISON_TABLE.update({_squash(f): op for f, op in _MARKUP_FORMS.items()})
_OP_ALT = "|".join(re.escape(f) for f in sorted(_VALUE_OPS, key=len, reverse=True))
_LEADING_OP = lazy(rf"(?:{_OP_ALT})")
_TRAILING_OP = lazy(rf"(?:{_OP_ALT})$")


def parse_comparison(text: object) -> Comparison:
    """Read a 指标性质 cell. Empty / placeholder → op None, readable True; unknown symbol → op None,
    readable False."""
    try:
        raw = _as_text(text)
        if raw is None:
            return Comparison(None, "", True)
        if is_placeholder(raw):
            return Comparison(None, raw, True)
        key = _squash(raw)
        op = _COMPARISON_TABLE.get(key)
        if op is None:
            return Comparison(None, raw, False)
        return Comparison(op, raw, True)
    except Exception:  # pragma: no cover - safety net, never expected
        return Comparison(None, str(text), False)


# ------------------------------------------------------------------------------------------------ values
@record
class IndicatorValue:
    """One 指标值 cell, read. See the module docstring and KINDS."""

    raw: str
    kind: str
    op: str | None = None
    number: Decimal | None = None
    unit: str | None = None
    subject: str | None = None
    multiplier_applied: bool = False
    unit_in_value: bool = False
    parts: tuple["IndicatorValue", ...] = ()
    grade: str | None = None
    date: str | None = None
    date_end: str | None = None

    @property
    def is_money(self) -> bool:
        return self.unit in MONEY_UNITS

    @property
    def is_numeric(self) -> bool:
        return self.kind in ("number", "percent") and self.number is not None


# multipliers folded into the number ("19万件" → 190000 件); money units (万元 …) are kept as units instead
_MULTIPLIERS = (("亿", 100_000_000), ("千万", 10_000_000), ("百万", 1_000_000), ("十万", 100_000),
                ("万", 10_000), ("千", 1_000))
# 千 followed by these is an SI prefix (千米, 千克, 千瓦时 …), not a multiplier
_SI_AFTER_QIAN = set("米克瓦焦卡帕伏赫升")
_MONEY_PREFIXED = tuple(sorted((u for u in MONEY_UNITS if u != "元"), key=len, reverse=True))

_SUFFIX_OPS = (("(含)以上", ">="), ("及以上", ">="), ("或以上", ">="), ("以上", ">="),
               ("(含)以下", "<="), ("及以下", "<="), ("或以下", "<="), ("以下", "<="),
               ("以内", "<="), ("之内", "<="))
_SUFFIX_WORDS = tuple(w for w, _ in _SUFFIX_OPS)
_APPROX_SUBJECTS = ("约", "大约", "约为", "大概")
_APPROX_SUFFIX = ("左右", "上下")
_SUBJECT_CONNECTORS = ("达到", "达", ":")
_BAD_IN_REST = lazy(r"[、,;<>=≥≤≧≦⩾⩽≮≯*×~]")
_OP_CHARS = lazy(r"[<>=≥≤≧≦⩾⩽≮≯]")

_NUM = r"(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)"
# the unit after the number has no digits, except right after a Latin letter (m2, m3, km2)
_NUMBER_RE = lazy(
    rf"(?P<subject>[^0-9]*?)(?P<op>{_OP_ALT})?(?P<num>[-+]?{_NUM})(?P<rest>(?:[^0-9]|(?<=[A-Za-z])[0-9])*)", re.S)
_RATIO_RE = lazy(
    rf"(?P<subject>[^0-9]*?)(?P<op>{_OP_ALT})?(?P<a>{_NUM})(?P<ua>[^0-9*×xX✕]{{0,4}}?)[*×xX✕]"
    rf"(?P<b>{_NUM})(?P<rest>[^0-9]*)", re.S)
_HAS_DIGIT = lazy(r"[0-9]")
_SEPARATORS = lazy(r"[、,;]+")

# ------------------------------------------------------------------------------------------------ grades
#: qualitative targets recognised as grades (longest match wins)
GRADES = (
    "好", "较好", "很好", "一般", "差", "较差", "很差", "优", "良", "中", "中等", "优良", "优秀", "良好", "合格",
    "不合格", "达到预期", "基本达到预期", "未达到预期", "符合预期", "达标", "未达标", "完成", "按时完成", "按期完成",
    "如期完成", "及时完成", "全部完成", "基本完成", "未完成", "满意", "非常满意", "较满意", "基本满意", "不满意",
    "显著", "明显", "有效", "提高", "提升", "明显提高", "明显提升", "逐步提高", "逐步提升", "持续提升", "持续提高",
    "有所提高", "有所提升", "稳步提升", "改善", "明显改善", "有所改善", "持续改善", "及时", "准时", "正常",
    "正常运行", "达到", "符合要求", "符合标准", "符合规定", "是", "否",
)
_MULTI_CHAR_GRADES = tuple(sorted((g for g in GRADES if len(g) > 1), key=len, reverse=True))
_GRADE_ALT = "|".join(re.escape(g) for g in sorted(GRADES, key=len, reverse=True))
_MULTI_GRADE_ALT = "|".join(re.escape(g) for g in _MULTI_CHAR_GRADES)
_GRADE_RE = lazy(rf"(?P<op>{_OP_ALT})?(?P<grade>{_GRADE_ALT})")
_SUBJECT_GRADE_RE = lazy(
    rf"(?P<subject>[^0-9]{{1,10}}?)(?:为|达到|:)?(?P<op>{_OP_ALT})?(?P<grade>{_MULTI_GRADE_ALT})")

# ------------------------------------------------------------------------------------------------- dates
_DATE_TOKEN = lazy(
    r"""(?<![0-9.])
    (?:
        (?P<cy>(?:19|20)[0-9]{2})年
        (?: (?P<cm>[0-9]{1,2})月(?:(?P<cd>[0-9]{1,2})[日号])? | 年?(?P<cend>底|末|终) )
      | (?P<ny>(?:19|20)[0-9]{2})(?P<sep>[./-])(?P<nm>[0-9]{1,2})(?:(?P=sep)(?P<nd>[0-9]{1,2}))?
    )
    (?![0-9])""", re.X)
_RANGE_CONNECTOR = lazy(r"起?(?:至|到|~|-+|—+|–)")
_YEARLESS_TAIL = lazy(r"(?P<conn>起?(?:至|到|~|-+|—+|–))(?P<m>[0-9]{1,2})月(?:(?P<d>[0-9]{1,2})[日号])?(?![0-9])")
# "2021.12" is a date only next to such a word: "2021.12完成", "截至2021.12" (not "办结率2021.12%")
_DATE_SUFFIX_CONTEXT = lazy(
    r"完成|前|底|末|初|启动|开始|结束|开工|完工|竣工|上线|验收|实施|以后|之后|交付|办结|到位|以内|内")
_DATE_PREFIX_CONTEXT = lazy(r"(?:截至|截止|于|在|至|到|不晚于|不早于|最迟|最晚|预计|计划|力争)$")
_DATE_BEFORE_SUFFIX = lazy(r"(?:底|末)?(?:之前|以前|前|以内|内)")
_DATE_AFTER_SUFFIX = lazy(r"(?:底|末)?(?:之后|以后|后)")
_DATE_BEFORE_PREFIX = ("截至", "截止", "截止到", "截至到", "不晚于", "最迟", "最晚")
_DATE_AFTER_PREFIX = ("不早于",)
_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _valid_date(y: int, m: int, d: int | None) -> bool:
    if not 1 <= m <= 12:
        return False
    if d is None:
        return True
    leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
    limit = 29 if (m == 2 and leap) else (28 if m == 2 else _DAYS[m - 1])
    return 1 <= d <= limit


def _fmt_date(y: int, m: int, d: int | None) -> str:
    return f"{y:04d}-{m:02d}" + (f"-{d:02d}" if d is not None else "")


def _token_date(m: re.Match[str]) -> tuple[int, int, int | None, bool] | None:
    """(year, month, day, needs_context) of a date token, None when the month/day is impossible."""
    if m.group("cy"):
        y = int(m.group("cy"))
        if m.group("cend"):
            return y, 12, None, False
        mo = int(m.group("cm"))
        d = int(m.group("cd")) if m.group("cd") else None
        needs = False
    else:
        y = int(m.group("ny"))
        mo = int(m.group("nm"))
        d = int(m.group("nd")) if m.group("nd") else None
        needs = d is None and m.group("sep") == "."  # "2021.12" alone is a number; "2021.12完成" a date
    if not _valid_date(y, mo, d):
        return None
    return y, mo, d, needs


def _parse_date(s: str, raw: str, unit: str | None) -> IndicatorValue | None:
    tokens = list(_DATE_TOKEN.finditer(s))
    if not tokens or len(tokens) > 2:
        return None
    first = _token_date(tokens[0])
    if first is None:
        return None
    end: tuple[int, int, int | None] | None = None
    prefix = s[: tokens[0].start()]
    if len(tokens) == 2:
        second = _token_date(tokens[1])
        if second is None or not _RANGE_CONNECTOR.fullmatch(s[tokens[0].end(): tokens[1].start()]):
            return None
        end = second[:3]
        suffix = s[tokens[1].end():]
        needs = False
    else:
        tail = _YEARLESS_TAIL.match(s, tokens[0].end())
        if tail:
            y = first[0]
            mo = int(tail.group("m"))
            d = int(tail.group("d")) if tail.group("d") else None
            if not _valid_date(y, mo, d):
                return None
            end = (y, mo, d)
            suffix = s[tail.end():]
            needs = False
        else:
            suffix = s[tokens[0].end():]
            needs = first[3]
    if _HAS_DIGIT.search(prefix) or _HAS_DIGIT.search(suffix):
        return None
    if needs and not (_DATE_SUFFIX_CONTEXT.match(suffix) or (not suffix and _DATE_PREFIX_CONTEXT.search(prefix))):
        return None
    start = _fmt_date(*first[:3])
    if end is not None:
        return IndicatorValue(raw=raw, kind="date_range", unit=unit, date=start, date_end=_fmt_date(*end))
    op = None
    if _DATE_BEFORE_SUFFIX.match(suffix) or prefix.endswith(_DATE_BEFORE_PREFIX):
        op = "<="
    elif _DATE_AFTER_SUFFIX.match(suffix) or prefix.endswith(_DATE_AFTER_PREFIX):
        op = ">="
    else:
        m = _TRAILING_OP.search(prefix)
        if m:
            op = _VALUE_OPS[m.group(0)]
    return IndicatorValue(raw=raw, kind="date", op=op, unit=unit, date=start)


# ----------------------------------------------------------------------------------------------- numbers
def _canon(d: Decimal) -> Decimal:
    """Drop trailing fractional zeros without an exponent: 15000.0 → 15000, 2.50 → 2.5."""
    return Decimal(_plain(d))


def _plain(d: Decimal) -> str:
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    if s in ("-0", "+0", ""):
        s = "0"
    return s


def _scale(d: Decimal, factor: int) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = max(28, len(d.as_tuple().digits) + 12)
        return _canon(d * factor)


def _split_multiplier(unit: str) -> tuple[int | None, str]:
    """(factor, rest) when unit starts with a multiplier that is not part of a money or SI unit."""
    if unit.startswith(_MONEY_PREFIXED):
        return None, unit
    for word, factor in _MULTIPLIERS:
        if unit.startswith(word):
            rest = unit[len(word):]
            if word == "千" and rest[:1] in _SI_AFTER_QIAN:
                return None, unit
            return factor, rest
    return None, unit


def _norm_unit(unit: object) -> str | None:
    t = _as_text(unit)
    if t is None or is_placeholder(t):
        return None
    u = _squash(t)
    if u in PERCENT_UNITS:
        return "%"
    return u


def _clean_subject(subject: str) -> str | None:
    s = subject
    changed = True
    while changed and s:
        changed = False
        for c in _SUBJECT_CONNECTORS:
            if s.endswith(c) and len(s) > len(c):
                s = s[: -len(c)]
                changed = True
    s = s.strip(":")
    return s or None


def _subject_ok(subject: str, op: str | None) -> bool:
    """A label that reads back as itself in front of the number (format_value writes subject + op + number)."""
    if _HAS_DIGIT.search(subject) or _OP_CHARS.search(subject) or subject in _APPROX_SUBJECTS:
        return False
    if subject.endswith(("-", "+", ".", "百分之")):
        return False
    if _clean_subject(subject) != subject:
        return False
    if op is None and (_TRAILING_OP.search(subject) or _LEADING_OP.match(subject)):
        return False
    return True


def _parse_number(s: str, raw: str, arg_unit: str | None) -> IndicatorValue | None:
    m = _NUMBER_RE.fullmatch(s)
    if not m:
        return None
    subject, rest = m.group("subject"), m.group("rest")
    op = _VALUE_OPS.get(m.group("op")) if m.group("op") else None
    if subject in _APPROX_SUBJECTS or rest.endswith(_APPROX_SUFFIX) or _BAD_IN_REST.search(rest):
        return None
    if op is None and subject:
        lead = _LEADING_OP.match(subject)  # "≥满意度90%"
        if lead:
            op = _VALUE_OPS[lead.group(0)]
            subject = subject[lead.end():]
    if _OP_CHARS.search(subject):  # "<为0", "≥≤5": garbled, not a label
        return None
    for word, suffix_op in (_SUFFIX_OPS if rest.endswith(_SUFFIX_WORDS) else ()):
        if rest.endswith(word):
            if op is not None and op != suffix_op:
                return None  # "≤90%以上": contradictory, leave it to the reader
            op = suffix_op
            rest = rest[: -len(word)]
            break
    number = _canon(Decimal(m.group("num")))
    percent = False
    if subject.endswith("百分之"):  # 百分之九十 is rare in digits, but 百分之90 occurs
        subject = subject[: -len("百分之")]
        percent = True
        if rest:
            return None
    text_unit: str | None = None
    multiplied = False
    if rest.startswith("%") or rest in PERCENT_UNITS:
        trailing = rest[1:] if rest.startswith("%") else ""
        percent = True
        text_unit = "%"
        if trailing:  # "100%完成": the trailing words are the label
            if subject:
                return None
            subject = trailing
    elif rest:
        unit = rest
        for _ in range(3):  # 5万万人 = 5亿人
            factor, unit = _split_multiplier(unit)
            if factor is None:
                break
            number = _scale(number, factor)
            multiplied = True
        if unit.startswith("%") or unit in PERCENT_UNITS:  # "5万%": nonsense, leave it to the reader
            return None
        text_unit = unit or None
    elif percent:
        text_unit = "%"
    subject_clean = _clean_subject(subject)
    if subject_clean is not None and not _subject_ok(subject_clean, op):
        return None
    unit_out = text_unit
    if unit_out is None and arg_unit is not None:
        factor, base = _split_multiplier(arg_unit)
        if factor is not None and base != arg_unit:
            if not multiplied:  # "19" with unit 万件 → 190000 件; "19万" with 万件 → 190000 件 (once)
                number = _scale(number, factor)
                multiplied = True
            unit_out = base or None
        else:
            unit_out = arg_unit
            if multiplied and arg_unit in MONEY_UNITS:
                # the 万 of the value is part of the amount, the money unit says in what it is counted:
                # "65万" beside 万元 → 65 万元 (not 650000 万元); "250万" beside 元 → 2500000 元
                number = _canon(number.scaleb(-Decimal(MONEY_UNITS[arg_unit]).adjusted()))
    kind = "percent" if (percent or unit_out == "%") else "number"
    return IndicatorValue(
        raw=raw, kind=kind, op=op, number=number, unit=unit_out, subject=subject_clean,
        multiplier_applied=multiplied, unit_in_value=text_unit is not None and arg_unit is not None,
    )


def _parse_ratio(s: str, raw: str, arg_unit: str | None) -> IndicatorValue | None:
    m = _RATIO_RE.fullmatch(s)
    if not m or _BAD_IN_REST.search(m.group("rest")):
        return None
    rest = m.group("rest") or None
    return IndicatorValue(
        raw=raw, kind="ratio", op=_VALUE_OPS.get(m.group("op")) if m.group("op") else None,
        unit=rest or arg_unit, subject=_clean_subject(m.group("subject")),
        unit_in_value=rest is not None and arg_unit is not None,
    )


def _parse_grade(s: str, raw: str, arg_unit: str | None) -> IndicatorValue | None:
    m = _GRADE_RE.fullmatch(s)
    subject = None
    if not m:
        m = _SUBJECT_GRADE_RE.fullmatch(s)
        if not m:
            return None
        subject = _clean_subject(m.group("subject"))
    op = _VALUE_OPS.get(m.group("op")) if m.group("op") else None
    return IndicatorValue(raw=raw, kind="grade", op=op, unit=arg_unit, subject=subject, grade=m.group("grade"))


def _parse_single(s: str, raw: str, arg_unit: str | None) -> IndicatorValue:
    if is_placeholder(s):
        return IndicatorValue(raw=raw, kind="empty", unit=arg_unit)
    if _HAS_DIGIT.search(s):
        for parser in (_parse_date, _parse_ratio, _parse_number):
            v = parser(s, raw, arg_unit)
            if v is not None:
                return v
    else:
        v = _parse_grade(s, raw, arg_unit)
        if v is not None:
            return v
    return IndicatorValue(raw=raw, kind="text", unit=arg_unit)


def _parse_value(text: object, unit: object = None) -> IndicatorValue:
    raw = _as_text(text)
    if raw is None:
        return IndicatorValue(raw="", kind="empty")
    arg_unit = _norm_unit(unit)
    s = _prepare(raw)
    if is_placeholder(s):
        return IndicatorValue(raw=raw, kind="empty", unit=arg_unit)
    pieces = [p for p in (q.strip(_EDGE_PUNCT) for q in _SEPARATORS.split(s)) if p]
    if len(pieces) >= 2 and all(_HAS_DIGIT.search(p) for p in pieces):
        parts = tuple(_parse_single(p, p, arg_unit) for p in pieces)
        return IndicatorValue(
            raw=raw, kind="compound", parts=parts,
            multiplier_applied=any(p.multiplier_applied for p in parts),
            unit_in_value=any(p.unit_in_value for p in parts),
        )
    return _parse_single(s, raw, arg_unit)


# Text cells read once per process: the same targets ("≥95%", "100%", "是") come back row after row and
# workbook after workbook of a batch, and an IndicatorValue is a frozen record, safe to hand out again.
# Only str/None keys: 1 == 1.0 == Decimal("1.0") as dict keys, but they do not read alike.
_parse_text = lru_cache(maxsize=1 << 12)(_parse_value)


def parse_value(text: object, unit: object = None) -> IndicatorValue:
    """Read a 指标值 cell; `unit` is the separate 度量单位 / 计量单位 cell when the table has one.

    Never raises: None → kind "empty"; anything unrecognised → kind "text".
    """
    try:
        if (text is None or type(text) is str) and (unit is None or type(unit) is str):
            return _parse_text(text, unit)
        return _parse_value(text, unit)
    except Exception:  # pragma: no cover - safety net; the tests drive _parse_value without it
        try:
            raw = "" if text is None else str(text)
        except Exception:
            raw = ""
        return IndicatorValue(raw=raw, kind="text")


# -------------------------------------------------------------------------------------------- conversions
def to_yuan(number: object, unit: object) -> Decimal | None:
    """A money amount in 元: to_yuan(65, "万元") → 650000. None when either is missing or unit is no money."""
    u = _norm_unit(unit)
    if number is None or u not in MONEY_UNITS:
        return None
    if isinstance(number, Decimal):
        d = number
    else:
        t = _as_text(number)
        if t is None:
            return None
        try:
            d = Decimal(_prepare(t))
        except (InvalidOperation, ValueError):
            return None
    if not d.is_finite():
        return None
    try:
        return _scale(d, MONEY_UNITS[u])
    except ArithmeticError:  # 1e999999999 万元: beyond Decimal's exponent range, not a real amount
        return None


def format_value(v: IndicatorValue) -> str:
    """Canonical text of a value: "满意度≥90%", "190000件", "65万元", "2021-12", "2021-01-01至2021-12-31".

    parse_value(format_value(v)) gives back v's op, number, unit and kind for number and percent values.
    """
    op = _OP_SYMBOL.get(v.op or "", "")
    subject = v.subject or ""
    if v.kind == "empty":
        return ""
    if v.kind == "compound":
        return "、".join(format_value(p) for p in v.parts)
    if v.kind in ("number", "percent") and v.number is not None:
        unit = "%" if v.kind == "percent" else (v.unit or "")
        return f"{subject}{op}{_plain(v.number)}{unit}"
    if v.kind == "date" and v.date:
        return f"{op}{v.date}"
    if v.kind == "date_range" and v.date and v.date_end:
        return f"{v.date}至{v.date_end}"
    if v.kind == "grade" and v.grade:
        return f"{subject}{op}{v.grade}"
    return _prepare(v.raw)
