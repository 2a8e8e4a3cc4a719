"""What a worker does with one file from outside: read it with python-calamine (through the pre-parse safety
checks), parse it, run the checks, and send back a small summary — never the Book or the grids, so that the
parent's memory stays flat however many files there are.

`inspect((path, mode))` is the single entry point (module-level, so that spawned workers can unpickle it):
- mode "check": status, counts, the most frequent codes and every finding as a short tuple;
- mode "consolidate": the same without the finding texts, plus the unit's contribution to the 汇总;
- mode "prior": no checks, only the figures next year's workbook carries over (上年数).
Any problem with the file itself becomes `status = 无法读取` with the Chinese reason; a bug met on a strange
file becomes the same, so one file never stops a batch.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

PASSED, WARNED, FAILED, UNREADABLE = "通过", "有警告", "有错误", "无法读取"
STATUSES = (PASSED, WARNED, FAILED, UNREADABLE)
OWN_KINDS = {"batch_report": "批量校验报告", "consolidated": "汇总工作簿"}   # the _xltools `kind` of our outputs


def warm() -> None:
    """Import and initialise everything a task needs, once, in the parent: forked workers inherit it."""
    import encodings.cp437  # noqa: F401 — zipfile decodes part names with it (else imported by every worker)

    import python_calamine  # noqa: F401

    from xltools import codes
    from xltools.families import families
    from xltools.pipeline import check_grids  # noqa: F401
    from xltools.rules import catalogue
    from xltools.rules.registry import _load

    families()
    _load()
    catalogue()
    for kind, code in (("func", "2010301"), ("econ_dept", "30101")):
        try:
            codes.lookup(code, kind=kind)
        except Exception:  # noqa: BLE001 — a catalogue problem shows up in the checks themselves
            pass
    try:
        from xltools.narrative import context  # noqa: F401
    except ImportError:
        pass


def status_of(errors: int, warnings: int) -> str:
    return FAILED if errors else WARNED if warnings else PASSED


def _blank(path: Path) -> dict:
    return {"path": str(path), "status": UNREADABLE, "reason": "", "unit_name": "", "unit_code": "", "family": "",
            "year": None, "unit": "", "errors": 0, "warnings": 0, "infos": 0, "explained": 0, "top_codes": [],
            "findings": [], "skip": ""}


def inspect(task: tuple[str, str]) -> dict:
    path_s, mode = task
    p = Path(path_s)
    out = _blank(p)
    from xltools.errors import UnreadableWorkbook, XltoolsError

    try:
        if p.suffix.lower() == ".xls":
            raise UnreadableWorkbook(f"“{p.name}” 是旧版 Excel 97-2003 格式（.xls）。请在 Excel 或 WPS 中打开，"
                                     "另存为“Excel 工作簿 (*.xlsx)”后重新报送。", path=p)
        from xltools.io.readers import read_calamine
        from xltools.parse import parse_book, read_meta

        from xltools.pipeline import NOT_CHECKED

        grids = read_calamine(p, skip=NOT_CHECKED)
        meta = read_meta(grids)
        if meta.get("kind") in OWN_KINDS:
            out["skip"] = f"“{p.name}” 是本工具生成的{OWN_KINDS[meta['kind']]}，不是单位报送的工作簿，已跳过。"
            return out
        if mode == "prior":
            book, _ = parse_book(grids)
            findings = []
        else:
            from xltools.pipeline import check_grids

            book, report = check_grids(grids)
            findings = report.findings
        del grids
    except XltoolsError as e:
        out["reason"] = str(e)
        return out
    except MemoryError:
        raise
    except Exception as e:  # noqa: BLE001 — a parser/rule bug on a strange file must not stop the batch
        out["reason"] = (f"“{p.name}” 处理时出错（{type(e).__name__}），无法校验。请用 Excel 打开检查后另存再试，"
                         "或把该文件交给维护人员。")
        return out

    counting = [f for f in findings if f.counts]
    out.update(
        unit_name=_text(_safe(lambda: book.name)), unit_code=_text(_info(book, "unit_code")), family=book.family,
        year=book.year, unit=book.unit,
        errors=sum(1 for f in counting if f.severity == "error"),
        warnings=sum(1 for f in counting if f.severity == "warning"),
        infos=sum(1 for f in counting if f.severity == "info"),
        explained=sum(1 for f in findings if not f.counts),
    )
    out["status"] = status_of(out["errors"], out["warnings"])
    ranked = Counter(f.code for f in counting if f.severity in ("error", "warning"))
    worst = {f.code for f in counting if f.severity == "error"}
    top = sorted(ranked.items(), key=lambda cn: (cn[0] not in worst, -cn[1], cn[0]))   # errors first
    out["top_codes"] = [[c, n] for c, n in top[:3]]
    if mode == "check":
        out["findings"] = [(f.sheet, f.cell, f.code, f.severity, f.message, bool(f.explained)) for f in findings]
    elif mode == "consolidate":
        from xltools.batch.consolidate import contribution

        out["contribution"] = contribution(book)
    elif mode == "prior":
        from xltools.batch.distribute import prior_figures

        out["prior"] = prior_figures(book)
    return out


def _safe(fn):
    try:
        return fn()
    except Exception:  # noqa: BLE001
        return ""


def _info(book, key: str):
    try:
        return book.info.get(key)
    except Exception:  # noqa: BLE001 — a family without an information sheet
        return None


def _text(v) -> str:
    from xltools.text import cell_text

    return cell_text(v)


def inspect_files(files: list[Path], root: Path, purpose: str, *, jobs: int | None = None,
                  timeout: float | None = None, memory_mb: int | None = None, progress=None):
    """Run `inspect(path, purpose)` over the files in isolated workers, reporting progress; yields
    (outcome, path, path relative to root) as each file finishes (outcome.ok False: the worker failed)."""
    from xltools.batch.discover import relative
    from xltools.batch.pool import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, run_isolated

    if progress is not None:
        progress.total = len(files)
    warm()
    for oc in run_isolated(inspect, [(str(p), purpose) for p in files], jobs=jobs,
                           timeout=timeout or DEFAULT_TIMEOUT, memory_mb=memory_mb or DEFAULT_MEMORY_MB):
        p = files[oc.index]
        rel = relative(p, root)
        if progress is not None:
            progress.update(rel)
        yield oc, p, rel
    if progress is not None:
        progress.close()
