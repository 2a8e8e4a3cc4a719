"""argparse in Chinese, and cheap to build: the parser and help-formatter classes the command line uses.

argparse looks up every message it shows at call time through its module-global `_` and `ngettext` (gettext's,
which import locale and search the file system for a message catalogue on each call — and find none for
argparse). `install()` replaces both with a lookup in MESSAGES, which holds every message of argparse 3.11–3.13
a user can meet; a message not in the table (the ones only a programming error raises, listed in
tests/test_cli_zh.py) stays English. It changes argparse for the whole process: it is meant for the xltools
command line, whose build_parser calls it.

What the table cannot reach is done by the two classes:
- ArgumentParser: an unknown command or choice is named in Chinese quotes with the choices listed with 、
  (argparse quotes them with repr), a bad number says 不是整数 / 不是数, and every sub-parser (add_parser
  creates them with the parent's class) uses HelpFormatter below;
- HelpFormatter: the width comes from COLUMNS or the terminal without importing shutil (HelpFormatter's
  default imports it — about 2.5 ms — for shutil.get_terminal_size, once per parser and argument), section
  headings end with a full-width colon, and wrapped usage lines line up under the two-column-wide 用法：.
"""
from __future__ import annotations

import argparse
import os
import sys

# argparse's messages (msgid → Chinese), %-placeholders kept: argparse formats the result with the same values.
# %r placeholders become “%s”: the value is a str, shown in Chinese quotes instead of repr's.
MESSAGES: dict[str, str] = {
    # help
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "subcommands": "子命令",
    "show this help message and exit": "显示帮助并退出",
    "show program's version number and exit": "显示版本号并退出",   # 3.13 (3.11's default help is not looked up)
    " (default: %(default)s)": "（默认：%(default)s）",                 # 3.13, ArgumentDefaultsHelpFormatter
    # errors: printed as "用法：…" then "%(prog)s：错误：%(message)s"
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "%(prog)s: warning: %(message)s\n": "%(prog)s：警告：%(message)s\n",  # 3.13
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "the following arguments are required: %s": "缺少参数：%s",
    "one of the arguments %s is required": "须给出以下参数之一：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "ignored explicit argument %r": "不接受取值“%s”",
    "expected one argument": "需要一个取值",
    "expected at most one argument": "最多接受一个取值",
    "expected at least one argument": "至少需要一个取值",
    "expected %s argument": "需要 %s 个取值",                         # ngettext, singular and plural alike
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 不明确，可能是：%(matches)s",
    "unexpected option string: %s": "意外的选项：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的取值“%(value)s”（可选：%(choices)s）",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "无效的命令“%(parser_name)s”（可选：%(choices)s）",
    "invalid %(type)s value: %(value)r": "无效的 %(type)s 取值“%(value)s”",
    "can't open '%(filename)s': %(error)s": "无法打开“%(filename)s”：%(error)s",
    "argument \"-\" with mode %r": "参数“-”不支持模式 %r",
    "argument '%(argument_name)s' is deprecated": "参数“%(argument_name)s”已弃用",  # 3.13
    "option '%(option)s' is deprecated": "选项“%(option)s”已弃用",                   # 3.13
    "command '%(parser_name)s' is deprecated": "命令“%(parser_name)s”已弃用",        # 3.13
}

# type= converters whose failure gets a Chinese noun instead of "invalid int value"
_TYPE_NAMES = {int: "整数", float: "数"}

def gettext(message):
    return MESSAGES.get(message, message)


def ngettext(singular, plural, n):
    zh = MESSAGES.get(singular)
    if zh is not None:
        return zh
    return singular if n == 1 else plural


def install() -> None:
    """Make argparse (the whole module, for this process) speak Chinese. Idempotent."""
    argparse._ = gettext
    argparse.ngettext = ngettext


def terminal_width() -> int:
    """shutil.get_terminal_size().columns without importing shutil: COLUMNS if a positive number, else the
    width of the terminal stdout is on, else 80."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns > 0:
        return columns
    try:
        columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
    except (AttributeError, ValueError, OSError):
        columns = 0
    return columns or 80


class HelpFormatter(argparse.HelpFormatter):
    def __init__(self, prog, indent_increment=2, max_help_position=24, width=None):
        if width is None:
            width = terminal_width() - 2   # what argparse.HelpFormatter does, through shutil
        super().__init__(prog, indent_increment, max_help_position, width)
        self._zh_headings: list[str] = []

    def start_section(self, heading):
        super().start_section(heading)
        if heading and not heading.isascii():
            self._zh_headings.append(heading)

    def format_help(self):
        text = super().format_help()
        for heading in self._zh_headings:   # "选项:" → "选项："
            text = text.replace(f"{heading}:\n", f"{heading}：\n")
        return text

    def _format_usage(self, usage, actions, groups, prefix):
        if prefix is None:
            prefix = argparse._("usage: ")
        # argparse measures the prefix in characters: "用法：" takes two columns each, so wrap that much sooner
        # and indent the wrapped lines that much further
        wide = sum(not ch.isascii() for ch in prefix)
        self._width -= wide
        try:
            text = super()._format_usage(usage, actions, groups, prefix)
        finally:
            self._width += wide
        first, sep, rest = text.partition("\n")
        if wide and usage is None and rest.strip("\n"):
            rest = "\n".join(" " * wide + line if line.startswith(" ") else line for line in rest.split("\n"))
        return first + sep + rest


class ArgumentParser(argparse.ArgumentParser):
    def __init__(self, *args, formatter_class=HelpFormatter, **kwargs):
        super().__init__(*args, formatter_class=formatter_class, **kwargs)

    def _check_value(self, action, value):
        if action.choices is not None and value not in action.choices:
            choices = "、".join(map(str, action.choices))
            if action.nargs == argparse.PARSER:   # the command word: "无效的命令", not "参数 命令：无效的取值"
                raise argparse.ArgumentError(None, f"无效的命令“{value}”（可选：{choices}）")
            raise argparse.ArgumentError(action, f"无效的取值“{value}”（可选：{choices}）")

    def _get_value(self, action, arg_string):
        try:
            return super()._get_value(action, arg_string)
        except argparse.ArgumentError:
            noun = _TYPE_NAMES.get(action.type)
            if noun is None:
                raise
            raise argparse.ArgumentError(action, f"“{arg_string}”不是{noun}") from None
