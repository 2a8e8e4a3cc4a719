"""PDF from the generated .docx through LibreOffice (headless), each run with a profile of its own so that
parallel runs and a LibreOffice the user has open never collide. The PDF is moved into place atomically."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from xltools.errors import XltoolsError

TIMEOUT = 180


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def docx_to_pdf(docx: str | Path, pdf: str | Path, timeout: int = TIMEOUT) -> Path:
    from xltools.io.writers import atomic_write

    docx, pdf = Path(docx), Path(pdf)
    exe = soffice()
    if exe is None:
        raise XltoolsError("未找到 LibreOffice（soffice），无法生成 PDF。请安装 LibreOffice，或用 Word/WPS 打开 .docx 另存为 PDF。")
    with tempfile.TemporaryDirectory(prefix="xltools-pdf-") as tmp:
        profile = Path(tmp) / "profile"
        out = Path(tmp) / "out"
        cmd = [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--nologo",
               "--convert-to", "pdf", "--outdir", str(out), str(docx)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise XltoolsError(f"LibreOffice 转换 PDF 超时（{timeout} 秒）：{docx.name}") from None
        except OSError as e:
            raise XltoolsError(f"无法启动 LibreOffice（{e.strerror or e}），PDF 未生成。") from None
        produced = out / (docx.stem + ".pdf")
        if not produced.exists():
            detail = (proc.stderr or proc.stdout or "").strip().splitlines()[-1:] or [""]
            raise XltoolsError(f"LibreOffice 未能把 {docx.name} 转成 PDF。{detail[0]}")
        return atomic_write(pdf, lambda t: shutil.copyfile(produced, t))
