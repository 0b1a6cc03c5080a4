"""Every finding code has a one-line meaning, and docs/findings.md says it word for word."""

from __future__ import annotations

import re

from audits.captures import CODES as CAPTURE_CODES
from audits.site.catalogue import all_codes
from results.finding_meanings import MEANINGS, meaning, meaning_html, meaning_plain
from tests.conftest import ROOT

ENTRY = re.compile(r"^### (\S+)\nSeverity: \w+\. (.*)$", re.MULTILINE)


def _documented() -> dict[str, str]:
    return dict(ENTRY.findall((ROOT / "docs" / "findings.md").read_text(encoding="utf-8")))


def test_every_code_has_a_meaning() -> None:
    assert set(all_codes()) | set(CAPTURE_CODES) == set(MEANINGS)


def test_each_entry_of_the_document_starts_with_the_meaning() -> None:
    documented = _documented()
    differ = {c: m for c, m in MEANINGS.items() if not documented.get(c, "").startswith(m)}
    assert differ == {}


def test_meanings_are_one_sentence_or_two_on_one_line() -> None:
    assert [c for c, m in MEANINGS.items() if "\n" in m or not m.endswith((".", "?"))] == []


def test_unknown_code_has_no_meaning() -> None:
    assert meaning("no-such-code") == ""


def test_html_meaning_is_escaped_with_code_spans_as_code() -> None:
    html = str(meaning_html("robots-missing-colon"))
    assert html == "A line such as <code>Disallow /</code> has no colon."
    assert "<code>" in str(meaning_html("http-equiv-header-not-read"))
    assert "&lt;meta" in str(meaning_html("http-equiv-header-not-read"))
    assert "`" not in meaning_plain("robots-missing-colon")
