"""xltools rules [--json]: the rule catalogue."""
from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("rules", help="列出全部校验规则及其代码")
    p.add_argument("--json", action="store_true")
    p.add_argument("--markdown", action="store_true", help="输出规则文档（Markdown）")
    p.set_defaults(func=run)


def run(args) -> int:
    from xltools.findings import SEVERITY_ZH
    from xltools.rules import catalogue
    from xltools.rules.docs import markdown

    rules = catalogue()
    if args.json:
        from xltools.cli._common import print_json

        print_json([{"code": r.code, "severity": r.severity, "title": r.title, "what": r.what, "why": r.why,
                     "example": r.example} for r in rules.values()])
    elif args.markdown:
        import sys

        sys.stdout.write(markdown())
    else:
        for r in rules.values():
            print(f"{r.code}  {SEVERITY_ZH[r.severity]:<2}  {r.title}")
    return 0
