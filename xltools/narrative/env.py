"""The template environment: Jinja2 in a sandbox, the shipped templates overridable from a bureau's folder.

- Templates are looked up first in the bureau's folder (`--template-dir`, or XLTOOLS_TEMPLATES), then in the
  package (xltools/narrative/templates); a file of the same name replaces the shipped one, so a bureau can
  replace only the glossary (_glossary.md.j2) or only the table macro (_macros.md.j2).
- Rendering happens in `jinja2.sandbox.SandboxedEnvironment`: a template reaching for Python internals
  (`{{ ''.__class__.__mro__ }}`) fails with a Chinese message, never runs code.
- Variables are strict: a misspelt name is a TemplateError naming the file and line — before rendering
  (docxtpl-style: the template is asked which variables it lacks) and, for attributes, while rendering.
  Empty inputs are not undefined: the context gives them as 【待填写：…】 markers.
"""
from __future__ import annotations

import os
import traceback
from functools import lru_cache
from pathlib import Path

import jinja2
from jinja2 import meta, nodes
from jinja2.sandbox import SandboxedEnvironment
from jinja2.exceptions import SecurityError

from xltools.errors import TemplateError
from xltools.narrative.numbers import Amount, Missing, fmt_number, fmt_pct, join_cn, md_escape

PACKAGE_TEMPLATES = Path(__file__).parent / "templates"
TEMPLATE_SUFFIX = ".md.j2"


def template_name(family: str) -> str:
    return f"{family}{TEMPLATE_SUFFIX}"


def _finalize(value):
    # a None reaching the output is a template printing something the context does not give: never "None"
    if value is None:
        return "【待填写】"
    return value


def _money(value, unit: str = "") -> str:
    if isinstance(value, (Amount, Missing)):
        return str(value) if not unit else f"{value.num}{unit}"
    try:
        return fmt_number(value) + unit
    except Exception:  # noqa: BLE001 - a template filter must not crash on odd input; show it as typed
        return md_escape(value)


def _pct(value) -> str:
    try:
        return fmt_pct(value)
    except Exception:  # noqa: BLE001
        return md_escape(value)


class _Env(SandboxedEnvironment):
    def is_safe_attribute(self, obj, attr, value) -> bool:
        # beyond the sandbox's rules: nothing private of our own objects either
        if attr.startswith("_"):
            return False
        return super().is_safe_attribute(obj, attr, value)


def _folders(template_dir: str | Path | None) -> list[Path]:
    dirs: list[Path] = []
    extra = template_dir or os.environ.get("XLTOOLS_TEMPLATES")
    if extra:
        d = Path(extra)
        if not d.is_dir():
            raise TemplateError(f"模板文件夹“{d}”不存在或不是文件夹。")
        dirs.append(d.resolve())
    dirs.append(PACKAGE_TEMPLATES)
    return dirs


@lru_cache(maxsize=8)
def _environment(folders: tuple[Path, ...]) -> SandboxedEnvironment:
    env = _Env(
        loader=jinja2.FileSystemLoader([str(d) for d in folders], encoding="utf-8"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,              # the context escapes a person's text for Markdown itself
        finalize=_finalize,
        auto_reload=True,              # a bureau editing its template sees the change at the next click
    )
    env.filters.update(money=_money, pct=_pct, md=md_escape, join_cn=join_cn)
    env.tests.update(missing=lambda v: isinstance(v, Missing) or v is None or v == "",
                     filled=lambda v: not (isinstance(v, Missing) or v is None or v == ""))
    env.globals.update(marker=lambda label: f"【待填写：{label}】")
    return env


def environment(template_dir: str | Path | None = None) -> SandboxedEnvironment:
    return _environment(tuple(_folders(template_dir)))


def where(env: SandboxedEnvironment, name: str) -> str:
    """The file a template name resolves to (the bureau's or the shipped one), for messages."""
    try:
        _, filename, _ = env.loader.get_source(env, name)
        return filename
    except jinja2.TemplateNotFound:
        return name


# ----------------------------------------------------------------------------------------------- errors


def _location(e: BaseException, env) -> tuple[str, int | None]:
    """The template file and line an exception was raised at (Jinja maps its frames back to template lines)."""
    if isinstance(e, jinja2.TemplateSyntaxError):
        return (e.filename or e.name or "?"), e.lineno
    folders = tuple(str(Path(d)) + os.sep for d in env.loader.searchpath)
    for fr in reversed(traceback.extract_tb(e.__traceback__)):
        if fr.filename.endswith(".j2") or fr.filename.startswith(folders):
            return fr.filename, fr.lineno
    return "?", None


def _short(filename: str) -> str:
    """A shipped template by its name (内置), a bureau's by its full path."""
    p = Path(filename)
    try:
        if p.resolve().is_relative_to(PACKAGE_TEMPLATES.resolve()):
            return f"{p.name}（内置）"
    except OSError:
        pass
    return str(p)


def template_error(e: BaseException, env, fallback: str = "") -> TemplateError:
    filename, line = _location(e, env)
    if filename == "?" and fallback:
        filename = fallback
    where_ = f"模板 {_short(filename)}" + (f" 第 {line} 行" if line else "")
    if isinstance(e, SecurityError):
        msg = f"{where_}试图访问受保护的内部属性，已被安全沙箱拒绝（{e}）。模板只能使用情况说明提供的数据。"
    elif isinstance(e, jinja2.TemplateSyntaxError):
        msg = f"{where_}有语法错误：{e.message}。"
    elif isinstance(e, jinja2.UndefinedError):
        msg = f"{where_}使用了未定义的变量或属性（{e.message}）。请检查拼写，可用的变量见 README。"
    elif isinstance(e, jinja2.TemplateNotFound):
        msg = f"{where_}找不到被引用的模板“{e.name}”。"
    else:
        msg = f"{where_}出错：{type(e).__name__}: {e}"
    return TemplateError(msg, path=filename)


# ----------------------------------------------------------------------------------------------- checks


def _names_with_lines(ast: nodes.Template, names: set[str]) -> list[tuple[str, int]]:
    out = []
    for n in ast.find_all(nodes.Name):
        if n.ctx == "load" and n.name in names:
            out.append((n.name, n.lineno))
    return sorted(set(out), key=lambda x: x[1])


_LACKING: dict[tuple, tuple[dict[str, float], list]] = {}


def _mtime(path: str) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return -1.0


def lacking(env: SandboxedEnvironment, name: str, context: dict) -> list[tuple[str, str, int]]:
    """Variables a template (and the templates it includes or extends) uses that neither the context nor the
    environment gives: [(file, variable, line)]. Asked before rendering, like docxtpl's
    get_undeclared_template_variables. Cached per template files (by modification time) and context keys."""
    key = (id(env), name, frozenset(context))
    hit = _LACKING.get(key)
    if hit is not None and all(_mtime(f) == m for f, m in hit[0].items()):
        return hit[1]
    files: dict[str, float] = {}
    out = _lacking(env, name, context, set(), files)
    _LACKING[key] = (files, out)
    return out


def _lacking(env, name: str, context: dict, seen: set, files: dict) -> list[tuple[str, str, int]]:
    if name in seen:
        return []
    seen.add(name)
    source, filename, _ = env.loader.get_source(env, name)
    files[filename] = _mtime(filename)
    ast = env.parse(source, name, filename)
    undeclared = meta.find_undeclared_variables(ast) - set(context) - set(env.globals)
    out = [(filename, v, line) for v, line in _names_with_lines(ast, undeclared)]
    for ref in meta.find_referenced_templates(ast):
        if ref:
            try:
                out += _lacking(env, ref, context, seen, files)
            except jinja2.TemplateNotFound:
                pass  # reported when rendering, with the line of the include
    return out


def render(name: str, context: dict, template_dir: str | Path | None = None) -> str:
    """Render one template with the context; every failure is a TemplateError naming file and line."""
    env = environment(template_dir)
    try:
        template = env.get_template(name)
    except jinja2.TemplateNotFound:
        raise TemplateError(f"找不到情况说明模板“{name}”（已查找：{'、'.join(str(d) for d in env.loader.searchpath)}）。"
                            ) from None
    except jinja2.TemplateSyntaxError as e:
        raise template_error(e, env) from None
    try:
        gaps = lacking(env, name, context)
    except jinja2.TemplateSyntaxError as e:
        raise template_error(e, env) from None
    if gaps:
        filename, var, line = gaps[0]
        more = f"（另有 {len(gaps) - 1} 处）" if len(gaps) > 1 else ""
        raise TemplateError(f"模板 {_short(filename)} 第 {line} 行使用了未定义的变量“{var}”{more}。请检查拼写，"
                            f"可用的变量见 xltools/narrative/README.md。", path=filename)
    try:
        return template.render(context)
    except TemplateError:
        raise
    except (jinja2.TemplateError, SecurityError) as e:
        raise template_error(e, env, where(env, name)) from None
    except Exception as e:  # noqa: BLE001 - any error inside a template becomes one sentence with its place
        raise template_error(e, env, where(env, name)) from None
