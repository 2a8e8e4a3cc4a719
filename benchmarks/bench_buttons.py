"""Cost of the 预算工具 buttons on the seed-001 example (部门预算公开, 潼南区政务服务管理办公室).

    .venv/bin/python benchmarks/bench_buttons.py [--repeat N]

Measures, interpreter start excluded:
- import cost in a fresh interpreter: `import xltools.excel` (the package), `xltools.excel.buttons` (what a
  button needs besides xlwings), and `xlwings` itself (paid once per click on the desktop, where RunPython
  starts a new Python unless xlwings' "Use UDF Server" is on);
- each button's Python work: from the Office.js JSON payload to the returned actions — `xw.Book(json=...)`,
  read the grids, the core, the edits as actions (`book.json()`), JSON-encoded as the server would reply.
Sets XLWINGS_LICENSE_KEY=noncommercial for its own process (the xlwings Book-from-JSON part is licensed).
Goal: well under a second per click. Prints a table; no assertion.
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def import_cost(stmt: str, runs: int = 5) -> float:
    code = f"import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"
    env = {**os.environ, "XLWINGS_LICENSE_KEY": "noncommercial"}
    times = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                  env=env).stdout) for _ in range(runs)]
    return statistics.median(times)


def example() -> Path:
    from xltools.demo import examples
    from xltools.io.writers import save_workbook
    from xltools.template import book_filename, build_workbook

    out = Path(tempfile.mkdtemp(prefix="bench-buttons-"))
    for fam, data in examples():
        name = data["forms"][fam.info_sheet].get(fam.name_field) or ""
        if "潼南" in name:
            return save_workbook(build_workbook(fam, data), out / book_filename(fam, name, data["year"]))
    raise SystemExit("seed-001 example not found")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    os.environ["XLWINGS_LICENSE_KEY"] = "noncommercial"

    print("import cost (fresh interpreter, median of 5):")
    for stmt in ("import xltools", "import xltools.excel", "import xltools.excel.buttons",
                 "import xlwings", "import xltools.excel.desktop, xlwings"):
        print(f"  {stmt:<42} {import_cost(stmt) * 1000:7.0f} ms")

    import xlwings as xw

    from xltools.excel import buttons
    from xltools.excel.payload import payload_from_xlsx

    path = example()
    payload = json.loads(json.dumps(payload_from_xlsx(path)))
    size = len(json.dumps(payload, ensure_ascii=False).encode("utf-8"))
    print(f"\nseed-001 payload: {len(payload['sheets'])} sheets, {size / 1024:.0f} KiB of JSON")
    print(f"button work, payload → actions (median of {args.repeat}, first run in brackets):")
    folder = Path(tempfile.mkdtemp(prefix="bench-explain-"))
    for bid, b in buttons.BUTTONS.items():
        extra = ("项目甲",) if bid == "add_project" else ()
        times = []
        n_actions = 0
        for _ in range(args.repeat):
            data = copy.deepcopy(payload)
            if bid == "explain":
                data["book"]["name"] = str(folder / path.name)      # a desktop book: the .docx goes beside it
            t = time.perf_counter()
            book = xw.Book(json=data)
            out = b.func(book, *extra)
            reply = json.dumps(book.json(), ensure_ascii=False, default=str)
            times.append(time.perf_counter() - t)
            n_actions = len(book.json()["actions"])
        status = "ok" if out.ok else "message"
        print(f"  {b.label:<8} {bid:<14} {statistics.median(times) * 1000:7.0f} ms  [{times[0] * 1000:5.0f}]  "
              f"{n_actions:4d} actions  {status}: {out.message.splitlines()[0][:48]}")
        del reply


if __name__ == "__main__":
    main()
