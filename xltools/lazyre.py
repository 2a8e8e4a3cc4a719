"""Regular expressions compiled on first use.

Compiling a pattern costs 0.1–2 ms on CPython 3.11 (re's parser and compiler are Python code), and a module on
the path of `xltools check` that compiled its patterns at import paid for every one of them in every process,
whether the workbook needed it or not. `lazy(pattern, flags)` stands in for `re.compile(pattern, flags)`: the
pattern is compiled the first time one of its methods or attributes is asked for, and what was asked for is
kept on the instance, so later calls cost what calls on a compiled pattern cost.

    _NUMBER = lazy(r"[0-9]+")
    _NUMBER.fullmatch("123")        # compiled here, once

A LazyPattern is not a re.Pattern: pass `p.pattern` / call its methods; `re.sub(p, …)` would not accept it.
"""
from __future__ import annotations

import re

__all__ = ["LazyPattern", "lazy"]


class LazyPattern:
    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.__dict__["_source"] = (pattern, flags)

    def __getattr__(self, name: str):   # only for what the instance does not hold yet
        if name.startswith("__"):       # copy / pickle probes: no reason to compile
            raise AttributeError(name)
        d = self.__dict__
        compiled = d.get("_compiled")
        if compiled is None:
            compiled = d["_compiled"] = re.compile(*d["_source"])
        value = d[name] = getattr(compiled, name)   # the bound method (search, sub …) is kept on the instance
        return value

    def __repr__(self) -> str:
        return f"lazy({self._source[0]!r})"


def lazy(pattern: str, flags: int = 0) -> LazyPattern:
    return LazyPattern(pattern, flags)
