"""The buttons as xlwings Lite / xlwings Server scripts (`@script`): the same functions as the desktop ribbon.

In xlwings Lite paste `from xltools.excel.scripts import *` into main.py (with xltools in requirements.txt);
for xlwings Server import this module as the scripts module. Each script takes the `xw.Book` the runtime
builds from the Office.js payload and returns it, so the runtime sends its actions back to Excel.
新增项目表 takes the project's name as a script argument (App Mode renders a text box for it).

The decorator is xlwings.server.script (the licensed part of xlwings); where it cannot be loaded (classic
desktop xlwings without a licence key) xlwings' own no-op `script` marks the functions instead.
"""
from __future__ import annotations

import xlwings as xw

from xltools.excel import buttons

try:
    from xlwings.server import script
except Exception:  # noqa: BLE001 - ImportError, LicenseError: no Server/Lite runtime here
    script = xw.script

__all__ = ["fill_codes", "refresh_codes", "recompute", "check", "clear_marks", "explain", "add_project"]


@script(name="填充科目名称")
def fill_codes(book: xw.Book):
    buttons.fill_codes(book)
    return book


@script(name="刷新科目列表")
def refresh_codes(book: xw.Book):
    buttons.refresh_codes(book)
    return book


@script(name="重算合计")
def recompute(book: xw.Book):
    buttons.recompute(book)
    return book


@script(name="校验")
def check(book: xw.Book):
    buttons.check(book)
    return book


@script(name="清除标记")
def clear_marks(book: xw.Book):
    buttons.clear_marks(book)
    return book


@script(name="生成情况说明")
def explain(book: xw.Book):
    buttons.explain(book)
    return book


@script(name="新增项目表")
def add_project(book: xw.Book, name: str = ""):
    buttons.add_project(book, name)
    return book
