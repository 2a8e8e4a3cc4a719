"""xltools recalc BOOK [-o OUT | --in-place] [--json]

Recompute every total the tool owns (see xltools.subtotals: computed columns, 类/款 and total rows, the summary
tables that follow from the detail tables) and write them as numbers. The person's own cells are never written.
Default output: BOOK.recalc.xlsx beside the original; --in-place keeps the original as BOOK.bak.xlsx.
Exit 0 when written, 2 when the input is unusable.
"""
from __future__ import annotations

import sys
from pathlib import Path


def register(sub) -> None:
    from xltools.cli._common import add_output_args

    p = sub.add_parser("recalc", help="重算合计（小计、合计、上级科目与汇总表），写入新文件或原文件")
    p.add_argument("book", help="工作簿 .xlsx")
    add_output_args(p)
    p.add_argument("--json", action="store_true", help="以 JSON 列出改动的单元格")
    p.set_defaults(func=run)


def recalc_file(src: str | Path, dst: str | Path, *, backup: bool = False):
    """Recompute src and write the result to dst (atomically; backup keeps dst's original as NAME.bak.xlsx).
    Returns (edits, old values by (sheet, cell)). A book with nothing to change is copied unchanged."""
    import shutil

    from xltools.io.patch import apply_edits
    from xltools.io.readers import read_grids
    from xltools.io.writers import atomic_write
    from xltools.subtotals import recompute_grids

    grids = read_grids(src)
    _, edits = recompute_grids(grids)
    old = {(e.sheet, e.cell): grids.value(e.sheet, e.cell) for e in edits.edits}
    if len(edits):
        apply_edits(src, edits, dst, backup=backup)
    else:
        atomic_write(dst, lambda tmp: shutil.copyfile(src, tmp), backup=backup)
    return edits, old


def run(args) -> int:
    from xltools.cli._common import output_path, print_json
    from xltools.errors import InputNotFound

    src = Path(args.book)
    if not src.exists():
        raise InputNotFound(f"找不到文件“{src}”。", path=src)
    dst, backup = output_path(args, src, "recalc")
    edits, old = recalc_file(src, dst, backup=backup)
    changes = [{"sheet": e.sheet, "cell": e.cell, "old": _plain(old.get((e.sheet, e.cell))), "new": _plain(e.value)}
               for e in edits.edits]
    if args.json:
        print_json({"output": str(dst), "backup": str(_bak(dst)) if backup else None, "changed": changes})
    else:
        for ch in changes:
            print(f"{ch['sheet']}!{ch['cell']}  {_show(ch['old'])} → {_show(ch['new'])}")
        print(f"已重算，改动 {len(changes)} 个单元格，写入 {dst}" + (f"（原文件备份为 {_bak(dst).name}）" if backup else ""),
              file=sys.stderr if args.json else sys.stdout)
    return 0


def _bak(path: Path) -> Path:
    from xltools.io.writers import backup_path

    return backup_path(path)


def _plain(v: object) -> object:
    from decimal import Decimal

    if isinstance(v, float):
        return format(Decimal(repr(v)), "f") if not v.is_integer() else str(int(v))
    if isinstance(v, int) and not isinstance(v, bool):
        return str(v)
    return v


def _show(v: object) -> str:
    return "（空）" if v in (None, "") else str(v)
