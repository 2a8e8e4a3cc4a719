"""Build a VBA project (xl/vbaProject.bin) without Excel.

The add-in's VBA project starts from the one xlwings ships in its custom add-in template
(`quickstart_addin_ribbon.xlam`, the standalone RunPython module of the installed xlwings version, written by
Excel and tested by xlwings on every release). We read it, keep its project records, references and the
modules we need byte for byte, replace its example ribbon module with our dispatcher (macros/*.bas) and write
a new compound file. Three formats are involved, all documented by Microsoft and implemented here in plain
Python (no dependency, so `xltools addin build` runs wherever xltools runs):

- MS-CFB, the OLE compound file (a FAT file system in one file): `read_cfb`, `write_cfb`.
- MS-OVBA 2.4.1 compression of the `dir` stream and module source: `decompress`, `compress`.
- MS-OVBA 2.3 streams: `PROJECT` (text), `PROJECTwm` (module name map), `VBA/dir` (records),
  `VBA/_VBA_PROJECT` (kept: version 0xFFFF means "no compiled cache, compile from source" — which is why
  source-only modules are valid: Excel compiles them when it opens the add-in).

Tests read the result back with olefile/olevba (an independent implementation) and LibreOffice's VBA import.
"""
from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field

# ------------------------------------------------------------------------------------------ MS-OVBA 2.4.1

CHUNK = 4096


def decompress(data: bytes) -> bytes:
    """MS-OVBA 2.4.1.3.1: a signature byte 0x01, then compressed chunks of up to 4096 decompressed bytes."""
    if not data or data[0] != 1:
        raise ValueError("not an MS-OVBA compressed container")
    out = bytearray()
    pos = 1
    while pos < len(data):
        header = struct.unpack_from("<H", data, pos)[0]
        size = (header & 0x0FFF) + 3
        compressed = header & 0x8000
        end = min(pos + size, len(data))
        pos += 2
        start = len(out)
        if not compressed:
            out += data[pos:pos + 4096]
            pos += 4096
            continue
        while pos < end:
            flags = data[pos]
            pos += 1
            for bit in range(8):
                if pos >= end:
                    break
                if not flags & (1 << bit):
                    out.append(data[pos])
                    pos += 1
                else:
                    token = struct.unpack_from("<H", data, pos)[0]
                    pos += 2
                    length_mask, offset_mask, bit_count = _copy_token_masks(len(out) - start)
                    length = (token & length_mask) + 3
                    offset = (token >> (16 - bit_count)) + 1
                    src = len(out) - offset
                    for i in range(length):
                        out.append(out[src + i])
    return bytes(out)


def _copy_token_masks(difference: int) -> tuple[int, int, int]:
    """MS-OVBA 2.4.1.3.19.1 CopyToken Help: how many bits of a copy token are the offset at this position."""
    bit_count = max((difference - 1).bit_length(), 4) if difference > 0 else 4
    length_mask = 0xFFFF >> bit_count
    offset_mask = ~length_mask & 0xFFFF
    return length_mask, offset_mask, bit_count


def compress(data: bytes) -> bytes:
    """MS-OVBA 2.4.1.3.6 compression (greedy longest match, as the spec's pseudocode)."""
    out = bytearray(b"\x01")
    for chunk_start in range(0, len(data), CHUNK):
        chunk = data[chunk_start:chunk_start + CHUNK]
        body = _compress_chunk(chunk)
        if len(body) <= CHUNK:   # a compressed chunk holds at most 4098 bytes with its header
            out += struct.pack("<H", 0xB000 | (len(body) + 2 - 3)) + body
        else:  # incompressible: a raw chunk holds exactly 4096 bytes (a short last one is padded, as the spec says)
            out += struct.pack("<H", 0x3000 | (CHUNK + 2 - 3)) + chunk.ljust(CHUNK, b"\x00")
    return bytes(out)


def _compress_chunk(chunk: bytes) -> bytes:
    out = bytearray()
    pos = 0
    n = len(chunk)
    # positions of each 3-byte prefix seen so far, for a quick longest-match search
    index: dict[bytes, list[int]] = {}
    while pos < n:
        flag_pos = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if pos >= n:
                break
            length_mask, _, bit_count = _copy_token_masks(pos)
            max_len = length_mask + 3
            best_len, best_off = 0, 0
            key = chunk[pos:pos + 3]
            if len(key) == 3:
                # the spec's Matching: the longest match (uncapped) among all earlier positions, the nearest on
                # a tie; then capped at the maximum length a token can carry here
                for cand in reversed(index.get(key, ())):
                    ln = 3
                    while pos + ln < n and chunk[cand + ln] == chunk[pos + ln]:
                        ln += 1
                    if ln > best_len:
                        best_len, best_off = ln, pos - cand
                best_len = min(best_len, max_len)
            if best_len >= 3:
                token = ((best_off - 1) << (16 - bit_count)) | (best_len - 3)
                out += struct.pack("<H", token)
                flags |= 1 << bit
                step = best_len
            else:
                out.append(chunk[pos])
                step = 1
            for p in range(pos, pos + step):
                k = chunk[p:p + 3]
                if len(k) == 3:
                    index.setdefault(k, []).append(p)
            pos += step
        out[flag_pos] = flags
    return bytes(out)


# ------------------------------------------------------------------------------------------ MS-CFB

_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
FREESECT, ENDOFCHAIN, FATSECT, DIFSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFC, 0xFFFFFFFF
_MINI_CUTOFF = 4096
_SECTOR = 512
_MINI = 64


def read_cfb(data: bytes) -> dict[str, bytes]:
    """Every stream of a compound file as {"STORAGE/STREAM": bytes} (paths with '/', as olefile names them)."""
    if data[:8] != _MAGIC:
        raise ValueError("not an OLE compound file")
    shift = struct.unpack_from("<H", data, 30)[0]
    ssz = 1 << shift
    mini_shift = struct.unpack_from("<H", data, 32)[0]
    n_fat, first_dir, _, mini_cutoff, first_minifat, n_minifat, first_difat, n_difat = struct.unpack_from(
        "<IIIIIIII", data, 44)
    difat = list(struct.unpack_from("<109I", data, 76))
    sect = first_difat
    for _ in range(n_difat):
        off = (sect + 1) * ssz
        entries = struct.unpack_from(f"<{ssz // 4}I", data, off)
        difat += entries[:-1]
        sect = entries[-1]
    fat: list[int] = []
    for s in difat[:n_fat]:
        fat += struct.unpack_from(f"<{ssz // 4}I", data, (s + 1) * ssz)

    def chain(start: int) -> bytes:
        out = bytearray()
        seen = 0
        while start not in (ENDOFCHAIN, FREESECT) and seen <= len(fat):
            out += data[(start + 1) * ssz:(start + 2) * ssz]
            start = fat[start]
            seen += 1
        return bytes(out)

    dir_data = chain(first_dir)
    entries = []
    for i in range(len(dir_data) // 128):
        e = dir_data[i * 128:(i + 1) * 128]
        name_len = struct.unpack_from("<H", e, 64)[0]
        name = e[:max(name_len - 2, 0)].decode("utf-16-le")
        typ = e[66]
        left, right, child = struct.unpack_from("<III", e, 68)
        start, size = struct.unpack_from("<IQ", e, 116)
        entries.append((name, typ, left, right, child, start, size & 0xFFFFFFFF))
    root = entries[0]
    mini_stream = chain(root[5])
    minifat: list[int] = []
    if n_minifat:
        raw = chain(first_minifat)
        minifat = list(struct.unpack_from(f"<{len(raw) // 4}I", raw))
    msz = 1 << mini_shift

    def mini_chain(start: int, size: int) -> bytes:
        out = bytearray()
        seen = 0
        while start not in (ENDOFCHAIN, FREESECT) and seen <= len(minifat):
            out += mini_stream[start * msz:(start + 1) * msz]
            start = minifat[start]
            seen += 1
        return bytes(out[:size])

    streams: dict[str, bytes] = {}

    def walk(idx: int, prefix: str, depth: int = 0) -> None:
        if idx == NOSTREAM or idx >= len(entries) or depth > 64:
            return
        name, typ, left, right, child, start, size = entries[idx]
        walk(left, prefix, depth + 1)
        walk(right, prefix, depth + 1)
        if typ == 2:
            streams[prefix + name] = (mini_chain(start, size) if size < mini_cutoff else chain(start)[:size])
        elif typ == 1:
            walk(child, prefix + name + "/", depth + 1)

    walk(root[4], "")
    return streams


def _cfb_key(name: str) -> tuple[int, str]:
    """MS-CFB 2.6.4: siblings are ordered by name length (UTF-16 code units), then by upper-cased name."""
    return (len(name.encode("utf-16-le")) // 2, name.upper())


@dataclass
class _Node:
    name: str
    typ: int                    # 1 storage, 2 stream, 5 root
    data: bytes = b""
    children: list["_Node"] = field(default_factory=list)
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    color: int = 1              # 1 black, 0 red
    sid: int = 0


def _tree(nodes: list[_Node]) -> tuple[int, dict[int, int]]:
    """Link sorted siblings into a balanced binary search tree; return (root sid, depth by sid).
    Nodes on the deepest, incomplete level are coloured red so that the tree is a valid red-black tree."""
    depth: dict[int, int] = {}

    def build(lo: int, hi: int, d: int) -> int:
        if lo > hi:
            return NOSTREAM
        mid = (lo + hi + 1) // 2
        node = nodes[mid]
        depth[node.sid] = d
        node.left = build(lo, mid - 1, d + 1)
        node.right = build(mid + 1, hi, d + 1)
        return node.sid

    root = build(0, len(nodes) - 1, 1)
    if nodes:
        deepest = max(depth.values())
        perfect = len(nodes) == (1 << deepest) - 1
        if not perfect:
            for node in nodes:
                if depth[node.sid] == deepest:
                    node.color = 0
    return root, depth


def write_cfb(streams: dict[str, bytes]) -> bytes:
    """A version-3 compound file (512-byte sectors) holding the given streams; storages are made from paths."""
    root = _Node("Root Entry", 5)
    for path, data in streams.items():
        parts = path.split("/")
        node = root
        for part in parts[:-1]:
            nxt = next((c for c in node.children if c.name == part and c.typ == 1), None)
            if nxt is None:
                nxt = _Node(part, 1)
                node.children.append(nxt)
            node = nxt
        node.children.append(_Node(parts[-1], 2, bytes(data)))

    order: list[_Node] = []

    def number(node: _Node) -> None:
        node.sid = len(order)
        order.append(node)
        for c in sorted(node.children, key=lambda n: _cfb_key(n.name)):
            number(c)

    number(root)
    for node in order:
        if node.typ in (1, 5) and node.children:
            kids = sorted(node.children, key=lambda n: _cfb_key(n.name))
            node.child, _ = _tree(kids)

    # mini stream: streams under the cutoff, in 64-byte mini sectors
    mini = bytearray()
    minifat: list[int] = []
    starts: dict[int, int] = {}
    for node in order:
        if node.typ == 2 and len(node.data) < _MINI_CUTOFF:
            if not node.data:
                starts[node.sid] = ENDOFCHAIN
                continue
            first = len(minifat)
            n = -(-len(node.data) // _MINI)
            minifat += [first + i + 1 for i in range(n - 1)] + [ENDOFCHAIN]
            mini += node.data.ljust(n * _MINI, b"\x00")
            starts[node.sid] = first

    sectors: list[bytes] = []
    fat: list[int] = []

    def put(blob: bytes) -> int:
        if not blob:
            return ENDOFCHAIN
        first = len(sectors)
        n = -(-len(blob) // _SECTOR)
        for i in range(n):
            sectors.append(blob[i * _SECTOR:(i + 1) * _SECTOR].ljust(_SECTOR, b"\x00"))
            fat.append(first + i + 1 if i < n - 1 else ENDOFCHAIN)
        return first

    for node in order:
        if node.typ == 2 and len(node.data) >= _MINI_CUTOFF:
            starts[node.sid] = put(node.data)
    mini_start = put(bytes(mini))
    minifat_raw = b"".join(struct.pack("<I", x) for x in minifat)
    if minifat_raw:
        minifat_raw = minifat_raw.ljust(-(-len(minifat_raw) // _SECTOR) * _SECTOR, b"\xff")
    minifat_start = put(minifat_raw) if minifat_raw else ENDOFCHAIN
    n_minifat = len(minifat_raw) // _SECTOR

    def entry(node: _Node) -> bytes:
        name = node.name.encode("utf-16-le")
        if len(name) > 62:
            raise ValueError(f"stream name too long: {node.name}")
        if node.typ == 5:
            start, size = (mini_start if mini else ENDOFCHAIN), len(mini)
        elif node.typ == 2:
            start, size = starts[node.sid], len(node.data)
        else:
            start, size = 0, 0
        return (name.ljust(64, b"\x00") + struct.pack("<HBB", len(name) + 2, node.typ, node.color)
                + struct.pack("<III", node.left, node.right, node.child) + b"\x00" * 16 + b"\x00" * 4
                + b"\x00" * 16 + struct.pack("<IQ", start, size))

    dir_raw = b"".join(entry(n) for n in order)
    per_sector = _SECTOR // 128
    pad = (-len(order)) % per_sector
    empty = ("".encode("utf-16-le").ljust(64, b"\x00") + struct.pack("<HBB", 0, 0, 0)
             + struct.pack("<III", NOSTREAM, NOSTREAM, NOSTREAM) + b"\x00" * 52)
    dir_raw += empty * pad
    dir_start = put(dir_raw)

    # FAT sectors describe every sector including themselves
    per_fat = _SECTOR // 4
    n_fat = 1
    while (len(sectors) + n_fat + per_fat - 1) // per_fat > n_fat:
        n_fat += 1
    if n_fat > 109:
        raise ValueError("compound file too large for a header-only DIFAT")
    fat_start = len(sectors)
    fat += [FATSECT] * n_fat
    fat += [FREESECT] * (n_fat * per_fat - len(fat))
    for i in range(n_fat):
        sectors.append(b"".join(struct.pack("<I", x) for x in fat[i * per_fat:(i + 1) * per_fat]))

    difat = [fat_start + i for i in range(n_fat)] + [FREESECT] * (109 - n_fat)
    header = (_MAGIC + b"\x00" * 16 + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6) + b"\x00" * 6
              + struct.pack("<IIIIIIIII", 0, n_fat, dir_start, 0, _MINI_CUTOFF, minifat_start, n_minifat,
                            ENDOFCHAIN, 0)
              + b"".join(struct.pack("<I", x) for x in difat))
    assert len(header) == _SECTOR
    return header + b"".join(sectors)


# ------------------------------------------------------------------------------------------ MS-OVBA 2.3

@dataclass
class Module:
    name: str
    source: str                 # text with CRLF line ends, "Attribute VB_Name = ..." first
    kind: str = "std"           # std (procedural) | doc (document / class module)
    records: list[tuple[int, bytes]] = field(default_factory=list)   # the template's records, when kept
    project_line: str = ""      # "Module=X" / "Document=X/&H00000000" / "Class=X"


@dataclass
class VbaProject:
    codepage: str
    head: list[tuple[int, bytes]]          # dir records before PROJECTMODULES (information + references)
    cookie: bytes
    modules: list[Module]
    project_text: str                      # the PROJECT stream, decoded
    vba_project: bytes                     # VBA/_VBA_PROJECT, kept

    # ---------------------------------------------------------------- reading
    @classmethod
    def from_bin(cls, data: bytes) -> "VbaProject":
        streams = read_cfb(data)
        d = decompress(streams["VBA/dir"])
        records = _records(d)
        cp = 1252
        for rid, body in records:
            if rid == 0x0003:
                cp = struct.unpack("<H", body)[0]
                break
        codepage = f"cp{cp}"
        i = next(k for k, (rid, _) in enumerate(records) if rid == 0x000F)
        head = records[:i]
        cookie = records[i + 1][1] if records[i + 1][0] == 0x0013 else b"\xff\xff"
        modules: list[Module] = []
        cur: list[tuple[int, bytes]] = []
        for rid, body in records[i + 2:]:
            if rid == 0x0010:
                break
            cur.append((rid, body))
            if rid == 0x002B:
                modules.append(cls._module(cur, streams, codepage))
                cur = []
        text = streams["PROJECT"].decode(codepage)
        for m in modules:
            for line in text.splitlines():
                key, _, value = line.partition("=")
                if key in ("Module", "Document", "Class", "BaseClass") and value.split("/")[0] == m.name:
                    m.project_line = line
        return cls(codepage, head, cookie, modules, text, streams["VBA/_VBA_PROJECT"])

    @staticmethod
    def _module(recs: list[tuple[int, bytes]], streams: dict[str, bytes], codepage: str) -> Module:
        rec = dict(recs)
        name = rec[0x0019].decode(codepage)
        stream_name = rec[0x001A].decode(codepage)
        offset = struct.unpack("<I", rec[0x0031])[0]
        source = decompress(streams[f"VBA/{stream_name}"][offset:]).decode(codepage)
        kind = "doc" if 0x0022 in rec else "std"
        return Module(name, source, kind, recs)

    def module(self, name: str) -> Module:
        return next(m for m in self.modules if m.name == name)

    @property
    def name(self) -> str:
        body = dict(self.head).get(0x0004, b"")
        return body.decode(self.codepage)

    # ---------------------------------------------------------------- editing
    def set_name(self, name: str) -> None:
        self.head = [(rid, name.encode(self.codepage) if rid == 0x0004 else body) for rid, body in self.head]
        self.project_text = re.sub(r'^Name="[^"]*"', f'Name="{name}"', self.project_text, flags=re.M)

    def remove_module(self, name: str) -> None:
        self.modules = [m for m in self.modules if m.name != name]

    def add_module(self, name: str, source: str) -> Module:
        """A standard module from source text (the first line must be Attribute VB_Name = "name")."""
        source = _crlf(source)
        if not source.startswith(f'Attribute VB_Name = "{name}"'):
            source = f'Attribute VB_Name = "{name}"\r\n' + source
        m = Module(name, source, "std", [], f"Module={name}")
        self.modules = [x for x in self.modules if x.name != name] + [m]
        return m

    def replace_source(self, name: str, source: str) -> None:
        self.module(name).source = _crlf(source)

    # ---------------------------------------------------------------- writing
    def _module_records(self, m: Module) -> bytes:
        cp = self.codepage
        enc = m.name.encode(cp)
        uni = m.name.encode("utf-16-le")
        if m.records:
            kept = dict(m.records)
            doc, doc_u = kept.get(0x001C, b""), kept.get(0x0048, b"")
            help_ctx = kept.get(0x001E, b"\x00\x00\x00\x00")
            cookie = kept.get(0x002C, b"\xff\xff")
            typ = 0x0022 if m.kind == "doc" else 0x0021
            flags = [rid for rid, _ in m.records if rid in (0x0025, 0x0028)]
        else:
            doc, doc_u, help_ctx, cookie, typ, flags = b"", b"", b"\x00\x00\x00\x00", b"\xff\xff", 0x0021, []
        out = bytearray()
        out += _rec(0x0019, enc) + _rec(0x0047, uni)
        out += _rec(0x001A, enc) + _rec(0x0032, uni)
        out += _rec(0x001C, doc) + _rec(0x0048, doc_u)
        out += _rec(0x0031, struct.pack("<I", 0))                 # MODULEOFFSET: no performance cache
        out += _rec(0x001E, help_ctx) + _rec(0x002C, cookie)
        out += struct.pack("<HI", typ, 0)
        for rid in flags:
            out += struct.pack("<HI", rid, 0)
        out += struct.pack("<HI", 0x002B, 0)
        return bytes(out)

    def _dir(self) -> bytes:
        out = bytearray()
        for rid, body in self.head:
            if rid == 0x0009:   # PROJECTVERSION: its size field reads 4 but 6 bytes follow (MS-OVBA 2.3.4.2.1.11)
                out += struct.pack("<HI", rid, 4) + body
            else:
                out += _rec(rid, body)
        out += _rec(0x000F, struct.pack("<H", len(self.modules)))
        out += _rec(0x0013, self.cookie)
        for m in self.modules:
            out += self._module_records(m)
        out += struct.pack("<HI", 0x0010, 0)
        return bytes(out)

    def _project_stream(self) -> bytes:
        lines = self.project_text.replace("\r\n", "\n").split("\n")
        decl = [m.project_line or f"Module={m.name}" for m in self.modules]
        out: list[str] = []
        inserted = False
        section = ""
        for line in lines:
            if line.startswith("["):
                section = line
            key = line.partition("=")[0]
            if not section and key in ("Document", "Module", "Class", "BaseClass", "Package"):
                if not inserted:
                    out += decl
                    inserted = True
                continue
            if section == "[Workspace]" and "=" in line:
                continue
            out.append(line)
            if line == "[Workspace]":
                out += [f"{m.name}=0, 0, 0, 0, C" for m in self.modules]
        text = "\r\n".join(out)
        return text.encode(self.codepage)

    def _projectwm(self) -> bytes:
        out = bytearray()
        for m in self.modules:
            out += m.name.encode(self.codepage) + b"\x00" + m.name.encode("utf-16-le") + b"\x00\x00"
        return bytes(out + b"\x00\x00")

    def to_bin(self) -> bytes:
        streams = {"PROJECT": self._project_stream(), "PROJECTwm": self._projectwm(),
                   "VBA/_VBA_PROJECT": self.vba_project, "VBA/dir": compress(self._dir())}
        for m in self.modules:
            try:
                raw = m.source.encode(self.codepage)
            except UnicodeEncodeError as e:
                raise ValueError(f"VBA module {m.name}: non-{self.codepage} text at {e.start}; "
                                 "build Chinese text with ChrW") from None
            streams[f"VBA/{m.name}"] = compress(raw)
        return write_cfb(streams)


def _rec(rid: int, body: bytes) -> bytes:
    return struct.pack("<HI", rid, len(body)) + body


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def _records(d: bytes) -> list[tuple[int, bytes]]:
    out = []
    pos = 0
    while pos + 6 <= len(d):
        rid, size = struct.unpack_from("<HI", d, pos)
        pos += 6
        if rid == 0x0009:       # PROJECTVERSION: Reserved(4) = 4, then MajorVersion(4) + MinorVersion(2)
            size = 6
        out.append((rid, d[pos:pos + size]))
        pos += size
        if rid == 0x0010:
            break
    return out
