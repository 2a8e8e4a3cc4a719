"""The bundled examples, built by code from the seeds' real figures (xltools/demo_data: copies of
shared/seeds/clean plus the project texts extracted by tools/extract_seed_projects.py).

The figures stay exactly as printed — including the ones that disagree with each other (494.82 vs 494.83;
302 = 68.20 vs its 款 68.19; the mislabelled 社会保险基金支出 line) — because the checks must find them.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

from xltools.families import Family, TableDecl, get_family
from xltools.text import label_key

DATA = Path(__file__).parent / "demo_data"


def _csv(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _column_key(header: str, t: TableDecl) -> str | None:
    k = label_key(header)
    for col in t.columns:
        keys = {label_key(x) for x in col.labels} | {label_key(col.group_text(None) + x) for x in col.labels}
        if t.side:
            keys |= {label_key(t.side + x) for x in col.labels}
        if k in keys:
            return col.key
    return None


def _rows_from_csv(rows: list[dict[str, str]], t: TableDecl) -> list[dict]:
    """CSV rows → table rows of the interchange form, for one table (or one side of a two-sided table)."""
    mapping = {h: _column_key(h, t) for h in (rows[0].keys() if rows else [])}
    if t.side:  # two-sided: only this side's columns (收入项目 / 支出项目 …)
        side_headers = [h for h in mapping if label_key(h).startswith(label_key(t.side))]
        mapping = {h: mapping[h] for h in side_headers}
        # columns named without the side (一般公共预算财政拨款 …) belong to the side that has them
        for h in rows[0].keys() if rows else []:
            if h not in mapping and not any(label_key(h).startswith(s) for s in ("收入", "支出")):
                key = _column_key(h, t)
                if key:
                    mapping[h] = key
    totals = {label_key(x) for x in (*t.total_labels, *t.closing) if x}
    sections = {label_key(x) for x in t.sections}
    out = []
    for row in rows:
        rec: dict = {"amounts": {}}
        for h, key in mapping.items():
            if key is None:
                continue
            v = (row.get(h) or "").strip()
            if key in ("code",):
                rec["code"] = v or None
            elif key in ("name", "item"):
                rec["label"] = v
            else:
                rec["amounts"][key] = v or None
        label = rec.get("label", "")
        if not label and not rec.get("code") and not any(rec["amounts"].values()):
            continue
        k = label_key(label)
        rec["kind"] = "total" if (not rec.get("code") and k in totals) else "section" if k in sections else "item"
        rec.setdefault("label", "")
        out.append(rec)
    return out


def dept_data() -> dict:
    fam = get_family("dept_budget")
    labels = {label_key(f.label): f for f in fam.info.fields}
    info: dict = {}
    for row in _csv("001_unit_info.csv"):
        f = labels.get(label_key(row["字段"]))
        if f is None:
            raise KeyError(f"001_unit_info.csv: no field for {row['字段']}")
        v = row["值"].strip() or None
        info[f.key] = int(v) if (v and f.type in ("int", "year")) else v
    tables: dict[str, list] = {}
    files = {"summary_dept": "001_部门收支总表.csv", "income_dept": "001_部门收入总表.csv",
             "expense_dept": "001_部门支出总表.csv", "summary_fin": "001_财政拨款收支总表.csv",
             "expense_gpb": "001_一般公共预算财政拨款支出预算表.csv", "basic_gpb": "001_一般公共预算财政拨款基本支出预算表.csv",
             "sangong": "001_一般公共预算三公经费支出表.csv", "expense_fund": "001_政府性基金预算支出表.csv",
             "procurement": "001_政府采购预算明细表.csv"}
    for sheet_key, fname in files.items():
        rows = _csv(fname)
        for t in fam.sheet(sheet_key).tables:
            tables[t.key] = _rows_from_csv(rows, t)
    perf = [{"name": r["指标名称"], "weight": r["指标权重"], "unit": r["计量单位"], "op": r["指标性质"],
             "value": r["指标值"]} for r in _csv("001_部门整体绩效目标表.csv")]
    perf_form = {"unit_name": info["unit_name"], "total_budget": "1932.33", "dept_budget": "1932.33",
                 # as printed in the seed (the source cut the lines off at the cell edge)
                 "goal": "1.保障政务中心正常运行,顺利开展\n2.推进行政审批服务便利化、网络化\n3.提高企业群众办事体验,评价体系\n"
                         "4.提高工作人员业务素养,提升满意\n5.推进\"互联网+政务服务\"平台运"}
    indicators_by_project: dict[str, list] = {}
    for r in _csv("001_project_indicators.csv"):
        indicators_by_project.setdefault(r["项目序号"], []).append(
            {"level1": r["一级指标"], "level2": r["二级指标"], "name": r["三级指标"], "value": r["指标值"]})
    projects = []
    for r in _csv("001_projects.csv"):
        name = r["项目名称"].strip()
        fields = {"name": name or None, "department": r["主管部门"], "implementer": r["实施单位"],
                  "funds": r["资金总额(万元)"], "nature": r["项目性质"], "start": r["项目起始时间"],
                  "end": r["项目终止时间"], "summary": r["项目概况"], "basis": r["立项依据"], "goal": r["项目当年绩效目标"]}
        sheet = f"项目{r['序号']}-{name}" if name else f"项目{r['序号']}"
        projects.append({"sheet": sheet[:31], "fields": fields, "indicators": indicators_by_project.get(r["序号"], [])})
    return {"family": fam.family, "year": info["year"], "unit": info["unit"],
            "forms": {"unit_info": info, "perf_overall": perf_form}, "tables": tables,
            "indicators": {"perf_overall": perf}, "projects": projects}


def project_data(seed: str) -> dict:
    fam = get_family("project_perf")
    texts = json.loads((DATA / "seed_projects.json").read_text(encoding="utf-8"))[seed]
    app_keys = {f.key for f in fam.sheet("application").fields}
    app = {k: v for k, v in texts.items() if k in app_keys}
    app["year"] = int(texts["year"])
    targets = {"goal_overall": texts.get("goal_overall"), "goal_year": texts.get("goal_year")}
    cols = {c.label: c.key for c in fam.sheet("targets").indicators.columns}
    rows = [{cols[h]: v for h, v in r.items() if h in cols} for r in _csv(f"{seed}_indicators.csv")]
    return {"family": fam.family, "year": app["year"], "unit": app.get("unit") or fam.default_unit,
            "forms": {"application": app, "targets": targets}, "tables": {}, "indicators": {"targets": rows}}


def examples() -> list[tuple[Family, dict]]:
    return [(get_family("dept_budget"), dept_data())] + \
        [(get_family("project_perf"), project_data(s)) for s in ("000", "002", "003")]
