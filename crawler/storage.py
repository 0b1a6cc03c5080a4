"""Raw evidence in SQLite: crawl runs, sites, fetch records and their bodies.

The ``fetches`` table is the source of truth every derived table is rebuilt from. Bodies are
content-addressed (``bodies.sha256``), so a body served by many sites or crawls is stored once.
Writes go in batched transactions in WAL mode, so readers (Datasette) never wait for the crawl
and a killed crawl loses at most the batch in flight.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any, Final, Literal, cast, get_args

import sqlite_utils
from sqlite_utils import Migrations

from audits.core.evidence import Fetch, FetchKind, SiteEvidence
from crawler.items import FetchRecord, SiteDone
from crawler.seeds import FIELDS as SEED_FIELDS
from results.rollups import PAGE_ROLLUPS
from results.schema import (
    CRAWL_COUNTS,
    SCHEMA_DERIVED,
    SCHEMA_LATEST,
    SCHEMA_PLATFORMS,
    SCHEMA_PROBES,
    SCHEMA_ROLLUPS,
    SCHEMA_SCALE,
    SCHEMA_WEBHOOKS,
    SCHEMA_WORDS,
    UNFINISHED_DERIVED,
)

CrawlStatus = Literal["running", "finished", "interrupted", "failed"]
CRAWL_STATUSES: Final = frozenset(get_args(CrawlStatus))
BUSY_TIMEOUT_MS: Final = 10_000
SITE_FIELDS: Final = tuple(name for name in SEED_FIELDS if name not in ("origin", "domain"))
"""The seed columns kept per site (the origin is the key; a bare domain became the origin)."""


class StorageError(Exception):
    """The database cannot be used as asked (not SQLite, unknown crawl, bad seed)."""


_WRITE_FAILURES: Final = (
    "SQLITE_FULL",
    "SQLITE_IOERR",
    "SQLITE_BUSY",
    "SQLITE_LOCKED",
    "SQLITE_READONLY",
    "SQLITE_CANTOPEN",
)


def is_write_failure(exc: sqlite3.Error) -> bool:
    """Whether an error is the environment refusing a write (full disk, lock, I/O), not a bug."""
    return str(getattr(exc, "sqlite_errorname", "")).startswith(_WRITE_FAILURES)


def unusable_db(path: str | Path, exc: sqlite3.DatabaseError) -> StorageError:
    """Why opening (and migrating) the evidence database failed, in one line."""
    if is_write_failure(exc):
        return write_failure(path, exc)
    return StorageError(f"{path}: cannot be used as the evidence database ({exc})")


def write_failure(
    path: str | Path, exc: sqlite3.Error, again: str = "run the command again"
) -> StorageError:
    """A one-line StorageError saying why writing to the database failed and what to do.

    SQLite reports a full disk as SQLITE_FULL, but a write refused with EFBIG (a file size
    limit) or EIO only as a generic I/O error, so that one names the likely causes.
    """
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name == "SQLITE_FULL":
        why = "the disk is full"
    elif name.startswith("SQLITE_IOERR"):
        why = "a write failed (disk full, a file size limit or an I/O error)"
    elif name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        why = "another process kept it locked"
    else:
        why = "SQLite refused the write"
    return StorageError(
        f"{path}: could not write the evidence database: {why} ({exc}). The write was rolled"
        f" back and the database is intact; fix the cause and {again}"
    )


migrations = Migrations("optout")

# Written as SQL rather than through ``Table.create`` because sqlite-utils has no public way
# to declare AUTOINCREMENT (crawl ids must never be reused) or CHECK constraints.
_SCHEMA_1: Final = (
    """CREATE TABLE crawls (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        status TEXT NOT NULL
            CHECK (status IN ('running', 'finished', 'interrupted', 'failed')),
        seeds_source TEXT,
        settings TEXT,
        stats TEXT,
        tool_version TEXT,
        interpreter_version TEXT,
        registry_version TEXT,
        resumed_count INTEGER NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE sites (
        origin TEXT PRIMARY KEY,
        name TEXT,
        kind TEXT,
        platform TEXT,
        country TEXT,
        tags TEXT,
        render INTEGER,
        profile_pattern TEXT,
        artwork_pattern TEXT,
        first_crawl_id INTEGER REFERENCES crawls(id),
        last_crawl_id INTEGER REFERENCES crawls(id)
    )""",
    """CREATE TABLE site_status (
        crawl_id INTEGER NOT NULL REFERENCES crawls(id),
        origin TEXT NOT NULL REFERENCES sites(origin),
        status TEXT NOT NULL,
        fetches INTEGER,
        errors INTEGER,
        finished_at TEXT,
        PRIMARY KEY (crawl_id, origin)
    )""",
    """CREATE TABLE bodies (
        sha256 TEXT PRIMARY KEY,
        body BLOB NOT NULL,
        length INTEGER NOT NULL
    )""",
    """CREATE TABLE fetches (
        id INTEGER PRIMARY KEY,
        crawl_id INTEGER NOT NULL REFERENCES crawls(id),
        origin TEXT NOT NULL REFERENCES sites(origin),
        kind TEXT NOT NULL,
        requested_url TEXT NOT NULL,
        final_url TEXT,
        redirect_chain TEXT,
        status INTEGER,
        headers TEXT,
        body_sha256 TEXT REFERENCES bodies(sha256),
        body_length INTEGER,
        stored_length INTEGER,
        truncated INTEGER NOT NULL DEFAULT 0,
        error_class TEXT,
        error_message TEXT,
        elapsed_ms REAL,
        fetched_at TEXT,
        rendered INTEGER NOT NULL DEFAULT 0,
        skipped TEXT,
        bot_wall TEXT,
        parent_url TEXT
    )""",
    "CREATE UNIQUE INDEX fetches_once ON fetches (crawl_id, origin, kind, requested_url, rendered)",
    "CREATE INDEX fetches_crawl_origin ON fetches (crawl_id, origin)",
    "CREATE INDEX fetches_origin ON fetches (origin)",
    "CREATE INDEX fetches_kind ON fetches (kind)",
    "CREATE INDEX fetches_status ON fetches (status)",
    "CREATE INDEX fetches_error_class ON fetches (error_class)",
    "CREATE INDEX fetches_body ON fetches (body_sha256)",
)


@migrations()
def m001_raw_evidence(db: sqlite_utils.Database) -> None:
    """Crawl runs, sites, per-crawl site status, bodies and fetch records."""
    for statement in _SCHEMA_1:
        db.execute(statement)


@migrations()
def m002_derived(db: sqlite_utils.Database) -> None:
    """Tables the audit derives from the evidence (verdicts, findings, changes, summaries)."""
    for statement in SCHEMA_DERIVED:
        db.execute(statement)


@migrations()
def m003_webhook_deliveries(db: sqlite_utils.Database) -> None:
    """One row per webhook POST after an audit: where, with what outcome, after how many tries."""
    for statement in SCHEMA_WEBHOOKS:
        db.execute(statement)


@migrations()
def m004_platform_sampling(db: sqlite_utils.Database) -> None:
    """Per platform and crawl: how many profiles were found (the population) and sampled."""
    db.execute("ALTER TABLE site_status ADD COLUMN profile_candidates INTEGER")
    db.execute("ALTER TABLE site_status ADD COLUMN profiles_sampled INTEGER")


@migrations()
def m005_platforms_images(db: sqlite_utils.Database) -> None:
    """Images, sampled platform profiles, per-platform summaries and site builder columns."""
    for statement in SCHEMA_PLATFORMS:
        db.execute(statement)


@migrations()
def m006_scale_indexes(db: sqlite_utils.Database) -> None:
    """Compact robots.txt verdicts behind a view, and indexes for a million sites."""
    for statement in SCHEMA_SCALE:
        db.execute(statement)
    for (crawl,) in db.execute("SELECT crawl_id FROM audits").fetchall():
        for statement in CRAWL_COUNTS:
            db.execute(statement, {"crawl": crawl})


@migrations()
def m007_latest_sites_table(db: sqlite_utils.Database) -> None:
    """latest_sites becomes a table the audit keeps current, filled from the summaries."""
    for statement in SCHEMA_LATEST:
        db.execute(statement, {"crawl": None})


@migrations()
def m008_unfinished_crawls_unaudited(db: sqlite_utils.Database) -> None:
    """Only finished crawls are audited: drop what was derived from crawls that never finished
    (and changes computed against them), so no headline, feed or change list counts them."""
    for statement in UNFINISHED_DERIVED:
        db.execute(statement)


_FETCH_AGENT: Final = (
    "ALTER TABLE fetches ADD COLUMN agent TEXT",
    "DROP INDEX fetches_once",
    # One probe per agent repeats the same URL: the agent is part of what a fetch is. NULL
    # (ours) is written as '' so that our own fetches stay unique too (NULLs never collide).
    "CREATE UNIQUE INDEX fetches_once ON fetches"
    " (crawl_id, origin, kind, requested_url, rendered, ifnull(agent, ''))",
)


@migrations()
def m009_fetch_agent(db: sqlite_utils.Database) -> None:
    """Probes: ``fetches.agent``, the registry token of the agent whose User-Agent string a
    probe sent (NULL for every fetch made as ourselves, so older rows need no change)."""
    for statement in _FETCH_AGENT:
        db.execute(statement)


@migrations()
def m010_probe_tables(db: sqlite_utils.Database) -> None:
    """What the audit reads from probes: per probe and per probed agent (results/schema.py)."""
    for statement in SCHEMA_PROBES:
        db.execute(statement)


@migrations()
def m011_words(db: sqlite_utils.Database) -> None:
    """Reservations written in words: the statements read per site, the verdicts counting
    them, and the uses a site reserves in words only (results/schema.py)."""
    for statement in SCHEMA_WORDS:
        db.execute(statement)


@migrations()
def m012_page_rollups(db: sqlite_utils.Database) -> None:
    """Per-crawl rollups for the landing page, mechanisms_in_use, adoption_over_time and
    change_feed (results/rollups.py), filled for every crawl already audited."""
    for statement in SCHEMA_ROLLUPS:
        db.execute(statement)
    for (crawl,) in db.execute("SELECT crawl_id FROM audits ORDER BY crawl_id").fetchall():
        for statement in PAGE_ROLLUPS:
            db.execute(statement, {"crawl": crawl})


SQLITE_HEADER: Final = b"SQLite format 3\x00"
_FOREIGN_ADVICE: Final = "nothing was written to it; give --db a new file or one optout made"


def refuse_foreign_db(path: str | Path) -> None:
    """StorageError unless ``path`` is missing, empty, a SQLite file with no schema yet, or an
    optout database; reads only, so a foreign file is left byte-identical.

    Ours means: our migration set is recorded in sqlite-utils' ``_sqlite_migrations`` table.
    Every optout database has had it since its first table (``open_db`` applies the
    migrations), and no other program writes rows under our set's name.
    """
    path = Path(path)
    try:
        with path.open("rb") as stream:
            head = stream.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StorageError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    if not head:
        return
    if head != SQLITE_HEADER:
        raise StorageError(f"{path}: not an optout database (not a SQLite file); {_FOREIGN_ADVICE}")
    others = _foreign_tables(path)
    if others:
        shown = ", ".join(others[:3]) + (", …" if len(others) > 3 else "")
        raise StorageError(
            f"{path}: not an optout database (it holds other tables: {shown}); {_FOREIGN_ADVICE}"
        )


def _foreign_tables(path: Path) -> list[str]:
    """The tables of a SQLite file that is not ours (none for ours or one with no schema)."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            rows = conn.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
                " AND name NOT LIKE 'sqlite~_%' ESCAPE '~' ORDER BY name"
            ).fetchall()
            names = [name for (name,) in rows]
            if set(names) <= {Migrations.migrations_table}:
                return []  # new, or a first open_db is between creating the table and m001
            if Migrations.migrations_table not in names:
                return names
            ours = conn.execute(
                f"SELECT 1 FROM [{Migrations.migrations_table}] WHERE migration_set = ? LIMIT 1",
                [migrations.name],
            ).fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise StorageError(f"{path}: not a readable SQLite database ({exc})") from exc
    return [] if ours else names


def open_db(path: str | Path) -> sqlite_utils.Database:
    """Open (or create) the evidence database in WAL mode, with every migration applied;
    StorageError, before anything is written, for a file another program made."""
    path = Path(path)
    refuse_foreign_db(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(path)
    try:
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.enable_wal()
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = ON")
        migrations.apply(db)
    except sqlite3.DatabaseError as exc:
        db.close()
        raise unusable_db(path, exc) from exc
    return db


def now_iso() -> str:
    """The current UTC time as an ISO 8601 string, to the millisecond."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _json_default(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return str(value)


def to_json(value: object) -> str:
    """JSON text for settings and stats: datetimes as ISO strings, anything else odd as text."""
    return json.dumps(value, default=_json_default, sort_keys=True)


def start_crawl(
    db: sqlite_utils.Database,
    *,
    seeds_source: str | None,
    settings: Mapping[str, Any],
    tool_version: str,
    interpreter_version: str,
    registry_version: str,
    crawl_id: int | None = None,
) -> int:
    """Record a new running crawl and return its id (``crawl_id``: a given id, as a worker's
    shard takes the id of the shared crawl)."""
    cursor = db.execute(
        "INSERT INTO crawls (id, started_at, status, seeds_source, settings, tool_version,"
        " interpreter_version, registry_version) VALUES (?, ?, 'running', ?, ?, ?, ?, ?)",
        [
            crawl_id,
            now_iso(),
            seeds_source,
            to_json(dict(settings)),
            tool_version,
            interpreter_version,
            registry_version,
        ],
    )
    return cast(int, cursor.lastrowid)


def resume_crawl(db: sqlite_utils.Database) -> int | None:
    """Mark the latest running or interrupted crawl as running again; None when there is none."""
    with db.atomic():
        row = next(
            db.query(
                "SELECT id FROM crawls WHERE status IN ('running', 'interrupted')"
                " ORDER BY id DESC LIMIT 1"
            ),
            None,
        )
        if row is None:
            return None
        db.execute(
            "UPDATE crawls SET status = 'running', finished_at = NULL,"
            " resumed_count = resumed_count + 1 WHERE id = ?",
            [row["id"]],
        )
    return cast(int, row["id"])


def finish_crawl(
    db: sqlite_utils.Database, crawl_id: int, status: CrawlStatus, stats: Mapping[str, Any]
) -> None:
    """Close a crawl with its final status and its stats (stored as JSON)."""
    if status not in CRAWL_STATUSES:
        raise ValueError(f"crawl status {status!r} is not one of {sorted(CRAWL_STATUSES)}")
    cursor = db.execute(
        "UPDATE crawls SET status = ?, finished_at = ?, stats = ? WHERE id = ?",
        [status, now_iso(), to_json(dict(stats)), crawl_id],
    )
    if cursor.rowcount == 0:
        raise StorageError(f"no crawl with id {crawl_id} to finish")


def done_origins(db: sqlite_utils.Database, crawl_id: int) -> set[str]:
    """The origins already complete in one crawl (a resumed crawl skips them)."""
    rows = db.query(
        "SELECT origin FROM site_status WHERE crawl_id = ? AND status = 'done'", [crawl_id]
    )
    return {row["origin"] for row in rows}


def _site_row(seed: Mapping[str, Any]) -> dict[str, Any]:
    origin = seed.get("origin")
    if not origin:
        raise StorageError(f"seed has no origin: {dict(seed)!r}")
    row = {name: seed[name] for name in SITE_FIELDS if name in seed}
    if "tags" in row and row["tags"] is not None:
        row["tags"] = json.dumps(list(row["tags"]), ensure_ascii=False)
    return {"origin": str(origin), **row}


def _register_origins(db: sqlite_utils.Database, origins: Mapping[str, int]) -> None:
    """Make sure every origin has a ``sites`` row, and point it at its latest crawl."""
    if not origins:
        return
    db.table("sites").insert_all(
        ({"origin": o, "first_crawl_id": c, "last_crawl_id": c} for o, c in origins.items()),
        ignore=True,
    )
    db.table("sites").upsert_all(
        ({"origin": o, "last_crawl_id": c} for o, c in origins.items()), pk="origin"
    )


def upsert_site(db: sqlite_utils.Database, seed_fields: Mapping[str, Any], crawl_id: int) -> None:
    """Insert or update a site from its seed fields; its first crawl is kept, its last set."""
    row = _site_row(seed_fields)
    with db.atomic():
        _register_origins(db, {row["origin"]: crawl_id})
        db.table("sites").upsert(row, pk="origin")


def _fetch_rows(record: FetchRecord) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The ``fetches`` row of a record, and its ``bodies`` row when it has a body."""
    body = record.body
    body_row = None
    sha256 = None
    if body is not None:
        # The one place a body is hashed: from the bytes actually stored, so the content
        # address always matches them.
        sha256 = hashlib.sha256(body).hexdigest()
        body_row = {"sha256": sha256, "body": body, "length": len(body)}
    fetch_row = {
        "crawl_id": record.crawl_id,
        "origin": record.origin,
        "kind": record.kind,
        "requested_url": record.requested_url,
        "final_url": record.final_url,
        "redirect_chain": json.dumps(list(record.redirect_chain)),
        "status": record.status,
        "headers": json.dumps([[name, value] for name, value in record.headers]),
        "body_sha256": sha256,
        "body_length": record.body_length
        if record.body_length is not None
        else (len(body) if body is not None else None),
        "stored_length": len(body) if body is not None else None,
        "truncated": bool(record.truncated),
        "error_class": record.error_class,
        "error_message": record.error_message,
        "elapsed_ms": record.elapsed_ms,
        "fetched_at": record.fetched_at or None,
        "rendered": bool(record.rendered),
        "skipped": record.skipped,
        "bot_wall": record.bot_wall,
        "parent_url": record.parent_url,
        "agent": record.agent,
    }
    return fetch_row, body_row


class FetchWriter:
    """Buffers fetch records and site completions, and writes them in one transaction per batch.

    A site's completion is buffered behind its fetches and written in the same transaction,
    so a crash never leaves a site marked done whose fetches were lost.
    """

    def __init__(
        self,
        db: sqlite_utils.Database,
        batch_size: int = 200,
        max_buffer_bytes: int = 32 * 1024 * 1024,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        self.db = db
        self.batch_size = batch_size
        self.max_buffer_bytes = max_buffer_bytes
        self._origins: dict[str, int] = {}
        self._sites: dict[str, dict[str, Any]] = {}
        self._bodies: dict[str, dict[str, Any]] = {}
        self._fetches: list[dict[str, Any]] = []
        self._done: list[dict[str, Any]] = []
        self._buffered_bytes = 0

    @property
    def pending(self) -> int:
        """How many rows wait for the next flush."""
        return len(self._sites) + len(self._fetches) + len(self._done)

    def add_fetch(self, record: FetchRecord) -> None:
        """Buffer one fetch record (and its body)."""
        fetch_row, body_row = _fetch_rows(record)
        self._origins[record.origin] = record.crawl_id
        self._fetches.append(fetch_row)
        if body_row is not None and body_row["sha256"] not in self._bodies:
            self._bodies[body_row["sha256"]] = body_row
            self._buffered_bytes += body_row["length"]
        self._flush_when_full()

    def add_site_done(self, done: SiteDone) -> None:
        """Buffer a site's completion: committed with (or after) all its buffered fetches."""
        self._origins[done.origin] = done.crawl_id
        self._done.append(
            {
                "crawl_id": done.crawl_id,
                "origin": done.origin,
                "status": "done",
                "fetches": done.fetches,
                "errors": done.errors,
                "finished_at": done.finished_at or now_iso(),
                "profile_candidates": done.profile_candidates,
                "profiles_sampled": done.profiles_sampled,
            }
        )
        self._flush_when_full()

    def add_site(self, seed: Mapping[str, Any], crawl_id: int) -> None:
        """Buffer a site's seed fields (name, kind, platform, ...)."""
        row = _site_row(seed)
        self._origins[row["origin"]] = crawl_id
        self._sites[row["origin"]] = row
        self._flush_when_full()

    def _flush_when_full(self) -> None:
        if self.pending >= self.batch_size or self._buffered_bytes >= self.max_buffer_bytes:
            self.flush()

    def flush(self) -> None:
        """Write everything buffered in one transaction; buffers are kept if it fails."""
        if not self.pending:
            return
        with self.db.atomic():
            _register_origins(self.db, self._origins)
            if self._sites:
                self.db.table("sites").upsert_all(self._sites.values(), pk="origin")
            if self._bodies:
                self.db.table("bodies").insert_all(self._bodies.values(), ignore=True)
            if self._fetches:
                self.db.table("fetches").insert_all(self._fetches, ignore=True)
            if self._done:
                self.db.table("site_status").upsert_all(self._done, pk=("crawl_id", "origin"))
        self._origins.clear()
        self._sites.clear()
        self._bodies.clear()
        self._fetches.clear()
        self._done.clear()
        self._buffered_bytes = 0

    def close(self) -> None:
        """Flush what is left (the database stays open for its owner to close)."""
        self.flush()


_EVIDENCE_SQL: Final = """
SELECT f.id, f.origin, f.kind, f.requested_url, f.final_url, f.redirect_chain, f.status,
       f.headers, f.error_class, f.rendered, f.skipped, f.agent, b.body
FROM fetches AS f LEFT JOIN bodies AS b ON b.sha256 = f.body_sha256
WHERE f.crawl_id = ?
ORDER BY f.origin, f.id
"""


def _fetch_from_row(row: Mapping[str, Any], rendered_body: bytes | None) -> Fetch:
    return Fetch(
        url=row["requested_url"],
        kind=cast(FetchKind, row["kind"]),
        status=row["status"],
        headers=tuple(
            (str(name), str(value)) for name, value in json.loads(row["headers"] or "[]")
        ),
        body=row["body"],
        error=row["error_class"],
        redirects=tuple(json.loads(row["redirect_chain"] or "[]")),
        final_url=row["final_url"],
        fetch_id=str(row["id"]),
        rendered_body=rendered_body,
        skipped=row["skipped"],
        agent=row["agent"],
    )


_KIND_ORDER: Final = (
    "robots",
    "aitxt",
    "tdmrep",
    "llms",
    "home",
    "sitemap",
    "page",
    "tos",
    "imprint",
    "profile",
    "artwork",
    "image",
    "image-tail",
    "original",
    "license",
    "probe",  # last: each repeats a baseline fetch above it
)
_KIND_RANK: Final = {kind: rank for rank, kind in enumerate(_KIND_ORDER)}


def _evidence_order(row: Mapping[str, Any]) -> tuple[int, str, int, str]:
    """Kind (policy files, pages, images, as a crawl asks; probes last), URL, rendered flag,
    probed agent: unique per site."""
    rank = _KIND_RANK.get(row["kind"], len(_KIND_RANK))
    return rank, row["requested_url"], row["rendered"], row["agent"] or ""


def _site_fetches(rows: list[dict[str, Any]]) -> tuple[Fetch, ...]:
    """One origin's rows as fetches; a rendered row rides on its raw twin as ``rendered_body``.

    In a fixed order (``_evidence_order``), not the order they were stored in: that follows
    which response came first, and a resumed crawl stores a site's records in yet another, so
    which evidence a capped list names or a summary puts first would depend on timing.
    """
    rows = sorted(rows, key=_evidence_order)
    rendered = {(r["kind"], r["requested_url"]): r for r in rows if r["rendered"]}
    raw = {(r["kind"], r["requested_url"]) for r in rows if not r["rendered"]}
    fetches = []
    for row in rows:
        key = (row["kind"], row["requested_url"])
        if not row["rendered"]:
            twin = rendered.get(key)
            fetches.append(_fetch_from_row(row, twin["body"] if twin else None))
        elif key not in raw:
            # Only the rendered DOM exists: it is both what was served and what ran.
            fetches.append(_fetch_from_row(row, row["body"]))
    return tuple(fetches)


def _seed_facts(db: sqlite_utils.Database, crawl_id: int) -> dict[str, dict[str, Any]]:
    """Kind and platform patterns of each site of one crawl (one small row per site)."""
    rows = db.query(
        "SELECT origin, kind, profile_pattern, artwork_pattern FROM sites WHERE origin IN"
        " (SELECT DISTINCT origin FROM fetches WHERE crawl_id = ?)",
        [crawl_id],
    )
    return {row.pop("origin"): row for row in rows}


def site_evidence(db: sqlite_utils.Database, crawl_id: int, origin: str) -> SiteEvidence | None:
    """One origin's stored fetches of one crawl (None when it has none), with its seed's facts;
    what ``iter_site_evidence`` yields for it, read through the (crawl_id, origin) index."""
    sql = _EVIDENCE_SQL.replace("WHERE f.crawl_id = ?", "WHERE f.crawl_id = ? AND f.origin = ?")
    rows = list(db.query(sql, [crawl_id, origin]))
    if not rows:
        return None
    facts = db.query(
        "SELECT kind, profile_pattern, artwork_pattern FROM sites WHERE origin = ?", [origin]
    )
    return SiteEvidence(origin=origin, fetches=_site_fetches(rows), **next(iter(facts), {}))


def iter_site_evidence(db: sqlite_utils.Database, crawl_id: int) -> Iterator[SiteEvidence]:
    """Each origin's stored fetches of one crawl, streamed origin by origin, with its seed's
    kind and platform patterns."""
    facts = _seed_facts(db, crawl_id)
    rows = db.query(_EVIDENCE_SQL, [crawl_id])
    for origin, group in groupby(rows, key=itemgetter("origin")):
        yield SiteEvidence(
            origin=origin, fetches=_site_fetches(list(group)), **facts.get(origin, {})
        )
