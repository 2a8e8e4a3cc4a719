"""N family: the inputs the narrative documents need (情况说明, 项目文本), reported by name at the cell of each
empty input — before anyone clicks 生成情况说明. The same context that renders the document decides what it
needs (xltools.narrative.context), so `check` and `explain` cannot disagree. Required fields left empty are
S005's; they are not reported twice. An input is asked for only where the document uses it: the 上年一般公共预算
财政拨款… figures only for a department with money other than 一般公共预算 (otherwise its own 上年 figures are
the same money), 上年机关运行经费 not when there is no 机关运行经费."""
from __future__ import annotations

from xltools.model import Book
from xltools.rules.registry import check


@check("narrative_inputs")
def narrative_inputs(book: Book):
    from xltools.errors import XltoolsError
    from xltools.narrative.context import BUILDERS, build_context

    if book.family not in BUILDERS:
        return
    try:
        ctx = build_context(book)
    except XltoolsError:
        return
    yield from ctx.findings(include_required=False, shown=False)
