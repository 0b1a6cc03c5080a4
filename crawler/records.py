"""Turning a response, a failure or a skipped request into a FetchRecord.

Recording, not interpreting: the only judgement made here is naming the class of a network
error and marking bot-protection answers (through ``audits.botwall``) so that nobody reads a
challenge page as a policy.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from scrapy import Request
from scrapy import exceptions as scrapy_exceptions
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from twisted.internet import error as net
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from audits.botwall import detect_bot_wall
from crawler.items import FetchRecord
from crawler.middlewares.private_guard import PrivateAddressBlocked


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _headers(response: Response) -> list[tuple[str, str]]:
    pairs = []
    for name, values in response.headers.items():
        for value in values:
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
    )


def record_response(
    response: Response, *, kind: str, crawl_id: int, origin: str, maxbytes: int
) -> FetchRecord:
    """A record of a response, its body bounded to ``maxbytes``."""
    record = _base(response.request, kind, crawl_id, origin) if response.request else None
    assert record is not None
    body = response.body
    truncated = bool(response.request.meta.get("optout_truncated")) or len(body) > maxbytes
    kept = body[:maxbytes]
    wall = detect_bot_wall(response.status, _headers(response), kept)
    record.final_url = response.url
    record.status = response.status
    record.headers = _headers(response)
    record.body = kept
    record.body_sha256 = hashlib.sha256(kept).hexdigest()
    record.body_length = len(body)
    record.truncated = truncated
    record.elapsed_ms = _elapsed(response.request)
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
    """(error class, message): dns, connect, timeout, tls, too-many-redirects, size-limit,
    connection, private-address, ignored or other."""
    value = failure.value
    message = str(value)[:500] or type(value).__name__
    text = repr(value).lower()
    if "ssl" in text or "tls" in text or "certificate" in text:
        return "tls", message
    for types, name in _CLASSES:
        if isinstance(value, types):
            return name, message
    if isinstance(value, IgnoreRequest):
        if "redirection" in message:
            return "too-many-redirects", message
        if "max size" in message or "maxsize" in message or "larger than" in message:
            return "size-limit", message
        return "ignored", message
    if "timeout" in type(value).__name__.lower() or "timed out" in message.lower():
        return "timeout", message
    if "maxsize" in message.lower() or "max size" in message.lower():
        return "size-limit", message
    return "other", message
