"""``optout explain`` reads each file with the audit's own reader, so it reports the same
findings as the site audit does for the same file."""

from __future__ import annotations

import json

from click.testing import CliRunner

from audits.core.evidence import Fetch, SiteEvidence
from audits.site.audit import audit_site
from optout_cli.main import cli

ROBOTS = (
    "User-agent: GPTBot\n"
    "Disallow: /\n"
    "\n"
    "User-agent: *\n"
    "Content-Signal: ai-trian=no, search=yes\n"
    "Content-Usage: train-ai=maybe\n"
    "Allow: /\n"
    "License: /license.xml\n"
)


def _explain(*args: str, stdin: str) -> str:
    result = CliRunner().invoke(cli, ["explain", *args], input=stdin)
    assert result.exit_code == 0, result.output
    return result.output


def test_explain_robots_shows_content_signal_usage_and_licence_findings() -> None:
    out = _explain("robots", "-", stdin=ROBOTS)
    assert "content-signal-unknown-key line 5" in out
    assert "aipref-invalid-value line 6" in out
    assert "rsl-invalid-license-url line 8" in out


def test_explain_robots_reports_what_the_audit_reports() -> None:
    data = json.loads(_explain("robots", "-", "--json", stdin=ROBOTS))
    fetch = Fetch(
        "https://anna.example/robots.txt",
        "robots",
        200,
        (("Content-Type", "text/plain"),),
        ROBOTS.encode(),
    )
    audit = audit_site(SiteEvidence("https://anna.example", (fetch,)))
    from_audit = [(f.finding.code, f.finding.line) for f in audit.findings]
    assert [(f["code"], f["line"]) for f in data["findings"]] == from_audit
