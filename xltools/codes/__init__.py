"""政府收支分类科目: 支出功能分类 (类/款/项) and 支出经济分类 (部门预算 301…399, 政府预算 501…599).

    >>> from xltools import codes
    >>> codes.lookup("2010301").name
    '行政运行'
    >>> [e.code for e in codes.parents(2010301)]
    ['201', '20103']

Importing this package reads no data and imports only the standard library; the catalogue is read on the
first query (once per process) and the spreadsheet reader only when a catalogue is imported.
"""
from __future__ import annotations

# where each public name lives: imported on first use (PEP 562), so that `xltools.codes.normalise` — on the
# path of every `xltools check` — does not pay for the catalogue, the dropdowns and the importer (csv)
_HOME = {
    "catalogue": ("Catalogue", "Entry", "children", "dept_to_gov", "entries", "get_catalogue",
                  "is_partial", "lookup", "parents", "reload_catalogue", "search", "user_catalogue_dir"),
    "dropdown": ("catalogue_list", "split_code_cell"),
    "importer": ("import_catalogue",),
    "normalise": ("KIND_NAMES", "KINDS", "LEVELS", "infer_kind", "is_wellformed", "join_split_code", "level_of",
                  "name_key", "names_match", "normalise_code", "parent_code"),
}
_MODULE_OF = {name: module for module, names in _HOME.items() for name in names}


def __getattr__(name: str):
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'xltools.codes' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"xltools.codes.{module}"), name)
    globals()[name] = value
    return value


__all__ = list(_MODULE_OF)
