"""The core behind every command and button: read → parse → rules → report. No file is written here."""
from __future__ import annotations

from pathlib import Path

from xltools.findings import Report
from xltools.io.readers import Grids, read_grids
from xltools.model import Book
from xltools.parse import parse_book


def check_grids(grids: Grids) -> tuple[Book, Report]:
    from xltools.rules.registry import run_checks

    book, findings = parse_book(grids)
    report = Report(findings, grids.source)
    report.extend(run_checks(book))
    return book, report


def check_file(path: str | Path, engine: str = "calamine") -> tuple[Book, Report]:
    return check_grids(read_grids(path, engine))
