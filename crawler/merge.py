"""Merge workers' shard files into the main evidence database, the one file Datasette serves.

Each shard holds one crawl under the shared crawl's id (``crawler/pipelines/shard.py``). A
shard is merged in one transaction: its crawl, sites, bodies (deduplicated by SHA-256),
fetch records and site statuses. Merging is idempotent: fetches are keyed by the unique index
on (crawl, origin, kind, URL, rendered, probed agent), site statuses by (crawl, origin), and
the crawl's stats keep one entry per worker, so merging a shard again (or a shard that grew
since) adds only what is new.

A shard is refused, naming why, when it holds another crawl (another id, or the same id with
another crawl token: a crawl of another database) or when its schema differs from the main
database's (another version of the tool: upgrade both and let the worker's next run migrate
its shard, or merge with the tool version that wrote it).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import sqlite_utils

from crawler.storage import open_db, to_json

RAW_TABLES: Final = ("crawls", "sites", "bodies", "fetches", "site_status")
MIGRATIONS_TABLE: Final = "_sqlite_migrations"
SHARDS_STAT: Final = "optout/shards"
STATUS_KEY: Final = ("crawl_id", "origin")


class MergeError(Exception):
    """A shard that cannot be merged into this database, and why."""


@dataclass(frozen=True)
class MergeResult:
    shard: Path
    crawl_id: int
    worker: str
    fetches: int
    """Fetch records new to the main database (0 when the shard was merged before)."""
    sites_done: int
    bodies: int


def crawl_settings(db: sqlite_utils.Database | sqlite3.Connection, crawl_id: int) -> dict[str, Any]:
    """A crawl's recorded settings (empty when it has none or does not exist)."""
    row = db.execute("SELECT settings FROM crawls WHERE id = ?", [crawl_id]).fetchone()
    return _json(row[0] if row else None)


def crawl_token(db: sqlite_utils.Database | sqlite3.Connection, crawl_id: int) -> str | None:
    """The token a distributed crawl was given (``OPTOUT_CRAWL_TOKEN``), if any."""
    token = crawl_settings(db, crawl_id).get("OPTOUT_CRAWL_TOKEN")
    return str(token) if token else None


def merge_shards(
    main_path: Path, shards: list[Path], crawl_id: int | None = None
) -> list[MergeResult]:
    """Merge each shard into ``main_path`` (created if missing), one transaction per shard.

    ``crawl_id``: the crawl the shards must hold; by default the crawl of the first shard.
    Raises MergeError at the first shard that cannot be merged; those before it stay merged.
    """
    db = open_db(main_path)
    try:
        results = []
        for shard in shards:
            result = _merge_one(db, Path(shard), crawl_id)
            crawl_id = result.crawl_id
            results.append(result)
        return results
    finally:
        db.close()


def _merge_one(db: sqlite_utils.Database, shard: Path, expected: int | None) -> MergeResult:
    source = _open_shard(shard)
    try:
        crawl = _shard_crawl(source, shard)
        _check_schema(db, source, shard)
    finally:
        source.close()
    crawl_id = int(crawl["id"])
    if expected is not None and crawl_id != expected:
        raise MergeError(f"{shard} holds crawl {crawl_id}, not crawl {expected}")
    main_token = crawl_token(db, crawl_id)
    shard_token = _token(crawl)
    if db.execute("SELECT 1 FROM crawls WHERE id = ?", [crawl_id]).fetchone() and (
        main_token != shard_token
    ):
        raise MergeError(
            f"{shard} holds another crawl numbered {crawl_id} (token {shard_token}, while"
            f" the main database's crawl {crawl_id} has token {main_token}): a shard of"
            " another database's crawl"
        )
    conn = db.conn
    conn.execute("ATTACH DATABASE ? AS shard", [str(shard)])
    try:
        with db.atomic():
            return _copy(db, shard, crawl)
    finally:
        conn.execute("DETACH DATABASE shard")


def _open_shard(shard: Path) -> sqlite3.Connection:
    if not shard.is_file():
        raise MergeError(f"{shard}: no such shard file")
    try:
        conn = sqlite3.connect(f"file:{shard}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        raise MergeError(f"{shard}: not an SQLite database ({exc})") from exc
    return conn


def _shard_crawl(source: sqlite3.Connection, shard: Path) -> sqlite3.Row:
    try:
        rows = source.execute("SELECT * FROM crawls").fetchall()
    except sqlite3.DatabaseError as exc:
        raise MergeError(f"{shard}: not an optout shard ({exc})") from exc
    if len(rows) != 1:
        raise MergeError(
            f"{shard}: a shard holds exactly one crawl, this file holds {len(rows)}"
            " (is it a worker's --db?)"
        )
    crawl: sqlite3.Row = rows[0]  # the connection's row_factory (see _open_shard)
    return crawl


def _json(text: str | None) -> dict[str, Any]:
    """A JSON object column as a dict ({} when empty or not an object)."""
    try:
        value = json.loads(text or "{}")
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _token(crawl: sqlite3.Row) -> str | None:
    token = _json(crawl["settings"]).get("OPTOUT_CRAWL_TOKEN")
    return str(token) if token else None


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]


def _migrations(conn: sqlite3.Connection) -> set[str]:
    try:
        return {row[0] for row in conn.execute(f"SELECT name FROM {MIGRATIONS_TABLE}")}
    except sqlite3.DatabaseError:
        return set()


def _check_schema(db: sqlite_utils.Database, source: sqlite3.Connection, shard: Path) -> None:
    """The shard's raw tables must have the main database's columns, and the same migrations."""
    for table in RAW_TABLES:
        ours, theirs = _columns(db.conn, table), _columns(source, table)
        if sorted(ours) != sorted(theirs):
            missing = sorted(set(ours) - set(theirs))
            extra = sorted(set(theirs) - set(ours))
            raise MergeError(
                f"{shard}: schema mismatch in table {table!r} (missing {missing or 'none'},"
                f" unknown {extra or 'none'}): written by another version of optout"
            )
    ours_m, theirs_m = _migrations(db.conn), _migrations(source)
    if ours_m != theirs_m:
        raise MergeError(
            f"{shard}: schema mismatch (migrations only here: {sorted(ours_m - theirs_m)},"
            f" only in the shard: {sorted(theirs_m - ours_m)}): written by another version"
            " of optout"
        )


def _copy(db: sqlite_utils.Database, shard: Path, crawl: sqlite3.Row) -> MergeResult:
    crawl_id = int(crawl["id"])
    _merge_crawl(db, crawl, shard)
    site_cols = [c for c in _columns(db.conn, "sites") if c != "origin"]
    seed_cols = [c for c in site_cols if c not in ("first_crawl_id", "last_crawl_id")]
    updates = ", ".join(
        [f"{c} = excluded.{c}" for c in seed_cols]
        + [
            "first_crawl_id = min(coalesce(sites.first_crawl_id, excluded.first_crawl_id),"
            " coalesce(excluded.first_crawl_id, sites.first_crawl_id))",
            "last_crawl_id = max(coalesce(sites.last_crawl_id, 0),"
            " coalesce(excluded.last_crawl_id, 0))",
        ]
    )
    names = ", ".join(["origin", *site_cols])
    db.execute(
        f"INSERT INTO sites ({names}) SELECT {names} FROM shard.sites WHERE true"
        f" ON CONFLICT (origin) DO UPDATE SET {updates}"
    )
    bodies = db.execute(
        "INSERT OR IGNORE INTO bodies (sha256, body, length)"
        " SELECT sha256, body, length FROM shard.bodies"
    ).rowcount
    fetch_cols = ", ".join(c for c in _columns(db.conn, "fetches") if c != "id")
    fetches = db.execute(
        f"INSERT OR IGNORE INTO fetches ({fetch_cols}) SELECT {fetch_cols} FROM shard.fetches"
        " WHERE crawl_id = ? ORDER BY id",
        [crawl_id],
    ).rowcount
    status_cols = _columns(db.conn, "site_status")
    names = ", ".join(status_cols)
    updates = ", ".join(f"{c} = excluded.{c}" for c in status_cols if c not in STATUS_KEY)
    db.execute(
        f"INSERT INTO site_status ({names}) SELECT {names} FROM shard.site_status"
        f" WHERE crawl_id = ? ON CONFLICT (crawl_id, origin) DO UPDATE SET {updates}"
        " WHERE site_status.status != 'done'",
        [crawl_id],
    )
    sites_done = db.execute(
        "SELECT count(*) FROM shard.site_status WHERE crawl_id = ? AND status = 'done'",
        [crawl_id],
    ).fetchone()[0]
    return MergeResult(
        shard=shard,
        crawl_id=crawl_id,
        worker=_worker(crawl, shard),
        fetches=fetches,
        sites_done=sites_done,
        bodies=bodies,
    )


def _worker(crawl: sqlite3.Row, shard: Path) -> str:
    return str(_json(crawl["settings"]).get("OPTOUT_WORKER") or shard.name)


def _merge_crawl(db: sqlite_utils.Database, crawl: sqlite3.Row, shard: Path) -> None:
    """Create the crawl in the main database if needed, and combine the shards' runs: the
    earliest start, the latest finish, stats summed over workers (each worker's own kept
    under ``optout/shards``), finished only when every merged worker finished."""
    crawl_id = int(crawl["id"])
    columns = [c for c in crawl.keys() if c not in ("stats",)]  # noqa: SIM118 (sqlite3.Row)
    db.execute(
        f"INSERT OR IGNORE INTO crawls ({', '.join(columns)}) VALUES"
        f" ({', '.join('?' for _ in columns)})",
        [crawl[c] for c in columns],
    )
    main = db.execute("SELECT stats FROM crawls WHERE id = ?", [crawl_id]).fetchone()
    try:
        stats = json.loads(main[0] or "{}")
    except json.JSONDecodeError:
        stats = {}
    # The crawl `optout queue push` created knows only its token: the workers' settings say
    # how the sites were crawled (the main database's own values win).
    settings = {**_json(crawl["settings"]), **crawl_settings(db, crawl_id)}
    settings.pop("OPTOUT_WORKER", None)
    shards = dict(stats.get(SHARDS_STAT) or {})
    own = _json(crawl["stats"])
    shards[_worker(crawl, shard)] = {
        "status": crawl["status"],
        "started_at": crawl["started_at"],
        "finished_at": crawl["finished_at"],
        "stats": own,
    }
    combined: dict[str, Any] = _sum_stats([s.get("stats") or {} for s in shards.values()])
    combined[SHARDS_STAT] = shards
    finished_at = [s["finished_at"] for s in shards.values() if s.get("finished_at")]
    status = (
        "finished" if all(s["status"] == "finished" for s in shards.values()) else "interrupted"
    )
    db.execute(
        "UPDATE crawls SET started_at = min(started_at, ?), finished_at = ?, status = ?,"
        " stats = ?, settings = ? WHERE id = ?",
        [
            crawl["started_at"],
            max(finished_at) if status == "finished" and finished_at else None,
            status,
            to_json(combined),
            to_json(settings),
            crawl_id,
        ],
    )


def _sum_stats(all_stats: list[Mapping[str, Any]]) -> dict[str, Any]:
    """Numbers added up; the earliest start and latest finish time; other values dropped
    (they stay per worker)."""
    total: dict[str, Any] = {}
    for stats in all_stats:
        for name, value in stats.items():
            if isinstance(value, bool) or name == SHARDS_STAT:
                continue
            if isinstance(value, int | float):
                total[name] = total.get(name, 0) + value
            elif name == "start_time" and isinstance(value, str):
                total[name] = min(total.get(name, value), value)
            elif name == "finish_time" and isinstance(value, str):
                total[name] = max(total.get(name, value), value)
    return total
