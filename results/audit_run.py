"""Auditing one crawl of an evidence database named by its path: the database is opened and
the crawl resolved first (so a caller can show how many sites there are to audit), then the
audit runs in one transaction (``results.derive.audit_crawl``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from crawler.storage import is_write_failure, open_db, write_failure
from results.derive import AuditResult, audit_crawl, resolve_crawl


@dataclass(frozen=True)
class PendingAudit:
    """An audit ready to run: the open database, the crawl and how many sites it covers."""

    db_path: Path
    db: sqlite_utils.Database
    crawl_id: int
    sites: int
    """The sites the crawl marked done: the ones the audit reads."""

    def run(self, on_site: Callable[[str], None] | None = None) -> AuditResult:
        """Audit the crawl (``on_site`` is called with each origin audited), then close the
        database. Raises AuditError, or StorageError when the disk refused the write (the
        audit's one transaction was rolled back)."""
        try:
            return audit_crawl(self.db, self.crawl_id, on_site=on_site)
        except sqlite3.Error as err:
            if not is_write_failure(err):
                raise
            raise write_failure(self.db_path, err) from err
        finally:
            self.db.close()


def prepare_audit(db_path: Path, crawl: str | None) -> PendingAudit:
    """Open ``db_path`` and resolve ``crawl`` (an id or 'latest'); raises AuditError or
    StorageError."""
    db = open_db(db_path)
    try:
        crawl_id = resolve_crawl(db, crawl)
        sites = db.execute(
            "SELECT COUNT(*) FROM site_status WHERE crawl_id = ? AND status = 'done'", [crawl_id]
        ).fetchone()[0]
    except BaseException:
        db.close()
        raise
    return PendingAudit(db_path, db, crawl_id, sites)
