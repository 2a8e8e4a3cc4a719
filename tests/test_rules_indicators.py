"""I family (绩效指标): every finding on the four seeds, listed in full, and each rule on a tiny workbook.

The seeds' tables are checked exactly — the complete set of (code, severity, sheet, cell) — so a new rule that
fires where a careful reviewer would not, or an old one that stops firing, shows up here.
"""
from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xltools.indicators.rows import (
    attribute_kind, canonical_level1, canonical_level2, indicator_sets, name_key, records,
)
from xltools.model import Indicator, IndicatorTable
from xltools.pipeline import check_file

D = Decimal
TARGETS = "项目绩效目标表"
PERF = "部门整体绩效目标表"


def ifindings(path: Path) -> list:
    _, report = check_file(path)
    return [f for f in report if f.code.startswith("I")]


def keys(fs) -> set:
    return {(f.code, f.severity, f.sheet, f.cell) for f in fs}


def rows_of(path: Path, text: str) -> list[tuple[str, int]]:
    """(sheet, row) of every cell containing `text` — the way the acceptance checks find a row."""
    wb = openpyxl.load_workbook(path, read_only=True)
    hits = [(ws.title, c.row) for ws in wb.worksheets for r in ws.iter_rows() for c in r
            if isinstance(c.value, str) and text in c.value]
    wb.close()
    return hits


def on_rows(fs, places) -> list:
    out = []
    for f in fs:
        m = re.match(r"\$?[A-Z]+\$?(\d+)", f.cell)
        if m and (f.sheet, int(m.group(1))) in places:
            out.append(f)
    return out


# ------------------------------------------------------------------------------------------------- seeds

def test_seed000_findings(project_books):
    fs = ifindings(project_books["000"])
    assert keys(fs) == {
        ("I005", "warning", TARGETS, "A6"),    # 产出指标 without 时效指标
        ("I014", "warning", TARGETS, "G12"),   # 定性 政务服务优化提升 ≥ 90 %
        ("I015", "error", TARGETS, "D15"),     # 档案加工整理 > 100 %
        ("I014", "warning", TARGETS, "G16"),   # 定性 按照厉行节约严格控制成本 = 100 %
        ("I014", "warning", TARGETS, "G17"),   # 定性 营造…政务服务中心 ≥ 100 %
        ("I016", "warning", TARGETS, "D17"),   # … and ≥ 100 % means = 100 %
        ("I014", "warning", TARGETS, "G18"),   # 定性 来访办事群众满意度 = 90 %
        ("I017", "warning", TARGETS, "D18"),   # … and a satisfaction target written with =
    }
    by_code = {f.code: f for f in fs}
    assert "时效指标" in by_code["I005"].message
    assert "档案加工整理" in by_code["I015"].message and "大于 100%" in by_code["I015"].message
    assert by_code["I017"].message == "满意度目标“=90%”应写作“≥”（不低于），而不是“=”。"


def test_seed000_findings_sit_on_the_rows_holding_the_text(project_books):
    book = project_books["000"]
    fs = ifindings(book)
    archive = on_rows(fs, rows_of(book, "档案加工整理"))
    assert any(f.severity == "error" and f.code == "I015" for f in archive)
    satisfaction = on_rows(fs, rows_of(book, "来访办事群众满意度"))
    assert any(f.severity == "warning" and f.code == "I017" for f in satisfaction)


def test_seed002_has_no_indicator_error(project_books):
    fs = ifindings(project_books["002"])
    assert not [f for f in fs if f.severity == "error"]
    # the three 定性 rows with numeric targets; 成本指标 = 100 % (定性) is not money, so no total is compared
    assert keys(fs) == {("I014", "warning", TARGETS, c) for c in ("G12", "G14", "G16")}


def test_seed003_findings(project_books):
    book = project_books["003"]
    fs = ifindings(book)
    assert keys(fs) == {
        ("I004", "error", TARGETS, "A6"),      # 2026: 成本指标 missing
        ("I005", "warning", TARGETS, "A6"),    # 质量指标 missing
        ("I012", "warning", TARGETS, "E7"),    # 19万件
        ("I012", "warning", TARGETS, "E8"),    # 15万张
        ("I014", "warning", TARGETS, "G11"),
        ("I014", "warning", TARGETS, "G13"),
    } | {("I005", "warning", TARGETS, "A6")}
    assert len([f for f in fs if f.code == "I005"]) == 2
    missing = [f for f in fs if f.code == "I004"]
    assert len(missing) == 1 and "成本指标" in missing[0].message and "2026" in missing[0].message
    assert {f.expected for f in fs if f.code == "I005"} == {"质量指标", "时效指标"}
    [count] = on_rows(fs, rows_of(book, "政务服务大厅办件量"))
    assert count.message == "指标值“19万件”已按 190000 件 读取，建议指标值只填数字、单位填在度量单位列。"
    [paper] = on_rows(fs, rows_of(book, "政务服务大厅免费打印复印量"))
    assert "150000 张" in paper.message


def test_seed001_findings(dept_book):
    fs = ifindings(dept_book)
    p1, p2, p4 = "项目1-区行政服务中心日常运行经费", "项目2-行政服务中心工作人员培训服务经费", "项目4"
    assert keys(fs) == {
        ("I019", "error", PERF, "D14"),        # 优化政务服务环境: \(\) is reported, not guessed
        ("I022", "warning", p1, "D27"), ("I022", "warning", p1, "D31"),
        ("I022", "warning", p2, "D14"), ("I022", "warning", p2, "D17"),
        ("I022", "warning", p4, "D23"), ("I022", "warning", p4, "D27"),
    }
    [symbol] = [f for f in fs if f.code == "I019"]
    assert "优化政务服务环境" in symbol.message and "\\(\\)" in symbol.message
    compound = next(f for f in fs if f.cell == "D27" and f.sheet == p1)
    assert "满意度≧90%、办结率≧95%" in compound.message and "拆分为 2 个" in compound.message


def test_seed001_weights_and_costs_pass(dept_book):
    """权重 5+5+10+10+10+10+10+15+15+10 = 100; costs 165.5 / 9 (in a compound) / 36 / 1227 equal the funds."""
    fs = ifindings(dept_book)
    assert not [f for f in fs if f.code in ("I030", "I031", "I042", "I043")]
    from xltools.parse import read_book

    book, _ = read_book(dept_book)
    sets = {s.sheet: s for s in indicator_sets(book)}
    assert sets[PERF].layout == "weighted" and sets[PERF].funds is None
    assert {k: (v.funds, v.funds_unit) for k, v in sets.items() if k != PERF} == {
        "项目1-区行政服务中心日常运行经费": (D("165.5"), "万元"), "项目2-行政服务中心工作人员培训服务经费": (D("9"), "万元"),
        "项目3-政务服务工作站建设经费": (D("36"), "万元"), "项目4": (D("1227"), "万元")}


# ------------------------------------------------------------------------------------------ tiny books

def ind(level1, level2, name, value="90", op=">=", unit="%", attribute="定量指标", scoring="按完成比例计分"):
    return {"level1": level1, "level2": level2, "name": name, "op": op, "value": value, "unit": unit,
            "attribute": attribute, "scoring": scoring, "content": "", "source": ""}


def complete(year: int = 2026) -> list[dict]:
    """A complete, correct indicator table for the framework of `year` (funds 42 万元)."""
    rows = [
        ind("产出指标", "数量指标", "培训人次", "200", unit="人次"),
        ind("产出指标", "质量指标", "培训合格率", "95"),
        ind("产出指标", "时效指标", "按期完成率", "100", op="="),
    ]
    if year >= 2022:
        rows.append(ind("成本指标", "经济成本指标", "培训费", "42", op="<=", unit="万元"))
    else:
        rows.append(ind("产出指标", "成本指标", "培训费", "42", op="<=", unit="万元"))
    rows += [
        ind("效益指标", "社会效益指标", "服务效率", "好", op="定性", unit="", attribute="定性指标"),
        ind("满意度指标", "服务对象满意度指标", "参训人员满意度", "90"),
    ]
    return rows


def project(rows: list[dict], year: int = 2026, funds: str = "42", unit: str = "万元") -> dict:
    return {"family": "project_perf", "year": year, "unit": unit,
            "forms": {"application": {"project_name": "测试项目", "year": year, "funds": funds, "unit": unit},
                      "targets": {}},
            "tables": {}, "indicators": {"targets": rows}}


def check(make_book, rows, **kw) -> list:
    return ifindings(make_book(project(rows, **kw)))


def codes(fs) -> list[str]:
    return sorted(f.code for f in fs)


@pytest.mark.parametrize("year", [2021, 2026])
def test_complete_table_has_no_finding(make_book, year):
    assert check(make_book, complete(year), year=year) == []


# the table starts at row 7 of 项目绩效目标表 (header row 6)
def cell_of(fs, code):
    return [f.cell for f in fs if f.code == code]


# ---------------------------------------------------------------------------------------------- framework

def test_a_101_year_table_following_the_older_framework_is_one_warning(make_book):
    """湘潭 2023 / 鄂州 2022: 成本指标 under 产出指标 throughout, as many provinces' templates still have it —
    checked against the older framework, one I008 on the first such row (no I002, no I004 "成本指标 missing")."""
    rows = complete(2026)
    rows[3] = ind("产出指标", "成本指标", "培训费", "42", op="<=", unit="万元")
    fs = check(make_book, rows)
    assert keys(fs) == {("I008", "warning", TARGETS, "B10")}
    assert fs[0].expected == "财预〔2021〕101号指标体系" and fs[0].actual == "原指标体系"
    assert fs[0].message.startswith("本表按原指标体系填写（“成本指标”填在“产出指标”下），与本模板2026年度适用的财预〔2021〕101号指标体系不同")
    assert "经济成本指标" in fs[0].message and "移到一级指标“成本指标”下" in fs[0].message


def test_a_table_following_another_framework_must_meet_its_requirements(make_book):
    rows = [r for r in complete(2026) if r["level1"] != "满意度指标"]
    rows[3] = ind("产出指标", "成本指标", "培训费", "42", op="<=", unit="万元")
    fs = check(make_book, rows)
    assert keys(fs) == {("I008", "warning", TARGETS, "B10"), ("I004", "error", TARGETS, "A6")}
    missing = next(f for f in fs if f.code == "I004")
    assert missing.message.startswith("缺少一级指标“满意度指标”：本表所按的原指标体系要求")


def test_a_101_year_table_without_any_cost_is_judged_by_101(make_book):
    """No row shows another framework (seed 003): the applicable one decides, 成本指标 is missing."""
    rows = [r for r in complete(2026) if r["level1"] != "成本指标"]
    fs = check(make_book, rows)
    assert keys(fs) == {("I004", "error", TARGETS, "A6")}
    assert "2026年度适用的财预〔2021〕101号指标体系" in fs[0].message


def test_a_table_mixing_the_frameworks_is_an_error(make_book):
    rows = complete(2026) + [ind("产出指标", "成本指标", "场地费", "0", op="=", unit="万元")]
    fs = check(make_book, rows)
    assert keys(fs) == {("I002", "error", TARGETS, "B13")}
    assert "“成本指标”是一级指标" in fs[0].message and "本表第10行已按该体系填写" in fs[0].message


def test_cost_under_output_is_right_before_101(make_book):
    assert check(make_book, complete(2021), year=2021) == []


def test_a_table_before_101_following_101_is_one_warning(make_book):
    rows = complete(2021)
    rows[3] = ind("成本指标", "经济成本指标", "培训费", "42", op="<=", unit="万元")
    fs = check(make_book, rows, year=2021)
    assert keys(fs) == {("I008", "warning", TARGETS, "A10")}
    assert "（“成本指标”作为一级指标）" in fs[0].message and "“产出指标”下的二级指标" in fs[0].message


def test_a_table_before_101_mixing_the_frameworks_is_an_error(make_book):
    rows = complete(2021) + [ind("成本指标", "经济成本指标", "场地费", "0", op="=", unit="万元")]
    fs = check(make_book, rows, year=2021)
    assert keys(fs) == {("I001", "error", TARGETS, "A13")}
    assert "2021年度适用的原指标体系" in fs[0].message and "本表第10行已按该体系填写" in fs[0].message


def test_level2_named_as_its_level1_is_a_warning(make_book):
    rows = complete(2026)
    rows[3] = ind("成本指标", "成本指标", "培训费", "42", op="<=", unit="万元")
    fs = check(make_book, rows)
    assert keys(fs) == {("I002", "warning", TARGETS, "B10")}
    assert "与一级指标同名" in fs[0].message and "经济成本指标" in fs[0].message


@pytest.fixture
def bureau_frameworks(tmp_path, monkeypatch):
    """A bureau's folder (XLTOOLS_FAMILIES) whose frameworks.toml sets the framework of a family by year."""
    def write(text: str) -> None:
        (tmp_path / "frameworks.toml").write_text(text, encoding="utf-8")
        monkeypatch.setenv("XLTOOLS_FAMILIES", str(tmp_path))
    return write


OLDER_UNTIL_2024 = """
[[framework_by_family]]
family = "project_perf"
from = 2022
framework = "2019"
[[framework_by_family]]
family = "project_perf"
from = 2024
framework = "2021_101"
"""


def test_a_family_may_keep_the_older_framework(make_book, bureau_frameworks):
    from xltools.indicators.frameworks import applicable

    bureau_frameworks(OLDER_UNTIL_2024)
    assert [applicable("project_perf", y).key for y in (2021, 2023, 2024)] == ["2019", "2019", "2021_101"]
    assert applicable("dept_budget", 2023).key == "2021_101"       # other families: the year decides
    old = complete(2023)
    old[3] = ind("产出指标", "成本指标", "培训费", "42", op="<=", unit="万元")
    assert check(make_book, old, year=2023) == []
    assert check(make_book, [r for r in complete(2023) if r["level1"] != "成本指标"], year=2023) == []
    fs = check(make_book, complete(2024), year=2023)     # a 101号 table where the family keeps the older one
    assert keys(fs) == {("I008", "warning", TARGETS, "A10")}
    assert "与本模板2023年度适用的原指标体系不同" in fs[0].message


def test_a_family_setting_naming_no_framework_is_a_bad_declaration(bureau_frameworks):
    from xltools.errors import BadDeclaration
    from xltools.indicators.frameworks import applicable

    bureau_frameworks('[[framework_by_family]]\nfamily = "project_perf"\nfrom = 2022\nframework = "2030"\n')
    with pytest.raises(BadDeclaration, match="2030"):
        applicable("project_perf", 2023)


@pytest.mark.parametrize("level1, level2", [
    ("满意度指标", "服务对象满意度"), ("满意度", "服务对象满意度指标"), ("满意度指标", "社会公众或服务对象满意度指标"),
])
def test_level_name_variants_are_accepted(make_book, level1, level2):
    rows = complete()
    rows[5] = ind(level1, level2, "参训人员满意度", "90")
    assert check(make_book, rows) == []


@pytest.mark.parametrize("level2", ["生态效益指标", "生态效益", "生态环境效益指标", "可持续影响指标", "经济效益指标"])
def test_benefit_variants_are_accepted(make_book, level2):
    rows = complete()
    rows[4] = ind("效益指标", level2, "服务效率", "好", op="定性", unit="", attribute="定性指标")
    assert check(make_book, rows) == []


def test_level2_under_the_wrong_level1(make_book):
    rows = complete()
    rows.append(ind("产出指标", "社会效益指标", "带动就业", "10", unit="人"))
    fs = check(make_book, rows)
    assert keys(fs) == {("I002", "error", TARGETS, "B13")}
    assert "效益指标" in fs[0].message


def test_unknown_level2_is_a_warning(make_book):
    rows = complete()
    rows.append(ind("产出指标", "服务指标", "服务人次", "10", unit="人次"))
    fs = check(make_book, rows)
    assert keys(fs) == {("I002", "warning", TARGETS, "B13")}


def test_level2_name_as_level1_is_an_error(make_book):
    rows = complete()
    rows.append(ind("社会效益指标", "社会效益指标", "带动就业", "10", unit="人"))
    fs = check(make_book, rows)
    assert ("I001", "error", TARGETS, "A13") in keys(fs)
    assert "效益指标" in next(f.message for f in fs if f.code == "I001")


def test_level2_name_standing_in_for_its_level1_is_one_error(make_book):
    rows = [r if r["level1"] != "效益指标" else dict(r, level1="社会效益指标") for r in complete()]
    fs = check(make_book, rows)
    assert keys(fs) == {("I001", "error", TARGETS, "A11")}    # not also I004 "效益指标 missing"


def test_a_bad_level_is_reported_once_per_table(make_book):
    rows = complete()
    rows += [ind("产出指标", "服务指标", f"服务{i}", "10", unit="人次") for i in range(3)]
    assert codes(check(make_book, rows)) == ["I002"]


def test_satisfaction_under_benefit_is_a_warning(make_book):
    rows = complete()
    rows.append(ind("效益指标", "社会效益指标", "群众满意度", "90"))
    fs = check(make_book, rows)
    assert keys(fs) == {("I003", "warning", TARGETS, "C13")}


def test_missing_level2_cell(make_book):
    """Parsing carries 二级 down; a 三级 with no 二级 at all above it is reported."""
    rows = complete()
    rows.insert(0, ind("产出指标", "", "培训场次", "12", unit="场次"))
    fs = check(make_book, rows)
    assert keys(fs) == {("I007", "warning", TARGETS, "B7")}


# ----------------------------------------------------------------------------------------------- coverage

@pytest.mark.parametrize("level1", ["产出指标", "效益指标", "满意度指标", "成本指标"])
def test_missing_level1_is_an_error_naming_it(make_book, level1):
    rows = [r for r in complete() if r["level1"] != level1]
    fs = check(make_book, rows)
    missing = [f for f in fs if f.code == "I004"]
    assert [(f.severity, f.cell) for f in missing] == [("error", "A6")]
    assert level1 in missing[0].message


def test_cost_is_not_required_before_101(make_book):
    rows = [r for r in complete(2021) if r["level2"] != "成本指标"]
    assert check(make_book, rows, year=2021) == []


@pytest.mark.parametrize("level2", ["数量指标", "质量指标", "时效指标"])
def test_missing_output_level2_is_a_warning(make_book, level2):
    rows = [r for r in complete() if r["level2"] != level2]
    fs = check(make_book, rows)
    assert keys(fs) == {("I005", "warning", TARGETS, "A6")}
    assert level2 in fs[0].message


def test_empty_table(make_book):
    fs = check(make_book, [])
    assert keys(fs) == {("I006", "error", TARGETS, "C6")}


# ------------------------------------------------------------------------------------------------- values

def with_row(extra: dict, year: int = 2026) -> list[dict]:
    return complete(year) + [extra]      # the extra row is row 13


def test_quantitative_text_value(make_book):
    fs = check(make_book, with_row(ind("产出指标", "质量指标", "设备运行情况", "良好", op="=", unit="")))
    assert keys(fs) == {("I010", "error", TARGETS, "E13")}


def test_empty_value(make_book):
    fs = check(make_book, with_row(ind("产出指标", "质量指标", "设备完好率", "", unit="")))
    assert keys(fs) == {("I009", "error", TARGETS, "E13")}


def test_quantitative_without_unit(make_book):
    fs = check(make_book, with_row(ind("产出指标", "数量指标", "维护次数", "12", unit="")))
    assert keys(fs) == {("I011", "warning", TARGETS, "F13")}


def test_value_with_multiplier_is_read_and_reported(make_book):
    fs = check(make_book, with_row(ind("产出指标", "数量指标", "办件量", "19万件", unit="件")))
    assert keys(fs) == {("I012", "warning", TARGETS, "E13")}
    assert "190000 件" in fs[0].message and fs[0].expected == "190000 件"


def test_value_repeating_the_unit_is_only_a_hint(make_book):
    fs = check(make_book, with_row(ind("产出指标", "数量指标", "安保人员", "28人", unit="人")))
    assert keys(fs) == {("I012", "info", TARGETS, "E13")}
    assert "28 人" in fs[0].message


def test_value_unit_against_unit_column(make_book):
    fs = check(make_book, with_row(ind("产出指标", "数量指标", "打印量", "15万张", unit="件")))
    assert keys(fs) == {("I013", "warning", TARGETS, "E13")}
    assert "“张”" in fs[0].message and "“件”" in fs[0].message


def test_qualitative_with_numeric_target(make_book):
    fs = check(make_book, with_row(ind("产出指标", "质量指标", "服务质量", "90", attribute="定性指标")))
    assert keys(fs) == {("I014", "warning", TARGETS, "G13")}
    assert "90%" in fs[0].message


@pytest.mark.parametrize("op, value, code, severity, cell", [
    (">", "100", "I015", "error", "D13"),
    ("=", "120", "I015", "error", "E13"),
    ("=", "-5", "I015", "error", "E13"),
    ("<", "0", "I015", "error", "D13"),
    (">=", "100", "I016", "warning", "D13"),
])
def test_percent_targets(make_book, op, value, code, severity, cell):
    fs = check(make_book, with_row(ind("产出指标", "质量指标", "档案整理合格率", value, op=op)))
    assert keys(fs) == {(code, severity, TARGETS, cell)}


@pytest.mark.parametrize("op, value", [("=", "100"), ("<=", "100"), (">=", "0"), ("<=", "0"), ("=", "0")])
def test_percent_targets_that_are_fine(make_book, op, value):
    assert check(make_book, with_row(ind("产出指标", "质量指标", "档案整理合格率", value, op=op))) == []


def test_growth_rate_may_exceed_100(make_book):
    assert check(make_book, with_row(ind("效益指标", "经济效益指标", "营业收入同比增长", "120"))) == []


@pytest.mark.parametrize("op", ["=", "<="])
def test_satisfaction_not_at_least(make_book, op):
    rows = complete()
    rows[5] = ind("满意度指标", "服务对象满意度指标", "参训人员满意度", "90", op=op)
    fs = check(make_book, rows)
    assert keys(fs) == {("I017", "warning", TARGETS, "D12")}


def test_satisfaction_below_80(make_book):
    rows = complete()
    rows[5] = ind("满意度指标", "服务对象满意度指标", "参训人员满意度", "70")
    fs = check(make_book, rows)
    assert keys(fs) == {("I018", "warning", TARGETS, "E12")}


def test_unreadable_comparison_is_reported_not_guessed(make_book):
    fs = check(make_book, with_row(ind("产出指标", "质量指标", "合格率", "120", op="\\(\\)")))
    # no percent finding either: without a readable comparison nothing is guessed — but 120 % is out of range
    assert ("I019", "error", TARGETS, "D13") in keys(fs)
    assert "\\(\\)" in next(f.message for f in fs if f.code == "I019")


def test_comparison_in_value_against_column(make_book):
    fs = check(make_book, with_row(ind("产出指标", "质量指标", "投诉率", "≤5", op=">=")))
    assert keys(fs) == {("I020", "warning", TARGETS, "E13")}


def test_quantitative_without_comparison(make_book):
    fs = check(make_book, with_row(ind("产出指标", "数量指标", "邮寄量", "220", op="", unit="件")))
    assert keys(fs) == {("I021", "warning", TARGETS, "D13")}


def test_messages_show_the_value_as_typed(make_book):
    """湘潭 2023: "250万" typed with no 指标性质 and no unit was shown as 目标“2500000”."""
    fs = check(make_book, with_row(ind("产出指标", "数量指标", "清运量", "250万", op="", unit="")))
    assert keys(fs) == {("I021", "warning", TARGETS, "D13"), ("I011", "warning", TARGETS, "F13")}
    assert all("2500000" not in f.message for f in fs)
    assert "目标“250万”的方向不明" in next(f.message for f in fs if f.code == "I021")
    fs = check(make_book, with_row(ind("产出指标", "数量指标", "邮寄量", "220", op="", unit="件")))
    assert "目标“220 件”" in fs[0].message
    fs = check(make_book, with_row(ind("产出指标", "数量指标", "办件量", "19万件、≥95%", op="", unit="")))
    compound = next(f for f in fs if f.code == "I022")
    assert "（19万件；≥95%）" in compound.message and "190000" not in compound.message


def test_comparison_inside_the_value_is_enough(make_book):
    assert check(make_book, with_row(ind("产出指标", "数量指标", "邮寄量", "≥220", op="", unit="件"))) == []


def test_compound_value_is_one_warning_and_its_parts_are_checked(make_book):
    fs = check(make_book, with_row(ind("产出指标", "质量指标", "服务质量", "满意度=90%、办结率≧95%", op="", unit="")))
    assert keys(fs) == {("I022", "warning", TARGETS, "E13"), ("I017", "warning", TARGETS, "E13")}
    assert "拆分为 2 个" in next(f.message for f in fs if f.code == "I022")


# --------------------------------------------------------------------------------------------------- cost

def with_costs(*costs: tuple[str, str], year: int = 2026) -> list[dict]:
    rows = [r for r in complete(year) if "成本" not in r["level1"] + r["level2"]]
    level = ("成本指标", "经济成本指标") if year >= 2022 else ("产出指标", "成本指标")
    return rows + [ind(*level, f"成本{i}", v, op="<=", unit=u) for i, (v, u) in enumerate(costs)]


def test_cost_in_yuan_against_funds_in_wan(make_book):
    assert check(make_book, with_costs(("420000", "元"))) == []


def test_funds_in_yuan(make_book):
    assert check(make_book, with_costs(("42", "万元")), funds="420000", unit="元") == []


def test_cost_with_the_wrong_unit_is_an_error_suggesting_the_unit(make_book):
    fs = check(make_book, with_costs(("650000", "万元")), funds="65")
    assert keys(fs) == {("I030", "error", TARGETS, "E12")}
    assert fs[0].expected == D("65") and "“元”" in fs[0].message and "与资金总额一致" in fs[0].message


def test_costs_adding_up(make_book):
    assert check(make_book, with_costs(("30", "万元"), ("12", "万元"))) == []


def test_costs_short_of_the_funds_is_a_warning(make_book):
    fs = check(make_book, with_costs(("30", "万元"), ("10", "万元")))
    assert keys(fs) == {("I031", "warning", TARGETS, "E12")}
    assert fs[0].actual == D("40") and fs[0].expected == D("42") and "相差 2 万元" in fs[0].message


def test_costs_over_the_funds_is_an_error(make_book):
    fs = check(make_book, with_costs(("30", "万元"), ("20", "万元")))
    assert keys(fs) == {("I031", "error", TARGETS, "E12")}


def test_costs_within_rounding_is_a_warning(make_book):
    fs = check(make_book, with_costs(("30", "万元"), ("11.99", "万元")))
    assert keys(fs) == {("I031", "warning", TARGETS, "E12")}
    assert "尾差" in fs[0].message


def test_costs_in_yuan_that_should_be_wan(make_book):
    fs = check(make_book, with_costs(("30", "元"), ("12", "元")))
    assert keys(fs) == {("I031", "error", TARGETS, "E12")}
    assert "“万元”" in fs[0].message


def test_non_money_cost_leaves_the_total_alone(make_book):
    rows = with_costs(("30", "万元"))
    rows.append(ind("成本指标", "经济成本指标", "成本控制率", "100", op="<="))
    assert check(make_book, rows) == []


def test_social_cost_is_no_project_money(make_book):
    rows = with_costs(("42", "万元"))
    rows.append(ind("成本指标", "社会成本指标", "对周边交通的影响", "100", op="<=", unit="万元"))
    assert check(make_book, rows) == []


def test_cost_typed_with_wan_beside_its_money_unit(make_book):
    """"42万" with 度量单位 万元 is 42 万元 (reported as a value carrying 万), not 420000 万元 over the funds."""
    fs = check(make_book, with_costs(("42万", "万元")))
    assert keys(fs) == {("I012", "warning", TARGETS, "E12")}
    assert "已按 42 万元 读取" in fs[0].message


def test_cost_messages_show_the_amounts_as_typed(make_book):
    fs = check(make_book, with_costs(("30万", "元"), ("20万", "元")))
    total = next(f for f in fs if f.code == "I031")
    assert total.message.startswith("成本指标合计为 50 万元（30万 元 + 20万 元），与项目资金总额 42 万元 不一致")
    fs = check(make_book, with_costs(("650万", "元")), funds="65")
    over = next(f for f in fs if f.code == "I030")
    assert over.message == "成本指标“成本0”为 650万 元，超过项目资金总额 65 万元。"


def test_cost_without_a_unit_says_it_cannot_be_compared(make_book):
    fs = check(make_book, with_costs(("42万", "")))
    assert keys(fs) == {("I011", "warning", TARGETS, "F12")}
    assert "指标值为 42万，但未填写度量单位；成本指标的金额请写明单位" in fs[0].message


def test_older_framework_cost(make_book):
    assert check(make_book, with_costs(("420000", "元"), year=2021), year=2021) == []
    fs = check(make_book, with_costs(("650000", "万元"), year=2021), year=2021, funds="65")
    assert codes(fs) == ["I030"]


# ------------------------------------------------------------------------------------------------ hygiene

def test_duplicate_level3_names(make_book):
    rows = with_row(ind("产出指标", "质量指标", "培训 合格率。", "95"))
    fs = check(make_book, rows)
    assert keys(fs) == {("I040", "warning", TARGETS, "C13")}
    assert "第 8 行" in fs[0].message


def test_missing_scoring(make_book):
    fs = check(make_book, with_row(ind("产出指标", "质量指标", "验收合格率", "95", scoring="")))
    assert keys(fs) == {("I041", "warning", TARGETS, "H13")}
    assert fs[0].message == "三级指标“验收合格率”未填写评（扣）分标准。"


def test_scoring_column_left_empty_throughout_is_one_finding(make_book):
    """A table typed from a form without the column (湘潭, 鄂州): one finding on the header, not one a row."""
    fs = check(make_book, [dict(r, scoring="") for r in complete()])
    assert keys(fs) == {("I041", "warning", TARGETS, "H6")}
    assert fs[0].message == "本表全部 6 项三级指标都未填写评（扣）分标准。"


# ------------------------------------------------------------------------ the dept family (seed 001 layouts)

def dept(perf: list[dict] | None = None, projects: list[dict] | None = None) -> dict:
    from xltools.demo import dept_data

    d = dept_data()
    if perf is not None:
        d["indicators"]["perf_overall"] = perf
    if projects is not None:
        d["projects"] = projects
    return d


def perf_rows(weights: list[str]) -> list[dict]:
    return [{"name": f"指标{i}", "weight": w, "unit": "%", "op": "≥", "value": "90"} for i, w in enumerate(weights)]


def dept_ifindings(make_book, d: dict, sheet_prefix: str = "") -> list:
    return [f for f in ifindings(make_book(d)) if f.sheet.startswith(sheet_prefix)]


@pytest.mark.parametrize("weights", [["50%", "50%"], ["0.5", "0.5"], ["60", "40"], ["５０％", "５０%"]])
def test_weights_adding_to_100(make_book, weights):
    assert dept_ifindings(make_book, dept(perf=perf_rows(weights)), PERF) == []


def test_weights_not_adding_to_100(make_book):
    fs = dept_ifindings(make_book, dept(perf=perf_rows(["50%", "40%"])), PERF)
    assert keys(fs) == {("I042", "error", PERF, "B7")}
    assert fs[0].message == "指标权重合计为 90%，应为 100%。"


def test_weight_that_is_no_number(make_book):
    fs = dept_ifindings(make_book, dept(perf=perf_rows(["50%", "较高"])), PERF)
    assert keys(fs) == {("I043", "error", PERF, "B9")}


def dept_project(indicators: list[dict], funds: str, name: str = "测试项目") -> dict:
    return {"sheet": f"项目1-{name}", "fields": {"name": name, "funds": funds, "nature": "常年"},
            "indicators": indicators}


def four(level1, level2, name, value):
    return {"level1": level1, "level2": level2, "name": name, "value": value}


def full_project(*costs: str) -> list[dict]:
    return [four("产出指标", "数量指标", "培训人数", "300 人"), four("产出指标", "质量指标", "合格率", "≥95%"),
            four("产出指标", "时效指标", "完成时间", "2021年12月完成")] + \
        [four("产出指标", "成本指标", f"成本{i}", c) for i, c in enumerate(costs)] + \
        [four("效益指标", "社会效益指标", "服务效率", "提升"),
         four("满意度指标", "服务对象满意度指标", "群众满意度", "满意度≧90%")]


def test_dept_project_costs(make_book):
    ok = dept(projects=[dept_project(full_project("65 万元", "35 万元"), "100")])
    assert dept_ifindings(make_book, ok, "项目") == []
    wrong = dept(projects=[dept_project(full_project("650000 万元"), "65")])
    fs = dept_ifindings(make_book, wrong, "项目")
    assert keys(fs) == {("I030", "error", "项目1-测试项目", "D14")}
    assert "“元”" in fs[0].message


def test_dept_project_compound_cost_with_one_amount(make_book):
    d = dept(projects=[dept_project(full_project("300 元/人, 12 场次, 9 万元"), "9")])
    assert codes(dept_ifindings(make_book, d, "项目")) == ["I022"]


def test_dept_project_satisfaction_in_the_value(make_book):
    rows = full_project("9 万元")
    rows[-1] = four("满意度指标", "服务对象满意度指标", "群众满意度", "满意度=90%")
    fs = dept_ifindings(make_book, dept(projects=[dept_project(rows, "9")]), "项目")
    assert keys(fs) == {("I017", "warning", "项目1-测试项目", "D16")}    # no 指标性质 column: the value cell


def test_dept_project_framework_2026(make_book):
    d = dept(projects=[dept_project(full_project("9 万元"), "9")])
    d["year"] = 2026
    d["forms"]["unit_info"]["year"] = 2026
    fs = dept_ifindings(make_book, d, "项目")
    assert keys(fs) == {("I008", "warning", "项目1-测试项目", "B14")}


# ---------------------------------------------------------------------------------------------- rows.py

@pytest.mark.parametrize("typed, level1", [
    ("产出", "产出指标"), ("产出指标", "产出指标"), (" 产出 指标 ", "产出指标"), ("一、产出指标", "产出指标"),
    ("满意度", "满意度指标"), ("空", ""), ("社会效益指标", "社会效益指标"),
])
def test_canonical_level1(typed, level1):
    assert canonical_level1(typed) == level1


@pytest.mark.parametrize("typed, level2", [
    ("服务对象满意度", "服务对象满意度指标"), ("生态效益", "生态效益指标"), ("生态环境效益指标", "生态效益指标"),
    ("时效", "时效指标"), ("（一）数量指标", "数量指标"), ("生态成本指标", "生态环境成本指标"), ("自定义", "自定义"),
])
def test_canonical_level2(typed, level2):
    assert canonical_level2(typed) == level2


def test_attribute_and_name_key():
    assert attribute_kind("定量指标") == "定量" and attribute_kind(" 定性 ") == "定性" and attribute_kind("") is None
    assert name_key("培训 合格率。") == name_key("培训合格率") == "培训合格率"


def _table(rows, columns):
    return IndicatorTable("t", "S", tuple(rows), 6, True, {k: chr(65 + i) for i, k in enumerate(columns)})


def test_records_of_the_ten_column_layout():
    cols = ["level1", "level2", "name", "op", "value", "unit", "attribute"]
    ind_ = Indicator(row=7, level1="产出", level2="数量", name="办件量", op="≧", value="19万件", unit="件",
                     attribute="定量指标", cells={k: f"{chr(65 + i)}7" for i, k in enumerate(cols)})
    [r] = records(_table([ind_], cols))
    assert (r.level1, r.level2, r.op, r.op_source, r.op_cell) == ("产出指标", "数量指标", ">=", "column", "D7")
    assert (r.value.number, r.value.unit, r.value_text_unit, r.value_multiplier) == (D(190000), "件", "件", True)
    assert r.quantitative and r.attribute == "定量" and r.cell("scoring") == "E7"


def test_records_of_the_four_column_layout():
    cols = ["level1", "level2", "name", "value"]
    ind_ = Indicator(row=11, level1="产出指标", level2="质量指标", name="上网率", value="≥80%",
                     cells={k: f"{chr(65 + i)}11" for i, k in enumerate(cols)})
    [r] = records(_table([ind_], cols))
    assert r.comparison is None and (r.op, r.op_source, r.op_cell) == (">=", "value", "D11")
    assert r.value.kind == "percent" and r.quantitative and not r.has("unit")


def test_records_with_unreadable_comparison():
    cols = ["name", "weight", "unit", "op", "value"]
    ind_ = Indicator(row=14, name="优化政务服务环境", weight="10%", unit="百分率", op="\\(\\)", value="90",
                     cells={k: f"{chr(65 + i)}14" for i, k in enumerate(cols)})
    [r] = records(_table([ind_], cols), "weighted")
    assert r.comparison is not None and not r.comparison.readable and r.op is None
    assert r.value.kind == "percent" and r.layout == "weighted"


# -------------------------------------------------------------------------------------------- catalogue

CATALOGUE = Path(__file__).resolve().parent.parent / "xltools" / "rules" / "catalogue_I.toml"


def test_every_I_rule_is_documented_and_tested():
    data = tomllib.loads(CATALOGUE.read_text(encoding="utf-8"))
    source = Path(__file__).read_text(encoding="utf-8")
    for code, spec in data.items():
        assert code.startswith("I") and spec["severity"] in ("error", "warning", "info")
        for key in ("title", "what", "why", "example", "message"):
            assert spec[key].strip(), (code, key)
        assert f'"{code}"' in source, f"{code} has no test"


# ------------------------------------------------------------------------------------------- robustness

_TEXT = st.one_of(
    st.sampled_from(["", "空", "产出指标", "成本指标", "成本", "效益", "满意度", "数量指标", "经济成本指标", "≥", "＞＝",
                     "\\(\\)", "定性", "90", "19万件", "≥100%", "满意度=70%、办结率≧95%", "300 元/人, 9 万元", "65 万元",
                     "650000", "万元", "元", "%", "百分率", "定量指标", "定性指标", "1e999999999", "NaN", "-5%", "５０％"]),
    st.text(max_size=12))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.fixed_dictionaries({k: _TEXT for k in (
    "level1", "level2", "name", "op", "value", "unit", "attribute", "weight", "scoring")}), max_size=8),
    funds=_TEXT, unit=st.sampled_from(["万元", "元", "", "亿"]), year=st.sampled_from([None, 2019, 2021, 2022, 2026]))
def test_rules_never_raise_on_any_text(rows, funds, unit, year):
    """Whatever people type, the I checks return findings and never raise."""
    from xltools.model import Book, FieldValue, Form
    from xltools.rules import indicators as mod

    cols = ["level1", "level2", "name", "op", "value", "unit", "attribute", "weight", "scoring"]
    inds = tuple(Indicator(row=7 + i, cells={k: f"{chr(65 + j)}{7 + i}" for j, k in enumerate(cols)}, **r)
                 for i, r in enumerate(rows))
    table = IndicatorTable("targets", TARGETS, inds, 6, True, {k: chr(65 + j) for j, k in enumerate(cols)})
    form = Form("项目申报信息", {"funds": FieldValue("funds", "资金总额", funds, "C17"),
                              "unit": FieldValue("unit", "金额单位", unit, "C18")})
    book = Book("project_perf", year, "万元", {"application": form}, {}, {"targets": table})
    for fn in (mod.framework, mod.coverage, mod.values, mod.cost, mod.hygiene):
        for f in fn(book):
            assert f.code.startswith("I") and f.severity in ("error", "warning", "info") and f.message
            assert f.sheet == TARGETS


def test_a_cost_per_person_is_no_part_of_the_total(make_book):
    """人均救助 ≤1000元 (typed without "/人"): a cost per person, not the project's cost — no I031 against 42 万元."""
    rows = [r for r in complete(2026) if "成本" not in r["level1"] + r["level2"]]
    rows.append(ind("成本指标", "经济成本指标", "人均救助标准", "1000", op="<=", unit="元"))
    assert [f for f in check(make_book, rows) if f.code in ("I030", "I031")] == []
