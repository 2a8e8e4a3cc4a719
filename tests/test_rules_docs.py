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


def test_a_quoted_value_inside_quotes_gets_single_quotes():
    from xltools.rules import rule

    f = rule("N002").finding("单位信息", "C34", item="“三公”经费", change="比2020年减少1.00万元", label="三公经费增减主要原因")
    assert f.message.startswith("“‘三公’经费”比2020年减少1.00万元")
    assert "““" not in f.message
