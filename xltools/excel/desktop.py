"""Desktop Excel: the entry point the add-in's VBA calls through RunPython.

    RunPython "import xltools.excel.desktop as d; d.run('check')"

`run(button_id, arg="")` finds the workbook the button was pressed in (`xw.Book.caller()`: the standalone
xlwings module of xltools.xlam reports the active workbook) and runs that button. It never raises: a Python
traceback would reach the user as xlwings' error box. `arg` carries text typed in VBA (the new project's
name for 新增项目表) as space-separated hexadecimal code points, so that the command line stays ASCII.
"""
from __future__ import annotations

import sys


def decode_arg(arg: str) -> str:
    """'9879 76EE' → '项目' (VBA builds it with Hex(AscW(ch)) so that no Chinese passes the command line)."""
    arg = (arg or "").strip()
    if not arg:
        return ""
    try:
        return "".join(chr(int(x, 16)) for x in arg.split())
    except ValueError:
        return arg


def run(button_id: str, arg: str = "", book=None) -> object:
    from xltools.excel.buttons import BUTTONS

    try:
        if book is None:
            import xlwings as xw

            book = xw.Book.caller()
    except Exception as e:  # noqa: BLE001 - not called from Excel, or Excel did not answer
        print(f"预算工具：找不到调用按钮的工作簿（{type(e).__name__}）。请在 Excel 中点击按钮。", file=sys.stderr)
        return None
    b = BUTTONS.get(button_id)
    if b is None:
        from xltools.excel.bookio import alert

        try:
            alert(book, f"未知的按钮“{button_id}”。加载项与 xltools 版本不一致，请让信息技术人员重新安装加载项"
                        "（xltools addin build 与 xltools addin install）。", error=True)
        except Exception:  # noqa: BLE001
            pass
        return None
    if button_id == "add_project":
        return b.func(book, decode_arg(arg))
    return b.func(book)
