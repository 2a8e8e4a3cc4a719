"""xltools.datafiles: parsed TOML/CSV kept in __pycache__ beside the file, never changing what is read."""
from __future__ import annotations

import os

import pytest

from xltools import datafiles


@pytest.fixture
def package(tmp_path, monkeypatch):
    monkeypatch.setattr(datafiles, "PACKAGE", tmp_path)
    return tmp_path


def test_a_cache_is_written_and_then_used(package):
    src = package / "decl.toml"
    src.write_text('title = "部门预算公开"\n[a]\nb = [1, 2]\n', encoding="utf-8")
    first = datafiles._cached(src, datafiles._parse_toml, write=True)
    cache = package / "__pycache__" / "decl.toml.xltools-data"
    assert cache.exists() and first == {"title": "部门预算公开", "a": {"b": [1, 2]}}

    # same size and modification time, other content: the cache answers, the file is not parsed again
    st = src.stat()
    src.write_text('title = "部门预算公开"\n[a]\nb = [3, 4]\n', encoding="utf-8")
    os.utime(src, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert datafiles.load_toml(src) == first


def test_a_derived_view_is_kept_beside_the_rows(package):
    src = package / "rows.csv"
    src.write_text("code,name\n 201 ,一般公共服务支出\n", encoding="utf-8")

    def codes(path):
        return [r["code"].strip() for r in datafiles._parse_csv(path)]

    assert datafiles._cached(src, codes, write=True) == ["201"]
    assert (package / "__pycache__" / "rows.csv.codes.xltools-data").exists()
    assert datafiles._cached(src, datafiles._parse_csv, write=True) == [{"code": " 201 ", "name": "一般公共服务支出"}]


def test_an_edited_file_is_parsed_again(package):
    src = package / "rows.csv"
    src.write_text("code,name\n201,一般公共服务支出\n", encoding="utf-8")
    assert datafiles._cached(src, datafiles._parse_csv, write=True) == [{"code": "201", "name": "一般公共服务支出"}]
    src.write_text("code,name\n201,一般公共服务支出\n208,社会保障和就业支出\n", encoding="utf-8")
    st = src.stat()
    os.utime(src, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert [r["code"] for r in datafiles.load_csv(src)] == ["201", "208"]


def test_a_damaged_cache_is_ignored(package):
    src = package / "decl.toml"
    src.write_text("x = 1\n", encoding="utf-8")
    datafiles._cached(src, datafiles._parse_toml, write=True)
    (package / "__pycache__" / "decl.toml.xltools-data").write_bytes(b"\x00garbage")
    assert datafiles.load_toml(src) == {"x": 1}


def test_files_outside_the_package_are_never_cached(tmp_path, monkeypatch):
    monkeypatch.setattr(datafiles, "PACKAGE", tmp_path / "pkg")
    src = tmp_path / "bureau.toml"
    src.write_text("x = 2\n", encoding="utf-8")
    assert datafiles._cached(src, datafiles._parse_toml, write=True) == {"x": 2}
    assert not (tmp_path / "__pycache__").exists()


def test_a_broken_toml_still_raises_a_value_error(package):
    src = package / "bad.toml"
    src.write_text("x = = 1\n", encoding="utf-8")
    with pytest.raises(ValueError):
        datafiles.load_toml(src)


def test_nothing_is_written_under_dont_write_bytecode(package, monkeypatch):
    monkeypatch.setattr(datafiles.sys, "dont_write_bytecode", True)
    src = package / "decl.toml"
    src.write_text("x = 3\n", encoding="utf-8")
    assert datafiles.load_toml(src) == {"x": 3}
    assert not (package / "__pycache__").exists()
