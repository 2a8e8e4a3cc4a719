"""The package's own declaration files (TOML) and reference lists (CSV), parsed once and kept between processes.

Every button click and `xltools check` is a fresh process, and parsing the bundled TOML and CSV files costs more
than reading the workbook. So, like Python's own .pyc files, the parsed content of a file inside the xltools
package is kept in a `__pycache__/NAME.xltools-data` file beside it (marshal: plain dicts, lists and strings), valid
while the source file's modification time and size are unchanged. A cache that is missing, stale, unreadable
or unwritable (a read-only install) only means the file is parsed again; it never changes what is read.
Files outside the package (a bureau's own declarations, the user's imported catalogues) are always parsed.

Caches are written when Python may write byte-code (not under PYTHONDONTWRITEBYTECODE); `make install` and
`python -m xltools.datafiles` write them all regardless, next to `compileall` — and the stores of compiled
regular expressions (xltools.lazyre) and of the records' __init__ code (xltools.record) too.
"""
from __future__ import annotations

import marshal
import os
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
_FORMAT = 3
_TAG = f"{sys.implementation.cache_tag}-{_FORMAT}"


def _cache_path(path: str, parse) -> str:
    view = "" if parse in (_parse_toml, _parse_csv) else f".{parse.__name__.strip('_')}"
    folder, name = os.path.split(path)
    return os.path.join(folder, "__pycache__", f"{name}{view}.xltools-data")


def _package_file(path: str | Path) -> str | None:
    """The file's absolute path when it lies inside the package, else None. Plain string operations: the path
    is resolved (symbolic links, a system call per folder) only when it does not name the package as written."""
    root = os.path.join(PACKAGE, "")
    p = os.path.abspath(path)
    if p.startswith(root):
        return p
    p = os.path.realpath(p)
    return p if p.startswith(root) else None


def _cached(path: str | Path, parse, *, write: bool | None = None):
    inside = _package_file(path)
    if inside is None:
        return parse(Path(path).resolve())
    st = os.stat(inside)
    stamp = (_TAG, st.st_mtime_ns, st.st_size)
    cache = _cache_path(inside, parse)
    value = read_cache(cache, stamp)
    if value is None:
        value = parse(Path(inside))
        if write if write is not None else not sys.dont_write_bytecode:
            write_cache(cache, stamp, value)
    return value


def read_cache(cache: str | Path, stamp: tuple):
    """The value kept in a cache file under `stamp`; None when the file is missing, damaged or stale."""
    try:
        with open(cache, "rb", buffering=0) as fh:   # one read: no buffer object needed
            stored_stamp, value = marshal.loads(fh.read())  # loads(read()): load(fh) reads item by item
    except (OSError, EOFError, ValueError, TypeError):
        return None
    return value if tuple(stored_stamp) == stamp else None


def read_store(cache: str | Path, stamp: tuple) -> dict:
    """A store of compiled things kept between processes (xltools.lazyre's patterns, xltools.record's __init__
    code): the dict kept under `stamp`, or an empty one."""
    value = read_cache(cache, stamp)
    return value if isinstance(value, dict) else {}


def write_cache(cache: str | Path, stamp: tuple, value) -> None:
    """Keep `value` (not None) under `stamp`, written atomically; a value marshal cannot hold (a TOML date) or a
    folder that cannot be written (a read-only install) keeps nothing, silently: the source is parsed again."""
    from xltools.errors import WriteFailed
    from xltools.io.writers import atomic_write

    try:
        blob = marshal.dumps((stamp, _shared(value, {})))
    except ValueError:
        return
    try:
        atomic_write(cache, lambda tmp: Path(tmp).write_bytes(blob))
    except WriteFailed:
        pass


def _shared(value, seen: dict):
    """The value with equal strings made one object: marshal then writes each string once and refers back to it,
    and loading makes each once (the keys of a declaration's tables, a catalogue's level and year columns).
    Dict keys are interned, and so loaded interned: `Column(**spec)` and `spec["label"]` then match them by
    identity, not by comparing the strings."""
    kind = type(value)
    if kind is str:
        return seen.setdefault(value, value)
    if kind is dict:
        return {_key(k, seen): _shared(v, seen) for k, v in value.items()}
    if kind is list:
        return [_shared(v, seen) for v in value]
    if kind is tuple:
        return tuple(_shared(v, seen) for v in value)
    return value


def _key(key, seen: dict):
    if type(key) is not str:
        return _shared(key, seen)
    key = seen[key] = sys.intern(key)
    return key


def _parse_toml(path: Path) -> dict:
    import tomllib

    return tomllib.loads(path.read_text(encoding="utf-8"))


def _parse_csv(path: Path) -> list[dict[str, str]]:
    import csv

    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def load_toml(path: str | Path) -> dict:
    """A TOML file's content (tomllib.TOMLDecodeError for a broken file, as tomllib raises it)."""
    return _cached(path, _parse_toml)


def load_csv(path: str | Path) -> list[dict[str, str]]:
    """A CSV file's rows as dicts by header (utf-8, with or without BOM)."""
    return _cached(path, _parse_csv)


def load(path: str | Path, parse, *, write: bool | None = None) -> object:
    """What `parse(path)` makes of a package file (plain data: marshal holds it), kept like the files themselves.
    For a view of a file that is cheaper to use than its rows (the code catalogue's entries as tuples); a module
    using one lists it in `_VIEWS` below so that `make install` writes it too."""
    return _cached(path, parse, write=write)


# (module, function) of every derived view, written by build_all; the function names the files it reads
_VIEWS = (("xltools.codes.catalogue", "build_data_cache"),)


def build_all() -> int:
    """Write the cache of every TOML and CSV file in the package, and the derived views; the number written."""
    import importlib

    n = 0
    for path in sorted(PACKAGE.rglob("*")):
        if "__pycache__" in path.parts or path.suffix not in (".toml", ".csv"):
            continue
        _cached(path, _parse_toml if path.suffix == ".toml" else _parse_csv, write=True)
        n += 1
    for module, name in _VIEWS:
        n += getattr(importlib.import_module(module), name)(write=True)
    return n


if __name__ == "__main__":
    build_all()
    from xltools import lazyre, record

    lazyre.build_all()   # the compiled regular expressions of the check path, kept the same way
    record.build_all()   # and the record classes' __init__ code
