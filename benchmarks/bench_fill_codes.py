"""fill-codes on the seed-001 workbook against a bare openpyxl load-and-save of the same file.

    .venv/bin/python benchmarks/bench_fill_codes.py [--repeat N]

Budget (issue 3): fill-codes may cost at most 20 % more than `openpyxl.load_workbook(src).save(dst)`. Two books:
- "seed-001": the example as printed (every 科目名称 typed → nothing to write, the output is a plain copy);
- "seed-001, names blanked": every 科目名称 of the coded tables emptied → 79 names filled and written
  (through the package patcher, the writer fill-codes uses; a reference line shows the openpyxl fallback writer).
Both sides run in this process, warmed once (imports are not counted); each figure is the median of N runs, and
fill-codes re-reads the catalogue on every run (its first-use cost is counted). The command-line figures below
them are whole `xltools fill-codes` processes against `python -c "<openpyxl load + save>"`, interpreter start
included. The script prints the figures; it asserts nothing (no timed tests).
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BUDGET = 1.20


def build(folder: Path) -> tuple[Path, Path]:
    import openpyxl

    from xltools.demo import examples
    from xltools.io.readers import read_grids
    from xltools.io.writers import save_workbook
    from xltools.parse import parse_book
    from xltools.template import build_workbook

    fam, data = next((f, d) for f, d in examples() if f.family == "dept_budget")
    seed = folder / "seed001.xlsx"
    save_workbook(build_workbook(fam, data), seed)
    blank = folder / "seed001-blank.xlsx"
    wb = openpyxl.load_workbook(seed)
    book, _ = parse_book(read_grids(seed))
    for t in book.tables.values():
        for ln in t.lines:
            if ln.code and "name" in ln.cells:
                wb[t.sheet][ln.cells["name"]].value = None
    wb.save(blank)
    return seed, blank


def bare(src: Path, dst: Path) -> None:
    import openpyxl

    openpyxl.load_workbook(src).save(dst)


def fill(src: Path, dst: Path) -> int:
    from xltools.codes import reload_catalogue
    from xltools.fillcodes import fill_codes_file

    reload_catalogue()
    return len(fill_codes_file(src, dst).filled)


def fill_openpyxl_writer(src: Path, dst: Path) -> int:
    """The same with the openpyxl adapter as the writer (the fallback where the package patcher is absent)."""
    import xltools.fillcodes as fc
    from xltools.io.apply_openpyxl import apply_edits

    saved = fc._writer
    fc._writer = lambda: apply_edits
    try:
        return fill(src, dst)
    finally:
        fc._writer = saved


def timed(fn, *args, repeat: int) -> float:
    fn(*args)  # warm: imports, caches of the file system
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(*args)
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def cli(args: list[str], repeat: int) -> float:
    runs = []
    for _ in range(repeat + 1):
        t0 = time.perf_counter()
        subprocess.run(args, check=False, capture_output=True)
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs[1:])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--no-cli", action="store_true", help="skip the whole-process figures")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-fill-codes-") as d:
        folder = Path(d)
        seed, blank = build(folder)
        print(f"seed-001 workbook: {seed.stat().st_size // 1024} KB, {args.repeat} runs each, median")
        worst = 0.0
        for label, src in (("seed-001 (names typed)", seed), ("seed-001, names blanked", blank)):
            n = fill(src, folder / "probe.xlsx")
            t_bare = timed(bare, src, folder / "bare.xlsx", repeat=args.repeat)
            t_fill = timed(fill, src, folder / "filled.xlsx", repeat=args.repeat)
            ratio = t_fill / t_bare
            worst = max(worst, ratio)
            print(f"  {label:<26} names filled {n:>3}   openpyxl load+save {t_bare * 1000:7.1f} ms   "
                  f"fill-codes {t_fill * 1000:7.1f} ms   ratio {ratio:.2f}")
        t_bare = timed(bare, blank, folder / "bare.xlsx", repeat=args.repeat)
        t_fill = timed(fill_openpyxl_writer, blank, folder / "filled.xlsx", repeat=args.repeat)
        print(f"  {'names blanked, openpyxl writer':<26}                  openpyxl load+save {t_bare * 1000:7.1f} ms   "
              f"fill-codes {t_fill * 1000:7.1f} ms   ratio {t_fill / t_bare:.2f}  (fallback writer, for reference)")
        if not args.no_cli:
            py = sys.executable
            exe = Path(py).with_name("xltools")
            code = "import sys, openpyxl; openpyxl.load_workbook(sys.argv[1]).save(sys.argv[2])"
            for label, src in (("seed-001 (names typed)", seed), ("seed-001, names blanked", blank)):
                t_bare = cli([py, "-c", code, str(src), str(folder / "bare.xlsx")], args.repeat)
                t_fill = cli([str(exe), "fill-codes", str(src), "-o", str(folder / "cli.xlsx")], args.repeat)
                print(f"  CLI {label:<22} python+openpyxl {t_bare * 1000:7.1f} ms   xltools fill-codes "
                      f"{t_fill * 1000:7.1f} ms   ratio {t_fill / t_bare:.2f}")
        verdict = "within" if worst <= BUDGET else "OVER"
        print(f"ratio (worst, in-process): {worst:.2f} — {verdict} the budget of {BUDGET:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
