"""The 预算工具 buttons driven through the real xlwings Book that xlwings Lite / Server build from the Office.js
payload (`xw.Book(json=...)`), made from the example workbooks. Assertions are on the actions xlwings returns
(`book.json()`), applied to a grid the way the Office.js client applies them.

That part of xlwings is licensed separately: the `xl` fixture sets XLWINGS_LICENSE_KEY=noncommercial for the
test alone (monkeypatch), never globally.
"""
from __future__ import annotations

import asyncio
import copy
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from xltools.excel import buttons
from xltools.excel.payload import payload_from_xlsx

ROOT = Path(__file__).resolve().parent.parent
FILLS = {"#FFC7CE": "error", "#FFEB9C": "warning", "#DDEBF7": "info"}


@pytest.fixture
def xl(monkeypatch):
    """xlwings with its remote (Office.js) engine, licensed for this test only."""
    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")
    import xlwings

    if "remote" not in xlwings.engines.engines_by_name:   # xlwings was imported earlier without the key
        from xlwings.pro import _xlremote

        xlwings.engines.add(xlwings.main.Engine(impl=_xlremote.engine))
    return xlwings


_PAYLOADS: dict[Path, dict] = {}


def payload(path: Path) -> dict:
    if path not in _PAYLOADS:
        p = payload_from_xlsx(path)
        _PAYLOADS[path] = json.loads(json.dumps(p))        # what travels is JSON
    return copy.deepcopy(_PAYLOADS[path])


class Client:
    """The Office.js side in miniature: the workbook's sheets as grids, and the actions applied to them."""

    def __init__(self, data: dict) -> None:
        self.name = data["book"]["name"]
        self.sheets = [{"name": s["name"], "grid": [list(r) for r in s["values"] if r is not None],
                        "visible": s.get("visibility", "Visible"), "colors": {}, "notes": {a["address"].replace("$", ""): "?"
                        for a in s.get("notes", [])}} for s in data["sheets"]]
        self.alerts: list[tuple[str, str]] = []
        self.active = data["book"]["active_sheet_index"]

    def sheet(self, name: str) -> dict:
        return next(s for s in self.sheets if s["name"] == name)

    def names(self) -> list[str]:
        return [s["name"] for s in self.sheets]

    def value(self, sheet: str, ref: str):
        from xltools.text import parse_ref

        r, c = parse_ref(ref)
        g = self.sheet(sheet)["grid"]
        return g[r][c] if r < len(g) and c < len(g[r]) else ""

    def apply(self, actions: list[dict]) -> None:
        from xltools.text import cell_ref

        for a in actions:
            f, args = a["func"], a["args"]
            s = self.sheets[a["sheet_position"]] if a.get("sheet_position") is not None else None
            if f == "setValues":
                g = s["grid"]
                for i, row in enumerate(a["values"]):
                    r = a["start_row"] + i
                    while len(g) <= r:
                        g.append([])
                    for j, v in enumerate(row):
                        c = a["start_column"] + j
                        while len(g[r]) <= c:
                            g[r].append("")
                        g[r][c] = "" if v is None else v
            elif f == "setRangeColor":
                for i in range(a["row_count"]):
                    for j in range(a["column_count"]):
                        s["colors"][cell_ref(a["start_row"] + i, a["start_column"] + j)] = args[0]
            elif f == "addNote":
                s["notes"][args[0].replace("$", "")] = args[1]
            elif f == "setNoteText":
                s["notes"][args[0].replace("$", "")] = args[1]
            elif f == "deleteNote":
                s["notes"].pop(args[0].replace("$", ""), None)
            elif f == "addSheet":
                self.sheets.insert(args[0], {"name": args[1], "grid": [], "visible": "Visible", "colors": {}, "notes": {}})
            elif f == "sheetDelete":
                self.sheets.remove(s)
            elif f == "copySheet":
                position, target, name = args
                new = copy.deepcopy(s)
                new["name"] = name
                self.sheets.insert(target if position == "Before" else target + 1, new)
            elif f == "setSheetName":
                s["name"] = args[0]
            elif f == "setSheetVisibility":
                s["visible"] = args[0]
            elif f == "activateSheet":
                self.active = int(args[0])
            elif f == "alert":
                self.alerts.append((args[1], args[0]))
            elif f in ("setColumnWidth",):
                pass
            else:
                raise AssertionError(f"unexpected action {f}")

    def to_payload(self, version: str) -> dict:
        sheets = []
        for s in self.sheets:
            width = max((len(r) for r in s["grid"]), default=0)
            values = [list(r) + [""] * (width - len(r)) for r in s["grid"]] or [[]]
            sheets.append({"name": s["name"], "values": values, "visibility": s["visible"], "pictures": [],
                           "shapes": [], "charts": [], "tables": [], "pivot_tables": [], "notes_supported": True,
                           "notes": [{"address": k} for k in s["notes"]], "show_gridlines": True, "print_area": None,
                           "used_range_address": None if not width else f"A1:{_col(width)}{len(values)}"})
        return {"client": "Office.js", "version": version, "names": [], "sheets": sheets,
                "book": {"name": self.name, "active_sheet_index": 0, "selection": "A1"}}

    def grids(self):
        from xltools.excel.bookio import infer_header_merges
        from xltools.io.readers import Grids

        sheets = {s["name"]: [[None if v == "" else v for v in r] for r in s["grid"]] for s in self.sheets}
        return Grids(sheets, infer_header_merges(sheets), {s["name"] for s in self.sheets if s["visible"] != "Visible"},
                     self.name)


def _col(n: int) -> str:
    from xltools.text import col_letter

    return col_letter(n - 1)


def run_button(xl, data: dict, bid: str, *args):
    client = Client(copy.deepcopy(data))          # the book as the client holds it before the click
    book = xl.Book(json=data)
    out = buttons.BUTTONS[bid].func(book, *args)
    actions = book.json()["actions"]
    client.apply(actions)
    return out, actions, client


# ------------------------------------------------------------------------------------------ reading

def test_grids_from_the_book_parse_like_the_file(xl, dept_book, project_books):
    from xltools.excel.bookio import read_grids
    from xltools.pipeline import check_file, check_grids

    for path in [dept_book, *project_books.values()]:
        grids = read_grids(xl.Book(json=payload(path)))
        b1, r1 = check_file(path)
        b2, r2 = check_grids(grids)
        assert r2.flatten(["code", "sheet", "cell"]) == r1.flatten(["code", "sheet", "cell"]), path.name
        assert b2.tables == b1.tables and b2.forms == b1.forms and b2.projects == b1.projects


def test_used_range_not_starting_at_a1_keeps_addresses(xl, tmp_path):
    import openpyxl

    from xltools.excel.bookio import read_grids

    wb = openpyxl.Workbook()
    wb.active.title = "表"
    wb.active["C5"] = "科目编码"
    wb.active["D6"] = 12.5
    wb.save(tmp_path / "offset.xlsx")
    data = payload(tmp_path / "offset.xlsx")
    assert data["sheets"][0]["used_range_address"] == "C5:D6"
    grid = read_grids(xl.Book(json=data))["表"]
    assert grid[4][2] == "科目编码" and grid[5][3] == 12.5


# ------------------------------------------------------------------------------------------ 校验 / 清除标记

def test_check_marks_the_cells_and_lists_every_finding(xl, dept_book):
    from xltools.pipeline import check_file

    _, report = check_file(dept_book)
    out, actions, client = run_button(xl, payload(dept_book), "check")
    assert out.ok, out.message
    stats = report.stats()
    title, message = client.alerts[-1]
    assert title == "预算工具"
    assert message.startswith(f"发现 {stats['errors']} 个错误、{stats['warnings']} 个警告，已标注")
    # the 494.82 cells (基本支出 总计, off by 0.01 against the detail) are marked as warnings
    for sheet in ("部门支出总表", "一般公共预算财政拨款支出预算表"):
        assert client.value(sheet, "D5") == 494.82
        assert FILLS[client.sheet(sheet)["colors"]["D5"]] == "warning"
        assert "494.82" in client.sheet(sheet)["notes"]["D5"]
    # every finding is a row of 校验结果 (the first sheet), linked to its cell
    assert client.names()[0] == "校验结果"
    rows = client.sheet("校验结果")["grid"]
    assert rows[0][:4] == ["位置", "代码", "级别", "说明"]
    assert len(rows) - 1 == len(report.findings)
    for f, row in zip(report.findings, rows[1:]):
        assert row[1] == f.code
        if f.cell:
            assert row[0] == f'=HYPERLINK("#\'{f.sheet}\'!{f.cell}","{f.sheet}!{f.cell}")'
    # the error cells are red
    for f in report.errors:
        if f.cell:
            assert FILLS[client.sheet(f.sheet)["colors"][f.cell]] == "error"
    assert all(a["func"] != "alert" for a in actions[:-1]) and actions[-1]["func"] == "alert"


def test_check_again_then_clear_marks(xl, dept_book):
    import xlwings

    out, _, client = run_button(xl, payload(dept_book), "check")
    marked = {(s["name"], c) for s in client.sheets for c in s["colors"] if s["name"] != "校验结果"}
    assert marked
    # a second run on the marked book replaces the marks: nothing new, nothing left over
    again = client.to_payload(xlwings.__version__)
    out2, actions2, client2 = run_button(xl, again, "check")
    assert out2.ok and out2.counts["errors"] == out.counts["errors"]
    assert client2.names().count("校验结果") == 1
    # 清除标记 removes every mark, the tool's notes and the 校验结果 sheet
    out3, actions3, client3 = run_button(xl, client2.to_payload(xlwings.__version__), "clear_marks")
    assert out3.ok, out3.message
    cleared = {(a["sheet_position"], a["start_row"], a["start_column"]) for a in actions3
               if a["func"] == "setRangeColor" and a["args"][0] is None}
    assert len(cleared) == len(marked)
    assert "校验结果" not in client3.names()
    assert client3.alerts[-1][1].startswith(f"已清除 {len(marked)} 处标记")
    # and again: nothing to clear
    out4, _, _ = run_button(xl, client3.to_payload(xlwings.__version__), "clear_marks")
    assert out4.message == "没有需要清除的标记。"


# ------------------------------------------------------------------------------------------ 重算合计

def test_recompute_makes_the_totals_right(xl, dept_book):
    import xlwings

    from xltools.parse import parse_book
    from xltools.pipeline import check_grids
    from xltools.subtotals import recompute

    data = payload(dept_book)
    sheet = next(s for s in data["sheets"] if s["name"] == "部门支出总表")
    sheet["values"][4][2] = 1.0                             # 总计 合计 typed wrong
    out, actions, client = run_button(xl, data, "recompute")
    assert out.ok and out.counts["values"] >= 1
    assert client.alerts[-1][1].startswith(f"已重算合计，改动了 {out.counts['values']} 个合计单元格")
    assert client.value("部门支出总表", "C5") == 1932.33
    # the result: no arithmetic error left, and recomputing again changes nothing
    _, report = check_grids(client.grids())
    assert not [f for f in report.errors if f.code.startswith("T")]
    assert len(recompute(parse_book(client.grids())[0]).edits) == 0
    out2, actions2, _ = run_button(xl, client.to_payload(xlwings.__version__), "recompute")
    assert out2.counts["values"] == 0 and [a["func"] for a in actions2] == ["alert"]


# ------------------------------------------------------------------------------------------ 科目

def test_fill_codes_fills_an_empty_name(xl, dept_book):
    data = payload(dept_book)
    sheet = next(s for s in data["sheets"] if s["name"] == "一般公共预算财政拨款支出预算表")
    row = next(i for i, r in enumerate(sheet["values"]) if str(r[0]) == "2010302")
    name = sheet["values"][row][1]
    sheet["values"][row][1] = ""
    out, actions, client = run_button(xl, data, "fill_codes")
    assert out.ok, out.message
    assert client.value("一般公共预算财政拨款支出预算表", f"B{row + 1}") == name
    assert client.alerts[-1][1].startswith(f"已填充 {out.counts['values']} 个科目名称")


def test_refresh_code_lists_writes_only_the_lists_sheet(xl, dept_book):
    data = payload(dept_book)
    out, actions, client = run_button(xl, data, "refresh_codes")
    assert out.ok, out.message
    lists = [s["name"] for s in data["sheets"]].index("_lists")
    assert all(a["sheet_position"] == lists for a in actions if a["func"] == "setValues")


# ------------------------------------------------------------------------------------------ 文档

def test_explain_writes_the_docx_beside_the_workbook(xl, dept_book, tmp_path):
    data = payload(dept_book)
    data["book"]["name"] = str(tmp_path / dept_book.name)   # a desktop book: its full path
    out, actions, client = run_button(xl, data, "explain")
    assert out.ok, out.message
    path = Path(out.path)
    assert path.parent == tmp_path and path.name.endswith("-情况说明.docx") and path.stat().st_size > 5000
    assert str(path) in client.alerts[-1][1]
    import docx

    text = "\n".join(p.text for p in docx.Document(path).paragraphs)
    assert "潼南区政务服务管理办公室" in text


def test_explain_in_excel_on_the_web_says_what_to_do(xl, dept_book):
    out, actions, client = run_button(xl, payload(dept_book), "explain")
    assert not out.ok and [a["func"] for a in actions] == ["alert"]
    assert "桌面版 Excel" in out.message and "xltools explain" in out.message
    assert actions[0]["args"][3] == "critical"


def test_add_project_sheet_from_the_template(xl, dept_book):
    from xltools.parse import parse_book

    out, actions, client = run_button(xl, payload(dept_book), "add_project", "政务大厅改造经费")
    assert out.ok, out.message
    assert [a["func"] for a in actions][:3] == ["copySheet", "setSheetName", "setSheetVisibility"]
    assert out.path == "项目5-政务大厅改造经费" and out.path in client.names()
    assert client.sheet(out.path)["visible"] == "Visible"
    assert client.names().index(out.path) == client.names().index("项目4") + 1
    book, _ = parse_book(client.grids())
    assert [p.name for p in book.projects if p.sheet == out.path] == ["政务大厅改造经费"]


def test_add_project_needs_a_name(xl, dept_book):
    out, actions, _ = run_button(xl, payload(dept_book), "add_project", "  ")
    assert not out.ok and "请输入新项目的名称" in out.message and [a["func"] for a in actions] == ["alert"]


# ------------------------------------------------------------------------------------------ failures

def test_unexpected_error_is_one_chinese_sentence_and_a_log(xl, dept_book, tmp_path, monkeypatch):
    import xltools.subtotals

    def boom(book, only_empty=False):
        raise RuntimeError("internal detail")

    monkeypatch.setattr(xltools.subtotals, "recompute", boom)
    monkeypatch.setattr(buttons, "LOG_FILE", tmp_path / "log.txt")
    out, actions, client = run_button(xl, payload(dept_book), "recompute")
    assert not out.ok and [a["func"] for a in actions] == ["alert"]
    assert "意外错误（RuntimeError）" in out.message and "Traceback" not in out.message
    assert "internal detail" in (tmp_path / "log.txt").read_text(encoding="utf-8")


def test_a_core_module_not_installed_says_so(xl, dept_book, monkeypatch):
    real = buttons.importlib.import_module

    def missing(name, *a):
        if name == "xltools.subtotals":
            raise ModuleNotFoundError(name=name)
        return real(name, *a)

    monkeypatch.setattr(buttons.importlib, "import_module", missing)
    out, actions, _ = run_button(xl, payload(dept_book), "recompute")
    assert not out.ok and "“重算合计”功能尚未安装" in out.message


def test_unusable_workbook_gives_the_toolkit_message(xl, tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active["A1"] = "随便什么"
    wb.save(tmp_path / "x.xlsx")
    for bid in ("check", "recompute", "explain", "add_project"):
        out, actions, client = run_button(xl, payload(tmp_path / "x.xlsx"), bid, *(["名称"] if bid == "add_project" else []))
        assert actions[-1]["func"] == "alert" and "Traceback" not in out.message and out.message


# ------------------------------------------------------------------------------------------ entry points

def test_scripts_run_through_the_xlwings_server_runtime(xl, dept_book):
    from xlwings.server import custom_scripts_call, custom_scripts_meta

    from xltools.excel import scripts

    meta = {m["function_name"]: m["name"] for m in custom_scripts_meta(scripts)}
    assert meta == {b.id: b.label for b in buttons.BUTTONS.values()}
    book = xl.Book(json=payload(dept_book))
    returned = asyncio.run(custom_scripts_call(scripts, "check", typehint_to_value={xl.Book: book}))
    assert returned is book
    assert any(a["func"] == "setRangeColor" for a in book.json()["actions"])
    book = xl.Book(json=payload(dept_book))
    asyncio.run(custom_scripts_call(scripts, "add_project", typehint_to_value={xl.Book: book}, args=["新项目"]))
    assert book.json()["actions"][0]["func"] == "copySheet"


def test_desktop_run_dispatches_by_control_id(xl, dept_book):
    from xltools.excel import desktop

    assert desktop.decode_arg("9879 76EE 540D") == "项目名" and desktop.decode_arg("") == ""
    book = xl.Book(json=payload(dept_book))
    out = desktop.run("add_project", "6D4B 8BD5", book=book)
    assert out.ok and out.path == "项目5-测试"
    book = xl.Book(json=payload(dept_book))
    assert desktop.run("no_such_button", book=book) is None
    assert "未知的按钮" in book.json()["actions"][-1]["args"][0]


def test_button_registry_matches_the_ribbon():
    import xml.etree.ElementTree as ET

    ns = {"ui": "http://schemas.microsoft.com/office/2006/01/customui"}
    root = ET.parse(ROOT / "xltools" / "excel" / "macros" / "customUI.xml").getroot()
    ribbon = {b.get("id"): (b.get("label"), g.get("label"), b.get("imageMso"))
              for g in root.iterfind(".//ui:group", ns) for b in g.iterfind("ui:button", ns)}
    assert ribbon == {b.id: (b.label, b.group, b.image) for b in buttons.BUTTONS.values()}


def test_importing_xltools_and_the_buttons_does_not_import_xlwings():
    code = ("import sys, xltools, xltools.pipeline, xltools.excel, xltools.excel.buttons, xltools.excel.addin; "
            "print('xlwings' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    offenders = [p for p in (ROOT / "xltools").rglob("*.py") if "excel" not in p.parts
                 and re.search(r"^\s*(import xlwings|from xlwings)", p.read_text(encoding="utf-8"), re.M)]
    assert offenders == []
