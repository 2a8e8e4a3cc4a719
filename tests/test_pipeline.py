"""xltools.pipeline: the check leaves the process as it found it."""
from __future__ import annotations

import gc

import pytest

from xltools.pipeline import check_file


@pytest.mark.parametrize("enabled", [True, False])
def test_the_garbage_collector_is_as_the_check_found_it(dept_book, enabled):
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        book, report = check_file(dept_book)
        assert gc.isenabled() is enabled and book.family == "dept_budget" and len(report) > 0
    finally:
        (gc.enable if was else gc.disable)()
