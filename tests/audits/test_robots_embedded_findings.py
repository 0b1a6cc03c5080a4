"""The robots.txt parser reports what the lines it carries say is wrong (Content-Signal,
Content-Usage, License), on their own lines, and the site audit reports each exactly once."""

from __future__ import annotations

from audits.core.evidence import Fetch, SiteEvidence
from audits.signals.robots import parse_robots
from audits.site.audit import audit_site

BODY = (
    "User-agent: *\n"
    "Content-Signal: ai-trian=no\n"
    "Content-Usage: train-ai=maybe\n"
    "Disallow: /private/\n"
    "License: /license.xml\n"
)
EXPECTED = {
    ("content-signal-unknown-key", 2),
    ("aipref-invalid-value", 3),
    ("rsl-invalid-license-url", 5),
}


def test_parse_robots_reports_embedded_line_findings_on_their_lines() -> None:
    found = {(f.code, f.line) for f in parse_robots(BODY).findings}
    assert found >= EXPECTED


def test_site_audit_reports_each_embedded_finding_once() -> None:
    fetch = Fetch(
        "https://anna.example/robots.txt",
        "robots",
        200,
        (("Content-Type", "text/plain"),),
        BODY.encode(),
    )
    audit = audit_site(SiteEvidence("https://anna.example", (fetch,)))
    located = [(f.finding.code, f.evidence.line) for f in audit.findings]
    assert all(located.count(pair) == 1 for pair in EXPECTED)
