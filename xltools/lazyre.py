"""Regular expressions compiled on first use.

Compiling a pattern costs 0.1–2 ms on CPython 3.11 (re's parser and compiler are Python code), and a module on
the path of `xltools check` that compiled its patterns at import paid for every one of them in every process,
whether the workbook needed it or not. `lazy(pattern, flags)` stands in for `re.compile(pattern, flags)`: the
pattern is compiled the first time one of its methods or attributes is asked for, and what was asked for is
kept on the instance, so later calls cost what calls on a compiled pattern cost.

    _NUMBER = lazy(r"[0-9]+")
    _NUMBER.fullmatch("123")        # compiled here, once

A LazyPattern is not a re.Pattern: pass `p.pattern` / call its methods; `re.sub(p, …)` would not accept it.

Compiled programs are also kept between processes, like .pyc files: `__pycache__/regex.xltools-data` beside this
module maps (pattern, flags) to what re's compiler produced for it (flags, the program's code, the groups), for
this exact Python build only (the key includes sys.version, _sre.MAGIC and the code word size and byte order),
and a pattern is rebuilt from it with `_sre.compile` — the call `re.compile` itself ends with. The code is kept
as bytes (its 32-bit words): loading the store then makes one object per pattern, not one per code word, and
a pattern's list of words is made only when it is used. An entry is stored only when the pattern so rebuilt
equals the one `re.compile` returns (re.Pattern equality compares flags, pattern and code), so the store can
never hold a program re would not have built; anything missing, stale or unreadable means a plain
`re.compile`. The store is written by `make install` (`python -m xltools.datafiles`) and, where Python may
write byte-code, at the end of a process that compiled a pattern it lacked.
"""
from __future__ import annotations

import _sre
import os
import re
import sys

__all__ = ["LazyPattern", "lazy"]

_ALL: list[LazyPattern] = []        # every lazy pattern defined, for build_all()
_STORE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "__pycache__", "regex.xltools-data")
_known: dict | None = None          # (pattern, flags) → (flags, code bytes, groups, groupindex, indexgroup)
_added: dict = {}                   # entries compiled in this process that the store lacked


def _stamp() -> tuple:
    return (sys.version, _sre.MAGIC, _sre.CODESIZE, sys.byteorder, 2)


def _load_store() -> dict:
    from xltools.datafiles import read_store

    return read_store(_STORE, _stamp())


def _program(pattern, flags: int) -> tuple:
    """What re._compiler.compile passes to _sre.compile for the pattern (after the pattern string), with the
    code as bytes (_rebuild makes the list of code words again)."""
    from array import array
    from re import _compiler, _parser

    p = _parser.parse(pattern, flags)
    code = array("I", _compiler._code(p, flags)).tobytes()   # "I": the 4-byte words of _sre.CODESIZE
    indexgroup = [None] * p.state.groups
    for name, i in p.state.groupdict.items():
        indexgroup[i] = name
    return int(flags | p.state.flags), code, p.state.groups - 1, dict(p.state.groupdict), tuple(indexgroup)


def _rebuild(pattern, entry: tuple) -> re.Pattern:
    flags, code, groups, groupindex, indexgroup = entry
    return _sre.compile(pattern, flags, memoryview(code).cast("I").tolist(), groups, groupindex, indexgroup)


def compile_cached(pattern, flags: int = 0) -> re.Pattern:
    """re.compile(pattern, flags), from the store when it holds the pattern."""
    global _known

    if _known is None:
        _known = _load_store()
    key = (pattern, int(flags))   # plain ints: RegexFlag members are not marshallable
    entry = _known.get(key)
    if entry is not None:
        try:
            return _rebuild(pattern, entry)
        except Exception:  # noqa: BLE001 — whatever is wrong with an entry, re.compile is the answer
            pass
    compiled = re.compile(pattern, flags)
    try:
        entry = _program(pattern, flags)
        if _rebuild(pattern, entry) == compiled:
            if not _added and not sys.dont_write_bytecode:
                import atexit

                atexit.register(_save)
            _added[key] = entry
    except Exception:  # noqa: BLE001 — a Python whose re internals differ: no store, nothing else changes
        pass
    return compiled


def _save() -> None:
    from xltools.datafiles import write_cache

    if _added:
        write_cache(_STORE, _stamp(), {**_load_store(), **_added})
        _added.clear()


def build_all() -> int:
    """Compile every lazy pattern of the modules `xltools check` imports and write the store; the number of
    patterns stored."""
    global _known
    import importlib

    importlib.import_module("xltools.pipeline")
    importlib.import_module("xltools.rules.registry")._load()
    importlib.import_module("xltools.narrative.context")
    _known = {}                       # compile everything afresh: the store is rebuilt, not trusted
    for p in _ALL:
        compile_cached(*p._source)
    _save()
    return len(_load_store())


class LazyPattern:
    def __init__(self, pattern: str | bytes, flags: int = 0) -> None:
        self.__dict__["_source"] = (pattern, flags)
        _ALL.append(self)

    def __getattr__(self, name: str):   # only for what the instance does not hold yet
        if name.startswith("__"):       # copy / pickle probes: no reason to compile
            raise AttributeError(name)
        d = self.__dict__
        compiled = d.get("_compiled")
        if compiled is None:
            compiled = d["_compiled"] = compile_cached(*d["_source"])
        value = d[name] = getattr(compiled, name)   # the bound method (search, sub …) is kept on the instance
        return value

    def __repr__(self) -> str:
        return f"lazy({self._source[0]!r})"


def lazy(pattern: str | bytes, flags: int = 0) -> LazyPattern:
    return LazyPattern(pattern, flags)
