"""xltools batch check DIR [-o REPORT.xlsx] [--json] [--jobs N]
xltools batch consolidate DIR -o TOTAL.xlsx [--include-errors] [--keep-duplicates] [--name NAME]

check: every workbook under DIR (recursively), each read in an isolated worker process; exit 0 when none has
errors, 1 when any has errors or cannot be read, 2 when DIR is missing, not a folder or holds no workbook.
consolidate: the 汇总 of the units' tables into TOTAL.xlsx (same template family); exit 0 when written,
2 when nothing can be consolidated.
"""
from __future__ import annotations

import sys
from pathlib import Path


def _pool_args(p) -> None:
    p.add_argument("--jobs", "-j", type=int, default=None, metavar="N", help="同时处理的进程数（默认：CPU 核数）")
    p.add_argument("--timeout", type=float, default=None, metavar="秒",
                   help="单个文件的处理时限（默认 120 秒），超时的文件记为“无法读取”")
    p.add_argument("--memory-limit", type=int, default=None, metavar="MB",
                   help="每个工作进程的内存上限（默认 2048 MB），超限的文件记为“无法读取”")


def register(sub) -> None:
    p = sub.add_parser("batch", help="批量校验、汇总各单位报送的工作簿")
    bs = p.add_subparsers(dest="batch_cmd", metavar="子命令")
    c = bs.add_parser("check", help="校验文件夹中的全部工作簿，生成校验报告")
    c.add_argument("folder", help="存放各单位工作簿的文件夹（含子文件夹）")
    c.add_argument("-o", "--output", metavar="REPORT.xlsx", help="校验报告（汇总、明细、统计）")
    c.add_argument("--json", action="store_true", help="以 JSON 输出")
    _pool_args(c)
    c.set_defaults(func=run_check)
    k = bs.add_parser("consolidate", help="把各单位工作簿汇总为一个工作簿")
    k.add_argument("folder", help="存放各单位工作簿的文件夹（含子文件夹）")
    k.add_argument("-o", "--output", required=True, metavar="TOTAL.xlsx", help="汇总工作簿")
    k.add_argument("--include-errors", action="store_true", help="有错误的工作簿也参加汇总（默认不汇总）")
    k.add_argument("--keep-duplicates", action="store_true",
                   help="同一单位（编码或名称相同）的多份工作簿都参加汇总（默认只汇总最新的一份）")
    k.add_argument("--name", help="汇总表的单位名称（默认“部门预算汇总（N个单位）”）")
    k.add_argument("--year", type=int, help="汇总的预算年度（默认：多数工作簿的年度）")
    k.add_argument("--contact", default="", help="汇总表的联系人")
    k.add_argument("--phone", default="", help="汇总表的联系电话")
    k.add_argument("--json", action="store_true", help="以 JSON 输出")
    _pool_args(k)
    k.set_defaults(func=run_consolidate)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _validate(args) -> None:
    from xltools.errors import BadDeclaration

    if args.jobs is not None and args.jobs < 1:
        raise BadDeclaration("--jobs 应为正整数。")
    if args.timeout is not None and args.timeout <= 0:
        raise BadDeclaration("--timeout 应为正数（秒）。")
    if args.memory_limit is not None and args.memory_limit < 256:
        raise BadDeclaration("--memory-limit 至少为 256（MB）。")


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def run_check(args) -> int:
    from xltools.batch.check import batch_check, row_note, top_codes_text, write_report
    from xltools.batch.progress import Progress
    from xltools.batch.tasks import FAILED, UNREADABLE
    from xltools.errors import InputNotFound

    _validate(args)
    folder = Path(args.folder)
    out = Path(args.output) if args.output else None
    progress = Progress(0, "批量校验")
    result = batch_check(folder, jobs=args.jobs, timeout=args.timeout, memory_mb=args.memory_limit,
                         exclude=(out,) if out else (), progress=progress)
    if not result.rows:
        if result.skipped:
            for s in result.skipped:
                print(s, file=sys.stderr)
        raise InputNotFound(f"文件夹“{folder}”中没有找到单位报送的 Excel 工作簿（.xlsx）。", path=folder)
    if args.json:
        result.write_json(sys.stdout)
    else:
        c = result.counts()
        print(f"共 {len(result.rows)} 个工作簿：" + "，".join(f"{s} {n}" for s, n in c.items()) + "。")
        for status in (FAILED, UNREADABLE):
            rows = [r for r in result.rows if r["status"] == status]
            if rows:
                print(f"{status}：")
                for r in rows:
                    detail = top_codes_text(r) if status == FAILED else row_note(r)
                    print("  " + "  ".join(x for x in (r["file"], r["unit_name"], detail) if x))
        dups = [r for r in result.rows if r.get("note")]
        if dups:
            print("可能重复报送：")
            for r in dups:
                print(f"  {r['file']}  {r['note']}")
    for s in result.skipped:
        print(s, file=sys.stderr)
    if out is not None:            # after the summary: a report locked by Excel must not hide the results
        write_report(result, out)
        print(f"已写入校验报告 {out}", file=sys.stderr)
    return result.exit_code


def run_consolidate(args) -> int:
    from xltools.batch.consolidate import consolidate
    from xltools.batch.progress import Progress
    from xltools.cli._common import print_json

    _validate(args)
    if args.year is not None and not 2000 <= args.year <= 2100:
        from xltools.errors import BadDeclaration

        raise BadDeclaration(f"预算年度“{args.year}”不对，应为四位年份，如 2025。")
    progress = Progress(0, "读取汇总")
    res = consolidate(args.folder, args.output, include_errors=args.include_errors,
                      keep_duplicates=args.keep_duplicates, name=args.name, year=args.year, contact=args.contact,
                      phone=args.phone, jobs=args.jobs, timeout=args.timeout, memory_mb=args.memory_limit,
                      progress=progress)
    if args.json:
        print_json(res.to_dict())
        return 0
    print(f"已汇总 {len(res.included)} 个单位（{res.family.title}，{res.year} 年，单位：{res.unit}），"
          f"写入 {res.output}")
    if res.left_out:
        print(f"未汇总 {len(res.left_out)} 个工作簿：")
        for u in res.left_out:
            print("  " + "  ".join(x for x in (u.file, u.name, u.left_out) if x))
    for note in res.notes:
        print(f"注意：{note}")
    for s in res.skipped:
        print(s, file=sys.stderr)
    sc = res.self_check
    if sc is not None:
        s = sc["stats"]
        if sc["tx_errors"]:
            print(f"注意：汇总工作簿自检发现 {len(sc['tx_errors'])} 个表内/表间错误：")
            for f in sc["tx_errors"][:10]:
                why = f"（不超过 {len(res.included)} 个单位各自的尾差之和，是各单位四舍五入差额的累积）" \
                    if f.get("accumulated") else ""
                print(f"  {f['sheet']}!{f['cell']} {f['code']} {f['message']}{why}")
        else:
            print(f"汇总工作簿自检：无表内、表间错误（{s['errors']} 个错误、{s['warnings']} 个警告、{s['infos']} 个提示）。")
    return 0
