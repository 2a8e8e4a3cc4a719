"""Checks made on a file before any spreadsheet library parses it.

A hostile xlsx can inflate to gigabytes of XML or declare cells at XFD1048576, which makes the Rust readers
abort the whole process (no `except` catches that) and a per-cell loop spin for hours. So the package is
inspected as a zip first: member sizes, compression ratios and the largest cell reference of every sheet.

python-calamine builds a dense grid from the top-left cell to the last cell holding a value, whatever the sheet's
<dimension> says, so the <dimension> is not read here: the reference of every cell tag is. The scan must see every
cell calamine will see, on every part calamine may open as a worksheet:

- a worksheet is found through the workbook's relationships (xl/_rels/workbook.xml.rels) and looked up ignoring
  case and slash direction, so it may live under any name: the parts under xl/worksheets/ are scanned, and so is
  every part whose file name is the target of a workbook relationship;
- calamine takes a cell's position from its `r` attribute wherever it stands among the attributes, in either
  quotes, with any namespace prefix on the tag, and column letters in either case; a cell without `r` goes after
  the previous cell of its row, a row without `r` after the previous row (some producers write neither);
- a self-closed tag (<c r="B7" s="3"/>, a formatted empty cell) holds no value and calamine leaves it out of the
  grid, so a formatted area cannot inflate the used area.

Two scans. The usual one runs at C speed: one regular expression over each part, for cells written as every
common writer writes them (<c r="B7" s="3" t="s">). A part with any other kind of cell tag is read again with an
XML parser (expat) that places every cell as calamine does; what expat cannot parse (calamine is more lenient) is
refused, as is a part with a DOCTYPE (whose entities expat would expand and calamine would not).
"""
from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from xltools.errors import InputNotFound, UnreadableWorkbook, UnsafeWorkbook
from xltools.lazyre import lazy

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_MAGIC = b"PK\x03\x04"


class Limits:
    """What a file may be before it is parsed (a plain class: a dataclass costs a millisecond at import)."""

    def __init__(self, max_file_bytes: int = 200 * 1024 * 1024,
                 max_member_bytes: int = 256 * 1024 * 1024,     # uncompressed size of one part
                 max_total_bytes: int = 512 * 1024 * 1024,      # uncompressed size of the whole package
                 max_ratio: int = 200,                          # uncompressed / compressed, for parts over 1 MB
                 max_cells: int = 5_000_000,                    # rows × columns of one sheet's used area
                 max_rows: int = 1_048_576) -> None:
        self.max_file_bytes = max_file_bytes
        self.max_member_bytes = max_member_bytes
        self.max_total_bytes = max_total_bytes
        self.max_ratio = max_ratio
        self.max_cells = max_cells
        self.max_rows = max_rows


DEFAULT_LIMITS = Limits()

# A cell tag as every common writer puts it: the reference first, then any of the other attributes of a cell
# (s, t, cm, vm, ph). findall gives (letters, row) for each that can hold a value; a self-closed one (<c r="B7"
# s="3"/>) does not match; any other tag that opens a cell (<c>, <c t="n" r="B7">, <c\nr=...>, a 4-letter
# column, an attribute of another name — even a second r) gives ("", ""), which sends the part to the exact
# scan. Leading zeros of the row are dropped ("B007" is row 7 for calamine too).
_CELL_ATTRS = rb'(?: (?:[st]|cm|vm|ph)="[^"<>]*")*+'    # *+ (possessive): no backtracking on a hostile tag
_CELL_USUAL = lazy(rb'<c(?: r="([A-Z]{1,3})0*(\d{1,7})"%s>|(?! r="[A-Z]{1,3}\d{1,7}"%s/>)[\s/>])'
                         % (_CELL_ATTRS, _CELL_ATTRS))
# a cell tag with a namespace prefix (<x:c ...>) always contains this
_PREFIXED_CELL = lazy(rb":c[\s/>]")
# references as the exact scan reads them (str: expat gives text); compiled on first use, through re's cache
_CELL_REF = r"([A-Za-z]{1,3})0*([1-9][0-9]{0,6})"
_ROW_REF = r"0*([1-9][0-9]{0,6})"
_TARGET = lazy(rb"""Target\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_CHUNK = 1 << 20          # a part is scanned a megabyte at a time …
_MAX_RUN = 8 << 20        # … and a run this long without a "<" (no tag is) is scanned as it is, not carried over


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
        for info in _worksheet_parts(zf, infos, p):
            try:
                with zf.open(info) as fh:
                    extent = _usual_extent(fh)
                if extent is None:
                    with zf.open(info) as fh:
                        extent = _exact_extent(fh)
            except _ZIP_ERRORS:
                raise _damaged(p, info) from None
            _check_extent(extent, info, p, limits)


_ZIP_ERRORS = (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError, zlib.error)


def _damaged(p: Path, info: zipfile.ZipInfo) -> UnreadableWorkbook:
    return UnreadableWorkbook(f"{describe(p)} 已损坏（{info.filename} 无法解压），请重新获取原文件。", path=p)


def _worksheet_parts(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], p: Path) -> list[zipfile.ZipInfo]:
    """Every part calamine may open as a worksheet (see the module docstring). Names are compared as calamine
    compares them: ignoring case and the direction of slashes."""
    names = [i.filename.replace("\\", "/").lower() for i in infos]
    targets: set[str] = set()
    anything = False
    for info, name in zip(infos, names):
        if name.startswith("xl/_rels/") and name.endswith(".rels"):
            try:
                rels = zf.read(info)
            except _ZIP_ERRORS:
                raise _damaged(p, info) from None
            for dq, sq in _TARGET.findall(rels):
                target = dq or sq
                # calamine takes a target as written; should it ever decode one, a target that could decode to
                # another name (an entity, a %-escape, bytes that are not ASCII) makes every part a candidate
                anything |= not target.isascii() or b"&" in target or b"%" in target
                targets.add(target.decode("ascii", "replace").replace("\\", "/").lower().rsplit("/", 1)[-1])
    return [info for info, name in zip(infos, names)
            if anything or name.rsplit("/", 1)[-1] in targets
            or name.startswith("xl/worksheets/") and not name.endswith(".rels")]


def _pieces(fh) -> Iterator[bytes]:
    """A part's bytes a megabyte or so at a time (a small part in one piece), each piece but the last ending just
    before a "<", so that no tag is split between two pieces — but for a run of _MAX_RUN bytes without any "<",
    which no tag of a real sheet is: that run is passed on as it is."""
    buf = fh.read(_CHUNK)
    while buf:
        more = fh.read(_CHUNK)
        if not more:
            yield buf
            return
        cut = buf.rfind(b"<")
        if cut <= 0:
            if len(buf) < _MAX_RUN:
                buf += more
                continue
            cut = len(buf)
        yield buf[:cut]
        buf = buf[cut:] + more


def _usual_extent(fh) -> tuple[int, int] | None:
    """(last row, last column) of one worksheet part's cells that can hold a value, 1-based, when every cell tag
    is written the usual way; None as soon as one is not."""
    last_row = 0
    letters: set[bytes] = set()
    for piece in _pieces(fh):
        cells = _CELL_USUAL.findall(piece)
        if (b"", b"") in cells or _PREFIXED_CELL.search(piece):
            return None
        if cells:
            cols, rows = zip(*cells)
            letters.update(cols)
            last_row = max(last_row, max(map(int, set(rows))))
    return last_row, max(map(_col_number, letters), default=0)


def _exact_extent(fh) -> tuple[int, int] | None:
    """(last row, last column) of one worksheet part's cells as calamine places them, read with expat; None when
    expat cannot read the part, it has a DOCTYPE, or a reference calamine would not read."""
    from xml.parsers import expat

    placer = _Placer()
    parser = expat.ParserCreate()
    parser.StartElementHandler = placer.start
    parser.EndElementHandler = placer.end
    parser.StartDoctypeDeclHandler = _no_doctype
    try:
        while (chunk := fh.read(_CHUNK)) and not placer.done:
            parser.Parse(chunk, False)
        if not placer.done:
            parser.Parse(b"", True)
    except (expat.ExpatError, _Unplaceable):
        return None
    return placer.last_row, placer.last_col


class _Unplaceable(Exception):
    """A DOCTYPE, or a reference calamine would not read (so the file is refused rather than guessed at)."""


def _no_doctype(*_) -> None:
    raise _Unplaceable


class _Placer:
    """calamine's placing of cells (python-calamine 0.9), followed on expat's events. calamine's XML reader
    reports <c/> as <c></c>, so the events are the same. Inside <sheetData> only: a <row r> sets the current row
    and every </row> moves to the next row and back to column A; a cell takes its reference or else the current
    place, and the next place is the column after it (two r on one tag: expat refuses them). A cell's content is its
    value (calamine refuses any element there but v, f and is, and reads those whole), so rows and cells inside
    it do not count; a cell counts once it has a value element (a self-closed one never has)."""

    def __init__(self) -> None:
        self.row = self.col = 0                   # the next place, 0-based
        self.last_row = self.last_col = 0         # 1-based
        self.in_data = self.done = False
        self.depth = 0                            # elements open inside the cell being read (the cell itself: 1)
        self.place: tuple[int, int] | None = None  # the cell being read, until its value starts

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if self.done:                             # calamine stops at the end of <sheetData>
            return
        if self.depth:
            self.depth += 1
            if self.place:
                row, col = self.place
                self.last_row, self.last_col = max(self.last_row, row + 1), max(self.last_col, col + 1)
                self.place = None
            return
        local = name.split(":", 1)[-1]            # a prefix ends at the first colon, as for calamine
        if not self.in_data:
            self.in_data = local == "sheetData"
        elif local == "row":
            if "r" in attrs:
                self.row = int(_match(_ROW_REF, attrs["r"])[1]) - 1
        elif local == "c":
            if "r" in attrs:
                m = _match(_CELL_REF, attrs["r"])
                self.place = int(m[2]) - 1, _col_number(m[1].upper().encode()) - 1
            else:
                self.place = self.row, self.col
            self.col = self.place[1] + 1
            self.depth = 1

    def end(self, name: str) -> None:
        if self.depth:
            self.depth -= 1
            if not self.depth:
                self.place = None
            return
        local = name.split(":", 1)[-1]
        if self.in_data and local == "row":
            self.row += 1
            self.col = 0
        elif self.in_data and local == "sheetData":
            self.in_data, self.done = False, True


def _match(pattern: str, text: str) -> re.Match:
    m = re.fullmatch(pattern, text)
    if m is None:
        raise _Unplaceable
    return m


def _check_extent(extent: tuple[int, int] | None, info: zipfile.ZipInfo, p: Path, limits: Limits) -> None:
    sheet = info.filename.replace("\\", "/").rsplit("/", 1)[-1]
    if extent is None:
        raise UnsafeWorkbook(
            f"{describe(p)} 的工作表 {sheet} 的单元格标记不规范，无法确认其使用范围，"
            "可能是非常规软件生成或恶意构造的文件，已拒绝读取。请在 Excel 或 WPS 中打开并另存为 .xlsx 后再试。",
            path=p)
    rows, cols = extent
    if rows > limits.max_rows or cols > 16384 or rows * max(cols, 1) > limits.max_cells:
        raise UnsafeWorkbook(
            f"{describe(p)} 的工作表 {sheet} 使用范围异常（{rows} 行 × {cols} 列），"
            "不像预算表格，可能是恶意构造的文件，已拒绝读取。请删除多余的行列后另存再试。",
            path=p)
