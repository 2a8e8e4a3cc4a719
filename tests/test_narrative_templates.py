"""Templates: shipped in the package, overridable file by file from a bureau's folder, rendered in a sandbox.
A template that reaches for Python internals fails safely with a Chinese message; every template error names
the file and the line."""
from __future__ import annotations

import pytest

from xltools.errors import TemplateError
from xltools.narrative import explain
from xltools.narrative.env import PACKAGE_TEMPLATES
from xltools.parse import read_book


@pytest.fixture(scope="module")
def book(dept_book):
    return read_book(dept_book)[0]


def _folder(tmp_path, name: str, text: str):
    d = tmp_path / "bureau"
    d.mkdir(exist_ok=True)
    (d / name).write_text(text, encoding="utf-8")
    return d


@pytest.mark.parametrize("expr", [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ income.__class__ }}",
    "{{ income.change._reason }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ f.__init__ }}",
])
def test_sandbox_refuses_python_internals(book, tmp_path, expr):
    d = _folder(tmp_path, "dept_budget.md.j2", f"# 标题\n\n第二行\n{expr}\n")
    with pytest.raises(TemplateError) as e:
        explain(book, d)
    msg = str(e.value)
    assert "安全沙箱" in msg or "未定义" in msg
    assert "dept_budget.md.j2" in msg and "第 4 行" in msg
    assert "Traceback" not in msg


def test_sandbox_message_is_chinese_and_names_the_file(book, tmp_path):
    d = _folder(tmp_path, "dept_budget.md.j2", "{{ ''.__class__.__mro__ }}\n")
    with pytest.raises(TemplateError, match=r"试图访问受保护的内部属性，已被安全沙箱拒绝") as e:
        explain(book, d)
    assert str(d / "dept_budget.md.j2") in str(e.value) and "第 1 行" in str(e.value)


def test_override_one_file_keeps_the_rest(book, tmp_path):
    d = _folder(tmp_path, "_glossary.md.j2", "（一）本局自定义名词：说明。\n")
    md = explain(book, d).markdown()
    assert "（一）本局自定义名词：说明。" in md
    assert "（三）基本支出：" not in md
    assert "## 六、专业性名词解释" in md and "1,932.33" in md        # the main template is still the shipped one


def test_override_main_template_with_percentages(book, tmp_path):
    d = _folder(tmp_path, "dept_budget.md.j2",
                "# {{ name }}\n\n“三公”经费{{ sangong.total }}，{{ sangong.change.text_pct }}。"
                "收入{{ income.change.pct_word }}{{ income.change.pct }}。"
                "{% if f.unit_code is missing %}单位编码{{ f.unit_code }}{% endif %}\n")
    doc = explain(book, d)
    assert doc.markdown() == ("# 重庆市潼南区政务服务管理办公室\n\n“三公”经费6.00万元，比2020年减少1.00万元，下降14.29%。"
                              "收入增长179.08%。单位编码【待填写：单位编码】\n")
    # a field the bureau's template prints empty is listed too, at its cell
    assert [(f.code, f.cell) for f in doc.findings if f.code == "N001" and "单位编码" in f.message] == \
        [("N001", book.forms["unit_info"].cell("unit_code"))]


def test_syntax_error_names_file_and_line(book, tmp_path):
    d = _folder(tmp_path, "dept_budget.md.j2", "# a\n\n{% if %}\n")
    with pytest.raises(TemplateError, match=r"dept_budget\.md\.j2 第 3 行有语法错误"):
        explain(book, d)


def test_undefined_variable_is_found_before_rendering(book, tmp_path):
    d = _folder(tmp_path, "dept_budget.md.j2", "# a\n\n{% if false %}{{ incom.total }}{% endif %}\n")
    with pytest.raises(TemplateError, match=r"dept_budget\.md\.j2 第 3 行使用了未定义的变量“incom”"):
        explain(book, d)


def test_undefined_attribute_names_the_line(book, tmp_path):
    d = _folder(tmp_path, "dept_budget.md.j2", "# a\n\n\n{{ income.totl }}\n")
    with pytest.raises(TemplateError, match=r"第 4 行使用了未定义的变量或属性"):
        explain(book, d)


def test_error_in_an_included_template_names_that_file(book, tmp_path):
    d = _folder(tmp_path, "_glossary.md.j2", "一\n二\n{{ 1 / 0 }}\n")
    with pytest.raises(TemplateError) as e:
        explain(book, d)
    assert "_glossary.md.j2 第 3 行" in str(e.value) and "ZeroDivisionError" in str(e.value)


def test_missing_template_folder(book, tmp_path):
    with pytest.raises(TemplateError, match="不存在"):
        explain(book, tmp_path / "nope")


def test_cli_template_error_exits_2(dept_book, tmp_path, capsys):
    from xltools.cli import main

    d = _folder(tmp_path, "dept_budget.md.j2", "{{ ''.__class__.__mro__ }}\n")
    out = tmp_path / "x.docx"
    assert main(["explain", str(dept_book), "-o", str(out), "--template-dir", str(d)]) == 2
    err = capsys.readouterr().err
    assert "安全沙箱" in err and "Traceback" not in err
    assert not out.exists()


def test_shipped_templates_are_package_data():
    names = {p.name for p in PACKAGE_TEMPLATES.iterdir()}
    assert {"dept_budget.md.j2", "project_perf.md.j2", "_macros.md.j2", "_glossary.md.j2", "styles.toml"} <= names


def test_styles_override_changes_the_word_fonts(book, tmp_path):
    from docx import Document as Docx

    text = (PACKAGE_TEMPLATES / "styles.toml").read_text("utf-8").replace('east = "仿宋_GB2312"', 'east = "宋体"')
    d = _folder(tmp_path, "styles.toml", text)
    out = tmp_path / "a.docx"
    explain(book, d).save(out)
    from docx.oxml.ns import qn

    body = Docx(str(out)).styles["情况说明正文"]
    assert body.element.rPr.rFonts.get(qn("w:eastAsia")) == "宋体"
