"""Retention: drop the raw bodies of old crawls and keep everything else queryable.

Bodies are content-addressed and shared: a robots.txt that did not change between crawls is one
``bodies`` row that fetches of many crawls point at. So a body is deleted only when no fetch of
a kept crawl points at it. Every fetch row stays as it was, hash included (it still says what
was served and when); every derived row (verdicts, findings, changes, summaries) stays too, so
old crawls stay browsable and exportable. What is lost is the ability to audit an old crawl
again: ``audit_crawl`` refuses a crawl whose fetches name a body that is no longer stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Final

import sqlite_utils

UNFINISHED: Final = ("running", "interrupted")

_UNKEPT: Final = """
FROM bodies WHERE NOT EXISTS (
  SELECT 1 FROM fetches f
  WHERE f.body_sha256 = bodies.sha256 AND f.crawl_id IN (SELECT value FROM json_each(:kept))
)"""
"""The bodies no fetch of a kept crawl points at (``:kept`` is a JSON list of crawl ids)."""


class RetentionError(ValueError):
    """Pruning cannot run as asked (nothing to keep)."""


@dataclass(frozen=True)
class PruneResult:
    """What a prune kept and removed."""

    kept: tuple[int, ...]
    pruned: tuple[int, ...]
    bodies_deleted: int
    bytes_deleted: int
    vacuumed: bool


def crawls_to_keep(db: sqlite_utils.Database, keep: int) -> list[int]:
    """The ``keep`` newest crawls, plus any crawl still running or interrupted (resumable)."""
    if keep < 1:
        raise RetentionError(f"--keep must be at least 1 (the newest crawl), not {keep}")
    newest = [r[0] for r in db.execute("SELECT id FROM crawls ORDER BY id DESC LIMIT ?", [keep])]
    marks = ", ".join("?" for _ in UNFINISHED)
    unfinished = [
        r[0] for r in db.execute(f"SELECT id FROM crawls WHERE status IN ({marks})", UNFINISHED)
    ]
    return sorted(set(newest) | set(unfinished))


def prune_bodies(db: sqlite_utils.Database, keep: int, *, vacuum: bool = False) -> PruneResult:
    """Delete the bodies no fetch of the kept crawls points at; VACUUM after when asked."""
    kept = crawls_to_keep(db, keep)
    params = {"kept": json.dumps(kept)}
    older = [
        r[0]
        for r in db.execute(
            "SELECT id FROM crawls WHERE id NOT IN (SELECT value FROM json_each(:kept))"
            " ORDER BY id",
            params,
        )
    ]
    conn = db.conn
    if conn.in_transaction:
        conn.commit()
    # Fetch rows keep the hash of a body that is gone (the record of what was served), which
    # the foreign key to bodies would forbid; it is switched off for this one transaction.
    # The pragma is a no-op inside a transaction, hence the commit above.
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        conn.execute("BEGIN IMMEDIATE")
        with conn:
            sql = f"SELECT count(*), coalesce(sum(length), 0) {_UNKEPT}"
            count, size = conn.execute(sql, params).fetchone()
            conn.execute(f"DELETE {_UNKEPT}", params)
    finally:
        conn.execute("PRAGMA foreign_keys = ON")
    if vacuum:
        conn.execute("VACUUM")
    return PruneResult(tuple(kept), tuple(older), int(count), int(size), vacuum)
