#!/usr/bin/env python3
"""Write the corpus of bad inputs to tests/files/bad/ (deterministic; run from the project root):

    .venv/bin/python tools/make_bad_inputs.py

Each file's expected exit code and message fragment is in tests/files/bad/expected.json; tests/test_bad_inputs.py
runs `xltools check` on every one. Needs msoffcrypto-tool for the encrypted file (pip install msoffcrypto-tool).
"""
from __future__ import annotations

import io
import json
import random
import zipfile
from pathlib import Path

from xltools.demo import dept_data, project_data
from xltools.families import get_family
from xltools.template import build_workbook

OUT = Path(__file__).resolve().parent.parent / "tests" / "files" / "bad"


def _bytes(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    rnd = random.Random(20211)
    dept = get_family("dept_budget")
    small = build_workbook(get_family("project_perf"), project_data("002"))
    small_bytes = _bytes(small)
    expected: dict[str, dict] = {}

    def put(name: str, data: bytes, code: int, words: str, why: str) -> None:
        (OUT / name).write_bytes(data)
        expected[name] = {"exit": code, "message": words, "what": why}

    put("random-bytes.xlsx", bytes(rnd.getrandbits(8) for _ in range(4096)), 2, "不是 Excel 工作簿", "random bytes named .xlsx")
    put("empty.xlsx", b"", 2, "空文件", "a 0-byte file")
    put("xls-renamed.xlsx", bytes.fromhex("D0CF11E0A1B11AE1") + bytes(rnd.getrandbits(8) for _ in range(4088)), 2,
        "Excel 97-2003", "an OLE (.xls) file renamed .xlsx")
    put("truncated.xlsx", small_bytes[: len(small_bytes) // 2], 2, "损坏", "the first half of a real workbook")
    corrupt = bytearray(small_bytes)
    cd = corrupt.rfind(b"PK\x01\x02")
    corrupt[cd:cd + 4] = b"XXXX"
    put("corrupt-zip.xlsx", bytes(corrupt), 2, "损坏", "a workbook whose zip directory is damaged")
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    put("docx-renamed.xlsx", docx.getvalue(), 2, "不是 Excel 工作簿", "a Word document renamed .xlsx")
    try:
        from msoffcrypto.format.ooxml import OOXMLFile

        enc = io.BytesIO()
        OOXMLFile(io.BytesIO(small_bytes)).encrypt("1234", enc)
        put("encrypted.xlsx", enc.getvalue(), 2, "密码", "a workbook with an open password (msoffcrypto-tool)")
    except ImportError:
        print("msoffcrypto-tool missing: encrypted.xlsx not regenerated")
        if (OUT / "encrypted.xlsx").exists():
            expected["encrypted.xlsx"] = {"exit": 2, "message": "密码", "what": "a workbook with an open password"}

    wb = build_workbook(dept, dept_data())
    del wb["部门支出总表"]
    put("sheet-missing.xlsx", _bytes(wb), 1, "缺少工作表“部门支出总表”", "a sheet deleted")

    wb = build_workbook(dept, dept_data())
    ws = wb["一般公共预算财政拨款支出预算表"]
    ws["D7"] = "约四百"
    put("text-in-amount.xlsx", _bytes(wb), 1, "基本支出应填数字，实际为“约四百”", "text typed where an amount belongs")

    wb = build_workbook(dept, dept_data())
    ws = wb["一般公共预算财政拨款基本支出预算表"]
    ws.merge_cells("A8:E12")
    put("merged-across-table.xlsx", _bytes(wb), 1, "", "merged cells across the rows of a table")

    wb = build_workbook(dept, dept_data())
    ws = wb["一般公共预算财政拨款支出预算表"]
    ws.title = "Sheet3"
    put("sheet-renamed.xlsx", _bytes(wb), 1, "", "a sheet renamed: found again by its title line")

    (OUT / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {len(expected)} files to {OUT}")


if __name__ == "__main__":
    main()
