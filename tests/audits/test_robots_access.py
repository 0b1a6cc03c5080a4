"""RFC 9309 §2.3.1: what a robots.txt fetch outcome means, before any parsing."""

from __future__ import annotations

import pytest

from audits.signals.robots.access import access_from_fetch, robots_access

TEXT = b"User-agent: *\nDisallow: /\n"


@pytest.mark.parametrize(
    ("status", "kwargs", "state", "crawler", "audit", "code"),
    [
        (200, {"body": TEXT}, "parse", "parse", "known", None),
        (
            200,
            {"body": b"<!DOCTYPE html><html>..."},
            "soft-404",
            "allow-all",
            "no-file",
            "robots-served-as-html",
        ),
        (
            200,
            {"body": TEXT, "content_type": "text/html; charset=utf-8"},
            "soft-404",
            "allow-all",
            "no-file",
            "robots-served-as-html",
        ),
        (404, {}, "no-file", "allow-all", "no-file", "robots-no-file"),
        (410, {}, "no-file", "allow-all", "no-file", "robots-no-file"),
        (401, {}, "no-file", "allow-all", "no-file", "robots-access-denied"),
        (403, {}, "no-file", "allow-all", "no-file", "robots-access-denied"),
        (429, {}, "rate-limited", "disallow-all", "unknown", "robots-rate-limited"),
        (500, {}, "unreachable", "disallow-all", "unknown", "robots-unreachable"),
        (503, {}, "unreachable", "disallow-all", "unknown", "robots-unreachable"),
        (
            None,
            {"error": "timeout"},
            "unreachable",
            "disallow-all",
            "unknown",
            "robots-unreachable",
        ),
        (None, {"error": "dns"}, "unreachable", "disallow-all", "unknown", "robots-unreachable"),
        (
            200,
            {"redirects": 6, "body": TEXT},
            "unavailable",
            "allow-all",
            "no-file",
            "robots-too-many-redirects",
        ),
        (
            None,
            {"error": "too-many-redirects"},
            "unavailable",
            "allow-all",
            "no-file",
            "robots-too-many-redirects",
        ),
        (200, {"redirects": 5, "body": TEXT}, "parse", "parse", "known", None),
    ],
)
def test_rfc9309_access_outcomes(status, kwargs, state, crawler, audit, code) -> None:  # type: ignore[no-untyped-def]
    access = robots_access(status, **kwargs)
    assert (access.state, access.crawler_rule, access.audit_state) == (state, crawler, audit)
    assert [f.code for f in access.findings] == ([code] if code else [])


def test_unreachable_is_never_reported_as_no_file() -> None:
    for status in (500, 502, 503, 504, 599):
        assert robots_access(status).audit_state == "unknown"


def test_rfc9309_429_means_complete_disallow_for_a_crawler() -> None:
    # §2.3.1.3 allows (MAY) reading a 4xx as "no rules" but does not require it; a 429 says
    # "slow down", not "no file", and Google reads it as a 5xx (§2.3.1.4: complete disallow).
    access = robots_access(429)
    assert (access.crawler_rule, access.audit_state) == ("disallow-all", "unknown")


CF_BLOCK = b"<html><title>Attention Required! | Cloudflare</title>Sorry, you have been blocked"


def test_bot_wall_is_unreachable_and_names_the_wall_not_a_status() -> None:
    access = access_from_fetch(403, headers=[("Server", "cloudflare")], body=CF_BLOCK)
    assert (access.state, access.crawler_rule, access.audit_state) == (
        "unreachable",
        "disallow-all",
        "unknown",
    )
    assert access.status is None  # the 403 is the wall's, not the file's
    assert [f.code for f in access.findings] == ["botwall-blocked"]
    assert access.reason == "bot-wall:cloudflare"


def test_bot_wall_header_at_status_200_is_no_robots_file() -> None:
    headers = {"cf-mitigated": "challenge", "Content-Type": "text/plain"}
    access = access_from_fetch(200, headers=headers, body=TEXT)
    assert access.state == "unreachable"


def test_429_stays_rate_limited_with_its_wall_attached() -> None:
    access = access_from_fetch(429, headers=[("Server", "cloudflare"), ("Retry-After", "60")])
    assert (access.state, access.status, access.reason) == ("rate-limited", 429, "status 429")
    assert access.bot_wall is not None and access.bot_wall.kind == "rate-limit"


def test_content_type_is_read_from_the_last_header() -> None:
    headers = [("Content-Type", "text/plain"), ("content-type", "text/html")]
    assert access_from_fetch(200, headers=headers, body=TEXT).state == "soft-404"
    assert access_from_fetch(200, headers=headers[:1], body=TEXT).state == "parse"
