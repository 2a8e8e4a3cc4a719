"""The Word output: East-Asian fonts on the styles, bordered tables whose header rows repeat on every page,
merged header and level cells, landscape pages for wide tables, page numbers in the footer — and the same
content as the Markdown."""
from __future__ import annotations

import copy
import re
import zipfile

import pytest

from xltools.narrative import explain
from xltools.narrative.document import parse_markdown, to_markdown
from xltools.parse import read_book

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def dept_docx(dept_book, tmp_path_factory):
    book, _ = read_book(dept_book)
    doc = explain(book)
    out = tmp_path_factory.mktemp("docx") / "情况说明.docx"
    doc.save(out)
    return doc, out


def _xml(path, part="word/document.xml") -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(part).decode("utf-8")


def test_docx_text_has_the_figures(dept_docx):
    doc, path = dept_docx
    body = re.sub(r"<[^>]+>", "", _xml(path)).replace(",", "")
    for x in ["1932.33", "1239.94", "494.83", "212.95", "1026.99", "68.2", "4.56", "64.2", "36.6", "27.6"]:
        assert x in body, x
    assert "None" not in body


def test_docx_styles_carry_east_asian_fonts(dept_docx):
    from docx import Document as Docx
    from docx.oxml.ns import qn

    _, path = dept_docx
    d = Docx(str(path))

    def east(name):
        rfonts = d.styles[name].element.rPr.rFonts
        assert rfonts.get(qn("w:eastAsiaTheme")) is None and rfonts.get(qn("w:asciiTheme")) is None
        return rfonts.get(qn("w:eastAsia"))

    assert east("情况说明正文") == "仿宋_GB2312"
    assert east("Title") == "方正小标宋简体"
    assert east("Heading 1") == "黑体"
    assert east("Heading 2") == "楷体_GB2312"
    assert east("情况说明表格") == "宋体"
    assert east("情况说明表头") == "黑体"
    styles = _xml(path, "word/styles.xml")
    assert 'w:eastAsia="zh-CN"' in styles                      # the document language is Chinese
    # headings are real headings (navigation pane, table of contents)
    used = [p.style.name for p in d.paragraphs if p.text.startswith(("一、", "（一）"))]
    assert "Heading 1" in used and "Heading 2" in used


def test_docx_tables_borders_and_repeated_headers(dept_docx):
    doc, path = dept_docx
    xml = _xml(path)
    tables = re.findall(r"<w:tbl>.*?</w:tbl>", xml, re.S)
    assert len(tables) == len(doc.tables) > 10
    for t, block in zip(tables, doc.tables):
        assert "<w:tblBorders>" in t and 'w:val="single"' in t
        rows = re.findall(r"<w:tr>.*?</w:tr>", t, re.S)
        heads = [r for r in rows if "<w:tblHeader/>" in r]
        assert len(heads) == block.header_rows
        assert all("<w:tblHeader/>" in r for r in rows[:block.header_rows])
    first = tables[0]                      # 财政拨款收支总表: 收入 over 2 columns, 支出 over 5
    assert '<w:gridSpan w:val="2"/>' in first and '<w:gridSpan w:val="5"/>' in first
    p1 = next(t for t, b in zip(tables, doc.tables) if b.texts()[0] == ["一级指标", "二级指标", "三级指标", "指标值"])
    assert p1.count('<w:vMerge w:val="restart"/>') >= 2 and "<w:vMerge/>" in p1


def test_tables_are_never_adjacent(dept_docx, project_books, tmp_path):
    """What the rendered PDF showed: the 项目绩效目标表 continued on a new page without its header rows, because
    Word and LibreOffice join two adjacent tables (the goals table and the indicator table) into one."""
    from lxml import etree

    book, _ = read_book(project_books["000"])
    out = tmp_path / "p.docx"
    explain(book).save(out)
    for path in (dept_docx[1], out):
        body = etree.fromstring(_xml(path).encode()).find(f"{W}body")
        tags = [el.tag for el in body]
        assert not any(a == b == f"{W}tbl" for a, b in zip(tags, tags[1:]))


def test_docx_page_numbers_and_landscape_pages(dept_docx):
    _, path = dept_docx
    with zipfile.ZipFile(path) as z:
        footers = [z.read(n).decode() for n in z.namelist() if n.startswith("word/footer")]
    assert any("PAGE" in f and "fldChar" in f for f in footers)
    xml = _xml(path)
    assert 'w:orient="landscape"' in xml              # 部门收入总表 (12 columns) and the like
    assert xml.count("<w:sectPr") > 5


def test_amounts_and_codes_get_columns_wide_enough(dept_docx):
    """What the rendered page showed first: 1,932.3|3 and 201030|1 broken across lines."""
    from xltools.narrative.docx_writer import _em, column_widths

    doc, _ = dept_docx
    for t in doc.tables:
        widths = column_widths(t, 9000, 10.5)
        for row in t.rows[t.header_rows:]:
            for j, c in enumerate(row):
                if c is not None and c.span == 1 and re.fullmatch(r"[\d,.]+", c.text):
                    assert widths[j] >= _em(c.text) * 10.5 * 20, (c.text, widths[j])


def test_markdown_round_trip(dept_docx, project_books):
    doc, _ = dept_docx
    md = doc.markdown()
    assert to_markdown(parse_markdown(md)) == md
    book, _ = read_book(project_books["003"])
    md3 = explain(book).markdown()
    assert to_markdown(parse_markdown(md3)) == md3


def test_control_characters_and_long_text_do_not_break_the_docx(make_book, tmp_path):
    from docx import Document as Docx

    from xltools.demo import dept_data

    from xltools.record import replace

    data = copy.deepcopy(dept_data())
    data["forms"]["unit_info"]["functions"] = "很长的职能说明。" * 400
    book, _ = read_book(make_book(data))
    # a workbook written elsewhere can carry control characters (_x0007_) that openpyxl refuses to write
    info = book.info
    fv = replace(info.fields["functions"], value="负责\x07审批\x0b服务。" + info.fields["functions"].value)
    book = replace(book, forms={**book.forms, "unit_info": replace(info, fields={**info.fields, "functions": fv})})
    out = tmp_path / "a.docx"
    explain(book).save(out)
    text = "\n".join(p.text for p in Docx(str(out)).paragraphs)
    assert "负责审批服务。" in text


def test_docx_write_is_atomic(dept_docx, tmp_path, monkeypatch):
    from xltools.narrative import docx_writer

    doc, _ = dept_docx
    out = tmp_path / "keep.docx"
    out.write_bytes(b"the old file")

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(docx_writer, "write_docx", boom)
    from xltools.errors import WriteFailed

    with pytest.raises(WriteFailed):
        doc.save(out)
    assert out.read_bytes() == b"the old file"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.docx"]
