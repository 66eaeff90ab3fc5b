"""Every bundled scenario and portfolio gives the same JSON result, validation report and
workbook cells as recorded in ``tests/golden/golden.json``.

A change meant to alter results regenerates the file (``python tests/golden/make_golden.py``)
and says so in its commit; any other difference is a regression.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

GOLDEN_DIR = Path(__file__).with_name("golden")


def _maker():
    spec = importlib.util.spec_from_file_location("make_golden", GOLDEN_DIR / "make_golden.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def current() -> dict:
    return _maker().build()


EXPECTED = json.loads((GOLDEN_DIR / "golden.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_same_as_golden(current: dict, case: str) -> None:
    assert current[case] == EXPECTED[case]


def test_no_new_case_unrecorded(current: dict) -> None:
    assert sorted(current) == sorted(EXPECTED)
