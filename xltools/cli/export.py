"""xltools export BOOK.xlsx [-o DATA.json]"""
from __future__ import annotations

import sys


def register(sub) -> None:
    p = sub.add_parser("export", help="把工作簿导出为 JSON 数据")
    p.add_argument("book", help="工作簿 .xlsx")
    p.add_argument("-o", "--output", help="输出 JSON 文件（默认打印到屏幕）")
    p.set_defaults(func=run)


def run(args) -> int:
    from xltools.interchange import book_to_data, dumps
    from xltools.io.readers import read_grids
    from xltools.io.writers import write_text
    from xltools.parse import parse_book

    book, _ = parse_book(read_grids(args.book))
    text = dumps(book_to_data(book)) + "\n"
    if args.output:
        write_text(args.output, text)
        print(f"已导出 {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
