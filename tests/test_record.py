"""xltools.record: the frozen records that replace @dataclass(frozen=True) on the check path behave like them."""
from __future__ import annotations

import copy
import pickle

import pytest

from xltools.record import FrozenError, asdict, factory, fields, record, replace


@record
class Cell:
    row: int
    label: str
    kind: str = "item"
    note: object = None
    amounts: dict = factory(dict)

    @property
    def double(self) -> int:
        return 2 * self.row


@record
class Key:
    code: str
    parts: tuple = ()


def test_construction_positional_keyword_defaults_and_factories():
    a = Cell(1, "x", amounts={"a": 1})
    b = Cell(row=1, label="x", amounts={"a": 1})
    assert a == b and a.kind == "item" and a.note is None and a.double == 2
    assert Cell(1, "y").amounts == {} and Cell(1, "y").amounts is not Cell(1, "y").amounts
    assert fields(Cell) == ("row", "label", "kind", "note", "amounts")
    assert asdict(a) == {"row": 1, "label": "x", "kind": "item", "note": None, "amounts": {"a": 1}}
    assert repr(a) == "Cell(row=1, label='x', kind='item', note=None, amounts={'a': 1})"


@pytest.mark.parametrize("make, message", [
    (lambda: Cell(1), "missing required argument: 'label'"),
    (lambda: Cell(1, "x", "k", None, {}, 6), "takes 5 arguments"),
    (lambda: Cell(1, "x", label="y"), "multiple values for argument 'label'"),
    (lambda: Cell(1, "x", colour="red"), "unexpected keyword argument 'colour'"),
])
def test_wrong_arguments_are_type_errors(make, message):
    with pytest.raises(TypeError, match=message):
        make()


def test_frozen_equal_hashable_and_replace():
    a = Cell(1, "x")
    with pytest.raises(FrozenError):
        a.row = 2
    with pytest.raises(AttributeError):
        del a.label
    assert replace(a, kind="total") == Cell(1, "x", "total") and a.kind == "item"
    with pytest.raises(TypeError):
        replace(a, colour="red")
    assert Key("101") == Key("101") and Key("101") != Key("102") and Key("101") != ("101", ())
    assert {Key("101", ("a",)): 1}[Key("101", ("a",))] == 1
    with pytest.raises(TypeError):
        hash(a)  # a dict field makes it unhashable, as with a frozen dataclass


def test_pickle_and_copy_round_trip():
    a = Cell(3, "y", amounts={"b": 2})
    assert pickle.loads(pickle.dumps(a)) == a
    assert copy.deepcopy(a) == a and copy.copy(a) == a


def test_a_field_without_default_after_one_with_is_refused():
    with pytest.raises(TypeError):
        @record
        class Bad:
            a: int = 0
            b: int
