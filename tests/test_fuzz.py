"""Bounded fuzzing: mutated xlsx files and random grids. The only exception allowed is the toolkit's own
XltoolsError (a clear Chinese message); nothing hangs (hypothesis deadlines bound every example)."""
from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xltools.errors import XltoolsError
from xltools.io.readers import Grids, read_calamine
from xltools.parse import parse_book
from xltools.pipeline import check_grids

FUZZ = settings(max_examples=60, deadline=timedelta(seconds=20),
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(scope="module")
def seed_bytes(tmp_path_factory):
    from xltools.demo import project_data
    from xltools.families import get_family
    from xltools.template import build_workbook

    p = tmp_path_factory.mktemp("fuzz") / "seed.xlsx"
    build_workbook(get_family("project_perf"), project_data("000")).save(p)
    return p.read_bytes()


def _rezip(data: bytes, mutate_member) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            z.writestr(info.filename, mutate_member(info.filename, src.read(info.filename)))
    return out.getvalue()


def _read(tmp_path, data: bytes) -> None:
    p = tmp_path / "fuzzed.xlsx"
    p.write_bytes(data)
    try:
        grids = read_calamine(p)
    except XltoolsError:
        return
    check_grids(grids)


@FUZZ
@given(cut=st.integers(min_value=0, max_value=20000), flips=st.lists(st.tuples(st.integers(0, 20000),
                                                                            st.integers(0, 255)), max_size=8))
def test_byte_level_mutations(tmp_path, seed_bytes, cut, flips):
    data = bytearray(seed_bytes[: max(cut, 1)] if cut < len(seed_bytes) else seed_bytes)
    for pos, val in flips:
        if data:
            data[pos % len(data)] = val
    _read(tmp_path, bytes(data))


@FUZZ
@given(member=st.sampled_from(["xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/workbook.xml",
                               "xl/styles.xml", "xl/sharedStrings.xml", "[Content_Types].xml"]),
       junk=st.binary(max_size=200), where=st.floats(0, 1))
def test_xml_level_mutations(tmp_path, seed_bytes, member, junk, where):
    def mutate(name, body):
        if name != member:
            return body
        i = int(len(body) * where)
        return body[:i] + junk + body[i + len(junk):]
    _read(tmp_path, _rezip(seed_bytes, mutate))


cell = st.one_of(st.none(), st.integers(-10**12, 10**12), st.floats(allow_nan=True, allow_infinity=True),
                 st.text(max_size=12), st.sampled_from(["科目编码", "科目名称", "合计", "总计", "小计", "基本支出",
                                                        "项目支出", "一级指标", "二级指标", "三级指标", "指标值", "项目名称",
                                                        "单位名称", "预算年度", "单位：万元", "201", "2010301.0", "空",
                                                        "１,２３４.５", "备注：", "—"]))


@settings(max_examples=150, deadline=timedelta(seconds=10))
@given(sheets=st.dictionaries(st.sampled_from(["单位信息", "部门支出总表", "一般公共预算财政拨款支出预算表",
                                               "项目1", "项目绩效目标表", "项目申报信息", "审核说明", "_xltools", "x"]),
                              st.lists(st.lists(cell, max_size=8), max_size=14), max_size=4),
       merged=st.lists(st.tuples(st.integers(0, 15), st.integers(0, 9), st.integers(0, 15), st.integers(0, 9)),
                       max_size=3))
def test_parser_and_rules_accept_any_grid(sheets, merged):
    grids = Grids(sheets, {name: merged for name in sheets}, set(), "fuzz")
    try:
        book, report = check_grids(grids)
    except XltoolsError:
        return
    assert book.family in ("dept_budget", "project_perf")
    for f in report.findings:
        assert f.message and f.severity in ("error", "warning", "info")


def test_entity_expansion_is_not_performed(tmp_path, seed_bytes):
    """A billion-laughs DOCTYPE in a sheet: refused or read literally, never expanded into gigabytes."""
    bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;'
            '&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
            '<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;"><!ENTITY lol5 "&lol4;&lol4;'
            '&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;"><!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;'
            '&lol5;&lol5;&lol5;&lol5;"><!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">'
            '<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;"><!ENTITY lol9 "&lol8;&lol8;'
            '&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
            '<c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>').encode()
    data = _rezip(seed_bytes, lambda name, body: bomb if name == "xl/worksheets/sheet1.xml" else body)
    p = tmp_path / "laughs.xlsx"
    p.write_bytes(data)
    for reader in ("calamine", "openpyxl"):
        from xltools.io.readers import read_grids

        try:
            grids = read_grids(p, reader)
        except XltoolsError:
            continue
        text = "".join(str(v) for row in next(iter(grids.sheets.values())) for v in row if v)
        assert len(text) < 10_000, f"{reader} expanded the entities"
