"""RFC 9309 §2.3.1: what a robots.txt fetch outcome means, before any parsing."""

from __future__ import annotations

import pytest

from audits.robots_access import robots_access

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
        (429, {}, "rate-limited", "allow-all", "unknown", "robots-rate-limited"),
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
