"""Refreshing the IP range snapshot from the operators' own URLs (``optout agents
update-ranges``).

Each list named in ``manifest.json`` is fetched from its ``url`` (https only; a bounded body
and an overall deadline per list), parsed with the same parser the log checks use, and only
then written over the old copy: to a temporary file in the same folder, then renamed, so a
reader sees the old file or the new one, never half of one. The manifest is rewritten the same
way, last, with the new dates and hashes. A list that cannot be fetched keeps its old copy and
is reported ``unreachable``; an answer that does not parse (an error page, an empty list, a
wrong shape) is ``rejected`` and kept out.

For tests and local mirrors, ``base_url`` fetches every list from ``BASE/HOST/PATH`` instead
of ``https://HOST/PATH``: an https base anywhere, or plain http on a loopback address only.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http.client import HTTPException, HTTPMessage, HTTPResponse
from pathlib import Path
from typing import IO, Any, Final, Literal
from urllib.parse import urlsplit

from audits import TOOL_VERSION
from audits.logs.ranges import (
    MANIFEST_NAME,
    MAX_LIST_BYTES,
    ListEntry,
    RangeList,
    RangeListError,
    parse_list,
    parse_manifest,
    read_list,
    sha256_hex,
)

Status = Literal["updated", "unchanged", "unreachable", "rejected"]
Fetch = Callable[[str, float], bytes]
"""Fetch a URL's body within a timeout in seconds; :class:`FetchError` when it cannot."""

BASE_URL_ENV: Final = "OPTOUT_RANGES_BASE_URL"
DEFAULT_TIMEOUT: Final = 20.0
USER_AGENT: Final = f"optout-audit/{TOOL_VERSION} (IP range update)"
_MAX_REDIRECTS: Final = 3
_CHUNK: Final = 64 * 1024
_LOOPBACK_NAMES: Final = frozenset({"localhost"})


class FetchError(Exception):
    """A list that could not be fetched: refused, timed out, too large, wrong status."""


class UpdateError(Exception):
    """The snapshot cannot be updated at all (no readable manifest, a bad base URL)."""


@dataclass(frozen=True)
class ListOutcome:
    """What happened to one list."""

    name: str
    status: Status
    detail: str
    url: str


@dataclass(frozen=True)
class UpdateReport:
    """Every list's outcome, in manifest order."""

    outcomes: tuple[ListOutcome, ...]

    def count(self, status: Status) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def succeeded(self) -> bool:
        """True when at least one list was fetched and accepted (updated or unchanged)."""
        return any(o.status in ("updated", "unchanged") for o in self.outcomes)


# --- URLs --------------------------------------------------------------------------------


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _allowed(url: str) -> bool:
    """https anywhere; plain http to a loopback address only."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    return parts.scheme == "http" and _is_loopback(parts.hostname)


def check_base_url(base_url: str) -> str:
    """The base URL without a trailing slash; UpdateError unless https, or http on loopback."""
    parts = urlsplit(base_url)
    if parts.query or parts.fragment or not _allowed(base_url):
        raise UpdateError(
            f"base URL {base_url!r}: use https://HOST[/PATH], or http:// on 127.0.0.1,"
            " [::1] or localhost (a local mirror or test server)"
        )
    return base_url.rstrip("/")


def source_url(url: str, base_url: str | None) -> str:
    """Where a list is fetched: its own URL, or ``BASE/HOST/PATH`` under a base URL."""
    if base_url is None:
        return url
    parts = urlsplit(url)
    query = f"?{parts.query}" if parts.query else ""
    return f"{check_base_url(base_url)}/{parts.netloc}{parts.path or '/'}{query}"


# --- Fetching ----------------------------------------------------------------------------


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follows a few redirects, never to plain http (except from loopback to loopback)."""

    max_redirections = _MAX_REDIRECTS

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        if not _allowed(newurl):
            raise FetchError(f"redirected to {newurl[:200]!r}, which is not https")
        if _is_loopback(urlsplit(newurl).hostname) != _is_loopback(urlsplit(req.full_url).hostname):
            raise FetchError(f"redirected to {newurl[:200]!r}, across the loopback boundary")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _read_bounded(response: HTTPResponse, deadline: float, limit: int) -> bytes:
    length = response.headers.get("Content-Length")
    if length is not None and length.strip().isdigit() and int(length) > limit:
        raise FetchError(f"larger than {limit} bytes (Content-Length {length.strip()})")
    encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise FetchError(f"answered with Content-Encoding {encoding[:40]!r}, which was not asked")
    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > deadline:
            raise FetchError("timed out while reading")
        chunk = response.read1(_CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise FetchError(f"larger than {limit} bytes")
        chunks.append(chunk)


def fetch_url(url: str, timeout: float, *, limit: int = MAX_LIST_BYTES) -> bytes:
    """The body of ``url`` (https, or http on loopback), read within ``timeout`` seconds in all
    and at most ``limit`` bytes; FetchError otherwise. A proxy from the environment is used
    for the operators' URLs, never for a loopback address."""
    if not _allowed(url):
        raise FetchError(f"{url[:200]!r} is not https")
    handlers: list[Any] = [_Redirects()]
    if _is_loopback(urlsplit(url).hostname):
        handlers.append(urllib.request.ProxyHandler({}))
    opener = urllib.request.build_opener(*handlers)
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
    deadline = time.monotonic() + timeout
    try:
        with opener.open(request, timeout=timeout) as response:
            return _read_bounded(response, deadline, limit)
    except urllib.error.HTTPError as err:
        raise FetchError(f"HTTP {err.code}") from None
    except urllib.error.URLError as err:
        raise FetchError(f"cannot connect ({err.reason})") from None
    except TimeoutError:
        raise FetchError(f"timed out after {timeout:g} s") from None
    except (OSError, HTTPException, ValueError) as err:
        raise FetchError(f"{type(err).__name__}: {str(err)[:200]}") from None


# --- Writing -----------------------------------------------------------------------------


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data``: a temporary file in the same folder, synced, renamed."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


def _changes(entry: ListEntry, old: RangeList | None, new: RangeList) -> str:
    """What differs between the kept copy and the new one, in words."""
    parts = []
    if old is None:
        parts.append(f"{len(new.networks)} prefixes (the old copy could not be read)")
    else:
        added = len(new.prefixes() - old.prefixes())
        removed = len(old.prefixes() - new.prefixes())
        if added or removed:
            parts.append(f"+{added} -{removed} prefixes, {len(new.networks)} in all")
        else:
            parts.append(f"same {len(new.networks)} prefixes")
    if entry.created != new.created:
        parts.append(f"creationTime {entry.created or 'none'} -> {new.created or 'none'}")
    if entry.copied_from is not None:
        parts.append("the mirror's copy replaced by the operator's file")
    return "; ".join(parts)


def _update_one(
    folder: Path,
    entry: ListEntry,
    fields: dict[str, Any],
    url: str,
    fetch: Fetch,
    timeout: float,
    today: str,
) -> ListOutcome:
    """Fetch, check and (if it changed) write one list; ``fields`` is its manifest object."""
    kept = f"kept the copy of {entry.taken}"
    try:
        body = fetch(url, timeout)
    except FetchError as err:
        return ListOutcome(entry.name, "unreachable", f"{err}; {kept}", url)
    try:
        new = parse_list(body, entry.format)
    except RangeListError as err:
        return ListOutcome(entry.name, "rejected", f"{err}; {kept}", url)
    digest = sha256_hex(body)
    fields["checked"] = today
    if digest == entry.sha256 and (folder / entry.file).is_file():
        return ListOutcome(entry.name, "unchanged", f"same as the copy of {entry.taken}", url)
    try:
        old: RangeList | None = read_list(folder, entry)[1]
    except RangeListError:
        old = None
    write_atomically(folder / entry.file, body)
    fields.update(sha256=digest, taken=today, created=new.created, copied_from=None)
    return ListOutcome(entry.name, "updated", _changes(entry, old, new), url)


def update_snapshot(
    folder: Path,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    base_url: str | None = None,
    fetch: Fetch | None = None,
    today: str | None = None,
) -> UpdateReport:
    """Refresh every list of the snapshot in ``folder`` from its URL (or ``base_url``).

    Lists are written as they are accepted; the manifest last, once. UpdateError when the
    manifest cannot be read or the base URL is not allowed; a list's own failure is only
    reported in its outcome.
    """
    if base_url is not None:
        base_url = check_base_url(base_url)
    manifest_path = folder / MANIFEST_NAME
    try:
        raw = manifest_path.read_bytes()
    except OSError as err:
        raise UpdateError(f"{manifest_path}: cannot read ({err.strerror or err})") from None
    try:
        entries = parse_manifest(raw)
    except RangeListError as err:
        raise UpdateError(f"{folder}: {err}") from None
    data = json.loads(raw)
    fetcher = fetch or fetch_url
    day = today or _today()
    outcomes = []
    for entry, fields in zip(entries, data["lists"], strict=True):
        url = source_url(entry.url, base_url)
        outcomes.append(_update_one(folder, entry, fields, url, fetcher, timeout, day))
    report = UpdateReport(tuple(outcomes))
    if report.succeeded:
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        parse_manifest(text)  # what is written must read back
        write_atomically(manifest_path, text.encode("utf-8"))
    return report
