"""xltools explain BOOK [-o OUT.docx | OUT.md | OUT.txt] [--template-dir DIR] [--pdf] [--json]

Generates the narrative document of a filled workbook: the 部门预算情况说明 of a 部门预算公开 workbook (text,
then the tables and performance-target tables), or the project text of a 项目绩效目标申报 workbook.
Inputs the document needs and the workbook lacks are listed (N family) and shown in the document as
【待填写：…】. Exit 0: written (even with 待填写 markers); 2: the workbook or a template cannot be used.
"""
from __future__ import annotations

import sys
from pathlib import Path

DEFAULT_NAMES = {"dept_budget": "情况说明", "project_perf": "项目文本"}


def register(sub) -> None:
    p = sub.add_parser("explain", help="生成情况说明（Word / Markdown），可另存 PDF")
    p.add_argument("book", help="工作簿 .xlsx")
    p.add_argument("-o", "--output", metavar="OUT",
                   help="输出文件：.docx（Word）、.md（Markdown，便于审阅比对）或 .txt（默认：工作簿旁的 .docx）")
    p.add_argument("--template-dir", metavar="DIR",
                   help="财政局自己的模板文件夹：其中与内置模板同名的文件（如 dept_budget.md.j2、_glossary.md.j2、styles.toml）优先使用")
    p.add_argument("--pdf", action="store_true", help="同时用 LibreOffice 生成 PDF（与输出文件同名）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出结果和待填写项")
    p.set_defaults(func=run)


def run(args) -> int:
    import tempfile

    from xltools.io.readers import read_grids
    from xltools.narrative import explain, output_kind, write
    from xltools.pipeline import with_totals

    book_path = Path(args.book)
    kind = output_kind(args.output) if args.output else "docx"   # refuse an unknown format before reading
    book, parse_findings, pending = with_totals(read_grids(book_path))
    out = Path(args.output) if args.output else \
        book_path.with_name(f"{book_path.stem}-{DEFAULT_NAMES.get(book.family, '情况说明')}.docx")
    doc = explain(book, args.template_dir)
    write(doc, out)
    pdf = None
    if args.pdf:
        from xltools.narrative.pdf import docx_to_pdf

        pdf = out.with_suffix(".pdf")
        if kind == "docx":
            docx_to_pdf(out, pdf)
        else:
            with tempfile.TemporaryDirectory(prefix="xltools-explain-") as tmp:
                docx = Path(tmp) / (out.stem + ".docx")
                write(doc, docx)
                docx_to_pdf(docx, pdf)
    structure_errors = sum(1 for f in parse_findings if f.severity == "error")
    if args.json:
        from xltools.cli._common import print_json

        print_json({"output": str(out), "pdf": str(pdf) if pdf else None, "template": doc.template,
                    "title": doc.title, "missing": len(doc.findings),
                    "findings": [f.to_dict() for f in doc.findings], "structure_errors": structure_errors,
                    "not_recalculated": [f.to_dict() for f in pending]})
        return 0
    for f in doc.findings:
        where = f"{f.sheet}!{f.cell}" if f.cell else f.sheet
        print(f"{where}  {f.code}  {f.message}")
    print(f"已生成 {out}" + (f" 和 {pdf}" if pdf else "") +
          (f"；文中有 {len(doc.findings)} 处【待填写】，补填后请重新生成。" if doc.findings else "。"))
    if pending:
        print(f"提示：{'、'.join(f.sheet for f in pending)} 的合计尚未重算，情况说明已按明细代为计算；"
              "请点击“重算合计”（或运行 xltools recalc）写入工作簿后再报送。", file=sys.stderr)
    if structure_errors:
        print(f"提示：工作簿有 {structure_errors} 个结构问题，相关内容可能不全；请先运行 xltools check {args.book}。",
              file=sys.stderr)
    return 0
