"""Batch check: every workbook under a folder, checked in isolated worker processes, one row each.

`batch_check(folder)` streams the workers' small summaries into a BatchResult (one row per workbook: unit,
status 通过 / 有警告 / 有错误 / 无法读取, counts by severity, the most frequent codes, every finding as a short
tuple); `write_report(result, path)` writes REPORT.xlsx: 汇总 (one row per workbook), 明细 (every finding),
统计 (status counts with a chart, and the codes met most across the batch). Exit code: 1 when any workbook
has errors or cannot be read, else 0.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from xltools.batch.tasks import FAILED, PASSED, STATUSES, UNREADABLE, WARNED
from xltools.findings import SEVERITY_ZH

STATUS_FILLS = {PASSED: "C6EFCE", WARNED: "FFEB9C", FAILED: "FFC7CE", UNREADABLE: "D9D9D9"}
STATUS_FONTS = {PASSED: "006100", WARNED: "7F6000", FAILED: "9C0006", UNREADABLE: "404040"}
SEVERITY_FILLS = {"error": "FFC7CE", "warning": "FFEB9C", "info": "DDEBF7"}


class FindingsSpool:
    """Every workbook's findings, kept in a temporary file instead of memory: the parent holds one small
    summary row per workbook, so its memory stays flat however many files a batch has."""

    def __init__(self) -> None:
        import tempfile

        self._fh = tempfile.TemporaryFile()
        self._at: dict[int, int] = {}

    def put(self, key: int, findings: list) -> None:
        import pickle

        self._at[key] = self._fh.seek(0, 2)
        pickle.dump(findings, self._fh, protocol=pickle.HIGHEST_PROTOCOL)

    def get(self, key: int) -> list:
        import pickle

        if key not in self._at:
            return []
        self._fh.seek(self._at[key])
        return pickle.load(self._fh)

    def close(self) -> None:
        self._fh.close()


@dataclass
class BatchResult:
    folder: Path
    rows: list[dict] = field(default_factory=list)      # one per workbook, sorted by file (findings spooled)
    skipped: list[str] = field(default_factory=list)    # the tool's own outputs met in the folder
    spool: FindingsSpool = field(default_factory=FindingsSpool)

    def findings(self, row: dict) -> list[tuple]:
        """(sheet, cell, code, severity, message, explained) of every finding of one workbook."""
        return self.spool.get(row["_id"])

    def counts(self) -> dict[str, int]:
        c = Counter(r["status"] for r in self.rows)
        return {s: c.get(s, 0) for s in STATUSES}

    @property
    def exit_code(self) -> int:
        return 1 if any(r["status"] in (FAILED, UNREADABLE) for r in self.rows) else 0

    def file_dict(self, r: dict) -> dict:
        d = {k: r[k] for k in ("file", "unit_name", "unit_code", "status", "errors", "warnings", "infos",
                               "explained", "reason", "note")}
        d["top_codes"] = [{"code": c, "count": n} for c, n in r["top_codes"]]
        d["findings"] = [{"sheet": s, "cell": c, "code": code, "severity": sev, "message": m, "explained": e}
                         for s, c, code, sev, m, e in self.findings(r)]
        return d

    def to_dict(self) -> dict:
        return {"folder": str(self.folder), "counts": self.counts(), "files": [self.file_dict(r) for r in self.rows],
                "skipped": self.skipped}

    def write_json(self, stream) -> None:
        """The same document as to_dict, written file by file (memory stays flat)."""
        import json

        def dump(v) -> str:
            return json.dumps(v, ensure_ascii=False, indent=2)

        stream.write("{\n" + f'  "folder": {dump(str(self.folder))},\n  "counts": '
                     + dump(self.counts()).replace("\n", "\n  ") + ',\n  "files": [')
        for i, r in enumerate(self.rows):
            stream.write(("," if i else "") + "\n    " + dump(self.file_dict(r)).replace("\n", "\n    "))
        stream.write(("\n  " if self.rows else "") + '],\n  "skipped": '
                     + dump(self.skipped).replace("\n", "\n  ") + "\n}\n")


def _failed_row(rel: str, path: Path, reason: str) -> dict:
    from xltools.batch.tasks import _blank

    row = _blank(path)
    row.pop("findings")
    row.update(file=rel, reason=reason, note="")
    return row


def batch_check(folder: str | Path, *, jobs: int | None = None, timeout: float | None = None,
                memory_mb: int | None = None, exclude: tuple = (), progress=None) -> BatchResult:
    from xltools.batch.discover import find_workbooks
    from xltools.batch.tasks import inspect_files

    root = Path(folder)
    files = find_workbooks(root, exclude=exclude)
    result = BatchResult(root)
    if not files:
        return result
    rows: list[dict | None] = [None] * len(files)
    for oc, p, rel in inspect_files(files, root, "check", jobs=jobs, timeout=timeout, memory_mb=memory_mb,
                                    progress=progress):
        if not oc.ok:
            rows[oc.index] = _failed_row(rel, p, f"“{p.name}” {oc.reason}，已跳过。请用 Excel 打开检查后另存再试。")
            rows[oc.index]["_id"] = oc.index
            continue
        r = oc.value
        if r.get("skip"):
            result.skipped.append(r["skip"])
            continue
        result.spool.put(oc.index, r.pop("findings"))
        r.update(file=rel, note="", _id=oc.index)
        rows[oc.index] = r
    result.rows = [r for r in rows if r is not None]
    _mark_duplicates(result.rows)
    return result


def _mark_duplicates(rows: list[dict]) -> None:
    from xltools.text import label_key

    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        if r["status"] == UNREADABLE:
            continue
        key = ("code", r["unit_code"]) if r["unit_code"] else ("name", label_key(r["unit_name"])) if r["unit_name"] else None
        if key:
            groups.setdefault(key, []).append(r)
    for same in groups.values():
        if len(same) > 1:
            for r in same:
                others = [o["file"] for o in same if o is not r]
                shown = "、".join(others[:2]) + (f" 等 {len(others)} 个文件" if len(others) > 2 else "")
                by = "单位编码" if r["unit_code"] else "单位名称"
                r["note"] = f"与 {shown}{by}相同，请确认是否重复报送。"


def top_codes_text(row: dict) -> str:
    return "、".join(f"{c}×{n}" for c, n in row["top_codes"])


def row_note(row: dict) -> str:
    parts = []
    if row["status"] == UNREADABLE:
        parts.append(row["reason"])
    if row.get("explained"):
        parts.append(f"{row['explained']} 个警告已说明")
    if row.get("note"):
        parts.append(row["note"])
    return "；".join(p for p in parts if p)


# ----------------------------------------------------------------------------------------------- REPORT.xlsx

def write_report(result: BatchResult, path: str | Path) -> Path:
    import os

    import openpyxl
    from openpyxl.chart import BarChart, Reference
    from openpyxl.chart.label import DataLabelList
    from openpyxl.chart.marker import DataPoint
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    from xltools.io.writers import save_workbook
    from xltools.template import escape_text

    path = Path(path)
    thin = Side(style="thin", color="A6A6A6")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    font = Font(name="宋体", size=10)
    bold = Font(name="宋体", size=10, bold=True)
    head_fill = PatternFill("solid", fgColor="D9E1F2")
    wrap = Alignment(vertical="center", wrap_text=True)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)

    def header(ws, heads, widths):
        for c, (h, w) in enumerate(zip(heads, widths), start=1):
            cell = ws.cell(row=1, column=c, value=h)
            cell.font, cell.fill, cell.alignment, cell.border = bold, head_fill, center, border
            ws.column_dimensions[get_column_letter(c)].width = w
        ws.row_dimensions[1].height = 22
        ws.freeze_panes = "A2"

    def fit(ws, row: int, values: list, widths: list) -> None:
        """An explicit height for a row of wrapped text (neither Excel nor LibreOffice sizes it on opening)."""
        lines = max((_lines(v, w) for v, w in zip(values, widths)), default=1)
        if lines > 1:
            ws.row_dimensions[row].height = 13.5 * lines + 2

    def page(ws, landscape=True, title=""):
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape" if landscape else "portrait"
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.print_title_rows = "1:1"
        ws.page_margins.left = ws.page_margins.right = 0.4
        if title:
            ws.oddHeader.center.text = title
            ws.oddHeader.center.size = 12
        ws.oddFooter.center.text = "第 &P 页，共 &N 页"

    wb = openpyxl.Workbook()
    # -------------------------------------------------------------- 汇总
    ws = wb.active
    ws.title = "汇总"
    import datetime

    title = f"{result.folder.name} 批量校验报告（{datetime.date.today().isoformat()}）"
    heads = ["序号", "单位名称", "文件", "状态", "错误", "警告", "提示", "主要问题代码", "说明"]
    widths = [6, 34, 44, 9, 6, 6, 6, 22, 56]
    header(ws, heads, widths)
    base = path.parent.resolve()
    for i, r in enumerate(result.rows, start=1):
        counts = [None] * 3 if r["status"] == UNREADABLE else [r["errors"], r["warnings"], r["infos"]]
        vals = [i, escape_text(r["unit_name"]), escape_text(r["file"]), r["status"], *counts, top_codes_text(r),
                escape_text(row_note(r))]
        fit(ws, i + 1, vals, widths)
        for c, v in enumerate(vals, start=1):
            cell = ws.cell(row=i + 1, column=c, value=v)
            cell.font, cell.border, cell.alignment = font, border, wrap
        st = ws.cell(row=i + 1, column=4)
        st.fill = PatternFill("solid", fgColor=STATUS_FILLS[r["status"]])
        st.font = Font(name="宋体", size=10, bold=True, color=STATUS_FONTS[r["status"]])
        st.alignment = center
        for c in (1, 5, 6, 7):
            ws.cell(row=i + 1, column=c).alignment = center
        try:   # the file name opens the workbook (a relative link: the report can move with the folder)
            link = ws.cell(row=i + 1, column=3)
            link.hyperlink = os.path.relpath(Path(r["path"]).resolve(), base)
            link.font = Font(name="宋体", size=10, color="0563C1", underline="single")
        except (ValueError, OSError):
            pass
    n = len(result.rows)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(heads))}{n + 1}"
    page(ws, title=title)

    # -------------------------------------------------------------- 明细
    wd = wb.create_sheet("明细")
    heads = ["文件", "单位名称", "工作表", "单元格", "代码", "级别", "说明"]
    widths = [40, 30, 28, 7, 6, 8, 70]
    header(wd, heads, widths)
    r_i = 2
    for r in result.rows:
        entries = result.findings(r)
        if r["status"] == UNREADABLE:
            entries = [("", "", "", "unreadable", r["reason"], False)]
        for sheet, cell_ref, code, sev, msg, explained in entries:
            level = UNREADABLE if sev == "unreadable" else SEVERITY_ZH.get(sev, sev) + ("（已说明）" if explained else "")
            vals = [escape_text(r["file"]), escape_text(r["unit_name"]), escape_text(sheet), cell_ref, code, level,
                    escape_text(msg)]
            fit(wd, r_i, vals, widths)
            for c, v in enumerate(vals, start=1):
                cell = wd.cell(row=r_i, column=c, value=v)
                cell.font, cell.border, cell.alignment = font, border, wrap
            fill = SEVERITY_FILLS.get(sev) if not explained else None
            if sev == "unreadable":
                fill = STATUS_FILLS[UNREADABLE]
            if fill:
                wd.cell(row=r_i, column=6).fill = PatternFill("solid", fgColor=fill)
            r_i += 1
    wd.auto_filter.ref = f"A1:{get_column_letter(len(heads))}{max(r_i - 1, 1)}"
    page(wd, title=title)

    # -------------------------------------------------------------- 统计 (status counts + chart, codes)
    wt = wb.create_sheet("统计")
    header(wt, ["状态", "工作簿数"], [12, 10])
    counts = result.counts()
    for i, s in enumerate(STATUSES, start=2):
        a = wt.cell(row=i, column=1, value=s)
        b = wt.cell(row=i, column=2, value=counts[s])
        for cell in (a, b):
            cell.font, cell.border = font, border
        a.fill = PatternFill("solid", fgColor=STATUS_FILLS[s])
    tot = len(STATUSES) + 2
    wt.cell(row=tot, column=1, value="合计").font = bold
    wt.cell(row=tot, column=2, value=sum(counts.values())).font = bold
    for c in (1, 2):
        wt.cell(row=tot, column=c).border = border
    chart = BarChart()
    chart.type = "col"
    chart.title = "工作簿校验结果"
    chart.y_axis.title = "工作簿数"
    chart.y_axis.majorGridlines = None
    chart.y_axis.delete = False
    chart.x_axis.delete = False
    chart.legend = None
    data = Reference(wt, min_col=2, min_row=1, max_row=len(STATUSES) + 1)
    cats = Reference(wt, min_col=1, min_row=2, max_row=len(STATUSES) + 1)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(cats)
    series = chart.series[0]
    for idx, s in enumerate(STATUSES):
        pt = DataPoint(idx=idx)
        pt.graphicalProperties.solidFill = STATUS_FILLS[s] if s != PASSED else "70AD47"
        if s == FAILED:
            pt.graphicalProperties.solidFill = "E06666"
        elif s == WARNED:
            pt.graphicalProperties.solidFill = "F1C232"
        elif s == UNREADABLE:
            pt.graphicalProperties.solidFill = "999999"
        series.dPt.append(pt)
    series.dLbls = DataLabelList()
    series.dLbls.showVal = True
    series.dLbls.showSerName = series.dLbls.showCatName = series.dLbls.showLegendKey = False
    series.dLbls.showPercent = False
    chart.height, chart.width = 7.5, 13
    wt.add_chart(chart, "D2")

    codes = Counter()
    files_by_code: Counter = Counter()
    worst: dict[str, str] = {}
    for r in result.rows:
        seen = set()
        for _, _, code, sev, _, explained in result.findings(r):
            if explained or sev not in ("error", "warning"):
                continue
            codes[code] += 1
            if sev == "error" or code not in worst:
                worst[code] = sev
            if code not in seen:
                files_by_code[code] += 1
                seen.add(code)
    titles = _rule_titles()
    top = 20
    for c, h in enumerate(["问题代码", "级别", "涉及工作簿", "问题数", "规则"], start=1):
        cell = wt.cell(row=top, column=c, value=h)
        cell.font, cell.fill, cell.alignment, cell.border = bold, head_fill, center, border
    ranked = sorted(codes, key=lambda c: (worst[c] != "error", -files_by_code[c], -codes[c], c))
    for i, code in enumerate(ranked, start=top + 1):
        vals = [code, SEVERITY_ZH[worst[code]], files_by_code[code], codes[code], titles.get(code, "")]
        for c, v in enumerate(vals, start=1):
            cell = wt.cell(row=i, column=c, value=v)
            cell.font, cell.border = font, border
        wt.cell(row=i, column=2).fill = PatternFill("solid", fgColor=SEVERITY_FILLS[worst[code]])
    wt.column_dimensions["C"].width = 10
    wt.column_dimensions["D"].width = 8
    wt.column_dimensions["E"].width = 36
    page(wt, landscape=False, title=title)
    wt.print_title_rows = None

    # the tool's own output: a later batch over the same folder skips it
    meta = wb.create_sheet("_xltools")
    for i, (k, v) in enumerate((("kind", "batch_report"), ("folder", str(result.folder))), start=1):
        meta.cell(row=i, column=1, value=k)
        meta.cell(row=i, column=2, value=escape_text(v))
    meta.sheet_state = "veryHidden"
    wb.active = 0
    return save_workbook(wb, path)


def _lines(value: object, width: float) -> int:
    """How many lines a wrapped cell of this column width needs (CJK characters are two units wide)."""
    import math
    import unicodedata

    if value is None:
        return 1
    usable = max(1.0, width - 1.0)
    n = 0
    for part in str(value).split("\n"):   # 宋体 10 pt: a CJK character ≈ 1.8 width units, the rest ≈ 0.9
        w = sum(1.8 if unicodedata.east_asian_width(ch) in "WF" else 0.9 for ch in part)
        n += max(1, math.ceil(w / usable))
    return n


def _rule_titles() -> dict[str, str]:
    try:
        from xltools.rules import catalogue

        return {c: r.title for c, r in catalogue().items()}
    except Exception:  # noqa: BLE001 — titles are a convenience
        return {}
