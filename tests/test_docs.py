"""The documentation covers every finding code, with the severity the code carries: the
audit's (``all_codes``) and the captures command's (``audits.captures.CODES``), which come from
no signal and have a section of their own."""

from __future__ import annotations

import re

from audits.captures import CODES as CAPTURE_CODES
from audits.site.catalogue import all_codes
from tests.conftest import ROOT

FINDINGS_DOC = ROOT / "docs" / "findings.md"


def _documented() -> dict[str, str]:
    text = FINDINGS_DOC.read_text()
    entries = re.findall(r"^### (\S+)\nSeverity: (\w+)\.", text, re.MULTILINE)
    return dict(entries)


def test_every_finding_code_is_documented_with_its_severity() -> None:
    documented = _documented()
    missing = {code for code in all_codes() if code not in documented}
    assert missing == set()
    wrong = {c: (s, documented[c]) for c, s in all_codes().items() if documented[c] != s}
    assert wrong == {}


def test_no_documented_code_is_stale() -> None:
    assert set(_documented()) - set(all_codes()) - set(CAPTURE_CODES) == set()


def test_every_captures_code_is_documented_with_its_severity_and_is_no_audit_code() -> None:
    documented = _documented()
    assert {c: documented.get(c) for c in CAPTURE_CODES} == CAPTURE_CODES
    assert set(CAPTURE_CODES) & set(all_codes()) == set()
