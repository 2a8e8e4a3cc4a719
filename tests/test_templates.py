"""The official templates: built from the declarations, committed, and proven current and well-formed."""
from __future__ import annotations

import subprocess
from pathlib import Path

import openpyxl
import pytest

from xltools.families import families, get_family
from xltools.cli.template import template_filename
from xltools.parse import read_book
from xltools.template import build_workbook

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "workbook_templates"


def signature(path: Path) -> dict:
    """What a template *is*, independent of zip timestamps: every sheet's state, values, merges, validations,
    protection and print set-up."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        out[ws.title] = {
            "state": ws.sheet_state,
            "values": {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None},
            "merged": sorted(str(m) for m in ws.merged_cells.ranges),
            "validations": sorted((str(dv.sqref), dv.formula1) for dv in ws.data_validations.dataValidation),
            "protected": ws.protection.sheet,
            "unlocked": sorted(c.coordinate for row in ws.iter_rows() for c in row if not c.protection.locked),
            "print": (ws.page_setup.orientation, ws.page_setup.paperSize, ws.print_title_rows),
        }
    return out


@pytest.mark.parametrize("family", sorted(families()))
def test_committed_templates_equal_a_fresh_build(tmp_path, family):
    fam = get_family(family)
    fresh = tmp_path / template_filename(fam)
    build_workbook(fam).save(fresh)
    committed = COMMITTED / template_filename(fam)
    assert committed.exists(), f"run `make templates` to write {committed.name}"
    assert signature(committed) == signature(fresh), \
        f"{committed.name} is out of date with the declaration: run `make templates` and commit the result"


def test_dept_template_sheets_and_features():
    wb = openpyxl.load_workbook(COMMITTED / template_filename(get_family("dept_budget")))
    assert wb.sheetnames[:11] == ["单位信息", "部门收支总表", "部门收入总表", "部门支出总表", "财政拨款收支总表",
                                  "一般公共预算财政拨款支出预算表", "一般公共预算财政拨款基本支出预算表",
                                  "一般公共预算“三公”经费支出表", "政府性基金预算支出表", "政府采购预算明细表", "部门整体绩效目标表"]
    assert "项目1" in wb.sheetnames and wb["项目模板"].sheet_state == "hidden"
    meta = {r[0]: r[1] for r in wb["_xltools"].iter_rows(values_only=True)}
    assert wb["_xltools"].sheet_state == "veryHidden"
    assert meta["family"] == "dept_budget" and meta["template_version"] and meta["year"] == "2021"
    ws = wb["一般公共预算财政拨款支出预算表"]
    assert ws.protection.sheet and not ws.protection.password
    assert int(ws.page_setup.paperSize) == 9 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows.replace("$", "") == "3:4"
    assert any(c.value == "单位：万元" for row in ws.iter_rows(max_row=2) for c in row)
    # the total row and the 小计 column are computed (locked), the detail cells are input (unlocked)
    assert ws["C5"].protection.locked and ws["D5"].protection.locked            # 总计 row
    assert ws["C6"].protection.locked and not ws["D6"].protection.locked        # 小计 computed, 基本支出 input
    assert not ws["A6"].protection.locked and not ws["B6"].protection.locked
    assert ws["D6"].fill.fgColor.rgb != ws["C6"].fill.fgColor.rgb              # styled apart
    assert ws.protection.insertRows is False                                    # people can still insert rows
    wide = wb["部门收入总表"]
    assert wide.page_setup.orientation == "landscape"


def test_project_template_dropdowns():
    wb = openpyxl.load_workbook(COMMITTED / template_filename(get_family("project_perf")))
    ws = wb["项目绩效目标表"]
    lists = wb["_lists"]
    cols = {lists.cell(1, c).value: [lists.cell(r, c).value for r in range(2, lists.max_row + 1)
                                     if lists.cell(r, c).value] for c in range(1, lists.max_column + 1)}
    assert cols["ops"] == ["=", "≥", "≤", ">", "<", "定性"]
    assert cols["attributes"] == ["定量指标", "定性指标"]
    assert "产出指标" in cols["level1_2019"] and "时效指标" in cols["level2_2019"]
    header = next(r for r in range(1, 30) if ws.cell(r, 1).value == "一级指标" or ws.cell(r, 1).value == "绩效指标")
    dv_cols = {str(dv.sqref)[0] for dv in ws.data_validations.dataValidation}
    assert {"A", "B", "D", "F", "G"} <= dv_cols   # 一级, 二级, 指标性质, 度量单位, 指标属性
    assert header


def test_2022_budget_year_uses_the_101_framework_dropdowns(tmp_path):
    wb = build_workbook(get_family("project_perf"), year=2026)
    lists = wb["_lists"]
    heads = [lists.cell(1, c).value for c in range(1, lists.max_column + 1)]
    assert "level1_2021_101" in heads
    col = heads.index("level1_2021_101") + 1
    assert "成本指标" in [lists.cell(r, col).value for r in range(2, 8)]


@pytest.mark.parametrize("family", sorted(families()))
def test_blank_template_parses_without_structure_errors(tmp_path, family):
    fam = get_family(family)
    p = tmp_path / "blank.xlsx"
    build_workbook(fam).save(p)
    book, findings = read_book(p)
    assert book.family == family
    assert [f for f in findings if f.code in ("S001", "S002", "S003", "S006")] == []


def test_template_build_cli(tmp_path):
    from xltools.cli import main

    assert main(["template", "build", "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.glob("*.xlsx")) == sorted(template_filename(f) for f in families().values())


def _pdf_text_and_fonts(pdf: Path) -> tuple[str, str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    return text, fonts


def _has_cjk_font(fonts: str) -> bool:
    return any(k in fonts for k in ("WenQuanYi", "Noto Sans CJK SC", "NotoSansCJK", "SimSun", "Droid Sans Fallback"))


@pytest.mark.parametrize("family", sorted(families()))
def test_template_opens_in_libreoffice(to_pdf, family):
    fam = get_family(family)
    pdf = to_pdf(COMMITTED / template_filename(fam))
    text, fonts = _pdf_text_and_fonts(pdf)
    flat = text.replace(" ", "")
    for sd in fam.sheets:
        if not sd.repeat:
            assert sd.title.replace(" ", "") in flat, sd.title
    assert _has_cjk_font(fonts), f"no embedded CJK font — Chinese would print as boxes:\n{fonts}"


def test_examples_open_in_libreoffice_with_their_numbers(to_pdf, examples_dir):
    for path in sorted(examples_dir.glob("*.xlsx")):
        pdf = to_pdf(path)
        text, fonts = _pdf_text_and_fonts(pdf)
        assert _has_cjk_font(fonts)
        if "部门预算公开" in path.name:
            flat = text.replace(",", "")
            for figure in ("1932.33", "494.82", "494.83", "68.20", "1866.11", "一般公共预算财政拨款支出预算表"):
                assert figure in flat, figure
        else:
            assert "项目绩效目标表" in text and "一级指标" in text
