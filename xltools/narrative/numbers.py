"""Numbers and wording for the narrative: amounts in the workbook's unit, year-on-year changes (增加 / 减少 /
持平, the amount, the percentage on the prior-year base), visible markers for missing inputs, and the escaping
that keeps a person's text from being read as Markdown syntax.

Everything here is plain Python on Decimal; nothing imports Jinja or python-docx. The objects are what the
templates see: `{{ gpb.basic }}` prints "494.83万元", `{{ gpb.basic_change }}` prints "比2020年增加212.95万元".
"""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, getcontext, localcontext

from xltools.lazyre import lazy

MARKER = "【待填写：{}】"
ZERO = Decimal(0)


# ----------------------------------------------------------------------------------------------- missing


# attributes Jinja's sandbox and runtime probe on values; a Missing must not answer them with itself
_NOT_FIELDS = frozenset({"unsafe_callable", "alters_data", "jinja_pass_arg", "contextfunction", "evalcontextfunction",
                         "environmentfunction"})


class Missing:
    """An input the document needs and the workbook does not give. Prints as a visible 【待填写：…】 marker and
    answers any public attribute with itself, so that `{{ x.num }}` on a missing amount still prints the
    marker instead of failing. It is truthy on purpose: `{% if basic_use %}主要用于{{ basic_use }}{% endif %}`
    shows the marker rather than leaving a silent gap (templates test `x is missing` / `x is filled`).
    When printed, it reports itself to the sink it was made with, so the document lists exactly the markers
    it shows."""

    __slots__ = ("label", "key", "sheet", "cell", "code", "params", "_sink")

    def __init__(self, label: str, key: str = "", sheet: str = "", cell: str = "", code: str = "N001",
                 params: dict | None = None, sink=None) -> None:
        self.label = label
        self.key = key
        self.sheet = sheet
        self.cell = cell
        self.code = code
        self.params = params or {}
        self._sink = sink

    def __str__(self) -> str:
        if self._sink is not None:
            self._sink(self)
        return MARKER.format(self.label)

    def __repr__(self) -> str:
        return f"Missing({self.label!r}, {self.sheet}!{self.cell})"

    def __bool__(self) -> bool:
        return True

    def __iter__(self):
        return iter(())

    def __len__(self) -> int:
        return 0

    def __getattr__(self, name: str):
        if name.startswith("_") or name in _NOT_FIELDS:
            raise AttributeError(name)
        return self

    def __call__(self, *args, **kwargs):   # `{{ x.vs("上年") }}` on a missing input: still the marker
        return self

    @property
    def missing(self) -> bool:
        return True

    @property
    def place(self) -> tuple[str, str, str]:
        return (self.code, self.sheet, self.cell or self.key)


def is_missing(v: object) -> bool:
    return isinstance(v, Missing)


# ----------------------------------------------------------------------------------------------- numbers


_STEPS = {2: Decimal("0.01")}


def quantize(d: Decimal, places: int = 2) -> Decimal:
    step = _STEPS.get(places) or Decimal(1).scaleb(-places)
    if d.is_finite() and d.adjusted() + places + 2 <= getcontext().prec:
        q = d.quantize(step, rounding=ROUND_HALF_UP)    # fits the current precision (every real amount)
    else:
        with localcontext() as ctx:  # an absurd typed amount (1e+26) must still format, not raise
            ctx.prec = max(28, d.adjusted() + places + 2) if d.is_finite() else 28
            q = d.quantize(step, rounding=ROUND_HALF_UP)
    return q.copy_abs() if q == 0 else q          # never "-0.00"


def fmt_number(d: Decimal | int | None, places: int = 2, sep: bool = True) -> str:
    """1932.33 → '1,932.33'; 39.7 → '39.70'; None → ''. Two decimals by default (万元 and 元 alike)."""
    if d is None:
        return ""
    d = quantize(Decimal(d), places)
    return format(d, f",.{places}f") if sep else format(d, f".{places}f")


def fmt_plain(d: Decimal | int | None) -> str:
    """A typed amount as a person wrote it: 165.50 → '165.5', 1227 → '1227' (no separators)."""
    if d is None:
        return ""
    d = Decimal(d)
    if d == d.to_integral_value():
        return str(d.quantize(Decimal(1)))
    return format(d.normalize(), "f")


def fmt_pct(d: Decimal, places: int = 2) -> str:
    return f"{fmt_number(d, places, sep=False)}%"


class Amount:
    """An amount in the workbook's unit. `str()` is the number with its unit ("1932.33万元": running text prints
    no thousands separators, as the published 情况说明 do; the tables do); `.num` the number alone; `.plain`
    the same (kept for templates that name it); `.value` the Decimal; `.zero` whether it is zero."""

    __slots__ = ("value", "unit", "places")

    def __init__(self, value: Decimal | int | None, unit: str = "万元", places: int = 2) -> None:
        self.value = Decimal(value) if value is not None else ZERO
        self.unit = unit
        self.places = places

    def __str__(self) -> str:
        return f"{self.num}{self.unit}"

    def __repr__(self) -> str:
        return f"Amount({self.value}, {self.unit!r})"

    def __bool__(self) -> bool:
        return True          # an amount is present even when it is zero; test `.zero` for zero

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Amount):
            return self.value == other.value
        if isinstance(other, (int, Decimal)):
            return self.value == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.value)

    @property
    def num(self) -> str:
        return fmt_number(self.value, self.places, sep=False)

    @property
    def plain(self) -> str:
        return fmt_number(self.value, self.places, sep=False)

    @property
    def zero(self) -> bool:
        return quantize(self.value, self.places) == 0

    @property
    def missing(self) -> bool:
        return False

    def share_of(self, total: "Amount") -> str:
        """This amount as a percentage of total ('96.57%'); '' when total is zero."""
        if total.value == 0:
            return ""
        return fmt_pct(self.value / total.value * 100)


# ----------------------------------------------------------------------------------------------- changes


_REASON_LEAD = lazy(r"^(主要原因(是|为)|主要是|原因(是|为))[:：，,]?")


def clean_reason(text: str) -> str:
    """A reason as typed, ready to follow 主要原因是: no leading 主要原因是 / trailing punctuation."""
    s = _REASON_LEAD.sub("", text.strip())
    return s.rstrip("。；;，,.、 ")


def clean_sentence(text: str) -> str:
    """Typed text placed before our own punctuation: trailing 。；，. removed."""
    return text.strip().rstrip("。；;，,.、 ")


class Change:
    """The year-on-year comparison of an amount with its prior-year input.

    `word` 增加 / 减少 / 持平 · `amount` the absolute difference (an Amount) · `pct` the percentage on the
    prior-year base ('14.29%'; '' when the prior year is zero) · `pct_word` 增长 / 下降 / 持平 ·
    `phrase` '增加1,239.94万元' or '持平' · `text` '比2020年增加1,239.94万元' or '与2020年持平' ·
    `text_pct` the same with '，增长179.08%' · `vs("上年")` the text against another wording of the base ·
    `changed` whether it moved · `reason` the typed reason (a Missing marker when the amount moved and no
    reason was given; '' when none is needed). A missing input (this year's figure or the prior year's)
    makes every part print as its 【待填写】 marker."""

    def __init__(self, current: Amount | Missing, prior: Amount | Missing, base: str = "上年",
                 reason: str | Missing | None = None) -> None:
        self.current = current
        self.prior = prior
        self.base = base
        self._reason = reason

    @property
    def _gap(self) -> Missing | None:
        if isinstance(self.prior, Missing):
            return self.prior
        if isinstance(self.current, Missing):
            return self.current
        return None

    @property
    def missing(self) -> bool:
        return self._gap is not None

    @property
    def diff(self) -> Decimal:
        if self.missing:
            return ZERO
        return quantize(self.current.value, self.current.places) - quantize(self.prior.value, self.current.places)

    @property
    def changed(self) -> bool:
        return not self.missing and self.diff != 0

    @property
    def up(self) -> bool:
        return self.changed and self.diff > 0

    @property
    def down(self) -> bool:
        return self.changed and self.diff < 0

    @property
    def word(self) -> str | Missing:
        if self.missing:
            return self._gap
        return "增加" if self.diff > 0 else "减少" if self.diff < 0 else "持平"

    @property
    def pct_word(self) -> str | Missing:
        if self.missing:
            return self._gap
        return "增长" if self.diff > 0 else "下降" if self.diff < 0 else "持平"

    @property
    def amount(self) -> Amount | Missing:
        if self.missing:
            return self._gap
        return Amount(abs(self.diff), self.current.unit, self.current.places)

    @property
    def has_pct(self) -> bool:
        return not self.missing and self.prior.value != 0

    @property
    def pct(self) -> str | Missing:
        if self.missing:
            return self._gap
        if self.prior.value == 0:
            return ""
        return fmt_pct(abs(self.diff) / self.prior.value * 100)

    @property
    def phrase(self) -> str:
        if self.missing:
            return str(self._gap)
        return "持平" if not self.changed else f"{self.word}{self.amount}"

    def vs(self, base: str) -> str:
        if self.missing:
            return f"比{base}{self._gap}"
        if not self.changed:
            return f"与{base}持平"
        return f"比{base}{self.word}{self.amount}"

    @property
    def text(self) -> str:
        return self.vs(self.base)

    @property
    def text_pct(self) -> str:
        if self.missing or not self.changed or not self.has_pct:
            return self.text
        return f"{self.text}，{self.pct_word}{self.pct}"

    @property
    def reason(self) -> str | Missing:
        r = self._reason
        if isinstance(r, Missing):
            return r if self.changed else ""
        return r or ""

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Change({self.current!r} vs {self.prior!r})"


# ----------------------------------------------------------------------------------------------- wording


def join_cn(items, last: str = "、") -> str:
    """['a', 'b', 'c'] → 'a、b、c' (or with a different last joiner: 'a、b和c')."""
    items = [str(x) for x in items if str(x)]
    if len(items) <= 1:
        return "".join(items)
    if last == "、":
        return "、".join(items)
    return "、".join(items[:-1]) + last + items[-1]


# Markdown: a person's text is escaped so that it is never read as syntax; the document parser undoes it.
# (patterns compiled on first use, xltools.lazyre)
_MD_SPECIAL = lazy(r"([\\`*_\[\]|]|<(?=[A-Za-z/!?]))")   # "<=" stays; "<b>" would be HTML
# what would start a block if the text began a line: > (quote), # - + followed by a space (heading, list),
# a line of = or - (setext underline), "1. " / "1) " (numbered list)
_MD_LEADING = lazy(r"^(\s*)(?:(>)|([#+\-])(?=\s|$)|([=\-]+\s*$)|(\d+)([.)])(?=\s))")
# The two run only on text that has a character they act on (most text has none): a search for one of the
# characters of _MD_SPECIAL, a look at the first character for _MD_LEADING (text is stripped first, so its
# (\s*) matches nothing, and its \d is str.isdecimal).
_MD_SPECIAL_HINT = lazy(r"[\\`*_\[\]|<]")
_MD_LEADING_CHARS = frozenset(">#+-=")


def _escape_leading(m: re.Match) -> str:
    lead = m.group(1)
    if m.group(2) or m.group(3):
        return lead + "\\" + (m.group(2) or m.group(3))
    if m.group(4):
        return lead + "\\" + m.group(4)
    return lead + m.group(5) + "\\" + m.group(6)


def md_escape(value: object, block: bool = True) -> str:
    """Text from a cell, safe to place in the Markdown the templates produce. `block`: the text may start a
    line of a paragraph, so a leading # > - + = or "1. " is escaped too; inside a table cell (block=False)
    only what matters there is (| \\ * _ ` [ ] and < before a tag), so 指标性质 ">=" / "<=" stay readable."""
    if value is None:
        return ""
    s = str(value)
    if "\r" in s:
        s = s.replace("\r\n", "\n").replace("\r", "\n")
    s = s.strip()
    if _MD_SPECIAL_HINT.search(s) is not None:
        s = _MD_SPECIAL.sub(r"\\\1", s)
    if block and s and (s[0] in _MD_LEADING_CHARS or s[0].isdecimal()):
        s = _MD_LEADING.sub(_escape_leading, s)
    return s.replace("\n", "<br>")


def md_cell(value: object) -> str:
    return md_escape(value, block=False)
