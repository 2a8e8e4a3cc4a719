"""Checks made on a file before any spreadsheet library parses it.

A hostile xlsx can inflate to gigabytes of XML or declare cells at XFD1048576, which makes the Rust readers
abort the whole process (no `except` catches that) and a per-cell loop spin for hours. So the package is
inspected as a zip first: member sizes, compression ratios and the largest cell reference of every sheet.
"""
from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from xltools.errors import InputNotFound, UnreadableWorkbook, UnsafeWorkbook

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 200 * 1024 * 1024
    max_member_bytes: int = 256 * 1024 * 1024      # uncompressed size of one part
    max_total_bytes: int = 512 * 1024 * 1024       # uncompressed size of the whole package
    max_ratio: int = 200                           # uncompressed / compressed, for parts over 1 MB
    max_cells: int = 5_000_000                     # rows × columns of one sheet's used area
    max_rows: int = 1_048_576


DEFAULT_LIMITS = Limits()
# a cell that holds something: <c r="B7" ...> not self-closed. Styled empty cells (<c r="B7" s="3"/>) and empty
# rows written for a formatted column are left out: readers skip them, so they cannot inflate the used area.
_CELL_REF = re.compile(rb'<(?:\w+:)?c r="([A-Z]{1,3})(\d{1,7})"[^>]*?(?<!/)>')


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def describe(path: Path) -> str:
    return f"“{path.name}”"


def check_file(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> Path:
    """Raise the right XltoolsError for a file that is not a usable xlsx; return the path otherwise."""
    p = Path(path)
    if not p.exists():
        raise InputNotFound(f"找不到文件 {describe(p)}，请检查路径。", path=p)
    if p.is_dir():
        raise UnreadableWorkbook(f"{describe(p)} 是文件夹，不是 Excel 工作簿。", path=p)
    try:
        size = p.stat().st_size
        with open(p, "rb") as fh:
            head = fh.read(8)
    except PermissionError:
        raise UnreadableWorkbook(f"没有读取 {describe(p)} 的权限，请检查文件权限或先在 Excel 中关闭它。", path=p) from None
    if size == 0:
        raise UnreadableWorkbook(f"{describe(p)} 是空文件（0 字节），请重新保存或重新获取该工作簿。", path=p)
    if size > limits.max_file_bytes:
        raise UnsafeWorkbook(f"{describe(p)} 过大（{size // 1048576} MB），不像一份预算工作簿，已拒绝读取。", path=p)
    if head.startswith(OLE_MAGIC):
        with open(p, "rb") as fh:
            blob = fh.read(min(size, 4 * 1024 * 1024))
        if "EncryptedPackage".encode("utf-16-le") in blob or b"EncryptionInfo" in blob or \
                "EncryptionInfo".encode("utf-16-le") in blob:
            raise UnreadableWorkbook(
                f"{describe(p)} 设置了打开密码（已加密），本工具无法读取。请在 Excel 中取消密码（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空）后另存再试。",
                path=p)
        raise UnreadableWorkbook(
            f"{describe(p)} 是旧版 Excel 97-2003 格式（.xls），只是扩展名改成了 .xlsx。请在 Excel 或 WPS 中打开，另存为“Excel 工作簿 (*.xlsx)”后再试。",
            path=p)
    if not head.startswith(ZIP_MAGIC):
        raise UnreadableWorkbook(
            f"{describe(p)} 不是 Excel 工作簿（.xlsx）文件，可能已损坏或是其他格式。请用 Excel 打开确认后另存为 .xlsx 再试。",
            path=p)
    check_package(p, limits)
    return p


def check_package(p: Path, limits: Limits = DEFAULT_LIMITS) -> None:
    try:
        zf = zipfile.ZipFile(p)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UnreadableWorkbook(
            f"{describe(p)} 已损坏（文件不完整或被截断），无法打开。请重新获取原文件，或在 Excel 中尝试“打开并修复”后另存。",
            path=p) from None
    with zf:
        infos = zf.infolist()
        names = {i.filename for i in infos}
        if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
            if "EncryptedPackage" in names:
                raise UnreadableWorkbook(f"{describe(p)} 已加密，请在 Excel 中取消密码后另存再试。", path=p)
            raise UnreadableWorkbook(
                f"{describe(p)} 不是 Excel 工作簿（缺少工作簿结构），可能是其他 Office 文件改了扩展名。", path=p)
        total = 0
        for info in infos:
            total += info.file_size
            if info.file_size > limits.max_member_bytes or total > limits.max_total_bytes:
                raise UnsafeWorkbook(
                    f"{describe(p)} 解压后体积异常（{info.filename} 达 {info.file_size // 1048576} MB），可能是恶意构造的文件，已拒绝读取。",
                    path=p)
            if info.file_size > 1024 * 1024 and info.compress_size and \
                    info.file_size / info.compress_size > limits.max_ratio:
                raise UnsafeWorkbook(
                    f"{describe(p)} 的压缩比异常（{info.filename}），可能是“压缩炸弹”，已拒绝读取。", path=p)
        for info in infos:
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                _check_sheet_extent(zf, info, p, limits)


def _check_sheet_extent(zf: zipfile.ZipFile, info: zipfile.ZipInfo, p: Path, limits: Limits) -> None:
    max_row = max_col = 0
    tail = b""
    try:
        with zf.open(info) as fh:
            while True:
                chunk = fh.read(1 << 20)
                if not chunk:
                    break
                buf = tail + chunk
                for m in _CELL_REF.finditer(buf):
                    c, r = _col_number(m.group(1)), int(m.group(2))
                    if c > max_col:
                        max_col = c
                    if r > max_row:
                        max_row = r
                tail = buf[-64:]
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError, zlib.error):
        raise UnreadableWorkbook(f"{describe(p)} 已损坏（{info.filename} 无法解压），请重新获取原文件。", path=p) from None
    if max_row > limits.max_rows or max_col > 16384 or max_row * max(max_col, 1) > limits.max_cells:
        raise UnsafeWorkbook(
            f"{describe(p)} 的工作表 {info.filename.rsplit('/', 1)[-1]} 使用范围异常（{max_row} 行 × {max_col} 列），"
            "不像预算表格，可能是恶意构造的文件，已拒绝读取。请删除多余的行列后另存再试。",
            path=p)
