"""xltools import DATA.json -o BOOK.xlsx"""
from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("import", help="由 JSON 数据生成工作簿（财政局预填用）")
    p.add_argument("data", help="JSON 数据文件（格式见 README 与 xltools/schema/book.schema.json）")
    p.add_argument("-o", "--output", required=True, help="输出工作簿 .xlsx")
    p.set_defaults(func=run)


def run(args) -> int:
    from xltools.families import get_family
    from xltools.interchange import load_data
    from xltools.template import build_workbook, save_book

    data = load_data(args.data)
    wb = build_workbook(get_family(data["family"]), data)
    save_book(wb, args.output)
    print(f"已生成 {args.output}")
    return 0
