"""Import a year's official catalogue (the Ministry of Finance's XLS, or a CSV) as a user catalogue.

The file needs, in its first 10 rows, a header with 科目编码 and 科目名称 columns, or 类 / 款 / 项 in three
columns plus 科目名称 (a 类 or 款 left blank on the rows below it is carried down). Revenue codes (1xx,
收入分类) are skipped; expenditure codes go to `<XLTOOLS_HOME or ~/.xltools>/catalogues/<year>.csv`, one
file per year, where a new import of a kind replaces that kind for that year.

The spreadsheet reader (python-calamine) is imported only when a workbook is read.
"""
from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
from pathlib import Path

from xltools.codes.normalise import (
    LEVELS, infer_kind, join_split_code, normalise_code, parent_code,
)

__all__ = ["import_catalogue", "read_catalogue", "CatalogueRow", "FIELDS"]

FIELDS = ["code", "name", "level", "parent", "kind", "year", "source", "confidence"]
HEADER_ROWS = 10
SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}

_CODE_LABELS = {"科目编码", "科目代码", "科目编号", "编码", "代码", "编号", "科目号"}
_NAME_LABELS = {"科目名称", "名称"}
_SPLIT_LABEL = re.compile(r"^(类|款|项)(?:级|编码|代码|号)?$")
_SPACES = re.compile(r"[\s\u200b\ufeff]+")

CatalogueRow = dict  # one output row: FIELDS → str


def _label(value: object) -> str:
    if value is None:
        return ""
    s = unicodedata.normalize("NFKC", str(value))
    return _SPACES.sub("", s).rstrip(":")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def _is_code_label(s: str) -> bool:
    return s in _CODE_LABELS or (s.endswith(("编码", "代码")) and "名称" not in s)


def _is_name_label(s: str) -> bool:
    return s in _NAME_LABELS or s.endswith("科目名称")


def _find_cols(row: list) -> tuple[int | None, int | None, dict[str, int]]:
    code_col = name_col = None
    split: dict[str, int] = {}
    for i, v in enumerate(row):
        s = _label(v)
        if not s:
            continue
        m = _SPLIT_LABEL.match(s)
        if m and m.group(1) not in split:
            split[m.group(1)] = i
        elif code_col is None and _is_code_label(s):
            code_col = i
        elif name_col is None and _is_name_label(s):
            name_col = i
    return code_col, name_col, split


def _find_header(rows: list[list]) -> tuple[int, str, dict[str, int]] | None:
    """(header row index, "joined" | "split", columns) from the first HEADER_ROWS rows."""
    top = rows[:HEADER_ROWS]
    found = [_find_cols(r) for r in top]
    for r, (code_col, name_col, split) in enumerate(found):
        if len(split) == 3:
            if name_col is None:  # 科目名称 merged over two header rows: look one row up or down
                for rr in (r - 1, r + 1):
                    if 0 <= rr < len(found) and found[rr][1] is not None:
                        name_col = found[rr][1]
                        break
            if name_col is None:
                return None
            return r, "split", {"类": split["类"], "款": split["款"], "项": split["项"], "name": name_col}
        if code_col is not None and name_col is not None:
            nxt = found[r + 1] if r + 1 < len(found) else None
            if nxt is not None and len(nxt[2]) == 3:  # 科目编码 over 类 | 款 | 项
                return r + 1, "split", {"类": nxt[2]["类"], "款": nxt[2]["款"], "项": nxt[2]["项"],
                                        "name": name_col}
            return r, "joined", {"code": code_col, "name": name_col}
    return None


def _read_csv_rows(path: Path) -> list[list]:
    data = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):  # Excel on a Chinese Windows saves CSV as GBK
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes nearly anything
        raise UnicodeDecodeError("gb18030", data, 0, 1, "undecodable")
    return [list(r) for r in csv.reader(io.StringIO(text, newline=""))]


def _read_sheets(path: Path) -> list[tuple[str, list[list]]]:
    from xltools.errors import BadDeclaration

    if path.suffix.lower() == ".csv":
        try:
            return [("", _read_csv_rows(path))]
        except (UnicodeDecodeError, csv.Error) as e:
            raise BadDeclaration(f"目录文件 {path.name} 无法按 CSV 读取（{e}）。", path=path) from None
    if path.suffix.lower() not in SPREADSHEET_SUFFIXES:
        raise BadDeclaration(f"目录文件 {path.name} 的格式不支持：请提供 .xlsx、.xls 或 .csv 文件。", path=path)
    try:
        from python_calamine import CalamineWorkbook

        wb = CalamineWorkbook.from_path(str(path))
        out = []
        for meta in wb.sheets_metadata:
            if str(getattr(meta, "typ", "WorkSheet")).split(".")[-1] not in ("WorkSheet", "worksheet"):
                continue
            sheet = wb.get_sheet_by_name(meta.name)
            out.append((meta.name, sheet.to_python(skip_empty_area=False)))
        return out
    except BadDeclaration:
        raise
    except Exception as e:  # calamine raises its own error types for corrupt or encrypted files
        raise BadDeclaration(f"目录文件 {path.name} 无法读取（{type(e).__name__}: {e}）。", path=path) from None


def read_catalogue(path: str | os.PathLike, year: int) -> tuple[list[CatalogueRow], int]:
    """The expenditure rows of a catalogue file and the number of revenue (1xx) rows skipped."""
    from xltools.errors import BadDeclaration, InputNotFound

    path = Path(path)
    if not path.exists():
        raise InputNotFound(f"找不到目录文件：{path}", path=path)
    if not path.is_file():
        raise BadDeclaration(f"{path} 不是文件，请指定目录文件（.xlsx、.xls 或 .csv）。", path=path)
    sheets = _read_sheets(path)
    many = len(sheets) > 1
    out: list[CatalogueRow] = []
    seen: dict[str, tuple[str, str]] = {}
    skipped = 0
    any_header = False
    for sheet_name, rows in sheets:
        header = _find_header(rows)
        if header is None:
            continue
        any_header = True
        hrow, form, cols = header
        where_file = f"目录文件 {path.name}" + (f" 工作表“{sheet_name}”" if many else "")
        last_lei: object = None
        last_kuan: object = None

        def cell(row: list, col: int) -> object:
            v = row[col] if col < len(row) else None
            return None if v == "" else v

        for idx in range(hrow + 1, len(rows)):
            row = rows[idx]
            where = f"{where_file} 第 {idx + 1} 行"
            name = _text(cell(row, cols["name"]))
            if form == "joined":
                raw = cell(row, cols["code"])
                code = normalise_code(raw)
            else:
                a, b, c = (normalise_code(cell(row, cols[k])) for k in ("类", "款", "项"))
                raw = "|".join(x or "" for x in (a, b, c))
                if a is None and b is None and c is None:
                    code = None
                elif not any(ch.isdigit() for x in (a, b, c) if x for ch in x):
                    code = None  # 合计 / a note across the code columns
                else:
                    if a is not None:
                        last_lei, last_kuan = a, None
                    else:
                        a = last_lei
                    if b is not None:
                        last_kuan = b
                    elif c is not None:
                        b = last_kuan
                    code = join_split_code(a, b, c)
                    if code is None:
                        raise BadDeclaration(
                            f"{where}：有款或项编码，但上方没有对应的类或款编码（{raw}）。", path=path)
            if code is None:
                continue  # blank row, or a note / 合计 line without a code
            if not any("0" <= ch <= "9" for ch in code):
                continue  # a label or note in the code column: 合计, 注：…, 一、一般公共预算
            if not (code.isascii() and code.isdigit()):
                raise BadDeclaration(f"{where}：科目编码“{_text(raw) if form == 'joined' else code}”不是数字。",
                                     path=path)
            if code[0] == "1":
                skipped += 1  # 收入分类科目
                continue
            kind = infer_kind(code)
            if kind is None:
                if len(code) not in (3, 5, 7):
                    msg = f"科目编码“{code}”位数不对（应为 3、5 或 7 位）。"
                elif code[0] in "35":
                    msg = f"科目编码“{code}”位数不对（经济分类科目应为 3 或 5 位）。"
                else:
                    msg = f"科目编码“{code}”不是支出功能分类（2 开头）或经济分类（3、5 开头）科目。"
                raise BadDeclaration(f"{where}：{msg}", path=path)
            if not name:
                raise BadDeclaration(f"{where}：科目编码“{code}”缺少科目名称。", path=path)
            prev = seen.get(code)
            if prev is not None:
                if prev[0] == name:
                    continue
                raise BadDeclaration(
                    f"{where}：科目编码“{code}”重复出现，名称“{name}”与{prev[1]}的“{prev[0]}”不同。", path=path)
            seen[code] = (name, where.removeprefix(f"目录文件 {path.name}").strip() or "前面")
            out.append({
                "code": code, "name": name, "level": LEVELS[len(code)], "parent": parent_code(code) or "",
                "kind": kind, "year": str(year), "source": f"user:{path.name}", "confidence": "official",
            })
    if not any_header:
        raise BadDeclaration(
            f"目录文件 {path.name} 的前 {HEADER_ROWS} 行中找不到“科目编码”和“科目名称”列"
            f"（或“类”“款”“项”三列和“科目名称”列）。", path=path)
    if not out:
        raise BadDeclaration(f"目录文件 {path.name} 中没有支出功能分类或支出经济分类科目。", path=path)
    return out, skipped


def _check_year(year: object) -> int:
    from xltools.errors import BadDeclaration

    try:
        y = int(str(year).strip()) if not isinstance(year, bool) else None
    except ValueError:
        y = None
    if y is None or not 1990 <= y <= 2200:
        raise BadDeclaration(f"年度“{year}”不是有效的年份（例如 2025）。")
    return y


def _dest_file(dest: str | os.PathLike | None, year: int) -> Path:
    from xltools.codes.catalogue import user_catalogue_dir

    if dest is None:
        return user_catalogue_dir() / f"{year}.csv"
    d = Path(dest)
    if d.suffix.lower() == ".csv":
        return d
    return d / f"{year}.csv"


def import_catalogue(path: str | os.PathLike, year: object, dest: str | os.PathLike | None = None
                     ) -> tuple[int, Path]:
    """Read a catalogue file and store it as the user catalogue of `year`. Returns (rows imported, file).

    `dest` is a folder (default: the user catalogue folder) or a .csv file. Rows of the kinds in this file
    replace the rows of those kinds already stored for that year; other kinds stay.
    Raises InputNotFound for a missing file and BadDeclaration (naming file and line) for a malformed one.
    """
    from xltools.codes.catalogue import reload_catalogue
    from xltools.errors import BadDeclaration, WriteFailed

    y = _check_year(year)
    rows, _skipped = read_catalogue(path, y)
    target = _dest_file(dest, y)
    kinds = {(r["year"], r["kind"]) for r in rows}
    keep: list[dict] = []
    if target.exists():
        try:
            with open(target, encoding="utf-8-sig", newline="") as f:
                keep = [r for r in csv.DictReader(f) if (r.get("year"), r.get("kind")) not in kinds]
        except (OSError, UnicodeDecodeError, csv.Error) as e:
            raise BadDeclaration(f"已有的用户目录文件 {target} 无法读取（{e}），请删除后重新导入。",
                                 path=target) from None
    tmp = target.with_name(target.name + ".tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=FIELDS, extrasaction="ignore")
            w.writeheader()
            for r in sorted(keep + rows, key=lambda r: (r.get("kind", ""), r.get("code", ""))):
                w.writerow({k: r.get(k, "") for k in FIELDS})
        os.replace(tmp, target)
    except OSError as e:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        raise WriteFailed(f"无法写入用户目录文件 {target}（{e.strerror or e}）。", path=target) from None
    reload_catalogue()
    return len(rows), target
