"""The error classes the hostile web added to ``crawler.records.classify_failure``."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.middlewares.private_guard import PrivateAddressBlocked
from crawler.records import classify_failure


def _failure(exc: BaseException, request: Request | None = None) -> Failure:
    try:
        raise exc
    except BaseException:
        failure = Failure()
    if request is not None:
        failure.request = request  # type: ignore[attr-defined]
    return failure


def _redirected(url: str, chain: list[str]) -> Request:
    return Request(url, meta={"redirect_urls": chain})


def test_a_chain_that_comes_back_is_a_loop() -> None:
    a, b = "http://x.example/robots.txt", "http://x.example/ai.txt"
    failure = _failure(IgnoreRequest("max redirections reached"), _redirected(a, [a, b, a, b]))
    assert classify_failure(failure)[0] == "redirect-loop"


def test_a_long_chain_without_repeats_is_too_many_redirects() -> None:
    chain = [f"http://x.example/hop/{n}" for n in range(1, 6)]
    failure = _failure(
        IgnoreRequest("max redirections reached"), _redirected("http://x.example/hop/6", chain)
    )
    assert classify_failure(failure)[0] == "too-many-redirects"


def test_an_unfollowed_redirect_names_its_location() -> None:
    response = Response(
        "http://x.example/ai.txt", status=302, headers={"Location": "file:///etc/passwd"}
    )
    name, message = classify_failure(_failure(HttpError(response, "Ignoring non-200 response")))
    assert name == "bad-redirect"
    assert "file:///etc/passwd" in message


def test_a_location_scrapy_cannot_request_is_a_bad_redirect() -> None:
    failure = _failure(ValueError("Missing scheme in request url: javascript:alert(1)"))
    assert classify_failure(failure)[0] == "bad-redirect"


def test_a_decompression_bomb_is_a_size_limit() -> None:
    message = (
        "Ignored response <200 http://x.example/> because its body (1617 B compressed, "
        "16804512 B decompressed so far) exceeded DOWNLOAD_MAXSIZE (16777216 B) during "
        "decompression."
    )
    assert classify_failure(_failure(IgnoreRequest(message)))[0] == "size-limit"


@pytest.mark.parametrize("host", ["tls-broken.example", "classless.example", "ssl.example"])
def test_a_host_name_is_no_tls_error(host: str) -> None:
    blocked = PrivateAddressBlocked(f"{host} is a private, loopback or link-local address")
    assert classify_failure(_failure(blocked))[0] == "private-address"
    timeout = TimeoutError(f"Getting http://{host}/robots.txt took longer than 4.0 seconds.")
    assert classify_failure(_failure(timeout))[0] == "timeout"
