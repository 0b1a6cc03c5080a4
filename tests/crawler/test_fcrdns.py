"""Forward-confirmed reverse DNS, with a resolver made of plain functions over dicts: no
network. One test asks the system resolver about 127.0.0.1, where that answer is fixed."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from audits.logs.ranges import ListEntry, RangeSet, parse_prefixes_json
from crawler.fcrdns import (
    RULES,
    SYSTEM_RESOLVER,
    DnsNoAnswer,
    DnsRule,
    DnsUnavailable,
    FcrdnsChecker,
    Resolver,
    verification_checker,
    verify_hit,
)

UNAVAILABLE = "unavailable"
HANG = "hang"

PTR: dict[str, list[str] | str] = {
    "66.249.66.1": ["crawl-66-249-66-1.googlebot.com."],
    "2001:4860:4801:10::1": ["crawl-2001-4860-4801-10--1.googlebot.com"],
    "66.249.66.2": ["crawl-66-249-66-1.googlebot.com"],  # a name that resolves elsewhere
    "203.0.113.5": ["crawl-66-249-66-1.googlebot.com.evil.example"],
    "203.0.113.6": ["evil-googlebot.com"],
    "34.1.2.3": ["3.2.1.34.bc.googleusercontent.com"],  # any Cloud customer's machine
    "107.178.1.2": ["1-2-178-107.gae.googleusercontent.com"],
    "17.241.208.170": ["17-241-208-170.applebot.apple.com"],
    "157.55.39.1": ["msnbot-157-55-39-1.search.msn.com"],
    "52.1.1.1": ["52-1-1-1.crawl.amazonbot.amazon"],
    "198.51.100.9": UNAVAILABLE,
    "198.51.100.10": HANG,
    "18.97.9.170": ["ec2-18-97-9-170.compute-1.amazonaws.com", "ccbot-1.crawl.commoncrawl.org"],
    "18.97.9.171": ["ccbot-2.crawl.commoncrawl.org"],
}
FORWARD: dict[str, list[str] | str] = {
    "crawl-66-249-66-1.googlebot.com": ["66.249.66.1"],
    "crawl-2001-4860-4801-10--1.googlebot.com": ["2001:4860:4801:10:0:0:0:1"],
    "crawl-66-249-66-1.googlebot.com.evil.example": ["203.0.113.5"],
    "evil-googlebot.com": ["203.0.113.6"],
    "3.2.1.34.bc.googleusercontent.com": ["34.1.2.3"],
    "1-2-178-107.gae.googleusercontent.com": ["107.178.1.2"],
    "17-241-208-170.applebot.apple.com": ["17.241.208.170"],
    "msnbot-157-55-39-1.search.msn.com": ["157.55.39.1"],
    "52-1-1-1.crawl.amazonbot.amazon": ["52.1.1.1"],
    "ccbot-1.crawl.commoncrawl.org": ["18.97.9.170"],
    "ccbot-2.crawl.commoncrawl.org": UNAVAILABLE,
}


class FakeDns:
    """A resolver over the two dicts above, counting its lookups."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.release = threading.Event()

    def _answer(self, table: dict[str, list[str] | str], key: str) -> Sequence[str]:
        self.calls.append(key)
        value = table.get(key)
        if value is None:
            raise DnsNoAnswer(key)
        if value == UNAVAILABLE:
            raise DnsUnavailable(key)
        if value == HANG:
            self.release.wait(10)
            raise DnsUnavailable(key)
        assert isinstance(value, list)
        return value

    def reverse(self, address: str) -> Sequence[str]:
        return self._answer(PTR, address)

    def forward(self, name: str) -> Sequence[str]:
        return self._answer(FORWARD, name.rstrip("."))

    def resolver(self) -> Resolver:
        return Resolver(self.reverse, self.forward)


@pytest.fixture
def dns() -> FakeDns:
    return FakeDns()


def _checker(dns: FakeDns, **options: object) -> FcrdnsChecker:
    return FcrdnsChecker(dns.resolver(), timeout=0.5, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("agent", "address", "verdict", "hostname"),
    [
        ("GoogleOther", "66.249.66.1", "confirmed", "crawl-66-249-66-1.googlebot.com"),
        ("googlebot", "::ffff:66.249.66.1", "confirmed", "crawl-66-249-66-1.googlebot.com"),
        (
            "GoogleOther",
            "2001:4860:4801:10::1",
            "confirmed",
            "crawl-2001-4860-4801-10--1.googlebot.com",
        ),
        ("Google-NotebookLM", "107.178.1.2", "confirmed", "1-2-178-107.gae.googleusercontent.com"),
        ("Applebot", "17.241.208.170", "confirmed", "17-241-208-170.applebot.apple.com"),
        ("bingbot", "157.55.39.1", "confirmed", "msnbot-157-55-39-1.search.msn.com"),
        ("Amazonbot", "52.1.1.1", "confirmed", "52-1-1-1.crawl.amazonbot.amazon"),
        # the second PTR name is the operator's
        ("CCBot", "18.97.9.170", "confirmed", "ccbot-1.crawl.commoncrawl.org"),
        # the name is Google's, but it does not resolve back to this address
        ("GoogleOther", "66.249.66.2", "refuted", "crawl-66-249-66-1.googlebot.com"),
        # names that only look like Google's
        ("GoogleOther", "203.0.113.5", "refuted", None),
        ("GoogleOther", "203.0.113.6", "refuted", None),
        ("GoogleOther", "34.1.2.3", "refuted", None),
        # right domain, other operator
        ("Applebot", "66.249.66.1", "refuted", None),
        # no PTR at all
        ("GoogleOther", "192.0.2.1", "refuted", None),
        # the resolver does not answer: nothing is learnt
        ("GoogleOther", "198.51.100.9", "unknown", None),
        ("CCBot", "18.97.9.171", "unknown", "ccbot-2.crawl.commoncrawl.org"),
        ("GoogleOther", "not-an-address", "unknown", None),
    ],
)
def test_check(dns: FakeDns, agent: str, address: str, verdict: str, hostname: str | None) -> None:
    result = _checker(dns).check(agent, address)
    assert (result.verdict, result.hostname) == (verdict, hostname), result.detail


def test_an_agent_without_a_documented_domain_costs_no_lookup(dns: FakeDns) -> None:
    result = _checker(dns).check("GPTBot", "66.249.66.1")
    assert result.verdict == "undocumented"
    assert dns.calls == []


def test_a_hanging_resolver_is_cut_off_by_the_timeout(dns: FakeDns) -> None:
    checker = _checker(dns)
    started = time.monotonic()
    result = checker.check("GoogleOther", "198.51.100.10")
    assert time.monotonic() - started < 3
    assert result.verdict == "unknown"
    assert "no answer within 0.5 s" in result.detail
    dns.release.set()


def test_answers_are_cached_within_a_bound(dns: FakeDns) -> None:
    checker = _checker(dns, cache_size=2)
    checker.check("GoogleOther", "66.249.66.1")
    lookups = len(dns.calls)
    assert checker.check("Googlebot", "66.249.66.1").verdict == "confirmed"  # same operator
    assert len(dns.calls) == lookups and checker.lookups == 1
    checker.check("GoogleOther", "192.0.2.1")
    checker.check("GoogleOther", "192.0.2.2")  # pushes 66.249.66.1 out
    checker.check("GoogleOther", "66.249.66.1")
    assert len(dns.calls) > lookups + 2
    assert len(checker._cache) == 2


def test_checks_stop_after_failures_in_a_row(dns: FakeDns) -> None:
    PTR.update({f"198.51.100.{n}": UNAVAILABLE for n in range(20, 30)})
    try:
        checker = _checker(dns, max_failures=3)
        for n in range(20, 23):
            assert checker.check("GoogleOther", f"198.51.100.{n}").verdict == "unknown"
        assert checker.stopped is not None
        calls = len(dns.calls)
        result = checker.check("GoogleOther", "66.249.66.1")
        assert result.verdict == "unknown" and "stopped" in result.detail
        assert len(dns.calls) == calls
    finally:
        for n in range(20, 30):
            PTR.pop(f"198.51.100.{n}")


def _ranges() -> RangeSet:
    entry = ListEntry(
        name="google-common",
        operator="Google",
        url="https://ops.example/googlebot.json",
        agents=("GoogleOther",),
        file="google-common.json",
        format="json-prefixes",
        created="2026-11-01T00:00:00Z",
        taken="2026-12-01",
        sha256="0" * 64,
    )
    body = json.dumps({"prefixes": [{"ipv4Prefix": "66.249.64.0/27"}]})
    return RangeSet([(entry, parse_prefixes_json(body))])


def test_ranges_first_then_dns(dns: FakeDns) -> None:
    ranges = _ranges()
    checker = _checker(dns)
    # in the list: verified by it, without a lookup
    assert verify_hit(ranges, "GoogleOther", "66.249.64.1", checker) == (
        "verified",
        "google-common (2026-11-01)",
    )
    assert dns.calls == []
    # outside the (stale) list, but DNS confirms it
    assert verify_hit(ranges, "GoogleOther", "66.249.66.1", checker) == (
        "verified",
        "fcrdns (crawl-66-249-66-1.googlebot.com)",
    )
    # outside the list and DNS refutes it
    assert verify_hit(ranges, "GoogleOther", "203.0.113.5", checker) == ("impersonator", None)
    # DNS cannot tell: the ranges' answer stands
    assert verify_hit(ranges, "GoogleOther", "198.51.100.9", checker) == ("impersonator", None)
    # no list covers Applebot here: DNS decides both ways
    assert verify_hit(ranges, "Applebot", "17.241.208.170", checker)[0] == "verified"
    assert verify_hit(ranges, "Applebot", "66.249.66.1", checker) == ("impersonator", None)
    # neither a list nor a documented domain
    assert verify_hit(ranges, "Bytespider", "66.249.66.1", checker) == ("unverifiable", None)
    # without --verify-dns, only the ranges
    assert verify_hit(ranges, "Applebot", "17.241.208.170") == ("unverifiable", None)


def test_the_ingest_checker(dns: FakeDns) -> None:
    check = verification_checker(dns.resolver(), timeout=0.5)
    assert check("Applebot", "17.241.208.170") == (
        "verified",
        "fcrdns (17-241-208-170.applebot.apple.com)",
    )
    assert check("Applebot", "192.0.2.1") == ("impersonator", None)
    assert check("Applebot", "198.51.100.9") is None
    assert check("GPTBot", "192.0.2.1") is None


def test_the_rules_are_sourced_and_google_cloud_machines_are_not_google() -> None:
    for rule in RULES:
        assert rule.source.startswith("https://")
    google = next(r for r in RULES if r.operator == "Google")
    assert google.matches("crawl-1.googlebot.com.")
    assert google.matches("rate-limited-proxy-1.google.com")
    assert not google.matches("x.bc.googleusercontent.com")
    assert not google.matches("notgooglebot.com")


def test_the_system_resolver_on_loopback() -> None:
    """Deterministic only where /etc/hosts names 127.0.0.1 "localhost" (answered from the
    file, never from the network); skipped elsewhere."""
    try:
        hosts = Path("/etc/hosts").read_text(encoding="utf-8", errors="replace")
    except OSError:
        pytest.skip("no /etc/hosts")
    if not any(
        line.split()[:1] == ["127.0.0.1"] and "localhost" in line.split()[1:]
        for line in hosts.splitlines()
    ):
        pytest.skip("/etc/hosts does not name 127.0.0.1 localhost")
    try:
        name = socket.gethostbyaddr("127.0.0.1")[0]
    except OSError:
        pytest.skip("127.0.0.1 has no name on this machine")
    if name != "localhost":
        pytest.skip(f"127.0.0.1 is named {name!r} here, not 'localhost'")
    rule = DnsRule("Loopback", ("localhost",), ("LoopbackBot",), "https://example.invalid/")
    checker = FcrdnsChecker(SYSTEM_RESOLVER, timeout=2, rules=[rule])
    result = checker.check("LoopbackBot", "127.0.0.1")
    assert (result.verdict, result.hostname) == ("confirmed", "localhost")
