"""xltools addin build -o DIR [--interpreter-win PATH] [--interpreter-mac PATH]
   xltools addin install [--xlam FILE] [--dry-run]

build: assemble xltools.xlam (ribbon tab 预算工具 + VBA dispatcher + xlwings' RunPython) from macros/ and the
installed xlwings, on any OS, without Excel. install: copy it to Excel's start-up folder (XLSTART) and write
this Python as the interpreter the add-in runs; on a Mac also xlwings' AppleScript; on Linux print the steps.
"""
from __future__ import annotations

from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("addin", help="Excel 加载项：生成 xltools.xlam（功能区“预算工具”）并安装")
    asub = p.add_subparsers(dest="addin_cmd", metavar="子命令")
    b = asub.add_parser("build", help="生成 xltools.xlam（无需 Excel）")
    b.add_argument("-o", "--out", default="dist", help="输出文件夹（默认 dist）")
    b.add_argument("--interpreter-win", metavar="PATH", help="写入加载项的 Windows Python 解释器（pythonw.exe）路径")
    b.add_argument("--interpreter-mac", metavar="PATH", help="写入加载项的 Mac Python 解释器路径")
    b.set_defaults(func=run_build)
    i = asub.add_parser("install", help="把加载项安装到本机 Excel（Windows / Mac；Linux 上只列出步骤）")
    i.add_argument("--xlam", help="要安装的加载项（默认先生成到临时文件夹）")
    i.add_argument("--dry-run", action="store_true", help="只列出将要做的事")
    i.set_defaults(func=run_install)
    p.set_defaults(func=lambda a: p.print_help() or 2)


def run_build(args) -> int:
    from xltools.excel.addin import build

    r = build(args.out, interpreter_win=args.interpreter_win, interpreter_mac=args.interpreter_mac)
    print(f"已生成 {r.path}（xlwings {r.xlwings_version}，{r.buttons} 个按钮，VBA 模块：{'、'.join(r.modules)}）")
    return 0


def run_install(args) -> int:
    import tempfile

    from xltools.excel.addin import build, install, plan_install

    plan = plan_install()
    if plan.addin_dir is None:
        for line in plan.steps:
            print(line)
        return 0
    if args.xlam:
        xlam = Path(args.xlam)
    else:
        xlam = build(tempfile.mkdtemp(prefix="xltools-addin-")).path
    for line in install(xlam, plan, dry_run=args.dry_run):
        print(("将" if args.dry_run else "已") + line)
    if not args.dry_run:
        print("请重新启动 Excel：功能区出现“预算工具”选项卡即安装成功。")
    return 0
