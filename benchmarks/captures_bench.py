"""Benchmark: ``optout captures``, captures classified and stored per second (issue 17).

A generated Common Crawl index served by pywb's ``wayback`` on loopback, as the end-to-end test
serves one (tests/results/cdx_server.py): three collections named like monthly crawls, each a
ZipNum cluster of 3,000 lines per block as Common Crawl's are, with ``--captures`` captures per
site and crawl keyed by SURT (so ``www.`` and the bare host share a key, as at Common Crawl).
A quarter of the captures are under the ``www.`` twin; 5% are redirects, 3% are 404s and 2% are
revisit records (captures that stored no content). The sites are two real audited crawls
(``FetchWriter``, ``audit_crawl``): the first allows CCBot, the second, dated inside the middle
Common Crawl crawl, disallows it, so captures fall before the block, within 24 hours of it, and
after it.

Measured, each ``--runs`` times:

- end to end: ``run_captures`` with ``--delay 0`` and ``refresh`` (asked of the server, parsed,
  stored, classified), wall time and this process's CPU time (the server's is its own);
- store alone: ``save_result`` of the same answers into the capture tables;
- classify alone: ``site_run`` per site (the stored captures read and classified against the
  site's audited history, findings included).

    .venv/bin/python benchmarks/captures_bench.py [--sites 100] [--captures 1000] [--runs 3]

Writes ``benchmarks/results/captures.json`` and ``captures.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audits import INTERPRETER_VERSION, TOOL_VERSION  # noqa: E402
from benchmarks.machine import cpu_model  # noqa: E402
from crawler.items import FetchRecord, SiteDone  # noqa: E402
from crawler.storage import FetchWriter, finish_crawl, now_iso, open_db, start_crawl  # noqa: E402
from results.captures.index import CdxCapture, IndexSettings, QueryResult  # noqa: E402
from results.captures.run import CaptureRun, run_captures, site_run  # noqa: E402
from results.captures.store import open_captures_db, save_result  # noqa: E402
from results.derive import audit_crawl  # noqa: E402
from tests.results.cdx_server import cdx_server, write_index  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
ALLOWED_AT = datetime(2026, 8, 1, tzinfo=UTC)
BLOCKED_AT = datetime(2026, 9, 10, tzinfo=UTC)
CRAWLS = {  # name -> first capture moment
    "CC-MAIN-2026-35": datetime(2026, 8, 25, tzinfo=UTC),
    "CC-MAIN-2026-37": datetime(2026, 9, 9, 12, tzinfo=UTC),  # spans the block
    "CC-MAIN-2026-42": datetime(2026, 10, 15, tzinfo=UTC),
}
ZIPNUM_LINES = 3_000


def origin(site: int) -> str:
    return f"http://site{site:05d}.example"


def _status(j: int) -> tuple[str, str]:
    """(status, mime) of capture ``j``: 5% redirects, 3% 404s, 2% revisits, else a page."""
    slot = j % 100
    if slot < 5:
        return "301", "unk"
    if slot < 8:
        return "404", "text/html"
    if slot < 10:
        return "-", "warc/revisit"
    return "200", "image/jpeg" if j % 3 == 0 else "text/html"


def cdxj_lines(sites: int, captures: int, start: datetime) -> list[str]:
    lines = []
    for site in range(sites):
        host = f"site{site:05d}.example"
        for j in range(captures):
            when = start + timedelta(seconds=97 * j + site)
            status, mime = _status(j)
            path = f"/art/{j}.jpg" if mime == "image/jpeg" else f"/page/{j}.html"
            url = f"http://{'www.' if j % 4 == 0 else ''}{host}{path}"
            stamp = when.strftime("%Y%m%d%H%M%S")
            fields = {
                "url": url, "mime": mime, "status": status, "digest": f"sha1:{site:05d}{j:08d}",
                "length": "2048", "offset": str(4096 * j), "filename": f"crawl/{site}.warc.gz",
            }  # fmt: skip
            lines.append(f"example,site{site:05d}){path} {stamp} {json.dumps(fields)}")
    return sorted(lines)


def evidence_db(path: Path, sites: int) -> None:
    """Two audited crawls of the sites: robots.txt allows CCBot in the first (ALLOWED_AT),
    disallows it in the second (BLOCKED_AT)."""
    db = open_db(path)
    for at, body in (
        (ALLOWED_AT, b"User-agent: *\nAllow: /\n"),
        (BLOCKED_AT, b"User-agent: CCBot\nDisallow: /\n"),
    ):
        crawl_id = start_crawl(
            db, seeds_source="benchmarks/captures_bench.py", settings={},
            tool_version=TOOL_VERSION, interpreter_version=INTERPRETER_VERSION,
            registry_version="benchmark",
        )  # fmt: skip
        writer = FetchWriter(db)
        for site in range(sites):
            robots = f"{origin(site)}/robots.txt"
            writer.add_site({"origin": origin(site), "kind": "creator-site"}, crawl_id)
            writer.add_fetch(
                FetchRecord(
                    crawl_id=crawl_id,
                    origin=origin(site),
                    kind="robots",
                    requested_url=robots,
                    final_url=robots,
                    status=200,
                    headers=[("Content-Type", "text/plain")],
                    body=body,
                    body_length=len(body),
                    fetched_at=now_iso(),
                )  # fmt: skip
            )
            writer.add_site_done(SiteDone(crawl_id, origin(site), 1, 0, now_iso()))
        writer.close()
        finish_crawl(db, crawl_id, "finished", {})
        audit_crawl(db, crawl_id)
        db.execute("UPDATE crawls SET started_at = ? WHERE id = ?", [at.isoformat(), crawl_id])
        db.conn.commit()
    db.close()


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(work: Callable[[], int]) -> dict[str, Any]:
    cpu, started = cpu_seconds(), time.monotonic()
    count = work()
    seconds, cpu = time.monotonic() - started, cpu_seconds() - cpu
    return {
        "captures": count,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "per_second": count / seconds,
        "per_cpu_second": count / cpu if cpu else 0.0,
    }


def ask(db: Any, origins: list[str], settings: IndexSettings, out: dict[str, Any]) -> int:
    result = run_captures(db, origins, settings, crawls=len(CRAWLS), refresh=True)
    out["result"] = result
    return sum(len(s.report.verdicts) for s in result.sites)


def store(db: Any, index_url: str, answers: list[tuple[str, QueryResult]]) -> int:
    for site, result in answers:
        save_result(db, site, index_url, result)
    return sum(len(r.captures) for _, r in answers)


def classify(db: Any, origins: list[str]) -> int:
    return sum(len(site_run(db, site, list(CRAWLS)).report.verdicts) for site in origins)


def classes(result: CaptureRun) -> dict[str, int]:
    """Captures per class, explanation and whether they stored the page."""
    out: dict[str, int] = {}
    for site in result.sites:
        for v in site.report.verdicts:
            key = f"{v.verdict}/{v.explanation or '-'}" + ("" if v.taken else "/not-taken")
            out[key] = out.get(key, 0) + 1
    return out


def measure(args: argparse.Namespace, folder: Path, index_url: str) -> dict[str, Any]:
    db_path = folder / "evidence.db"
    origins = [origin(s) for s in range(args.sites)]
    settings = IndexSettings(index_url=index_url, delay=0, max_pages=50, max_captures=100_000)
    runs: dict[str, list[dict[str, Any]]] = {"end_to_end": [], "store": [], "classify": []}
    answers: list[tuple[str, QueryResult]] = []
    for n in range(args.runs):
        db = open_captures_db(db_path)
        try:
            out: dict[str, Any] = {}
            runs["end_to_end"].append(timed(partial(ask, db, origins, settings, out)))
            runs["end_to_end"][-1]["requests"] = out["result"].requests
            if n == 0:
                verdicts = [v for s in out["result"].sites for v in s.report.verdicts]
                runs["end_to_end"][-1]["taken"] = sum(1 for v in verdicts if v.taken)
                runs["end_to_end"][-1]["by_class"] = classes(out["result"])
                answers = _answers(db, origins)
            runs["store"].append(timed(partial(store, db, index_url, answers)))
            runs["classify"].append(timed(partial(classify, db, origins)))
        finally:
            db.close()
        last = {k: v[-1]["per_second"] for k, v in runs.items()}
        print(f"run {n + 1}: " + ", ".join(f"{k} {v:,.0f}/s" for k, v in last.items()), flush=True)
    return runs


def _answers(db: Any, origins: list[str]) -> list[tuple[str, QueryResult]]:
    """The stored answers as the index client gave them, to store again."""
    out = []
    for site in origins:
        for crawl in CRAWLS:
            rows = db.execute(
                "SELECT timestamp, url, status, mime, digest, length, filename, offset, host"
                " FROM captures WHERE origin = ? AND crawl = ?",
                [site, crawl],
            ).fetchall()
            captures = tuple(CdxCapture(*row) for row in rows)
            hosts = (site.removeprefix("http://"), "www." + site.removeprefix("http://"))
            out.append((site, QueryResult(crawl, "ok", captures=captures, hosts=hosts)))
    return out


def markdown(result: dict[str, Any]) -> str:
    def row(what: str, runs: list[dict[str, float]]) -> str:
        best = max(runs, key=lambda r: r["per_second"])
        median = statistics.median(r["per_second"] for r in runs)
        return (
            f"| {what} | {best['captures']:,} | {best['seconds']:.2f} | {best['per_second']:,.0f}"
            f" | {median:,.0f} | {best['per_cpu_second']:,.0f} |"
        )

    runs = result["runs"]
    first = runs["end_to_end"][0]
    lines = [
        "# `optout captures`: captures classified and stored per second",
        "",
        f"- date: {result['date']}",
        f"- machine: {result['machine']['cpu']}, {result['machine']['cpus']} CPUs,"
        f" Python {result['machine']['python']}, load average before {result['load']:.2f}",
        f"- command: `{result['command']}`",
        f"- index: pywb {result['pywb']} `wayback` on loopback, {len(CRAWLS)} collections"
        f" (ZipNum, {ZIPNUM_LINES:,} lines per block) of {result['sites']:,} sites x"
        f" {result['captures']:,} captures; {result['index_lines']:,} CDX lines",
        f"- end to end, first run: {first['requests']:,} requests (the www. twin asked until"
        f" the server showed it folds www.: SURT keys); {first['taken']:,} of"
        f" {first['captures']:,} captures stored the page",
        "",
        "| step | captures | best s | best captures/s | median captures/s"
        " | captures per CPU s (this process) |",
        "|---|--:|--:|--:|--:|--:|",
        row("end to end (ask, parse, store, classify)", runs["end_to_end"]),
        row("store alone (save_result)", runs["store"]),
        row("classify alone (site_run: read and classify)", runs["classify"]),
        "",
        "End to end includes the server's time to answer (pywb, another process on the same"
        " two cores); store and classify alone are this process only.",
        "",
        "Classes of the first run: "
        + ", ".join(f"{k}: {v:,}" for k, v in sorted(first["by_class"].items())),
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sites", type=int, default=100)
    parser.add_argument("--captures", type=int, default=1_000, help="per site and crawl")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="captures-bench-") as tmp:
        folder = Path(tmp)
        root = folder / "server"
        root.mkdir()
        index_lines = 0
        for name, start in CRAWLS.items():
            lines = cdxj_lines(args.sites, args.captures, start)
            index_lines += len(lines)
            write_index(root, name, lines, zipnum_lines=ZIPNUM_LINES)
        evidence_db(folder / "evidence.db", args.sites)
        with cdx_server(root) as url:
            runs = measure(args, folder, url)
        with sqlite3.connect(folder / "evidence.db") as conn:
            assert conn.execute("SELECT count(*) FROM captures").fetchone()[0] == index_lines
    result = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": {
            "cpu": cpu_model(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
        },
        "command": " ".join([".venv/bin/python", "benchmarks/captures_bench.py", *sys.argv[1:]]),
        "pywb": "2.10.0",
        "load": load,
        "sites": args.sites,
        "captures": args.captures,
        "index_lines": index_lines,
        "runs": runs,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "captures.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "captures.md").write_text(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
