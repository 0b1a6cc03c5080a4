"""Packaging a WARC as a WACZ (Web Archive Collection Zipped, 1.1.1).

Built here with ``zipfile`` rather than with the ``wacz`` package's command, which reads WARC
files from disk, finds pages by itself and stamps the current time on every entry: a pack
lists exactly the pages the crawl fetched, and the same fetches packed at the same ``created``
time give the same bytes (fixed entry order, entry times and attributes). The index is made
with ``cdxj-indexer``, as that package does.

Layout: ``archive/data.warc.gz``, ``indexes/index.cdx`` (CDXJ lines, the name pywb's
``wb-manager add --unpack-wacz`` looks for), ``pages/pages.jsonl``, ``datapackage.json``
(every other file with its size and SHA-256) and ``datapackage-digest.json`` (the digest of
``datapackage.json``, and ``signedData`` when signed). Entries are stored, not deflated:
the WARC is gzipped already and a replay reads it by offset.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Final

from cdxj_indexer.main import CDXJIndexer

from audits import TOOL, TOOL_VERSION
from results.evidence.capture import SiteCapture
from results.evidence.signing import PrivateKey, fingerprint, signed_data
from results.evidence.warc import PROBE_AGENT_FIELD, WARC_NAME, Bodies, Page, audit_uri, write_warc

WACZ_VERSION: Final = "1.1.1"
ARCHIVE: Final = f"archive/{WARC_NAME}"
INDEX: Final = "indexes/index.cdx"
PAGES: Final = "pages/pages.jsonl"
DATAPACKAGE: Final = "datapackage.json"
DIGEST: Final = "datapackage-digest.json"
_INDEXED: Final = "response,revisit,resource"
"""Records a replay serves; metadata records share their URL and would shadow the response."""
_CHUNK: Final = 1 << 20
_FILE_MODE: Final = 0o644 << 16


@dataclass(frozen=True)
class PackSummary:
    """What ``write_wacz`` wrote."""

    path: Path
    fetches: int
    records: int
    responses: int
    pages: int
    key_fingerprint: str | None
    """The signing key's fingerprint; None for an unsigned pack."""


def write_wacz(
    target: Path,
    capture: SiteCapture,
    bodies: Bodies,
    *,
    created: datetime,
    key: PrivateKey | None = None,
) -> PackSummary:
    """Write the pack of ``capture`` to ``target``, replaced only once complete."""
    created = created.astimezone(UTC).replace(microsecond=0)
    target = Path(os.path.realpath(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=target.parent, prefix=".optout-warc-") as warc:
        summary = write_warc(warc, capture, bodies, created=created)
        warc.seek(0)
        index = _cdxj_index(warc)
        warc.seek(0)
        partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
        try:
            with zipfile.ZipFile(partial, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
                zipped = _Zipped(zf, created)
                zipped.add_stream(ARCHIVE, warc)
                zipped.add_bytes(INDEX, index)
                zipped.add_bytes(PAGES, _pages_jsonl(summary.pages))
                package = _datapackage(capture, summary.pages, zipped.resources, created)
                zipped.add_bytes(DATAPACKAGE, package, listed=False)
                digest = "sha256:" + hashlib.sha256(package).hexdigest()
                zipped.add_bytes(DIGEST, _digest_json(digest, key, created), listed=False)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
    return PackSummary(
        path=target,
        fetches=len(capture.fetches),
        records=summary.records,
        responses=summary.responses,
        pages=len(summary.pages),
        key_fingerprint=fingerprint(key.public_key()) if key is not None else None,
    )


class _Zipped:
    """Adds entries with fixed times and attributes, and keeps the resources list."""

    def __init__(self, zf: zipfile.ZipFile, created: datetime) -> None:
        self.zf = zf
        self.stamp = created.timetuple()[:6]
        self.resources: list[dict[str, Any]] = []

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=self.stamp)
        info.compress_type = zipfile.ZIP_STORED
        info.external_attr = _FILE_MODE
        info.create_system = 3  # Unix, whatever the packing system
        return info

    def _listed(self, name: str, digest: str, size: int) -> None:
        self.resources.append(
            {"name": name.rsplit("/", 1)[-1], "path": name, "hash": digest, "bytes": size}
        )

    def add_stream(self, name: str, stream: IO[bytes]) -> None:
        sha = hashlib.sha256()
        size = 0
        with self.zf.open(self._info(name), "w", force_zip64=True) as out:
            while chunk := stream.read(_CHUNK):
                sha.update(chunk)
                size += len(chunk)
                out.write(chunk)
        self._listed(name, "sha256:" + sha.hexdigest(), size)

    def add_bytes(self, name: str, data: bytes, *, listed: bool = True) -> None:
        self.zf.writestr(self._info(name), data)
        if listed:
            self._listed(name, "sha256:" + hashlib.sha256(data).hexdigest(), len(data))


class _ReplayIndexer(CDXJIndexer):  # type: ignore[misc]  # cdxj-indexer has no types
    """Indexes what a replay should serve for a URL: the answers the crawl got as itself.

    A probe repeats a URL within the same second as the crawl's own fetch (CDXJ times are
    to the second), so indexed it could be served in place of it; probes stay in the WARC,
    marked with the agent they posed as, for anyone who reads the records.
    """

    def filter_record(self, record: Any) -> bool:
        if record.rec_headers.get_header(PROBE_AGENT_FIELD):
            return False
        return bool(super().filter_record(record))


def _cdxj_index(warc: IO[bytes]) -> bytes:
    """The CDXJ index of the WARC, sorted, request fields appended to their responses."""
    out = io.StringIO()
    indexer = _ReplayIndexer(
        out, [warc], sort=True, post_append=True, filename=WARC_NAME, records=_INDEXED
    )
    indexer.process_all()
    return out.getvalue().encode("utf-8")


def _pages_jsonl(pages: Sequence[Page]) -> bytes:
    lines = [{"format": "json-pages-1.0", "id": "pages", "title": "Pages"}]
    for number, page in enumerate(pages, 1):
        lines.append(
            {
                "id": f"page-{number}",
                "url": page.url,
                "ts": page.warc_date,
                "title": f"{_TITLES.get(page.kind, page.kind)}: {page.url}",
            }
        )
    return "".join(json.dumps(line, sort_keys=True) + "\n" for line in lines).encode("utf-8")


_TITLES: Final = {
    "robots": "robots.txt",
    "aitxt": "ai.txt",
    "tdmrep": "TDMRep (tdmrep.json)",
    "home": "Home page",
    "page": "Sampled page",
}


def _datapackage(
    capture: SiteCapture, pages: Sequence[Page], resources: list[dict[str, Any]], created: datetime
) -> bytes:
    crawl = capture.crawl
    home = next((page for page in pages if page.kind == "home"), pages[0] if pages else None)
    package: dict[str, Any] = {
        "profile": "data-package",
        "wacz_version": WACZ_VERSION,
        "title": f"{capture.name or capture.origin}: what {TOOL} received, crawl {crawl.crawl_id}",
        "description": (
            f"The fetches of {capture.origin} stored by crawl {crawl.crawl_id}"
            f" ({crawl.started_at} to {crawl.finished_at or 'unfinished'}), and the site's"
            f" audit report as the record {audit_uri(capture.origin, crawl.crawl_id)}."
        ),
        "created": created.isoformat().replace("+00:00", "Z"),
        "software": f"{TOOL} {TOOL_VERSION}",
        "resources": resources,
    }
    if home is not None:
        package["mainPageUrl"] = home.url
        package["mainPageDate"] = home.warc_date
    return (json.dumps(package, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _digest_json(digest: str, key: PrivateKey | None, created: datetime) -> bytes:
    document: dict[str, Any] = {"path": DATAPACKAGE, "hash": digest}
    if key is not None:
        document["signedData"] = signed_data(digest, key, created)
    return (json.dumps(document, indent=2) + "\n").encode("utf-8")
