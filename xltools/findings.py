"""Findings: problems in a usable workbook, as data (frictionless-style), with a report that flattens to rows."""
from __future__ import annotations

from xltools.record import asdict, record
from xltools.text import fmt_money
from decimal import Decimal

SEVERITIES = ("error", "warning", "info")
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}


@record
class Finding:
    code: str
    severity: str
    sheet: str
    cell: str
    message: str
    expected: object = None
    actual: object = None
    explained: str = ""            # the written reason when a soft finding was accepted (已说明)

    def to_dict(self) -> dict:
        d = asdict(self)
        money = self.code[:1] in _MONEY_FAMILIES
        for k in ("expected", "actual"):
            v = d[k]
            if isinstance(v, Decimal):
                d[k] = fmt_money(v) if money else format(v, "f")
            elif v is not None and not isinstance(v, (str, int, float, bool)):
                d[k] = str(v)
        return d

    @property
    def counts(self) -> bool:
        """Whether the finding counts against the book (explained warnings do not)."""
        return not self.explained


_MONEY_FAMILIES = ("T", "X")   # rules whose expected/actual are amounts: printed as the messages print them


class Report:
    """Every finding of one run, in the order found. Never stops at the first."""

    def __init__(self, findings=(), source: str = "") -> None:
        self.findings: list[Finding] = list(findings)
        self.source = source

    def add(self, f: Finding) -> None:
        self.findings.append(f)

    def extend(self, fs) -> None:
        self.findings.extend(fs)

    def filter(self, select: list[str] | None = None, ignore: list[str] | None = None) -> "Report":
        def match(code: str, prefixes: list[str]) -> bool:
            return any(code.startswith(p) for p in prefixes)

        fs = self.findings
        if select:
            fs = [f for f in fs if match(f.code, select)]
        if ignore:
            fs = [f for f in fs if not match(f.code, ignore)]
        return Report(fs, self.source)

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity and f.counts)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error" and f.counts]

    @property
    def valid(self) -> bool:
        return not self.errors

    def stats(self) -> dict:
        return {"errors": self.count("error"), "warnings": self.count("warning"), "infos": self.count("info"),
                "explained": sum(1 for f in self.findings if not f.counts), "total": len(self.findings)}

    def flatten(self, keys: list[str]) -> list[list]:
        return [[getattr(f, k) for k in keys] for f in self.findings]

    def to_dict(self) -> dict:
        return {"valid": self.valid, "source": self.source, "stats": self.stats(),
                "findings": [f.to_dict() for f in self.findings]}

    def __iter__(self):
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)
