"""``optout logs ingest``: access logs read into the evidence database, privately.

Each log is streamed line by line (``results.logs.sources``: files, globs, standard input;
plain, gzip, bzip2, zstd), parsed in its format (``audits.logs.formats``), and each line's
User-Agent is matched against the agent registry (``audits.logs.agents``). **Only the lines of
identified AI crawlers are stored** (and of impersonators of them), with the raw line, the
file's SHA-256 and the line number as evidence; every other line is counted and forgotten. A
claimed crawler is checked against its operator's published ranges (``audits.logs.ranges``,
and forward-confirmed reverse DNS with ``verify_dns``), then judged against the robots.txt in
force on its site at that moment (``audits.logs.judge``, the crawl history from
``results.logs.timeline`` or the user's ``--robots FILE --since DATE``).

A malformed line is counted and a few are sampled into the report (never stored: it may hold
anything); it never stops the ingest. A log whose decompressed content was ingested before adds
nothing, and a line already stored (the same log read again after it grew, or rotated into
another file) is not stored twice. Memory stays flat: lines are written in batches, each in
its own short transaction (a crawl writing the same database is never kept waiting long), and
the per-site tables are rebuilt from the stored lines in SQL and streams.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final

import sqlite_utils

from audits.core.agents import Agent, load_registry
from audits.logs import AgentHit, LogLine, RobotsInForce, Verification
from audits.logs.agents import AgentMatcher
from audits.logs.formats import (
    DETECT_SAMPLE_LINES,
    LogFormat,
    Malformed,
    detect_format,
    parse_format_spec,
)
from audits.logs.judge import Timeline, is_image_path, is_robots_path, path_prefix, spans_from_user
from audits.logs.ranges import RangeListError, RangeSet, bundled_ranges
from crawler.fcrdns import SYSTEM_RESOLVER, FcrdnsChecker, Resolver, verify_hit
from crawler.storage import StorageError, is_write_failure, now_iso, write_failure
from results.logs.rollup import rebuild_sites
from results.logs.sources import (
    MAX_LINE_CHARS,
    Compression,
    LogSource,
    LogSourceError,
    OpenLog,
    content_sha256,
    expand_sources,
    open_log,
)
from results.logs.store import forget_files, log_migrations, open_log_db
from results.logs.timeline import robots_timeline
from results.site_lookup import UnknownSite, resolve_site, typed_origin

SAMPLES: Final = 5
"""Malformed lines quoted in the report, per file."""
BATCH_ROWS: Final = 2000
"""Stored lines written per transaction."""
PROGRESS_LINES: Final = 20_000
"""Lines between two progress reports (and one at each file's start and end)."""
_HOSTS_KEPT: Final = 10_000
_TIMELINES_KEPT: Final = 64
_OCCURRENCES_KEPT: Final = 100_000
_OTHER_HOSTS_KEPT: Final = 100

_INSERT_LINE: Final = """
INSERT OR IGNORE INTO crawler_log_lines (
    log_file, origin, agent, purpose, operator, verification, verified_by, time, day, client,
    method, target, path_prefix, image, robots, status, size, user_agent, line_number, raw,
    judgement, rule, robots_fetch_id, line_key
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""


class IngestError(Exception):
    """The ingest cannot run as asked (a missing file, a bad format, an unknown site, a
    database that is not ours): one line, and nothing was written for the file concerned."""


@dataclass
class FileReport:
    """What one log held, and what was stored of it."""

    name: str
    compression: Compression | None = None
    format: str | None = None
    sha256: str | None = None
    already: str | None = None
    """When the same content was ingested before: when (nothing was added)."""
    lines: int = 0
    malformed: int = 0
    samples: list[Malformed] = field(default_factory=list)
    agent_lines: int = 0
    """Lines whose User-Agent names a registry agent, on a known site."""
    verified: int = 0
    impersonators: int = 0
    unverifiable: int = 0
    stored: int = 0
    """Agent lines new to the database (the rest were stored before, from another file)."""
    violations: int = 0
    """Hits judged ``disallowed`` by verified or unverifiable agents."""
    impersonator_violations: int = 0
    """Disallowed hits by impersonators: reported apart, never counted against an operator."""
    other_host_lines: int = 0
    """Agent lines for hosts that are not sites of the database (counted, not stored)."""
    unjudged: int = 0
    """Agent lines no robots.txt was known for at their time (``unknown``): not "allowed"."""
    other_hosts: Counter[str] = field(default_factory=Counter)
    first_time: datetime | None = None
    last_time: datetime | None = None
    error: str | None = None
    """Why the file could not be read through (unreadable, a damaged compressed stream):
    nothing of it was kept, and the other files were read."""


@dataclass
class IngestReport:
    """Every file's report, and the sites whose tables were rebuilt."""

    files: list[FileReport] = field(default_factory=list)
    sites: tuple[str, ...] = ()
    seconds: float = 0.0
    dns_lookups: int = 0
    """Reverse DNS checks made (``--verify-dns``)."""
    dns_stopped: str | None = None
    """Why the DNS checks stopped part-way (too many failures in a row), if they did."""

    def total(self, name: str) -> int:
        """The sum of one count over the files (``lines``, ``malformed``, ``stored``…)."""
        return sum(int(getattr(f, name)) for f in self.files)


@dataclass(frozen=True)
class IngestProgress:
    """Where an ingest is, for a progress bar."""

    name: str
    index: int
    """0-based index of the file being read."""
    files: int
    position: int
    """Bytes of the file read so far (compressed bytes for a compressed file)."""
    total: int | None
    """The file's size, None for standard input."""
    lines: int
    agent_lines: int
    malformed: int
    done: bool = False
    """The file is read through."""


ProgressCallback = Callable[[IngestProgress], None]
Tick = Callable[[OpenLog, "FileReport", bool], None]


def _since(value: datetime | date | str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError as err:
            raise IngestError(
                f"--since {value!r}: not a date (give it as 2026-11-02 or 2026-11-02T14:00Z)"
            ) from err
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _log_format(fmt: str | LogFormat | None) -> LogFormat | None:
    if fmt is None or isinstance(fmt, LogFormat):
        return fmt
    try:
        return parse_format_spec(fmt)
    except ValueError as err:
        raise IngestError(f"--format: {err}") from err


def _robots_body(robots: Path | bytes) -> bytes:
    if isinstance(robots, bytes):
        return robots
    try:
        return Path(robots).read_bytes()
    except FileNotFoundError as err:
        raise IngestError(f"--robots {robots}: no such file") from err
    except OSError as err:
        raise IngestError(f"--robots {robots}: cannot be read ({err.strerror or err})") from err


def _fetch_id(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


class _Sites:
    """Which site a line is for: the ``--site`` given, else its Host looked up among the
    database's sites (cached per host, boundedly)."""

    def __init__(self, conn: sqlite3.Connection, site: str | None) -> None:
        self._conn = conn
        self.site = site
        self._hosts: dict[str, str | None] = {}

    def origin(self, host: str | None) -> str | None:
        if self.site is not None:
            return self.site
        if not host:
            return None
        found = self._hosts.get(host, "")
        if found != "":
            return found
        if len(self._hosts) >= _HOSTS_KEPT:
            self._hosts.clear()
        found = self._lookup(host)
        self._hosts[host] = found
        return found

    def _lookup(self, host: str) -> str | None:
        name = host.strip().lower().rstrip(".")
        for default in (":80", ":443"):
            name = name.removesuffix(default)
        if not name or "/" in name or " " in name:
            return None
        candidates = (f"https://{name}", f"http://{name}")
        for candidate in candidates:
            row = self._conn.execute("SELECT 1 FROM sites WHERE origin = ?", [candidate]).fetchone()
            if row is not None:
                return candidate
        return None


class _Verifier:
    """Verified, impersonator or unverifiable: the published ranges, then (with
    ``--verify-dns``) forward-confirmed reverse DNS where the operator documents it
    (crawler/fcrdns.py)."""

    def __init__(self, ranges: RangeSet, dns: FcrdnsChecker | None) -> None:
        self._ranges = ranges
        self.dns = dns

    def verify(self, agent: str, client: str) -> tuple[Verification, str | None]:
        return verify_hit(self._ranges, agent, client, self.dns)


@dataclass
class _Context:
    """What every file of one ingest is read with."""

    db: sqlite_utils.Database
    sites: _Sites
    log_format: LogFormat | None
    matcher: AgentMatcher
    verifier: _Verifier
    timeline: Callable[[str], Timeline]
    robots_source: str
    """How hits are judged: ``history`` (the crawls), or the robots.txt the user gave."""


class _FileIngest:
    """Reads one log into the database."""

    def __init__(self, context: _Context, source: LogSource, report: FileReport, tick: Tick):
        self.db = context.db
        self.context = context
        self.source = source
        self.sites = context.sites
        self.log_format = context.log_format
        self.matcher = context.matcher
        self.verifier = context.verifier
        self.timelines = context.timeline
        self.report = report
        self.tick = tick
        self.file_id = 0
        self.touched: set[str] = set()
        self._rows: list[tuple[Any, ...]] = []
        self._occurrences: dict[bytes, int] = {}

    def run(self, log: OpenLog) -> None:
        report = self.report
        report.compression = log.compression
        lines = log.lines()
        head = list(itertools.islice(lines, 2 * DETECT_SAMPLE_LINES))
        log_format = self.log_format or detect_format(t for t in head if t is not None)
        if log_format is None and any(t and t.strip() for t in head):
            raise IngestError(
                f"{self.source.name}: not a log format optout knows (combined, common,"
                " vhost_combined, vhost_common, nginx-json, caddy, cloudflare); describe it"
                ' with --format (docs/logs.md, "Formats")'
            )
        report.format = log_format.name if log_format else None
        self.file_id = self._start()
        if log_format is not None:
            self._check_hosts(log_format, head)
            self._read(log, log_format, itertools.chain(head, lines))
        self._flush()
        self._finish(log.sha256())

    def _read(self, log: OpenLog, log_format: LogFormat, lines: Iterable[str | None]) -> None:
        """Every line: the loop every line of every log goes through, kept lean (most lines
        are parsed, matched to no agent, and forgotten)."""
        report = self.report
        parse = log_format.parse
        match = self.matcher.match
        number = 0
        for number, text in enumerate(lines, 1):
            if text is None:
                self._malformed(
                    Malformed(number, f"line longer than {MAX_LINE_CHARS} characters", "")
                )
                continue
            parsed = parse(text, number)
            if isinstance(parsed, Malformed):
                if parsed.reason != "empty line":  # a blank line is a line, not a malformed one
                    self._malformed(parsed)
            else:
                agent = match(parsed.user_agent)
                if agent is not None:
                    self._agent(agent, parsed)
            if not number % PROGRESS_LINES:
                report.lines = number
                self.tick(log, report, False)
        report.lines = number

    def _check_hosts(self, log_format: LogFormat, texts: Sequence[str | None]) -> None:
        """A log whose lines do not say which site they are for needs ``--site``."""
        if self.sites.site is not None:
            return
        parsed = [
            log_format.parse(t, n) for n, t in enumerate(texts, 1) if t is not None and t.strip()
        ]
        lines = [p for p in parsed if not isinstance(p, Malformed)]
        if lines and not any(p.host for p in lines):
            raise IngestError(
                f"{self.source.name}: its lines ({log_format.name} format) do not say which"
                " site they are for: give --site ORIGIN"
            )

    def _agent(self, agent: Agent, line: LogLine) -> None:
        """A line naming an agent: stored when its site is one of the database's."""
        origin = self.sites.origin(line.host)
        if origin is None:
            report = self.report
            report.other_host_lines += 1
            host = (line.host or "").lower()
            if host in report.other_hosts or len(report.other_hosts) < _OTHER_HOSTS_KEPT:
                report.other_hosts[host] += 1
            return
        self._agent_line(agent, origin, line)

    def _malformed(self, line: Malformed) -> None:
        self.report.malformed += 1
        if len(self.report.samples) < SAMPLES:
            self.report.samples.append(line)

    def _agent_line(self, agent: Agent, origin: str, line: LogLine) -> None:
        report = self.report
        report.agent_lines += 1
        verification, verified_by = self.verifier.verify(agent.token, line.client)
        if verification == "verified":
            report.verified += 1
        elif verification == "impersonator":
            report.impersonators += 1
        else:
            report.unverifiable += 1
        hit = AgentHit(line, agent.token, agent.purpose, verification, verified_by)
        judged = self.timelines(origin).judge(hit)
        if judged.judgement == "unknown":
            report.unjudged += 1
        if judged.judgement == "disallowed":
            if verification == "impersonator":
                report.impersonator_violations += 1
            else:
                report.violations += 1
        moment = line.time.astimezone(UTC)
        report.first_time = moment if report.first_time is None else min(report.first_time, moment)
        report.last_time = moment if report.last_time is None else max(report.last_time, moment)
        raw: str = line.raw
        self._rows.append(
            (
                self.file_id,
                origin,
                agent.token,
                agent.purpose,
                agent.operator,
                verification,
                verified_by,
                moment.isoformat(),
                moment.date().isoformat(),
                line.client,
                line.method,
                line.target,
                path_prefix(line.target),
                int(is_image_path(line.target)),
                int(is_robots_path(line.target)),
                line.status,
                line.size,
                line.user_agent,
                line.number,
                raw,
                judged.judgement,
                judged.rule,
                _fetch_id(judged.robots_fetch_id),
                self._line_key(raw),
            )
        )
        self.touched.add(origin)
        if len(self._rows) >= BATCH_ROWS:
            self._flush()

    def _line_key(self, raw: str) -> str:
        """The raw line and how many identical lines came before it in this file: the same
        request logged twice in one second is two lines, the same line read twice is one."""
        digest = hashlib.sha256(raw.encode("utf-8", "surrogatepass")).digest()
        seen = self._occurrences.get(digest, 0)
        if len(self._occurrences) >= _OCCURRENCES_KEPT:
            self._occurrences.clear()
        self._occurrences[digest] = seen + 1
        return hashlib.sha256(digest + seen.to_bytes(8, "big")).hexdigest()[:32]

    def _start(self) -> int:
        with self.db.conn:
            cursor = self.db.conn.execute(
                "INSERT INTO log_files (name, compression, format, site, robots_source,"
                " ingested_at, status, pid) VALUES (?, ?, ?, ?, ?, ?, 'reading', ?)",
                [
                    self.source.name,
                    self.report.compression,
                    self.report.format,
                    self.sites.site,
                    self.context.robots_source,
                    now_iso(),
                    os.getpid(),
                ],
            )
        return int(cursor.lastrowid or 0)

    def _flush(self) -> None:
        if not self._rows:
            return
        with self.db.conn:
            cursor = self.db.conn.executemany(_INSERT_LINE, self._rows)
        self.report.stored += max(cursor.rowcount, 0)
        self._rows.clear()

    def _finish(self, sha256: str) -> None:
        report = self.report
        report.sha256 = sha256
        conn = self.db.conn
        before = conn.execute(
            "SELECT ingested_at FROM log_files WHERE sha256 = ? AND status = 'done'", [sha256]
        ).fetchone()
        if before is not None:
            # The same content came in before (standard input, or a file that changed while it
            # was read): its lines were all there already.
            report.already = before[0]
            report.stored = 0
            forget_files(self.db, [self.file_id])
            return
        with conn:
            conn.execute(
                "UPDATE crawler_log_lines SET file_sha256 = ? WHERE log_file = ?",
                [sha256, self.file_id],
            )
            conn.execute(
                "UPDATE log_files SET sha256 = ?, format = ?, lines = ?, malformed = ?,"
                " agent_lines = ?, verified = ?, impersonators = ?, unverifiable = ?,"
                " violations = ?, other_host_lines = ?, stored_lines = ?, first_time = ?,"
                " last_time = ?, status = 'done', pid = NULL WHERE id = ?",
                [
                    sha256,
                    report.format,
                    report.lines,
                    report.malformed,
                    report.agent_lines,
                    report.verified,
                    report.impersonators,
                    report.unverifiable,
                    report.violations,
                    report.other_host_lines,
                    report.stored,
                    report.first_time.isoformat() if report.first_time else None,
                    report.last_time.isoformat() if report.last_time else None,
                    self.file_id,
                ],
            )


def _resolve_site(db: sqlite_utils.Database, site: str | None, *, register: bool) -> str | None:
    """The stored origin ``--site`` means; registered as a new site when the user gives its
    robots.txt (``register``), else IngestError naming close matches."""
    if site is None:
        if db.execute("SELECT 1 FROM sites LIMIT 1").fetchone() is None:
            raise IngestError(
                "the database has no sites yet: give --site ORIGIN (and its robots.txt with"
                " --robots FILE --since DATE), or crawl the site first (optout check SITE --db"
                " DB)"
            )
        return None
    try:
        return resolve_site(db.conn, site)
    except UnknownSite as err:
        if not register:
            raise IngestError(
                f"--site {site}: {err}; crawl it first (optout check {site} --db DB) or give"
                " its robots.txt with --robots FILE --since DATE"
            ) from err
    except ValueError as err:
        raise IngestError(f"--site {site}: cannot be read as a site: {err}") from err
    origin = typed_origin(site)
    with db.conn:
        db.conn.execute("INSERT OR IGNORE INTO sites (origin) VALUES (?)", [origin])
    return origin


def ingest(
    paths: Sequence[str | Path],
    db: str | Path | sqlite_utils.Database,
    site: str | None = None,
    fmt: str | LogFormat | None = None,
    robots: Path | bytes | None = None,
    since: datetime | date | str | None = None,
    verify_dns: bool = False,
    progress: ProgressCallback | None = None,
    *,
    ranges: RangeSet | None = None,
    resolver: Resolver | None = None,
) -> IngestReport:
    """Read access logs into the evidence database ``db`` (a path, or an open database);
    the module docstring says what is stored. IngestError, in one line, for what cannot be
    done as asked; files before the one that failed stay ingested. ``ranges`` and
    ``resolver`` replace the bundled IP ranges and the system's DNS (tests)."""
    started = time.monotonic()
    if not paths:
        raise IngestError("no log given: name files, globs, or - for standard input")
    try:
        sources = expand_sources([str(p) for p in paths])
    except LogSourceError as err:
        raise IngestError(str(err)) from err
    log_format = _log_format(fmt)
    if (robots is None) != (since is None):
        raise IngestError("--robots FILE and --since DATE go together: give both or neither")
    given: list[RobotsInForce] = []
    robots_source = "history"
    if robots is not None and since is not None:
        if site is None:
            raise IngestError("--robots FILE is one site's robots.txt: give --site ORIGIN too")
        body = _robots_body(robots)
        start = _since(since)
        given = spans_from_user(body, start)
        robots_source = (
            f"given: in force since {start.isoformat()}, sha256 {hashlib.sha256(body).hexdigest()}"
        )
    try:
        range_set = ranges if ranges is not None else bundled_ranges()
    except RangeListError as err:
        raise IngestError(f"the bundled IP ranges cannot be read: {err}") from err
    owned = not isinstance(db, sqlite_utils.Database)
    if owned and not given and not Path(str(db)).exists():
        raise IngestError(
            f"{db}: no such database: crawl your site into it first (optout check SITE --db"
            f" {db}), or give --site ORIGIN with its robots.txt (--robots FILE --since DATE)"
        )
    try:
        if isinstance(db, sqlite_utils.Database):
            database = db
            log_migrations.apply(database)
        else:
            database = open_log_db(db)
    except StorageError as err:
        raise IngestError(str(err)) from err
    report = IngestReport()
    try:
        origin = _resolve_site(database, site, register=bool(given))
        context = _Context(
            db=database,
            sites=_Sites(database.conn, origin),
            log_format=log_format,
            matcher=AgentMatcher(load_registry()),
            verifier=_Verifier(
                range_set, FcrdnsChecker(resolver or SYSTEM_RESOLVER) if verify_dns else None
            ),
            timeline=_timelines(database, given),
            robots_source=robots_source,
        )
        report = _ingest_sources(context, sources, progress)
        dns = context.verifier.dns
        if dns is not None:
            report.dns_lookups, report.dns_stopped = dns.lookups, dns.stopped
    except sqlite3.Error as err:
        if is_write_failure(err):
            name = db if not isinstance(db, sqlite_utils.Database) else "the database"
            raise IngestError(str(write_failure(name, err, "ingest the logs again"))) from err
        raise
    finally:
        if owned:
            database.close()
    report.seconds = time.monotonic() - started
    return report


def _timelines(
    db: sqlite_utils.Database, given: Sequence[RobotsInForce]
) -> Callable[[str], Timeline]:
    """Each site's timeline (its crawl history, and what the user gave), made once."""
    timelines: dict[str, Timeline] = {}

    def timeline(origin: str) -> Timeline:
        found = timelines.get(origin)
        if found is None:
            if len(timelines) >= _TIMELINES_KEPT:
                timelines.clear()
            found = timelines[origin] = Timeline([*robots_timeline(db, origin), *given])
        return found

    return timeline


def _ingest_sources(
    context: _Context, sources: Sequence[LogSource], progress: ProgressCallback | None
) -> IngestReport:
    report = IngestReport()
    touched: set[str] = set()
    try:
        for index, source in enumerate(sources):
            file_report = FileReport(source.name)
            report.files.append(file_report)
            tick = _ticker(progress, source.name, index, len(sources))
            try:
                touched |= _ingest_one(context, source, file_report, tick)
            except LogSourceError as err:  # this file only: the others are read
                file_report.error = str(err)
    finally:
        report.sites = tuple(sorted(touched))
        rebuild_sites(context.db, report.sites)
    return report


def _ticker(progress: ProgressCallback | None, name: str, index: int, files: int) -> Tick:
    def tick(log: OpenLog, current: FileReport, done: bool) -> None:
        if progress is not None:
            progress(
                IngestProgress(
                    name=name,
                    index=index,
                    files=files,
                    position=log.position,
                    total=log.total,
                    lines=current.lines,
                    agent_lines=current.agent_lines,
                    malformed=current.malformed,
                    done=done,
                )
            )

    return tick


def _ingest_one(
    context: _Context, source: LogSource, file_report: FileReport, tick: Tick
) -> set[str]:
    """Read one log (unless its content was ingested before); the sites it stored lines for."""
    db = context.db
    if not source.is_stdin:
        sha = content_sha256(source)
        before = db.execute(
            "SELECT ingested_at, compression, format FROM log_files"
            " WHERE sha256 = ? AND status = 'done'",
            [sha],
        ).fetchone()
        if before is not None:
            file_report.sha256 = sha
            file_report.already = before[0]
            file_report.compression = before[1]
            file_report.format = before[2]
            return set()
    with open_log(source) as log:
        tick(log, file_report, False)
        reader = _FileIngest(context, source, file_report, tick)
        try:
            reader.run(log)
        except BaseException:
            _abandon(db, reader.file_id)
            raise
        tick(log, file_report, True)
    return reader.touched


def _abandon(db: sqlite_utils.Database, file_id: int) -> None:
    """Forget what a file that failed half-way had stored (so that it can be read again)."""
    if not file_id:
        return
    with contextlib.suppress(sqlite3.Error):  # else the next ingest forgets it (store.py)
        forget_files(db, [file_id])
