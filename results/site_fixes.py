"""The fixes to paste for one stored site (audits/fixes/): its fetches of one crawl read back
and audited again with the current interpreter and registry, then ``fixes_for``.

Not stored in the database: the fixes follow the registry in use when they are asked for,
so a site audited months ago is told about the agents that exist now. Reading one site's
fetches goes through the ``(crawl_id, origin)`` index of ``fetches``.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import sqlite_utils

from audits.core.agents import Registry, load_registry
from audits.fixes import SiteFixes, fixes_for
from audits.site.audit import audit_site
from crawler.storage import site_evidence


def site_fixes(
    conn: sqlite3.Connection | sqlite_utils.Database,
    crawl_id: int,
    origin: str,
    registry: Registry | None = None,
) -> SiteFixes | None:
    """The fixes for ``origin`` as crawl ``crawl_id`` saw it; None when it has no fetch there."""
    db = conn if isinstance(conn, sqlite_utils.Database) else sqlite_utils.Database(conn)
    evidence = site_evidence(db, crawl_id, origin)
    if evidence is None:
        return None
    registry = registry or load_registry()
    return fixes_for(audit_site(evidence, registry), registry)


FIX_TEXT_CHARS = 8_000
"""A suggested file longer than this is left out of an exported object (its declared changes
and the tokens it adds stay): a site's object must stay small (docs/export.md)."""


def fixes_object(fixes: SiteFixes) -> dict[str, Any]:
    """The fixes as the export and ``optout check --json`` give them, bounded: the site's own
    robots.txt is left out (its fetch record holds it), and so are the diff and the blocked
    list, which the text, ``changes`` and ``added`` already say."""
    out = fixes.to_json()
    out.pop("blocks", None)
    for key in ("robots", "robots_block_all"):
        robots = out[key]
        for repeated in ("original", "diff", "blocked"):
            robots.pop(repeated, None)
        robots["text_chars"] = len(robots["text"])
        if len(robots["text"]) > FIX_TEXT_CHARS:
            robots["text"] = None
    return out
