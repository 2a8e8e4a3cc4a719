"""Which files in a folder of returns are workbooks to read.

Recursively: *.xlsx, *.xlsm, and *.xls (an old-format return is listed as 无法读取 with what to do, rather than
silently missed). Left out: Excel/WPS lock files (~$name.xlsx), hidden files and folders (.name, including the
temporary files of an atomic write), the backups the tool keeps (NAME.bak.xlsx), and any path the caller
names (the report being written into the same folder). The tool's own reports and consolidated workbooks are
recognised by their hidden `_xltools` record when read (xltools.batch.tasks) and skipped there.
"""
from __future__ import annotations

from pathlib import Path

from xltools.errors import InputNotFound, UnreadableWorkbook

SUFFIXES = (".xlsx", ".xlsm", ".xls")


def is_candidate(path: Path) -> bool:
    name = path.name
    if name.startswith(("~$", ".")) or path.suffix.lower() not in SUFFIXES:
        return False
    stem = path.stem.lower()
    return not stem.endswith(".bak")


def find_workbooks(folder: str | Path, exclude: tuple[str | Path, ...] = ()) -> list[Path]:
    """The workbooks under folder, sorted by path (so reports come out in a stable order)."""
    root = Path(folder)
    if not root.exists():
        raise InputNotFound(f"找不到文件夹“{root}”，请检查路径。", path=root)
    if not root.is_dir():
        raise UnreadableWorkbook(f"“{root}” 不是文件夹。请给出存放各单位工作簿的文件夹。", path=root)
    skip = set()
    for e in exclude:
        try:
            skip.add(Path(e).resolve())
        except OSError:
            pass
    out = []
    try:
        for p in root.rglob("*"):
            rel = p.relative_to(root)
            if any(part.startswith(".") for part in rel.parts[:-1]):
                continue
            if not is_candidate(p) or not p.is_file():
                continue
            if p.resolve() in skip:
                continue
            out.append(p)
    except PermissionError as e:
        raise UnreadableWorkbook(f"没有读取文件夹“{e.filename or root}”的权限。", path=root) from None
    return sorted(out, key=lambda p: str(p.relative_to(root)))


def relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return path.name
