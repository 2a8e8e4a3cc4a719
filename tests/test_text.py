"""xltools.text: the label key every header and row label is compared in."""
from __future__ import annotations

import re
import sys

from xltools.text import WHITESPACE, halfwidth, label_key


def test_the_whitespace_list_is_what_str_isspace_says():
    assert WHITESPACE == "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())


def _reference_key(s: str) -> str:
    """label_key as first written: half-width, \\s+ removed, quotes folded, trailing colons stripped."""
    s = re.sub(r"\s+", "", halfwidth(s))
    s = s.replace("“", '"').replace("”", '"').replace("‘", "'").replace("’", "'")
    return s.rstrip(":：")


def test_label_key_maps_every_character_as_the_reference_does():
    # every character between bars ("|" maps to itself): one call each way, compared character by character
    chars = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF and c != ord("|")]
    text = "|" + "|".join(chars) + "|"
    assert label_key(text).split("|") == _reference_key(text).split("|")
    for s in ("：", ":", "a：", "a: ", "a:：\u3000"):
        assert label_key(s) == _reference_key(s)


def test_every_character_label_key_maps_alone_is_mapped():
    from xltools.text import _LABEL_KEY

    for c in _LABEL_KEY:
        for s in (chr(c), f"一{chr(c)}二"):
            assert label_key(s) == _reference_key(s), hex(c)


def test_label_key_examples():
    assert label_key("  一般公共预算“三公”经费 ：") == '一般公共预算"三公"经费'
    assert label_key("（一）基本支出：：") == "(一)基本支出"
    assert label_key("单位\u3000名称\u00a0：") == "单位名称"
    assert label_key(None) == "" and label_key(2021) == "2021"
