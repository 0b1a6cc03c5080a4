"""Reading evidence databases the way a fault test checks them: records, integrity, results.

Every reader opens the file read-only (``mode=ro``), so checking a database between two
faults neither checkpoints nor removes the write-ahead log a killed process left behind: the
next run meets the file exactly as the fault left it.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.conftest import ROOT
from tests.crawler.conftest import OPTOUT

Record = tuple[str, str, str, int, int | None, str | None]
"""(origin, kind, requested_url, rendered, status, body_sha256) of one fetch record."""

DERIVED_COMPARED = ("site_summary", "site_verdicts", "findings")
# Row ids, fetch ids and times differ between two crawls of the same web; nothing else may.
_VOLATILE = frozenset({"id", "fetch_id", "tail_fetch_id", "fetched_at", "audited_at", "seconds"})


@contextmanager
def read_only(db: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        yield conn
    finally:
        conn.close()


def has_table(db: Path, name: str) -> bool:
    """Whether the file exists and holds that table (a crawl killed at start-up may not)."""
    if not db.exists():
        return False
    with read_only(db) as conn:
        found = conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", [name]).fetchone()
    return found is not None


def integrity(db: Path) -> str:
    """``PRAGMA integrity_check``'s answer: ``ok`` or the first problem."""
    with read_only(db) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def records(db: Path, crawl_id: int | None = None) -> list[Record]:
    """Every fetch record (of one crawl, or all), sorted; duplicates stay visible."""
    where, params = ("WHERE crawl_id = ?", [crawl_id]) if crawl_id is not None else ("", [])
    with read_only(db) as conn:
        rows = conn.execute(
            "SELECT origin, kind, requested_url, rendered, status, body_sha256 FROM fetches"
            f" {where} ORDER BY 1, 2, 3, 4",
            params,
        ).fetchall()
    return [tuple(row) for row in rows]


def by_origin(rows: list[Record]) -> dict[str, Counter[Record]]:
    out: dict[str, Counter[Record]] = {}
    for row in rows:
        out.setdefault(row[0], Counter())[row] += 1
    return out


def done_sites(db: Path) -> set[str]:
    """Origins marked done in ``site_status`` (any crawl)."""
    with read_only(db) as conn:
        return {o for (o,) in conn.execute("SELECT origin FROM site_status WHERE status = 'done'")}


def crawls(db: Path) -> list[tuple[int, str]]:
    with read_only(db) as conn:
        return [tuple(r) for r in conn.execute("SELECT id, status FROM crawls ORDER BY id")]


def _normal(value: Any) -> Any:
    """JSON-ish value without volatile keys, lists in a canonical order."""
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items() if k not in _VOLATILE}
    if isinstance(value, list):
        return sorted((_normal(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value


def derived(db: Path, crawl_id: int = 1) -> dict[str, list[str]]:
    """The compared derived tables of one crawl, each a sorted list of normalised rows."""
    out: dict[str, list[str]] = {}
    with read_only(db) as conn:
        for table in DERIVED_COMPARED:
            rows = []
            cursor = conn.execute(f"SELECT * FROM {table} WHERE crawl_id = ?", [crawl_id])
            names = [column[0] for column in cursor.description]
            for row in cursor:
                fields = {k: v for k, v in zip(names, row, strict=True) if k not in _VOLATILE}
                if isinstance(fields.get("report"), str):
                    fields["report"] = _normal(json.loads(fields["report"]))
                rows.append(json.dumps(fields, sort_keys=True))
            out[table] = sorted(rows)
    return out


def copy_db(source: Path, target: Path) -> Path:
    """A consistent copy of a (WAL-mode) database through SQLite's backup API."""
    with read_only(source) as src:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    return target


def optout(*args: str, timeout: float = 300, **popen: Any) -> subprocess.CompletedProcess[str]:
    """Run the real ``optout`` command; the caller checks the exit code."""
    return subprocess.run(
        [str(OPTOUT), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        **popen,
    )


def derived_differences(db: Path, other: Path, crawl_id: int = 1) -> dict[str, list[str]]:
    """Rows of the compared derived tables found in only one of two databases (empty: equal)."""
    mine, theirs = derived(db, crawl_id), derived(other, crawl_id)
    out = {}
    for table in DERIVED_COMPARED:
        a, b = Counter(mine[table]), Counter(theirs[table])
        only = [f"only in {db.name}: {row}" for row in a - b]
        only += [f"only in {other.name}: {row}" for row in b - a]
        if only:
            out[table] = only
    return out


def start(command: list[str]) -> subprocess.Popen[str]:
    """Start a command in the background (stderr kept for the failure message)."""
    return subprocess.Popen(
        command,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
