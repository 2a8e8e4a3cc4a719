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
    (lambda: Cell(1), r"Cell.__init__\(\) missing 1 required positional argument: 'label'"),
    (lambda: Cell(1, "x", "k", None, {}, 6), r"takes from 3 to 6 positional arguments but 7 were given"),
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


def test_a_subclass_adds_fields_after_its_base():
    @record
    class Total(Cell):
        share: float = 0.0

    t = Total(1, "x", share=0.5)
    assert fields(Total) == ("row", "label", "kind", "note", "amounts", "share")
    assert t.amounts == {} and t.share == 0.5 and t.double == 2


def test_the_signature_reads_like_a_dataclass():
    import inspect

    assert str(inspect.signature(Cell)) == "(row, label, kind='item', note=None, amounts=<factory>)"


@pytest.fixture
def store(tmp_path, monkeypatch):
    from xltools import record as rec

    path = tmp_path / "records.xltools-data"
    monkeypatch.setattr(rec, "_STORE", str(path))
    monkeypatch.setattr(rec, "_known", None)
    monkeypatch.setattr(rec, "_made", {})
    monkeypatch.setattr(rec, "_added", True)      # no atexit writes from the test process
    return path


def test_the_init_code_is_kept_and_used_again(store, monkeypatch):
    from xltools import record as rec

    def define():
        @record
        class Row:
            n: int
            label: str = ""
            cells: dict = factory(dict)
        return Row

    first = define()
    assert rec._save() == 1 and store.exists()
    rec._known = None

    def no_compiling(*args):
        raise AssertionError("compiled again")

    monkeypatch.setattr(rec, "compile", no_compiling, raising=False)     # shadows the builtin in the module
    second = define()
    assert second.__init__.__code__ == first.__init__.__code__
    assert second(1) == second(1, "", {}) and second(1).cells is not second(1).cells
    assert second(n=2, label="x").label == "x"


def test_a_damaged_store_means_compiling(store):
    from xltools import record as rec

    store.write_bytes(b"\x00not marshal")

    @record
    class Row:
        n: int

    assert Row(3).n == 3 and list(rec._known) == [(("n", ""),)]     # nothing read; the one compiled
