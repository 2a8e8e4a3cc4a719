"""xltools demo --out DIR: write the seed examples and run the main job on them.

The example workbooks keep the seeds' figures as printed; everything the job computes goes to other files
beside them, named after the example with a suffix (…科目已填充.xlsx, …已重算.xlsx, …校验结果.xlsx, …情况说明.docx).
"""
from __future__ import annotations

from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("demo", help="生成示例工作簿（来自真实公开文件的数据）并运行校验等全部流程")
    p.add_argument("--out", default="demo-output", help="输出文件夹（默认 demo-output）")
    p.set_defaults(func=run)


def _steps(example: Path, coded: bool = True) -> list[tuple[str, list[str]]]:
    """(title, argv) of the main job: fill-codes → recalc (books with 科目 tables) → check (annotated copy) →
    explain."""
    stem, d = example.stem, example.parent
    filled = d / f"{stem}.科目已填充.xlsx"
    tables = [
        ("填充科目名称", ["fill-codes", str(example), "-o", str(filled)]),
        ("重算合计", ["recalc", str(filled), "-o", str(d / f"{stem}.已重算.xlsx")]),
    ] if coded else []
    return tables + [
        ("校验并标注", ["check", str(example), "--annotate", str(d / f"{stem}.校验结果.xlsx")]),
        ("生成情况说明（Word）", ["explain", str(example), "-o", str(d / f"{stem}.情况说明.docx")]),
        ("生成情况说明（Markdown）", ["explain", str(example), "-o", str(d / f"{stem}.情况说明.md")]),
    ]


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def run(args) -> int:
    from xltools.cli import build_parser, main
    from xltools.demo import examples
    from xltools.template import book_filename, build_workbook, save_book

    verbs = set(build_parser()._subparsers._group_actions[0].choices)  # noqa: SLF001 — what this install offers
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    failed = 0
    for fam, data in examples():
        info = data["forms"][fam.info_sheet]
        name = info.get(fam.name_field) or ""
        path = save_book(build_workbook(fam, data), out / book_filename(fam, name, data["year"]))
        print(f"\n=== 示例工作簿：{path}")
        for title, argv in _steps(path, coded=bool(fam.tables())):
            if argv[0] not in verbs:
                continue
            if "--annotate" in argv and not _has("xltools.annotate"):
                argv = argv[:2]
            if argv[0] == "recalc" and not Path(argv[1]).exists():
                argv[1] = str(path)
            print(f"--- {title}：xltools {' '.join(argv)}")
            rc = main(argv)
            if rc not in (0, 1):   # 1 = the example has findings, which is expected: the seeds have real mistakes
                failed += 1
    print(f"\n示例与结果已写入 {out.resolve()}")
    return 0 if not failed else 2
