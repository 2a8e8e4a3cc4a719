"""Template families as data: TOML declarations loaded into small frozen records (xltools.record).

One declaration drives template building (xltools.template), parsing (xltools.parse) and the dropdowns, so the
three cannot drift apart. Adding a locality or next year's layout means adding a .toml file here (or in a
bureau's folder named by XLTOOLS_FAMILIES) and its tests.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from xltools.datafiles import load_toml
from xltools.errors import BadDeclaration
from xltools.record import factory, record

HERE = Path(__file__).parent


@record
class Field:
    key: str
    label: str
    type: str = "text"            # text | longtext | int | amount | year | choice
    required: bool = False
    group: str = ""
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    pair: bool = False            # laid out two to a row (label, value, label, value)
    prefix: bool = False          # the label cell may carry a suffix: 总体目标(2021年-2023年)

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.label, *self.aliases)


@record
class Column:
    key: str
    label: str
    role: str = "amount"          # code | name | label | amount | text
    group: str = ""
    aliases: tuple[str, ...] = ()
    computed: bool = False        # the tool owns this cell (row identity): recalc writes it
    width: float = 14
    dropdown: str = ""

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.label, *self.aliases)

    def group_text(self, year: int | None) -> str:
        return self.group.replace("{year}", str(year) if year else "")


@record
class Sum:
    target: str
    parts: tuple[str, ...]


CODED_KINDS = ("func", "econ_dept")   # the code kinds of tables listed by 科目编码


@record
class TableDecl:
    key: str
    columns: tuple[Column, ...]
    code_kind: str = ""           # func | econ_dept (CODED_KINDS) | func_lei_by_name | "" (rows named by a label)
    label_column: str = ""
    total_labels: tuple[str, ...] = ()
    sums: tuple[Sum, ...] = ()
    row_sums: tuple[Sum, ...] = ()  # labelled closing rows that are the sum of other rows (收入总计 = …)
    items: tuple[str, ...] = ()   # row labels printed in the template
    closing: tuple[str, ...] = () # closing rows (totals) aligned across the parts of a two-sided sheet
    sections: tuple[str, ...] = ()
    min_items: int = 0
    single_row: bool = False
    side: str = ""

    def column(self, key: str) -> Column:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)

    @property
    def coded(self) -> bool:
        """Whether the table is listed by 科目编码 (功能分类 类/款/项 or 经济分类 类/款 rows)."""
        return self.code_kind in CODED_KINDS

    @property
    def amount_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.role == "amount")

    def role(self, role: str) -> Column | None:
        return next((c for c in self.columns if c.role == role), None)


@record
class IndicatorDecl:
    key: str
    layout: str                    # levels (一级/二级/三级) | weighted (指标名称/权重)
    columns: tuple[Column, ...]
    min_rows: int = 15


@record
class SheetDecl:
    key: str
    name: str
    title: str
    fields: tuple[Field, ...] = ()
    tables: tuple[TableDecl, ...] = ()
    indicators: IndicatorDecl | None = None
    repeat: bool = False
    template_name: str = ""
    aliases: tuple[str, ...] = ()
    note: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@record
class Framework:
    key: str
    title: str
    levels: dict[str, tuple[str, ...]]
    required_level1: tuple[str, ...]
    required_level2: tuple[str, ...]


@record
class Family:
    family: str
    title: str
    locality: str
    template_version: str
    default_year: int
    default_unit: str
    file_suffix: str
    info_sheet: str
    sheets: tuple[SheetDecl, ...]
    name_field: str = "unit_name"
    source: str = ""

    def sheet(self, key: str) -> SheetDecl:
        for s in self.sheets:
            if s.key == key:
                return s
        raise KeyError(key)

    def table(self, key: str) -> TableDecl:
        for s in self.sheets:
            for t in s.tables:
                if t.key == key:
                    return t
        raise KeyError(key)

    def tables(self) -> list[tuple[SheetDecl, TableDecl]]:
        return [(s, t) for s in self.sheets for t in s.tables]

    @property
    def info(self) -> SheetDecl:
        return self.sheet(self.info_sheet)

    @property
    def repeated(self) -> SheetDecl | None:
        return next((s for s in self.sheets if s.repeat), None)


def _tuple(v) -> tuple:
    return tuple(v or ())


def _column(d: dict) -> Column:
    d = dict(d)
    d["aliases"] = _tuple(d.get("aliases"))
    return Column(**d)


def _field(d: dict) -> Field:
    d = dict(d)
    d["aliases"] = _tuple(d.get("aliases"))
    d["choices"] = _tuple(d.get("choices"))
    return Field(**d)


def _table(d: dict) -> TableDecl:
    d = dict(d)
    d["columns"] = tuple(_column(c) for c in d["columns"])
    for k in ("sums", "row_sums"):
        d[k] = tuple(Sum(s["target"], tuple(s["parts"])) for s in d.get(k, ()))
    for k in ("total_labels", "items", "closing", "sections"):
        d[k] = _tuple(d.get(k))
    return TableDecl(**d)


def _sheet(d: dict) -> SheetDecl:
    d = dict(d)
    d["fields"] = tuple(_field(f) for f in d.get("fields", ()))
    d["tables"] = tuple(_table(t) for t in d.get("tables", ()))
    ind = d.get("indicators")
    if ind:
        ind = dict(ind)
        ind["columns"] = tuple(_column({"role": "text", **c}) for c in ind["columns"])
        d["indicators"] = IndicatorDecl(**ind)
    d["aliases"] = _tuple(d.get("aliases"))
    return SheetDecl(**d)


def load_family(path: Path) -> Family:
    return _family_from(path, _read_declaration(path))


def _read_declaration(path: Path) -> dict:
    try:
        data = load_toml(path)
        data["family"]                  # the key a declaration is found by (KeyError: a broken file)
    except (ValueError, KeyError, TypeError) as e:  # tomllib.TOMLDecodeError is a ValueError
        raise BadDeclaration(f"模板族声明文件 {path.name} 格式有误：{e}", path=path) from None
    return data


def _family_from(path: Path, data: dict) -> Family:
    try:
        return Family(**{**data, "sheets": tuple(_sheet(s) for s in data["sheets"])}, source=str(path))
    except (ValueError, KeyError, TypeError) as e:
        raise BadDeclaration(f"模板族声明文件 {path.name} 格式有误：{e}", path=path) from None


def _family_dirs() -> list[Path]:
    dirs = [HERE]
    extra = os.environ.get("XLTOOLS_FAMILIES")
    if extra:
        dirs.insert(0, Path(extra))
    return dirs


def _toml_names(folder: Path) -> list[str]:
    """The .toml files of a folder, sorted; none for a folder that cannot be listed. os.listdir, not Path.glob:
    glob compiles a regular expression in every process."""
    try:
        return sorted(n for n in os.listdir(folder) if n.endswith(".toml"))
    except OSError:
        return []


@lru_cache(maxsize=1)
def _declarations() -> dict[str, tuple[Path, dict]]:
    """family key → (its file, its content), a bureau's folder (XLTOOLS_FAMILIES) winning over the bundled one.
    Every file is read (the key is inside it); a family's records are made when it is asked for (_family): a
    workbook names its family, and the other's ~100 records would be made for nothing."""
    out: dict[str, tuple[Path, dict]] = {}
    for d in reversed(_family_dirs()):
        for name in _toml_names(d):
            if name != "frameworks.toml":
                path = d / name
                data = _read_declaration(path)
                out[data["family"]] = (path, data)
    return out


@lru_cache(maxsize=None)
def _family(key: str) -> Family:
    return _family_from(*_declarations()[key])


@lru_cache(maxsize=1)
def families() -> dict[str, Family]:
    return {key: _family(key) for key in _declarations()}


FAMILY_ALIASES = {"部门预算公开": "dept_budget", "dept": "dept_budget", "项目绩效目标申报": "project_perf",
                  "project": "project_perf", "perf": "project_perf"}


def get_family(name: str) -> Family:
    key = FAMILY_ALIASES.get(name, name)
    if key not in _declarations():
        choices = "、".join(f"{k}（{f.title}）" for k, f in families().items())
        raise BadDeclaration(f"没有名为“{name}”的模板族。可选：{choices}。")
    return _family(key)


@lru_cache(maxsize=1)
def _frameworks_data() -> dict:
    return load_toml(HERE / "frameworks.toml")


def framework_for_year(year: int | None) -> Framework:
    data = _frameworks_data()
    key = data["framework_by_year"][0]["framework"]
    for entry in data["framework_by_year"]:
        if year is not None and year >= entry["from"]:
            key = entry["framework"]
    return _framework(key)


@lru_cache(maxsize=None)           # a handful of frameworks, each asked for by every indicator check
def _framework(key: str) -> Framework:
    fw = _frameworks_data()["frameworks"][key]
    return Framework(key, fw["title"], {k: tuple(v) for k, v in fw["levels"].items()},
                     tuple(fw["required_level1"]), tuple(fw["required_level2"]))


def dropdown_lists() -> dict[str, tuple[str, ...]]:
    return {k: tuple(v) for k, v in _frameworks_data()["dropdowns"].items()}
