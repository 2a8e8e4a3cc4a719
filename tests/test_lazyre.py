"""xltools.lazyre: patterns compiled on first use, and the store of compiled programs kept between processes
never yields a pattern re.compile would not have built."""
from __future__ import annotations

import re

import pytest

from xltools import lazyre

PATTERNS = [
    (r"(?P<subject>[^0-9]*?)(?P<op>不低于|不少于|≥|>=)\s*(?P<num>[0-9]+(?:\.[0-9]+)?)", 0),
    (r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）])\s*", 0),
    (r"abc|x{2,}", re.IGNORECASE),
    (r"(?x) (\d{4}) \s* 年", 0),
    (rb'<c r="([A-Z]{1,3})(\d{1,7})"', 0),
]


@pytest.fixture
def store(tmp_path, monkeypatch):
    path = tmp_path / "regex.xltools-data"
    monkeypatch.setattr(lazyre, "_STORE", str(path))
    monkeypatch.setattr(lazyre, "_known", None)
    monkeypatch.setattr(lazyre, "_added", {})
    monkeypatch.setattr(lazyre.sys, "dont_write_bytecode", True)   # no atexit writes from the test process
    return path


def test_a_pattern_from_the_store_equals_re_compile(store):
    for pattern, flags in PATTERNS:
        assert lazyre.compile_cached(pattern, flags) == re.compile(pattern, flags)
    lazyre._save()
    assert store.exists()
    lazyre._known = None
    stored = lazyre._load_store()
    assert set(stored) == {(p, int(f)) for p, f in PATTERNS}
    for pattern, flags in PATTERNS:
        got = lazyre.compile_cached(pattern, flags)
        want = re.compile(pattern, flags)
        assert got == want and got.groupindex == want.groupindex and got.groups == want.groups
    m = lazyre.compile_cached(*PATTERNS[0]).search("满意度不低于90")
    assert m.group("op") == "不低于" and m.group("num") == "90"


def test_a_damaged_or_foreign_store_is_ignored(store):
    store.write_bytes(b"\x00not marshal")
    assert lazyre._load_store() == {}
    assert lazyre.compile_cached(r"\d+") == re.compile(r"\d+")
    import marshal

    store.write_bytes(marshal.dumps((("another python", 0, 1), {(r"\d+", 0): (0, [1, 2, 3], 0, {}, ())})))
    assert lazyre._load_store() == {}


def test_a_broken_entry_falls_back_to_re_compile(store):
    lazyre._known = {(r"\d+", 0): ("not", "a", "program")}
    assert lazyre.compile_cached(r"\d+") == re.compile(r"\d+")


def test_lazy_compiles_on_first_use_only():
    p = lazyre.lazy(r"单位[:：]\s*(万元|元)")
    assert "_compiled" not in p.__dict__
    assert p.search("单位：万元").group(1) == "万元"
    assert p.__dict__["_compiled"] == re.compile(r"单位[:：]\s*(万元|元)")
