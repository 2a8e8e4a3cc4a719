"""How long `explain` takes on the seed-001 workbook (部门预算公开, 12 sheets) compared with a bare openpyxl load
of the same file. Prints times and ratios; no assertions (run: .venv/bin/python benchmarks/bench_explain.py).

Warm: in one process, median of N runs (imports already paid) — what the Excel button costs per click.
Cold: a new process each time, imports included — what `xltools explain BOOK -o OUT.docx` costs."""
from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

N = 7


def median_time(fn, n: int = N) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def cold(code: str, n: int = 3) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    import openpyxl

    from xltools.demo import examples
    from xltools.io.writers import save_workbook
    from xltools.narrative import explain
    from xltools.parse import read_book
    from xltools.template import book_filename, build_workbook

    tmp = Path(tempfile.mkdtemp(prefix="bench-explain-"))
    fam, data = examples()[0]
    book_path = save_workbook(build_workbook(fam, data), tmp / book_filename(fam, "seed001", data["year"]))
    out = tmp / "情况说明.docx"

    book, _ = read_book(book_path)
    doc = explain(book)
    doc.save(out)                                   # warm every import and cache once

    t_openpyxl = median_time(lambda: openpyxl.load_workbook(book_path))
    t_read = median_time(lambda: read_book(book_path))
    t_explain = median_time(lambda: explain(book))
    t_docx = median_time(lambda: doc.save(out))
    t_md = median_time(lambda: doc.save(tmp / "情况说明.md"))
    t_total = median_time(lambda: explain(read_book(book_path)[0]).save(out))

    print(f"seed-001 workbook: {book_path.stat().st_size / 1024:.0f} KB, {len(book.sheets)} sheets; "
          f"document: {len(doc.blocks)} blocks, {len(doc.tables)} tables, {out.stat().st_size / 1024:.0f} KB .docx")
    print(f"warm, median of {N}:")
    rows = [("openpyxl.load_workbook (baseline)", t_openpyxl), ("read_book (calamine + parse)", t_read),
            ("explain(book) → Document", t_explain), ("Document → .docx", t_docx), ("Document → .md", t_md),
            ("read + explain + .docx (button)", t_total)]
    for name, t in rows:
        print(f"  {name:<36} {t * 1000:8.1f} ms   {t / t_openpyxl:5.2f}× openpyxl load")

    src = str(book_path)
    c_openpyxl = cold(f"import openpyxl; openpyxl.load_workbook({src!r})")
    c_cli = cold(f"from xltools.cli import main; main(['explain', {src!r}, '-o', {str(out)!r}])")
    print("cold, new process each (imports included), median of 3:")
    print(f"  {'python -c openpyxl.load_workbook':<36} {c_openpyxl * 1000:8.1f} ms   1.00×")
    print(f"  {'xltools explain BOOK -o OUT.docx':<36} {c_cli * 1000:8.1f} ms   {c_cli / c_openpyxl:5.2f}×")


if __name__ == "__main__":
    main()
