"""xltools new --family F --year Y --unit-name NAME -o BOOK.xlsx"""
from __future__ import annotations

from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("new", help="为一个单位（或项目）新建工作簿")
    p.add_argument("--family", required=True, help="模板族：dept_budget（部门预算公开）或 project_perf（项目绩效目标申报）")
    p.add_argument("--year", type=int, required=True, help="预算年度")
    p.add_argument("--unit-name", required=True, help="单位名称（项目绩效目标申报为项目名称）")
    p.add_argument("-o", "--output", help="输出文件（默认按名称命名）")
    p.set_defaults(func=run)


def run(args) -> int:
    from xltools.families import get_family
    from xltools.template import book_filename, build_workbook, save_book

    fam = get_family(args.family)
    if not 2000 <= args.year <= 2100:
        from xltools.errors import BadDeclaration

        raise BadDeclaration(f"预算年度“{args.year}”不对，应为四位年份，如 2025。")
    wb = build_workbook(fam, year=args.year, unit_name=args.unit_name)
    out = Path(args.output) if args.output else Path(book_filename(fam, args.unit_name, args.year))
    save_book(wb, out)
    print(f"已新建 {out}")
    return 0
