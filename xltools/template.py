"""Build workbooks from a family declaration: the blank official templates, and filled books from data
(the JSON interchange form, see xltools/schema/book.schema.json). openpyxl is imported here only.

Layout conventions every sheet follows (the parser does not depend on them — it finds labels — but people do):
row 1 the title, row 2 "单位：万元", then the header band, then the rows. Input cells are pale yellow and
unlocked; headers and computed cells are locked by sheet protection without a password.
"""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from xltools import __version__
from xltools.families import Column, Family, SheetDecl, TableDecl, dropdown_lists
from xltools.parse import META_SHEET

LISTS_SHEET = "_lists"
FONT = "宋体"
INPUT_FILL = "FFF9E5"
COMPUTED_FILL = "E8EEF7"
HEADER_FILL = "D9E1F2"
AMOUNT_FORMAT = "#,##0.00"
MAX_SHEET_NAME = 31
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def safe_sheet_name(name: str, taken: set[str]) -> str:
    base = _BAD_SHEET_CHARS.sub("", name).strip("'") or "项目"
    base = base[:MAX_SHEET_NAME]
    out, i = base, 2
    while out in taken:
        suffix = f"({i})"
        out = base[:MAX_SHEET_NAME - len(suffix)] + suffix
        i += 1
    return out


def escape_text(v: object) -> object:
    """Text that would become a formula (= + - @ at the start) is written as text with a leading apostrophe
    quote prefix, so a value from a JSON file or a department name can never run as a formula."""
    from xltools.text import looks_like_formula

    return "'" + v if isinstance(v, str) and looks_like_formula(v) else v


def _num(v: object) -> object:
    """An amount from the data (decimal string, number, or None) as the value written to the cell."""
    if v is None or v == "":
        return None
    if isinstance(v, (int, float)):
        return v
    d = Decimal(str(v))
    return int(d) if d == d.to_integral_value() and "." not in str(v) else float(d)


class _Styles:
    def __init__(self) -> None:
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side

        thin = Side(style="thin", color="808080")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.title_font = Font(name=FONT, size=16, bold=True)
        self.header_font = Font(name=FONT, size=10, bold=True)
        self.font = Font(name=FONT, size=10)
        self.bold = Font(name=FONT, size=10, bold=True)
        self.note_font = Font(name=FONT, size=9, italic=True, color="595959")
        self.header_fill = PatternFill("solid", fgColor=HEADER_FILL)
        self.input_fill = PatternFill("solid", fgColor=INPUT_FILL)
        self.computed_fill = PatternFill("solid", fgColor=COMPUTED_FILL)
        self.center = Alignment(horizontal="center", vertical="center", wrap_text=True)
        self.left = Alignment(horizontal="left", vertical="center", wrap_text=True)
        self.right = Alignment(horizontal="right", vertical="center")
        self.unlocked = Protection(locked=False)
        self.locked = Protection(locked=True)


class Builder:
    """Builds one workbook. `data` is the JSON interchange dict (None for the blank template)."""

    def __init__(self, family: Family, data: dict | None = None, year: int | None = None,
                 unit_name: str | None = None) -> None:
        import openpyxl

        self.fam = family
        self.data = data or {}
        forms = self.data.get("forms", {})
        info = dict(forms.get(family.info_sheet, {}))
        self.year = int(year or self.data.get("year") or info.get("year") or family.default_year)
        if unit_name:
            info[family.name_field] = unit_name
        info.setdefault("year", self.year)
        info.setdefault("unit", self.data.get("unit") or family.default_unit)
        self.info = info
        self.unit = str(info.get("unit") or family.default_unit)
        self.unit_name = str(info.get("unit_name") or "")
        self.wb = openpyxl.Workbook()
        self.wb.remove(self.wb.active)
        self.st = _Styles()
        self.lists: dict[str, tuple[str, ...]] = {}
        self.taken: set[str] = set()

    # ------------------------------------------------------------------ helpers
    def _cell(self, ws, r: int, c: int, value=None, *, style: str = "input", fmt: str | None = None,
              align=None, font=None):
        cell = ws.cell(row=r, column=c)
        if value is not None:
            cell.value = escape_text(value)
        st = self.st
        cell.border = st.border
        cell.font = font or (st.header_font if style == "header" else st.font)
        if style == "header":
            cell.fill, cell.protection, cell.alignment = st.header_fill, st.locked, align or st.center
        elif style == "computed":
            cell.fill, cell.protection, cell.alignment = st.computed_fill, st.locked, align or st.right
        elif style == "label":
            cell.protection, cell.alignment = st.locked, align or st.left
        else:
            cell.fill, cell.protection, cell.alignment = st.input_fill, st.unlocked, align or st.left
        if fmt:
            cell.number_format = fmt
        return cell

    def _title(self, ws, title: str, width: int, unit_line: bool = True) -> int:
        from openpyxl.utils import get_column_letter

        full = f"{self.unit_name}{title}" if self.unit_name and not title.startswith(self.unit_name) else title
        c = ws.cell(row=1, column=1, value=escape_text(full))
        c.font, c.alignment = self.st.title_font, self.st.center
        if width > 1:
            ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
        ws.row_dimensions[1].height = 30
        if unit_line:
            u = ws.cell(row=2, column=width, value=f"单位：{self.unit}")
            u.font, u.alignment = self.st.font, self.st.right
        ws.sheet_view.showGridLines = False
        return 3

    def _fit_rows(self, ws) -> None:
        """Row heights for wrapped text. Excel grows rows on its own, LibreOffice does not when it opens an xlsx:
        estimate the lines each text needs in its (merged) width — a CJK character takes two width units."""
        from openpyxl.utils import get_column_letter

        widths = {}
        for m in ws.merged_cells.ranges:
            widths[(m.min_row, m.min_col)] = sum((ws.column_dimensions[get_column_letter(c)].width or 8.43)
                                                 for c in range(m.min_col, m.max_col + 1))
        for row in ws.iter_rows(min_row=2):
            lines = 1
            for cell in row:
                v = cell.value
                if not isinstance(v, str) or not v or cell.alignment is None or not cell.alignment.wrap_text:
                    continue
                w = widths.get((cell.row, cell.column)) or ws.column_dimensions[cell.column_letter].width or 8.43
                per_line = max(1.0, w * 1.1 - 1)
                n = 0
                for part in v.split("\n"):
                    units = sum(2 if ord(ch) > 0x2E80 else 1 for ch in part)
                    n += max(1, -(-int(units) // int(per_line)))
                lines = max(lines, n)
            if lines > 1:
                current = ws.row_dimensions[row[0].row].height or 15
                ws.row_dimensions[row[0].row].height = max(current, min(409, 13.5 * lines + 3))

    def _finish(self, ws, width: int, header_rows: tuple[int, int] | None, landscape: bool | None = None):
        from openpyxl.worksheet.properties import PageSetupProperties

        self._fit_rows(ws)
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape" if (landscape if landscape is not None else width > 6) else "portrait"
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.print_options.horizontalCentered = True
        ws.page_margins.left = ws.page_margins.right = 0.4
        if header_rows:
            ws.print_title_rows = f"{header_rows[0]}:{header_rows[1]}"
        p = ws.protection
        p.sheet = True
        # protection keeps headers and totals safe, but people must still insert rows, resize and filter
        p.insertRows = p.deleteRows = p.formatColumns = p.formatRows = p.formatCells = False
        p.autoFilter = p.sort = False

    def _dropdown(self, ws, list_key: str, ref: str, values: tuple[str, ...] | None = None, *,
                  free_entry: bool = False, spare: int = 0):
        """A list dropdown fed from the hidden _lists sheet. free_entry: offer the list but accept anything
        typed (科目编码: people type bare codes); spare: rows kept in the range for entries a refresh adds."""
        from openpyxl.worksheet.datavalidation import DataValidation

        values = values if values is not None else self.lists.get(list_key) or dropdown_lists().get(list_key, ())
        if not values:
            return
        self.lists.setdefault(list_key, tuple(values))
        keys = list(self.lists)
        col = keys.index(list_key)
        from openpyxl.utils import get_column_letter

        letter = get_column_letter(col + 1)
        formula = f"'{LISTS_SHEET}'!${letter}$2:${letter}${len(self.lists[list_key]) + 1 + spare}"
        dv = DataValidation(type="list", formula1=formula, allow_blank=True, showDropDown=False)
        dv.error = "请从下拉列表中选择。"
        dv.errorTitle = "输入无效"
        dv.errorStyle = "warning"   # a warning, not a stop: unusual but real values can still be typed
        dv.showErrorMessage = not free_entry
        ws.add_data_validation(dv)
        dv.add(ref)

    # ------------------------------------------------------------------ forms
    def _form_sheet(self, sd: SheetDecl) -> None:
        ws = self.wb.create_sheet(sd.name)
        self.taken.add(sd.name)
        values = self.info if sd.key == self.fam.info_sheet else self.data.get("forms", {}).get(sd.key, {})
        r = self._title(ws, sd.title, 3, unit_line=False)
        if sd.note:
            n = ws.cell(row=2, column=1, value=sd.note)
            n.font, n.alignment = self.st.note_font, self.st.left
            ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=3)
            ws.row_dimensions[2].height = 28
        for c, h in enumerate(("分组", "填报项", "内容"), start=1):
            self._cell(ws, r, c, h, style="header")
        r += 1
        top = r
        for f in sd.fields:
            self._cell(ws, r, 1, f.group, style="label")
            self._cell(ws, r, 2, ("*" if f.required else "") + f.label, style="label", font=self.st.bold)
            v = values.get(f.key)
            cell = self._cell(ws, r, 3, _num(v) if f.type == "amount" else v,
                              fmt=AMOUNT_FORMAT if f.type == "amount" else None)
            if f.type in ("int", "year"):
                cell.number_format = "0"
            if f.type == "longtext":
                ws.row_dimensions[r].height = 60
            if f.choices:
                self._dropdown(ws, f"choice_{f.key}", cell.coordinate, f.choices)
            r += 1
        ws.column_dimensions["A"].width = 14
        ws.column_dimensions["B"].width = 26
        ws.column_dimensions["C"].width = 80
        ws.freeze_panes = ws.cell(row=top, column=1)
        self._finish(ws, 3, (top - 1, top - 1), landscape=False)

    def _inline_form(self, ws, r: int, sd: SheetDecl, values: dict, width: int) -> int:
        """Fields laid out above a table: a label, then its value merged to the right edge (or two to a row)."""
        fields = list(sd.fields)
        i = 0
        while i < len(fields):
            f = fields[i]
            if f.pair and i + 1 < len(fields) and fields[i + 1].pair and width >= 4:
                g = fields[i + 1]
                half = max(2, width // 2)
                self._form_pair(ws, r, 1, half, f, values)
                self._form_pair(ws, r, half + 1, width, g, values)
                i += 2
            else:
                self._form_pair(ws, r, 1, width, f, values)
                if f.type == "longtext":
                    ws.row_dimensions[r].height = 48
                i += 1
            r += 1
        return r

    def _form_pair(self, ws, r: int, c0: int, c1: int, f, values: dict) -> None:
        self._cell(ws, r, c0, f.label, style="header")
        v = values.get(f.key)
        cell = self._cell(ws, r, c0 + 1, _num(v) if f.type == "amount" else v,
                          fmt=AMOUNT_FORMAT if f.type == "amount" else None)
        for c in range(c0 + 2, c1 + 1):
            self._cell(ws, r, c)
        if c1 > c0 + 1:
            ws.merge_cells(start_row=r, start_column=c0 + 1, end_row=r, end_column=c1)
        if f.choices:
            self._dropdown(ws, f"choice_{f.key}", cell.coordinate, f.choices)

    # ------------------------------------------------------------------ header bands
    def _header_band(self, ws, r: int, columns: list[Column], c0: int = 1, groups: list[str] | None = None) -> int:
        """Write a 1- or 2-row header for the columns starting at column c0; return the next free row."""
        depth = 2 if any(c.group for c in columns) or groups else 1
        gtexts = groups or [c.group_text(self.year) for c in columns]
        for i, col in enumerate(columns):
            c = c0 + i
            if depth == 2 and gtexts[i]:
                self._cell(ws, r, c, gtexts[i], style="header")
                self._cell(ws, r + 1, c, col.label, style="header")
            else:
                self._cell(ws, r, c, col.label, style="header")
                if depth == 2:
                    self._cell(ws, r + 1, c, style="header")
                    ws.merge_cells(start_row=r, start_column=c, end_row=r + 1, end_column=c)
        if depth == 2:  # merge runs of the same group text
            i = 0
            while i < len(columns):
                j = i
                while j + 1 < len(columns) and gtexts[j + 1] and gtexts[j + 1] == gtexts[i]:
                    j += 1
                if gtexts[i] and j > i:
                    ws.merge_cells(start_row=r, start_column=c0 + i, end_row=r, end_column=c0 + j)
                i = j + 1
        for i, col in enumerate(columns):
            from openpyxl.utils import get_column_letter

            letter = get_column_letter(c0 + i)
            ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width or 0, col.width)
        ws.row_dimensions[r].height = 30
        return r + depth

    # ------------------------------------------------------------------ tables
    def _table_sheet(self, sd: SheetDecl) -> None:
        ws = self.wb.create_sheet(sd.name)
        self.taken.add(sd.name)
        width = sum(len(t.columns) for t in sd.tables)
        r = self._title(ws, sd.title, width)
        if len(sd.tables) == 1:
            self._single_table(ws, r, sd.tables[0])
        else:
            self._side_by_side(ws, r, sd.tables)
        self._finish(ws, width, (3, 4))

    def _rows_for(self, t: TableDecl) -> list[dict]:
        rows = self.data.get("tables", {}).get(t.key)
        if rows is not None:
            return list(rows)
        if t.single_row:
            return [{}]
        if t.items:
            return [{"label": x, "kind": "total" if x in t.total_labels else "item"} for x in t.items]
        if t.code_kind in ("func", "econ_dept"):
            return [{"label": t.total_labels[0], "kind": "total"}] + [{} for _ in range(25)]
        return [{} for _ in range(t.min_items)]

    def _single_table(self, ws, r: int, t: TableDecl) -> None:
        cols = list(t.columns)
        r = self._header_band(ws, r, cols)
        ws.freeze_panes = ws.cell(row=r, column=1)
        for row in self._rows_for(t):
            self._data_row(ws, r, 1, t, row)
            r += 1
        for col in cols:
            if col.role == "code" and t.code_kind in ("func", "econ_dept"):
                from openpyxl.utils import get_column_letter

                letter = get_column_letter(cols.index(col) + 1)
                self._code_dropdown(ws, f"{letter}5:{letter}{max(r + 200, 300)}", t.code_kind)

    def _code_dropdown(self, ws, ref: str, kind: str) -> None:
        """科目编码 cells offer the year's catalogue (issue 3 fills the list; absent catalogue → no dropdown)."""
        try:
            from xltools.codes import catalogue_list  # type: ignore[attr-defined]
        except ImportError:
            return
        values = catalogue_list(kind, self.year)
        if values:
            self._dropdown(ws, f"codes_{kind}", ref, tuple(values), free_entry=True, spare=2000)

    def _data_row(self, ws, r: int, c0: int, t: TableDecl, row: dict, *, label_locked: bool = False) -> None:
        kind = row.get("kind", "item")
        amounts = row.get("amounts", {})
        is_total = kind in ("total", "section")
        for i, col in enumerate(t.columns):
            c = c0 + i
            if col.role == "code":
                self._cell(ws, r, c, row.get("code"), style="label" if is_total else "input",
                           align=self.st.left)
                ws.cell(row=r, column=c).number_format = "@"
            elif col.role in ("name", "label"):
                style = "label" if (is_total or label_locked) else "input"
                self._cell(ws, r, c, row.get("label"), style=style,
                           font=self.st.bold if is_total else None)
            else:
                computed = col.computed or is_total
                self._cell(ws, r, c, _num(amounts.get(col.key)), style="computed" if computed else "input",
                           fmt=AMOUNT_FORMAT, align=self.st.right)

    def _side_by_side(self, ws, r: int, parts: tuple[TableDecl, ...]) -> None:
        groups = []
        for t in parts:
            groups += [c.group_text(self.year) for c in t.columns]
        cols = [c for t in parts for c in t.columns]
        r = self._header_band(ws, r, cols, groups=groups)
        ws.freeze_panes = ws.cell(row=r, column=1)
        split = {}
        for t in parts:
            rows = self._rows_for(t)
            closing_keys = set(t.closing)
            items = [x for x in rows if x.get("label") not in closing_keys]
            closing = {x.get("label"): x for x in rows if x.get("label") in closing_keys}
            split[t.key] = (items, closing)
        n_items = max(max(len(split[t.key][0]) for t in parts), max(t.min_items for t in parts))
        n_closing = max(len(t.closing) for t in parts)
        c0 = 1
        for t in parts:
            items, closing = split[t.key]
            for i in range(n_items):
                row = items[i] if i < len(items) else {}
                locked = bool(row) and row.get("label") in t.items
                self._data_row(ws, r + i, c0, t, row, label_locked=locked)
            for j in range(n_closing):
                lab = t.closing[j] if j < len(t.closing) else ""
                row = dict(closing.get(lab, {})) if lab else {}
                if lab:
                    row.setdefault("label", lab)
                    row["kind"] = "total"
                self._data_row(ws, r + n_items + j, c0, t, row, label_locked=True)
            c0 += len(t.columns)

    # ------------------------------------------------------------------ indicators
    def _indicator_block(self, ws, r: int, sd: SheetDecl, rows: list[dict]) -> int:
        ind = sd.indicators
        cols = list(ind.columns)
        top = r
        r = self._header_band(ws, r, cols)
        from xltools.indicators.frameworks import applicable

        fw = applicable(self.fam.family, self.year)
        rows = rows or [{} for _ in range(ind.min_rows)]
        first = r
        for row in rows:
            for i, col in enumerate(cols):
                self._cell(ws, r, i + 1, row.get(col.key) or None)
            r += 1
        last = max(r - 1, first) + 100  # leave the dropdowns on rows people add below
        from openpyxl.utils import get_column_letter

        for i, col in enumerate(cols):
            if not col.dropdown:
                continue
            letter = get_column_letter(i + 1)
            ref = f"{letter}{first}:{letter}{last}"
            if col.dropdown == "level1":
                self._dropdown(ws, f"level1_{fw.key}", ref, tuple(fw.levels))
            elif col.dropdown == "level2":
                self._dropdown(ws, f"level2_{fw.key}", ref, tuple(x for v in fw.levels.values() for x in v))
            else:
                self._dropdown(ws, col.dropdown, ref)
        return top

    def _weighted_sheet(self, sd: SheetDecl) -> None:
        ws = self.wb.create_sheet(sd.name)
        self.taken.add(sd.name)
        width = len(sd.indicators.columns)
        r = self._title(ws, f"{self.year}年{sd.title}" if self.year else sd.title, width)
        values = self.data.get("forms", {}).get(sd.key, {})
        r = self._inline_form(ws, r, sd, values, width)
        rows = self.data.get("indicators", {}).get(sd.indicators.key, [])
        top = self._indicator_block(ws, r, sd, rows)
        self._finish(ws, width, (top, top))

    def _project_sheet(self, sd: SheetDecl, name: str, project: dict | None, hidden: bool = False) -> None:
        ws = self.wb.create_sheet(name)
        self.taken.add(name)
        width = len(sd.indicators.columns)
        r = self._title(ws, sd.title, width)
        r = self._inline_form(ws, r, sd, (project or {}).get("fields", {}), width)
        top = self._indicator_block(ws, r, sd, (project or {}).get("indicators", []))
        self._finish(ws, width, (top, top), landscape=False)
        if hidden:
            ws.sheet_state = "hidden"

    def _targets_sheet(self, sd: SheetDecl) -> None:
        """The Kunming 项目绩效目标表: goals above the ten-column indicator table."""
        ws = self.wb.create_sheet(sd.name)
        self.taken.add(sd.name)
        width = len(sd.indicators.columns)
        name = self.info.get(self.fam.name_field) or ""
        title = f"{name}{sd.title}" if name else sd.title
        c = ws.cell(row=1, column=1, value=escape_text(title))
        c.font, c.alignment = self.st.title_font, self.st.center
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
        u = ws.cell(row=2, column=width, value=f"单位：{self.unit}")
        u.font, u.alignment = self.st.font, self.st.right
        values = self.data.get("forms", {}).get(sd.key, {})
        r = self._inline_form(ws, 3, sd, values, width)
        rows = self.data.get("indicators", {}).get(sd.indicators.key, [])
        top = self._indicator_block(ws, r, sd, rows)
        self._finish(ws, width, (top, top + 1), landscape=True)

    # ------------------------------------------------------------------ book
    def build(self):
        fam = self.fam
        for sd in fam.sheets:
            if sd.repeat:
                continue
            if sd.key == fam.info_sheet or (sd.fields and not sd.tables and not sd.indicators):
                self._form_sheet(sd)
            elif sd.tables:
                self._table_sheet(sd)
            elif sd.indicators and sd.indicators.layout == "weighted":
                self._weighted_sheet(sd)
            elif sd.indicators:
                self._targets_sheet(sd)
        rep = fam.repeated
        if rep is not None:
            projects = self.data.get("projects")
            if projects is None:
                projects = [{}]
            for i, p in enumerate(projects, start=1):
                pname = (p.get("fields") or {}).get("name") or ""
                sheet = p.get("sheet") or rep.name.replace("{n}", str(i))
                sheet = safe_sheet_name(sheet, self.taken)
                self._project_sheet(rep, sheet, p)
            self._project_sheet(rep, rep.template_name, None, hidden=True)
        self._lists_sheet()
        self._meta_sheet()
        return self.wb

    def _lists_sheet(self) -> None:
        if not self.lists:
            return
        ws = self.wb.create_sheet(LISTS_SHEET)
        for c, (key, values) in enumerate(self.lists.items(), start=1):
            ws.cell(row=1, column=c, value=key)
            for r, v in enumerate(values, start=2):
                ws.cell(row=r, column=c, value=v)
        ws.sheet_state = "hidden"

    def _meta_sheet(self) -> None:
        ws = self.wb.create_sheet(META_SHEET)
        rows = [("family", self.fam.family), ("family_title", self.fam.title),
                ("template_version", self.fam.template_version), ("year", str(self.year)),
                ("unit", self.unit), ("name", str(self.info.get(self.fam.name_field) or "")),
                ("generator", f"xltools {__version__}")]
        for r, (k, v) in enumerate(rows, start=1):
            ws.cell(row=r, column=1, value=k)
            ws.cell(row=r, column=2, value=escape_text(v))
        ws.sheet_state = "veryHidden"


def build_workbook(family: Family, data: dict | None = None, year: int | None = None,
                   unit_name: str | None = None):
    return Builder(family, data, year, unit_name).build()


def save_book(wb, path: str | Path, *, buttons: bool = True) -> Path:
    """Save a built workbook atomically and put the in-sheet buttons on it (bound to the add-in's macro; the
    file itself stays a macro-free .xlsx)."""
    from xltools.io.writers import save_workbook

    path = save_workbook(wb, path)
    if buttons:
        from xltools.excel.sheet_buttons import add_sheet_buttons

        add_sheet_buttons(path)
    return path


def book_filename(family: Family, name: str, year: int) -> str:
    from xltools.io.writers import safe_filename

    return safe_filename(f"{name}-{year}-{family.file_suffix}.xlsx" if name else f"{family.file_suffix}-{year}.xlsx")
