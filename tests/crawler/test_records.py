"""Network failures get a named error class; a skipped request is still a record."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from twisted.internet import error as net
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseNeverReceived

from crawler.middlewares.private_guard import PrivateAddressBlocked
from crawler.records import classify_failure, record_failure, record_skipped


def _failure(exc: BaseException) -> Failure:
    try:
        raise exc
    except BaseException:
        return Failure()


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (net.DNSLookupError("no such host"), "dns"),
        (net.TCPTimedOutError(), "timeout"),
        (net.TimeoutError(), "timeout"),
        (net.ConnectionRefusedError(), "connect"),
        (ResponseNeverReceived([]), "connection"),
        (net.ConnectionLost(), "connection"),
        (IgnoreRequest("max redirections reached"), "too-many-redirects"),
        (PrivateAddressBlocked("127.0.0.1 is private"), "private-address"),
        (ValueError("SSL routines: certificate verify failed"), "tls"),
        (RuntimeError("something else"), "other"),
    ],
)
def test_failures_are_classified(exc: BaseException, expected: str) -> None:
    assert classify_failure(_failure(exc))[0] == expected


def test_failure_record_keeps_the_requested_url_and_redirect_chain() -> None:
    failure = _failure(IgnoreRequest("max redirections reached"))
    request = Request(
        "http://a.example/6",
        meta={"optout_url": "http://a.example/robots.txt", "redirect_urls": ["http://a.example/1"]},
    )
    failure.request = request  # type: ignore[attr-defined]
    record = record_failure(failure, kind="robots", crawl_id=3, origin="http://a.example")
    assert record.requested_url == "http://a.example/robots.txt"
    assert record.redirect_chain == ["http://a.example/1"]
    assert record.error_class == "too-many-redirects"
    assert record.status is None


def test_skipped_request_is_recorded_with_its_reason() -> None:
    record = record_skipped(
        "http://a.example/art/1",
        kind="page",
        crawl_id=1,
        origin="http://a.example",
        reason="robots-disallowed",
        parent="http://a.example/",
    )
    assert (record.skipped, record.parent_url, record.body) == (
        "robots-disallowed",
        "http://a.example/",
        None,
    )
