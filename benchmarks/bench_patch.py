"""How long a patch of a few cells takes on the seed-001 workbook, against an openpyxl load + save of the same
file (the least any openpyxl-based writer pays) and against the openpyxl adapter applying the same edits.

    .venv/bin/python benchmarks/bench_patch.py [--repeat N]

Prints the median of N timings of each and the ratios. Imports are warmed first, so the numbers compare the
work on the file, not module loading (openpyxl's import alone costs about 0.25 s on top).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from xltools.edits import Edit, EditSet  # noqa: E402

SHEET = "部门收支总表"
EDITS = EditSet([
    Edit(SHEET, "B17", 1932.33),                                   # a total the tool recomputed
    Edit(SHEET, "D17", 1932.33, mark="error", note="本年支出合计应为 1932.33"),
    Edit(SHEET, "B20", 1932.33, mark="warning"),
    Edit("部门收入总表", "A8", "2010301 行政运行"),                   # a name the tool filled in
])


def seed_book(folder: Path) -> Path:
    from xltools.demo import examples
    from xltools.io.writers import save_workbook
    from xltools.template import build_workbook

    for fam, data in examples():
        if fam.family == "dept_budget":
            path = folder / "seed-001.xlsx"
            save_workbook(build_workbook(fam, data), path)
            return path
    raise SystemExit("the seed-001 example is missing")


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args(argv)

    import openpyxl

    from xltools.io import apply_openpyxl, patch

    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        src = seed_book(folder)
        patch.apply_edits(src, EDITS, folder / "warm.xlsx")        # warm lxml and the code paths

        def openpyxl_round_trip():
            openpyxl.load_workbook(src).save(folder / "openpyxl.xlsx")

        t_patch = timed(lambda: patch.apply_edits(src, EDITS, folder / "patched.xlsx"), args.repeat)
        t_rt = timed(openpyxl_round_trip, args.repeat)
        t_adapter = timed(lambda: apply_openpyxl.apply_edits(src, EDITS, folder / "adapter.xlsx"), args.repeat)
        size = src.stat().st_size

    print(f"workbook: seed 001 ({size // 1024} KB, {len(EDITS.edits)} edits), median of {args.repeat}")
    print(f"  patch (xltools.io.patch)          {t_patch * 1000:8.1f} ms")
    print(f"  openpyxl load + save              {t_rt * 1000:8.1f} ms   ratio {t_rt / t_patch:5.1f}x")
    print(f"  openpyxl adapter, same edits      {t_adapter * 1000:8.1f} ms   ratio {t_adapter / t_patch:5.1f}x")


if __name__ == "__main__":
    main()
