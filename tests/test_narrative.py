"""The narrative documents: seed 001's 部门预算情况说明 states the published figures, the project documents of
seeds 000/002/003 carry every field and indicator row, year-on-year wording is computed, and a missing input
is a visible 【待填写：…】 marker plus an N finding at its cell — never "None" or a gap."""
from __future__ import annotations

import copy
import json
import re
from decimal import Decimal

import pytest

from xltools.narrative import explain
from xltools.narrative.numbers import Amount, Change, Missing, fmt_number, fmt_plain, md_escape
from xltools.parse import read_book

D = Decimal

SEED001_FIGURES = ["1932.33", "1239.94", "1866.11", "39.70", "14.64", "11.88", "494.83", "212.95", "1437.5",
                   "1026.99", "68.2", "4.56", "64.2", "36.6", "27.6"]


@pytest.fixture(scope="module")
def dept_doc(dept_book):
    book, _ = read_book(dept_book)
    return explain(book)


@pytest.fixture(scope="module")
def dept_md(dept_doc):
    return dept_doc.markdown()


def narrative_part(md: str) -> str:
    """The text before the tables (附件1 …): the figures must come from the sentences, not the tables."""
    return md.split("附件1")[0]


# ----------------------------------------------------------------------------------------------- seed 001


def test_seed001_states_every_published_figure_in_the_text(dept_md):
    text = narrative_part(dept_md).replace(",", "")
    missing = [x for x in SEED001_FIGURES if x not in text]
    assert not missing, missing


def test_seed001_sentences(dept_md):
    t = narrative_part(dept_md)
    expected = [
        "2021年年初预算数1932.33万元，其中：一般公共预算拨款1932.33万元，无政府性基金预算拨款、国有资本经营预算拨款、"
        "事业收入、事业单位经营收入、其他收入等。收入较去年增加1239.94万元，主要是一般公共预算拨款增加1239.94万元。",
        "其中：一般公共服务支出预算1866.11万元，社会保障和就业支出预算39.70万元，卫生健康支出预算14.64万元，"
        "住房保障支出预算11.88万元。支出预算较去年增加1239.94万元，主要是基本支出预算增加212.95万元，项目支出预算增加1026.99万元。",
        "一般公共预算财政拨款支出1932.33万元，比2020年增加1239.94万元。",
        "基本支出494.83万元，比2020年增加212.95万元，主要原因是2021年将行政服务中心及税务服务厅购买社会服务纳入基本支出。",
        "项目支出1437.50万元，比2020年增加1026.99万元，主要原因是将政务中心办公用房租赁费纳入2021年专项预算，项目资金主要用于",
        "重庆市潼南区政务服务管理办公室2021年未使用政府性基金预算拨款安排的支出。",
        "2021年“三公”经费预算6.00万元，比2020年减少1.00万元。",
        "公务用车运行维护费4.00万元，公务接待费2.00万元",
        "公务接待费比2020年减少1.00万元",
        "主要原因是厉行节约,严格执行公务接待相关规定。",
        "运行经费68.20万元，比上年减少4.56万元，主要原因为2020年调出1名工作人员。",
        "政府采购预算总额64.20万元，其中一般公共预算拨款政府采购64.20万元，含政府采购货物预算36.60万元，政府采购服务预算27.60万元。",
        "涉及一般公共预算当年财政拨款1437.50万元。",
        "截至2020年12月，所属车辆1辆，其中一般公务用车1辆。2021年一般公共预算无购置车辆安排。",
        "内设4个职能科室，1个下属事业单位区行政服务中心(二级单位)；在职在编职工13人，退休5人，劳务派遣人员35名",
        "部门预算公开联系人：张友燕；联系电话：023-44578028。",
    ]
    for s in expected:
        assert s in t, s


def test_basic_expense_is_the_sum_of_the_lei_rows_not_the_printed_total(dept_md):
    # the 一般公共预算财政拨款支出预算表 total row prints 494.82; its 类 rows add up to 494.83, as the text says
    t = narrative_part(dept_md)
    assert "基本支出494.83万元" in t
    assert "494.82" not in t


def test_seed001_structure(dept_doc):
    h = dept_doc.headings
    sections = ["一、单位基本情况", "二、部门收支总体情况", "三、部门预算情况说明", "四、“三公”经费情况说明",
                "五、其他重要事项的情况说明", "六、专业性名词解释"]
    assert [x for x in h if x in sections] == sections
    assert h.index("（一）职能职责") < h.index("（二）单位构成") < h.index("二、部门收支总体情况")
    text = dept_doc.text()
    for item in ("1.机关运行经费", "2.政府采购情况", "3.绩效目标设置情况", "4.国有资产占有使用情况",
                 "（五）“三公”经费："):
        assert item in text
    assert dept_doc.title == "重庆市潼南区政务服务管理办公室2021年部门预算情况说明"


def test_seed001_tables_follow_the_text(dept_doc):
    titles = [x for x in dept_doc.headings if x.startswith("重庆市") or "绩效目标表" in x]
    for name in ("财政拨款收支总表", "一般公共预算财政拨款支出预算表", "一般公共预算财政拨款基本支出预算表",
                 "一般公共预算“三公”经费支出表", "政府性基金预算支出表", "部门收支总表", "部门收入总表", "部门支出总表",
                 "政府采购预算明细表", "预算整体绩效目标表"):
        assert any(t.endswith(name) for t in titles), name
    projects = [t for t in titles if t.endswith("项目支出绩效目标表")]
    assert len(projects) == 4
    # every table: the header repeated; the 10 rows of the 整体绩效目标表; 22 rows of project 1
    texts = [tb.texts() for tb in dept_doc.tables]
    overall = next(tx for tx in texts if tx[0][:2] == ["指标名称", "指标权重"])
    assert len(overall) == 1 + 10
    p1 = next(tx for tx in texts if tx[0] == ["一级指标", "二级指标", "三级指标", "指标值"])
    assert len(p1) == 1 + 22 and p1[1] == ["产出指标", "数量指标", "入驻政务服务部门", "28 个"]
    gpb = next(tx for tx in texts if tx[1][:2] == ["科目编码", "科目名称"] and "小计" in tx[1])
    assert ["201", "一般公共服务支出", "1,866.11", "428.61", "1,437.50"] in gpb


def test_seed001_missing_project_name_is_a_marker_and_a_finding(dept_doc, dept_md):
    assert "None" not in dept_md
    assert "【待填写：项目名称】项目支出绩效目标表" in dept_md
    f = [x for x in dept_doc.findings if x.code == "N001"]
    assert [(x.sheet, x.cell) for x in f] == [("项目4", "B3")]
    assert "项目名称" in f[0].message


# ----------------------------------------------------------------------------------------------- projects

@pytest.mark.parametrize("seed", ["000", "002", "003"])
def test_project_document_carries_every_field_and_indicator_row(project_books, seed):
    book, _ = read_book(project_books[seed])
    doc = explain(book)
    text = doc.text()
    assert doc.findings == []
    app = book.forms["application"]
    for key, fv in app.fields.items():
        if key in ("unit", "year", "funds"):
            continue
        assert str(fv.value) in text, (key, fv.value)
    for key, fv in book.forms["targets"].fields.items():
        assert str(fv.value) in text, key
    # the 项目绩效目标表: every indicator row with all ten columns, in order
    table = next(t for t in doc.tables if t.columns == 10)
    assert table.header_rows == 2
    rows = table.texts()[2:]
    src = [[r.level1, r.level2, r.name, r.op, r.value, r.unit, r.attribute, r.scoring, r.content, r.source]
           for r in book.indicators["targets"].rows]
    assert rows == src and len(rows) == len(book.indicators["targets"].rows) > 0
    h = doc.headings
    order = ["项目名称", "立项依据", "项目实施单位", "项目基本概况", "项目实施内容", "资金安排情况", "项目实施计划",
             "项目实施成效", "项目绩效目标表"]
    assert [x for x in h if x in order] == order


def test_seed000_project_text(project_books):
    book, _ = read_book(project_books["000"])
    md = explain(book).markdown()
    assert "档案加工整理" in md and "全年安排资金234万元。" in md
    assert md.startswith("# 昆明市呈贡区政务服务管理局\n\n# 2021年政务中心受委托业务工作经费项目\n")
    assert "预算年度（2021年）目标" in md
    assert "| >= |" in md          # 指标性质 as typed, readable in the Markdown


def test_project_funds_sentence_is_computed_when_not_typed(project_books, make_book):
    from xltools.demo import project_data

    data = project_data("000")
    data["forms"]["application"]["funds_text"] = None
    book, _ = read_book(make_book(data))
    md = explain(book).markdown()
    assert "全年安排资金234.00万元。" in md


# ----------------------------------------------------------------------------------------------- inputs


def _dept_data(**changes):
    from xltools.demo import dept_data

    data = copy.deepcopy(dept_data())
    data["forms"]["unit_info"].update(changes)
    return data


def test_missing_inputs_are_markers_and_findings_at_their_cells(make_book):
    path = make_book(_dept_data(prior_basic=None, basic_change_reason=None, assets_date=None,
                                sangong_change_reason=None))
    book, _ = read_book(path)
    doc = explain(book)
    md = doc.markdown()
    assert "None" not in md
    cells = {f.code: [] for f in doc.findings}
    for f in doc.findings:
        cells[f.code].append((f.sheet, f.cell, f.message))
    info = book.forms["unit_info"]
    by_cell = {c: (code, msg) for code, lst in cells.items() for _, c, msg in lst}
    assert by_cell[info.cell("prior_basic")][0] == "N003"
    assert "上年基本支出" in by_cell[info.cell("prior_basic")][1]
    assert by_cell[info.cell("assets_date")][0] == "N001"
    assert by_cell[info.cell("sangong_change_reason")][0] == "N002"
    assert "比2020年减少1.00万元" in by_cell[info.cell("sangong_change_reason")][1]
    # without the prior-year figure the change cannot be computed, so no reason is asked for it
    assert info.cell("basic_change_reason") not in by_cell
    assert "基本支出494.83万元，比2020年【待填写：上年基本支出】" in md
    assert "截至【待填写：国有资产截至日期】，" in md
    assert "；主要原因是【待填写：三公经费增减主要原因】。" in md
    # the 支出 sentence names the part it could not compute instead of leaving it out
    assert "主要是基本支出预算【待填写：上年基本支出】，项目支出预算增加1026.99万元" in md


def test_check_reports_narrative_inputs_once(make_book):
    from xltools.pipeline import check_file

    path = make_book(_dept_data(prior_admin_cost=None, admin_cost_use=None, unit_name=None))
    book, report = check_file(path)
    info = book.forms["unit_info"]
    n = [(f.code, f.cell) for f in report.findings if f.code.startswith("N")]
    assert ("N003", info.cell("prior_admin_cost")) in n
    assert ("N001", info.cell("admin_cost_use")) in n
    # 单位名称 is required: S005 reports it, N does not repeat it
    assert ("S005", info.cell("unit_name")) in [(f.code, f.cell) for f in report.findings]
    assert not any(c == info.cell("unit_name") for _, c in n)


def test_seed_examples_have_no_narrative_warnings_in_check(dept_book, project_books):
    from xltools.pipeline import check_file

    for path in [dept_book, *project_books.values()]:
        _, report = check_file(path)
        n = [f for f in report.findings if f.code.startswith("N")]
        assert n == [], [f.message for f in n]


def test_zero_and_unchanged_items_follow_the_template_rules(make_book):
    data = _dept_data(prior_sangong="0", prior_reception="0", prior_vehicle_run="0", sangong_change_reason=None,
                      prior_admin_cost="68.2", admin_cost_change_reason=None, procurement_total=None,
                      procurement_goods=None, procurement_services=None, vehicle_purchase_plan="1辆")
    data["tables"]["sangong"] = []
    data["tables"]["procurement"] = []
    book, _ = read_book(make_book(data))
    doc = explain(book)
    md = narrative_part(doc.markdown())
    assert "2021年无“三公”经费预算，与2020年持平。" in md
    assert "运行经费68.20万元，与上年持平。" in md           # 持平: no reason asked
    assert "2021年无政府采购预算。" in md
    assert "2021年一般公共预算安排购置车辆1辆。" in md
    assert not [f for f in doc.findings if f.code == "N002"]


def test_procurement_input_that_disagrees_with_the_table_is_reported(make_book):
    book, _ = read_book(make_book(_dept_data(procurement_total="60")))
    doc = explain(book)
    f = [x for x in doc.findings if x.code == "N005"]
    assert len(f) == 1 and f[0].cell == book.forms["unit_info"].cell("procurement_total")
    assert "64.2" in f[0].message and "填写为 60" in f[0].message
    assert "政府采购预算总额64.20万元" in doc.markdown()      # the document follows the table


def test_missing_table_is_reported(make_book):
    data = _dept_data()
    data["tables"].pop("expense_gpb")
    path = make_book(data)
    import openpyxl

    wb = openpyxl.load_workbook(path)
    del wb["一般公共预算财政拨款支出预算表"]
    wb.save(path)
    book, _ = read_book(path)
    doc = explain(book)
    assert any(f.code == "N004" and "一般公共预算财政拨款支出预算表" in f.message for f in doc.findings)
    assert "一般公共预算财政拨款支出【待填写：一般公共预算财政拨款支出预算表】" in doc.markdown()


def test_person_text_with_markdown_characters_stays_text(make_book):
    functions = "# 不是标题\n| 不是表格 | 也不是 |\n**不是粗体** <b>x</b> 24*7 a_b\n- 不是列表"
    book, _ = read_book(make_book(_dept_data(functions=functions)))
    doc = explain(book)
    para = next(b for b in doc.blocks if getattr(b, "text", "").startswith("# 不是标题"))
    assert para.text == functions
    assert not any(b.text == "不是标题" for b in doc.blocks if hasattr(b, "level"))


# ----------------------------------------------------------------------------------------------- numbers


def test_amount_formatting():
    assert fmt_number(D("1932.33")) == "1,932.33"
    assert fmt_number(D("39.7")) == "39.70"
    assert fmt_number(D("-0.001")) == "0.00"
    assert fmt_number(D("0.005")) == "0.01"                 # half up, not banker's rounding
    assert fmt_plain(D("165.50")) == "165.5" and fmt_plain(D("1227")) == "1227"
    assert str(Amount(D("420000"), "元")) == "420000.00元"


@pytest.mark.parametrize("cur,prior,text,pct", [
    ("6", "7", "比2020年减少1.00万元", "比2020年减少1.00万元，下降14.29%"),
    ("1932.33", "692.39", "比2020年增加1239.94万元", "比2020年增加1239.94万元，增长179.08%"),
    ("4", "4", "与2020年持平", "与2020年持平"),
    ("4", "4.001", "与2020年持平", "与2020年持平"),           # equal at the printed precision
    ("5", "0", "比2020年增加5.00万元", "比2020年增加5.00万元"),   # no percentage on a zero base
])
def test_change_wording(cur, prior, text, pct):
    c = Change(Amount(D(cur)), Amount(D(prior)), "2020年")
    assert c.text == text and str(c) == text
    assert c.text_pct == pct
    assert c.vs("上年") == text.replace("2020年", "上年")


def test_change_with_a_missing_prior_prints_the_marker():
    seen = []
    m = Missing("上年三公经费", sink=seen.append)
    c = Change(Amount(D("6")), m, "2020年", reason="x")
    assert c.text == "比2020年【待填写：上年三公经费】"
    assert str(c.amount) == "【待填写：上年三公经费】" and c.amount.num is m
    assert not c.changed and c.reason == "x"
    assert seen and seen[0] is m


def test_md_escape_round_trip():
    from xltools.narrative.document import parse_inline, runs_text

    for s in ["# x", "1. x", "a|b", "<b>x</b>", "**b**", "x\ny", "\\", "24*7", "[a](b)", "- x", ">=3", "<=", "==="]:
        assert runs_text(parse_inline(md_escape(s))) == s, s


# ----------------------------------------------------------------------------------------------- CLI


def test_cli_explain_markdown_and_json(dept_book, tmp_path, capsys):
    from xltools.cli import main

    out = tmp_path / "情况说明.md"
    assert main(["explain", str(dept_book), "-o", str(out)]) == 0
    text = out.read_text("utf-8")
    assert "None" not in text
    assert all(x in text.replace(",", "") for x in SEED001_FIGURES)
    capsys.readouterr()
    assert main(["explain", str(dept_book), "-o", str(tmp_path / "b.docx"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["output"].endswith("b.docx") and data["missing"] == 1
    assert data["findings"][0]["code"] == "N001" and data["findings"][0]["cell"] == "B3"


def test_cli_explain_default_output_and_refusals(project_books, tmp_path, capsys):
    import shutil

    from xltools.cli import main

    src = tmp_path / project_books["002"].name
    shutil.copy(project_books["002"], src)
    assert main(["explain", str(src)]) == 0
    assert (tmp_path / f"{src.stem}-项目文本.docx").exists()
    assert main(["explain", str(src), "-o", str(tmp_path / "x.pdf")]) == 2
    assert main(["explain", str(tmp_path / "nope.xlsx"), "-o", str(tmp_path / "x.md")]) == 2
    (tmp_path / "bad.xlsx").write_bytes(b"not a workbook")
    assert main(["explain", str(tmp_path / "bad.xlsx"), "-o", str(tmp_path / "x.md")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "错误" in err
    assert not (tmp_path / "x.md").exists()


def test_import_stays_light():
    import subprocess
    import sys

    code = ("import sys, xltools, xltools.narrative, xltools.narrative.context, xltools.rules.narrative;"
            "print(sorted(m for m in ('docx', 'openpyxl', 'jinja2', 'lxml') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_document_findings_match_markers(dept_book, make_book):
    book, _ = read_book(make_book(_dept_data(staff=None, phone=None)))
    doc = explain(book)
    md = doc.markdown()
    markers = set(re.findall(r"【待填写：(.+?)】", md))
    labels = {re.search(r"“(.+?)”", f.message).group(1) for f in doc.findings if f.code in ("N001",)}
    assert markers == labels == {"在职在编人数", "联系电话", "项目名称"}


# ----------------------------------------------------------------------------------------------- check path


def test_check_path_imports_no_document_model():
    """`xltools check` runs the N rules through the same context as explain; it must not import the document
    model, the template environment, Jinja or python-docx (they cost more than the rule itself)."""
    import subprocess
    import sys

    code = ("import sys, xltools.narrative, xltools.narrative.context, xltools.rules.narrative;"
            "print(sorted(m for m in ('xltools.narrative.document', 'xltools.narrative.env', 'jinja2', 'docx')"
            " if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    import xltools.narrative as narrative

    assert narrative.Document.__name__ == "Document"          # still importable from the package, lazily


def test_context_renders_tables_only_when_read(dept_book):
    """build_context leaves every table's cells unrendered (check reads none of them); the first read renders
    them, the same as the document prints them."""
    from xltools.narrative.context import TableView, build_context, table_view

    book, _ = read_book(dept_book)
    ctx = build_context(book)
    views = list(ctx.data["tables"].values()) + [p.info for p in ctx.data["projects"]] \
        + [p.indicators for p in ctx.data["projects"]]
    assert views and all(isinstance(v, TableView) and "rows" not in v.__dict__ for v in views)
    t = ctx.data["tables"]["expense_gpb"]
    assert t.found and t.sheet and t.title                   # what the context itself needs: eager
    assert t.header_rows == len(t.header) and t.rows          # first read renders
    assert t["rows"] is t.rows and "widths" in t and t.get("align") == t.align
    again = table_view(book, ctx.fam, "expense_gpb")
    assert "rows" in again and again.rows == t.rows and again.empty is False
    with pytest.raises(AttributeError):
        again.no_such_attribute
    assert ctx.findings() == build_context(book).findings()    # reading tables changes no finding


def test_md_escape_fast_path_matches_the_regexes():
    """md_escape skips its regexes for text without a character they act on: the result is the same."""
    plain = {"重庆市潼南区政务服务管理办公室": "重庆市潼南区政务服务管理办公室", "  中文 \r\n第二行 ": "中文 <br>第二行",
             "a<=b": "a<=b", "2021年": "2021年", "１２３": "１２３", "3x4": "3x4", "": ""}
    for s, want in plain.items():
        assert md_escape(s) == want and md_escape(s, block=False) == want
    assert md_escape("٣. x") == "٣\\. x"                   # any Unicode digit starts a numbered list (\d)
    assert md_escape(" \t- x") == "\\- x" and md_escape("x_y", block=False) == "x\\_y"
    assert md_escape("<b>x") == "\\<b>x" and md_escape("#1") == "#1" and md_escape("# 1") == "\\# 1"


def test_a_goal_label_typed_with_its_years_is_printed_as_typed(project_books, tmp_path):
    """总体目标(2021年-2023年): the years the person typed into the label reach the document."""
    import shutil

    import openpyxl

    book_path = tmp_path / "p.xlsx"
    shutil.copy(project_books["000"], book_path)
    wb = openpyxl.load_workbook(book_path)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value == "总体目标"]
    assert cells
    for c in cells:
        c.value = "总体目标(2021年-2023年)"
    wb.save(book_path)
    book, _ = read_book(book_path)
    fv = book.forms["targets"].fields["goal_overall"]
    assert fv.label == "总体目标(2021年-2023年)" and fv.value
    md = explain(book).markdown()
    assert "| 总体目标(2021年-2023年) |" in md, md[-3000:]
