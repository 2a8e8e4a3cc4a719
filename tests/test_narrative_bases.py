"""A department with money other than 一般公共预算 (the field trial of 2022 budgets): every year-on-year change
is computed against the 上年 figure of the same money — the department's 上年 figures in 二、部门收支总体情况,
the 一般公共预算 ones in 三、部门预算情况说明 — and the sentences that name several kinds of money say which is
which. Seed 001 (all of its money is 一般公共预算) reads as before; its sentences are test_narrative's."""
from __future__ import annotations

import copy

import pytest

from xltools.narrative import explain
from xltools.parse import read_book

FUND = "400.00"     # 政府性基金 money: a 项目支出 of 城乡社区支出, bought as 工程 through 政府采购


def _amounts(row: dict, **changes) -> dict:
    return {**row, "amounts": {**row["amounts"], **changes}}


def fund_data(**info) -> dict:
    """Seed 001 plus 400 万元 of 政府性基金 (a 项目支出, procured as 工程), the department's 上年 figures including
    300 of 政府性基金 (上年项目支出 710.51 = 一般公共预算 410.51 + 基金 300)."""
    from xltools.demo import dept_data

    data = copy.deepcopy(dept_data())
    t = data["tables"]
    t["summary_dept_income"] = [
        _amounts(r, amount=FUND) if r["label"] == "政府性基金预算拨款收入"
        else _amounts(r, amount="2332.33") if r["label"] in ("本年收入合计", "收入总计") else r
        for r in t["summary_dept_income"]]
    exp = []
    for r in t["summary_dept_expense"]:
        if r["label"] in ("本年支出合计", "支出总计"):
            r = _amounts(r, amount="2332.33")
        if r["label"] == "本年支出合计":
            exp.append({"label": "城乡社区支出", "kind": "item", "amounts": {"amount": FUND}})
        exp.append(r)
    t["summary_dept_expense"] = exp
    fund_lines = [{"code": c, "label": n, "kind": "item", "amounts": {"total": FUND, "project": FUND}}
                  for c, n in (("212", "城乡社区支出"), ("21208", "国有土地使用权出让收入安排的支出"),
                               ("2120804", "农村基础设施建设支出"))]
    dept = [_amounts(r, total="2332.33", project="1837.50") if r["kind"] == "total" else r for r in t["expense_dept"]]
    t["expense_dept"] = dept + copy.deepcopy(fund_lines)
    t["income_dept"] = [_amounts(r, total="2332.33", fund=FUND) if r["kind"] == "total" else r
                        for r in t["income_dept"]] + [
        {"code": ln["code"], "label": ln["label"], "kind": "item", "amounts": {"total": FUND, "fund": FUND}}
        for ln in fund_lines]
    t["expense_fund"] = [{"code": None, "label": "合计", "kind": "total", "amounts": {"total": FUND, "project": FUND}},
                         *copy.deepcopy(fund_lines)]
    t["procurement"] = [
        _amounts(t["procurement"][0], total="464.20", fund=FUND), *t["procurement"][1:],
        {"label": "工程类", "kind": "item", "amounts": {"total": FUND, "fund": FUND}}]
    data["forms"]["unit_info"].update({
        "prior_income": "992.39", "prior_expense": "992.39", "prior_project": "710.51",
        "income_change_reason": "一般公共预算拨款和政府性基金预算拨款增加",
        "fund_note": "政府性基金预算支出400万元，主要用于农村基础设施建设。",
        "procurement_total": "464.2", "procurement_works": FUND, **info})
    return data


def three(md: str) -> str:
    """三、部门预算情况说明 (一般公共预算 and 政府性基金), up to 四."""
    return md.split("## 三、部门预算情况说明")[1].split("## 四")[0]


def two(md: str) -> str:
    return md.split("## 二、部门收支总体情况")[1].split("## 三")[0]


@pytest.fixture
def doc_of(make_book):
    def build(data):
        book, _ = read_book(make_book(data))
        return book, explain(book)
    return build


# ----------------------------------------------------------------------------------------------- 1. 上年 bases


def test_gpb_section_never_compares_with_the_department_figures(doc_of):
    """Field trial C (镇人民政府, 政府性基金) and A (学校, 财政专户/上年结转): the department's 上年基本支出 /
    上年项目支出 used as the 一般公共预算 ones gave 项目支出 "增加" in one section and "减少" in the other."""
    book, doc = doc_of(fund_data())
    md = doc.markdown()
    # 二: the department's figures against the department's 上年 figures
    assert "支出预算较去年增加1339.94万元，主要是基本支出预算增加212.95万元，项目支出预算增加1126.99万元。" in two(md)
    # 三: no change computed against the department's 上年 figures; the 一般公共预算 ones are asked for
    s = three(md)
    assert "一般公共预算财政拨款支出1932.33万元，比2020年【待填写：上年一般公共预算财政拨款支出】。" in s
    assert "基本支出494.83万元，比2020年【待填写：上年一般公共预算财政拨款基本支出】。" in s
    assert "项目支出1437.50万元，比2020年【待填写：上年一般公共预算财政拨款项目支出】，项目资金主要用于" in s
    assert "726.99" not in s and "增加" not in s.split("政府性基金预算拨款支出")[0]
    info = book.forms["unit_info"]
    n003 = {f.cell: f.message for f in doc.findings if f.code == "N003"}
    for key in ("prior_gpb_expense", "prior_gpb_basic", "prior_gpb_project"):
        assert info.cell(key) in n003, key
    assert "不能用“上年项目支出”比较" in n003[info.cell("prior_gpb_project")]


def test_gpb_priors_are_used_when_typed(doc_of):
    _, doc = doc_of(fund_data(prior_gpb_basic="281.88", prior_gpb_project="410.51"))
    md = doc.markdown()
    s = three(md)
    assert "一般公共预算财政拨款支出1932.33万元，比2020年增加1239.94万元。" in s      # basic + project
    assert "基本支出494.83万元，比2020年增加212.95万元，主要原因是2021年将行政服务中心" in s
    assert "项目支出1437.50万元，比2020年增加1026.99万元，主要原因是将政务中心办公用房租赁费" in s
    assert "项目支出预算增加1126.99万元" in two(md)           # 二 still against the department's figure
    assert not [f for f in doc.findings if f.code == "N003"]
    # a typed 上年一般公共预算财政拨款支出 wins over the sum of its parts
    _, doc = doc_of(fund_data(prior_gpb_expense="700", prior_gpb_basic="281.88", prior_gpb_project="410.51"))
    assert "一般公共预算财政拨款支出1932.33万元，比2020年增加1232.33万元。" in doc.markdown()


def test_all_gpb_department_uses_its_own_priors_and_is_not_asked_for_the_gpb_ones(dept_book):
    """Seed 001: 部门支出 = 一般公共预算财政拨款支出, so 上年基本支出 / 上年项目支出 are the 一般公共预算 ones."""
    from xltools.pipeline import check_file

    book, report = check_file(dept_book)
    assert not [f for f in report.findings if f.code.startswith("N")]
    md = explain(book).markdown()
    assert "基本支出494.83万元，比2020年增加212.95万元" in md and "上年一般公共预算" not in md


def test_check_asks_for_the_gpb_priors_only_when_needed(make_book):
    from xltools.pipeline import check_file

    book, report = check_file(make_book(fund_data()))
    info = book.forms["unit_info"]
    n = {(f.code, f.cell) for f in report.findings if f.code.startswith("N")}
    assert {("N003", info.cell(k)) for k in ("prior_gpb_expense", "prior_gpb_basic", "prior_gpb_project")} <= n
    # basic and project typed: the total is their sum, nothing more is asked
    book, report = check_file(make_book(fund_data(prior_gpb_basic="281.88", prior_gpb_project="410.51")))
    assert not [f for f in report.findings if f.code == "N003"]


def test_a_workbook_without_the_new_rows_is_told_how_to_add_them(make_book, tmp_path):
    """Workbooks handed out before the 上年一般公共预算… rows existed: the finding says where to type them, and a
    row typed at the end of 单位信息 is read."""
    import openpyxl

    path = make_book(fund_data())
    wb = openpyxl.load_workbook(path)
    ws = wb["单位信息"]
    rows = [c.row for c in ws["B"] if isinstance(c.value, str) and c.value.startswith("上年一般公共预算")]
    for r in sorted(rows, reverse=True):
        ws.delete_rows(r)
    wb.save(path)
    book, _ = read_book(path)
    doc = explain(book)
    msg = next(f.message for f in doc.findings if f.code == "N003" and "上年一般公共预算财政拨款基本支出" in f.message)
    assert "在单位信息末尾空行的“填报项”列写“上年一般公共预算财政拨款基本支出”" in msg
    r = ws.max_row + 1
    ws.cell(r, 2).value, ws.cell(r, 3).value = "上年一般公共预算基本支出", 281.88        # an alias
    ws.cell(r + 1, 2).value, ws.cell(r + 1, 3).value = "上年一般公共预算财政拨款项目支出", 410.51
    wb.save(path)
    book, _ = read_book(path)
    assert "项目支出1437.50万元，比2020年增加1026.99万元" in explain(book).markdown()


def test_department_without_lei_rows_does_not_borrow_the_gpb_table(doc_of):
    """部门支出总表 typed without 类 rows: the 一般公共预算 table stands in for it only when it is all the money."""
    data = fund_data(prior_gpb_basic="281.88", prior_gpb_project="410.51")
    data["tables"]["expense_dept"] = [r for r in data["tables"]["expense_dept"] if r["kind"] == "total"]
    _, doc = doc_of(data)
    s = two(doc.markdown())
    assert "其中：一般公共服务支出预算1866.11万元" in s and "城乡社区支出预算400.00万元" in s   # 部门收支总表
    assert "基本支出预算【待填写：部门支出总表】" in s
    assert "212.95" not in s


def test_admin_cost_zero_needs_no_prior(doc_of, make_book):
    from xltools.pipeline import check_file

    data = fund_data(admin_cost="0", prior_admin_cost=None)
    book, report = check_file(make_book(data))
    assert ("N003", book.forms["unit_info"].cell("prior_admin_cost")) not in {(f.code, f.cell) for f in report.findings}
    _, doc = doc_of(data)
    assert "1.机关运行经费。2021年无一般公共预算财政拨款运行经费安排。" in doc.markdown()
    assert not any("上年机关运行经费" in f.message for f in doc.findings)
    # typed: still compared (比上年减少…)
    _, doc = doc_of(fund_data(admin_cost="0", prior_admin_cost="10", admin_cost_change_reason="机构改革"))
    assert "运行经费0.00万元，比上年减少10.00万元，主要原因为机构改革。" in doc.markdown()


# ----------------------------------------------------------------------------------------------- 2. 政府采购


def test_procurement_names_each_kind_of_money(doc_of):
    _, doc = doc_of(fund_data())
    assert ("2.政府采购情况。政府采购预算总额464.20万元，其中一般公共预算拨款政府采购64.20万元，政府性基金预算拨款政府采购"
            "400.00万元；按采购类别分，政府采购货物预算36.60万元，政府采购工程预算400.00万元，政府采购服务预算27.60万元。"
            ) in doc.markdown()


def test_procurement_of_one_kind_of_money_reads_as_published(doc_of, dept_book):
    md = explain(read_book(dept_book)[0]).markdown()
    assert ("政府采购预算总额64.20万元，其中一般公共预算拨款政府采购64.20万元，含政府采购货物预算36.60万元，"
            "政府采购服务预算27.60万元。") in md
    data = fund_data()       # all of it 政府性基金: that is the one source named
    data["tables"]["procurement"] = [
        {"label": "合计", "kind": "total", "amounts": {"total": FUND, "fund": FUND}},
        {"label": "工程类", "kind": "item", "amounts": {"total": FUND, "fund": FUND}}]
    data["forms"]["unit_info"].update(procurement_total=FUND, procurement_goods=None, procurement_services=None)
    _, doc = doc_of(data)
    assert "政府采购预算总额400.00万元，其中政府性基金预算拨款政府采购400.00万元，含政府采购工程预算400.00万元。" in doc.markdown()


# ----------------------------------------------------------------------------------------------- 3. 政府性基金


@pytest.mark.parametrize("note,sentence", [
    ("政府性基金预算支出400万元，主要用于农村基础设施建设。", "支出400.00万元，主要用于农村基础设施建设。"),
    ("农村基础设施建设", "支出400.00万元，主要用于农村基础设施建设。"),
    ("主要用于农村基础设施建设；", "支出400.00万元，主要用于农村基础设施建设。"),
    ("2021年政府性基金预算拨款400万元，用于农村基础设施建设", "支出400.00万元，主要用于农村基础设施建设。"),
    ("该资金全部用于农村基础设施建设。", "支出400.00万元。该资金全部用于农村基础设施建设。"),
    ("其中农村基础设施建设300万元、农村公路100万元，分别用于村组道路和公路养护。",
     "支出400.00万元。其中农村基础设施建设300万元、农村公路100万元，分别用于村组道路和公路养护。"),
    ("政府性基金预算支出400万元。", "支出400.00万元。政府性基金预算支出400万元。"),
])
def test_fund_sentence_reads_right_for_a_phrase_or_a_sentence(doc_of, note, sentence):
    _, doc = doc_of(fund_data(fund_note=note))
    s = three(doc.markdown())
    assert f"2021年政府性基金预算拨款{sentence}" in s, s
    assert s.split("政府性基金预算拨款支出")[1].count("主要用于") <= 1


@pytest.mark.parametrize("note,sentence", [
    ("2021年未使用政府性基金预算拨款安排的支出", "重庆市潼南区政务服务管理办公室2021年未使用政府性基金预算拨款安排的支出。"),
    (None, "重庆市潼南区政务服务管理办公室2021年未使用政府性基金预算拨款安排的支出。"),
    ("无", "重庆市潼南区政务服务管理办公室2021年未使用政府性基金预算拨款安排的支出。"),
    ("本单位无政府性基金预算拨款收支。", "\n本单位无政府性基金预算拨款收支。"),
    ("无政府性基金预算拨款安排的支出", "重庆市潼南区政务服务管理办公室无政府性基金预算拨款安排的支出。"),
])
def test_no_fund_sentence(make_book, note, sentence):
    from xltools.demo import dept_data

    data = copy.deepcopy(dept_data())
    data["forms"]["unit_info"]["fund_note"] = note
    md = explain(read_book(make_book(data))[0]).markdown()
    assert sentence in three(md)


# ----------------------------------------------------------------------------------------------- 4, 5


def test_no_gpb_project_money_leaves_the_performance_amount_out(doc_of):
    _, doc = doc_of(fund_data(perf_covered="0"))
    md = doc.markdown()
    assert "3.绩效目标设置情况。2021年项目支出(除人员性项目)均实行了绩效目标管理。" in md
    assert "当年财政拨款0.00" not in md


def test_several_subordinate_units_follow_a_colon(doc_of, dept_book):
    _, doc = doc_of(fund_data(n_subordinate=2, subordinate_units="清溪镇农业服务中心、清溪镇社会事务综合服务中心"))
    assert "内设4个职能科室，2个下属事业单位：清溪镇农业服务中心、清溪镇社会事务综合服务中心；在职在编职工13人" in doc.markdown()
    _, doc = doc_of(fund_data(n_subordinate=None, subordinate_units="甲中心、乙中心。"))
    assert "内设4个职能科室，下属事业单位：甲中心、乙中心；" in doc.markdown()
    # one unit: as seed 001 prints it
    assert "1个下属事业单位区行政服务中心(二级单位)；" in explain(read_book(dept_book)[0]).markdown()


def test_a_public_institution_has_no_admin_cost(doc_of):
    """机关运行经费 is 行政单位 and 参公 money: a 事业单位 (the field trial's schools) that leaves it blank has none —
    its 公用经费 is not printed as 机关运行经费, and no 上年 figure is asked for."""
    book, doc = doc_of(fund_data(unit_type="事业单位", admin_cost=None, prior_admin_cost=None))
    assert "1.机关运行经费。2021年无一般公共预算财政拨款运行经费安排。" in doc.markdown()
    assert not [f for f in doc.findings if "机关运行经费" in f.message]
    _, doc = doc_of(fund_data(unit_type="行政单位", admin_cost=None))          # 行政单位: its 公用经费
    assert "运行经费68.20万元，比上年减少4.56万元" in doc.markdown()


def test_missing_admin_cost_is_a_marker_not_none(make_book):
    import openpyxl

    data = fund_data(admin_cost=None)
    data["tables"].pop("basic_gpb")
    path = make_book(data)
    wb = openpyxl.load_workbook(path)
    del wb["一般公共预算财政拨款基本支出预算表"]
    wb.save(path)
    md = explain(read_book(path)[0]).markdown()
    assert "2021年一般公共预算财政拨款运行经费【待填写：机关运行经费】" in md
    assert "无一般公共预算财政拨款运行经费安排" not in md


def test_missing_vehicle_plan_does_not_claim_a_purchase(doc_of):
    _, doc = doc_of(fund_data(vehicle_purchase_plan=None))
    assert "2021年一般公共预算【待填写：本年购置车辆安排】。" in doc.markdown()
    assert "安排购置车辆【待填写" not in doc.markdown()


# ----------------------------------------------------------------------------------------------- 不涉及的不列

def test_no_gpb_project_money_leaves_the_project_sentence_out(doc_of):
    """No 一般公共预算 项目支出 this year and none to compare with: no "项目支出0.00万元" sentence (the official
    pattern: 不涉及的不列), and the 基本支出 sentence ends the paragraph."""
    import copy

    from xltools.demo import dept_data

    data = copy.deepcopy(dept_data())
    data["tables"]["expense_gpb"] = [
        {**r, "amounts": {**r["amounts"], "project": None, "total": r["amounts"].get("basic")}}
        for r in data["tables"]["expense_gpb"]]
    _, doc = doc_of(data)
    s = three(doc.markdown())
    assert "项目支出0.00万元" not in s and "项目资金主要用于" not in s
    assert "保障部门正常运转的各项商品服务支出。" in s


@pytest.mark.parametrize("plan, sentence", [
    ("购置疾控应急车辆1辆", "一般公共预算安排购置疾控应急车辆1辆。"),
    ("安排购置执法执勤用车1辆", "一般公共预算安排购置执法执勤用车1辆。"),
    ("执法执勤用车1辆", "一般公共预算安排购置车辆执法执勤用车1辆。"),
])
def test_vehicle_purchase_is_said_once(doc_of, plan, sentence):
    _, doc = doc_of(fund_data(vehicle_purchase_plan=plan))
    assert sentence in doc.markdown()


def test_glossary_explains_the_money_the_department_has(doc_of):
    """事业收入 / 财政专户管理资金 / 上年结转 are explained, numbered after the published five, only when the
    department has that money (seed 001 has none: its glossary is the published one)."""
    data = fund_data()
    t = data["tables"]["summary_dept_income"]
    for r in t:
        if r["label"] in ("事业收入预算", "上年结转"):
            r["amounts"] = {**r["amounts"], "amount": "10"}
    _, doc = doc_of(data)
    md = doc.markdown().split("## 六、专业性名词解释")[1]
    assert "\n\n（六）事业收入：" in md and "\n\n（七）上年结转：" in md and "财政专户管理资金收入：" not in md
    _, seed = doc_of(copy.deepcopy(__import__("xltools.demo", fromlist=["dept_data"]).dept_data()))
    assert "（六）" not in seed.markdown().split("## 六、专业性名词解释")[1].split("部门预算公开联系人")[0]
