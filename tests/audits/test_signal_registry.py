"""The signal registry: one list, in the audit's order, each entry declaring its codes, and
open to a signal that lives outside ``audits/`` (the toy signal under tests/)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from audits.core.evidence import Fetch, SiteEvidence
from audits.core.signal import Contributions, Signal, SiteContext
from audits.signals import SIGNALS
from audits.signals.robots.signal import CONTENT_SIGNAL, ROBOTS
from audits.site.audit import audit_site
from audits.site.catalogue import all_codes
from audits.site.mechanisms import CODES as SITE_CODES
from tests.conftest import ROOT
from tests.site_fixture import load_site
from tests.toy_signal import TOY

ORIGIN = "https://anna.example"
FINDINGS_DOC = ROOT / "docs" / "findings.md"


def _site(*fetches: Fetch) -> SiteEvidence:
    return SiteEvidence(ORIGIN, fetches)


def _robots(body: str) -> Fetch:
    return Fetch(
        ORIGIN + "/robots.txt", "robots", 200, (("Content-Type", "text/plain"),), body.encode()
    )


def _home(*headers: tuple[str, str]) -> Fetch:
    html = (("Content-Type", "text/html"), *headers)
    return Fetch(ORIGIN + "/", "home", 200, html, b"<html><head></head><body>art</body></html>")


class _Recorder(Signal[tuple[str, ...]]):
    """Records which signals had been read, and which had contributed, when it ran."""

    name = "recorder"

    def __init__(self) -> None:
        self.contributed_before: tuple[str, ...] = ()

    def read(self, site: SiteContext) -> tuple[str, ...]:
        return site.readings.names()

    def contribute(self, reading: tuple[str, ...], site: SiteContext, out: Contributions) -> None:
        self.contributed_before = tuple(dict.fromkeys(c.mechanism for c in out.items))


def test_signals_are_read_in_registry_order() -> None:
    recorder = _Recorder()
    audit = audit_site(load_site("cloudflare_managed"), signals=(*SIGNALS, recorder))
    assert audit.readings[recorder] == tuple(s.name for s in SIGNALS)
    assert audit.readings.names() == (*(s.name for s in SIGNALS), "recorder")


def test_contributions_follow_registry_order() -> None:
    evidence = _site(_robots("User-agent: *\nContent-Signal: ai-train=no\nDisallow: /\n"))
    first = audit_site(evidence, signals=(TOY, *SIGNALS))
    toy_home = _site(*evidence.fetches, _home(("X-Toy-AI", "no")))
    toy_first = audit_site(toy_home, signals=(TOY, *SIGNALS)).verdict("train").mechanisms
    toy_last = audit_site(toy_home, signals=(*SIGNALS, TOY)).verdict("train").mechanisms
    assert first.verdict("train").mechanisms == ("robots.txt", "Content-Signal")
    assert toy_first == ("X-Toy-AI", "robots.txt", "Content-Signal")
    assert toy_last == ("robots.txt", "Content-Signal", "X-Toy-AI")


def test_a_reader_registered_before_what_it_needs_fails_clearly() -> None:
    reordered = tuple(s for s in SIGNALS if s is not CONTENT_SIGNAL)
    with pytest.raises(LookupError, match="robots.txt"):
        audit_site(_site(), signals=(CONTENT_SIGNAL, *reordered))


@pytest.mark.parametrize("signal", SIGNALS, ids=lambda s: s.name)
def test_every_need_is_registered_and_names_are_unique(signal: Signal[Any]) -> None:
    assert all(need in SIGNALS for need in signal.needs)
    assert [s.name for s in SIGNALS].count(signal.name) == 1
    assert signal.fetch_kinds, "a signal says which fetch records it reads"


def _documented() -> dict[str, str]:
    text = FINDINGS_DOC.read_text()
    return dict(re.findall(r"^### (\S+)\nSeverity: (\w+)\.", text, re.MULTILINE))


@pytest.mark.parametrize("signal", SIGNALS, ids=lambda s: s.name)
def test_every_declared_code_is_documented_with_its_severity(signal: Signal[Any]) -> None:
    documented = _documented()
    assert {c: documented.get(c) for c in signal.codes} == dict(signal.codes)


def test_catalogue_is_the_registry_codes_and_the_sites_own() -> None:
    declared = {c for s in SIGNALS for c in s.codes} | set(SITE_CODES)
    assert set(all_codes()) == declared


def test_two_tables_declaring_one_code_are_refused() -> None:
    class Clash(Signal[None]):
        name = "clash"
        codes = {"robots-binary": "error"}

    with pytest.raises(ValueError, match="robots-binary"):
        all_codes((*SIGNALS, Clash()))


# --- a signal from outside audits/ ---------------------------------------------------------


def test_toy_signal_reserves_training_with_no_edit_to_audits() -> None:
    evidence = _site(_robots("User-agent: *\nAllow: /\n"), _home(("X-Toy-AI", "no")))
    assert audit_site(evidence).verdict("train").state == "unstated"
    verdict = audit_site(evidence, signals=(*SIGNALS, TOY)).verdict("train")
    assert verdict.state == "reserved"
    assert [(c.mechanism, c.effect) for c in verdict.contributions] == [("X-Toy-AI", "reserved")]
    assert verdict.contributions[0].evidence[0].url == ORIGIN + "/"


def test_toy_signal_permission_conflicts_with_a_reservation() -> None:
    robots = _robots("User-agent: *\nContent-Signal: ai-train=no\nAllow: /\n")
    audit = audit_site(_site(robots, _home(("X-Toy-AI", "yes"))), signals=(*SIGNALS, TOY))
    assert audit.verdict("train").conflict
    assert "site-signals-conflict" in {f.finding.code for f in audit.findings}


def test_toy_signal_findings_and_codes_reach_the_audit_and_catalogue() -> None:
    evidence = _site(_robots("User-agent: *\nAllow: /\n"), _home(("X-Toy-AI", "maybe")))
    audit = audit_site(evidence, signals=(*SIGNALS, TOY))
    toy = [f for f in audit.findings if f.finding.code == "toy-ai-unknown-value"]
    assert [f.evidence.url for f in toy] == [ORIGIN + "/"]
    assert all_codes((*SIGNALS, TOY))["toy-ai-unknown-value"] == "warning"
    assert len(audit.readings[TOY]) == 1


def test_robots_reading_is_what_the_site_audit_reports() -> None:
    audit = audit_site(load_site("cloudflare_managed"))
    reading = audit.readings[ROBOTS]
    assert reading.robots is audit.robots
    assert reading.access is audit.robots_access
