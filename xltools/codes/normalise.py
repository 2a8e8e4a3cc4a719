"""Budget classification codes as they arrive from cells: ints, floats, text with junk.

`normalise_code` never raises: a value that is not a code comes back cleaned but not digits, so the caller
can report it (`is_wellformed` tells the two apart). Standard library only (and xltools.lazyre).
"""
from __future__ import annotations

import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from xltools.lazyre import lazy

__all__ = [
    "normalise_code", "is_wellformed", "join_split_code", "infer_kind", "level_of", "parent_code",
    "name_key", "names_match", "LEVELS", "KINDS", "KIND_NAMES",
]

KINDS = ("func", "econ_dept", "econ_gov")
KIND_NAMES = {"func": "支出功能分类", "econ_dept": "部门预算支出经济分类", "econ_gov": "政府预算支出经济分类"}
LEVELS = {3: "类", 5: "款", 7: "项"}
_LENGTHS = {"func": (3, 5, 7), "econ_dept": (3, 5), "econ_gov": (3, 5)}
_INFINITIES = (float("inf"), float("-inf"))
_KIND_OF = {(first, n): kind for first, kind in (("2", "func"), ("3", "econ_dept"), ("5", "econ_gov"))
            for n in _LENGTHS[kind]}     # (first digit, length) → kind

# whitespace of every kind (NBSP, ideographic space, zero-width marks, BOM) and thousands separators
# compiled on first use (xltools.lazyre): the check path imports this module, most books never need them
_JUNK = lazy(r"[\s\u200b\u200c\u200d\u2060\ufeff,'_`\"]+")
_TRAILING_ZERO = lazy(r"^(\d+)\.0+$")
_SCIENTIFIC = lazy(r"^\d+(?:\.\d+)?[eE]\+?\d+$")


def normalise_code(value: object) -> str | None:
    """A classification code as a digit string; None for an empty cell.

    2010301, 2010301.0, "2010301", " 201 03 01 ", "２０１０３０１", "2010301.0", "2,010,301", "'2010301"
    all give "2010301". Text that is not a code ("20a01", "合计") comes back cleaned, never raises.
    """
    if value is None:
        return None
    if type(value) is str and value.isascii() and value.isdigit():
        return value  # the common case: already a clean code
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:           # NaN (math.isnan, without importing math on the check path)
            return None
        if value in _INFINITIES:
            return str(value)
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, Decimal):
        if value.is_nan():
            return None
        if value.is_finite() and value == value.to_integral_value():
            return str(int(value))
        return str(value)
    s = unicodedata.normalize("NFKC", str(value))  # ０-９ → 0-9, full-width comma/space → ASCII
    s = _JUNK.sub("", s)
    if not s:
        return None
    if not s.isascii():
        s = unicodedata.normalize("NFKC", s)  # removing junk may leave combining marks to compose
    m = _TRAILING_ZERO.match(s)
    if m:
        return m.group(1)
    if _SCIENTIFIC.match(s):  # 2.010301E+06, as Excel shows a long number typed into a General cell
        try:
            d = Decimal(s)
        except InvalidOperation:  # pragma: no cover - the regex admits only valid literals
            return s
        if d == d.to_integral_value():
            return str(int(d))
    return s


def infer_kind(code: object) -> str | None:
    """"func" for 2xx codes of 3/5/7 digits, "econ_dept" for 3xx and "econ_gov" for 5xx of 3/5 digits."""
    if type(code) is str and code.isascii() and code.isdigit():
        c = code
    else:
        c = normalise_code(code)
        if not c or not c.isascii() or not c.isdigit():
            return None
    return _KIND_OF.get((c[0], len(c)))


def is_wellformed(code: object, kind: str | None = None) -> bool:
    """Digits only, 3/5/7 digits for 功能分类, 3/5 for 经济分类 (kind inferred from the first digit when
    not given: codes starting 3 or 5 are 经济分类)."""
    if code is None or not isinstance(code, str):
        code = normalise_code(code)
        if code is None:
            return False
    if not code.isascii() or not code.isdigit():
        return False
    if kind is None:
        if code[0] in "35":
            return len(code) in (3, 5)
        return len(code) in (3, 5, 7)
    if kind not in _LENGTHS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {KINDS}")
    return len(code) in _LENGTHS[kind]


def level_of(code: str) -> str | None:
    """类/款/项 from the number of digits."""
    return LEVELS.get(len(code)) if code and code.isdigit() else None


def parent_code(code: str) -> str | None:
    """The parent of a 款 is its first 3 digits, of a 项 its first 5; a 类 has none."""
    if code and code.isdigit() and len(code) in (5, 7):
        return code[:-2]
    return None


def _part(value: object, width: int, prefix: str) -> str | None:
    s = normalise_code(value)
    if s is None:
        return None
    if s.isascii() and s.isdigit():
        # some tables repeat the full code in each column: 208 | 20805 | 2080505
        if prefix and len(s) == len(prefix) + width and s.startswith(prefix):
            return s[len(prefix):]
        if len(s) < width:
            return s.zfill(width)
    return s


def join_split_code(lei: object, kuan: object = None, xiang: object = None) -> str | None:
    """Join 类 | 款 | 项 columns into one code: (208, 5, 1) → "2080501", ("208", "05", None) → "20805".

    款 and 项 are zero-padded to two digits; floats from a reader are fine (208.0, 5.0). Columns repeating
    the full code (208 | 20805 | 2080505) are accepted. None when every part is empty, or when a lower part
    is given without the one above it (the caller carries 类/款 down from the rows above). Parts that are not
    digits are kept as they are, so the result is not well-formed and the caller reports it.
    """
    a = normalise_code(lei)
    if a is None:
        return None
    b = _part(kuan, 2, a)
    c = _part(xiang, 2, a + (b or ""))
    if b is None:
        return a if c is None else None
    if c is None:
        return a + b
    return a + b + c


_NAME_JUNK = lazy(r"[\s\u200b\ufeff]+")
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "〔": "[", "〕": "]", "【": "[", "】": "]"})


def name_key(name: object) -> str:
    """The form names are compared in: NFKC (full-width （）：０-９ → ASCII), no spaces, no trailing colon."""
    if name is None:
        return ""
    return _name_key(name if type(name) is str else str(name))


@lru_cache(maxsize=1 << 14)   # the C rules compare the same catalogue and row names for every table and book
def _name_key(name: str) -> str:
    s = unicodedata.normalize("NFKC", name).translate(_QUOTES)
    s = _NAME_JUNK.sub("", s)
    return s.rstrip(":")


def names_match(typed: object, official: object) -> bool:
    """Whether a name typed in a table is the official name: （）vs (), spaces, trailing "：" ignored."""
    a, b = name_key(typed), name_key(official)
    return bool(a) and a == b
