#!/usr/bin/env python3
"""Extract the text fields of the Kunming project documents (seeds 000, 002, 003) into
xltools/demo_data/seed_projects.json. The seeds' text fields are clean (see seeds/clean/README.md); only their
indicator tables needed a clean transcription. Run from the project root:

    python tools/extract_seed_projects.py [../shared/seeds] [--check]

--check compares with the committed file instead of writing it (the test suite runs it that way).
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

SEEDS = {"000": "000_49b34d1015014590.txt", "002": "002_bb31280fa64732d7.txt", "003": "003_72fb750012d7b962.txt"}
OUT = Path(__file__).resolve().parent.parent / "xltools" / "demo_data" / "seed_projects.json"

BLOCK_LABELS = {"项目名称": "project_name", "立项依据": "basis", "项目基本概况": "overview", "项目实施内容": "content",
                "资金安排情况": "funds_text", "项目实施计划": "plan", "项目实施成效": "outcome"}
INLINE_LABELS = {"单位名称": "unit_name", "组织机构代码": "org_code", "地址": "address", "联系电话": "phone",
                 "法人代表": "legal_rep", "经费来源": "funding_source", "单位概况": "unit_profile"}
STOP = {"项目实施单位", "项目绩效目标表"} | set(BLOCK_LABELS)


def extract(text: str) -> dict:
    lines = [ln.strip() for ln in text.splitlines()]
    fields: dict[str, str] = {}
    nonempty = [ln for ln in lines if ln]
    fields["department"] = nonempty[0]
    m = re.match(r"(\d{4})年", nonempty[1])
    fields["year"] = int(m.group(1)) if m else None
    i = 0
    while i < len(lines):
        ln = lines[i]
        if ln in BLOCK_LABELS and BLOCK_LABELS[ln] not in fields:
            j, body = i + 1, []
            while j < len(lines) and lines[j] not in STOP and not any(lines[j].startswith(k + "：") for k in INLINE_LABELS):
                if lines[j]:
                    body.append(lines[j])
                j += 1
            fields[BLOCK_LABELS[ln]] = "\n".join(body)
            i = j
            continue
        for k, key in INLINE_LABELS.items():
            if ln.startswith(k + "：") and key not in fields:
                fields[key] = ln[len(k) + 1:].strip()
        if ln.startswith("总体目标") and "goal_overall" not in fields:
            fields["goal_overall_label"] = ln
            fields["goal_overall"] = next(x for x in lines[i + 1:] if x)
        if ln.startswith("预算年度") and ln.endswith("目标") and "goal_year" not in fields:
            fields["goal_year_label"] = ln
            fields["goal_year"] = next(x for x in lines[i + 1:] if x)
        i += 1
    m = re.search(r"安排资金\s*([\d.,]+)\s*(万元|元)", fields.get("funds_text", ""))
    if m:
        fields["funds"] = m.group(1).replace(",", "")
        fields["unit"] = m.group(2)
    return fields


def main(argv: list[str]) -> int:
    check = "--check" in argv
    args = [a for a in argv if not a.startswith("--")]
    seeds = Path(args[0]) if args else Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"
    data = {k: extract((seeds / f).read_text(encoding="utf-8")) for k, f in SEEDS.items()}
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if check:
        same = OUT.read_text(encoding="utf-8") == text
        print("seed_projects.json is current" if same else "seed_projects.json differs from a fresh extraction")
        return 0 if same else 1
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
