"""A real evidence database with three audited crawls and known changes, for history tests.

Crawl 1: anna has nothing, ben has a typo in robots.txt, folio (a platform) has nothing.
Crawl 2: anna blocks everything in robots.txt; ben and folio unchanged.
Crawl 3: folio puts noai on every page; anna and ben unchanged.
"""

from __future__ import annotations

import sqlite_utils

from results.derive import audit_crawl
from results.rollups import rewrite_rollups
from tests.results.evidence_db import store_crawl

ANNA = "http://anna.example"
BEN = "http://ben.example"
FOLIO = "http://folio.example"


def build_history(db: sqlite_utils.Database) -> None:
    """Store and audit the three crawls; crawl 3 is dated later than the first two."""
    crawls = (
        [(ANNA, "nothing_at_all"), (BEN, "token_typo"), (FOLIO, "nothing_at_all")],
        [(ANNA, "blanket_block"), (BEN, "token_typo"), (FOLIO, "nothing_at_all")],
        [(ANNA, "blanket_block"), (BEN, "token_typo"), (FOLIO, "noai_all_pages")],
    )
    for sites in crawls:
        crawl_id = store_crawl(db, sites)
        audit_crawl(db, crawl_id)
    db.execute("UPDATE sites SET kind = 'platform', platform = 'Folio' WHERE origin = ?", [FOLIO])
    db.execute(
        "UPDATE site_summary SET kind = 'platform', platform = 'Folio' WHERE origin = ?", [FOLIO]
    )
    dates = {1: "2026-01-05", 2: "2026-02-02", 3: "2026-03-02"}
    for crawl_id in dates:
        rewrite_rollups(db.conn, crawl_id)  # the kind changed after the audits
    for crawl_id, day in dates.items():
        db.execute(
            "UPDATE crawls SET started_at = ? WHERE id = ?", [f"{day}T06:00:00.000+00:00", crawl_id]
        )
    db.conn.commit()
