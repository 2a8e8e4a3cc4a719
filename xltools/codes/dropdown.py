"""The 科目编码 dropdowns of the templates: the year's catalogue as "code name" strings.

The template builder writes these lists to the hidden `_lists` sheet (one column per kind, headed
`codes_<kind>`) and points the code columns' data validation at them; `xltools fill-codes --refresh-lists`
(xltools.fillcodes.refresh_code_lists) rewrites those columns from the catalogue in force, e.g. after the
finance bureau imported the year's official catalogue. A cell filled from the dropdown holds "2010301 行政运行";
`split_code_cell` takes it apart again (fill-codes writes the code alone back and fills the name).
"""
from __future__ import annotations

import unicodedata

from xltools.lazyre import lazy

__all__ = ["catalogue_list", "split_code_cell", "LIST_HEADER_PREFIX", "list_header"]

LIST_HEADER_PREFIX = "codes_"
# "2010301 行政运行", "2010301　行政运行" (ideographic space), "2010301-行政运行", "[2010301]行政运行"
_CODE_AND_NAME = lazy(r"^\[?(\d{3,7})\]?\s*[-:、.]?\s*([^\d\s].*)$")


def list_header(kind: str) -> str:
    """The `_lists` column header of a kind's dropdown: codes_func, codes_econ_dept …"""
    return f"{LIST_HEADER_PREFIX}{kind}"


def catalogue_list(kind: str, year: object = None) -> list[str]:
    """Every entry of one kind in the catalogue in force for `year`, as "code name", in code order
    (类, then its 款, then their 项). An unknown kind gives [] (the template then adds no dropdown)."""
    from xltools.codes.catalogue import get_catalogue, kind_key

    try:
        k = kind_key(kind)
    except ValueError:
        return []
    return [f"{e.code} {e.name}" for e in get_catalogue().view(k, year).ordered]


def split_code_cell(value: object) -> tuple[str, str] | None:
    """("2010301", "行政运行") for a code cell holding a dropdown choice "2010301 行政运行"; None for anything
    else (a bare code, text that is not "code name")."""
    if not isinstance(value, str):
        return None
    s = unicodedata.normalize("NFKC", value).strip()
    m = _CODE_AND_NAME.match(s)
    if not m:
        return None
    name = m.group(2).strip()
    return (m.group(1), name) if name else None
