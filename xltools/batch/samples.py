"""Realistic department returns for tests, demos and benchmarks, generated from the seed-001 figures.

`clean_seed()` is seed 001 with its printed inconsistencies resolved (so that a generated unit without a
planted error has no error); `variant(i, rng)` renames the unit and scales every lowest-level figure (one
factor per unit, a small jitter per row), then rebuilds everything that follows from them the way a careful
department would: 类/款 and total rows, the 部门收入/支出总表 from the 一般公共预算 table, the 经济分类 detail
adding up to the same 基本支出, 三公 and 机关运行经费 from their 经济分类 lines, 政府采购 and 单位信息 matching
the 明细表, project 资金总额 adding up to 项目支出, the two 收支总表 from the detail. `plant(data, kind, rng)`
then breaks one thing on purpose; `corrupt(kind)` gives the bytes of an unusable file.
"""
from __future__ import annotations

import copy
import os
import random
import re
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from io import BytesIO

from xltools.families import get_family

CENT = Decimal("0.01")
DEPARTMENTS = [
    "教育委员会", "财政局", "发展和改革委员会", "卫生健康委员会", "民政局", "人力资源和社会保障局", "住房和城乡建设委员会",
    "交通局", "农业农村委员会", "水利局", "商务委员会", "文化和旅游发展委员会", "司法局", "审计局", "统计局",
    "生态环境局", "规划和自然资源局", "市场监督管理局", "应急管理局", "医疗保障局", "退役军人事务局", "林业局",
    "城市管理局", "科学技术局", "经济和信息化委员会", "政务服务管理办公室", "档案馆", "机关事务管理局", "信访办公室",
    "体育局", "公安局", "妇女联合会", "总工会", "共青团委员会", "科学技术协会", "残疾人联合会", "红十字会",
    "融媒体中心", "图书馆", "疾病预防控制中心",
]
PLANTS = ("arith", "text", "between", "missing")
CORRUPTIONS = ("truncated", "random", "xls", "empty", "sparse-corner")


def _d(v) -> Decimal | None:
    return None if v in (None, "") else Decimal(str(v))


def _money(d: Decimal) -> Decimal:
    return d.quantize(CENT, rounding=ROUND_HALF_UP)


def _s(d: Decimal | None) -> str | None:
    return None if d is None or d == 0 else format(_money(d), "f")


def clean_seed() -> dict:
    """Seed 001 (xltools.demo.dept_data) made self-consistent; the figures a department types are kept."""
    from xltools.demo import dept_data

    data = dept_data()
    for row in data.get("indicators", {}).get("perf_overall", []):
        if row.get("op") not in ("=", "≥", "≤", ">", "<", "≧", "≦", "定性"):
            row["op"] = "≥"                   # the seed prints one 指标性质 as "\\(\\)"
    for p in data.get("projects", []):
        if not p["fields"].get("name"):       # seed 001 prints project 4 without a name
            p["fields"]["name"] = "区行政服务中心办公用房租赁"
    return data


def _leaves(rows: list[dict]) -> list[dict]:
    codes = [r["code"] for r in rows if r.get("code")]
    return [r for r in rows if r.get("code") and not any(c != r["code"] and c.startswith(r["code"]) for c in codes)]


def variant(i: int, rng: random.Random, district: str = "重庆市潼南区", base: dict | None = None) -> dict:
    """Department number i: consistent figures, its own name and code."""
    from xltools.batch.consolidate import rollup

    fam = get_family("dept_budget")
    data = copy.deepcopy(base or clean_seed())
    t = data["tables"]
    f = Decimal(str(round(rng.uniform(0.3, 3.0), 3)))

    def scale(v: Decimal | None) -> Decimal | None:
        if v is None:
            return None
        return _money(v * f * Decimal(str(round(rng.uniform(0.85, 1.15), 3))))

    # 功能分类: the 一般公共预算 table's 项 rows carry the figures; the other 功能分类 tables follow from them
    func = {}
    labels = {r["code"]: r["label"] for r in t["expense_gpb"] if r.get("code")}
    for r in _leaves(t["expense_gpb"]):
        a = {k: scale(_d(r["amounts"].get(k))) for k in ("basic", "project")}
        func[r["code"]] = {k: v for k, v in a.items() if v}
    basic_total = sum((v.get("basic", Decimal(0)) for v in func.values()), Decimal(0))
    project_total = sum((v.get("project", Decimal(0)) for v in func.values()), Decimal(0))

    def rows(key: str, contrib: dict) -> list[dict]:
        out = rollup(fam.table(key), contrib, labels, data_total_label(t, key))
        for r in out:
            r["amounts"] = {k: _s(v) for k, v in r["amounts"].items()}
        return out

    t["expense_gpb"] = rows("expense_gpb", func)
    t["expense_dept"] = rows("expense_dept", func)
    t["income_dept"] = rows("income_dept", {c: {"gpb": sum(v.values(), Decimal(0))} for c, v in func.items()})
    total = basic_total + project_total

    # 经济分类: scaled, some lines dropped, 30199 takes up the difference so the 基本支出 agree (X003)
    econ, elabels = {}, {}
    for r in _leaves(t["basic_gpb"]):
        code = r["code"]
        if code not in ("30199", "30217", "30231", "30201") and rng.random() < 0.15:
            continue
        v = scale(_d(r["amounts"].get("personnel")) or _d(r["amounts"].get("public")))
        if v:
            econ[code] = v
            elabels[code] = r["label"]
    for r in t["basic_gpb"]:
        if r.get("code"):
            elabels.setdefault(r["code"], r["label"])
    econ["30199"] = econ.get("30199", Decimal(0)) + basic_total - sum(econ.values(), Decimal(0))
    if econ["30199"] <= 0:        # never: 30199 is most of the seed's 基本支出; keep the books honest anyway
        econ["30101"] = econ.get("30101", Decimal(0)) + econ["30199"] - CENT
        econ["30199"] = CENT
    contrib = {c: ({"public": v} if c.startswith("302") else {"personnel": v}) for c, v in econ.items()}
    t["basic_gpb"] = [r for r in rollup(fam.table("basic_gpb"), contrib, elabels, "合计")]
    for r in t["basic_gpb"]:
        r["amounts"] = {k: _s(v) for k, v in r["amounts"].items()}
    public = sum((v for c, v in econ.items() if c.startswith("302")), Decimal(0))

    # 三公 from its 经济分类 lines (X009); 政府采购 scaled, 单位信息 matching (X012)
    reception, run = econ.get("30217", Decimal(0)), econ.get("30231", Decimal(0))
    t["sangong"] = [{"code": None, "label": "", "kind": "item", "amounts": {
        "total": _s(reception + run), "abroad": None, "vehicle": _s(run), "vehicle_buy": None,
        "vehicle_run": _s(run), "reception": _s(reception)}}]
    goods, services = scale(Decimal("36.60")), scale(Decimal("27.60"))
    t["procurement"] = [
        {"code": None, "label": "合计", "kind": "total", "amounts": {"total": _s(goods + services), "gpb": _s(goods + services)}},
        {"code": None, "label": "货物类", "kind": "item", "amounts": {"total": _s(goods), "gpb": _s(goods)}},
        {"code": None, "label": "服务类", "kind": "item", "amounts": {"total": _s(services), "gpb": _s(services)}},
    ]

    # the two 收支总表 from the detail (X001 X002 X008)
    lei = [r for r in t["expense_dept"] if r.get("code") and len(r["code"]) == 3]
    t["summary_dept_income"] = [
        {"code": None, "label": "一般公共预算拨款收入", "kind": "item", "amounts": {"amount": _s(total)}},
        *({"code": None, "label": x, "kind": "item", "amounts": {}} for x in
          ("政府性基金预算拨款收入", "国有资本经营预算拨款收入", "财政专户管理资金收入", "事业收入预算", "事业单位经营收入预算",
           "其他收入预算")),
        {"code": None, "label": "本年收入合计", "kind": "total", "amounts": {"amount": _s(total)}},
        {"code": None, "label": "收入总计", "kind": "total", "amounts": {"amount": _s(total)}},
    ]
    t["summary_dept_expense"] = [
        *({"code": None, "label": r["label"], "kind": "item", "amounts": {"amount": r["amounts"]["total"]}} for r in lei),
        {"code": None, "label": "本年支出合计", "kind": "total", "amounts": {"amount": _s(total)}},
        {"code": None, "label": "支出总计", "kind": "total", "amounts": {"amount": _s(total)}},
    ]
    t["summary_fin_income"] = [
        {"code": None, "label": "一、本年收入", "kind": "section", "amounts": {"amount": _s(total)}},
        {"code": None, "label": "一般公共预算拨款", "kind": "item", "amounts": {"amount": _s(total)}},
        {"code": None, "label": "政府性基金预算拨款", "kind": "item", "amounts": {}},
        {"code": None, "label": "国有资本经营预算拨款", "kind": "item", "amounts": {}},
        {"code": None, "label": "二、上年结转", "kind": "section", "amounts": {}},
        {"code": None, "label": "本年收入总计", "kind": "total", "amounts": {"amount": _s(total)}},
    ]
    t["summary_fin_expense"] = [
        {"code": None, "label": "一、本年支出", "kind": "section", "amounts": {"total": _s(total), "gpb": _s(total)}},
        *({"code": None, "label": r["label"], "kind": "item",
           "amounts": {"total": r["amounts"]["total"], "gpb": r["amounts"]["total"]}} for r in lei),
        {"code": None, "label": "二、结转下年", "kind": "section", "amounts": {}},
        {"code": None, "label": "本年支出总计", "kind": "total", "amounts": {"total": _s(total), "gpb": _s(total)}},
    ]

    # 单位信息, 整体绩效目标表, projects
    dept = DEPARTMENTS[i % len(DEPARTMENTS)]
    name = f"{district}{dept}" + (f"（二级单位{i // len(DEPARTMENTS)}）" if i >= len(DEPARTMENTS) else "")
    info = data["forms"]["unit_info"]
    prior = Decimal(str(round(rng.uniform(0.8, 1.2), 3)))
    info.update(unit_name=name, unit_code=f"{100001 + i}", admin_cost=_s(public),
                procurement_total=_s(goods + services), procurement_goods=_s(goods),
                procurement_services=_s(services), procurement_works=None, perf_covered=_s(project_total),
                staff=max(3, int(13 * f)), contact=rng.choice(["张友燕", "李明", "王芳", "刘洋", "陈静"]),
                phone=f"023-4457{rng.randint(1000, 9999)}")
    for k in ("prior_income", "prior_expense", "prior_basic", "prior_project", "prior_admin_cost"):
        info[k] = _s(_d(info.get(k)) * f * prior) if info.get(k) else None
    info["prior_sangong"] = _s((reception + run) * prior) or "0"
    info["prior_reception"], info["prior_vehicle_run"] = _s(reception * prior), _s(run * prior)
    perf = data["forms"]["perf_overall"]
    perf.update(unit_name=name, total_budget=_s(total), dept_budget=_s(total))
    projects = data.get("projects", [])
    if projects:
        weights = [_d(p["fields"].get("funds")) or Decimal(1) for p in projects]
        left = project_total
        for k, p in enumerate(projects):
            share = left if k == len(projects) - 1 else _money(project_total * weights[k] / sum(weights))
            left -= share
            _scale_costs(p, weights[k], share)
            p["fields"]["funds"] = format(share, "f")
            p["fields"]["department"] = p["fields"]["implementer"] = name
    return data


_WAN = re.compile(r"(\d+(?:\.\d+)?)\s*万元")


def _scale_costs(project: dict, old: Decimal, new: Decimal) -> None:
    """Cost indicators (成本指标, in 万元) follow the project's 资金总额, the last one taking the rounding."""
    rows = [r for r in project.get("indicators", []) if "成本" in (r.get("level2") or "") + (r.get("level1") or "")]
    spots = [(r, m) for r in rows for m in _WAN.finditer(r.get("value") or "")]
    if not spots or old == 0:
        return
    olds = [Decimal(m.group(1)) for _, m in spots]
    news = [_money(v * new / old) for v in olds]
    if sum(olds) == old:
        news[-1] += new - sum(news)
    for r in rows:
        parts = [(m, n) for (rr, m), n in zip(spots, news) if rr is r]
        text = r["value"]
        for m, n in reversed(parts):
            text = text[:m.start(1)] + format(n.normalize() if n == n.to_integral() else n, "f") + text[m.end(1):]
        r["value"] = text


def data_total_label(tables: dict, key: str) -> str | None:
    return next((r["label"] for r in tables.get(key, []) if r.get("kind") == "total"), None)


def plant(data: dict, kind: str, rng: random.Random) -> str:
    """Break one thing on purpose; returns what was done (for the benchmark's log)."""
    t = data["tables"]
    if kind == "arith":        # a 项 typed wrong without its 款/类 and total following: T001/T002 errors
        leaf = _leaves(t["expense_gpb"])[0]
        v = _d(leaf["amounts"].get("total")) or Decimal(0)
        leaf["amounts"]["total"] = leaf["amounts"]["basic"] = _s(v + Decimal(rng.randint(5, 50)))
        return f"expense_gpb {leaf['code']} changed"
    if kind == "text":         # an amount typed as words: S003 (written into the built workbook, see write)
        leaf = _leaves(t["basic_gpb"])[0]
        data.setdefault("_text_cells", []).append(("basic_gpb", leaf["code"], "约五十万"))
        return f"basic_gpb {leaf['code']} text"
    if kind == "between":      # the 经济分类 detail no longer adds up to the 基本支出: X003
        leaf = _leaves(t["basic_gpb"])[-1]
        col = "public" if leaf["code"].startswith("302") else "personnel"
        leaf["amounts"][col] = _s((_d(leaf["amounts"].get(col)) or Decimal(0)) + Decimal(rng.randint(10, 90)))
        return f"basic_gpb {leaf['code']} +"
    if kind == "missing":      # required contact and phone left empty: S005
        data["forms"]["unit_info"]["contact"] = None
        data["forms"]["unit_info"]["phone"] = None
        return "contact missing"
    raise ValueError(kind)


def write(path, data: dict) -> None:
    """Build the workbook of `data` and save it; amounts planted as text are typed into their cells."""
    from xltools.io.writers import save_workbook
    from xltools.template import build_workbook

    fam = get_family(data["family"])
    plants = data.pop("_text_cells", [])
    wb = build_workbook(fam, data)
    for table, code, text in plants:
        ws = wb[fam.sheet(table).name]
        for row in ws.iter_rows():
            if any(c.value == code for c in row):
                cell = next(c for c in reversed(row) if isinstance(c.value, (int, float)))
                cell.value = text
                break
    save_workbook(wb, path)


def corrupt(kind: str, good: bytes = b"") -> bytes:
    """The bytes of an unusable file: truncated, random, an .xls renamed, empty, or a sparse corner sheet."""
    if kind == "truncated":
        return good[: max(64, len(good) // 3)]
    if kind == "random":
        return os.urandom(8192)
    if kind == "xls":
        return bytes.fromhex("D0CF11E0A1B11AE1") + os.urandom(4096)
    if kind == "empty":
        return b""
    if kind == "sparse-corner":
        return sparse_corner()
    raise ValueError(kind)


def minimal_xlsx(sheet_xml: str) -> bytes:
    ct = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
          '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
    rels = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    wb = ('<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
          'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
          '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
    wbrels = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
              '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
    buf = BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", ct)
        z.writestr("_rels/.rels", rels)
        z.writestr("xl/workbook.xml", wb)
        z.writestr("xl/_rels/workbook.xml.rels", wbrels)
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return buf.getvalue()


def sparse_corner() -> bytes:
    """Cells at A1 and XFD1048576 only (4 KB): a reader that trusts the extent allocates 17 billion cells."""
    return minimal_xlsx('<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                        '<dimension ref="A1:XFD1048576"/><sheetData>'
                        '<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
                        '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>y</t></is></c></row>'
                        '</sheetData></worksheet>')
