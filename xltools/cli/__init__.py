"""Command line: one module per verb, each exposing `register(subparsers)`.

A verb's handler takes the parsed args and returns an exit code: 0 fine, 1 the workbook has errors,
2 the input is unusable, 3 an internal error (a bug: reported in one sentence, traceback with XLTOOLS_DEBUG=1). XltoolsError becomes its Chinese message and exit 2; no traceback reaches a user.
"""
from __future__ import annotations

import argparse
import importlib
import sys

# verb modules, imported lazily so that `xltools codes lookup` does not pay for openpyxl
VERBS = ["demo", "template", "new", "export", "import_", "check", "rules", "codes", "fill_codes", "recalc",
         "explain", "addin", "batch", "distribute"]
# the word typed on the command line → its module, where they differ
_COMMANDS = {"import": "import_", "fill-codes": "fill_codes"}


def _load(name: str):
    try:
        return importlib.import_module(f"xltools.cli.{name}")
    except ModuleNotFoundError as e:
        if e.name == f"xltools.cli.{name}":
            return None
        raise


def _verbs_for(argv: list[str] | None) -> list[str]:
    """Only the verb being run is imported and registered (a button click pays for its own verb, not for all
    fourteen); `xltools`, `xltools -h` or an unknown word still get every verb, for the help and the error."""
    first = argv[0] if argv else ""
    name = _COMMANDS.get(first, first)
    return [name] if name in VERBS else VERBS


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser for argv's verb (every verb when argv names none), speaking Chinese (see xltools.cli._zh)."""
    from xltools.cli import _zh

    _zh.install()
    parser = _zh.ArgumentParser(
        prog="xltools",
        description="部门预算公开与项目绩效目标 Excel 模板工具",
    )
    parser.add_argument("--version", action="version", version=f"xltools {__import__('xltools').__version__}",
                        help="显示版本号并退出")
    sub = parser.add_subparsers(dest="verb", metavar="命令")
    for name in _verbs_for(argv):
        mod = _load(name)
        if mod is not None:
            mod.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from xltools.errors import XltoolsError

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(encoding="utf-8")  # Windows consoles default to a legacy code page
        except (AttributeError, ValueError):
            pass
    if argv is None:
        argv = sys.argv[1:]
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except XltoolsError as e:
        print(f"错误：{e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except MemoryError:
        print("错误：文件过大，内存不足，无法处理。", file=sys.stderr)
        return 2
    except OSError as e:  # an OS failure we did not anticipate: still one sentence, no traceback
        print(f"错误：无法读写文件（{e.strerror or e}）：{e.filename or ''}", file=sys.stderr)
        return 2
    except Exception as e:  # a bug of ours: say so plainly; XLTOOLS_DEBUG=1 shows the traceback
        import os

        if os.environ.get("XLTOOLS_DEBUG"):
            raise
        print(f"错误：程序内部错误（{type(e).__name__}: {e}）。原文件未被改动。请把这段信息和所用文件发给维护人员；"
              "设置环境变量 XLTOOLS_DEBUG=1 可显示详细信息。", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
