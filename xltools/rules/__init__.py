"""The rule catalogue: one table of stable codes (catalogue*.toml, one file per family), each with severity, a one-line title, the
documentation (做什么 / 为什么 / 示例) and the Chinese message template. Rule implementations live in small
modules beside this one and create findings only through `rule(code).finding(...)`.

A rule declared `consolidated = false` is not reported on a consolidated (汇总) book.

Families: S structure · C codes · T arithmetic inside a table · X between tables · I indicators · N narrative inputs.
"""
from __future__ import annotations

from xltools.record import record
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from xltools.datafiles import load_toml
from xltools.findings import Finding

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


@lru_cache(maxsize=1)
def catalogue() -> dict[str, Rule]:
    out: dict[str, Rule] = {}
    for path in sorted(Path(__file__).parent.glob("catalogue*.toml")):
        data = load_toml(path)
        for code, spec in data.items():
            if code in out:
                raise RuntimeError(f"rule code {code} declared twice ({path.name})")
            out[code] = Rule(code=code, **spec)
    return dict(sorted(out.items()))


def rule(code: str) -> Rule:
    return catalogue()[code]
