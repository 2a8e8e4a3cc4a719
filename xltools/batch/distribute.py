"""Distribute: one pre-filled workbook per department of a roster, named after it, written only inside the
output folder whatever the name holds (../, an absolute path, CON, control characters, a formula).

The roster is an .xlsx (read with python-calamine through the safety checks) or a .csv (UTF-8 or GBK, as
Excel saves it in a Chinese locale); its columns are found by their header labels — 单位名称 (required), 单位编码,
联系人, 联系电话 — anywhere in the first rows of the first sheet that has them.

With `prior`, last year's returned workbooks (from outside: read in isolated workers, see xltools.batch.pool)
give each department its 上年数 — the 单位信息 prior_* inputs the narrative compares against — matched by 单位编码
first, then by name. A department with no match, or whose match is not last year's, is listed (stdout and
`DistributeResult.unmatched`), never silently left blank.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from xltools.batch.figures import FIGURES
from xltools.errors import BadDeclaration, InputNotFound
from xltools.families import Family
from xltools.model import Book
from xltools.text import cell_text, label_key

ROSTER_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("单位名称", "部门名称", "预算单位名称", "部门（单位）名称", "部门(单位)名称"),
    "code": ("单位编码", "单位代码", "预算单位编码", "预算单位代码", "部门编码"),
    "contact": ("联系人", "部门预算公开联系人", "填报人"),
    "phone": ("联系电话", "电话", "联系方式"),
}
HEADER_SCAN_ROWS = 20
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
UNIT_IN_YUAN = {"元": Decimal(1), "千元": Decimal(1000), "万元": Decimal(10000)}


@dataclass(frozen=True)
class Department:
    name: str
    code: str = ""
    contact: str = ""
    phone: str = ""
    row: int = 0            # the roster row it came from (1-based), for messages


@dataclass
class PriorBook:
    file: str
    name: str
    code: str
    year: int | None
    unit: str
    figures: dict


@dataclass
class DistributeResult:
    folder: Path
    written: list[tuple[Department, Path]] = field(default_factory=list)
    existing: list[tuple[Department, Path]] = field(default_factory=list)    # not overwritten
    carried: list[tuple[Department, str]] = field(default_factory=list)      # (department, prior file)
    unmatched: list[tuple[Department, str]] = field(default_factory=list)    # (department, why)
    skipped_rows: list[str] = field(default_factory=list)                    # roster rows without a name
    prior_unreadable: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        def d(dep: Department) -> dict:
            return {"name": dep.name, "code": dep.code, "row": dep.row}

        return {"folder": str(self.folder),
                "written": [{**d(dep), "file": p.name} for dep, p in self.written],
                "existing": [{**d(dep), "file": p.name} for dep, p in self.existing],
                "carried": [{**d(dep), "prior": f} for dep, f in self.carried],
                "unmatched": [{**d(dep), "reason": why} for dep, why in self.unmatched],
                "skipped_rows": self.skipped_rows, "prior_unreadable": self.prior_unreadable, "notes": self.notes}


# ----------------------------------------------------------------------------------------------- roster

def _csv_rows(p: Path) -> list[list[object]]:
    raw = p.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise BadDeclaration(f"“{p.name}” 不是 UTF-8 或 GBK 编码的 CSV 文件，请在 Excel 中另存为“CSV UTF-8”后再试。", path=p)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;，")
    except csv.Error:
        dialect = csv.excel
    return [list(r) for r in csv.reader(io.StringIO(text), dialect)]


def _find_header(rows: list[list[object]]) -> tuple[int, dict[str, int]] | None:
    keys = {k: {label_key(x) for x in labels} for k, labels in ROSTER_COLUMNS.items()}
    for r, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        cols: dict[str, int] = {}
        for c, v in enumerate(row):
            k = label_key(v).lstrip("*")
            for role, labels in keys.items():
                if k in labels and role not in cols:
                    cols[role] = c
        if "name" in cols:
            return r, cols
    return None


def read_roster(path: str | Path) -> list[Department]:
    p = Path(path)
    if not p.exists():
        raise InputNotFound(f"找不到单位名单“{p}”，请检查路径。", path=p)
    if p.suffix.lower() in (".csv", ".txt"):
        tables = [_csv_rows(p)]
    else:
        from xltools.io.readers import read_calamine

        grids = read_calamine(p)
        tables = [grids[n] for n in grids.names if n not in grids.hidden]
    for rows in tables:
        found = _find_header(rows)
        if found is None:
            continue
        head, cols = found
        out = []
        for i, row in enumerate(rows[head + 1:], start=head + 2):
            def get(role: str) -> str:
                c = cols.get(role)
                text = cell_text(row[c]) if c is not None and c < len(row) else ""
                return _CONTROL.sub("", text)        # a cell cannot hold control characters

            name = " ".join(get("name").split())
            if not name and not any(get(k) for k in cols):
                continue
            out.append(Department(name, get("code"), get("contact"), get("phone"), i))
        return out
    raise BadDeclaration(f"单位名单“{p.name}”中找不到“单位名称”列。请在表头写明：单位名称、单位编码、联系人、联系电话。",
                         path=p)


# ----------------------------------------------------------------------------------------------- last year's books

def prior_figures(book: Book) -> dict:
    """Worker side (mode "prior"): what next year's workbook carries over, and who the book is."""
    from xltools.batch.figures import unit_figures

    return unit_figures(book)


def load_prior(folder: str | Path, *, jobs: int | None = None, timeout: float | None = None,
               memory_mb: int | None = None, progress=None) -> tuple[list[PriorBook], list[str]]:
    from xltools.batch.discover import find_workbooks
    from xltools.batch.tasks import UNREADABLE, inspect_files

    root = Path(folder)
    files = find_workbooks(root)
    books: list[PriorBook] = []
    bad: list[str] = []
    for oc, _, rel in inspect_files(files, root, "prior", jobs=jobs, timeout=timeout, memory_mb=memory_mb,
                                    progress=progress):
        if not oc.ok:
            bad.append(f"“{rel}” {oc.reason}")
            continue
        r = oc.value
        if r.get("skip"):
            continue
        if r["status"] == UNREADABLE:
            bad.append(r["reason"])
            continue
        books.append(PriorBook(rel, r["unit_name"], r["unit_code"], r["year"], r["unit"], r.get("prior") or {}))
    books.sort(key=lambda b: b.file)
    return books, bad


def match_prior(dep: Department, books: list[PriorBook], year: int) -> tuple[PriorBook | None, str]:
    """Last year's workbook of a department: by 单位编码, then by name; only a book of year-1 (or with no
    year) is used. Returns (book, "") or (None, why)."""
    hits, by = [], ""
    if dep.code:
        hits = [b for b in books if b.code and b.code.strip() == dep.code.strip()]
        by = "单位编码"
    if not hits:
        k = label_key(dep.name)
        hits = [b for b in books if b.name and label_key(b.name) == k]
        by = "单位名称"
    if not hits:
        return None, "上年工作簿中没有该单位（单位编码、单位名称都对不上）"
    right = [b for b in hits if b.year == year - 1] or [b for b in hits if b.year is None]
    if not right:
        years = "、".join(sorted({str(b.year) for b in hits}))
        return None, f"按{by}找到的工作簿（{hits[0].file}）是 {years} 年的，不是 {year - 1} 年的"
    return right[-1], ""


def _prior_fields(fam: Family, book: PriorBook, unit: str) -> tuple[dict[str, str], list[str]]:
    keys = {f.key for f in fam.info.fields}
    k = UNIT_IN_YUAN.get(book.unit, Decimal(1)) / UNIT_IN_YUAN.get(unit, Decimal(1))
    out, missing = {}, []
    for fig, (label, target) in FIGURES.items():
        if not target or target not in keys:
            continue
        v = book.figures.get(fig)
        if isinstance(v, Decimal):
            out[target] = format(v * k if k != 1 else v, "f")
        elif fig in ("income_total", "expense_total", "basic", "project", "sangong"):
            missing.append(label)
    return out, missing


# ----------------------------------------------------------------------------------------------- distribute

def department_data(fam: Family, dep: Department, year: int, prior: dict[str, str] | None = None) -> dict:
    keys = {f.key for f in fam.info.fields}
    info: dict[str, object] = {fam.name_field: dep.name, "year": year, "unit": fam.default_unit}
    if "unit_name" in keys:
        info["unit_name"] = dep.name
    if "prior_year" in keys:
        info["prior_year"] = year - 1
    for k, v in (("unit_code", dep.code), ("contact", dep.contact), ("phone", dep.phone)):
        if v and k in keys:
            info[k] = v
    if prior:
        info.update(prior)
    forms: dict[str, dict] = {fam.info_sheet: info}
    for sd in fam.sheets:
        if sd.key != fam.info_sheet and not sd.repeat and any(f.key == "unit_name" for f in sd.fields):
            forms[sd.key] = {"unit_name": dep.name}
    return {"schema": "xltools-book/1", "family": fam.family, "year": year, "unit": fam.default_unit,
            "forms": forms}


def _build_one(task: tuple[str, dict, str]) -> str:
    """Worker: build one department's workbook and write it atomically (our own data: no isolation needed)."""
    from xltools.families import get_family
    from xltools.io.writers import save_workbook
    from xltools.template import build_workbook

    family, data, path = task
    save_workbook(build_workbook(get_family(family), data), path)
    return path


def plan_paths(fam: Family, deps: list[Department], year: int, folder: Path) -> list[Path]:
    """A distinct, safe file inside folder for every department (same names get the code, then (2), (3) …)."""
    from xltools.io.writers import inside
    from xltools.template import book_filename

    taken: set[str] = set()
    out = []
    for dep in deps:
        cands = [dep.name] + ([f"{dep.name}-{dep.code}"] if dep.code else [])
        cands += [f"{dep.name}({i})" for i in range(2, 1000)]
        for cand in cands:
            p = inside(folder, book_filename(fam, cand, year))
            if p.name.lower() not in taken:
                taken.add(p.name.lower())
                out.append(p)
                break
    return out


def distribute(roster: str | Path, family: Family, year: int, folder: str | Path, *, prior: str | Path | None = None,
               overwrite: bool = False, jobs: int | None = None, timeout: float | None = None,
               memory_mb: int | None = None, progress=None) -> DistributeResult:
    from xltools.errors import WriteFailed

    deps_all = read_roster(roster)
    out = Path(folder)
    result = DistributeResult(out)
    deps = []
    for d in deps_all:
        if d.name:
            deps.append(d)
        else:
            result.skipped_rows.append(f"名单第 {d.row} 行没有单位名称，已跳过。")
    if not deps:
        raise BadDeclaration(f"单位名单“{Path(roster).name}”中没有任何单位。", path=Path(roster))
    books: list[PriorBook] = []
    if prior is not None:
        keys = {f.key for f in family.info.fields}
        if not any(target in keys for _, target in FIGURES.values() if target):
            raise BadDeclaration(f"模板族“{family.title}”的工作簿没有上年数栏目，不能使用 --prior。")
        pdir = Path(prior)
        if not pdir.is_dir():
            raise InputNotFound(f"找不到上年工作簿文件夹“{pdir}”，请检查路径。", path=pdir)
        books, result.prior_unreadable = load_prior(pdir, jobs=jobs, timeout=timeout, memory_mb=memory_mb)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise WriteFailed(f"无法创建文件夹“{out}”（{e.strerror or e}）。", path=out) from None
    paths = plan_paths(family, deps, year, out)
    tasks = []
    for dep, path in zip(deps, paths):
        fields = None
        if prior is not None:
            book, why = match_prior(dep, books, year)
            if book is None:
                result.unmatched.append((dep, why))
            else:
                fields, missing = _prior_fields(family, book, family.default_unit)
                result.carried.append((dep, book.file))
                if missing:
                    result.notes.append(f"{dep.name}：上年工作簿“{book.file}”中没有{'、'.join(missing)}，这些上年数未填写。")
        if path.exists() and not overwrite:
            result.existing.append((dep, path))
            continue
        tasks.append((dep, path, department_data(family, dep, year, fields)))
    _write_all(family, tasks, result, jobs, progress)
    return result


def _write_all(family: Family, tasks: list, result: DistributeResult, jobs: int | None, progress) -> None:
    from xltools.batch.pool import default_jobs

    if progress is not None:
        progress.total = len(tasks)
    n = min(jobs or default_jobs(), len(tasks))
    work = [(family.family, data, str(path)) for _, path, data in tasks]
    if n <= 1 or len(tasks) < 4:
        for (dep, path, _), w in zip(tasks, work):
            _build_one(w)
            result.written.append((dep, path))
            if progress is not None:
                progress.update(path.name)
    else:
        from concurrent.futures import ProcessPoolExecutor

        from xltools.batch.pool import _context

        with ProcessPoolExecutor(max_workers=n, mp_context=_context()) as ex:
            for (dep, path, _), _done in zip(tasks, ex.map(_build_one, work, chunksize=4)):
                result.written.append((dep, path))
                if progress is not None:
                    progress.update(path.name)
    if progress is not None:
        progress.close()
