"""Checks registered by name (pandera-style): each is a function Book → iterable of findings, kept in a
small module of its own. `run_checks` runs every one and collects all findings lazily — no stopping at the
first. Adding a rule = a module in xltools/rules/ + its codes in a catalogue*.toml beside it + a test."""
from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable

from xltools.findings import Finding
from xltools.model import Book

CheckFn = Callable[[Book], Iterable[Finding]]
CHECKS: dict[str, CheckFn] = {}

# every module in this package defines its checks with @check; they are imported on first use so that
# `import xltools` stays light. Helper modules whose name starts with "_" are skipped.
_SKIP = {"registry", "docs"}


def check(name: str) -> Callable[[CheckFn], CheckFn]:
    def deco(fn: CheckFn) -> CheckFn:
        CHECKS[name] = fn
        return fn
    return deco


_loaded = False


def _load() -> None:
    global _loaded
    if _loaded:
        return
    import os

    here = os.path.dirname(__file__)
    for entry in sorted(os.listdir(here)):   # os.listdir, not pkgutil: pkgutil imports typing (≈4 ms a process)
        name, ext = os.path.splitext(entry)
        if ext != ".py" or name.startswith("_") or name in _SKIP:
            continue
        importlib.import_module(f"xltools.rules.{name}")
    _loaded = True


def run_checks(book: Book) -> list[Finding]:
    _load()
    out: list[Finding] = []
    for fn in CHECKS.values():
        out.extend(fn(book))
    return out
