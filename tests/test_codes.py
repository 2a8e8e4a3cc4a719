"""xltools.codes: normalising codes, the bundled catalogue, renames, year editions, user catalogues."""
from __future__ import annotations

import csv
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xltools import codes
from xltools.codes import catalogue as catmod
from xltools.codes.catalogue import Catalogue, parse_year_range
from xltools.codes.normalise import (
    infer_kind, is_wellformed, join_split_code, level_of, names_match, normalise_code, parent_code,
)
from xltools.errors import BadDeclaration, InputNotFound

DATA = Path(catmod.__file__).parent / "data"
REFERENCE = Path(__file__).resolve().parent.parent.parent / "shared" / "reference"




FW = str.maketrans("0123456789", "０１２３４５６７８９")


# -- normalise_code ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", [
    2010301, 2010301.0, "2010301", " 2010301 ", "201 03 01", "２０１０３０１", "2010301.0", "2010301.00",
    "2,010,301", "２，０１０，３０１", "'2010301", "2010301\u00a0", "\u30002010301", "2.010301E+06",
    "\ufeff2010301", Decimal("2010301"), Decimal("2010301.0"), "２０１０３０１．０",
])
def test_normalise_code_accepts_cell_forms(value):
    assert normalise_code(value) == "2010301"


@pytest.mark.parametrize("value", [None, "", "   ", "\u3000", float("nan")])
def test_normalise_code_empty_is_none(value):
    assert normalise_code(value) is None


@pytest.mark.parametrize("value, expected", [
    ("20a01", "20a01"), (" 20 a01 ", "20a01"), ("合计", "合计"), ("201.5", "201.5"), (201.5, "201.5"),
    ("-201", "-201"), (True, "True"), (float("inf"), "inf"),
])
def test_normalise_code_returns_non_codes_cleaned_without_raising(value, expected):
    out = normalise_code(value)
    assert out == expected
    assert not is_wellformed(out)


def test_is_wellformed():
    for code in ("201", "20103", "2010301", "301", "30101", "501", "50101"):
        assert is_wellformed(code)
    for code in ("20", "2010", "201030", "20103011", "3010101", "5010101", "20a01", "", None, " 201"):
        assert not is_wellformed(code)
    assert is_wellformed("2010301", "func")
    assert not is_wellformed("2010301", "econ_dept")
    assert is_wellformed("30101", "econ_dept") and is_wellformed("50101", "econ_gov")
    assert is_wellformed(2010301.0)  # a non-string is normalised first
    with pytest.raises(ValueError):
        is_wellformed("201", "nonsense")


@pytest.mark.parametrize("parts, expected", [
    ((208, 5, 1), "2080501"), (("208", "05", "01"), "2080501"), ((208.0, 5.0, 1.0), "2080501"),
    ((208, "5", None), "20805"), ((208, None, None), "208"), (("２０８", " 05 ", "１"), "2080501"),
    ((208, 20805, 2080505), "2080505"), ((208, "05", 2080505), "2080505"), ((None, None, None), None),
    (("", "", ""), None), ((None, 5, 1), None), ((208, None, 1), None), (("合计", None, None), "合计"),
    ((208, "0a", None), "2080a"),
])
def test_join_split_code(parts, expected):
    assert join_split_code(*parts) == expected


def test_structure_helpers():
    assert infer_kind("2010301") == infer_kind(201) == "func"
    assert infer_kind("30101") == "econ_dept" and infer_kind(50101.0) == "econ_gov"
    assert infer_kind("3010101") is None and infer_kind("1010101") is None and infer_kind("x") is None
    assert [level_of(c) for c in ("201", "20103", "2010301", "2010")] == ["类", "款", "项", None]
    assert parent_code("2010301") == "20103" and parent_code("20103") == "201" and parent_code("201") is None


def test_names_match():
    assert names_match("政府办公厅(室)及相关机构事务", "政府办公厅（室）及相关机构事务")
    assert names_match(" 一般公共服务 支出：", "一般公共服务支出")
    assert names_match("因公出国(境)费用:", "因公出国（境）费用")
    assert not names_match("一般公共服务", "一般公共服务支出")
    assert not names_match("", "") and not names_match(None, "x")


# -- hypothesis ------------------------------------------------------------------------------------------
seven_digit = st.integers(min_value=2_000_000, max_value=2_999_999)


def _spaced(draw_positions: list[int], s: str) -> str:
    out = s
    for p in sorted(set(draw_positions), reverse=True):
        out = out[:p] + " " + out[p:]
    return out


@given(n=seven_digit, positions=st.lists(st.integers(0, 7), max_size=4), form=st.sampled_from(
    ["int", "float", "str", "fullwidth", "dotzero", "thousands", "spaced", "padded"]))
def test_property_seven_digit_codes_normalise_to_themselves(n, positions, form):
    s = str(n)
    value = {
        "int": n, "float": float(n), "str": s, "fullwidth": s.translate(FW), "dotzero": s + ".0",
        "thousands": f"{n:,}", "spaced": _spaced(positions, s), "padded": f"\u3000{s}\u00a0 ",
    }[form]
    assert normalise_code(value) == s
    assert is_wellformed(normalise_code(value), "func")


@given(st.one_of(st.text(), st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.none()))
def test_property_normalise_code_never_raises_and_is_idempotent(value):
    out = normalise_code(value)
    assert out is None or (isinstance(out, str) and out)
    assert normalise_code(out) == out


@given(lei=st.integers(200, 299), kuan=st.integers(1, 99), xiang=st.integers(1, 99),
       as_float=st.booleans())
def test_property_split_columns_join(lei, kuan, xiang, as_float):
    conv = float if as_float else int
    assert join_split_code(conv(lei), conv(kuan), conv(xiang)) == f"{lei}{kuan:02d}{xiang:02d}"


@settings(max_examples=60)
@given(data=st.data())
def test_property_names_match_width_and_spaces(data):
    e = data.draw(st.sampled_from(codes.entries()))
    typed = e.name.replace("（", "(").replace("）", ")")
    pos = data.draw(st.integers(0, len(typed)))
    typed = typed[:pos] + " " + typed[pos:] + data.draw(st.sampled_from(["", "：", ":", " "]))
    assert names_match(typed, e.name)


# -- bundled data ----------------------------------------------------------------------------------------
def test_data_files_are_unchanged_copies_of_the_reference():
    if not REFERENCE.is_dir():
        pytest.skip("reference folder not available")
    for ref in REFERENCE.glob("*.csv"):
        assert (DATA / ref.name).read_bytes() == ref.read_bytes(), ref.name


def _csv_rows(name):
    with open(DATA / name, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_every_bundled_row_is_loaded_with_its_source_and_confidence():
    files = {"func": ["func_class_lei.csv", "func_class_kuan_xiang_partial.csv"],
             "econ_dept": ["econ_class_dept.csv"], "econ_gov": ["econ_class_gov.csv"]}
    for kind, names in files.items():
        rows = [r for n in names for r in _csv_rows(n)]
        got = {e.code: e for e in codes.entries(kind=kind)}
        assert len(got) == len(rows)
        for r in rows:
            e = got[r["code"]]
            assert (e.level, e.source, e.confidence, e.year) == (r["level"], r["source"], r["confidence"], r["year"])
            assert e.parent == (r["parent"] or None)
            if r["code"] not in ("207", "210"):
                assert e.name == r["name"]
    assert len(codes.entries(kind="func", level="类")) == 30
    assert len(codes.entries(kind="econ_dept")) == 110 and len(codes.entries(kind="econ_gov")) == 80


def test_bundled_parents_exist_and_levels_match_code_length():
    for e in codes.entries():
        assert level_of(e.code) == e.level
        assert e.parent == parent_code(e.code)
        if e.parent:
            assert codes.lookup(e.parent, kind=e.kind) is not None, e.code


def test_entry_is_frozen():
    e = codes.lookup("201")
    with pytest.raises(AttributeError):
        e.name = "x"  # type: ignore[misc]
    assert e.to_dict()["kind_name"] == "支出功能分类"
    assert isinstance(e.former_names, tuple)


# -- lookup / parents / children -------------------------------------------------------------------------
def test_lookup():
    e = codes.lookup("2010301")
    assert (e.name, e.kind, e.level, e.parent) == ("行政运行", "func", "项", "20103")
    assert codes.lookup(30101).name == "基本工资"
    assert codes.lookup(30101).kind == "econ_dept"
    assert codes.lookup("2080505").name == "机关事业单位基本养老保险缴费支出"
    assert codes.lookup("50101").kind == "econ_gov"
    assert codes.lookup(2010301.0) == codes.lookup(" ２０１０３０１ ") == e
    assert codes.lookup("2010301", kind="func") == e
    assert codes.lookup("2010301", kind="econ_dept") is None
    for missing in ("2040101", "9999999", "20a01", "", None, "1010101", "3010101"):
        assert codes.lookup(missing) is None
    assert codes.lookup("2010507").confidence == "high"
    assert "GovBudgetChecker" in codes.lookup("2010507").source


def test_parents_and_children():
    ps = codes.parents("2010301")
    assert [(p.code, p.name) for p in ps] == [("201", "一般公共服务支出"), ("20103", "政府办公厅（室）及相关机构事务")]
    assert [p.code for p in codes.parents(2040101)] == ["204", "20401"]  # structural, even if not listed
    assert [p.code for p in codes.parents("30101")] == ["301"]
    assert codes.parents("201") == [] and codes.parents("xyz") == []
    kids = codes.children("20805")
    assert "2080505" in [k.code for k in kids]
    assert [k.code for k in kids] == sorted(k.code for k in kids)
    assert all(k.level == "款" and k.code.startswith("201") for k in codes.children(201))
    assert codes.children("2010301") == [] and codes.children(None) == []
    assert {k.code for k in codes.children("301")} >= {"30101", "30102", "30199"}


# -- search ----------------------------------------------------------------------------------------------
def _codes(hits):
    return [e.code for e in hits]


def test_search_ranking():
    assert _codes(codes.search("一般公共服务"))[0] == "201"
    assert _codes(codes.search("30101"))[0] == "30101"
    hits = codes.search("2080", limit=50)
    assert hits and all(e.code.startswith("2080") for e in hits)
    assert [len(e.code) for e in hits] == sorted(len(e.code) for e in hits)
    assert _codes(codes.search("基本工资"))[0] == "30101"
    assert _codes(codes.search("政府办公厅(室)及相关机构事务"))[0] == "20103"  # exact name, half-width
    # text contains name: a longer phrase typed in a table offers the 科目 it contains
    assert "30101" in _codes(codes.search("本月基本工资合计"))
    assert _codes(codes.search("基本公资"))[0] == "30101"  # similar (difflib)
    assert _codes(codes.search("2010301 行政运行"))[0] == "2010301"


def test_search_is_stable_limited_and_filtered():
    a = codes.search("行政运行", limit=50)
    assert a == codes.search("行政运行", limit=50)
    exact = [e.code for e in a if e.name == "行政运行"]
    assert len(exact) > 20 and _codes(a)[:len(exact)] == sorted(exact)  # ties keep code order
    assert "2010150" in _codes(a)  # then similar names: 事业运行
    assert len(codes.search("行政运行", limit=3)) == 3
    assert codes.search("", limit=5) == [] and codes.search(None) == [] and codes.search("x", limit=0) == []
    assert all(e.kind == "econ_gov" for e in codes.search("工资", kind="econ_gov"))
    assert codes.search("其他支出", kind="econ_dept")[0].code == "399"
    assert codes.search("zzzz不存在的科目名称qqq") == []


def test_search_finds_former_names():
    assert _codes(codes.search("文化体育与传媒"))[0] == "207"
    assert _codes(codes.search("医疗卫生与计划生育支出"))[0] == "210"


# -- renames and years -----------------------------------------------------------------------------------
def test_renames_are_former_names():
    e = codes.lookup("207")
    assert e.name == "文化旅游体育与传媒支出" and e.former_names == ("文化体育与传媒支出",)
    e = codes.lookup("210", year=2024)
    assert e.name == "卫生健康支出" and "医疗卫生与计划生育支出" in e.former_names
    old = codes.lookup("210", year=2018)
    assert old.name == "医疗卫生与计划生育支出" and "renames.csv" in old.source
    assert codes.lookup("207", year=2018).name == "文化体育与传媒支出"
    assert codes.lookup("207", year=2019).name == "文化旅游体育与传媒支出"
    with open(DATA / "renames.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert {"code", "former_name", "current_name", "until_year"} <= set(rows[0])
    assert {r["code"] for r in rows} >= {"207", "210"}


def test_year_ranges_and_fallback():
    assert parse_year_range("2021-2025") == (2021, 2025)
    assert parse_year_range("2018-2025(财预〔2017〕98号体系)") == (2018, 2025)
    assert parse_year_range("2024") == (2024, 2024)
    assert parse_year_range("2019-")[0] == 2019 and parse_year_range("2019-")[1] > 3000
    lo, hi = parse_year_range("")
    assert lo < 1900 and hi > 3000
    assert codes.lookup("201", year=1990).year == "2021-2025"  # before every edition: the nearest
    assert codes.lookup("201", year=2040).name == "一般公共服务支出"  # after every edition
    assert codes.lookup("30101", year=2019).year.startswith("2018-2025")
    assert codes.lookup("201", year="2024") == codes.lookup("201", year=2024)
    with pytest.raises(ValueError):
        codes.lookup("201", year="next year")


def test_is_partial():
    assert codes.is_partial("func", "项") and codes.is_partial("func", "款")
    assert not codes.is_partial("func", "类")
    for kind in ("econ_dept", "econ_gov"):
        for level in ("类", "款"):
            assert not codes.is_partial(kind, level)
    assert codes.is_partial("功能分类", "xiang")
    with pytest.raises(ValueError):
        codes.is_partial("nonsense", "项")


def test_dept_to_gov():
    assert codes.dept_to_gov("30101") == {"机关": "50101", "事业单位": "50501", "source": "ishare 对照表 excerpt"}
    assert codes.dept_to_gov(30905)["事业单位"] == "50601"  # from the 309xx row
    assert codes.dept_to_gov("39999")["机关"] == "599xx"
    assert codes.dept_to_gov("2010301") is None and codes.dept_to_gov(None) is None


# -- loading ---------------------------------------------------------------------------------------------
def test_import_is_cheap_and_loading_is_lazy():
    code = (
        "import sys, xltools.codes, xltools.codes.catalogue as c\n"
        "heavy = [m for m in ('openpyxl', 'pandas', 'python_calamine', 'docx', 'xlwings') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "assert not c._CACHE, 'catalogue read at import time'\n"
        "assert xltools.codes.lookup('201').name == '一般公共服务支出'\n"
        "assert len(c._CACHE) == 1\n"
        "assert 'python_calamine' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[1])


def test_catalogue_is_loaded_once(monkeypatch):
    calls = []
    orig = Catalogue.__init__

    def counting(self, *a, **k):
        calls.append(1)
        orig(self, *a, **k)

    monkeypatch.setattr(Catalogue, "__init__", counting)
    codes.reload_catalogue()
    first = codes.get_catalogue()
    for c in ("201", "2010301", "30101", "50101"):
        codes.lookup(c)
        codes.parents(c)
        codes.search(c)
    assert codes.get_catalogue() is first and len(calls) == 1


def test_loading_all_csvs_is_fast():
    best = min(_timed(Catalogue) for _ in range(5))
    assert best < 0.05, f"loading took {best * 1000:.1f} ms"


def _timed(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


# -- user catalogues -------------------------------------------------------------------------------------
def _write_csv(path: Path, rows, encoding="utf-8"):
    with open(path, "w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)
    return path


OFFICIAL_2026 = [
    ["2026年政府收支分类科目"], [], ["科目编码", "科目名称", "说明"],
    ["101", "税收收入", ""],  # revenue: skipped
    ["201", "一般公共服务支出", ""], ["20101", "人大事务", ""], ["2010101", "行政运行", ""],
    ["204", "公共安全支出", ""], ["20401", "武装警察部队", ""], ["2040101", "内卫", ""],
    ["合计", "", ""], ["", "", ""],
]


def test_import_csv(tmp_path, _home):
    src = _write_csv(tmp_path / "目录2026.csv", OFFICIAL_2026)
    count, dest = codes.import_catalogue(src, 2026)
    assert count == 6
    assert dest == _home / "catalogues" / "2026.csv" and dest.exists()
    e = codes.lookup("2040101", year=2026)
    assert (e.name, e.confidence, e.year, e.source) == ("内卫", "official", "2026", "user:目录2026.csv")
    assert codes.lookup("2040101") == e  # newest edition by default
    assert codes.lookup("2040101", year=2025) is None  # bundled edition still governs 2025
    # the imported list replaces the bundled one for that kind and year, and is complete
    assert codes.lookup("2010301", year=2026) is None
    assert not codes.is_partial("func", "项", year=2026) and codes.is_partial("func", "项", year=2025)
    assert [p.code for p in codes.parents("2040101", year=2026)] == ["204", "20401"]
    assert codes.lookup("30101", year=2026).confidence == "high"  # other kinds: still bundled
    assert codes.lookup("1010101") is None


def test_import_csv_gbk_and_dest_folder(tmp_path):
    src = _write_csv(tmp_path / "gbk.csv", [["科目代码", "科目名称"], ["301", "工资福利支出"], ["30101", "基本工资"]],
                     encoding="gbk")
    count, dest = codes.import_catalogue(src, "2027", dest=tmp_path / "elsewhere")
    assert (count, dest) == (2, tmp_path / "elsewhere" / "2027.csv")
    with open(dest, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert rows[0]["name"] == "工资福利支出" and rows[0]["kind"] == "econ_dept"


def test_reimport_replaces_that_kind_only(tmp_path):
    func = _write_csv(tmp_path / "f.csv", [["科目编码", "科目名称"], ["201", "一般公共服务支出"],
                                           ["20101", "人大事务"]])
    econ = _write_csv(tmp_path / "e.csv", [["科目编码", "科目名称"], ["301", "工资福利支出"]])
    codes.import_catalogue(func, 2030)
    codes.import_catalogue(econ, 2030)
    assert codes.lookup("20101", year=2030) is not None and codes.lookup("301", year=2030).confidence == "official"
    func2 = _write_csv(tmp_path / "f2.csv", [["科目编码", "科目名称"], ["201", "一般公共服务支出"],
                                             ["20102", "政协事务"]])
    codes.import_catalogue(func2, 2030)
    assert codes.lookup("20101", year=2030) is None
    assert codes.lookup("20102", year=2030).source == "user:f2.csv"
    assert codes.lookup("301", year=2030).source == "user:e.csv"


def test_import_xlsx_joined(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "支出功能分类"
    ws["B2"] = "2025年支出功能分类科目"
    ws["B4"], ws["C4"] = "科 目 编 码", "科目名称："
    for i, (code, name) in enumerate([(20103, "政府办公厅(室)及相关机构事务"), (2010301.0, "行政运行"),
                                      ("2010350", "事业运行"), (None, "合计")], start=5):
        ws.cell(i, 2, code)
        ws.cell(i, 3, name)
    path = tmp_path / "cat.xlsx"
    wb.save(path)
    count, _ = codes.import_catalogue(path, 2025)
    assert count == 3
    e = codes.lookup("2010301", year=2025)
    assert e.confidence == "official" and e.name == "行政运行"
    assert codes.lookup("20101", year=2025) is None  # replaced by the official (complete) 款 list
    assert codes.lookup("208", year=2025).confidence == "high"  # 类 was not in the file: still bundled
    assert not codes.is_partial("func", "款", 2025) and not codes.is_partial("func", "项", 2025)
    assert codes.is_partial("func", "项", 2024)


def test_import_xlsx_split_columns_with_carry_down(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2026年政府收支分类科目"])
    ws.append(["科目编码", None, None, "科目名称"])  # merged over 类 | 款 | 项
    ws.merge_cells("A2:C2")
    ws.append(["类", "款", "项", None])
    ws.append([208, None, None, "社会保障和就业支出"])
    ws.append([None, 5, None, "行政事业单位养老支出"])  # 类 carried down
    ws.append([None, None, 1, "行政单位离退休"])  # 类 and 款 carried down
    ws.append([None, None, 5.0, "机关事业单位基本养老保险缴费支出"])
    ws.append(["208", "07", "04", "社会保险补贴"])
    ws.append([210, None, None, "卫生健康支出"])
    ws.append([None, 11, None, "行政事业单位医疗"])
    ws.append([None, None, 1, "行政单位医疗"])
    path = tmp_path / "split.xlsx"
    wb.save(path)
    count, _ = codes.import_catalogue(path, 2026)
    assert count == 8
    assert codes.lookup("2080505", year=2026).name == "机关事业单位基本养老保险缴费支出"
    assert codes.lookup("2080704", year=2026).name == "社会保险补贴"
    assert codes.lookup("2101101", year=2026).confidence == "official"
    assert [p.code for p in codes.parents("2101101", 2026)] == ["210", "21011"]


def test_import_split_columns_csv(tmp_path):
    src = _write_csv(tmp_path / "s.csv", [["类", "款", "项", "科目名称"], ["201", "", "", "一般公共服务支出"],
                                          ["", "03", "", "政府办公厅（室）及相关机构事务"], ["", "", "01", "行政运行"]])
    assert codes.import_catalogue(src, 2026)[0] == 3
    assert codes.lookup("2010301", year=2026).confidence == "official"


@pytest.mark.parametrize("rows, fragment", [
    ([["科目编码", "科目名称"]] + [["201", "一般公共服务支出"]] * 1 + [["20101", "人大事务"]] * 9 + [["20a", "坏"]],
     "第 12 行：科目编码“20a”不是数字。"),
    ([["科目编码", "科目名称"], ["2010", "四位"]], "第 2 行：科目编码“2010”位数不对"),
    ([["科目编码", "科目名称"], ["3010101", "七位经济"]], "第 2 行：科目编码“3010101”位数不对"),
    ([["科目编码", "科目名称"], ["401", "四开头"]], "第 2 行：科目编码“401”不是支出功能分类"),
    ([["科目编码", "科目名称"], ["201", ""]], "第 2 行：科目编码“201”缺少科目名称。"),
    ([["科目编码", "科目名称"], ["201", "甲"], ["201", "乙"]], "第 3 行：科目编码“201”重复出现"),
    ([["编号", "说明"], ["201", "甲"]], "前 10 行中找不到“科目编码”和“科目名称”列"),
    ([["科目编码", "科目名称"], ["合计", ""]], "没有支出功能分类或支出经济分类科目"),
    ([["类", "款", "项", "科目名称"], ["", "03", "", "无类"]], "第 2 行：有款或项编码，但上方没有对应的类或款编码"),
])
def test_malformed_catalogue_messages(tmp_path, rows, fragment):
    src = _write_csv(tmp_path / "X.csv", rows)
    with pytest.raises(BadDeclaration) as ei:
        codes.import_catalogue(src, 2026)
    msg = str(ei.value)
    assert msg.startswith("目录文件 X.csv") and fragment in msg, msg
    assert not (tmp_path / "xlhome" / "catalogues" / "2026.csv").exists()


def test_duplicate_with_same_name_is_accepted(tmp_path):
    src = _write_csv(tmp_path / "d.csv", [["科目编码", "科目名称"], ["201", "一般公共服务支出"], ["201", "一般公共服务支出"]])
    assert codes.import_catalogue(src, 2026)[0] == 1


def test_xlsx_error_names_the_sheet_when_there_are_several(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active["A1"] = "说明页"
    ws = wb.create_sheet("功能分类")
    ws.append(["科目编码", "科目名称"])
    ws.append([201, "一般公共服务支出"])
    ws.append(["2O1O3", "字母O"])
    path = tmp_path / "Y.xlsx"
    wb.save(path)
    with pytest.raises(BadDeclaration) as ei:
        codes.import_catalogue(path, 2026)
    assert "目录文件 Y.xlsx 工作表“功能分类” 第 3 行：科目编码“2O1O3”不是数字。" in str(ei.value)


def test_import_missing_unsupported_corrupt_and_bad_year(tmp_path):
    with pytest.raises(InputNotFound):
        codes.import_catalogue(tmp_path / "none.xlsx", 2026)
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.4")
    with pytest.raises(BadDeclaration, match="格式不支持"):
        codes.import_catalogue(tmp_path / "a.pdf", 2026)
    (tmp_path / "b.xlsx").write_bytes(b"not a zip at all")
    with pytest.raises(BadDeclaration, match="无法读取"):
        codes.import_catalogue(tmp_path / "b.xlsx", 2026)
    with pytest.raises(BadDeclaration, match="不是文件"):
        codes.import_catalogue(tmp_path, 2026)
    ok = _write_csv(tmp_path / "ok.csv", [["科目编码", "科目名称"], ["201", "一般公共服务支出"]])
    for bad in ("明年", 12, True):
        with pytest.raises(BadDeclaration, match="不是有效的年份"):
            codes.import_catalogue(ok, bad)


def test_broken_user_catalogue_is_reported(_home):
    folder = _home / "catalogues"
    folder.mkdir(parents=True)
    (folder / "2026.csv").write_text("code,name,level,parent,kind,year,source,confidence\nabc,x,,,func,2026,,\n",
                                     encoding="utf-8")
    codes.reload_catalogue()
    with pytest.raises(BadDeclaration, match="2026.csv 第 2 行"):
        codes.lookup("201")


def test_xltools_home_change_is_picked_up(tmp_path, monkeypatch):
    src = _write_csv(tmp_path / "c.csv", [["科目编码", "科目名称"], ["2040101", "内卫"]])
    codes.import_catalogue(src, 2026)
    assert codes.lookup("2040101", 2026) is not None
    monkeypatch.setenv("XLTOOLS_HOME", str(tmp_path / "other"))
    assert codes.lookup("2040101", 2026) is None


def test_user_catalogue_dir_default(monkeypatch, tmp_path):
    monkeypatch.delenv("XLTOOLS_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert codes.user_catalogue_dir() == tmp_path / ".xltools" / "catalogues"


def test_every_public_name_of_the_codes_package_resolves():
    import xltools.codes as codes

    for name in codes.__all__:
        assert getattr(codes, name) is not None, name
    assert set(codes.__all__) == set(codes._MODULE_OF)
