"""`xltools codes`: look up, search, list and import 政府收支分类科目 (classification codes).

    xltools codes lookup 2010301 [--year 2025] [--json]
    xltools codes search 一般公共服务 [--year 2025] [--limit 10] [--json]
    xltools codes list [--year 2025] [--kind func|econ_dept|econ_gov] [--level 类|款|项] [--json]
    xltools codes import 2025年政府收支分类科目.xlsx --year 2025

Exit codes: 0 found / done, 1 nothing found, 2 unusable input (via XltoolsError in xltools.cli.main).
"""
from __future__ import annotations

import argparse
import json

_CONFIDENCE = {
    "high": "high（在公开文件中见到）",
    "medium": "medium（根据经验或编码规律整理，请以当年官方目录为准）",
    "official": "official（用户导入的官方目录）",
}
_IMPORT_HINT = "可用“xltools codes import 文件 --year 年度”导入当年财政部发布的官方目录。"


def _year(text: str) -> int:
    try:
        y = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"年度“{text}”应为四位数字，例如 2025") from None
    if not 1990 <= y <= 2200:
        raise argparse.ArgumentTypeError(f"年度“{text}”超出范围，例如 2025")
    return y


def _kind(text: str) -> str:
    from xltools.codes.catalogue import kind_key

    try:
        return kind_key(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"分类“{text}”无效，应为 func（支出功能分类）、econ_dept（部门预算支出经济分类）"
            f"或 econ_gov（政府预算支出经济分类）") from None


def _level(text: str) -> str:
    from xltools.codes.catalogue import level_key

    try:
        return level_key(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"级次“{text}”无效，应为 类、款 或 项") from None


def register(sub) -> None:
    p = sub.add_parser(
        "codes", help="政府收支分类科目：查询编码、按名称搜索、列出目录、导入年度官方目录",
        description="政府收支分类科目（支出功能分类 类/款/项，部门预算和政府预算支出经济分类 类/款）。"
                    "内置目录的功能分类款、项级不完整，可导入当年财政部发布的官方目录。",
    )
    p.set_defaults(func=lambda args: _print_help(p))
    s = p.add_subparsers(dest="codes_command", metavar="子命令")

    q = s.add_parser("lookup", help="查询一个科目编码：名称、级次、上级科目、来源和可信度",
                     description="查询一个科目编码。编码可带空格或全角数字，例如 2010301、２０１０３０１。")
    q.add_argument("code", metavar="编码", help="科目编码，例如 2010301、30101")
    q.add_argument("--year", type=_year, default=None, metavar="年度", help="目录年度（默认：最新）")
    q.add_argument("--json", action="store_true", help="输出 JSON")
    q.set_defaults(func=cmd_lookup)

    q = s.add_parser("search", help="按名称或编码搜索科目",
                     description="按名称或编码搜索科目：先列编码相符的，再列名称相同、包含和相近的。")
    q.add_argument("text", metavar="文字", help="科目名称的一部分或编码的开头，例如 一般公共服务、2080")
    q.add_argument("--year", type=_year, default=None, metavar="年度", help="目录年度（默认：最新）")
    q.add_argument("--kind", type=_kind, default=None, metavar="分类", help="只搜 func、econ_dept 或 econ_gov")
    q.add_argument("--limit", type=int, default=10, metavar="N", help="最多列出几个（默认 10）")
    q.add_argument("--json", action="store_true", help="输出 JSON")
    q.set_defaults(func=cmd_search)

    q = s.add_parser("list", help="列出目录中的科目",
                     description="列出一个年度目录中的科目，并说明哪些级次的内置目录不完整。")
    q.add_argument("--year", type=_year, default=None, metavar="年度", help="目录年度（默认：最新）")
    q.add_argument("--kind", type=_kind, default=None, metavar="分类",
                   help="func（支出功能分类）、econ_dept（部门预算支出经济分类）、econ_gov（政府预算支出经济分类）")
    q.add_argument("--level", type=_level, default=None, metavar="级次", help="只列 类、款 或 项")
    q.add_argument("--json", action="store_true", help="输出 JSON")
    q.set_defaults(func=cmd_list)

    q = s.add_parser("import", help="导入某年度的官方科目目录（.xlsx、.xls 或 .csv）",
                     description="导入某年度的官方科目目录。文件前 10 行中应有“科目编码”“科目名称”列，"
                                 "或“类”“款”“项”三列加“科目名称”列。导入后，该年度这些分类以导入的目录为准。")
    q.add_argument("file", metavar="文件", help="目录文件（.xlsx、.xls 或 .csv）")
    q.add_argument("--year", type=_year, required=True, metavar="年度", help="目录适用的年度，例如 2025")
    q.add_argument("--dest", default=None, metavar="文件夹",
                   help="保存到的文件夹（默认：XLTOOLS_HOME 或 ~/.xltools 下的 catalogues）")
    q.set_defaults(func=cmd_import)


def _print_help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _dump(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2))


def _year_label(year: int | None) -> str:
    return f"{year} 年目录" if year else "最新目录"


def _chain(code: str, year: int | None, kind: str) -> list[dict]:
    """Every level above `code`, top first, with the ones the bundled list lacks marked missing."""
    from xltools.codes import lookup, parent_code

    out = []
    p = parent_code(code)
    while p:
        e = lookup(p, year, kind)
        out.append({"code": p, "name": e.name if e else None, "level": {3: "类", 5: "款"}[len(p)],
                    "found": e is not None})
        p = parent_code(p)
    out.reverse()
    return out


def _chain_text(chain: list[dict]) -> str:
    return " › ".join(f"{c['code']} {c['name']}" if c["found"] else f"{c['code']}（目录未收录）" for c in chain)


def cmd_lookup(args) -> int:
    from xltools.codes import infer_kind, is_partial, is_wellformed, level_of, lookup, normalise_code
    from xltools.codes.catalogue import KIND_NAMES

    code = normalise_code(args.code) or ""
    year = args.year
    entry = lookup(code, year) if code else None
    if entry is None:
        kind = infer_kind(code)
        chain = _chain(code, year, kind) if kind else []
        partial = bool(kind) and is_partial(kind, level_of(code), year)
        if not is_wellformed(code):
            msg = (f"“{args.code}”不是有效的科目编码：支出功能分类为 3、5 或 7 位数字，"
                   f"支出经济分类为 3 或 5 位数字。")
        elif kind is None:
            msg = (f"未找到科目编码“{code}”：目录只包含支出功能分类（2 开头）和支出经济分类"
                   f"（部门预算 3 开头、政府预算 5 开头）科目。")
        else:
            msg = f"未找到科目编码“{code}”（{KIND_NAMES[kind]}，{_year_label(year)}）。"
            if partial:
                msg += (f"内置的{KIND_NAMES[kind]}{level_of(code)}级目录不完整，缺少该编码不代表编码错误；"
                        + _IMPORT_HINT)
        if args.json:
            _dump({"code": code, "found": False, "kind": kind, "partial": partial, "parents": chain,
                   "message": msg})
        else:
            print(msg)
            if any(c["found"] for c in chain):
                print(f"  上级：{_chain_text(chain)}")
        return 1
    chain = _chain(entry.code, year, entry.kind)
    partial = is_partial(entry.kind, entry.level, year)
    if args.json:
        d = entry.to_dict()
        d.update(found=True, parents=chain, partial=partial)
        _dump(d)
        return 0
    print(f"{entry.code} {entry.name}")
    print(f"  分类：{entry.kind_name} · {entry.level}级")
    if chain:
        print(f"  上级：{_chain_text(chain)}")
    if entry.former_names:
        print(f"  曾用名：{'、'.join(entry.former_names)}")
    print(f"  目录版本：{entry.year}" + ("（所查年度不在其范围内，已用最接近的版本）"
                                        if year and not _covers(entry.year, year) else ""))
    print(f"  来源：{entry.source}")
    print(f"  可信度：{_CONFIDENCE.get(entry.confidence, entry.confidence)}")
    return 0


def _covers(label: str, year: int) -> bool:
    from xltools.codes.catalogue import parse_year_range

    lo, hi = parse_year_range(label)
    return lo <= year <= hi


def _search_line(e) -> str:
    extra = f"；曾用名 {'、'.join(e.former_names)}" if e.former_names else ""
    return f"{e.code:<8} {e.name}（{e.kind_name} · {e.level}级{extra}）"


def cmd_search(args) -> int:
    from xltools.codes import search

    hits = search(args.text, args.year, args.kind, max(args.limit, 0))
    if args.json:
        _dump([e.to_dict() for e in hits])
    elif hits:
        for e in hits:
            print(_search_line(e))
    else:
        print(f"没有找到与“{args.text}”相符或相近的科目（{_year_label(args.year)}）。")
    return 0 if hits else 1


def cmd_list(args) -> int:
    from xltools.codes import KINDS, get_catalogue
    from xltools.codes.catalogue import KIND_NAMES, LEVEL_ORDER

    cat = get_catalogue()
    kinds = (args.kind,) if args.kind else KINDS
    rows = []
    for kind in kinds:
        view = cat.view(kind, args.year)
        items = [e for e in view.ordered if args.level is None or e.level == args.level]
        rows.extend(items)
        if args.json:
            continue
        partial = sorted((lv for lv in view.partial_levels if lv not in view.complete_levels),
                         key=LEVEL_ORDER.get)
        versions = "、".join(ed.label or str(ed.lo) for ed in view.editions)
        note = f"；{'、'.join(partial)}级不完整" if partial else ""
        print(f"{KIND_NAMES[kind]}（目录版本 {versions}，{len(items)} 个科目{note}）")
        for e in items:
            indent = "  " * (LEVEL_ORDER[e.level] + 1)
            print(f"{indent}{e.code} {e.name}" + ("  *" if e.provisional else ""))
        print()
    if args.json:
        _dump([e.to_dict() for e in rows])
    else:
        print("* 可信度为 medium：根据经验或编码规律整理，请以当年官方目录为准。" + _IMPORT_HINT)
    return 0


def cmd_import(args) -> int:
    import csv
    from pathlib import Path

    from xltools.codes import import_catalogue
    from xltools.codes.catalogue import KIND_NAMES, LEVEL_ORDER

    count, dest = import_catalogue(args.file, args.year, args.dest)
    counts: dict[str, dict[str, int]] = {}
    source = f"user:{Path(args.file).name}"
    try:
        with open(dest, encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f):
                if r.get("year") == str(args.year) and r.get("source") == source:
                    counts.setdefault(r["kind"], {}).setdefault(r["level"], 0)
                    counts[r["kind"]][r["level"]] += 1
    except (OSError, KeyError):  # the summary is a courtesy; the import itself succeeded
        counts = {}
    parts = []
    for kind, levels in counts.items():
        lv = "、".join(f"{k} {n} 个" for k, n in sorted(levels.items(), key=lambda t: LEVEL_ORDER[t[0]]))
        parts.append(f"{KIND_NAMES[kind]}{lv}")
    detail = f"（{'；'.join(parts)}）" if parts else ""
    print(f"已导入 {args.year} 年目录 {count} 个科目{detail}，保存到 {dest}。")
    if args.dest is None:
        print(f"今后查询 {args.year} 年的这些分类时，以导入的目录为准。")
    return 0
