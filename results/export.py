"""Exports of one audited crawl for report writers: JSON, CSV and NDJSON (Parquet:
``results.export_parquet``).

The JSON document follows ``schemas/export.schema.json`` (see ``docs/export.md``). Its site
objects come at two levels of detail (``DETAILS``): ``compact``, the default, which a report
needs and stays within about 20 KB a site (``results.export_compact``), and ``full``, which
adds every robots.txt verdict per agent and path, every fetch record and every image. Every
export is deterministic: keys sorted, sites in origin order, summary lists in a fixed order
and no wall-clock time of its own, so two exports of the same audit are byte-identical.
Sites are streamed from ``site_summary`` one at a time; the summary comes from the derived
tables with SQL. All reads happen in one read transaction, so an audit that commits while an
export runs cannot make the summary and the sites disagree.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Final, Literal, TextIO, cast, get_args
from urllib.request import pathname2url

import sqlite_utils
from scrapy.settings import BaseSettings

from audits import TOOL, TOOL_VERSION
from audits.core.agents import load_registry
from audits.core.findings import Severity
from audits.core.uses import USES, State
from audits.signals.aipref import ATTACH_REVISION, VOCAB_REVISION
from crawler.storage import StorageError, refuse_foreign_db
from results.derive import AuditError, audited, resolve_crawl
from results.export_compact import compact_site
from results.export_platforms import by_builder, platforms
from results.logs.publish import export_site_logs, logs_summary, site_logs
from results.logs.store import has_logs
from results.probe_rows import probe_summary
from results.report_types import SiteReport
from results.robots_rows import full_report, load_report
from results.schema import SITE_HEADLINE, SITE_TALLIES
from results.site_fixes import fixes_object, site_fixes
from results.site_lookup import site_candidates
from results.taken import site_taken

SCHEMA_VERSION: Final = "2.0"
SCHEMA_ID: Final = f"https://optout-audit.example/schemas/export/{SCHEMA_VERSION}.json"
FORMATS: Final = ("json", "csv", "ndjson")
DETAILS: Final = ("compact", "full")
Detail = Literal["compact", "full"]
STATES: Final = get_args(State)
SEVERITIES: Final = get_args(Severity)
TOP_AGENTS: Final = 10
SITE_KEYS: Final = frozenset(
    {"origin", "name", "kind", "platform", "country", "tags", "summary", "verdicts"}
    | {"robots", "findings", "evidence", "versions", "images", "builder", "statements"}
)
_ADDED_LATER: Final = ("images", "builder", "statements")
"""Keys of schema 1.1 (images, builder) and 1.5 (statements) that a report stored by an older
audit lacks: exported as null, which says "not read"."""
OPTIONAL_SITE_KEYS: Final = frozenset({"probes", "crawler_logs", "taken"})
"""Keys a site object has only when there is something to say (``probes``: the crawl probed
the site; ``crawler_logs``: an ingested access log holds lines of its AI crawlers; ``taken``:
Common Crawl captures or training-set matches were looked up), so that a site without them
exports as it did before they existed."""
CSV_COLUMNS: Final = (
    *SITE_HEADLINE,
    *SITE_TALLIES,
    "robots_state",
    "authorship",
    "builder",
    "opt_out_author",
)
# Crawl settings that change what the audit could see: (export name, Scrapy setting, type).
_SETTINGS: Final = (
    ("user_agent", "USER_AGENT", str),
    ("robots_token", "OPTOUT_AGENT_TOKEN", str),
    ("page_sample", "OPTOUT_PAGE_SAMPLE", int),
    ("image_sample", "OPTOUT_IMAGE_SAMPLE", int),
    ("license_sample", "OPTOUT_LICENSE_SAMPLE", int),
    ("policy_max_bytes", "OPTOUT_POLICY_MAXBYTES", int),
    ("page_max_bytes", "OPTOUT_PAGE_MAXBYTES", int),
    ("image_max_bytes", "OPTOUT_IMAGE_MAXBYTES", int),
    ("render", "OPTOUT_RENDER", bool),
    ("profile_sample", "OPTOUT_PROFILE_SAMPLE", int),
    ("artwork_sample", "OPTOUT_ARTWORK_SAMPLE", int),
    ("sample_seed", "OPTOUT_SAMPLE_SEED", str),
)
# The registry's definition (``Registry.training_agents``), applied to the audit's agents table.
_TRAINING_AGENTS: Final = "purpose IN ('train', 'control') AND NOT legacy"


class ExportError(Exception):
    """The export cannot run as asked (no database, unknown crawl, not audited, bad filter)."""


@dataclass(frozen=True)
class Selection:
    """Which sites an export covers: any of the kinds, any of the countries, any of the sites,
    any of the platforms, and a verdict among ``verdicts`` for any of ``uses``.

    An empty tuple means no filter on that field; the fields combine with AND. ``uses`` says
    which verdicts ``verdicts`` reads (``train`` when none is given) and selects nothing alone.
    """

    kinds: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()
    verdicts: tuple[str, ...] = ()

    def verdict_uses(self) -> tuple[str, ...]:
        """The uses whose verdicts ``verdicts`` is read against, in ``USES`` order."""
        if not self.verdicts:
            return ()
        chosen = {u.strip().lower() for u in self.uses} or {"train"}
        return tuple(u for u in USES if u in chosen)

    def where(self, crawl_id: int) -> tuple[str, list[Any]]:
        """A WHERE clause on ``site_summary`` selecting these sites of one crawl."""
        clauses: list[str] = ["crawl_id = ?"]
        params: list[Any] = [crawl_id]
        for column, values in (
            ("lower(kind)", [k.lower() for k in self.kinds]),
            ("upper(country)", [c.upper() for c in self.countries]),
            ("lower(origin)", [o for site in self.sites for o in site_origins(site)]),
            ("lower(platform)", [o for p in self.platforms for o in platform_origins(p)]),
        ):
            if values:
                clauses.append(f"{column} IN ({', '.join('?' for _ in values)})")
                params.extend(values)
        states = sorted({v.strip().lower() for v in self.verdicts})
        if states:
            marks = ", ".join("?" for _ in states)
            # Column names from USES only (never from the caller): ai-use is ai_use.
            either = [f"{u.replace('-', '_')} IN ({marks})" for u in self.verdict_uses()]
            clauses.append(f"({' OR '.join(either)})")
            params.extend(states * len(either))
        return " AND ".join(clauses), params

    def as_json(self) -> dict[str, list[str]]:
        return {
            "kinds": sorted({k.lower() for k in self.kinds}),
            "countries": sorted({c.upper() for c in self.countries}),
            "sites": sorted({s.strip() for s in self.sites}),
            "platforms": sorted({p.strip().lower() for p in self.platforms}),
            "uses": list(self.verdict_uses()),
            "verdicts": [s for s in STATES if s in {v.strip().lower() for v in self.verdicts}],
        }


def site_origins(value: str) -> tuple[str, ...]:
    """The origins a ``--site`` value may mean, read as every typed site is
    (results/site_lookup.py): any address on the site, any case, either scheme."""
    return site_candidates(value)


def platform_origins(value: str) -> tuple[str, ...]:
    """What a ``--platform`` value may mean: the platform's origin typed as a site is, or the
    value as stored (lower case), as ``optout changes`` matches it."""
    return tuple(dict.fromkeys((*site_candidates(value), value.strip().lower())))


def open_export_db(path: str | Path, crawl: str | int | None) -> tuple[sqlite_utils.Database, int]:
    """Open the database read-only and resolve an audited crawl; ExportError with advice if not."""
    path = Path(path)
    if not path.is_file():
        raise ExportError(f"{path}: no such database file")
    try:
        refuse_foreign_db(path)
    except StorageError as err:
        raise ExportError(str(err)) from err
    conn = sqlite3.connect(f"file:{pathname2url(str(path.resolve()))}?mode=ro", uri=True)
    db = sqlite_utils.Database(conn)
    try:
        tables = set(db.table_names())
        if "crawls" not in tables:
            raise ExportError(f"{path}: not an optout database (it has no crawls table)")
        crawl_id = resolve_crawl(db, crawl)
        if "audits" not in tables or not audited(db, crawl_id):
            raise ExportError(
                f"crawl {crawl_id} in {path} has not been audited yet: "
                f"run `optout audit --db {path} --crawl {crawl_id}` first"
            )
    except AuditError as err:
        db.close()
        raise ExportError(f"{path}: {err}") from err
    except sqlite3.DatabaseError as err:
        db.close()
        raise ExportError(f"{path}: not a readable SQLite database ({err})") from err
    except ExportError:
        db.close()
        raise
    return db, crawl_id


def check_selection(db: sqlite_utils.Database, crawl_id: int, selection: Selection) -> None:
    """ExportError naming the first filter value that matches no site of the crawl, or a use
    or state that is not one."""
    for given, known, option in (
        *((u, USES, "--use") for u in selection.uses),
        *((v, STATES, "--verdict") for v in selection.verdicts),
    ):
        if given.strip().lower() not in known:
            raise ExportError(f"{option} {given}: not one of {', '.join(known)}")
    if selection.uses and not selection.verdicts:
        raise ExportError("--use names the verdicts --verdict reads: give --verdict too")
    checks = (
        (
            "lower(kind)",
            [(k, (k.lower(),)) for k in selection.kinds],
            "--kind {}: no site of that kind in crawl {} (kinds present: {})",
        ),
        (
            "upper(country)",
            [(c, (c.upper(),)) for c in selection.countries],
            "--country {}: no site in that country in crawl {} (countries present: {})",
        ),
        (
            "lower(origin)",
            [(s, site_origins(s)) for s in selection.sites],
            "--site {}: not a site of crawl {}",
        ),
        (
            "lower(platform)",
            [(p, platform_origins(p)) for p in selection.platforms],
            "--platform {}: no site on that platform in crawl {} (platforms present: {})",
        ),
    )
    for column, values, message in checks:
        if not values:
            continue
        sql = f"SELECT DISTINCT {column} FROM site_summary WHERE crawl_id = ? AND {column} NOTNULL"
        present = {row[0] for row in db.execute(sql, [crawl_id])}
        for given, candidates in values:
            if not present.intersection(candidates):
                raise ExportError(message.format(given, crawl_id, ", ".join(sorted(present))))


@contextmanager
def snapshot(db: sqlite_utils.Database) -> Iterator[None]:
    """One read transaction: every query inside sees the same committed state."""
    db.conn.execute("BEGIN")
    try:
        yield
    finally:
        db.conn.execute("ROLLBACK")


def site_object(report: SiteReport, detail: Detail = "compact") -> dict[str, Any]:
    """The export's object for one site at a level of detail (``DETAILS``), from a site report
    with its robots.txt verdicts (``site_report``'s output, or ``full_report``'s).

    The JSON ``sites`` and the NDJSON lines of that level are exactly these objects.
    """
    site = export_site(report)
    if detail == "full":
        return cast(dict[str, Any], site)
    if detail == "compact":
        return compact_site(site)
    raise ExportError(f"unknown detail {detail!r} (one of {', '.join(DETAILS)})")


def export_site(report: SiteReport) -> SiteReport:
    """The export's full object for one site: ``site_report``'s output as plain JSON values.

    ``optout check --json``, :func:`site_object` and the ``full`` level go through this.
    """
    filled: dict[str, Any] = {**dict.fromkeys(_ADDED_LATER), **report}
    missing, extra = SITE_KEYS - set(filled), set(filled) - SITE_KEYS - OPTIONAL_SITE_KEYS
    if missing or extra:
        raise ValueError(
            f"site {filled.get('origin')!r}: not a site report "
            f"(missing {sorted(missing)}, unexpected {sorted(extra)})"
        )
    # The same keys with the same values, copied as plain lists and dicts.
    return cast(SiteReport, {key: _plain(filled[key]) for key in sorted(filled)})


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def dump(value: Any, indent: int | None = None) -> str:
    """The export's JSON text of a value: sorted keys, UTF-8 characters kept, no NaN."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, allow_nan=False, indent=indent)


def iter_sites(
    db: sqlite_utils.Database, crawl_id: int, selection: Selection = Selection()
) -> Iterator[SiteReport]:
    """The selected sites' full objects, in origin order, one stored report at a time.

    The full level, as the report, the evidence packs and the tests read every verdict;
    :func:`iter_site_objects` gives either level.
    """
    for site in iter_reports(db, crawl_id, selection):
        yield export_site(site)


def iter_site_objects(
    db: sqlite_utils.Database,
    crawl_id: int,
    selection: Selection = Selection(),
    detail: Detail = "compact",
    *,
    fixes: bool = False,
) -> Iterator[dict[str, Any]]:
    """The selected sites' objects at ``detail``, in origin order (the export's ``sites``);
    with ``fixes``, each with its fixes to paste (``results.site_fixes``: the site's stored
    fetches audited again, a few milliseconds a site)."""
    registry = load_registry() if fixes else None
    for site in iter_reports(db, crawl_id, selection):
        out = site_object(site, detail)
        if registry is not None:
            found = site_fixes(db, crawl_id, site["origin"], registry)
            if found is not None:
                out["fixes"] = fixes_object(found)
        yield out


def iter_reports(
    db: sqlite_utils.Database, crawl_id: int, selection: Selection = Selection()
) -> Iterator[SiteReport]:
    """The selected sites' reports with robots verdicts, logs and captures, in origin order."""
    where, params = selection.where(crawl_id)
    logs = has_logs(db.conn)  # only a database that had a log ingested has these keys
    # Only a database where `optout captures` or `optout datasets check` ran has these.
    taken_tables = db.table("capture_queries").exists() or db.table("dataset_checks").exists()
    for (report,) in db.execute(
        f"SELECT report FROM site_summary WHERE {where} ORDER BY origin", params
    ):
        site = full_report(db.conn, crawl_id, load_report(report))
        section = site_logs(db.conn, site["origin"]) if logs else None
        if section is not None:
            site = cast(SiteReport, {**site, "crawler_logs": export_site_logs(section)})
        if taken_tables:
            found = site_taken(db, site["origin"])
            if found is not None:
                site = cast(SiteReport, {**site, "taken": found})
        yield site


def _crawl_settings(text: str | None) -> dict[str, Any]:
    """The settings that matter, read the way Scrapy read them (``-s`` values are strings)."""
    stored = BaseSettings(json.loads(text) if text else {})
    out: dict[str, Any] = {}
    for name, setting, kind in _SETTINGS:
        if stored.get(setting) is None:
            out[name] = None
        elif kind is int:
            out[name] = stored.getint(setting)
        elif kind is bool:
            out[name] = stored.getbool(setting)
        else:
            out[name] = str(stored.get(setting))
    # Only a crawl that probed names its agents: without probes the settings are as before 1.3.
    if probe := str(stored.get("OPTOUT_PROBE_AGENTS") or "").strip():
        out["probe_agents"] = probe
    return out


def _registry_source(registry_version: str) -> dict[str, Any] | None:
    """Where the bundled registry's list came from, when the audit used that registry."""
    data = json.loads((resources.files("audits") / "data" / "agents.json").read_text("utf-8"))
    if data.get("version") != registry_version:
        return None
    for source in data.get("sources", []):
        if source.get("name") == "ai.robots.txt":
            return {key: source.get(key) for key in ("name", "url", "commit", "date", "licence")}
    return None


def methodology(
    db: sqlite_utils.Database,
    crawl_id: int,
    selection: Selection,
    detail: Detail = "full",
    *,
    fixes: bool = False,
) -> dict[str, Any]:
    """How the results were made: versions, specification revisions, the crawl and its settings,
    and the level of detail of the export's site objects."""
    crawl = db.execute(
        "SELECT started_at, finished_at, status, seeds_source, settings, tool_version,"
        " resumed_count FROM crawls WHERE id = ?",
        [crawl_id],
    ).fetchone()
    audited_at, interpreter, registry = db.execute(
        "SELECT audited_at, interpreter_version, registry_version FROM audits WHERE crawl_id = ?",
        [crawl_id],
    ).fetchone()
    agents = [r[0] for r in db.execute(f"SELECT token FROM agents WHERE {_TRAINING_AGENTS}")]
    return {
        "interpreter_version": interpreter,
        "registry_version": registry,
        "registry_source": _registry_source(registry),
        "aipref": {"vocab": VOCAB_REVISION, "attach": ATTACH_REVISION},
        "audited_at": audited_at,
        "crawl": {
            "id": crawl_id,
            "started_at": crawl[0],
            "finished_at": crawl[1],
            "status": crawl[2],
            "seeds_source": crawl[3],
            "tool_version": crawl[5],
            "resumed_count": crawl[6],
        },
        "settings": _crawl_settings(crawl[4]),
        "training_agents": sorted(agents, key=lambda t: (t.casefold(), t)),
        "selection": selection.as_json(),
        "detail": detail,
        "fixes": fixes,
    }


_Query = Callable[[str], list[tuple[Any, ...]]]
"""Runs a summary query (``{chosen}`` marks where the selection goes) and returns its rows."""


def _states(pairs: Sequence[tuple[str, int]]) -> dict[str, int]:
    counts = dict.fromkeys(STATES, 0)
    for state, n in pairs:
        counts[state] = counts.get(state, 0) + n
    return counts


def _none_last(value: str | None) -> tuple[bool, str]:
    return value is None, value or ""


def summary(db: sqlite_utils.Database, crawl_id: int, selection: Selection) -> dict[str, Any]:
    """Headline numbers of the selected sites, from the derived tables."""
    where, params = selection.where(crawl_id)
    chosen = f"crawl_id = ? AND origin IN (SELECT origin FROM site_summary WHERE {where})"
    chosen_params = [crawl_id, *params]

    def rows(sql: str) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in db.execute(sql.format(chosen=chosen), chosen_params)]

    agents = db.execute(f"SELECT COUNT(*) FROM agents WHERE {_TRAINING_AGENTS}").fetchone()[0]
    verdicts = rows(
        "SELECT use, state, COUNT(*), SUM(conflict) FROM site_verdicts WHERE {chosen}"
        " GROUP BY use, state"
    )
    # Only a crawl that probed has these numbers; a database audited before probes existed,
    # opened read-only, has no probe table at all.
    probes = probe_summary(rows) if db.table("probe_agents").exists() else None
    # Only a database that had an access log ingested has these (results/logs/publish.py).
    logs = logs_summary(
        db.conn, (f"origin IN (SELECT origin FROM site_summary WHERE {where})", params)
    )
    out = {
        "sites": rows("SELECT COUNT(*) FROM site_summary WHERE {chosen}")[0][0],
        "by_use": {u: _states([(s, n) for use, s, n, _ in verdicts if use == u]) for u in USES},
        "conflicts": {u: sum(c for use, _, _, c in verdicts if use == u) for u in USES},
        "by_use_counting_words": _counting_words(rows),
        "by_mechanism": _mechanisms(rows),
        "by_kind": _breakdown(rows, "kind"),
        "by_country": _breakdown(rows, "country"),
        "training_agents": _training_agents(rows, agents),
        "findings": _findings(rows),
        "by_builder": by_builder(db, where, params),
    } | ({} if probes is None else {"probes": probes})
    if logs is not None:
        out["crawler_logs"] = logs
    return out


def _counting_words(rows: _Query) -> dict[str, dict[str, int]]:
    """Per use, the states had reservations written in words counted (schema 1.5); a verdict
    audited before the words signal counts as its own state."""
    found = rows(
        "SELECT use, COALESCE(state_counting_words, state), COUNT(*) FROM site_verdicts"
        " WHERE {chosen} GROUP BY 1, 2"
    )
    return {u: _states([(s, n) for use, s, n in found if use == u]) for u in USES}


def _mechanisms(rows: _Query) -> dict[str, list[dict[str, Any]]]:
    found = rows(
        "SELECT use, mechanism, effect, COUNT(DISTINCT origin) FROM contributions"
        " WHERE {chosen} GROUP BY use, mechanism, effect"
    )
    sites = rows(
        "SELECT use, mechanism, COUNT(DISTINCT origin) FROM contributions WHERE {chosen}"
        " GROUP BY use, mechanism"
    )
    out: dict[str, list[dict[str, Any]]] = {use: [] for use in USES}
    for use, mechanism, n in sites:
        entry = {"mechanism": mechanism, "sites": n, "reserved": 0, "partial": 0, "allowed": 0}
        for u, m, effect, count in found:
            if (u, m) == (use, mechanism):
                entry[effect] = count
        out.setdefault(use, []).append(entry)
    for entries in out.values():
        entries.sort(key=lambda e: (-e["sites"], e["mechanism"]))
    return out


def _breakdown(rows: _Query, column: str) -> list[dict[str, Any]]:
    found = rows(
        f"SELECT {column}, train, COUNT(*) FROM site_summary WHERE {{chosen}} GROUP BY 1, 2"
    )
    out = []
    for value in sorted({r[0] for r in found}, key=_none_last):
        mine = [(state, n) for v, state, n in found if v == value]
        out.append({column: value, "sites": sum(n for _, n in mine), "train": _states(mine)})
    return out


_AGENT_VERDICTS: Final = (
    "FROM robots_verdicts v JOIN agents a ON a.token = v.agent WHERE v.path = '/'"
    " AND a.purpose IN ('train', 'control') AND NOT a.legacy AND v.{chosen}"
)


def _training_agents(rows: _Query, total: int) -> dict[str, Any]:
    agents = rows(
        "SELECT a.token, a.operator, SUM(v.allowed = 0), SUM(v.allowed = 1),"
        f" SUM(v.allowed IS NULL) {_AGENT_VERDICTS} GROUP BY a.token"
    )
    entries = [
        {"agent": t, "operator": op, "blocked": b, "allowed": a, "unknown": u}
        for t, op, b, a, u in agents
    ]
    most = sorted(entries, key=lambda e: (-e["blocked"], e["agent"].casefold(), e["agent"]))
    least = sorted(entries, key=lambda e: (e["blocked"], e["agent"].casefold(), e["agent"]))
    # From the verdicts rather than site_summary.training_agents_blocked, which is empty for
    # a site without robots.txt although every agent is then allowed.
    per_site = rows(
        "SELECT CASE WHEN SUM(v.allowed IS NULL) > 0 THEN 'sites_unknown'"
        " WHEN SUM(v.allowed = 0) = COUNT(*) THEN 'sites_blocking_all'"
        " WHEN SUM(v.allowed = 0) = 0 THEN 'sites_blocking_none'"
        " ELSE 'sites_blocking_some' END"
        f" {_AGENT_VERDICTS} GROUP BY v.origin"
    )
    coverage = dict.fromkeys(
        ("sites_blocking_all", "sites_blocking_some", "sites_blocking_none", "sites_unknown"), 0
    )
    for (key,) in per_site:
        coverage[key] += 1
    return {
        "agents": total,
        **coverage,
        "most_blocked": most[:TOP_AGENTS],
        "least_blocked": least[:TOP_AGENTS],
    }


def _findings(rows: _Query) -> dict[str, Any]:
    codes = rows(
        "SELECT code, severity, COUNT(*), COUNT(DISTINCT origin) FROM findings WHERE {chosen}"
        " GROUP BY code, severity"
    )
    per_severity = rows(
        "SELECT severity, COUNT(*), COUNT(DISTINCT origin) FROM findings WHERE {chosen}"
        " GROUP BY severity"
    )
    by_severity = {s: {"findings": 0, "sites": 0} for s in SEVERITIES}
    for severity, n, sites in per_severity:
        by_severity[severity] = {"findings": n, "sites": sites}
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    by_code = [
        {"code": code, "severity": severity, "findings": n, "sites": sites}
        for code, severity, n, sites in sorted(codes, key=lambda r: (rank.get(r[1], 9), r[0]))
    ]
    return {"by_severity": by_severity, "by_code": by_code}


def write_json(
    out: TextIO,
    db: sqlite_utils.Database,
    crawl_id: int,
    selection: Selection = Selection(),
    *,
    pretty: bool = False,
    tool_version: str = TOOL_VERSION,
    detail: Detail = "compact",
    fixes: bool = False,
) -> int:
    """Write the JSON document, sites streamed; returns how many sites were written.

    ``pretty`` gives exactly ``json.dumps(document, indent=2, sort_keys=True)``; otherwise each
    top-level member and each site takes one line. Only one site object is held at a time.
    """
    with snapshot(db):
        head = {
            "generated_by": {"tool": TOOL, "version": tool_version},
            "methodology": methodology(db, crawl_id, selection, detail, fixes=fixes),
            "platforms": platforms(db, crawl_id, *selection.where(crawl_id)),
            "schema_version": SCHEMA_VERSION,
        }
        indent = 2 if pretty else None
        pad = "  " if pretty else ""

        def member(value: Any, level: int) -> str:
            text = dump(value, indent)
            return text.replace("\n", "\n" + pad * level) if pretty else text

        # Sorted keys: the head members sort before "sites", and "summary" after it.
        out.write("{\n")
        for key in sorted(head):
            out.write(f"{pad}{dump(key)}: {member(head[key], 1)},\n")
        out.write(f'{pad}"sites": [')
        count = 0
        for site in iter_site_objects(db, crawl_id, selection, detail, fixes=fixes):
            out.write(("\n" if count == 0 else ",\n") + pad * 2 + member(site, 2))
            count += 1
        out.write(f"\n{pad}]" if count else "]")
        out.write(f',\n{pad}"summary": {member(summary(db, crawl_id, selection), 1)}\n}}\n')
    return count


def write_ndjson(
    out: TextIO,
    db: sqlite_utils.Database,
    crawl_id: int,
    selection: Selection = Selection(),
    detail: Detail = "compact",
    *,
    fixes: bool = False,
) -> int:
    """Write one site object per line (the JSON export's ``sites``); returns the count."""
    count = 0
    with snapshot(db):
        for site in iter_site_objects(db, crawl_id, selection, detail, fixes=fixes):
            out.write(dump(site) + "\n")
            count += 1
    return count


def write_csv(
    out: TextIO, db: sqlite_utils.Database, crawl_id: int, selection: Selection = Selection()
) -> int:
    """Write one row per site with the key columns (RFC 4180, CRLF line ends); returns the count."""
    where, params = selection.where(crawl_id)
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    count = 0
    with snapshot(db):
        # A database not migrated since schema 1.0 lacks the builder columns: empty cells.
        present = set(db.table("site_summary").columns_dict)
        columns = ", ".join(c if c in present else f"NULL AS {c}" for c in CSV_COLUMNS)
        sql = f"SELECT {columns} FROM site_summary WHERE {where} ORDER BY origin"
        for row in db.execute(sql, params):
            writer.writerow(row)
            count += 1
    return count


def write_export(
    out: TextIO,
    fmt: str,
    db: sqlite_utils.Database,
    crawl_id: int,
    selection: Selection = Selection(),
    *,
    pretty: bool = False,
    detail: Detail = "compact",
    fixes: bool = False,
) -> int:
    """Write an export in ``fmt`` (json, csv or ndjson) at ``detail`` (json and ndjson only),
    with each site's fixes to paste when ``fixes`` (json and ndjson only); returns how many
    sites it holds."""
    if fmt == "json":
        return write_json(out, db, crawl_id, selection, pretty=pretty, detail=detail, fixes=fixes)
    if fmt == "ndjson":
        return write_ndjson(out, db, crawl_id, selection, detail, fixes=fixes)
    if fmt == "csv":
        return write_csv(out, db, crawl_id, selection)
    raise ExportError(f"unknown export format {fmt!r} (one of {', '.join(FORMATS)})")
