"""Writing files so that nothing is lost: a temporary file in the same folder, then an atomic replace;
`--in-place` keeps the original as NAME.bak.xlsx. Names that come from data are made safe first."""
from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path

from xltools.errors import WriteFailed
from xltools.lazyre import lazy

_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
_UNSAFE = lazy(r'[\x00-\x1f<>:"/\\|?*]')


def safe_filename(name: str, max_len: int = 150) -> str:
    """A file name built from a department or project name that cannot leave its folder or upset Windows."""
    name = _UNSAFE.sub("_", name).strip().strip(".")
    name = name.replace("..", "_")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    if stem.split(".")[0].upper() in _RESERVED:
        stem = "_" + stem
    stem = stem[: max_len - len(ext) - 1] or "_"
    return f"{stem}.{ext}" if ext else stem


def inside(folder: Path, name: str) -> Path:
    """folder/name, refusing any name that would land outside folder."""
    target = (folder / safe_filename(name)).resolve()
    if folder.resolve() not in target.parents:
        raise WriteFailed(f"文件名“{name}”不安全，已拒绝写入。")
    return target


def backup_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.bak{path.suffix}")


def _explain(e: OSError, path: Path) -> WriteFailed:
    if isinstance(e, PermissionError) or e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return WriteFailed(f"无法写入“{path}”：没有写权限，或文件正被 Excel/WPS 打开。请关闭该文件或换一个可写的文件夹后再试。原文件未被改动。",
                           path=path)
    if e.errno == errno.ENOSPC:
        return WriteFailed(f"无法写入“{path}”：磁盘空间不足。请清理磁盘后再试。原文件未被改动。", path=path)
    if e.errno == errno.ENOENT:
        return WriteFailed(f"无法写入“{path}”：文件夹不存在。", path=path)
    return WriteFailed(f"无法写入“{path}”（{e.strerror or e}）。原文件未被改动。", path=path)


def _set_mode(tmp: Path, path: Path) -> None:
    """mkstemp creates 0600; give the result the original's mode, or what the umask allows for a new file."""
    if path.exists():
        mode = path.stat().st_mode & 0o777
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.chmod(tmp, mode)


def atomic_write(path: str | Path, write, *, backup: bool = False) -> Path:
    """Call write(tmp_path) then move the result onto path. With backup, the existing file is kept as
    NAME.bak.xlsx first. On any failure the original is untouched and the temporary file removed."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.exists():
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise _explain(e, path) from None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix + ".tmp", dir=folder)
        os.close(fd)
    except OSError as e:
        raise _explain(e, path) from None
    tmp_path = Path(tmp)
    try:
        write(tmp_path)
        _set_mode(tmp_path, path)
        if backup and path.exists():
            shutil.copy2(path, backup_path(path))
        os.replace(tmp_path, path)
    except OSError as e:
        tmp_path.unlink(missing_ok=True)
        raise _explain(e, path) from None
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return path


def save_workbook(wb, path: str | Path, *, backup: bool = False) -> Path:
    return atomic_write(path, lambda tmp: wb.save(tmp), backup=backup)


def write_text(path: str | Path, text: str) -> Path:
    return atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
