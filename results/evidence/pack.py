"""``optout evidence``'s library side: one site of one audited crawl into a pack."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from results.evidence.capture import CaptureError, load_capture, read_body
from results.evidence.signing import SigningError, load_private_key
from results.evidence.wacz import PackSummary, write_wacz
from results.export import ExportError, open_export_db
from results.site_lookup import UnknownSite, resolve_site


class EvidenceError(Exception):
    """A pack cannot be made as asked (no database, unknown site or crawl, unusable key)."""


def open_pack_db(path: Path, crawl: str | int | None) -> tuple[sqlite_utils.Database, int]:
    """The database, read-only, and the audited crawl ``crawl`` names (latest by default)."""
    try:
        return open_export_db(path, crawl)
    except ExportError as err:
        raise EvidenceError(str(err)) from err


def pack_site(
    db: sqlite_utils.Database,
    crawl_id: int,
    site: str,
    target: Path,
    *,
    key_path: Path | None = None,
    created: datetime | None = None,
) -> PackSummary:
    """Write the pack of the site ``site`` names (any address on it) to ``target``."""
    try:
        origin = resolve_site(db.conn, site)
    except UnknownSite as err:
        raise EvidenceError(str(err)) from err
    except ValueError as err:
        raise EvidenceError(f"{site!r} {err}") from err
    try:
        key = load_private_key(key_path) if key_path is not None else None
        capture = load_capture(db, crawl_id, origin)
    except (CaptureError, SigningError) as err:
        raise EvidenceError(str(err)) from err
    return write_wacz(
        target,
        capture,
        lambda sha256: read_body(db.conn, sha256),
        created=created or datetime.now(UTC),
        key=key,
    )
