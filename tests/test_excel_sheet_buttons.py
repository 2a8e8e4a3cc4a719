"""In-sheet Form Control buttons on the official templates (xltools.excel.sheet_buttons), checked with the
button reader of tests/buttons.py (all four places Excel keeps a button) and its package-integrity check."""
from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.buttons import button_parts, buttons, workbook_problems
from xltools.excel.buttons import BUTTONS
from xltools.excel.sheet_buttons import MACRO, add_sheet_buttons, layout, sheet_kinds


@pytest.fixture
def template(tmp_path) -> Path:
    from xltools.families import get_family
    from xltools.io.writers import save_workbook
    from xltools.template import build_workbook

    return save_workbook(build_workbook(get_family("dept_budget")), tmp_path / "部门预算公开-模板.xlsx")


def test_template_gets_the_declared_buttons(template):
    placed = add_sheet_buttons(template)
    found = buttons(template)
    assert len(found) == len(placed) > 0
    macro, kinds = layout()
    assert macro == MACRO
    by_sheet: dict[str, list[str]] = {}
    for b in found:
        assert b.macro == b.control_macro == MACRO and b.object_type == "Button" and b.in_drawing
        assert b.name.startswith("xltools_") and b.caption == BUTTONS[b.name[len("xltools_"):]].label
        by_sheet.setdefault(b.sheet, []).append(b.name[len("xltools_"):])
    kinds_of = sheet_kinds(template)
    for sheet, ids in by_sheet.items():
        assert ids == kinds[kinds_of[sheet]]
    assert "add_project" in by_sheet["项目模板"]               # new project sheets are copies: they carry it
    assert by_sheet["部门收支总表"] == ["fill_codes", "recompute", "check", "clear_marks"]
    assert by_sheet["单位信息"] == ["check", "explain"]
    assert "_lists" not in by_sheet and "_xltools" not in by_sheet
    assert workbook_problems(template) == []


def test_adding_twice_adds_nothing(template):
    add_sheet_buttons(template)
    before = button_parts(template)
    assert add_sheet_buttons(template) == []
    assert button_parts(template) == before


def test_the_workbook_reads_the_same_after(template, tmp_path):
    from xltools.pipeline import check_file

    copy = shutil.copy(template, tmp_path / "copy.xlsx")
    add_sheet_buttons(copy)
    assert check_file(copy)[1].flatten(["code", "cell"]) == check_file(template)[1].flatten(["code", "cell"])
    import openpyxl

    openpyxl.load_workbook(copy)


def test_buttons_survive_the_file_writer_that_keeps_them(template, tmp_path):
    from xltools.edits import Edit, EditSet

    patch = pytest.importorskip("xltools.io.patch")
    add_sheet_buttons(template)
    before = buttons(template)
    out = tmp_path / "edited.xlsx"
    patch.apply_edits(template, EditSet([Edit("单位信息", "C4", value="测试单位", mark="error", note="说明")]), out)
    assert buttons(out) == before and workbook_problems(out) == []


def test_buttons_join_existing_comments(template):
    from xltools.edits import Edit, EditSet

    patch = pytest.importorskip("xltools.io.patch")
    tmp = template.with_name("noted.xlsx")
    patch.apply_edits(template, EditSet([Edit("部门收支总表", "B5", note="一条批注")]), tmp)
    add_sheet_buttons(tmp, buttons={"部门收支总表": ["check"]})
    assert [b.name for b in buttons(tmp)] == ["xltools_check"]
    assert workbook_problems(tmp) == []
    with zipfile.ZipFile(tmp) as z:
        vml = [z.read(n) for n in z.namelist() if n.endswith(".vml")]
    assert len(vml) == 1 and b'ObjectType="Note"' in vml[0] and b'ObjectType="Button"' in vml[0]


def test_libreoffice_shows_the_buttons(template, tmp_path):
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is required in CI")
        pytest.skip("LibreOffice is not installed")
    add_sheet_buttons(template, buttons={"单位信息": ["check", "explain"]})
    subprocess.run([exe, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless", "--convert-to", "ods",
                    "--outdir", str(tmp_path / "out"), str(template)], check=True, capture_output=True, timeout=180)
    with zipfile.ZipFile(tmp_path / "out" / (template.stem + ".ods")) as z:
        content = z.read("content.xml").decode("utf-8")
    assert 'form:label="校验"' in content and 'form:label="生成情况说明"' in content


def test_unknown_button_id_is_refused(template):
    with pytest.raises(ValueError):
        add_sheet_buttons(template, buttons={"单位信息": ["no_such"]})
