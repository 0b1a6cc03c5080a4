"""The bounded view of one HTTP answer that the bot-wall detectors read (audits.signals.botwall).

Only the headers the detectors look at are kept, with names lower-cased; the body is cut to
its first ``MAX_BODY_BYTES`` and lower-cased, so markers are matched as lower-case bytes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import islice

MAX_BODY_BYTES = 64 * 1024
"""Only the start of the body is inspected; wall pages are small and put markers early."""
MAX_HEADER_FIELDS = 1_000
MAX_HEADER_VALUE_CHARS = 1_024
STUB_PAGE_BYTES = 16 * 1024
"""A 2xx answer counts as a wall page only when it is this small (real pages are larger)."""

_REFUSALS = frozenset({401, 403, 405, 429})
_HEADERS_READ = frozenset(
    {
        "server",
        "retry-after",
        "set-cookie",
        "cf-ray",
        "cf-mitigated",
        "x-vercel-id",
        "x-vercel-mitigated",
        "x-amzn-waf-action",
        "x-datadome",
        "x-datadome-cid",
        "x-dd-b",
        "x-iinfo",
        "x-cdn",
        "x-sucuri-id",
        "x-sucuri-cache",
        "x-served-by",
        "x-fastly-request-id",
    }
)
_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<title", b"<script")


@dataclass(frozen=True)
class Answer:
    """The parts of a response the detectors read: bounded; header names and body lower-cased."""

    status: int
    headers: Mapping[str, tuple[str, ...]]
    body: bytes
    body_length: int

    @property
    def success(self) -> bool:
        """A 2xx status."""
        return 200 <= self.status < 300

    @property
    def refused(self) -> bool:
        """A status a bot wall refuses with (401, 403, 405, 429)."""
        return self.status in _REFUSALS

    @property
    def stub_page(self) -> bool:
        """A small HTML page: what a wall serves when it answers 2xx."""
        head = self.body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
        html = head.startswith(_HTML_STARTS) or b"<html" in head
        return html and self.body_length <= STUB_PAGE_BYTES

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (lower-case), if any."""
        values = self.headers.get(name)
        return values[0] if values else None

    def header_has(self, name: str, needle: str = "") -> str | None:
        """The first value of ``name`` containing ``needle`` (any case), as ``name: value``."""
        for value in self.headers.get(name, ()):
            if needle in value.lower():
                return f"{name}: {value}"
        return None

    def marker(self, markers: Sequence[bytes]) -> str | None:
        """The first body marker found, as evidence text."""
        for found in markers:
            if found in self.body:
                return "body: " + found.decode("ascii")
        return None


def read_answer(
    status: int,
    headers: Mapping[str, str] | Sequence[tuple[str, str]],
    body: bytes | None,
) -> Answer:
    """The bounded, lower-cased view of a response that the detectors read."""
    return Answer(
        status=status,
        headers=_header_table(headers),
        body=(body or b"")[:MAX_BODY_BYTES].lower(),
        body_length=len(body or b""),
    )


def _header_table(
    headers: Mapping[str, str] | Sequence[tuple[str, str]],
) -> dict[str, tuple[str, ...]]:
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    table: dict[str, list[str]] = {}
    for name, value in islice(pairs, MAX_HEADER_FIELDS):
        key = str(name)[:64].strip().lower()
        if key in _HEADERS_READ:
            table.setdefault(key, []).append(str(value)[:MAX_HEADER_VALUE_CHARS].strip())
    return {key: tuple(values) for key, values in table.items()}
