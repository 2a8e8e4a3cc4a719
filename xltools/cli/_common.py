"""Small helpers shared by the verb modules."""
from __future__ import annotations

import json
import sys
from pathlib import Path


def print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


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
