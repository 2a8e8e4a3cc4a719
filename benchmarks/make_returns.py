"""Generate N realistic department returns into DIR: python benchmarks/make_returns.py N DIR [--seed S]

Each workbook is a variant of the seed-001 department (xltools.batch.samples): renamed (重庆市潼南区教育委员会 …,
its own 单位编码), every lowest-level figure scaled (one factor per unit in 0.3–3, ±15 % per row) and everything
that follows from them rebuilt consistently — so a clean variant has no error. About 8 % get one planted error
(a 项 typed wrong, an amount typed as words, the 经济分类 detail off, contact left empty) and about 2 % are
unusable (truncated, random bytes, an .xls renamed, empty, a sparse-corner sheet). Files are spread over
sub-folders of 100 (第1批, 第2批 …) with an Excel lock file beside them, as a shared drive looks.
Prints what it wrote; `--manifest` writes a JSON list (file, unit, kind) for checking the batch's answers.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def plan(n: int, seed: int) -> list[dict]:
    from xltools.batch.samples import CORRUPTIONS, PLANTS

    rng = random.Random(seed)
    kinds = ["clean"] * n
    idx = list(range(n))
    rng.shuffle(idx)
    n_bad = max(1, round(n * 0.02)) if n >= 10 else 0
    n_plant = max(1, round(n * 0.08)) if n >= 5 else 0
    for j, i in enumerate(idx[:n_bad]):
        kinds[i] = "corrupt:" + CORRUPTIONS[j % len(CORRUPTIONS)]
    for j, i in enumerate(idx[n_bad:n_bad + n_plant]):
        kinds[i] = "plant:" + PLANTS[j % len(PLANTS)]
    return [{"i": i, "kind": k, "seed": seed * 100003 + i} for i, k in enumerate(kinds)]


def make_one(job: dict, out: str) -> dict:
    from xltools.batch.samples import corrupt, plant, variant, write

    rng = random.Random(job["seed"])
    data = variant(job["i"], rng)
    name = data["forms"]["unit_info"]["unit_name"]
    folder = Path(out) / f"第{job['i'] // 100 + 1}批"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{job['i'] + 1:04d}-{name}.xlsx"
    kind, what = job["kind"], ""
    if kind.startswith("plant:"):
        what = plant(data, kind.split(":", 1)[1], rng)
    write(path, data)
    if kind.startswith("corrupt:"):
        path.write_bytes(corrupt(kind.split(":", 1)[1], path.read_bytes()))
    return {"file": str(path.relative_to(out)), "unit": name, "code": data["forms"]["unit_info"].get("unit_code"),
            "kind": kind, "what": what}


def make_returns(n: int, out: str | Path, seed: int = 1, jobs: int | None = None) -> list[dict]:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    jobs_ = plan(n, seed)
    with ProcessPoolExecutor(max_workers=jobs or os.cpu_count()) as ex:
        made = list(ex.map(make_one, jobs_, [str(out)] * len(jobs_), chunksize=8))
    if made:   # an Excel lock file of an open workbook: the batch must skip it
        first = out / made[0]["file"]
        (first.parent / ("~$" + first.name)).write_bytes(b"\x00" * 165)
    return made


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int)
    ap.add_argument("dir")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--manifest", help="write the list of files and what each is to this JSON file")
    a = ap.parse_args()
    t0 = time.time()
    made = make_returns(a.n, a.dir, a.seed, a.jobs)
    kinds: dict[str, int] = {}
    for m in made:
        kinds[m["kind"].split(":")[0]] = kinds.get(m["kind"].split(":")[0], 0) + 1
    print(f"wrote {len(made)} workbooks to {a.dir} in {time.time() - t0:.1f}s: {kinds}")
    if a.manifest:
        Path(a.manifest).write_text(json.dumps(made, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
