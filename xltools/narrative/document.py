"""The rendered document: a list of blocks read from the Markdown the templates write.

One template, two outputs. The templates write a small Markdown dialect; `parse_markdown` reads it into blocks
(headings, paragraphs, tables, page and section breaks) that the Markdown writer prints back (normalised, for
review and diffing) and the Word writer lays out (xltools.narrative.docx_writer).

The dialect:
- `#` document title, `##` `###` headings, `####` a table's title (centred).
- Paragraphs: lines separated by a blank line; lines of one paragraph are joined without a space (Chinese).
  Inline: `**bold**`, `<br>` a line break, backslash escapes (a person's text is escaped by the context).
- Tables: GitHub pipe tables; the separator line gives each column's alignment (`:---` `---:` `:---:`).
  A cell written as nothing between two pipes (`||`) is spanned by the cell on its left (MultiMarkdown).
- Directives, HTML comments alone on a line (invisible when the Markdown is viewed):
  `<!-- pagebreak -->`, `<!-- section landscape -->` / `<!-- section portrait -->` (a new page in that
  orientation), `<!-- table header=2 widths=11,32,14 merge=1,2 -->` before a table (header rows repeated on
  every page; relative column widths; columns whose equal neighbours merge vertically),
  `<!-- align=right -->` / `<!-- align=center -->` / `<!-- style=attachment -->` before a paragraph.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from xltools.findings import Finding

# ----------------------------------------------------------------------------------------------- blocks


@dataclass(frozen=True)
class Run:
    text: str
    bold: bool = False
    br: bool = False              # a line break before this run's text


@dataclass
class Heading:
    level: int                    # 1 title, 2 一、, 3 （一）, 4 a table's title
    source: str
    runs: list[Run]

    @property
    def text(self) -> str:
        return runs_text(self.runs)


@dataclass
class Paragraph:
    source: str
    runs: list[Run]
    align: str = ""               # "" (justified, first-line indent) | left | center | right
    style: str = ""               # "" | attachment | note

    @property
    def text(self) -> str:
        return runs_text(self.runs)


@dataclass
class Cell:
    source: str
    runs: list[Run]
    span: int = 1                 # columns this cell covers (1 + the `||` after it)

    @property
    def text(self) -> str:
        return runs_text(self.runs)


@dataclass
class TableBlock:
    rows: list[list[Cell | None]]  # None = covered by a span on its left
    align: list[str]              # per column: l | c | r
    header_rows: int = 1
    widths: list[float] = field(default_factory=list)
    merge: list[int] = field(default_factory=list)    # 1-based columns merged vertically in the body

    @property
    def columns(self) -> int:
        return len(self.align)

    def texts(self) -> list[list[str]]:
        return [[c.text if c is not None else "" for c in row] for row in self.rows]


@dataclass
class PageBreak:
    pass


@dataclass
class SectionBreak:
    orientation: str = "portrait"


Block = Heading | Paragraph | TableBlock | PageBreak | SectionBreak


@dataclass
class Document:
    """What `explain(book)` returns: the blocks, the missing inputs shown as 【待填写】 (N findings), the
    template file used. `markdown()`, `text()`, `save(path)` (.docx / .md / .txt)."""

    blocks: list[Block]
    findings: list[Finding] = field(default_factory=list)
    template: str = ""
    title: str = ""
    family: str = ""
    template_dir: str = ""        # the bureau's folder the document was rendered with (its styles.toml too)

    def markdown(self) -> str:
        return to_markdown(self.blocks)

    def text(self) -> str:
        return to_text(self.blocks)

    def save(self, path, **kw):
        from xltools.narrative import write

        return write(self, path, **kw)

    @property
    def headings(self) -> list[str]:
        return [b.text for b in self.blocks if isinstance(b, Heading)]

    @property
    def tables(self) -> list[TableBlock]:
        return [b for b in self.blocks if isinstance(b, TableBlock)]


# ----------------------------------------------------------------------------------------------- inline

_ESCAPABLE = r"!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~"
_INLINE = re.compile(r"\\([" + _ESCAPABLE + r"])|(\*\*)|(<br\s*/?>)", re.I)


def parse_inline(src: str) -> list[Run]:
    """`**bold**`, `<br>` and backslash escapes into runs."""
    runs: list[Run] = []
    buf: list[str] = []
    bold = False
    br = False

    def flush():
        nonlocal br
        if buf or br:
            runs.append(Run("".join(buf), bold, br))
            buf.clear()
            br = False

    pos = 0
    for m in _INLINE.finditer(src):
        buf.append(src[pos:m.start()])
        pos = m.end()
        if m.group(1) is not None:
            buf.append(m.group(1))
        elif m.group(2):
            flush()
            bold = not bold
        else:
            flush()
            br = True
    buf.append(src[pos:])
    flush()
    return [r for r in runs if r.text or r.br] or [Run("")]


def runs_text(runs: list[Run]) -> str:
    return "".join(("\n" if r.br else "") + r.text for r in runs)


# ----------------------------------------------------------------------------------------------- parse

_DIRECTIVE = re.compile(r"^<!--\s*(.*?)\s*-->$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_SEP_CELL = re.compile(r"^\s*(:?)-{3,}(:?)\s*$")
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f【】（），。；：、“”‘’《》]")


def _join_lines(lines: list[str]) -> str:
    out = ""
    for ln in lines:
        ln = ln.strip()
        if not ln:
            continue
        if out and not (_CJK.search(out[-1]) or _CJK.search(ln[0]) or out.endswith("<br>")):
            out += " "
        out += ln
    return out


_CELL = re.compile(r"((?:\\.|[^\\|])*)\|")


def _split_row(line: str) -> list[str]:
    """A pipe-table line into raw cells; '' between two pipes marks a span (escaped pipes stay)."""
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if not s.endswith("|") or s.endswith("\\|") and not s.endswith("\\\\|"):
        s += "|"
    return _CELL.findall(s)


def _attrs(text: str) -> dict[str, str]:
    out = {}
    for part in text.split()[1:] if text.split() else []:
        k, _, v = part.partition("=")
        out[k] = v
    return out


def _numbers(v: str) -> list[float]:
    out = []
    for x in v.split(","):
        try:
            out.append(float(x))
        except ValueError:
            pass
    return out


def _table(lines: list[str], opts: dict[str, str]) -> TableBlock:
    sep = _split_row(lines[1])
    align = []
    for c in sep:
        m = _SEP_CELL.match(c)
        if m is None:
            align.append("l")
        else:
            align.append("c" if m.group(1) and m.group(2) else "r" if m.group(2) else "l")
    ncol = len(align)
    rows: list[list[Cell | None]] = []
    for ln in [lines[0]] + lines[2:]:
        raw = _split_row(ln)
        row: list[Cell | None] = []
        for j, c in enumerate(raw):
            if c == "" and row and j > 0:
                # `||`: the cell on the left spans this column too
                owner = next((x for x in reversed(row) if x is not None), None)
                if owner is not None:
                    owner.span += 1
                    row.append(None)
                    continue
            src = c.strip()
            row.append(Cell(src, parse_inline(src)))
        row = row[:ncol] + [Cell("", [Run("")]) for _ in range(ncol - len(row))]
        rows.append(row)
    header = int(opts.get("header", "1") or 1) if opts.get("header", "1").isdigit() else 1
    return TableBlock(rows=rows, align=align, header_rows=min(header, len(rows)),
                      widths=_numbers(opts.get("widths", "")),
                      merge=[int(x) for x in _numbers(opts.get("merge", ""))])


def parse_markdown(src: str) -> list[Block]:
    lines = src.replace("\r\n", "\n").split("\n")
    blocks: list[Block] = []
    para: list[str] = []
    pending: dict[str, str] = {}

    def end_para():
        nonlocal pending
        if para:
            s = _join_lines(para)
            if s:
                align = pending.get("align", "")
                blocks.append(Paragraph(s, parse_inline(s), align=align, style=pending.get("style", "")))
            para.clear()
            pending = {}

    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        m = _DIRECTIVE.match(stripped)
        if m:
            end_para()
            words = m.group(1).split()
            if not words:
                pass
            elif words[0] == "pagebreak":
                blocks.append(PageBreak())
            elif words[0] == "section":
                blocks.append(SectionBreak("landscape" if "landscape" in words[1:] else "portrait"))
            elif words[0] == "table":
                pending = {**pending, **_attrs(m.group(1)), "_table": "1"}
            else:
                pending = {**pending, **{k: v for k, v in (w.partition("=")[::2] for w in words)}}
            i += 1
            continue
        if not stripped:
            end_para()
            i += 1
            continue
        h = _HEADING.match(stripped)
        if h:
            end_para()
            s = h.group(2)
            blocks.append(Heading(len(h.group(1)), s, parse_inline(s)))
            pending = {}
            i += 1
            continue
        if stripped.startswith("|") and i + 1 < len(lines) and lines[i + 1].strip().startswith("|") \
                and all(_SEP_CELL.match(c) for c in _split_row(lines[i + 1]) if c.strip()):
            end_para()
            j = i + 2
            while j < len(lines) and lines[j].strip().startswith("|"):
                j += 1
            blocks.append(_table([ln for ln in lines[i:j]], pending))
            pending = {}
            i = j
            continue
        para.append(line)
        i += 1
    end_para()
    return _tidy(blocks)


def _tidy(blocks: list[Block]) -> list[Block]:
    """No page break right before a section break or at the very start or end."""
    out: list[Block] = []
    for b in blocks:
        if isinstance(b, SectionBreak) and out and isinstance(out[-1], PageBreak):
            out.pop()
        if isinstance(b, (PageBreak, SectionBreak)) and not out:
            if isinstance(b, SectionBreak) and b.orientation == "landscape":
                out.append(b)
            continue
        out.append(b)
    while out and isinstance(out[-1], (PageBreak, SectionBreak)):
        out.pop()
    return out


# ----------------------------------------------------------------------------------------------- write


def _row_md(row: list[Cell | None]) -> str:
    out = "|"
    for c in row:
        if c is None:
            out += "|"
        else:
            out += f" {c.source} |" if c.source else "  |"
    return out


def to_markdown(blocks: list[Block]) -> str:
    out: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            out += [f"{'#' * b.level} {b.source}", ""]
        elif isinstance(b, Paragraph):
            if b.align or b.style:
                attrs = " ".join(x for x in (f"align={b.align}" if b.align else "",
                                             f"style={b.style}" if b.style else "") if x)
                out.append(f"<!-- {attrs} -->")
            out += [b.source, ""]
        elif isinstance(b, TableBlock):
            opts = [f"header={b.header_rows}"]
            if b.widths:
                opts.append("widths=" + ",".join(f"{w:g}" for w in b.widths))
            if b.merge:
                opts.append("merge=" + ",".join(str(m) for m in b.merge))
            out.append(f"<!-- table {' '.join(opts)} -->")
            rows = b.rows or [[Cell("", [Run("")]) for _ in b.align]]
            out.append(_row_md(rows[0]))
            out.append("|" + "".join({"l": ":---|", "r": "---:|", "c": ":---:|"}[a] for a in b.align))
            out += [_row_md(r) for r in rows[1:]]
            out.append("")
        elif isinstance(b, PageBreak):
            out += ["<!-- pagebreak -->", ""]
        elif isinstance(b, SectionBreak):
            out += [f"<!-- section {b.orientation} -->", ""]
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


def to_text(blocks: list[Block]) -> str:
    """Plain text: headings and paragraphs as lines, tables as tab-separated rows."""
    out: list[str] = []
    for b in blocks:
        if isinstance(b, (Heading, Paragraph)):
            out += [b.text, ""]
        elif isinstance(b, TableBlock):
            for row in b.rows:
                out.append("\t".join(c.text.replace("\n", " ") if c is not None else "" for c in row))
            out.append("")
        elif isinstance(b, (PageBreak, SectionBreak)):
            out.append("\f")
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"
