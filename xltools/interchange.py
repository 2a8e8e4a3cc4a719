"""JSON interchange: the model as plain data (export) and back into a workbook (import).

The shape is described by xltools/schema/book.schema.json. Amounts are decimal strings ("494.83") so that no
float ever touches money; import(export(book)) gives the same model. Cell positions are not part of the data:
a bureau's budget system pre-fills workbooks from it, other tools read it.
"""
from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path

from xltools.errors import BadDeclaration, InputNotFound
from xltools.families import get_family
from xltools.model import Book

SCHEMA_ID = "xltools-book/1"


def _plain(v: object) -> object:
    if isinstance(v, Decimal):
        return format(v, "f")
    return v


def book_to_data(book: Book) -> dict:
    fam = get_family(book.family)
    forms = {k: {fk: _plain(fv.value) for fk, fv in f.fields.items()} for k, f in book.forms.items()}
    tables = {}
    for key, t in book.tables.items():
        tables[key] = [
            {"code": ln.code, "label": ln.label, "kind": ln.kind,
             "amounts": {k: _plain(v) for k, v in ln.amounts.items()}}
            for ln in t.lines
        ]
    def ind_rows(table) -> list[dict]:
        keys = list(table.columns) if table.columns else []
        return [{k: getattr(i, k) for k in keys} for i in table.rows]

    data = {
        "schema": SCHEMA_ID,
        "family": book.family,
        "template_version": fam.template_version,
        "year": book.year,
        "unit": book.unit,
        "forms": forms,
        "tables": tables,
        "indicators": {k: ind_rows(t) for k, t in book.indicators.items()},
    }
    if fam.repeated is not None:
        data["projects"] = [
            {"sheet": p.sheet, "fields": {k: _plain(v.value) for k, v in p.form.fields.items()},
             "indicators": ind_rows(p.indicators)}
            for p in book.projects
        ]
    return data


def dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def validate_data(data: object, source: str = "JSON") -> dict:
    """Check the structure a workbook is built from; a Chinese message names the first problem."""
    def fail(where: str, what: str):
        raise BadDeclaration(f"{source} 格式不对：{where} {what}。")

    if not isinstance(data, dict):
        fail("顶层", "应为对象")
    if data.get("schema") not in (None, SCHEMA_ID):
        fail("schema", f"应为 {SCHEMA_ID}")
    fam = get_family(str(data.get("family") or ""))
    for key in ("forms", "tables", "indicators"):
        if key in data and not isinstance(data[key], dict):
            fail(key, "应为对象")
    known = {t.key: t for _, t in fam.tables()}
    for key, rows in (data.get("tables") or {}).items():
        if key not in known:
            fail(f"tables.{key}", f"不是模板族“{fam.title}”中的表")
        if not isinstance(rows, list):
            fail(f"tables.{key}", "应为数组")
        amount_keys = {c.key for c in known[key].amount_columns}
        for i, row in enumerate(rows):
            if not isinstance(row, dict):
                fail(f"tables.{key}[{i}]", "应为对象")
            for k, v in (row.get("amounts") or {}).items():
                if k not in amount_keys:
                    fail(f"tables.{key}[{i}].amounts.{k}", "不是该表的金额列")
                if v is not None:
                    try:
                        Decimal(str(v))
                    except InvalidOperation:
                        fail(f"tables.{key}[{i}].amounts.{k}", f"“{v}”不是数字")
    if "projects" in data and not isinstance(data["projects"], list):
        fail("projects", "应为数组")
    return data


def load_data(path: str | Path) -> dict:
    p = Path(path)
    if not p.exists():
        raise InputNotFound(f"找不到文件“{p}”。", path=p)
    try:
        data = json.loads(p.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        line = getattr(e, "lineno", None)
        where = f"第 {line} 行" if line else ""
        raise BadDeclaration(f"“{p.name}” 不是有效的 JSON 文件{where}（{getattr(e, 'msg', e)}）。", path=p) from None
    return validate_data(data, f"“{p.name}”")
