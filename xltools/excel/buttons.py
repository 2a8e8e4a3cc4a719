"""The button functions: one per button of the 预算工具 ribbon tab and of the in-sheet buttons.

Each takes an `xw.Book` (desktop: the active workbook via RunPython; xlwings Lite / Server: the book built from
the Office.js payload) and is a thin wrapper: read grids from the book → call the core → apply the edits to
the book → tell the user in a message box. The core does all the work and touches neither Excel nor files
(xltools.fillcodes, subtotals, pipeline + annotate, narrative); a core module that is not installed yet gives
a Chinese "功能尚未安装" message instead of failing.

No button shows a Python traceback: input the tool cannot use (XltoolsError) is its Chinese message; any
other failure is one Chinese sentence saying what to do, with the details written to the log file
(~/.xltools/xltools-excel.log) for IT staff.

Every function returns an `Outcome` (what was shown, the counts) so that tests and scripts can check it.
xlwings is not imported here: the book is handed in.
"""
from __future__ import annotations

import functools
import importlib
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from xltools.errors import XltoolsError
from xltools.excel import bookio

log = logging.getLogger("xltools.excel")
LOG_FILE = Path.home() / ".xltools" / "xltools-excel.log"
RESULT_SHEET = "校验结果"


@dataclass(frozen=True)
class Button:
    id: str                 # the ribbon control id, the argument of desktop.run(), the script name
    label: str              # the Chinese label on the ribbon and on in-sheet buttons
    group: str              # 科目 | 计算 | 校验 | 文档
    image: str              # an Office built-in icon (imageMso)
    func: Callable


@dataclass
class Outcome:
    button: str
    message: str
    ok: bool = True
    counts: dict = field(default_factory=dict)
    path: str = ""          # a file the button wrote (情况说明.docx)
    findings: list = field(default_factory=list)


BUTTONS: dict[str, Button] = {}


class CoreMissing(XltoolsError):
    """A core module a button wraps is not installed (yet)."""


def core(module: str, name: str):
    """`module.name`, or CoreMissing when that part of xltools is not installed."""
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as e:
        if e.name and (module == e.name or module.startswith(e.name + ".")):
            raise CoreMissing(module) from None
        raise
    fn = getattr(mod, name, None)
    if fn is None:
        raise CoreMissing(f"{module}.{name}")
    return fn


def _log_failure(button: Button) -> str:
    text = traceback.format_exc()
    try:
        LOG_FILE.parent.mkdir(parents=True, exist_ok=True)
        import datetime as dt
        from xltools import __version__

        with LOG_FILE.open("a", encoding="utf-8") as f:
            f.write(f"--- {dt.datetime.now().isoformat(timespec='seconds')} xltools {__version__} "
                    f"button {button.id}\n{text}\n")
        return str(LOG_FILE)
    except OSError:
        log.error(text)
        return ""


def button(id: str, label: str, group: str, image: str):
    """Register a button function and guard it: whatever happens, the user gets one Chinese message."""

    def deco(fn):
        @functools.wraps(fn)
        def run(book, *args, **kwargs) -> Outcome:
            b = BUTTONS[id]
            try:
                out = fn(book, *args, **kwargs)
            except CoreMissing:
                out = Outcome(id, f"“{label}”功能尚未安装：当前的 xltools 版本还没有这项功能。"
                                  "请让信息技术人员升级 xltools（pip install -U xltools）后再试。", ok=False)
            except XltoolsError as e:
                out = Outcome(id, str(e), ok=False)
            except Exception as e:  # noqa: BLE001 - a button never shows a traceback
                where = _log_failure(b)
                out = Outcome(id, f"“{label}”运行时出现意外错误（{type(e).__name__}）。请保存工作簿后重试；"
                                  "如果仍然出错，请把工作簿和错误记录发给信息技术人员"
                                  + (f"（错误记录：{where}）。" if where else "。"), ok=False)
            try:
                bookio.alert(book, out.message, error=not out.ok)
            except Exception:  # noqa: BLE001 - no message box (e.g. Excel busy): the outcome still returns
                log.warning("alert failed: %s", out.message)
            return out

        BUTTONS[id] = Button(id, label, group, image, run)
        return run

    return deco


# ------------------------------------------------------------------------------------------ helpers

def _parse(book, grids=None):
    from xltools.parse import parse_book

    grids = grids or bookio.read_grids(book)
    model, findings = parse_book(grids)
    return grids, model, findings


def _without(grids, *names: str):
    from xltools.io.readers import Grids

    keep = {n: g for n, g in grids.sheets.items() if n not in names}
    return Grids(keep, {n: m for n, m in grids.merged.items() if n in keep}, grids.hidden - set(names),
                 grids.source)


def _meta_rows(grids) -> list[list] | None:
    from xltools.parse import META_SHEET

    return [list(r) for r in grids[META_SHEET]] if META_SHEET in grids else None


def _first(findings, n: int = 3) -> str:
    lines = [f"· {f.sheet}{'!' + f.cell if f.cell else ''}：{f.message}" for f in list(findings)[:n]]
    more = len(findings) - n
    return "\n".join(lines) + (f"\n……另有 {more} 条，点“校验”可查看全部。" if more > 0 else "")


# ------------------------------------------------------------------------------------------ buttons

@button("fill_codes", "填充科目名称", "科目", "FillDown")
def fill_codes(book) -> Outcome:
    fill = core("xltools.fillcodes", "fill_codes")
    _, model, _ = _parse(book)
    edits, findings = fill(model)
    counts = bookio.apply_edits(book, edits)
    n = counts["values"]
    msg = f"已填充 {n} 个科目名称。" if n else "科目名称均已填写，没有需要填充的单元格。"
    if findings:
        msg += f"\n\n另有 {len(findings)} 个科目编码需要检查：\n" + _first(findings)
    return Outcome("fill_codes", msg, counts=counts, findings=list(findings))


@button("refresh_codes", "刷新科目列表", "科目", "RefreshAll")
def refresh_codes(book) -> Outcome:
    refresh = core("xltools.fillcodes", "refresh_code_lists")
    grids, model, _ = _parse(book)
    edits = _call_with(refresh, model=model, grids=grids)
    if isinstance(edits, tuple):
        edits = edits[0]
    counts = bookio.apply_edits(book, edits)
    msg = (f"已按 {model.year or ''} 年度科目目录刷新科目编码下拉列表（{counts['values']} 个单元格）。"
           if counts["values"] else "科目编码下拉列表已是最新，无需刷新。")
    return Outcome("refresh_codes", msg, counts=counts)


def _call_with(fn, **available):
    """Call a core function with the arguments it names (book/model, grids), positional model otherwise."""
    import inspect

    params = list(inspect.signature(fn).parameters)
    kwargs = {}
    for p in params:
        if p in ("book", "model"):
            kwargs[p] = available["model"]
        elif p == "grids":
            kwargs[p] = available["grids"]
    return fn(**kwargs) if kwargs else fn(available["model"])


@button("recompute", "重算合计", "计算", "AutoSum")
def recompute(book) -> Outcome:
    calc = core("xltools.subtotals", "recompute_grids")
    grids = bookio.read_grids(book)
    _, edits = calc(grids)          # the summary tables' missing 科目 rows first, then every total
    counts = bookio.apply_edits(book, edits)
    n = counts["values"]
    msg = (f"已重算合计，改动了 {n} 个合计单元格（填写的数字未改动）。" if n
           else "各表合计均正确，没有需要改动的单元格。")
    return Outcome("recompute", msg, counts=counts)


@button("check", "校验", "校验", "DataValidation")
def check(book) -> Outcome:
    from xltools.pipeline import check_grids

    grids = bookio.read_grids(book)
    _, report = check_grids(_without(grids, RESULT_SHEET))
    stats = report.stats()
    summary = f"发现 {stats['errors']} 个错误、{stats['warnings']} 个警告"
    try:
        annotate = core("xltools.annotate", "annotate")
        previous = core("xltools.annotate", "previous_marks")
    except CoreMissing:
        msg = f"{summary}。（单元格标注功能尚未安装，以下只列出前几条）\n\n" + _first(report.findings, 8)
        return Outcome("check", msg, ok=True, counts=dict(stats), findings=list(report.findings))
    names = [n for n in grids.names if n != RESULT_SHEET]
    edits = annotate(report, previous=previous(grids), meta=_meta_rows(grids), sheets=names)
    counts = bookio.apply_edits(book, edits)
    if stats["errors"] or stats["warnings"]:
        msg = f"{summary}，已标注。请查看“{RESULT_SHEET}”表，点击位置可跳到对应单元格。"
    else:
        msg = "未发现错误或警告。" + (f"（另有 {stats['infos']} 条提示，见“{RESULT_SHEET}”表）" if stats["infos"] else "")
    if stats.get("explained"):
        msg += f"\n{stats['explained']} 条警告已在“审核说明”中说明。"
    return Outcome("check", msg, counts={**stats, **counts}, findings=list(report.findings))


@button("clear_marks", "清除标记", "校验", "ClearFormats")
def clear_marks(book) -> Outcome:
    annotate = core("xltools.annotate", "annotate")
    previous = core("xltools.annotate", "previous_marks")
    grids = bookio.read_grids(book)
    names = [n for n in grids.names if n != RESULT_SHEET]
    marked = previous(grids)
    edits = annotate([], previous=marked, meta=_meta_rows(grids), sheets=names)
    edits.sheets = []                                   # no new 校验结果 sheet …
    if RESULT_SHEET in grids:
        edits.remove_sheets.append(RESULT_SHEET)        # … and the old one goes
    counts = bookio.apply_edits(book, edits)
    if counts["cleared"] or edits.remove_sheets:
        msg = f"已清除 {counts['cleared']} 处标记" + (f"和“{RESULT_SHEET}”表。" if edits.remove_sheets else "。")
    else:
        msg = "没有需要清除的标记。"
    return Outcome("clear_marks", msg, counts=counts)


def output_folder(book) -> tuple[Path | None, str]:
    """Where a file made from the workbook goes: beside it; a workbook on OneDrive/SharePoint (an URL) → the
    Documents folder; a workbook with no folder (Excel on the web, a new unsaved book) → None."""
    full = bookio._fullname(book)
    if "://" in full:
        docs = Path.home() / "Documents"
        return (docs if docs.is_dir() else Path.home()), "工作簿保存在网络位置（OneDrive/SharePoint），"
    p = Path(full)
    if p.is_absolute() and p.parent.is_dir():
        return p.parent, ""
    return None, ""


@button("explain", "生成情况说明", "文档", "FileSaveAs")
def explain(book) -> Outcome:
    make = core("xltools.narrative", "explain")
    write = core("xltools.narrative", "write")
    with_totals = core("xltools.pipeline", "with_totals")
    model, _, pending = with_totals(bookio.read_grids(book))
    folder, why = output_folder(book)
    if folder is None:
        raise XltoolsError("无法确定工作簿所在的文件夹（工作簿尚未保存，或在网页版 Excel 中打开），情况说明无法保存在工作簿旁。"
                           "请先把工作簿保存到电脑上，在桌面版 Excel 中再点“生成情况说明”；"
                           "也可以用命令行：xltools explain 工作簿.xlsx")
    doc = make(model)
    from xltools.io.writers import safe_filename

    stem = Path(bookio._fullname(book).rsplit("/", 1)[-1]).stem or "部门预算"
    path = write(doc, folder / safe_filename(f"{stem}-情况说明.docx"))
    msg = f"{why}已生成情况说明：\n{path}"
    if pending:
        msg += (f"\n\n{'、'.join(f.sheet for f in pending)} 的合计尚未重算，文中数字已按明细代为计算；"
                "请点“重算合计”写入工作簿后再报送。")
    missing = list(getattr(doc, "findings", []) or [])
    if missing:
        msg += f"\n\n文中有 {len(missing)} 处【待填写】，请在“单位信息”等表中补充后重新生成：\n" + _first(missing, 5)
    return Outcome("explain", msg, path=str(path), findings=missing)


@button("add_project", "新增项目表", "文档", "SheetInsert")
def add_project(book, name: str | None = None) -> Outcome:
    from xltools.families import get_family
    from xltools.parse import SheetView, parse_form
    from xltools.template import safe_sheet_name

    name = (name or "").strip()
    if not name:
        raise XltoolsError("请输入新项目的名称（例如：政务服务工作站建设经费）。")
    grids, model, _ = _parse(book)
    rep = get_family(model.family).repeated
    if rep is None:
        raise XltoolsError(f"“{get_family(model.family).title}”模板没有项目表，无法新增。")
    if rep.template_name not in grids:
        raise XltoolsError(f"工作簿中没有隐藏的“{rep.template_name}”表，无法新增项目表。请使用官方模板（xltools new）。")
    if any(p.name == name for p in model.projects):
        raise XltoolsError(f"已有名为“{name}”的项目表，请换一个名称。")
    n = len(model.projects) + 1
    taken = set(grids.names)
    sheet_name = safe_sheet_name(f"{rep.name.replace('{n}', str(n))}-{name}", taken)
    template = book.sheets[rep.template_name]
    after = book.sheets[model.projects[-1].sheet] if model.projects else template
    new = template.copy(after=after, name=sheet_name)
    new.visible = True
    form = parse_form(SheetView(rep.template_name, grids[rep.template_name], grids.merged.get(rep.template_name, [])),
                      rep.fields, [], report_missing=False)
    cell = form.cell("name")
    if cell:
        new.range(cell).value = _text(name)
    new.activate()
    return Outcome("add_project", f"已新增项目表“{sheet_name}”，请填写项目信息和绩效指标。",
                   counts={"sheets": 1}, path=sheet_name)


def _text(v: str) -> str:
    from xltools.template import escape_text

    return escape_text(v)
