"""S family beyond what parsing reports: required inputs left empty (a value typed but unreadable is S007's, found
while parsing, not "未填写")."""
from __future__ import annotations

from xltools.families import get_family
from xltools.model import Book
from xltools.rules import rule
from xltools.rules.registry import check


@check("required_fields")
def required_fields(book: Book):
    fam = get_family(book.family)
    for sd in fam.sheets:
        if sd.repeat or not sd.fields or sd.key not in book.forms:
            continue
        form = book.forms[sd.key]
        for f in sd.fields:
            fv = form.fields.get(f.key)
            if f.required and fv is not None and fv.cell and _empty(fv):
                yield rule("S005").finding(form.sheet, fv.cell, label=f.label)
    rep = fam.repeated
    if rep is not None:
        for p in book.projects:
            for f in rep.fields:
                fv = p.form.fields.get(f.key)
                if f.required and fv is not None and fv.cell and _empty(fv):
                    yield rule("S005").finding(p.sheet, fv.cell, label=f.label)


def _empty(fv) -> bool:
    return fv.value in (None, "") and (fv.raw is None or isinstance(fv.raw, str) and not fv.raw.strip())
