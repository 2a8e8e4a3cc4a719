"""Checks registered by name (pandera-style): each is a function Book → iterable of findings, kept in a
small module of its own. `run_checks` runs every one and collects all findings lazily — no stopping at the
first. Adding a rule = a module in RULE_MODULES + its codes in catalogue.toml + a test."""
from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable

from xltools.findings import Finding
from xltools.model import Book

CheckFn = Callable[[Book], Iterable[Finding]]
CHECKS: dict[str, CheckFn] = {}

# modules holding @check functions; imported on first use so `import xltools` stays light
RULE_MODULES = (
    "xltools.rules.structure",
)


def check(name: str) -> Callable[[CheckFn], CheckFn]:
    def deco(fn: CheckFn) -> CheckFn:
        CHECKS[name] = fn
        return fn
    return deco


def _load() -> None:
    for m in RULE_MODULES:
        try:
            importlib.import_module(m)
        except ModuleNotFoundError as e:
            if e.name != m:
                raise


def run_checks(book: Book) -> list[Finding]:
    _load()
    out: list[Finding] = []
    for fn in CHECKS.values():
        out.extend(fn(book))
    return out
