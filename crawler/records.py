"""Turning a response, a failure or a skipped request into a FetchRecord.

Recording, not interpreting: the only judgement made here is naming the class of a network
error and marking bot-protection answers (through ``audits.signals.botwall``) so that nobody reads a
challenge page as a policy.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from scrapy import Request
from scrapy import exceptions as scrapy_exceptions
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as net
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from audits.signals.botwall import detect_bot_wall
from crawler.items import FetchRecord
from crawler.middlewares.private_guard import PrivateAddressBlocked


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


MAX_HEADER_PAIRS = 1000
"""Header pairs kept per response: a flood of thousands is stored as its first thousand."""


def _headers(response: Response) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for name, values in response.headers.items():
        for value in values:
            if len(pairs) >= MAX_HEADER_PAIRS:
                return pairs
            pairs.append((name.decode("latin-1"), value.decode("latin-1")))
    return pairs


def _elapsed(request: Request) -> float | None:
    latency = request.meta.get("download_latency")
    return round(latency * 1000, 1) if latency is not None else None


def _base(request: Request, kind: str, crawl_id: int, origin: str) -> FetchRecord:
    return FetchRecord(
        crawl_id=crawl_id,
        origin=origin,
        kind=kind,
        requested_url=request.meta.get("optout_url", request.url),
        redirect_chain=list(request.meta.get("redirect_urls", [])),
        fetched_at=now(),
        rendered=bool(request.meta.get("playwright")),
        parent_url=request.meta.get("optout_parent"),
        agent=request.meta.get("optout_agent"),
    )


def record_response(
    response: Response, *, kind: str, crawl_id: int, origin: str, maxbytes: int
) -> FetchRecord:
    """A record of a response, its body bounded to ``maxbytes``."""
    request = response.request
    assert request is not None, "a response the spider records always answers its request"
    record = _base(request, kind, crawl_id, origin)
    body = response.body
    truncated = bool(request.meta.get("optout_truncated")) or len(body) > maxbytes
    kept = body[:maxbytes]
    wall = detect_bot_wall(response.status, _headers(response), kept)
    record.final_url = response.url
    record.status = response.status
    record.headers = _headers(response)
    record.body = kept
    record.body_length = len(body)
    record.truncated = truncated
    record.elapsed_ms = _elapsed(request)
    record.bot_wall = f"{wall.vendor}:{wall.kind}" if wall else None
    return record


def record_failure(failure: Failure, *, kind: str, crawl_id: int, origin: str) -> FetchRecord:
    """A record of a request that got no usable response."""
    request: Request = failure.request  # type: ignore[attr-defined]
    record = _base(request, kind, crawl_id, origin)
    record.error_class, record.error_message = classify_failure(failure)
    record.elapsed_ms = _elapsed(request)
    return record


def record_skipped(
    url: str, *, kind: str, crawl_id: int, origin: str, reason: str, parent: str | None = None
) -> FetchRecord:
    """A record of a request deliberately not made (e.g. our robots.txt disallows it)."""
    return FetchRecord(
        crawl_id=crawl_id,
        origin=origin,
        kind=kind,
        requested_url=url,
        skipped=reason,
        fetched_at=now(),
        parent_url=parent,
    )


def record_not_followed(
    url: str,
    *,
    kind: str,
    crawl_id: int,
    origin: str,
    chain: Sequence[str],
    error_class: str,
    message: str,
    parent: str | None = None,
) -> FetchRecord:
    """A record of a redirect target not requested because the redirect broke a rule (a meta
    refresh past the redirect limit, or to a scheme that is not http(s))."""
    return FetchRecord(
        crawl_id=crawl_id,
        origin=origin,
        kind=kind,
        requested_url=url,
        redirect_chain=list(chain),
        error_class=error_class,
        error_message=message,
        fetched_at=now(),
        parent_url=parent,
    )


def _scrapy_errors(*names: str) -> tuple[type[BaseException], ...]:
    """Scrapy 2.14+ wraps Twisted's errors in its own classes; older versions lack them."""
    return tuple(getattr(scrapy_exceptions, n) for n in names if hasattr(scrapy_exceptions, n))


_CLASSES: tuple[tuple[tuple[type[BaseException], ...], str], ...] = (
    ((PrivateAddressBlocked,), "private-address"),
    ((net.DNSLookupError, *_scrapy_errors("CannotResolveHostError")), "dns"),
    ((net.TimeoutError, net.TCPTimedOutError, *_scrapy_errors("DownloadTimeoutError")), "timeout"),
    (
        (
            net.ConnectionRefusedError,
            net.ConnectError,
            net.NoRouteError,
            *_scrapy_errors("DownloadConnectionRefusedError"),
        ),
        "connect",
    ),
    (
        (
            ResponseNeverReceived,
            ResponseFailed,
            net.ConnectionLost,
            net.ConnectionDone,
            *_scrapy_errors("DownloadFailedError", "ResponseDataLossError"),
        ),
        "connection",
    ),
)


def classify_failure(failure: Failure) -> tuple[str, str]:
    """(error class, message): dns, connect, timeout, tls, too-many-redirects, redirect-loop,
    bad-redirect, size-limit, connection, private-address, ignored or other."""
    value = failure.value
    message = str(value)[:500] or type(value).__name__
    # URLs are left out of the TLS test: a host named "tls-…" or "classless" is no TLS error.
    text = _URL.sub("", repr(value)).lower()
    if not isinstance(value, PrivateAddressBlocked) and (
        "ssl" in text or "tls" in text or "certificate" in text
    ):
        return "tls", message
    for types, name in _CLASSES:
        if isinstance(value, types):
            return name, message
    lowered = message.lower()
    if isinstance(value, HttpError) and 300 <= value.response.status < 400:
        location = (value.response.headers.get(b"Location") or b"").decode("latin-1")
        return "bad-redirect", f"redirect to a location that is not http(s): {location[:400]}"
    if isinstance(value, ValueError) and "scheme" in lowered:
        return "bad-redirect", message  # Scrapy refused the Location as a URL
    if isinstance(value, IgnoreRequest):
        if "redirection" in message:
            return _redirect_class(failure), message
        if "max size" in lowered or "maxsize" in lowered or "larger than" in lowered:
            return "size-limit", message
        return "ignored", message
    if "timeout" in type(value).__name__.lower() or "timed out" in lowered:
        return "timeout", message
    if "maxsize" in lowered or "max size" in lowered:
        return "size-limit", message
    return "other", message


_URL = re.compile(r"[a-z][a-z0-9+.-]*://[^\s'\">]*", re.IGNORECASE)


def _redirect_class(failure: Failure) -> str:
    """``redirect-loop`` when the chain comes back to a URL it has been at, else
    ``too-many-redirects``."""
    request = getattr(failure, "request", None)
    chain = list(request.meta.get("redirect_urls", [])) + [request.url] if request else []
    return "redirect-loop" if len(set(chain)) < len(chain) else "too-many-redirects"
