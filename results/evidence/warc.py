"""One site's stored fetches as WARC records (ISO 28500, WARC/1.1), written with warcio.

What is original and what is reconstructed (docs/evidence.md says the same for readers):

- Original, as stored: the URLs, the status code, the response header pairs in the order the
  client saw them, the body bytes, when each fetch was made (``WARC-Date``), the redirect
  chain's URLs, errors and skips. Every stored field of a fetch is also written verbatim, as
  JSON, in a ``metadata`` record that refers to the response.
- Reconstructed: the status line's protocol and reason phrase (``HTTP/1.1`` and the standard
  phrase for the code: neither was stored), and the request records (method, path, ``Host``
  and the ``User-Agent`` the crawl sent, from its settings, or for a probe the agent's string
  from the agent registry; the other request headers were not stored).
- Adjusted so that a replay reads the body right: the client removed any transfer coding and
  content coding before the body was stored, so a ``Transfer-Encoding`` header, and a
  ``Content-Length`` that does not match the stored body, are kept under the name
  ``X-Optout-Orig-<name>`` instead of their own. A body cut at the crawl's size limit is
  marked ``WARC-Truncated: length``.
- Redirect hops: only their URLs were stored, not their status or headers, so each hop is a
  ``metadata`` record naming the URL it led to, never an invented 3xx response.
- A rendered page (a browser's DOM, not bytes a server sent) is a ``conversion`` record of
  its URL, so a replay never serves it as the server's answer.

Record ids are derived from the crawl, the fetch and the record's role, so packing the same
fetches twice writes the same records.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from io import BytesIO
from typing import Any, BinaryIO, Final
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from audits import INTERPRETER_VERSION, TOOL, TOOL_VERSION
from audits.core.agents import load_registry, registry_version
from results.evidence.capture import PAGE_KINDS, SiteCapture, StoredFetch

WARC_VERSION: Final = "1.1"
WARC_NAME: Final = "data.warc.gz"
"""The WARC's file name inside a pack (``archive/data.warc.gz``)."""
JSON_TYPE: Final = "application/json"
PROBE_AGENT_FIELD: Final = "WARC-Optout-Probe-Agent"
"""Names, on a probe's request and response, the agent whose User-Agent string it sent."""
RENAMED_PREFIX: Final = "X-Optout-Orig-"
"""What a stored header is renamed to when its own name would misdescribe the stored body."""
_ID_NAMESPACE: Final = uuid.uuid5(uuid.NAMESPACE_URL, "https://optout-audit.example/evidence")

Bodies = Callable[[str | None], bytes | None]
"""Reads a stored body by its SHA-256 (None for no body)."""


@dataclass(frozen=True)
class Page:
    """A response a reader opens first: its URL, capture time and what it is."""

    url: str
    warc_date: str
    kind: str


@dataclass(frozen=True)
class WarcSummary:
    """What ``write_warc`` wrote."""

    records: int
    responses: int
    pages: tuple[Page, ...]


def audit_uri(origin: str, crawl_id: int) -> str:
    """The target URI of the record holding a site's audit report."""
    return f"urn:optout:audit:{origin}:{crawl_id}"


def warc_date(iso: str) -> str:
    """A stored ISO 8601 time as a WARC-Date (UTC, ``Z``, to the millisecond)."""
    moment = datetime.fromisoformat(iso)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def write_warc(
    stream: BinaryIO, capture: SiteCapture, bodies: Bodies, *, created: datetime
) -> WarcSummary:
    """Write ``capture`` to ``stream`` as a gzipped WARC: a ``warcinfo`` record, each fetch's
    records in the order the fetches were made, and the audit report as a ``resource``."""
    writer = WARCWriter(stream, gzip=True, warc_version=WARC_VERSION)
    records = _Records(writer, capture)
    records.warcinfo(warc_date(created.isoformat()))
    pages: dict[str, Page] = {}
    for fetch in capture.fetches:
        page = records.fetch(fetch, bodies)
        if page is not None:
            pages.setdefault(page.url, page)  # a URL fetched as two kinds is listed once
    records.audit()
    order = {kind: rank for rank, kind in enumerate(PAGE_KINDS)}
    listed = sorted(pages.values(), key=lambda page: (order[page.kind], page.url))
    return WarcSummary(records.count, records.responses, tuple(listed))


class _Records:
    """Writes the records of one capture and counts them."""

    def __init__(self, writer: WARCWriter, capture: SiteCapture) -> None:
        self.writer = writer
        self.capture = capture
        self.count = 0
        self.responses = 0
        self._registry = load_registry()

    def _id(self, *parts: object) -> str:
        key = ":".join(str(part) for part in (self.capture.origin, self.capture.crawl.crawl_id))
        name = key + ":" + ":".join(str(part) for part in parts)
        return f"<urn:uuid:{uuid.uuid5(_ID_NAMESPACE, name)}>"

    def _write(
        self,
        uri: str,
        record_type: str,
        headers: dict[str, str],
        payload: bytes,
        *,
        content_type: str = "",
        http: StatusAndHeaders | None = None,
    ) -> None:
        if content_type:
            headers["Content-Type"] = content_type
        record = self.writer.create_warc_record(
            uri,
            record_type,
            payload=BytesIO(payload),
            length=len(payload),
            warc_content_type=content_type,
            warc_headers_dict=headers,
            http_headers=http,
        )
        self.writer.write_record(record)
        self.count += 1

    def warcinfo(self, date: str) -> None:
        crawl = self.capture.crawl
        info = {
            "software": f"{TOOL} {TOOL_VERSION}",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iso.org/standard/68004.html",
            "description": f"Evidence pack of {self.capture.origin}, crawl {crawl.crawl_id}",
            "optout-origin": self.capture.origin,
            "optout-crawl-id": str(crawl.crawl_id),
            "optout-crawl-started": crawl.started_at,
            "optout-crawl-finished": crawl.finished_at or "",
            "optout-crawl-status": crawl.status,
            "optout-crawl-tool-version": crawl.tool_version or "",
            "optout-crawl-interpreter-version": crawl.interpreter_version or "",
            "optout-crawl-registry-version": crawl.registry_version or "",
            "optout-audited-at": crawl.audited_at or "",
            "optout-audit-interpreter-version": crawl.audit_interpreter_version or "",
            "optout-audit-registry-version": crawl.audit_registry_version or "",
            "optout-pack-interpreter-version": INTERPRETER_VERSION,
            "optout-pack-registry-version": registry_version(),
            "http-header-user-agent": crawl.user_agent or "",
        }
        body = "".join(f"{name}: {_one_line(value)}\r\n" for name, value in info.items())
        self._write(
            "",
            "warcinfo",
            {
                "WARC-Record-ID": self._id("warcinfo"),
                "WARC-Date": date,
                "WARC-Filename": WARC_NAME,
            },
            body.encode("utf-8"),
            content_type="application/warc-fields",
        )

    def _date(self, stored: str | None) -> str:
        """The WARC-Date of a stored time; the crawl's start when it is missing or unreadable
        (the fetch's ``metadata`` record still holds the stored value)."""
        for value in (stored, self.capture.crawl.started_at):
            try:
                return warc_date(value or "")
            except ValueError:
                continue
        return "1970-01-01T00:00:00.000Z"  # a crawl row always has a start; never reached

    def fetch(self, fetch: StoredFetch, bodies: Bodies) -> Page | None:
        """A fetch's records; the page a reader opens for it, when it is one."""
        date = self._date(fetch.fetched_at)
        facts = json.dumps(fetch.as_json(), sort_keys=True, ensure_ascii=False).encode("utf-8")
        if not fetch.answered:
            # No answer: a network error, a redirect not followed, or a request not made.
            self._write(
                fetch.requested_url,
                "metadata",
                {"WARC-Record-ID": self._id(fetch.fetch_id, "outcome"), "WARC-Date": date},
                facts,
                content_type=JSON_TYPE,
            )
            return None
        url = fetch.final_url or fetch.requested_url
        for hop, (here, there) in enumerate(_hops(fetch)):
            self._write(
                here,
                "metadata",
                {"WARC-Record-ID": self._id(fetch.fetch_id, "hop", hop), "WARC-Date": date},
                _hop_json(fetch, hop, here, there),
                content_type=JSON_TYPE,
            )
        body = bodies(fetch.body_sha256) or b""
        response_id = self._id(fetch.fetch_id, "response")
        if fetch.rendered:
            self._write(
                url,
                "conversion",
                {"WARC-Record-ID": response_id, "WARC-Date": date},
                body,
                content_type=_content_type(fetch) or "text/html",
            )
        else:
            self._request(fetch, url, date, response_id)
            headers = {"WARC-Record-ID": response_id, "WARC-Date": date}
            if fetch.agent is not None:
                headers[PROBE_AGENT_FIELD] = fetch.agent
            if fetch.truncated:
                headers["WARC-Truncated"] = "length"
            self._write(url, "response", headers, body, http=_http_headers(fetch, len(body)))
            self.responses += 1
        self._write(
            url,
            "metadata",
            {
                "WARC-Record-ID": self._id(fetch.fetch_id, "facts"),
                "WARC-Date": date,
                "WARC-Refers-To": response_id,
            },
            facts,
            content_type=JSON_TYPE,
        )
        if fetch.kind in PAGE_KINDS and not fetch.rendered and fetch.agent is None:
            return Page(url, date, fetch.kind)
        return None

    def _request(self, fetch: StoredFetch, url: str, date: str, response_id: str) -> None:
        parts = urlsplit(url)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        headers = [("Host", parts.netloc)]
        agent = self._user_agent(fetch)
        if agent:
            headers.append(("User-Agent", agent))
        http = StatusAndHeaders(f"GET {target} HTTP/1.1", headers, is_http_request=True)
        fields = {
            "WARC-Record-ID": self._id(fetch.fetch_id, "request"),
            "WARC-Date": date,
            "WARC-Concurrent-To": response_id,
        }
        if fetch.agent is not None:
            fields[PROBE_AGENT_FIELD] = fetch.agent
        self._write(url, "request", fields, b"", http=http)

    def _user_agent(self, fetch: StoredFetch) -> str | None:
        if fetch.agent is None:
            return self.capture.crawl.user_agent
        agent = self._registry.get(fetch.agent)
        return agent.user_agent if agent is not None else None

    def audit(self) -> None:
        crawl = self.capture.crawl
        report = self.capture.report
        if report is None:
            return
        text = json.dumps(report, sort_keys=True, ensure_ascii=False, allow_nan=False, indent=2)
        self._write(
            audit_uri(self.capture.origin, crawl.crawl_id),
            "resource",
            {
                "WARC-Record-ID": self._id("audit"),
                "WARC-Date": self._date(crawl.audited_at or crawl.finished_at),
            },
            text.encode("utf-8") + b"\n",
            content_type=JSON_TYPE,
        )


def _hops(fetch: StoredFetch) -> Iterator[tuple[str, str]]:
    """Each stored redirect hop and the URL it led to (the next hop, or the final URL)."""
    chain = fetch.redirect_chain
    final = fetch.final_url or fetch.requested_url
    for index, url in enumerate(chain):
        yield url, chain[index + 1] if index + 1 < len(chain) else final


def _hop_json(fetch: StoredFetch, hop: int, here: str, there: str) -> bytes:
    facts: dict[str, Any] = {
        "fetch_id": fetch.fetch_id,
        "redirect_hop": hop,
        "url": here,
        "redirected_to": there,
        "stored": "the URLs of the chain only; the status and headers of a hop were not stored",
    }
    return json.dumps(facts, sort_keys=True, ensure_ascii=False).encode("utf-8")


def _http_headers(fetch: StoredFetch, body_length: int) -> StatusAndHeaders:
    """The stored status and header pairs, in order; see the module for the two renamed."""
    pairs: list[tuple[str, str]] = []
    for name, value in fetch.headers:
        folded = name.lower()
        misleading = folded == "transfer-encoding" or (
            folded == "content-length" and value.strip() != str(body_length)
        )
        pairs.append((RENAMED_PREFIX + name if misleading else name, _one_line(value)))
    status = fetch.status or 0
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = ""
    return StatusAndHeaders(f"{status} {reason}".rstrip(), pairs, protocol="HTTP/1.1")


def _content_type(fetch: StoredFetch) -> str | None:
    for name, value in fetch.headers:
        if name.lower() == "content-type":
            return _one_line(value)
    return None


def _one_line(value: str) -> str:
    """A header value that cannot break the record's header block."""
    return value.replace("\r", " ").replace("\n", " ")
