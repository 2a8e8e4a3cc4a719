"""Narrative documents (情况说明 and project texts) rendered from a filled workbook.

    from xltools.narrative import explain
    doc = explain(book)                       # Book → Document (no file touched)
    doc.save("情况说明.docx")                  # or .md / .txt; written atomically

Pipeline: Book → context (xltools.narrative.context: figures from the tables, year-on-year wording, 【待填写】
markers for missing inputs) → Jinja2 template in a sandbox (xltools.narrative.env; shipped in templates/,
overridable from a bureau's folder) → Markdown → Document blocks (xltools.narrative.document) → writers
(Markdown here; Word in docx_writer, which alone imports python-docx; PDF through LibreOffice in pdf).
"""
from __future__ import annotations

from pathlib import Path

from xltools.errors import XltoolsError

# Nothing heavy is imported here: `xltools check` imports xltools.narrative.context (the N rules) and with it
# this package, and must not pay for the document model, Jinja or python-docx. They are imported on use.
TYPE_CHECKING = False              # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from xltools.narrative.document import Document

SUFFIXES = {".docx": "docx", ".md": "md", ".markdown": "md", ".txt": "txt"}


def explain(book, template_dir: str | Path | None = None) -> Document:
    """The narrative document of a parsed workbook. `doc.findings` lists the inputs shown as 【待填写：…】
    (N family, at the cell of each empty input). Raises TemplateError for a template that cannot be used."""
    from xltools.narrative.context import build_context
    from xltools.narrative.document import Document, Heading, parse_markdown
    from xltools.narrative.env import environment, render, template_name, where

    ctx = build_context(book)
    name = template_name(book.family)
    source = render(name, ctx.data, template_dir)
    blocks = parse_markdown(source)
    title = next((b.text for b in blocks if isinstance(b, Heading) and b.level == 1), "")
    return Document(blocks, ctx.findings(), template=where(environment(template_dir), name), title=title,
                    family=book.family, template_dir=str(template_dir or ""))


def explain_file(path: str | Path, template_dir: str | Path | None = None) -> tuple[Document, list]:
    """Read a workbook and explain it: (Document, the parse findings met on the way — with T006 for computed
    cells still empty, which the document shows as the details give them: xltools.pipeline.with_totals)."""
    from xltools.io.readers import read_grids
    from xltools.pipeline import with_totals

    book, findings, pending = with_totals(read_grids(path))
    return explain(book, template_dir), findings + pending


def output_kind(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        raise XltoolsError(f"不支持的输出格式“{suffix or Path(path).name}”：请用 .docx（Word）、.md（Markdown）或 .txt（纯文本）。")
    return SUFFIXES[suffix]


def write(doc: Document, path: str | Path, *, styles_dir: str | Path | None = None) -> Path:
    """Write the document in the format its suffix names, atomically (nothing half-written is left)."""
    from xltools.io.writers import atomic_write

    kind = output_kind(path)
    if kind == "docx":
        from xltools.narrative.docx_writer import write_docx

        styles_dir = styles_dir or doc.template_dir or None
        return atomic_write(path, lambda tmp: write_docx(doc, tmp, styles_dir=styles_dir))
    text = doc.markdown() if kind == "md" else doc.text()
    return atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def __getattr__(name: str):
    if name == "Document":            # `from xltools.narrative import Document`, imported on first use
        from xltools.narrative.document import Document

        return Document
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Document", "explain", "explain_file", "write"]
