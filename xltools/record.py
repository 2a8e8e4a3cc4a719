"""Frozen records: what `@dataclass(frozen=True)` gives the model and the declarations, for far less start-up.

Why not dataclasses: on CPython 3.11 each `@dataclass(frozen=True)` class costs about 1 ms to define (it compiles
six methods with `exec`), and `import dataclasses` pulls in `inspect` (another 5–7 ms). The thirty-odd classes
on the path of `xltools check` cost more than reading the workbook, and every button click is a fresh process.
A record's methods are ordinary functions shared by every record class, except `__init__`: a check makes some
thousand records, and an `__init__` written for the class's fields (as dataclasses write it) costs half of a
generic one. Its compiled code is kept between processes, like .pyc files: `__pycache__/records.xltools-data`
beside this module maps each layout of fields to the code of its `__init__` (for this exact Python build), so
defining a record class costs about as much as defining a plain class; a layout the store lacks is compiled
(about 0.1 ms) and, where Python may write byte-code, kept at the end of the process. `make install`
(`python -m xltools.datafiles`) writes the store for the classes of the check path.

    @record
    class Line:
        row: int
        label: str
        kind: str = "item"
        amounts: dict[str, Decimal] = factory(dict)

An instance behaves like a frozen dataclass instance: positional or keyword construction in declaration order,
defaults and factories, `==` (same class, equal fields), `hash` over the fields, a `repr`, and assignment or
deletion raising `FrozenError` (an AttributeError, like dataclasses.FrozenInstanceError). `replace(obj, **changes)`,
`fields(cls_or_obj)` and `asdict(obj)` (shallow: nested records stay records) mirror the dataclasses functions.
Records pickle and copy like any object with a `__dict__`. Fields are the class's own annotations after those
of a record base class; annotations are read as written (strings under `from __future__ import annotations`),
never evaluated.
"""
from __future__ import annotations

import os
import sys
from operator import attrgetter
from types import CodeType, FunctionType

__all__ = ["FrozenError", "asdict", "factory", "fields", "record", "replace"]


class FrozenError(AttributeError):
    """Raised when a field of a record is assigned or deleted."""


class factory:  # noqa: N801 — used like dataclasses.field(default_factory=…)
    """A default made fresh for each instance: `cells: dict = factory(dict)`."""

    __slots__ = ("make",)

    def __init__(self, make) -> None:
        self.make = make


_NO_DEFAULT = object()


class _FactoryDefault:
    """The default of a factory field in the generated __init__: the factory is called when it is left."""

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _FactoryDefault()


def record(cls: type) -> type:
    names: list[str] = []
    defaults: dict[str, object] = {}
    factories: dict[str, object] = {}
    for base in reversed(cls.__mro__[1:]):
        for name in getattr(base, "__record_fields__", ()):
            if name not in names:
                names.append(name)
        defaults.update(getattr(base, "__record_defaults__", {}))
        factories.update(getattr(base, "__record_factories__", {}))
    for name in cls.__dict__.get("__annotations__", {}):
        if name not in names:
            names.append(name)
        value = cls.__dict__.get(name, _NO_DEFAULT)
        if isinstance(value, factory):
            factories[name] = value.make
            defaults.pop(name, None)
            delattr(cls, name)
        elif value is not _NO_DEFAULT:
            defaults[name] = value
            factories.pop(name, None)
    seen_default = False
    for name in names:
        if name in defaults or name in factories:
            seen_default = True
        elif seen_default:
            raise TypeError(f"{cls.__name__}: field {name!r} without a default follows one with a default")

    cls.__record_fields__ = tuple(names)
    cls.__record_defaults__ = defaults
    cls.__record_factories__ = factories
    cls.__init__ = _make_init(cls.__qualname__, tuple(names), defaults, factories)
    cls._record_values = staticmethod(_values_getter(tuple(names)))
    own = cls.__dict__
    if "__eq__" not in own:
        cls.__eq__ = _eq
    if own.get("__hash__") is None:        # absent, or set to None by a class that defines __eq__
        cls.__hash__ = _hash
    if "__repr__" not in own:
        cls.__repr__ = _repr
    cls.__setattr__ = _setattr
    cls.__delattr__ = _delattr
    return cls


# ------------------------------------------------------------------------------------------------ __init__
_STORE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "__pycache__", "records.xltools-data")
_known: dict | None = None          # field layout → its __init__ code object: the store's, and those compiled
_made: dict = {}                    # the same for the record classes defined in this process
_added = False                      # whether this process compiled a source the store lacked


def _stamp() -> tuple:
    return (sys.version, sys.implementation.cache_tag, 1)


def _make_init(qualname: str, names: tuple[str, ...], defaults: dict, factories: dict):
    """The class's __init__: positional or keyword arguments in field order, defaults, factories called for
    each instance, Python's own TypeErrors for a wrong call. Written for the fields (see the module docstring)."""
    # the fields' layout: (name, "" | "default" | "factory") each — what the code depends on, and its store key
    layout = tuple((n, "factory" if n in factories else "default" if n in defaults else "") for n in names)
    fn = FunctionType(_code(layout), {"__MISSING": _FACTORY,
                                      **{f"__factory_{k}": make for k, make in factories.items()}})
    # the defaults by value, as Python binds them: a plain default is the object itself, a factory's __MISSING
    tail = names[next((i for i, n in enumerate(names) if n in defaults or n in factories), len(names)):]
    fn.__defaults__ = tuple(_FACTORY if n in factories else defaults[n] for n in tail) or None
    fn.__qualname__ = f"{qualname}.__init__"   # what Python's TypeErrors name
    return fn


def _source(layout: tuple[tuple[str, str], ...]) -> str:
    """The __init__ of a field layout, e.g. for (row, label, kind = "item", amounts = factory(dict)):

        def __init__(__self, row, label, kind=__MISSING, amounts=__MISSING):
            __d = __self.__dict__
            __d['row'] = row
            __d['label'] = label
            __d['kind'] = kind
            __d['amounts'] = __factory_amounts() if amounts is __MISSING else amounts

    (a plain default's value is bound through __defaults__). The code's own names start with two underscores:
    no field can take them (a class body turns such a name into _Class__name)."""
    params, body = [], []
    for name, kind in layout:
        params.append(f"{name}=__MISSING" if kind else name)
        if kind == "factory":
            body.append(f"    __d[{name!r}] = __factory_{name}() if {name} is __MISSING else {name}\n")
        else:
            body.append(f"    __d[{name!r}] = {name}\n")
    return f"def __init__(__self, {', '.join(params)}):\n    __d = __self.__dict__\n" + "".join(body)


def _code(layout: tuple[tuple[str, str], ...]) -> CodeType:
    """The compiled __init__ of a field layout: from the store, else compiled (and kept at exit)."""
    global _known, _added
    if _known is None:
        from xltools.datafiles import read_store

        _known = read_store(_STORE, _stamp())
    code = _known.get(layout)
    if type(code) is not CodeType:
        module = compile(_source(layout), "<xltools.record __init__>", "exec")
        code = _known[layout] = next(c for c in module.co_consts if type(c) is CodeType)
        if not _added and not sys.dont_write_bytecode:
            import atexit

            atexit.register(_save)
        _added = True
    _made[layout] = code
    return code


def _save(*, rebuild: bool = False) -> int:
    """Keep the __init__ code of this process's record classes (with what the store held, unless rebuilding)."""
    from xltools.datafiles import write_cache

    codes = dict(_made if rebuild else _known or {})
    write_cache(_STORE, _stamp(), codes)
    return len(codes)


def build_all() -> int:
    """Write the store for the record classes of every module of the package that defines one (`make install`);
    the number of layouts kept. A class the store lacks costs its first process a compile (~2 ms the first)."""
    import importlib
    from pathlib import Path

    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        if "\n@record" in path.read_text(encoding="utf-8"):
            importlib.import_module(".".join(("xltools", *path.relative_to(package).with_suffix("").parts)))
    return _save(rebuild=True)


def _values_getter(names: tuple[str, ...]):
    if not names:
        return lambda obj: ()
    if len(names) == 1:
        get = attrgetter(names[0])
        return lambda obj: (get(obj),)
    return attrgetter(*names)


def _eq(self, other) -> bool:
    if other.__class__ is self.__class__:
        return self._record_values(self) == other._record_values(other)
    return NotImplemented


def _hash(self) -> int:
    return hash(self._record_values(self))


def _repr(self) -> str:
    return f"{type(self).__qualname__}(" + ", ".join(
        f"{n}={getattr(self, n)!r}" for n in self.__record_fields__) + ")"


def _setattr(self, name: str, value) -> None:
    raise FrozenError(f"cannot assign to field {name!r} of a frozen {type(self).__name__}")


def _delattr(self, name: str) -> None:
    raise FrozenError(f"cannot delete field {name!r} of a frozen {type(self).__name__}")


def fields(obj) -> tuple[str, ...]:
    """The field names of a record class or instance, in declaration order."""
    return obj.__record_fields__


def asdict(obj) -> dict:
    """field name → value (shallow)."""
    return {n: getattr(obj, n) for n in obj.__record_fields__}


def replace(obj, **changes):
    """A copy of a record with some fields changed (through __init__, like dataclasses.replace)."""
    for name in changes:
        if name not in obj.__record_fields__:
            raise TypeError(f"{type(obj).__name__} has no field {name!r}")
    return type(obj)(**{**asdict(obj), **changes})
