"""How much `xltools check` and `xltools recalc` cost over the least any tool could do, measured in one run.

    .venv/bin/python benchmarks/bench_check.py [--repeat N] [--book BOOK.xlsx]

Four process timings on the seed-001 workbook (built from the seed data unless --book is given), each the
median of N runs of a fresh process — what a user waits for when clicking a button or running a command:
  check   `xltools check BOOK --json`
  read    a bare Python process that opens BOOK with python-calamine and reads every sheet
  recalc  `xltools recalc BOOK -o OUT`
  save    a bare Python process that loads BOOK with openpyxl and saves it again
and the ratios check/read and recalc/save. Nothing is asserted: timings belong here, not in the test suite.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BARE_READ = """
import sys
from python_calamine import CalamineWorkbook
wb = CalamineWorkbook.from_path(sys.argv[1])
n = 0
for name in wb.sheet_names:
    n += len(wb.get_sheet_by_name(name).to_python(skip_empty_area=False))
wb.close()
"""

BARE_SAVE = """
import sys
import openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
wb.save(sys.argv[2])
"""


def xltools_cmd() -> list[str]:
    """The `xltools` script of the environment this benchmark runs in (the same interpreter as the bare runs)."""
    exe = Path(sys.executable).parent / "xltools"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "xltools"]


def seed_book(folder: Path) -> Path:
    sys.path.insert(0, str(ROOT))
    from xltools.demo import examples
    from xltools.io.writers import save_workbook
    from xltools.template import book_filename, build_workbook

    for fam, data in examples():
        if fam.family == "dept_budget":
            name = data["forms"][fam.info_sheet].get(fam.name_field) or ""
            return save_workbook(build_workbook(fam, data), folder / book_filename(fam, name, data["year"]))
    raise SystemExit("no 部门预算公开 example among the seeds")


def timed(cmd: list[str], repeat: int, ok=(0, 1)) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True)
        times.append(time.perf_counter() - t0)
        if p.returncode not in ok:
            raise SystemExit(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr.decode(errors='replace')[-400:]}")
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--book", type=Path, help="a workbook to measure (default: seed 001 built from the seed data)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="xltools-bench-") as tmp:
        folder = Path(tmp)
        book = args.book or seed_book(folder)
        src = folder / "book.xlsx"
        shutil.copy(book, src)
        out = folder / "out.xlsx"
        py = sys.executable
        xl = xltools_cmd()
        timed([py, "-c", "pass"], 1)                     # warm the file cache and the interpreter
        # interleaved, one run of each in turn: a busy spell of the machine hits every command alike
        runs: dict[str, list[float]] = {"start": [], "read": [], "check": [], "save": [], "recalc": []}
        for _ in range(args.repeat):
            runs["start"].append(timed([py, "-c", "pass"], 1))
            runs["read"].append(timed([py, "-c", BARE_READ, str(src)], 1, ok=(0,)))
            runs["check"].append(timed([*xl, "check", str(src), "--json"], 1))
            runs["save"].append(timed([py, "-c", BARE_SAVE, str(src), str(out)], 1, ok=(0,)))
            runs["recalc"].append(timed([*xl, "recalc", str(src), "-o", str(out)], 1, ok=(0,)))
        t_start, t_read, t_check, t_save, t_recalc = (statistics.median(runs[k]) for k in runs)
    print(f"workbook: {book.name if args.book else 'seed 001 (built from the seed data)'}; "
          f"median of {args.repeat} fresh processes each")
    print(f"  python start-up           {t_start * 1000:8.0f} ms")
    print(f"  bare calamine read        {t_read * 1000:8.0f} ms")
    print(f"  xltools check --json      {t_check * 1000:8.0f} ms   ratio check/read   {t_check / t_read:5.2f}×")
    print(f"  bare openpyxl load+save   {t_save * 1000:8.0f} ms")
    print(f"  xltools recalc -o         {t_recalc * 1000:8.0f} ms   ratio recalc/save  {t_recalc / t_save:5.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
