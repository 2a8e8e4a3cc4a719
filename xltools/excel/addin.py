"""Assemble xltools.xlam — the desktop add-in — on any OS, without Excel, and install it.

The add-in is xlwings' own custom add-in template (`quickstart_addin_ribbon.xlam` in the installed xlwings
package) with:
- the ribbon from macros/customUI.xml (tab 预算工具, every button → the VBA callback XltoolsButton);
- its VBA project rebuilt (xltools.excel.vba): the xlwings module kept (the standalone RunPython of the
  installed xlwings version, PROJECT_NAME set to "xltools" so that its settings live in xltools.conf), the
  example ribbon module replaced by macros/XltoolsRibbon.bas, the project named "xltools";
- its settings sheet named "xltools.conf" (interpreter paths) when they are given, "_xltools.conf" (ignored)
  otherwise.
Why this way and not LibreOffice or a VBA project written from nothing: see docs/excel-addin.md.

Nothing here imports xlwings (finding its package folder is enough), so building needs no licence and no Excel.
"""
from __future__ import annotations

import importlib.util
import os
import re
import shutil
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from xltools.errors import XltoolsError

ADDIN_NAME = "xltools.xlam"
PROJECT_NAME = "xltools"
RIBBON_MODULE = "XltoolsRibbon"
TEMPLATE = "quickstart_addin_ribbon.xlam"
EXAMPLE_MODULE = "RibbonMyAddin"
CONF_KEYS = ("Interpreter_Win", "Interpreter_Mac", "PYTHONPATH", "Conda Path", "Conda Env", "UDF Modules",
             "Debug UDFs", "Use UDF Server", "Show Console")
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)      # reproducible builds: the same sources give the same bytes


def macros_dir() -> Path:
    """The folder holding customUI.xml and the VBA sources: $XLTOOLS_MACROS (a bureau's own), else the
    package's xltools/excel/macros (shipped in the wheel)."""
    env = os.environ.get("XLTOOLS_MACROS")
    for cand in ([Path(env)] if env else []) + [Path(__file__).resolve().parent / "macros"]:
        if (cand / "customUI.xml").is_file():
            return cand
    raise XltoolsError("找不到加载项的源文件（macros/customUI.xml）。请重新安装 xltools，"
                       "或用环境变量 XLTOOLS_MACROS 指明 macros 文件夹。")


def xlwings_dir() -> Path:
    spec = importlib.util.find_spec("xlwings")
    if spec is None or not spec.origin:
        raise XltoolsError("没有安装 xlwings，无法生成加载项。请先运行：pip install xlwings")
    return Path(spec.origin).parent


def xlwings_version() -> str:
    from importlib.metadata import version

    return version("xlwings")


def template_path() -> Path:
    p = xlwings_dir() / TEMPLATE
    if not p.is_file():
        raise XltoolsError(f"xlwings 安装中缺少加载项模板 {TEMPLATE}（xlwings {xlwings_version()}）。请重新安装 xlwings。")
    return p


def ribbon_xml(folder: Path | None = None) -> str:
    return ((folder or macros_dir()) / "customUI.xml").read_text(encoding="utf-8")


def vba_sources(folder: Path | None = None) -> dict[str, str]:
    """The VBA modules of macros/ (*.bas), by module name; each must be ASCII (Chinese text via ChrW)."""
    out = {}
    for p in sorted((folder or macros_dir()).glob("*.bas")):
        text = p.read_text(encoding="utf-8")
        bad = [i for i, ch in enumerate(text) if ord(ch) > 127]
        if bad:
            line = text.count("\n", 0, bad[0]) + 1
            raise XltoolsError(f"VBA 源文件 {p.name} 第 {line} 行含非 ASCII 字符：VBA 工程按 ANSI 代码页保存，中文请用 ChrW / U() 构造。")
        m = re.match(r'Attribute VB_Name = "([^"]+)"', text)
        out[m.group(1) if m else p.stem] = text
    return out


def build_vba_project(template_bin: bytes, sources: dict[str, str]) -> bytes:
    from xltools.excel.vba import VbaProject

    proj = VbaProject.from_bin(template_bin)
    proj.set_name(PROJECT_NAME)
    proj.remove_module(EXAMPLE_MODULE)
    xlw = proj.module("xlwings")
    src, n = re.subn(r'(Public Const PROJECT_NAME As String = )"[^"]*"', rf'\1"{PROJECT_NAME}"', xlw.source)
    if n != 1:
        raise XltoolsError("xlwings 加载项模板的 VBA 模块与预期不同（找不到 PROJECT_NAME），请换用受支持的 xlwings 版本。")
    xlw.source = src
    for name, text in sources.items():
        proj.add_module(name, text)
    return proj.to_bin()


def _conf_sheet_xml(values: dict[str, str]) -> bytes:
    rows = []
    for i, key in enumerate(CONF_KEYS, start=1):
        cells = f'<c r="A{i}" t="inlineStr"><is><t>{escape(key)}</t></is></c>'
        v = values.get(key)
        if v:
            cells += f'<c r="B{i}" t="inlineStr"><is><t xml:space="preserve">{escape(v)}</t></is></c>'
        rows.append(f'<row r="{i}">{cells}</row>')
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheetPr codeName="Sheet2"/><dimension ref="A1:B9"/>'
            '<sheetViews><sheetView tabSelected="1" workbookViewId="0"/></sheetViews>'
            '<sheetFormatPr defaultRowHeight="15.75"/><cols><col min="1" max="1" width="18" customWidth="1"/>'
            '<col min="2" max="2" width="60" customWidth="1"/></cols>'
            f'<sheetData>{"".join(rows)}</sheetData>'
            '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
            '</worksheet>').encode("utf-8")


@dataclass(frozen=True)
class BuildResult:
    path: Path
    xlwings_version: str
    modules: tuple[str, ...]
    buttons: int


def build(out_dir: str | Path, *, interpreter_win: str | None = None, interpreter_mac: str | None = None,
          macros: Path | None = None) -> BuildResult:
    """Write OUT_DIR/xltools.xlam; returns where and what it holds."""
    from xltools.io.writers import atomic_write

    folder = macros or macros_dir()
    ui = ribbon_xml(folder)
    sources = vba_sources(folder)
    tpl = template_path()
    conf = {k: v for k, v in (("Interpreter_Win", interpreter_win), ("Interpreter_Mac", interpreter_mac)) if v}
    with zipfile.ZipFile(tpl) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    vba = build_vba_project(parts["xl/vbaProject.bin"], sources)
    wbxml = parts["xl/workbook.xml"].decode("utf-8")
    wbxml = re.sub(r'<sheet name="[^"]*"', f'<sheet name="{"" if conf else "_"}{PROJECT_NAME}.conf"', wbxml, count=1)
    wbxml = re.sub(r"<mc:AlternateContent.*?</mc:AlternateContent>", "", wbxml, flags=re.S)  # builder's path
    parts["xl/workbook.xml"] = wbxml.encode("utf-8")
    parts["xl/worksheets/sheet1.xml"] = _conf_sheet_xml(conf)
    parts["xl/vbaProject.bin"] = vba
    ui_part = next((n for n in parts if n.lower().startswith("customui/")), "customUI/customUI.xml")
    parts[ui_part] = ui.encode("utf-8")
    core = parts.get("docProps/core.xml", b"").decode("utf-8")
    if core:
        core = re.sub(r"<dc:title>.*?</dc:title>", "", core)
        core = core.replace("</cp:coreProperties>", "<dc:title>xltools 预算工具</dc:title></cp:coreProperties>")
        if "xmlns:dc=" not in core:
            core = core.replace("<cp:coreProperties ", '<cp:coreProperties xmlns:dc="http://purl.org/dc/elements/1.1/" ', 1)
        parts["docProps/core.xml"] = core.encode("utf-8")

    def write(tmp: Path) -> None:
        order = ["[Content_Types].xml"] + [n for n in parts if n != "[Content_Types].xml"]
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
            for name in order:
                if name in parts:
                    info = zipfile.ZipInfo(name, _FIXED_TIME)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    out.writestr(info, parts[name])

    path = atomic_write(Path(out_dir) / ADDIN_NAME, write)
    from xltools.excel.vba import VbaProject

    mods = tuple(m.name for m in VbaProject.from_bin(vba).modules)
    return BuildResult(path, xlwings_version(), mods, ui.count("<button"))


# ------------------------------------------------------------------------------------------ install

@dataclass(frozen=True)
class InstallPlan:
    platform: str                 # windows | mac | linux
    addin_dir: Path | None        # Excel's start-up folder (XLSTART): add-ins there open with Excel
    conf_file: Path | None        # the settings file the add-in's RunPython reads
    interpreter: str
    applescript: tuple[Path, Path] | None = None   # (source, target) on a Mac
    steps: tuple[str, ...] = ()


def _platform(name: str | None = None) -> str:
    name = name or sys.platform
    if name.startswith("win"):
        return "windows"
    if name.startswith("darwin") or name == "mac":
        return "mac"
    return "linux"


def windows_interpreter(exe: str, env: dict[str, str]) -> str:
    """pythonw.exe beside python.exe (no console window flashing), written with %LOCALAPPDATA% etc. where it
    applies so that a Chinese user name never has to pass through the ANSI settings file."""
    p = exe
    cand = re.sub(r"python\.exe$", "pythonw.exe", p, flags=re.I)
    if cand != p and Path(cand).exists():
        p = cand
    for var in ("LOCALAPPDATA", "APPDATA", "USERPROFILE"):
        base = env.get(var)
        if base and p.lower().startswith(base.lower().rstrip("\\") + "\\"):
            return f"%{var}%" + p[len(base.rstrip("\\")):]
    return p


def plan_install(platform: str | None = None, home: Path | None = None, env: dict[str, str] | None = None,
                 interpreter: str | None = None) -> InstallPlan:
    plat = _platform(platform)
    home = home or Path.home()
    env = dict(os.environ if env is None else env)
    exe = interpreter or sys.executable
    if plat == "windows":
        appdata = Path(env.get("APPDATA") or home / "AppData" / "Roaming")
        return InstallPlan(plat, appdata / "Microsoft" / "Excel" / "XLSTART",
                           Path(env.get("USERPROFILE") or home) / ".xltools" / "xltools.conf",
                           windows_interpreter(exe, env))
    if plat == "mac":
        startup = (home / "Library" / "Group Containers" / "UBF8T346G9.Office" / "User Content.localized"
                   / "Startup.localized" / "Excel")
        script = xlwings_dir() / f"xlwings-{xlwings_version()}.applescript"
        return InstallPlan(plat, startup, home / "Library" / "Containers" / "com.microsoft.Excel" / "Data"
                           / "xltools.conf", exe,
                           applescript=(script, home / "Library" / "Application Scripts" / "com.microsoft.Excel"
                                        / script.name))
    steps = (
        "Linux 上没有桌面版 Excel，加载项不能在这里安装。在 Windows 或 Mac 电脑上：",
        "1. 安装 Python 3.11+ 和 xltools（pip install xltools），",
        "2. 运行 xltools addin build -o dist 生成 dist/xltools.xlam，",
        "3. 运行 xltools addin install（把加载项复制到 Excel 的启动文件夹 XLSTART，并写好 Python 解释器路径），",
        "4. 重新启动 Excel，功能区出现“预算工具”选项卡。",
        "WPS 和 LibreOffice 用户请使用命令行：xltools check / recalc / explain 工作簿.xlsx。",
        "详见 docs/excel-addin.md。",
    )
    return InstallPlan(plat, None, None, exe, steps=steps)


def _conf_text(key: str, value: str) -> str:
    return f'"{key}","{value}"\n'


def install(xlam: Path, plan: InstallPlan, *, dry_run: bool = False) -> list[str]:
    """Copy the add-in to the start-up folder, write the interpreter to the settings file, and on a Mac put
    xlwings' AppleScript where Excel may run it. Returns what was (or would be) done, one line each."""
    done: list[str] = []
    if plan.addin_dir is None:
        return list(plan.steps)
    if not xlam.is_file():
        raise XltoolsError(f"找不到加载项 {xlam}。请先运行：xltools addin build -o {xlam.parent}")
    target = plan.addin_dir / ADDIN_NAME
    done.append(f"复制加载项到 {target}")
    key = "INTERPRETER_WIN" if plan.platform == "windows" else "INTERPRETER_MAC"
    done.append(f"写入设置 {plan.conf_file}：{key} = {plan.interpreter}")
    if plan.applescript:
        done.append(f"复制 xlwings AppleScript 到 {plan.applescript[1]}")
    if dry_run:
        return done
    try:
        plan.addin_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(xlam, target)
        plan.conf_file.parent.mkdir(parents=True, exist_ok=True)
        lines = []
        if plan.conf_file.exists():
            lines = [ln for ln in plan.conf_file.read_text(encoding=_conf_encoding(plan)).splitlines(keepends=True)
                     if not ln.upper().startswith(f'"{key}"')]
        lines.append(_conf_text(key, plan.interpreter))
        plan.conf_file.write_text("".join(lines), encoding=_conf_encoding(plan))
        if plan.applescript:
            src, dst = plan.applescript
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)
    except PermissionError:
        raise XltoolsError(f"没有写入 {plan.addin_dir} 的权限：请关闭 Excel 后重试，或以有权限的账户运行。") from None
    except OSError as e:
        raise XltoolsError(f"安装加载项失败（{e.strerror or e}）：{e.filename or ''}") from None
    return done


def _conf_encoding(plan: InstallPlan) -> str:
    # VBA reads the settings file in the ANSI code page on Windows ("mbcs"), as UTF-8 text on a Mac
    return "mbcs" if plan.platform == "windows" and sys.platform.startswith("win") else "utf-8"
