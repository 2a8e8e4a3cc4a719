"""The rule catalogue: one table of stable codes (catalogue*.toml, one file per family), each with severity, a one-line title, the
documentation (做什么 / 为什么 / 示例) and the Chinese message template. Rule implementations live in small
modules beside this one and create findings only through `rule(code).finding(...)`.

A rule declared `consolidated = false` is not reported on a consolidated (汇总) book.

Families: S structure · C codes · T arithmetic inside a table · X between tables · I indicators · N narrative inputs.
"""
from __future__ import annotations

import os
from decimal import Decimal
from functools import lru_cache

from xltools.datafiles import load_toml
from xltools.findings import Finding
from xltools.record import record

FAMILIES = {"S": "结构", "C": "科目编码", "T": "表内审核", "X": "表间审核", "I": "绩效指标", "N": "情况说明要素"}


def _fmt(v: object) -> str:
    if isinstance(v, Decimal):
        return format(v, "f")
    return "" if v is None else str(v)


@record
class Rule:
    code: str
    severity: str
    title: str
    what: str
    why: str
    example: str
    message: str
    # false: the rule is about what one department fills in (整体绩效 indicators, the narrative's reasons …) and
    # does not apply to a 汇总 book written by `xltools batch consolidate` (meta kind = consolidated)
    consolidated: bool = True

    def finding(self, sheet: str, cell: str = "", *, expected: object = None, actual: object = None,
                severity: str | None = None, **params: object) -> Finding:
        values = {k: _fmt(v) for k, v in params.items()}
        values.setdefault("expected", _fmt(expected))
        values.setdefault("actual", _fmt(actual))
        values.setdefault("sheet", sheet)
        values.setdefault("cell", cell)
        for k, v in values.items():
            if "“" in v and f"“{{{k}}}”" in self.message:
                values[k] = _nested_quotes(v)
        try:
            text = self.message.format(**values)
        except (KeyError, IndexError) as e:  # a template naming a missing parameter is a programming error
            raise RuntimeError(f"rule {self.code}: message needs {e}") from None
        return Finding(self.code, severity or self.severity, sheet, cell, text, expected, actual)


def _nested_quotes(text: str) -> str:
    """Quotes inside a quoted value become single: “‘三公’经费”, not ““三公”经费”."""
    return text.replace("“", "‘").replace("”", "’")


_HERE = os.path.dirname(__file__)


@lru_cache(maxsize=1)
def _declarations() -> dict[str, dict]:
    """code → its declaration in the catalogue*.toml files (os.listdir: Path.glob compiles a regex each process)."""
    out: dict[str, dict] = {}
    for name in sorted(os.listdir(_HERE)):
        if not (name.startswith("catalogue") and name.endswith(".toml")):
            continue
        for code, spec in load_toml(os.path.join(_HERE, name)).items():
            if code in out:
                raise RuntimeError(f"rule code {code} declared twice ({name})")
            out[code] = spec
    return out


@lru_cache(maxsize=None)
def _family_declarations(letter: str) -> dict[str, dict]:
    """The declarations of one family's file (catalogue_S.toml …): a check reads the files of its findings only."""
    try:
        return load_toml(os.path.join(_HERE, f"catalogue_{letter}.toml"))
    except FileNotFoundError:
        return {}


_RULES: dict[str, Rule] = {}   # the Rule of each code asked for: a check makes findings of a few codes only


def rule(code: str) -> Rule:
    r = _RULES.get(code)
    if r is None:
        spec = _family_declarations(code[:1]).get(code) or _declarations()[code]   # else: in another file
        r = _RULES[code] = Rule(code=code, **spec)
    return r


@lru_cache(maxsize=1)
def catalogue() -> dict[str, Rule]:
    """Every rule, by code."""
    return {code: rule(code) for code in sorted(_declarations())}
