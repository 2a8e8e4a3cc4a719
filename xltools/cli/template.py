"""xltools template build [--out DIR]: write the official blank templates of every family."""
from __future__ import annotations

from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("template", help="官方模板：生成空白模板")
    tsub = p.add_subparsers(dest="template_cmd", metavar="子命令")
    b = tsub.add_parser("build", help="生成各模板族的空白模板")
    b.add_argument("--out", default="workbook_templates", help="输出文件夹（默认 workbook_templates）")
    b.add_argument("--year", type=int, help="预算年度（默认为各模板族的默认年度）")
    b.set_defaults(func=run_build)
    p.set_defaults(func=lambda a: p.print_help() or 2)


def template_filename(fam) -> str:
    return f"{fam.file_suffix}-模板.xlsx"


def run_build(args) -> int:
    from xltools.families import families
    from xltools.template import build_workbook, save_book

    out = Path(args.out)
    for fam in families().values():
        wb = build_workbook(fam, year=args.year)
        path = save_book(wb, out / template_filename(fam))
        print(f"已生成 {path}")
    return 0
