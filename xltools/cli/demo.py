"""xltools demo --out DIR: write the seed examples and run the main job on them."""
from __future__ import annotations

from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("demo", help="生成示例工作簿（来自真实公开文件的数据）并运行校验等全部流程")
    p.add_argument("--out", default="demo-output", help="输出文件夹（默认 demo-output）")
    p.set_defaults(func=run)


def run(args) -> int:
    from xltools.demo import examples
    from xltools.io.writers import save_workbook
    from xltools.template import book_filename, build_workbook
    from xltools.pipeline import check_file
    from xltools.cli.check import render_text

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for fam, data in examples():
        info = data["forms"][fam.info_sheet]
        name = info.get(fam.name_field) or ""
        path = save_workbook(build_workbook(fam, data), out / book_filename(fam, name, data["year"]))
        print(f"示例工作簿：{path}")
        _, report = check_file(path)
        print(render_text(report))
        for step in _steps():
            step(path, report)
        print()
    return 0


def _steps():
    """The rest of the main job (fill-codes → recalc → check → explain), as far as each exists."""
    from xltools import pipeline

    return [s for s in getattr(pipeline, "DEMO_STEPS", [])]
