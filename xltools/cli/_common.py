"""Small helpers shared by the verb modules."""
from __future__ import annotations

import sys
from pathlib import Path

# json's escapes for ensure_ascii=False: the quote, the backslash and the C0 controls
_ESCAPES = {i: f"\\u{i:04x}" for i in range(0x20)}
_ESCAPES.update({ord("\""): '\\"', ord("\\"): "\\\\", ord("\b"): "\\b", ord("\f"): "\\f", ord("\n"): "\\n",
                 ord("\r"): "\\r", ord("\t"): "\\t"})


class _Unsupported(Exception):
    """A value the small writer leaves to json (anything but dict, list, tuple, str, int, float, bool, None)."""


def _string(s: str) -> str:
    if s.isprintable() and '"' not in s and "\\" not in s:   # no control character, nothing to escape
        return f'"{s}"'
    return f'"{s.translate(_ESCAPES)}"'


def _float(x: float) -> str:
    if x != x:
        return "NaN"
    if x in (float("inf"), float("-inf")):
        return "Infinity" if x > 0 else "-Infinity"
    return float.__repr__(x)


def _encode(o, out: list, newline: str) -> None:
    t = type(o)
    if t is str:
        out.append(_string(o))
    elif o is None:
        out.append("null")
    elif o is True:
        out.append("true")
    elif o is False:
        out.append("false")
    elif t is int:
        out.append(int.__repr__(o))
    elif t is float:
        out.append(_float(o))
    elif t is dict:
        if not o:
            out.append("{}")
            return
        inner = newline + "  "
        sep = "{" + inner
        for k, v in o.items():
            if type(k) is not str:
                raise _Unsupported
            out.append(sep)
            out.append(_string(k))
            out.append(": ")
            _encode(v, out, inner)
            sep = "," + inner
        out.append(newline + "}")
    elif t is list or t is tuple:
        if not o:
            out.append("[]")
            return
        inner = newline + "  "
        sep = "[" + inner
        for v in o:
            out.append(sep)
            _encode(v, out, inner)
            sep = "," + inner
        out.append(newline + "]")
    else:
        raise _Unsupported


def dumps(data: object) -> str:
    """json.dumps(data, ensure_ascii=False, indent=2), the same text, without importing json (whose import
    compiles the decoder's regular expressions; the command line only writes). Anything beyond plain dicts with
    str keys, lists, tuples, str, int, float, bool and None — or a circular structure — goes to json itself."""
    out: list[str] = []
    try:
        _encode(data, out, "\n")
    except (_Unsupported, RecursionError):
        import json

        return json.dumps(data, ensure_ascii=False, indent=2)
    return "".join(out)


def print_json(data: object) -> None:
    sys.stdout.write(dumps(data) + "\n")


def output_path(args, source: Path, suffix: str) -> tuple[Path, bool]:
    """(-o OUT | --in-place): where a command that edits a workbook writes, and whether to keep a backup."""
    if getattr(args, "in_place", False):
        return source, True
    if getattr(args, "output", None):
        return Path(args.output), False
    return source.with_name(f"{source.stem}.{suffix}{source.suffix}"), False


def add_output_args(p) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("-o", "--output", metavar="OUT", help="写入新文件（默认在原文件旁另存一份）")
    g.add_argument("--in-place", action="store_true", help="直接改原文件（原文件备份为 NAME.bak.xlsx）")
