"""xltools.xlam, assembled on Linux: the ribbon XML, the VBA project (read back with olevba / olefile — an
independent implementation — and with LibreOffice's VBA import), the dispatcher, the install plan."""
from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from xltools.excel import addin, vba
from xltools.excel.buttons import BUTTONS

ROOT = Path(__file__).resolve().parent.parent
RIBBON_NS = ("http://schemas.microsoft.com/office/2009/07/customui", "http://schemas.microsoft.com/office/2006/01/customui")


@pytest.fixture(scope="module")
def xlam(tmp_path_factory) -> Path:
    from xltools.cli import main

    out = tmp_path_factory.mktemp("dist")
    assert main(["addin", "build", "-o", str(out)]) == 0
    return out / "xltools.xlam"


def _macros(path: Path) -> dict[str, str]:
    from oletools.olevba import VBA_Parser

    parser = VBA_Parser(str(path))
    try:
        return {name.rsplit(".", 1)[0]: code for _f, _s, name, code in parser.extract_macros()}
    finally:
        parser.close()


def _subs(code: str) -> dict[str, str]:
    """Sub name → its parameter list."""
    return {m.group(1): m.group(2).strip() for m in re.finditer(r"^\s*(?:Public |Private )?Sub (\w+)\(([^)]*)\)", code, re.M)}


def test_the_package_has_ribbon_and_vba_project(xlam):
    with zipfile.ZipFile(xlam) as z:
        names = z.namelist()
        ui = [n for n in names if n.lower().startswith("customui/")]
        xml = z.read(ui[0]).decode("utf-8")
        rels = z.read("_rels/.rels").decode("utf-8")
        ct = z.read("[Content_Types].xml").decode("utf-8")
    assert "xl/vbaProject.bin" in names and len(ui) == 1
    assert "预算工具" in xml and len(re.findall(r"<button\b", xml)) >= 5 and 'onAction="' in xml
    assert ui[0] in rels and "ui/extensibility" in rels
    assert "application/vnd.ms-excel.addin.macroEnabled.main+xml" in ct


def test_ribbon_xml_is_well_formed_ribbonx_with_chinese_groups(xlam):
    with zipfile.ZipFile(xlam) as z:
        root = ET.fromstring(z.read("customUI/customUI.xml"))
    ns = root.tag[1:].split("}")[0]
    assert ns in RIBBON_NS
    tab = root.find(f".//{{{ns}}}tab")
    assert tab.get("label") == "预算工具"
    groups = [g.get("label") for g in tab.iterfind(f"{{{ns}}}group")]
    assert groups == ["科目", "计算", "校验", "文档"]
    ids = [b.get("id") for b in root.iter(f"{{{ns}}}button")]
    assert sorted(ids) == sorted(BUTTONS) and len(set(ids)) == len(ids)
    for b in root.iter(f"{{{ns}}}button"):
        assert b.get("imageMso") and b.get("onAction") and re.search(r"[\u4e00-\u9fff]", b.get("label"))


def test_every_on_action_has_a_ribbon_callback(xlam):
    with zipfile.ZipFile(xlam) as z:
        xml = z.read("customUI/customUI.xml").decode("utf-8")
    subs = {}
    for code in _macros(xlam).values():
        subs.update(_subs(code))
    for action in set(re.findall(r'onAction="([^"]+)"', xml)):
        assert action in subs, action
        assert re.fullmatch(r"control As IRibbonControl", subs[action]), subs[action]


def test_the_dispatcher_passes_the_control_id_to_python(xlam):
    code = _macros(xlam)["XltoolsRibbon"]
    assert "XltoolsRun control.Id" in code
    assert "RunPython \"import xltools.excel.desktop as d; d.run('\" & id & \"'" in code
    ids = re.search(r'BUTTON_IDS As String = "\|(.*)\|"', code).group(1).split("|")
    assert sorted(ids) == sorted(BUTTONS)


def test_the_xlwings_module_is_the_installed_version_and_reads_xltools_conf(xlam):
    from importlib.metadata import version

    macros = _macros(xlam)
    assert set(macros) == {"ThisWorkbook", "Sheet2", "Dictionary", "xlwings", "XltoolsRibbon"}
    code = macros["xlwings"]
    assert 'Public Const PROJECT_NAME As String = "xltools"' in code
    assert f'XLWINGS_VERSION As String = "{version("xlwings")}"' in code
    assert "ActiveWorkbook.Name & \"\"\" --from_xl=1" in code     # Book.caller() is the user's workbook


def test_every_in_sheet_button_macro_exists(xlam):
    from xltools.excel.sheet_buttons import layout

    macro, kinds = layout()
    book, _, name = macro.rpartition("!")
    assert book.strip("'") == "xltools.xlam"
    subs = _subs(_macros(xlam)["XltoolsRibbon"])
    assert subs.get(name) == ""                                       # a Form button's macro takes no argument
    assert {b for ids in kinds.values() for b in ids} <= set(BUTTONS)


def test_vba_sources_are_ascii():
    for p in (ROOT / "xltools" / "excel" / "macros").glob("*.bas"):
        p.read_text(encoding="utf-8").encode("ascii")


def test_vba_project_reads_back_with_olefile(xlam):
    import olefile

    with zipfile.ZipFile(xlam) as z:
        data = z.read("xl/vbaProject.bin")
    ole = olefile.OleFileIO(io.BytesIO(data))
    streams = {"/".join(e) for e in ole.listdir()}
    assert {"PROJECT", "PROJECTwm", "VBA/dir", "VBA/_VBA_PROJECT", "VBA/XltoolsRibbon"} <= streams
    assert "VBA/RibbonMyAddin" not in streams
    project = ole.openstream("PROJECT").read().decode("cp1252")
    assert 'Name="xltools"' in project and "Module=XltoolsRibbon" in project
    # our own reader agrees with olefile on every stream
    mine = vba.read_cfb(data)
    assert {k: ole.openstream(k).read() for k in streams} == mine


def test_build_is_reproducible(xlam, tmp_path):
    again = addin.build(tmp_path).path
    assert again.read_bytes() == xlam.read_bytes()


def test_interpreter_goes_into_the_conf_sheet(tmp_path):
    r = addin.build(tmp_path, interpreter_win=r"%LOCALAPPDATA%\Programs\Python\Python311\pythonw.exe")
    with zipfile.ZipFile(r.path) as z:
        wb = z.read("xl/workbook.xml").decode("utf-8")
        sheet = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert '<sheet name="xltools.conf"' in wb and "pythonw.exe" in sheet and "Interpreter_Win" in sheet
    plain = addin.build(tmp_path / "plain")
    with zipfile.ZipFile(plain.path) as z:
        assert '<sheet name="_xltools.conf"' in z.read("xl/workbook.xml").decode("utf-8")


@pytest.mark.parametrize("size", [0, 1, 3, 100, 4095, 4096, 4097, 20000])
def test_ovba_compression_round_trips(size):
    import random

    rnd = random.Random(size)
    text = "".join(rnd.choice(["Sub ", "End Sub\r\n", "Dim x As Long\r\n", "' note\r\n", "MsgBox 1\r\n"])
                   for _ in range(size))[:size].encode("ascii")
    assert vba.decompress(vba.compress(text)) == text
    noise = bytes(rnd.randrange(256) for _ in range(size))
    assert vba.decompress(vba.compress(noise))[:size] == noise


def test_compression_is_as_good_as_excels_on_the_template_streams():
    with zipfile.ZipFile(addin.template_path()) as z:
        proj = vba.VbaProject.from_bin(z.read("xl/vbaProject.bin"))
        streams = vba.read_cfb(z.read("xl/vbaProject.bin"))
    raw = vba.decompress(streams["VBA/dir"])
    assert vba.decompress(vba.compress(raw)) == raw
    assert len(vba.compress(raw)) <= len(streams["VBA/dir"])
    for m in proj.modules:                              # Excel's compressed source vs ours, same text
        text = m.source.encode(proj.codepage)
        assert vba.decompress(vba.compress(text)) == text


def test_compound_file_writer_round_trips():
    import olefile

    streams = {"A": b"x" * 10, "S/B": os.urandom(5000), "S/C": b"", "S/T/D": b"y" * 4096,
               **{f"M{i}": bytes([i]) * (i * 37) for i in range(1, 40)}}
    data = vba.write_cfb(streams)
    ole = olefile.OleFileIO(io.BytesIO(data))
    assert {"/".join(e): ole.openstream("/".join(e)).read() for e in ole.listdir()} == streams
    assert vba.read_cfb(data) == streams


def test_libreoffice_imports_the_vba_project(xlam, tmp_path):
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is required in CI")
        pytest.skip("LibreOffice is not installed")
    # LibreOffice opens the add-in's package when it is declared a macro-enabled workbook
    src = tmp_path / "xltools.xlsm"
    with zipfile.ZipFile(xlam) as zin, zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as zout:
        for n in zin.namelist():
            data = zin.read(n)
            if n == "[Content_Types].xml":
                data = data.replace(b"addin.macroEnabled.main", b"sheet.macroEnabled.main")
            zout.writestr(n, data)
    subprocess.run([exe, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless", "--convert-to", "ods",
                    "--outdir", str(tmp_path), str(src)], check=True, capture_output=True, timeout=180)
    with zipfile.ZipFile(tmp_path / "xltools.ods") as z:
        module = z.read("Basic/xltools/XltoolsRibbon.xml").decode("utf-8")
        xlw = z.read("Basic/xltools/xlwings.xml").decode("utf-8")
    assert "Sub XltoolsButton(control As IRibbonControl)" in module and "Function RunPython" in xlw


# ------------------------------------------------------------------------------------------ install

def test_install_on_windows_copies_to_xlstart_and_sets_the_interpreter(xlam, tmp_path):
    home = tmp_path / "home"
    env = {"APPDATA": str(home / "AppData" / "Roaming"), "USERPROFILE": str(home),
           "LOCALAPPDATA": "C:\\Users\\张三\\AppData\\Local"}
    exe = "C:\\Users\\张三\\AppData\\Local\\Programs\\Python\\Python311\\python.exe"
    plan = addin.plan_install("win32", home=home, env=env, interpreter=exe)
    assert plan.addin_dir == home / "AppData" / "Roaming" / "Microsoft" / "Excel" / "XLSTART"
    assert plan.conf_file == home / ".xltools" / "xltools.conf"
    assert plan.interpreter == "%LOCALAPPDATA%\\Programs\\Python\\Python311\\python.exe"   # no 张三 in the ANSI file
    lines = addin.install(xlam, plan, dry_run=True)
    assert not plan.addin_dir.exists() and len(lines) == 2
    addin.install(xlam, plan)
    assert (plan.addin_dir / "xltools.xlam").read_bytes() == xlam.read_bytes()
    assert plan.conf_file.read_text(encoding="utf-8").startswith('"INTERPRETER_WIN","%LOCALAPPDATA%')
    addin.install(xlam, plan)                                          # again: one setting, not two
    assert plan.conf_file.read_text(encoding="utf-8").count("INTERPRETER_WIN") == 1


def test_install_on_a_mac_adds_the_applescript(xlam, tmp_path):
    plan = addin.plan_install("darwin", home=tmp_path, env={}, interpreter="/opt/py/bin/python")
    addin.install(xlam, plan)
    assert (plan.addin_dir / "xltools.xlam").exists()
    src, dst = plan.applescript
    assert dst.read_bytes() == src.read_bytes() and dst.parent.name == "com.microsoft.Excel"
    assert '"INTERPRETER_MAC","/opt/py/bin/python"' in plan.conf_file.read_text(encoding="utf-8")


def test_install_on_linux_prints_the_steps(capsys):
    from xltools.cli import main

    if not os.sys.platform.startswith("linux"):
        pytest.skip("Linux only")
    assert main(["addin", "install"]) == 0
    out = capsys.readouterr().out
    assert "Linux" in out and "xltools addin build" in out and "WPS" in out
