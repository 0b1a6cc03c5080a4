"""Generate an audited evidence database of N sites, fast, for the Datasette benchmarks.

Crawling and auditing a million sites is not what is measured here, so the rows are made by
copying: the bundled sample web's sites are read from disk (robots.txt, ai.txt, tdmrep.json,
the home page and one content page), stored and audited by the real code (``FetchWriter``,
``audit_crawl``) as templates, and every generated site is one template's rows with its own
origin, written by ``INSERT … SELECT`` in SQLite with the indexes built afterwards. So the
verdicts, findings, mechanisms and robots.txt rows have the sample web's variety, in the
layout the audit writes today (compact robots verdicts included), and bodies are shared.

Two crawls: crawl 1 saw the first tenth of the sites, crawl 2 all of them; a fifth of the
sites crawl 1 saw used another template then, which gives ``changes`` rows. Fetch ids in the
``fetch_id`` columns point at each site's own fetches; the copies of the report JSON keep the
template's fetch ids.

    .venv/bin/python benchmarks/generate_db.py --sites 100000 --out benchmarks/.cache/s100k.db
"""

from __future__ import annotations

import argparse
import csv
import mimetypes
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audits import INTERPRETER_VERSION  # noqa: E402
from crawler.items import FetchRecord, SiteDone  # noqa: E402
from crawler.storage import (  # noqa: E402
    FetchWriter,
    finish_crawl,
    now_iso,
    open_db,
    start_crawl,
)
from results.derive import audit_crawl  # noqa: E402
from results.rollups import ROLLUP_TABLES  # noqa: E402
from results.schema import CRAWL_ROLLUPS  # noqa: E402

GENERATOR_VERSION = "1"
"""Bumped when the generated rows change, so cached databases are made again."""
SITES_DIR = ROOT / "sampleweb" / "sites"
SEEDS = ROOT / "sampleweb" / "seeds.csv"
FILES = (
    ("robots", "robots.txt"),
    ("aitxt", "ai.txt"),
    ("tdmrep", ".well-known/tdmrep.json"),
    ("home", "index.html"),
)
FETCH_SLOTS = 8
"""Fetch ids of generated site n in crawl c are (c-1)*N*8 + n*8 + the template's rank."""
FIRST_CRAWL_SHARE = 10
CHANGED_SHARE = 5
FETCH_ID_COLUMNS = {"fetch_id"}


def _page(files: Path) -> str | None:
    """One content page of a sample site: the first HTML file below the top folder."""
    pages = sorted(p for p in files.rglob("*.html") if p.parent != files)
    return pages[0].relative_to(files).as_posix() if pages else None


def _records(crawl_id: int, origin: str, files: Path) -> list[FetchRecord]:
    wanted = list(FILES)
    page = _page(files)
    if page:
        wanted.append(("page", page))
    records = []
    for kind, path in wanted:
        file = files / path
        url = f"{origin}/{path if path != 'index.html' else ''}"
        found = file.is_file()
        body = file.read_bytes() if found else b"<html><body>Not found</body></html>"
        ctype = (mimetypes.guess_type(path)[0] or "text/plain") if found else "text/html"
        records.append(
            FetchRecord(
                crawl_id=crawl_id,
                origin=origin,
                kind=kind,
                requested_url=url,
                final_url=url,
                status=200 if found else 404,
                headers=[("Content-Type", ctype)],
                body=body,
                body_length=len(body),
                elapsed_ms=12.0,
                fetched_at=now_iso(),
            )
        )
    return records


def build_templates(path: Path) -> int:
    """Store and audit the sample web's files as one crawl; the number of template sites."""
    db = open_db(path)
    try:
        crawl = start_crawl(
            db,
            seeds_source="benchmarks/generate_db.py templates",
            settings={},
            tool_version=INTERPRETER_VERSION,
            interpreter_version=INTERPRETER_VERSION,
            registry_version="templates",
        )
        writer = FetchWriter(db)
        count = 0
        with SEEDS.open(encoding="utf-8") as lines:
            for seed in csv.DictReader(lines):
                host = seed["origin"].split("://", 1)[1]
                files = SITES_DIR / host / "files"
                if not files.is_dir():
                    continue
                writer.add_site(
                    {
                        **{k: seed[k] or None for k in ("name", "kind", "platform", "country")},
                        "origin": seed["origin"],
                        "tags": [t for t in seed["tags"].split(";") if t],
                        "render": seed["render"] == "true",
                        "profile_pattern": seed["profile_pattern"] or None,
                        "artwork_pattern": seed["artwork_pattern"] or None,
                    },
                    crawl,
                )
                records = _records(crawl, seed["origin"], files)
                for record in records:
                    writer.add_fetch(record)
                writer.add_site_done(SiteDone(crawl, seed["origin"], len(records), 0, now_iso()))
                count += 1
        writer.close()
        finish_crawl(db, crawl, "finished", {})
        audit_crawl(db, crawl)
    finally:
        db.close()
    return count


def _columns(conn: sqlite3.Connection, table: str) -> list[tuple[str, str]]:
    return [(r[1], r[2].upper()) for r in conn.execute(f"PRAGMA main.table_info({table})")]


def _copy(conn: sqlite3.Connection, table: str, crawl: int, plan: str, sites: int) -> None:
    """Every planned site's copy of its template's rows of ``table`` for one crawl."""
    base = (crawl - 1) * sites * FETCH_SLOTS
    select = []
    names = []
    for name, kind in _columns(conn, table):
        names.append(name)
        if name == "crawl_id":
            select.append(str(crawl))
        elif name == "origin":
            select.append("p.origin")
        elif name == "id" and table == "fetches":
            select.append(f"{base} + p.n * {FETCH_SLOTS} + (x.id - f.first_id)")
        elif name == "id":
            select.append("NULL")
        elif name in FETCH_ID_COLUMNS:
            select.append(
                f"CASE WHEN x.fetch_id IS NULL THEN NULL"
                f" ELSE {base} + p.n * {FETCH_SLOTS} + (x.fetch_id - f.first_id) END"
            )
        elif name == "name":
            select.append("x.name || ' ' || p.n")
        elif kind == "TEXT":
            select.append(f"replace(x.{name}, p.template, p.origin)")
        else:
            select.append(f"x.{name}")
    conn.execute(
        f"INSERT INTO main.{table} ({', '.join(names)})"
        f" SELECT {', '.join(select)} FROM {plan} p"
        f" JOIN t.{table} x ON x.origin = p.template"
        " JOIN first_fetch f ON f.origin = p.template"
    )


def generate(sites: int, out: Path) -> dict[str, float]:
    """Write a database of ``sites`` generated sites to ``out``; seconds per step."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    out.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{out}{suffix}").unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        template_db = Path(tmp) / "templates.db"
        templates = build_templates(template_db)
        timings["templates"] = time.perf_counter() - started
        open_db(out).close()
        conn = sqlite3.connect(out, isolation_level=None)
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -262144")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA threads = 4")  # helper threads for the sorts that build indexes
        conn.execute("ATTACH DATABASE ? AS t", [str(template_db)])
        indexes = [
            (name, sql)
            for name, sql in conn.execute(
                "SELECT name, sql FROM main.sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            )
        ]
        conn.execute("BEGIN")
        for name, _ in indexes:
            conn.execute(f"DROP INDEX main.{name}")
        _plan(conn, sites, templates)
        _fill(conn, sites)
        conn.execute("COMMIT")
        timings["rows"] = time.perf_counter() - started - timings["templates"]
        mark = time.perf_counter()
        for _, sql in indexes:
            conn.execute(sql)
        timings["indexes"] = time.perf_counter() - mark
        conn.execute("DETACH DATABASE t")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.close()
    timings["total"] = time.perf_counter() - started
    return timings


def _plan(conn: sqlite3.Connection, sites: int, templates: int) -> None:
    """Which template each generated site copies, in crawl 2 (all) and crawl 1 (a tenth)."""
    conn.execute(
        "CREATE TEMP TABLE tmpl AS SELECT row_number() OVER (ORDER BY origin) - 1 AS i, origin,"
        " substr(origin, instr(origin, '://') + 3) AS host FROM t.site_summary"
    )
    conn.execute(
        "CREATE TEMP TABLE first_fetch AS SELECT origin, min(id) AS first_id FROM t.fetches"
        " GROUP BY origin"
    )
    conn.execute(
        "CREATE TEMP TABLE plan2 AS WITH RECURSIVE n(n) AS"
        f" (SELECT 0 UNION ALL SELECT n + 1 FROM n WHERE n + 1 < {sites})"
        " SELECT n.n AS n, 'http://s' || n.n || '-' || m.host AS origin, m.origin AS template,"
        " m.i AS i FROM n JOIN tmpl m"
        f" ON m.i = (n.n * 7919) % {templates}"
    )
    conn.execute(
        "CREATE TEMP TABLE plan1 AS SELECT p.n, p.origin, m.origin AS template,"
        " p.template AS later FROM plan2 p JOIN tmpl m ON m.i ="
        f" CASE WHEN p.n % {CHANGED_SHARE} = 0 THEN (p.i + 1) % {templates} ELSE p.i END"
        f" WHERE p.n % {FIRST_CRAWL_SHARE} = 0"
    )


def _per_site_tables(conn: sqlite3.Connection) -> list[str]:
    """Tables with a row set per crawl and site: copied from the templates (not ``changes``,
    which compares two crawls and is made from the templates' verdicts, nor the rollups, which
    the audit's own statements sum afterwards)."""
    names = [
        name
        for (name,) in conn.execute(
            "SELECT name FROM t.sqlite_master WHERE type = 'table' ORDER BY name"
        )
    ]
    return [
        name
        for name in names
        if name not in ("changes", "latest_sites", *ROLLUP_TABLES)
        and {"crawl_id", "origin"} <= {c for c, _ in _columns(conn, name)}
    ]


def _fill(conn: sqlite3.Connection, sites: int) -> None:
    at = "2026-01-05T03:00:00.000+00:00"
    later = "2026-02-02T03:00:00.000+00:00"
    conn.execute("INSERT INTO main.bodies SELECT * FROM t.bodies")
    conn.execute("INSERT INTO main.agents SELECT * FROM t.agents")
    for crawl, started in ((1, at), (2, later)):
        conn.execute(
            "INSERT INTO main.crawls (id, started_at, finished_at, status, seeds_source,"
            " settings, stats, tool_version, interpreter_version, registry_version)"
            " SELECT ?, ?, ?, 'finished', 'benchmarks/generate_db.py', '{}', '{}',"
            " tool_version, interpreter_version, registry_version FROM t.crawls",
            [crawl, started, started],
        )
    conn.execute(
        "INSERT INTO main.sites (origin, name, kind, platform, country, tags, render,"
        " profile_pattern, artwork_pattern, first_crawl_id, last_crawl_id)"
        " SELECT p.origin, s.name || ' ' || p.n, s.kind, s.platform,"
        " s.country, s.tags, s.render, s.profile_pattern, s.artwork_pattern,"
        " CASE WHEN p.n % ? = 0 THEN 1 ELSE 2 END, 2"
        " FROM plan2 p JOIN t.sites s ON s.origin = p.template",
        [FIRST_CRAWL_SHARE],
    )
    for crawl, plan in ((1, "plan1"), (2, "plan2")):
        for table in _per_site_tables(conn):
            _copy(conn, table, crawl, plan, sites)
        conn.execute(
            "INSERT INTO main.audits SELECT ?, ?, interpreter_version, registry_version,"
            f" (SELECT count(*) FROM {plan}), seconds FROM t.audits",
            [crawl, at if crawl == 1 else later],
        )
    conn.execute(
        "INSERT INTO main.changes (crawl_id, previous_crawl_id, origin, subject, change,"
        " before, after, detected_at)"
        " SELECT 2, 1, p.origin, 'verdict:' || b.use, 'changed', a.state, b.state, ?"
        " FROM plan1 p JOIN t.site_verdicts a ON a.origin = p.template"
        " JOIN t.site_verdicts b ON b.origin = p.later AND b.use = a.use"
        " WHERE a.state != b.state",
        [later],
    )
    # The audit's own per-crawl sums (results.derive runs the same statements), after the
    # changes they count.
    for crawl in (1, 2):
        for statement in CRAWL_ROLLUPS:
            conn.execute(statement, {"crawl": crawl})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=100_000)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    if args.sites < 1:
        parser.error("--sites must be at least 1")
    timings = generate(args.sites, args.out)
    steps = ", ".join(f"{k} {v:.1f} s" for k, v in timings.items())
    size = args.out.stat().st_size / 1e6
    print(f"{args.out}: {args.sites} sites, {size:.0f} MB ({steps})")


if __name__ == "__main__":
    main()
