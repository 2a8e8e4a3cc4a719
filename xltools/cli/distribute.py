"""xltools distribute ROSTER.xlsx|.csv --family F --year Y -o DIR [--prior LAST_YEAR_DIR] [--overwrite] [--json]

One pre-filled workbook per department of the roster (columns found by their labels: 单位名称, 单位编码, 联系人,
联系电话), written inside DIR only. With --prior, last year's returned workbooks give each department its
上年数 (matched by 单位编码, then by name); departments without a match are listed. Exit 0 when written,
2 when the roster or a folder is unusable.
"""
from __future__ import annotations

import sys
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("distribute", help="按单位名单生成各单位预填好的工作簿（可带入上年数）")
    p.add_argument("roster", help="单位名单 .xlsx 或 .csv（表头：单位名称、单位编码、联系人、联系电话）")
    p.add_argument("--family", required=True, help="模板族：dept_budget（部门预算公开）")
    p.add_argument("--year", type=int, required=True, help="预算年度")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="输出文件夹")
    p.add_argument("--prior", metavar="LAST_YEAR_DIR", help="上年各单位报送的工作簿所在文件夹（带入上年数）")
    p.add_argument("--overwrite", action="store_true", help="覆盖输出文件夹中已有的同名工作簿（默认跳过）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.add_argument("--jobs", "-j", type=int, default=None, metavar="N", help="同时处理的进程数（默认：CPU 核数）")
    p.set_defaults(func=run)


def run(args) -> int:
    from xltools.batch.distribute import distribute
    from xltools.batch.progress import Progress
    from xltools.cli._common import print_json
    from xltools.errors import BadDeclaration
    from xltools.families import get_family

    fam = get_family(args.family)
    if not 2000 <= args.year <= 2100:
        raise BadDeclaration(f"预算年度“{args.year}”不对，应为四位年份，如 2025。")
    if args.jobs is not None and args.jobs < 1:
        raise BadDeclaration("--jobs 应为正整数。")
    res = distribute(args.roster, fam, args.year, args.output, prior=args.prior, overwrite=args.overwrite,
                     jobs=args.jobs, progress=Progress(0, "生成工作簿"))
    if args.json:
        print_json(res.to_dict())
        return 0
    print(f"已生成 {len(res.written)} 个工作簿到 {Path(args.output)}。")
    if res.existing:
        print(f"以下 {len(res.existing)} 个工作簿已存在，未覆盖（需要覆盖请加 --overwrite）：")
        for dep, path in res.existing:
            print(f"  {path.name}")
    if args.prior:
        print(f"已从上年工作簿带入上年数：{len(res.carried)} 个单位。")
        if res.unmatched:
            print(f"以下 {len(res.unmatched)} 个单位没有带入上年数（上年数未填写，请单位自行填写）：")
            for dep, why in res.unmatched:
                code = f"（{dep.code}）" if dep.code else ""
                print(f"  {dep.name}{code}：{why}")
    for line in res.notes + res.skipped_rows:
        print(line)
    for line in res.prior_unreadable:
        print(f"上年工作簿无法读取：{line}", file=sys.stderr)
    return 0
