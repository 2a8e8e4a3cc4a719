"""xltools fill-codes BOOK [-o OUT | --in-place] [--refresh-lists] [--json]

填充科目名称: every empty 科目名称 next to a known code is filled from the catalogue of the book's 预算年度; typed
names are never changed. --refresh-lists also rewrites the template's code dropdown lists from the catalogue in
force (e.g. after `xltools codes import`). The C findings (科目编码) are printed as `check` prints them.

Writes BOOK.filled.xlsx beside BOOK by default, OUT with -o, or BOOK itself with --in-place (the original kept as
BOOK.bak.xlsx). Exit 0: no errors; 1: the workbook has 科目 errors (the output is still written); 2: unusable input.
"""
from __future__ import annotations

from pathlib import Path

SUFFIX = "filled"


def register(sub) -> None:
    from xltools.cli._common import add_output_args

    p = sub.add_parser("fill-codes", help="按科目编码填充空白的科目名称，并核对编码（可刷新编码下拉列表）",
                       description="按科目编码从当年科目目录填充空白的科目名称（已填写的名称不改动），"
                                   "并报告编码错误、名称不符、缺少上级科目等问题。")
    p.add_argument("book", help="工作簿 .xlsx")
    add_output_args(p)
    p.add_argument("--refresh-lists", action="store_true",
                   help="同时按当前科目目录刷新模板中的科目编码下拉列表（隐藏表 _lists）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(func=run)


def _edits(edits) -> list[dict]:
    return [{"sheet": e.sheet, "cell": e.cell, "value": e.value} for e in edits]


def run(args) -> int:
    from xltools.cli._common import output_path, print_json
    from xltools.cli.check import render_text
    from xltools.fillcodes import fill_codes_file
    from xltools.findings import Report

    src = Path(args.book)
    dst, backup = output_path(args, src, SUFFIX)
    res = fill_codes_file(src, dst, backup=backup, refresh_lists=args.refresh_lists)
    report = Report(res.findings, str(src))
    if args.json:
        d = report.to_dict()
        d.update(output=str(res.output) if res.output else None, changed=res.changed,
                 filled=_edits(res.filled), split=_edits(res.split), coded=_edits(res.coded), lists_updated=len(res.lists))
        print_json(d)
        return 0 if report.valid else 1
    lines = []
    if res.filled:
        lines.append(f"已填充 {len(res.filled)} 个科目名称：")
        for e in res.filled[:50]:
            lines.append(f"  {e.sheet}!{e.cell}  {e.value}")
        if len(res.filled) > 50:
            lines.append(f"  …… 另有 {len(res.filled) - 50} 个")
    else:
        lines.append("没有需要填充的科目名称（已填写的名称不会被改动）。")
    if res.coded:
        lines.append(f"已按科目名称补填 {len(res.coded)} 个科目编码：")
        lines.extend(f"  {e.sheet}!{e.cell}  {e.value}" for e in res.coded[:50])
    if res.split:
        lines.append(f"已把 {len(res.split)} 个从下拉列表选择的“编码 名称”拆分为编码。")
    if args.refresh_lists:
        lines.append(f"已刷新科目编码下拉列表（改动 {len(res.lists)} 个单元格）。" if res.lists
                     else "科目编码下拉列表已是最新（或本工作簿没有下拉列表）。")
    print("\n".join(lines))
    print(render_text(report))
    if res.output is None:
        print("工作簿无需改动，未写入。")
    elif backup:
        print(f"已写入 {res.output}（原文件备份为 {res.output.stem}.bak{res.output.suffix}）")
    else:
        print(f"已写入 {res.output}")
    return 0 if report.valid else 1
