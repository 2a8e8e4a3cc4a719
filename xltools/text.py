"""Text normalisation shared by the parser and the rules (full-width forms, spaces, label matching)."""
from __future__ import annotations

from functools import lru_cache
from decimal import Decimal, InvalidOperation

from xltools.lazyre import lazy

_FULLWIDTH = {i: i - 0xFEE0 for i in range(0xFF01, 0xFF5F)}  # ！…～ → !…~
_FULLWIDTH[0x3000] = 0x20  # ideographic space
# every character str.isspace() (and so the pattern \s) calls white space (tests/test_text.py checks the list)
WHITESPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007" \
             "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
# label_key as one str.translate: full-width forms to half-width, white space dropped, Chinese quotes folded —
# for the texts that hold such a character at all (most labels do not): translate() costs ~0.1 µs a character
# outside ASCII, the pattern's scan a tenth of that
_LABEL_KEY = {**_FULLWIDTH, **dict.fromkeys(map(ord, WHITESPACE)),
              **{ord(q): r for q, r in (("“", '"'), ("”", '"'), ("‘", "'"), ("’", "'"))}}
_LABEL_KEY_CHARS = lazy(r"[\s\uff01-\uff5e“”‘’]")   # the characters _LABEL_KEY maps (\s is str.isspace)


def halfwidth(s: str) -> str:
    """Full-width ASCII forms (０-９, Ａ-Ｚ, （）, ，, ．) to their half-width equivalents."""
    return s.translate(_FULLWIDTH)


def label_key(value: object) -> str:
    """The form header labels and row labels are compared in: half-width, no spaces, no trailing colon,
    Chinese quotes folded (一般公共预算“三公”经费 == 一般公共预算"三公"经费)."""
    if type(value) is str:
        return _label_key(value)
    if value is None:
        return ""
    return _label_key(value if isinstance(value, str) else str(value))


@lru_cache(maxsize=1 << 16)
def _label_key(s: str) -> str:
    if _LABEL_KEY_CHARS.search(s) is not None:
        s = s.translate(_LABEL_KEY)
    return s.rstrip(":")   # ： is : once half-width


def fmt_money(d: Decimal) -> str:
    """An amount as messages print it: at least two decimals (68.2 → 68.20), more when the figure has them."""
    whole, dot, frac = format(d, "f").partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


def cell_text(value: object) -> str:
    """A cell's value as display text ('' for empty), floats that are whole printed without .0."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    return str(value).strip()


_REF = lazy(r"\$?([A-Z]+)\$?(\d+)")
_AMOUNT_JUNK = lazy(r"[\s']")
# thousands separators where they belong ("1,932.33", "(1,200)"); "4,20.00" is no number a person meant to type
_GROUPED = lazy(r"[-+]?\(?\d{1,3}(?:,\d{3})+(?:\.\d*)?\)?")
_DASHES = {"-", "—", "–", "－", "/", "／", "——", "…"}


class NotAnAmount(ValueError):
    pass


def parse_amount(value: object) -> Decimal | None:
    """A cell value as a Decimal amount. None for an empty cell or a dash.

    Numbers come from readers as int or float; a float is read through its shortest repr, so 1866.11 stays
    1866.11 (never 1866.1099999…). Text may carry thousands separators and full-width digits.
    Raises NotAnAmount for text that is not a number.
    """
    if type(value) is float:    # how readers give every number: tested first
        return _float_amount(value)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise NotAnAmount(str(value))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return _float_amount(value)
    if isinstance(value, Decimal):
        return value
    s = halfwidth(str(value)).strip()
    if not s or s in _DASHES:
        return None
    s = _AMOUNT_JUNK.sub("", s)             # a full-width ， is a , once half-width
    if "," in s:
        if not _GROUPED.fullmatch(s):
            raise NotAnAmount(str(value))
        s = s.replace(",", "")
    neg = s.startswith("(") and s.endswith(")")
    if neg:
        s = s[1:-1]
    try:
        d = Decimal(s)
    except InvalidOperation:
        raise NotAnAmount(str(value)) from None
    if not d.is_finite():
        raise NotAnAmount(str(value))
    return -d if neg else d


_INFINITIES = (float("inf"), float("-inf"))


def _float_amount(value: float) -> Decimal:
    if value != value or value in _INFINITIES:
        raise NotAnAmount(str(value))
    if value.is_integer():
        return Decimal(int(value))
    return Decimal(repr(value))


@lru_cache(maxsize=1024)
def col_letter(index: int) -> str:
    """0-based column index to Excel letters (0 → A)."""
    n = index + 1
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def cell_ref(row: int, col: int) -> str:
    """0-based (row, col) to an A1 reference."""
    return f"{col_letter(col)}{row + 1}"


def parse_ref(ref: str) -> tuple[int, int]:
    """A1 reference to 0-based (row, col)."""
    m = _REF.fullmatch(ref)
    if not m:
        raise ValueError(ref)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


def looks_like_formula(s: str) -> bool:
    """Text a spreadsheet would run as a formula if typed: = + - @ at the start (a plain negative number such
    as -12.5 excepted). Such text from data is written as text, never as a formula."""
    if len(s) < 2 or s[0] not in "=+-@":
        return False
    try:
        float(s.replace(",", ""))
        return False
    except ValueError:
        return True
