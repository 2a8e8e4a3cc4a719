"""`xltools codes …` through xltools.cli.main (or, if another verb breaks the top-level parser, through a
parser built from xltools.cli.codes.register alone)."""
from __future__ import annotations

import argparse
import csv
import json

import pytest

from xltools.cli import codes as codes_cli




def _main():
    try:
        from xltools.cli import build_parser, main

        build_parser()  # a verb module another engineer is writing may not import yet
        return main
    except Exception:  # pragma: no cover - only while the rest of the CLI is in progress
        def fallback(argv):
            from xltools.errors import XltoolsError

            parser = argparse.ArgumentParser(prog="xltools")
            codes_cli.register(parser.add_subparsers(dest="verb"))
            args = parser.parse_args(argv)
            try:
                return int(args.func(args) or 0)
            except XltoolsError as e:
                import sys

                print(f"错误：{e}", file=sys.stderr)
                return e.exit_code
        return fallback


def run(capsys, *argv):
    rc = _main()(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_lookup_text(capsys):
    rc, out, _ = run(capsys, "codes", "lookup", "2010301")
    assert rc == 0
    assert out.startswith("2010301 行政运行")
    assert "201 一般公共服务支出 › 20103 政府办公厅（室）及相关机构事务" in out
    assert "项级" in out and "来源：" in out and "可信度：medium" in out


@pytest.mark.parametrize("code, name", [("30101", "基本工资"), ("2080505", "机关事业单位基本养老保险缴费支出"),
                                        ("５０１０１", "工资奖金津补贴"), ("201 03 01", "行政运行")])
def test_lookup_names(capsys, code, name):
    rc, out, _ = run(capsys, "codes", "lookup", code)
    assert rc == 0 and name in out.splitlines()[0]


def test_lookup_json(capsys):
    rc, out, _ = run(capsys, "codes", "lookup", "2010301", "--json", "--year", "2024")
    assert rc == 0
    assert "行政运行" in out  # ensure_ascii=False
    d = json.loads(out)
    assert (d["code"], d["name"], d["level"], d["kind"], d["found"]) == ("2010301", "行政运行", "项", "func", True)
    assert [p["code"] for p in d["parents"]] == ["201", "20103"]
    assert d["parents"][0]["name"] == "一般公共服务支出"
    assert d["confidence"] == "medium" and d["source"] and d["partial"] is True


def test_lookup_rename_and_year(capsys):
    rc, out, _ = run(capsys, "codes", "lookup", "207")
    assert rc == 0 and "文化旅游体育与传媒支出" in out and "曾用名：文化体育与传媒支出" in out
    rc, out, _ = run(capsys, "codes", "lookup", "210", "--year", "2018")
    assert rc == 0 and out.startswith("210 医疗卫生与计划生育支出") and "最接近的版本" in out


def test_lookup_unknown(capsys):
    rc, out, _ = run(capsys, "codes", "lookup", "2040101")
    assert rc == 1
    assert "未找到科目编码“2040101”" in out and "不完整" in out and "204 公共安全支出 › 20401 武装警察部队" in out
    rc, out, _ = run(capsys, "codes", "lookup", "20a01")
    assert rc == 1 and "不是有效的科目编码" in out
    rc, out, _ = run(capsys, "codes", "lookup", "1010101")
    assert rc == 1 and "未找到" in out
    rc, out, _ = run(capsys, "codes", "lookup", "30188")
    assert rc == 1 and "未找到" in out and "不完整" not in out  # the 部门经济分类 list is complete
    rc, out, _ = run(capsys, "codes", "lookup", "9999999", "--json")
    d = json.loads(out)
    assert rc == 1 and d["found"] is False and d["kind"] is None and "只包含支出功能分类" in d["message"]


def test_search(capsys):
    rc, out, _ = run(capsys, "codes", "search", "一般公共服务")
    assert rc == 0 and out.splitlines()[0].startswith("201") and "一般公共服务支出" in out.splitlines()[0]
    rc, out, _ = run(capsys, "codes", "search", "行政运行", "--limit", "2", "--json")
    hits = json.loads(out)
    assert rc == 0 and len(hits) == 2 and all(h["name"] == "行政运行" for h in hits)
    rc, out, _ = run(capsys, "codes", "search", "工资", "--kind", "econ_gov", "--json")
    assert rc == 0 and {h["kind"] for h in json.loads(out)} == {"econ_gov"}
    rc, out, _ = run(capsys, "codes", "search", "文化体育与传媒")
    assert rc == 0 and out.startswith("207") and "曾用名" in out


def test_search_nothing(capsys):
    rc, out, _ = run(capsys, "codes", "search", "qqqq不存在zzzz")
    assert rc == 1 and "没有找到" in out
    rc, out, _ = run(capsys, "codes", "search", "qqqq不存在zzzz", "--json")
    assert rc == 1 and json.loads(out) == []


def test_list(capsys):
    rc, out, _ = run(capsys, "codes", "list", "--kind", "econ_dept", "--json")
    rows = json.loads(out)
    assert rc == 0 and len(rows) == 110 and rows[0]["code"] == "301"
    rc, out, _ = run(capsys, "codes", "list", "--kind", "func", "--level", "类", "--json")
    assert len(json.loads(out)) == 30
    rc, out, _ = run(capsys, "codes", "list", "--year", "2025")
    assert rc == 0
    assert "支出功能分类（目录版本 2021-2025" in out and "款、项级不完整" in out
    assert "部门预算支出经济分类" in out and "政府预算支出经济分类" in out
    assert "\n    20103 政府办公厅（室）及相关机构事务" in out


def test_import_then_lookup(capsys, tmp_path, _home):
    src = tmp_path / "官方2026.csv"
    with open(src, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["科目编码", "科目名称"], ["204", "公共安全支出"], ["20401", "武装警察部队"],
                                 ["2040101", "内卫"], ["301", "工资福利支出"]])
    rc, out, _ = run(capsys, "codes", "import", str(src), "--year", "2026")
    assert rc == 0
    assert "已导入 2026 年目录 4 个科目" in out and "支出功能分类类 1 个、款 1 个、项 1 个" in out
    assert str(_home / "catalogues" / "2026.csv") in out
    rc, out, _ = run(capsys, "codes", "lookup", "2040101", "--year", "2026")
    assert rc == 0 and "内卫" in out and "official" in out
    rc, out, _ = run(capsys, "codes", "list", "--year", "2026", "--kind", "func")
    assert "款、项级不完整" not in out and "2040101 内卫" in out


def test_import_errors(capsys, tmp_path):
    rc, _, err = run(capsys, "codes", "import", str(tmp_path / "nope.xlsx"), "--year", "2026")
    assert rc == 2 and "错误：" in err and "找不到目录文件" in err
    bad = tmp_path / "X.csv"
    bad.write_text("科目编码,科目名称\n201,一般公共服务支出\n20a,坏\n", encoding="utf-8")
    rc, _, err = run(capsys, "codes", "import", str(bad), "--year", "2026")
    assert rc == 2 and "目录文件 X.csv 第 3 行：科目编码“20a”不是数字。" in err


def test_usage_errors(capsys):
    rc, out, _ = run(capsys, "codes")
    assert rc == 2 and "lookup" in out
    with pytest.raises(SystemExit) as ei:
        _main()(["codes", "lookup", "201", "--year", "明年"])
    assert ei.value.code == 2
    assert "四位数字" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        _main()(["codes", "import", "x.csv"])  # --year is required
    with pytest.raises(SystemExit):
        _main()(["codes", "list", "--kind", "nonsense"])


def test_register_on_a_bare_parser(capsys):
    parser = argparse.ArgumentParser(prog="xltools")
    codes_cli.register(parser.add_subparsers(dest="verb"))
    args = parser.parse_args(["codes", "lookup", "30101"])
    assert args.func(args) == 0
    assert "基本工资" in capsys.readouterr().out
