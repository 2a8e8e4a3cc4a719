"""The command line's own words are Chinese (usage, help, usage errors: xltools.cli._zh), its parser is built
without shutil, json or the verb's rule modules, and its small JSON writer writes what json.dumps writes."""
from __future__ import annotations

import argparse
import ast
import inspect
import json
import math
import shutil
import subprocess
import sys

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from xltools.cli import _common, _zh, build_parser

# what argparse says in English; none of it may reach a user
ENGLISH = ["usage:", "error:", "positional arguments", "options:", "show this help", "show program's version",
           "the following arguments", "invalid choice", "unrecognized arguments", "not allowed with",
           "expected one argument", "ignored explicit", "invalid int value", "argument "]


def xl(*args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xltools", *map(str, args)], capture_output=True, text=True,
                          timeout=120, env=env)


def no_english(text: str) -> None:
    found = [w for w in ENGLISH if w in text]
    assert not found, f"English argparse text {found} in:\n{text}"


# ---- the real command line ------------------------------------------------------------------------------

def test_missing_argument():
    r = xl("check")
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.startswith("用法：xltools check [-h]")
    assert r.stderr.rstrip().endswith("xltools check：错误：缺少参数：book")
    no_english(r.stderr)


def test_unknown_verb():
    r = xl("chek", "book.xlsx")
    assert r.returncode == 2
    assert "xltools：错误：无效的命令“chek”（可选：demo、template、" in r.stderr
    assert "、check、" in r.stderr and "、fill-codes、" in r.stderr
    no_english(r.stderr)


def test_unknown_option():
    r = xl("check", "book.xlsx", "--bogus")
    assert r.returncode == 2 and "错误：无法识别的参数：--bogus" in r.stderr
    no_english(r.stderr)


def test_check_help():
    r = xl("check", "-h")
    assert r.returncode == 0 and r.stderr == ""
    out = r.stdout
    assert out.startswith("用法：xltools check [-h] [--json] [--select CODES] [--ignore CODES]")
    for words in ("\n位置参数：\n", "\n选项：\n", "-h, --help", "显示帮助并退出", "以 JSON 输出"):
        assert words in out
    no_english(out)


def test_top_level_help_and_version():
    r = xl("-h")
    assert r.returncode == 0
    assert r.stdout.startswith("用法：xltools [-h] [--version] 命令 ...")
    assert "--version   显示版本号并退出" in r.stdout and "check     校验工作簿" in r.stdout
    no_english(r.stdout)
    r = xl("--version")
    assert r.returncode == 0 and r.stdout.startswith("xltools ")


def test_output_options_are_exclusive():
    r = xl("recalc", "-o", "a.xlsx", "--in-place", "b.xlsx")
    assert r.returncode == 2
    assert "xltools recalc：错误：参数 --in-place：不能与参数 -o/--output 同时使用" in r.stderr
    no_english(r.stderr)


@pytest.mark.parametrize("argv,words", [
    (["recalc", "b.xlsx", "-o"], "参数 -o/--output：需要一个取值"),
    (["check", "b.xlsx", "--json=1"], "参数 --json：不接受取值“1”"),
    (["batch", "check", "folder", "--jobs", "abc"], "参数 --jobs/-j：“abc”不是整数"),
    (["batch", "check", "folder", "--timeout", "soon"], "参数 --timeout：“soon”不是数"),
    (["codes", "lookup", "201", "--year", "明年"], "参数 --year：年度“明年”应为四位数字"),
])
def test_other_usage_errors(argv, words):
    r = xl(*argv)
    assert r.returncode == 2 and words in r.stderr and "Traceback" not in r.stderr
    no_english(r.stderr)


def test_bare_xltools_prints_the_help_and_exits_2():
    r = xl()
    assert r.returncode == 2 and r.stdout.startswith("用法：xltools")
    no_english(r.stdout)


def test_check_json_path_imports_neither_shutil_nor_json():
    code = ("import sys; from xltools.cli import build_parser; a = ['check', 'b.xlsx', '--json']; "
            "build_parser(a).parse_args(a); "
            "print([m for m in ('shutil', 'json', 'xltools.findings') if m in sys.modules])")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.stdout.strip() == "[]", r.stdout + r.stderr


# ---- every message of this Python's argparse --------------------------------------------------------------

# messages only a programming error raises (a bad add_argument call, a conflicting option): left in English
PROGRAMMER_ONLY = {
    ".__call__() not defined", "conflicting subparser: %s", "conflicting subparser alias: %s",
    "cannot merge actions - two groups are named %r", "'required' is an invalid argument for positionals",
    "invalid option string %(option)r: must start with a character %(prefix_chars)r",
    "dest= is required for options like %r", "invalid conflict_resolution value: %r",
    "conflicting option string: %s", "conflicting option strings: %s",
    "mutually exclusive arguments must be optional", "cannot have multiple subparser arguments",
    "%r is not callable",
}
# handled another way: 3.13's section heading (_zh.HelpFormatter makes a Chinese heading's colon full-width on
# every version), ngettext's plural (looked up by its singular), 3.11's add_subparsers keyword names
ELSEWHERE = {"%(heading)s:", "expected %s arguments", "title", "description"}


def argparse_messages() -> set[str]:
    tree = ast.parse(inspect.getsource(argparse))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "ngettext"):
            for arg in node.args:
                for sub in ast.walk(arg):
                    if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                        found.add(sub.value)
    return found


def test_every_argparse_message_is_translated_or_a_programming_error():
    messages = argparse_messages()
    assert "the following arguments are required: %s" in messages     # the walk finds them
    missing = messages - set(_zh.MESSAGES) - PROGRAMMER_ONLY - ELSEWHERE
    assert not missing, f"argparse messages without Chinese: {sorted(missing)}"


@pytest.mark.parametrize("msgid,zh", sorted(_zh.MESSAGES.items()))
def test_translations_keep_the_placeholders(msgid, zh):
    """The Chinese takes the same %-values as argparse's English (a %r may become “%s”)."""
    def names(s):
        return sorted(p.split(")")[0] for p in s.split("%(")[1:])

    assert names(msgid) == names(zh)
    assert msgid.count("%s") + msgid.count("%r") == zh.count("%s") + zh.count("%r")


def test_untranslated_messages_stay_english():
    assert _zh.gettext("something new in argparse") == "something new in argparse"
    assert _zh.ngettext("one thing %s", "%s things", 2) == "%s things"
    assert _zh.ngettext("expected %s argument", "expected %s arguments", 3) % 3 == "需要 3 个取值"
    assert _zh.gettext(None) is None


# ---- the parser and its formatter -------------------------------------------------------------------------

@pytest.mark.parametrize("columns", [None, "", "abc", "0", "-5", "37", "100", "250"])
def test_terminal_width_is_shutils(monkeypatch, columns):
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    monkeypatch.setenv("LINES", "24")
    assert _zh.terminal_width() == shutil.get_terminal_size().columns


def all_parsers(parser):
    yield parser
    for action in parser._actions:                   # noqa: SLF001
        if isinstance(action, argparse._SubParsersAction):   # noqa: SLF001
            for sub in action.choices.values():
                yield from all_parsers(sub)


def test_every_parser_speaks_chinese_and_needs_no_shutil():
    parsers = list(all_parsers(build_parser()))
    assert len(parsers) > 20     # the verbs and their sub-commands (codes lookup, batch check, template build…)
    for p in parsers:
        assert type(p) is _zh.ArgumentParser and p.formatter_class is _zh.HelpFormatter, p.prog
        assert p.prog.startswith("xltools")
    assert argparse._ is _zh.gettext and argparse.ngettext is _zh.ngettext


@pytest.mark.parametrize("columns", ["40", "60", "80", "120"])
def test_help_width_follows_columns_and_usage_lines_up(monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", columns)
    for argv in (["check"], ["batch", "check"], ["distribute"]):
        parser = build_parser(argv)
        for p in all_parsers(parser):
            text = p.format_help()
            usage = text.split("\n\n")[0].split("\n")
            indent = len(usage[1]) - len(usage[1].lstrip()) if len(usage) > 1 else None
            if indent is not None:   # wrapped usage lines start under the first argument, "用法：" counted 6 wide
                first = usage[0]
                prog_end = len("用法：") + len(p.prog) + 1
                assert indent in (prog_end + 3, len("用法：") + 3), (p.prog, usage)
                if indent == prog_end + 3:
                    assert first[prog_end] == "["
            for line in usage:       # a line of two or more parts fits, "用法：" counted as 6 columns
                if line.isascii() or line.startswith("用法：") and line[3:].isascii():
                    width = len(line) + sum(not ch.isascii() for ch in line)
                    assert width <= int(columns) - 2 or line.strip().count("[") <= 1, (p.prog, line)


def test_a_plain_help_formatter_gives_the_same_body(monkeypatch):
    """Apart from 用法/headings, the Chinese formatter lays out the help exactly as argparse's own does."""
    monkeypatch.setenv("COLUMNS", "70")
    ours = build_parser(["check"])
    check = ours._subparsers._group_actions[0].choices["check"]   # noqa: SLF001
    body = check.format_help().split("\n\n", 1)[1]
    check.formatter_class = argparse.HelpFormatter
    plain = check.format_help().split("\n\n", 1)[1]
    assert body == plain.replace("位置参数:", "位置参数：").replace("选项:", "选项：")


# ---- the JSON writer --------------------------------------------------------------------------------------

def reference(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


TEXT = st.text(st.characters(exclude_categories=("Cs",)))   # any unicode a str can be written as UTF-8
TRICKY = st.sampled_from(["", '"', "\\", '\\"', "\x00", "\x1f", "\x7f", "\b\f\n\r\t", "\u2028\u2029", "\ufeff",
                          "中文“引号”、全角：", "𠀀😀", "a/b", "\u00a0", "\\u0041"])
SCALARS = (st.none() | st.booleans() | st.integers() | st.integers(min_value=-2 ** 200, max_value=2 ** 200)
           | st.floats() | TEXT | TRICKY)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=5) | st.tuples(inner, inner)
                      | st.dictionaries(TEXT | TRICKY, inner, max_size=5), max_leaves=40)


@settings(max_examples=400, deadline=None)
@given(VALUES)
@example({})
@example([])
@example({"": {}, "a": [], "b": [{}], "c": [[]]})
@example([math.nan, math.inf, -math.inf, -0.0, 1e300, 5e-324, 0.1])
@example({"\x00\"\\": "\x01\x1e\x1f\x20\x7f", "中": "“文”"})
def test_dumps_is_json_dumps(data):
    assert _common.dumps(data) == reference(data)


@pytest.mark.parametrize("data", [
    {1: "int key"}, {True: 1, None: 2, 1.5: 3}, [b"bytes"], {"s": {1, 2}}, {"o": object()},
    [__import__("decimal").Decimal("1.10")], type("S", (str,), {})("str subclass"),
    {"i": type("I", (int,), {})(7)},
])
def test_anything_else_is_left_to_json(data):
    try:
        expected = reference(data)
    except TypeError as e:
        with pytest.raises(type(e)):
            _common.dumps(data)
    else:
        assert _common.dumps(data) == expected


def test_a_circular_structure_is_json_s_error():
    loop: list = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular reference"):
        _common.dumps(loop)


def test_the_seed_report_is_byte_identical(dept_book, capsys):
    from xltools.pipeline import check_file

    _, report = check_file(dept_book)
    data = report.to_dict()
    assert data["findings"]
    _common.print_json(data)
    assert capsys.readouterr().out == reference(data) + "\n"


def test_check_json_output_is_json_dumps(dept_book):
    r = xl("check", dept_book, "--json")
    assert r.returncode in (0, 1)
    assert r.stdout == reference(json.loads(r.stdout)) + "\n"
