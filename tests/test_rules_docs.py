"""The rules documentation page is generated from the catalogue, and every rule is documented the same way."""
from __future__ import annotations

from pathlib import Path

from xltools.rules import FAMILIES, catalogue
from xltools.rules.docs import markdown

DOC = Path(__file__).resolve().parent.parent / "docs" / "rules.md"


def test_docs_page_is_current():
    assert DOC.read_text("utf-8") == markdown(), "run `xltools rules --markdown > docs/rules.md`"


def test_every_rule_is_documented_the_same_way():
    for code, r in catalogue().items():
        assert code[0] in FAMILIES and code[1:].isdigit(), code
        assert r.severity in ("error", "warning", "info"), code
        for field in ("title", "what", "why", "example", "message"):
            assert getattr(r, field).strip(), f"{code} has no {field}"
