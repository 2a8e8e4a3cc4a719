"""xltools check BOOK [--json] [--select CODES] [--ignore CODES] [--annotate OUT.xlsx]

Exit 0: no errors; 1: the workbook has errors; 2: the input is unusable.
"""
from __future__ import annotations

import sys


def register(sub) -> None:
    p = sub.add_parser("check", help="校验工作簿（结构、科目、表内表间、绩效指标、情况说明要素）")
    p.add_argument("book", help="工作簿 .xlsx")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.add_argument("--select", metavar="CODES", help="只报告这些代码（逗号分隔，可写前缀，如 T,X001）")
    p.add_argument("--ignore", metavar="CODES", help="不报告这些代码（逗号分隔，可写前缀）")
    p.add_argument("--annotate", metavar="OUT.xlsx", help="另存一份标注了问题单元格和“校验结果”表的副本")
    p.set_defaults(func=run)


def _codes(s: str | None) -> list[str] | None:
    return [x.strip() for x in s.split(",") if x.strip()] if s else None


def _width(s: str) -> int:
    """Columns a text takes in a terminal: CJK characters and full-width forms take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in s)


def _pad(s: str, width: int) -> str:
    return s + " " * max(0, width - _width(s))


def render_text(report) -> str:
    from xltools.findings import SEVERITY_ZH

    rows = [("位置", "代码", "级别", "说明")]
    for f in report.findings:
        where = f"{f.sheet}!{f.cell}" if f.cell else f.sheet
        level = SEVERITY_ZH.get(f.severity, f.severity) + ("（已说明）" if f.explained else "")
        rows.append((where, f.code, level, f.message))
    out = []
    if len(rows) > 1:
        w0 = min(max(_width(r[0]) for r in rows), 48)
        w2 = max(_width(r[2]) for r in rows)
        for r in rows:
            out.append(f"{_pad(r[0], w0)}  {r[1]:<5} {_pad(r[2], w2)}  {r[3]}")
    s = report.stats()
    out.append(f"共 {s['errors']} 个错误、{s['warnings']} 个警告、{s['infos']} 个提示"
               + (f"，{s['explained']} 个已说明" if s["explained"] else "") + "。")
    return "\n".join(out)


def run(args) -> int:
    from xltools.pipeline import check_file

    book, report = check_file(args.book)
    report = report.filter(_codes(args.select), _codes(args.ignore))
    if args.annotate:
        from xltools.annotate import annotate_file

        annotate_file(args.book, report, args.annotate)
    if args.json:
        from xltools.cli._common import print_json

        print_json(report.to_dict())
    else:
        print(render_text(report))
        if args.annotate:
            print(f"已另存标注副本 {args.annotate}", file=sys.stderr)
    return 0 if report.valid else 1
