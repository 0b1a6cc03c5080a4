"""Shared test helpers: where fixtures and the optional ../shared data live."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
SHARED = ROOT.parent / "shared"
# The tests read English text whatever the machine's locale (LANG=fr_FR… would otherwise make
# the commands answer in French); the tests of the French text ask for it (docs/translating.md).
os.environ["OPTOUT_LANG"] = "en"


def shared_file(relative: str) -> Path:
    """A file of ../shared, or skip the test with the reason when the clone stands alone."""
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"../shared/{relative} is not present (a standalone clone); CI has it")
    return path
