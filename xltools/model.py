"""The model: small frozen records (xltools.record) read from a workbook, each value with its source cell.

Amounts are Decimal, never float; the unit (万元 / 元) is explicit on the book and on every table.
Nothing here touches a file.
"""
from __future__ import annotations

from xltools.record import factory, record
from decimal import Decimal


@record
class FieldValue:
    key: str
    label: str
    value: object                 # str | int | Decimal | None
    cell: str = ""                # A1 reference of the value cell ("" when the label was not found)
    raw: object = None


@record
class Form:
    sheet: str
    fields: dict[str, FieldValue]

    def get(self, key: str, default=None):
        f = self.fields.get(key)
        if f is None:
            return default
        v = f.value
        return default if v is None or (isinstance(v, str) and not v) else v

    def cell(self, key: str) -> str:
        f = self.fields.get(key)
        return f.cell if f else ""


@record
class Line:
    """One row of a table: a coded row (科目编码/科目名称) or a labelled row (收入项目 …)."""

    row: int                                   # 1-based sheet row
    label: str                                 # 科目名称 or the row's label, as typed
    code: str | None = None                    # normalised 科目编码 (None for labelled rows and totals)
    raw_code: object = None
    kind: str = "item"                         # item | total | section
    section: str = ""                          # the section header the row sits under (一、本年收入 …)
    amounts: dict[str, Decimal | None] = factory(dict)
    cells: dict[str, str] = factory(dict)    # column key → A1 reference
    bad: dict[str, object] = factory(dict)   # column key → raw text that is not a number

    def amount(self, key: str) -> Decimal | None:
        return self.amounts.get(key)

    @property
    def level(self) -> str:
        n = len(self.code or "")
        return {3: "类", 5: "款", 7: "项"}.get(n, "")


@record
class Table:
    key: str
    sheet: str
    unit: str
    lines: tuple[Line, ...]
    columns: dict[str, str]                    # column key → column letter where it was found
    header_row: int = 0                        # 1-based row of the lowest header line
    found: bool = True

    def items(self) -> list[Line]:
        return [ln for ln in self.lines if ln.kind == "item"]

    def total_line(self) -> Line | None:
        return next((ln for ln in self.lines if ln.kind == "total"), None)

    def by_code(self) -> dict[str, Line]:
        return {ln.code: ln for ln in self.lines if ln.code}


@record
class Indicator:
    row: int
    level1: str = ""
    level2: str = ""
    name: str = ""                 # 三级指标 / 指标名称
    op: str = ""                   # 指标性质 as typed
    value: str = ""                # 指标值 as typed (text; numbers printed as text)
    unit: str = ""                 # 度量单位 / 计量单位
    attribute: str = ""            # 指标属性 定量/定性
    weight: str = ""               # 指标权重 (整体绩效目标表)
    scoring: str = ""              # 评（扣）分标准
    content: str = ""              # 指标内容
    source: str = ""               # 绩效指标值设定依据及数据来源
    cells: dict[str, str] = factory(dict)


@record
class IndicatorTable:
    key: str
    sheet: str
    rows: tuple[Indicator, ...]
    header_row: int = 0
    found: bool = True
    columns: dict[str, str] = factory(dict)


@record
class Project:
    sheet: str
    form: Form
    indicators: IndicatorTable

    @property
    def name(self) -> str:
        return str(self.form.get("name") or self.form.get("project_name") or "")


@record
class Explanation:
    """A person's written reason for accepting a warning (审核说明 sheet): code, place, reason."""

    code: str
    sheet: str
    cell: str
    reason: str
    row: int = 0


@record
class Book:
    family: str
    year: int | None
    unit: str
    forms: dict[str, Form]
    tables: dict[str, Table]
    indicators: dict[str, IndicatorTable]
    projects: tuple[Project, ...] = ()
    sheets: tuple[str, ...] = ()               # every sheet name, in order
    source: str = ""
    meta: dict[str, str] = factory(dict)
    explanations: tuple[Explanation, ...] = ()
    texts: tuple[tuple[str, str, str], ...] = ()   # (sheet, cell, text) of titles, 单位 lines and header bands

    @property
    def info(self) -> Form:
        from xltools.families import get_family

        return self.forms[get_family(self.family).info_sheet]

    @property
    def name(self) -> str:
        from xltools.families import get_family

        return str(self.info.get(get_family(self.family).name_field) or "")
