"""PDF through LibreOffice: the CJK font is embedded and the Chinese text comes back out. Skips without soffice
(or poppler's pdffonts / pdftotext) on a developer machine; in CI (env CI set) their absence is a failure."""
from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from xltools.narrative import explain
from xltools.parse import read_book

CJK_FONTS = ("wenquanyi", "wqy", "noto sans cjk", "noto serif cjk", "sourcehan", "source han", "simsun", "simhei",
             "fangsong", "droid sans fallback", "ar pl", "uming", "ukai")


def _tool(name: str) -> str:
    exe = shutil.which(name)
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} (poppler-utils) is required in CI")
        pytest.skip(f"{name} is not installed on this machine")
    return exe


def _check_pdf(pdf, *texts):
    fonts = subprocess.run([_tool("pdffonts"), str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = [ln for ln in fonts.splitlines()[2:] if ln.strip()]
    embedded_cjk = [ln for ln in rows if any(k in ln.lower() for k in CJK_FONTS) and " yes " in f" {ln} "]
    assert embedded_cjk, f"no embedded CJK font:\n{fonts}"
    text = subprocess.run([_tool("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = text.replace(",", "").replace(" ", "")
    for t in texts:
        assert t in flat, t
    return text


def test_dept_pdf_embeds_a_cjk_font_and_gives_the_text_back(dept_book, tmp_path, to_pdf):
    book, _ = read_book(dept_book)
    docx = tmp_path / "情况说明.docx"
    explain(book).save(docx)
    pdf = to_pdf(docx)
    text = _check_pdf(pdf, "部门预算情况说明", "一、单位基本情况", "六、专业性名词解释", "1932.33", "494.83",
                      "“三公”经费", "项目支出绩效目标表")
    assert re.search(r"—\s*1\s*—", text) and re.search(r"—\s*2\s*—", text)   # page numbers in the footer


def test_cli_explain_pdf(project_books, tmp_path, to_pdf):
    from xltools.cli import main

    out = tmp_path / "p000.md"
    assert main(["explain", str(project_books["000"]), "-o", str(out), "--pdf"]) == 0
    assert out.exists()
    _check_pdf(tmp_path / "p000.pdf", "政务中心受委托业务工作经费", "档案加工整理", "234")


def test_indicator_header_repeats_on_every_page(project_books, tmp_path, to_pdf):
    book, _ = read_book(project_books["000"])
    docx = tmp_path / "p000.docx"
    explain(book).save(docx)
    pdf = to_pdf(docx)
    pages = subprocess.run([_tool("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    with_rows = [p for p in pages if "定量指标" in p or "定性指标" in p]
    assert with_rows
    assert all("一级指标" in p and "绩效指标" in p for p in with_rows)
