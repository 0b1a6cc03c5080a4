"""Benchmark: ``optout datasets check`` on a LAION-sized shard (issue 17, Speed).

Generates, with DuckDB in a temporary directory, a Parquet file of 100,000,000 rows shaped like
a LAION shard (``URL`` and ``TEXT``; URLs of about 100 characters over a million hosts, http and
https, ``www.`` and CDN hosts, long upload paths with a hash; captions of about 60 characters),
about 6.7 GB. The sites looked for are 1,000 of its hosts with 10 URLs each (10,000 site URLs):
one URL per host that the file holds, nine that it does not, so the check finds 1,000 exact
URL matches and every other row on those hosts as an origin match. They are stored as a real
audited crawl (``FetchWriter``, ``audit_crawl``) in an evidence database, and the check runs
end to end through the library (``results.datasets.check.check_dataset``), several times.

Also measured, to show what limits the check: DuckDB reading the URL column alone
(``sum(strlen(URL))``) and the first step of the match alone (the authority of every URL looked
up in the hash table of the sites' hosts).

    .venv/bin/python benchmarks/datasets_bench.py [--rows 100000000] [--runs 3] [--threads 2]

Writes ``benchmarks/results/datasets.json`` and ``datasets.md``. The generated files are
deleted afterwards unless ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audits import INTERPRETER_VERSION, TOOL_VERSION  # noqa: E402
from benchmarks.machine import cpu_model  # noqa: E402
from crawler.items import FetchRecord, SiteDone  # noqa: E402
from crawler.storage import FetchWriter, finish_crawl, now_iso, open_db, start_crawl  # noqa: E402
from results.datasets.check import check_dataset  # noqa: E402
from results.derive import audit_crawl  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
TARGET_ROWS_PER_SECOND = 20_000_000
SITES = 1_000
URLS_PER_SITE = 10
BYTES_PER_ROW = 70  # compressed, a little over the generated average, for the disk check


def url_sql(i: str) -> str:
    """The generated URL of row ``i``, as a DuckDB expression (the sites' URLs reuse it)."""
    return f"""(CASE WHEN {i} % 10 < 7 THEN 'https://' ELSE 'http://' END
        || CASE WHEN {i} % 3 = 0 THEN 'cdn' || (hash({i}) % 50)::VARCHAR || '.' ELSE 'www.' END
        || 'host' || (hash({i} * 7) % 1000000)::VARCHAR || '.com/wp-content/uploads/'
        || (2010 + {i} % 14)::VARCHAR || '/' || lpad(({i} % 12 + 1)::VARCHAR, 2, '0') || '/'
        || md5({i}::VARCHAR) || '-' || ({i} % 997)::VARCHAR || 'x' || ({i} % 1013)::VARCHAR
        || '.jpg')"""


def caption_sql(i: str) -> str:
    return f"""('A photo of a ' || (['red', 'blue', 'green', 'small', 'old'])[1 + {i} % 5] || ' '
        || (['house', 'dog', 'car', 'tree', 'painting', 'boat'])[1 + {i} % 6]
        || ' number ' || {i}::VARCHAR || ' in the evening light')"""


def generate(path: Path, rows: int, threads: int) -> float:
    started = time.monotonic()
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    con.execute("SET preserve_insertion_order = false")
    con.execute(
        f"COPY (SELECT {url_sql('i')} AS URL, {caption_sql('i')} AS TEXT"
        f" FROM range({rows}) t(i)) TO '{path}' (FORMAT parquet)"
    )
    con.close()
    return time.monotonic() - started


def site_urls(rows: int) -> list[tuple[str, list[str]]]:
    """1,000 sites: each an origin of a row of the file, with that row's URL and nine more."""
    step = rows // SITES
    con = duckdb.connect()
    picked = con.execute(
        f"SELECT {url_sql('i')} FROM range(0, {step * SITES}, {step}) t(i) ORDER BY i"
    ).fetchall()
    con.close()
    sites: dict[str, list[str]] = {}
    for (url,) in picked:
        scheme, rest = url.split("://", 1)
        origin = f"{scheme}://{rest.split('/', 1)[0]}"
        urls = sites.setdefault(origin, [])
        urls.append(url)
        urls.extend(f"{origin}/gallery/not-in-the-dataset-{n}.jpg" for n in range(1, 10))
    return list(sites.items())


def evidence_db(path: Path, sites: list[tuple[str, list[str]]]) -> float:
    """An audited crawl that fetched the sites' URLs as images (no bodies: none are needed)."""
    started = time.monotonic()
    db = open_db(path)
    crawl_id = start_crawl(
        db, seeds_source="benchmarks/datasets_bench.py", settings={},
        tool_version=TOOL_VERSION, interpreter_version=INTERPRETER_VERSION,
        registry_version="benchmark",
    )  # fmt: skip
    writer = FetchWriter(db)
    for origin, urls in sites:
        writer.add_site({"origin": origin, "kind": "creator-site"}, crawl_id)
        for url in urls:
            writer.add_fetch(
                FetchRecord(
                    crawl_id=crawl_id,
                    origin=origin,
                    kind="image",
                    requested_url=url,
                    final_url=url,
                    status=200,
                    fetched_at=now_iso(),
                )  # fmt: skip
            )
        writer.add_site_done(SiteDone(crawl_id, origin, len(urls), 0, now_iso()))
    writer.close()
    finish_crawl(db, crawl_id, "finished", {})
    audit_crawl(db, crawl_id)
    db.close()
    return time.monotonic() - started


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed_query(sql: str, threads: int) -> dict[str, float]:
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    cpu, started = cpu_seconds(), time.monotonic()
    con.execute(sql).fetchall()
    out = {"seconds": time.monotonic() - started, "cpu_seconds": cpu_seconds() - cpu}
    con.close()
    return out


def run_checks(db: Path, shard: Path, runs: int, threads: int) -> list[dict[str, Any]]:
    out = []
    for _ in range(runs):
        load = os.getloadavg()[0]
        cpu, started = cpu_seconds(), time.monotonic()
        report = check_dataset(db, [str(shard)], name="bench", threads=threads)
        seconds = time.monotonic() - started
        assert not report.errors, report.errors
        out.append(
            {
                "seconds": seconds,
                "cpu_seconds": cpu_seconds() - cpu,
                "rows": report.rows,
                "rows_per_second": report.rows / seconds,
                "url_matches": sum(s.url_matches for s in report.sites),
                "origin_matches": sum(s.origin_matches for s in report.sites),
                "sites_found": len(report.sites),
                "load_average_before": load,
            }
        )
        print(f"check: {seconds:.1f} s, {report.rows / seconds:,.0f} rows/s", flush=True)
    return out


def _row(what: str, rows: int, run: dict[str, Any]) -> str:
    cpu = run["cpu_seconds"]
    return (
        f"| {what} | {run['seconds']:.1f} | {rows / run['seconds']:,.0f} | {cpu:.1f} |"
        f" {rows / cpu:,.0f} |"
    )


def markdown(result: dict[str, Any]) -> str:
    best = max(result["checks"], key=lambda r: r["rows_per_second"])
    median = statistics.median(r["rows_per_second"] for r in result["checks"])
    read = result["read_url_column"]
    stage1 = result["host_lookup_only"]
    rows = result["rows"]
    met = "met" if best["rows_per_second"] >= TARGET_ROWS_PER_SECOND else "not met"
    lines = [
        "# `optout datasets check`: rows scanned per second",
        "",
        f"- date: {result['date']}",
        f"- machine: {result['machine']['cpu']}, {result['machine']['cpus']} CPUs,"
        f" Python {result['machine']['python']}, DuckDB {result['machine']['duckdb']}",
        f"- command: `{result['command']}`",
        f"- data: one Parquet file of {rows:,} rows (URL, TEXT), {result['file_bytes']:,} bytes,"
        f" generated in {result['generate_seconds']:.0f} s; {result['site_urls']:,} site URLs"
        f" of {result['sites']:,} sites",
        f"- DuckDB threads: {result['threads']}",
        "",
        "| what | seconds | rows/s | CPU seconds | rows per CPU second |",
        "| --- | ---: | ---: | ---: | ---: |",
        _row("DuckDB reads the URL column alone", rows, read),
        _row("step 1 alone: every URL's host looked up", rows, stage1),
    ]
    ceiling = result.get("window_filter_ceiling", {})
    if ceiling:
        lines += [
            _row("ceiling: a 12-byte window, case folded, probed, nothing found", rows,
                 ceiling["folded"]),
            _row("ceiling: the same window as written (no case folding)", rows,
                 ceiling["as_written"]),
        ]  # fmt: skip
    for n, run in enumerate(result["checks"], start=1):
        lines.append(_row(f"the check, end to end, run {n}", rows, run))
    loads = ", ".join(f"{r['load_average_before']:.1f}" for r in result["checks"])
    lines += [
        "",
        f"Best {best['rows_per_second']:,.0f} rows/s, median {median:,.0f}: the target of"
        f" {TARGET_ROWS_PER_SECOND:,} rows/s is {met}. Found: {best['url_matches']:,} URL"
        f" matches and {best['origin_matches']:,} origin matches on {best['sites_found']:,}"
        f" sites. Load average before each run: {loads}.",
        "",
        "What limits it: DuckDB decodes the URL column alone at"
        f" {rows / read['seconds']:,.0f} rows/s here; cutting each URL's authority out"
        " (`lower(split_part(url, '/', 3))`, a new string per row) and probing the hash table"
        f" of the sites' hosts takes {stage1['cpu_seconds']:.1f} of the check's"
        f" {best['cpu_seconds']:.1f} CPU seconds. The rest is the caption column, the keying of"
        " the rows that pass (regular expressions on those rows only) and the per-site"
        " aggregation. Both threads are busy throughout (CPU seconds are about twice the"
        " seconds), so the check is CPU-bound: it would scale with cores, and a loaded machine"
        " shows proportionally less.",
        "",
    ]
    if ceiling:
        lines += [
            "Why the target is out of reach of any host filter in DuckDB on two cores: the"
            " two ceiling rows cut the cheapest string DuckDB has (12 bytes, kept inline) at a"
            " fixed place in every URL and probe a hash table that never matches, so they do"
            " less work than any correct check could. Their rate"
            f" ({rows / ceiling['folded']['seconds']:,.0f} rows/s case folded,"
            f" {rows / ceiling['as_written']['seconds']:,.0f} as written) is the most a filter"
            " on the host can reach here; the real check must also find where the host ends,"
            " fold its case and key the rows that pass.",
            "",
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=100_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument(
        "--report-only", action="store_true", help="Rewrite datasets.md from datasets.json."
    )
    args = parser.parse_args()
    if args.report_only:
        (RESULTS / "datasets.md").write_text(
            markdown(json.loads((RESULTS / "datasets.json").read_text()))
        )
        return
    workdir = Path(tempfile.mkdtemp(prefix="datasets-bench-", dir=args.workdir))
    need = args.rows * BYTES_PER_ROW
    if shutil.disk_usage(workdir).free < need * 1.2:
        sys.exit(f"{workdir}: needs about {need / 1e9:.1f} GB free")
    try:
        shard = workdir / "laion-like-00000.parquet"
        print(f"generating {args.rows:,} rows in {shard}", flush=True)
        generate_seconds = generate(shard, args.rows, args.threads)
        sites = site_urls(args.rows)
        db = workdir / "evidence.db"
        db_seconds = evidence_db(db, sites)
        hosts = ", ".join(f"'{o.split('://', 1)[1]}'" for o, _ in sites)
        read = timed_query(f"SELECT sum(strlen(URL)) FROM read_parquet('{shard}')", args.threads)
        stage1 = timed_query(
            f"SELECT count(*) FROM read_parquet('{shard}')"
            f" WHERE lower(split_part(URL, '/', 3)) IN (SELECT unnest([{hosts}]))",
            args.threads,
        )
        # The ceiling of any filter on the host: the cheapest way DuckDB has to look at it is
        # to cut a fixed 12-byte window (a string DuckDB keeps inline, no allocation) and
        # probe a hash table; here the table never matches, so nothing after the filter runs.
        never = ", ".join(f"'#{o.split('://', 1)[1][:11]}'" for o, _ in sites)
        window = {
            name: timed_query(
                f"SELECT count(*) FROM read_parquet('{shard}')"
                f" WHERE {expr} IN (SELECT unnest([{never}]))",
                args.threads,
            )
            for name, expr in (
                ("folded", "lower(substr(URL, 8, 12))"),
                ("as_written", "substr(URL, 8, 12)"),
            )
        }
        checks = run_checks(db, shard, args.runs, args.threads)
        result = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": "make bench-datasets (.venv/bin/python benchmarks/datasets_bench.py"
            f" --rows {args.rows} --runs {args.runs} --threads {args.threads})",
            "machine": {
                "cpu": cpu_model(),
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "duckdb": duckdb.__version__,
                "platform": platform.platform(),
            },
            "rows": args.rows,
            "file_bytes": shard.stat().st_size,
            "generate_seconds": generate_seconds,
            "evidence_db_seconds": db_seconds,
            "sites": len(sites),
            "site_urls": sum(len(u) for _, u in sites),
            "threads": args.threads,
            "target_rows_per_second": TARGET_ROWS_PER_SECOND,
            "read_url_column": read,
            "host_lookup_only": stage1,
            "window_filter_ceiling": window,
            "checks": checks,
        }
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "datasets.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "datasets.md").write_text(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
