"""Frozen records: what `@dataclass(frozen=True)` gives the model and the declarations, for far less start-up.

Why not dataclasses: on CPython 3.11 each `@dataclass(frozen=True)` class costs about 1 ms to define (it compiles
six methods with `exec`), and `import dataclasses` pulls in `inspect` (another 5–7 ms). The thirty-odd classes
on the path of `xltools check` cost more than reading the workbook, and every button click is a fresh process.
A record's methods are ordinary functions shared by every record class, so defining one costs about as much as
defining a plain class.

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

from operator import attrgetter

__all__ = ["FrozenError", "asdict", "factory", "fields", "record", "replace"]


class FrozenError(AttributeError):
    """Raised when a field of a record is assigned or deleted."""


class factory:  # noqa: N801 — used like dataclasses.field(default_factory=…)
    """A default made fresh for each instance: `cells: dict = factory(dict)`."""

    __slots__ = ("make",)

    def __init__(self, make) -> None:
        self.make = make


_NO_DEFAULT = object()


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
    cls.__init__ = _make_init(cls.__name__, tuple(names), defaults, factories)
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


def _make_init(cls_name: str, names: tuple[str, ...], defaults: dict, factories: dict):
    n = len(names)
    every = frozenset(names)

    def __init__(self, *args, **kwargs) -> None:
        # the two common calls first: every field positionally, or every field by keyword
        if not kwargs and len(args) == n:
            self.__dict__.update(zip(names, args))
            return
        if not args and kwargs.keys() == every:
            self.__dict__.update(kwargs)
            return
        if len(args) > n:
            raise TypeError(f"{cls_name}() takes {n} arguments but {len(args)} were given")
        d = self.__dict__
        for name, value in zip(names, args):
            d[name] = value
        for name in names[len(args):]:
            if name in kwargs:
                d[name] = kwargs.pop(name)
            elif name in defaults:
                d[name] = defaults[name]
            elif name in factories:
                d[name] = factories[name]()
            else:
                raise TypeError(f"{cls_name}() missing required argument: {name!r}")
        if kwargs:
            bad = next(iter(kwargs))
            raise TypeError(f"{cls_name}() got an unexpected keyword argument {bad!r}"
                            if bad not in names else f"{cls_name}() got multiple values for argument {bad!r}")

    return __init__


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
