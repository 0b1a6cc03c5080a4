"""Benchmark: Datasette over generated databases of many sites, driven by concurrent clients.

For each size (100,000 and 1,000,000 sites by default) a database is generated with
``generate_db.py`` (or reused from ``benchmarks/.cache/``), served by ``datasette`` with the
exact arguments ``optout serve`` uses, on 127.0.0.1, and every page below is loaded by ``wrk``
(Debian's package) with a few connections for a few seconds: the landing page, the per-site
page, the faceted site tables, the JSON API and every canned query in metadata.yml. Pages that
take an origin get a different site on each request (a Lua script picks from 500). The report
gives p50/p95/p99 latency, requests per second and errors (connection errors, timeouts and
non-2xx answers) per page, and flags pages slower than Datasette's default SQL time limit
(``sql_time_limit_ms``, 1 s; ``optout serve`` allows 3 s).

    .venv/bin/python benchmarks/datasette_load.py [--sizes 100000,1000000] [--duration 5]
    .venv/bin/python benchmarks/datasette_load.py --sizes 1000000 --db FILE.db [--immutable]

Writes benchmarks/results/datasette.json and datasette.md. The report it replaces (or the one
``--before`` names) is kept as the "before" of a before/after table per size measured in both,
so a change's effect shows in one table.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.generate_db import generate  # noqa: E402
from crawler.storage import open_db  # noqa: E402
from results.serve import check_servable, datasette_args  # noqa: E402

CACHE = ROOT / "benchmarks" / ".cache"
RESULTS = ROOT / "benchmarks" / "results"
DEFAULT_LIMIT_MS = 1000
"""Datasette's default ``sql_time_limit_ms``: a page slower than this is flagged."""
SAMPLE_ORIGINS = 500
ALONE = 3
"""Requests made one at a time per page, before the load, for the time one request takes."""
SLOW_DURATION = 30
SLOW_CONNECTIONS = 2
"""A page of which fewer requests than clients finish in the window is measured again so."""
# What a cached database depends on besides the schema: a change to these makes it again. An
# audit that reads the same files differently does not: delete benchmarks/.cache/ for that.
SOURCES = ("benchmarks/generate_db.py", "results/robots_rows.py", "results/rollups.py")

LUA = """
local paths = {%s}
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %%d, "duration_us": %%d, "bytes": %%d, "p50_us": %%d, '
    .. '"p95_us": %%d, "p99_us": %%d, "max_us": %%d, "mean_us": %%.1f, '
    .. '"errors_connect": %%d, "errors_read": %%d, "errors_write": %%d, '
    .. '"errors_status": %%d, "errors_timeout": %%d}\\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


@dataclass(frozen=True)
class Target:
    name: str
    kind: str
    paths: tuple[str, ...]


def cache_key() -> str:
    """A digest of the generator and of the schema every migration makes today."""
    digest = hashlib.sha256()
    for source in SOURCES:
        digest.update((ROOT / source).read_bytes())
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "schema.db")
        try:
            for (sql,) in db.execute("select sql from sqlite_master order by name"):
                digest.update(str(sql).encode())
        finally:
            db.close()
    return digest.hexdigest()[:10]


def database(sites: int) -> tuple[Path, float | None]:
    """The cached database of ``sites`` sites, made first when missing; seconds it took.

    The seconds are kept beside the database (``.seconds``), so a cached run still reports them.
    """
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"sites-{sites}-{cache_key()}.db"
    took = path.with_suffix(".seconds")
    if path.is_file():
        return path, float(took.read_text()) if took.is_file() else None
    for stale in CACHE.glob(f"sites-{sites}-*"):
        stale.unlink()
    partial = path.with_name(path.name + ".partial")
    started = time.perf_counter()
    generate(sites, partial)
    seconds = time.perf_counter() - started
    partial.rename(path)
    took.write_text(f"{seconds:.1f}\n")
    return path, seconds


def targets(db: Path, name: str) -> list[Target]:
    with sqlite3.connect(f"file:{db}?immutable=1", uri=True) as conn:
        crawl = conn.execute("select max(crawl_id) from audits").fetchone()[0]
        step = max(1, conn.execute("select max(rowid) from sites").fetchone()[0] // SAMPLE_ORIGINS)
        origins = [
            quote(o, safe="")
            for (o,) in conn.execute(
                f"select origin from sites where rowid % {step} = 0 limit {SAMPLE_ORIGINS}"
            )
        ]
    metadata = yaml.safe_load((ROOT / "datasette" / "metadata.yml").read_text(encoding="utf-8"))
    queries = metadata["databases"]["optout"].get("queries", {})
    facets = "_facet=train&_facet=kind&_facet=country"
    out = [
        Target("landing page", "page", ("/",)),
        Target("per-site page", "page", tuple(f"/-/site?origin={o}" for o in origins)),
        Target(
            "site_summary, latest crawl, faceted",
            "table",
            (f"/{name}/site_summary?crawl_id={crawl}&{facets}",),
        ),
        Target("latest_sites (metadata facets)", "table", (f"/{name}/latest_sites",)),
        Target(
            "JSON API: site_summary rows",
            "json",
            (f"/{name}/site_summary.json?crawl_id={crawl}&_shape=array&_size=50",),
        ),
        Target(
            "JSON API: one site's latest row",
            "json",
            tuple(
                f"/{name}/site_summary.json?crawl_id={crawl}&origin={o}&_shape=array"
                for o in origins
            ),
        ),
    ]
    for query, spec in queries.items():
        params = set(spec.get("params") or [])
        if "origin" in params:
            paths = tuple(f"/{name}/{query}?origin={o}" for o in origins)
        else:
            paths = (f"/{name}/{query}",)
        out.append(Target(f"canned query {query}", "canned", paths))
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, timeout: float) -> tuple[int, float]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as err:
        status = err.code
    return status, (time.perf_counter() - started) * 1000


class Server:
    """``datasette serve`` as ``optout serve`` runs it, on a free loopback port."""

    def __init__(
        self, db: Path, immutable: bool = False, settings: tuple[tuple[str, str], ...] = ()
    ) -> None:
        self.port = _free_port()
        check_servable(db)
        args = datasette_args(db, port=self.port)
        if immutable:
            # A published snapshot (docs/scaling.md): the file opened as never changing.
            args[1:2] = ["-i", args[1]]
        for name, value in settings:  # after optout serve's own: the last one counts
            args += ["--setting", name, value]
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (open while the server runs)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "datasette", *args],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                _get(f"{self.base}/-/versions.json", 5)
                return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"datasette did not start on port {self.port}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def run_wrk(base: str, target: Target, duration: int, connections: int) -> dict[str, Any]:
    paths = ", ".join(json.dumps(p) for p in target.paths)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % paths)
    try:
        result = subprocess.run(
            [
                "wrk",
                f"--threads={min(2, connections)}",
                f"--connections={connections}",
                f"--duration={duration}s",
                "--timeout=30s",
                f"--script={script.name}",
                base + target.paths[0],
            ],
            capture_output=True,
            text=True,
            timeout=duration + 90,
            check=False,
        )
    finally:
        os.unlink(script.name)
    for line in result.stdout.splitlines():
        if line.startswith("RESULT "):
            return dict(json.loads(line[len("RESULT ") :]))
    raise RuntimeError(f"wrk gave no result for {target.name}: {result.stdout}{result.stderr}")


def measure(
    sites: int,
    duration: int,
    connections: int,
    only: str | None = None,
    given: Path | None = None,
    immutable: bool = False,
    settings: tuple[tuple[str, str], ...] = (),
) -> dict[str, Any]:
    db, generated = (given, None) if given is not None else database(sites)
    name = db.stem
    server = Server(db, immutable, settings)
    rows = []
    try:
        for target in targets(db, name):
            if only and not any(part in target.name for part in only.split(",")):
                continue
            # The first load of a page: cold caches (and Datasette's one-off table counts).
            status, first_ms = _get(server.base + target.paths[0], 300)
            # One client alone, warm: the time a request takes when it does not queue.
            alone = sorted(
                _get(server.base + path, 300)[1] for path in target.paths[1 : 1 + ALONE]
            ) or [_get(server.base + target.paths[0], 300)[1] for _ in range(ALONE)]
            stats = run_wrk(server.base, target, duration, connections)
            if stats["requests"] < connections:
                # Too slow for the window to see whole requests: fewer clients, longer window.
                stats = run_wrk(server.base, target, SLOW_DURATION, SLOW_CONNECTIONS)
                stats["slow_rerun"] = 1
            errors = sum(v for k, v in stats.items() if k.startswith("errors_"))
            if not stats["requests"]:
                stats.update(p50_us=0, p95_us=0, p99_us=0, max_us=0)
            row = {
                "page": target.name,
                "kind": target.kind,
                "example": target.paths[0],
                "distinct_urls": len(target.paths),
                "first_status": status,
                "first_ms": round(first_ms, 1),
                "alone_ms": round(sorted(alone)[len(alone) // 2], 1),
                "requests": stats["requests"],
                "rps": round(stats["requests"] / (stats["duration_us"] / 1e6), 1),
                "p50_ms": stats["p50_us"] / 1000,
                "p95_ms": stats["p95_us"] / 1000,
                "p99_ms": stats["p99_us"] / 1000,
                "max_ms": stats["max_us"] / 1000,
                "connections": SLOW_CONNECTIONS if stats.get("slow_rerun") else connections,
                "errors": errors,
                "error_detail": {k[7:]: v for k, v in stats.items() if k.startswith("errors_")},
                "over_default_limit": sorted(alone)[len(alone) // 2] > DEFAULT_LIMIT_MS,
            }
            rows.append(row)
            print(
                f"{sites:>9} {target.name:<44} alone {row['alone_ms']:8.1f} ms"
                f"  p50 {row['p50_ms']:8.1f}"
                f"  p95 {row['p95_ms']:8.1f}  p99 {row['p99_ms']:8.1f}"
                f"  {row['rps']:7.1f}/s  errors {errors}"
                + ("  OVER 1 s" if row["over_default_limit"] else ""),
                flush=True,
            )
    finally:
        server.stop()
    with sqlite3.connect(f"file:{db}?immutable=1", uri=True) as conn:
        counts = {
            t: conn.execute(f"select count(*) from {t}").fetchone()[0]
            for t in ("sites", "site_summary", "fetches", "robots_verdict_rows", "findings")
        }
    return {
        "sites": sites,
        "database": db.name,
        "database_bytes": db.stat().st_size,
        "generated_seconds": round(generated, 1) if generated is not None else None,
        "rows": counts,
        "pages": rows,
    }


def machine() -> dict[str, Any]:
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = 0
    meminfo = Path("/proc/meminfo")
    if meminfo.is_file():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) * 1024
    return {
        "nproc": os.cpu_count(),
        "ram_gb": round(mem / 2**30, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "load_average_at_start": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


def _before(path: Path | None) -> dict[str, Any] | None:
    """The earlier report to compare with: its sizes' pages, with its machine and date."""
    if path is None or not path.is_file():
        return None
    earlier = json.loads(path.read_text(encoding="utf-8"))
    if "sizes" not in earlier:
        return None
    return {
        "source": str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path),
        "measured_at": earlier.get("measured_at"),
        "commit": earlier.get("commit"),
        "machine": earlier.get("machine"),
        "sizes": [{"sites": size["sites"], "pages": size["pages"]} for size in earlier["sizes"]],
    }


def _commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except OSError:
        return None
    return out.stdout.strip() or None


def _load(averages: list[float] | None) -> str:
    """The 1, 5 and 15 minute load averages, as `uptime` shows them."""
    return ", ".join(f"{a:.2f}" for a in averages) if averages else "unknown"


def comparison(report: dict[str, Any]) -> list[str]:
    """Markdown: per size measured before and now, p50/p95/p99 and errors per page."""
    before = report.get("before")
    if not before:
        return []
    earlier = {size["sites"]: size for size in before["sizes"]}
    lines: list[str] = []
    for size in report["sizes"]:
        old = earlier.get(size["sites"])
        if old is None:
            continue
        old_pages = {r["page"]: r for r in old["pages"]}
        load = (before.get("machine") or {}).get("load_average_at_start")
        lines += [
            f"## Before and after: {size['sites']:,} sites",
            "",
            f"Before: {before['source']}"
            + (f", measured {before['measured_at']}" if before.get("measured_at") else "")
            + (f" at commit {before['commit']}" if before.get("commit") else "")
            + (f", load average at start {_load(load)}" if load else "")
            + f". After: this run. {report['connections']} concurrent clients (fewer where the"
            " clients column says so: a page too slow for the window is measured again with 2).",
            "",
            "| page | before p50 ms | before p95 ms | before p99 ms | before errors"
            " | after p50 ms | after p95 ms | after p99 ms | after errors | after clients |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in size["pages"]:
            o = old_pages.get(r["page"])
            was = (
                f"{o['p50_ms']:.1f} | {o['p95_ms']:.1f} | {o['p99_ms']:.1f} | {o['errors']}"
                + ("" if o["connections"] == r["connections"] else f" ({o['connections']} cl.)")
                if o
                else "– | – | – | –"
            )
            lines.append(
                f"| {r['page']} | {was} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f}"
                f" | {r['p99_ms']:.1f} | {r['errors']} | {r['connections']} |"
            )
        lines.append("")
    return lines


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [
        "# Datasette at scale",
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gb']} GB RAM, Python {m['python']},"
        f" SQLite {m['sqlite']}; load average at start {_load(m['load_average_at_start'])}"
        + (f", at end {_load(m['load_average_at_end'])}" if m.get("load_average_at_end") else "")
        + " (other work shares the machine: compare runs with their load).",
        f"Measured {report.get('measured_at', '?')} at commit {report.get('commit') or '?'}"
        f" (plus the working tree); command: `{report.get('command', '?')}`.",
        f"wrk: {report['connections']} connections, {report['duration_s']} s per page,"
        " on 127.0.0.1; Datasette started with the arguments of `optout serve`.",
        "first load: the first request (cold caches); alone: median of"
        f" {ALONE} requests made one at a time; p50/p95/p99 and req/s: under"
        f" {report['connections']} concurrent clients. Pages that take over"
        f" {DEFAULT_LIMIT_MS} ms alone (Datasette's default `sql_time_limit_ms`) are marked"
        " **over**.",
        "",
    ]
    if report.get("immutable") or report.get("extra_settings"):
        lines[5:5] = [
            "Served with"
            + (" `-i` (immutable)" if report.get("immutable") else "")
            + "".join(f" `--setting {n} {v}`" for n, v in report.get("extra_settings") or [])
            + " on top of the arguments of `optout serve`."
        ]
    for size in report["sizes"]:
        gen = size["generated_seconds"]
        lines += [
            f"## {size['sites']:,} sites",
            "",
            f"Database {size['database_bytes'] / 1e9:.2f} GB"
            + (f", generated in {gen:.0f} s" if gen is not None else "")
            + "; rows: "
            + ", ".join(f"{k} {v:,}" for k, v in size["rows"].items())
            + ".",
            "",
            "| page | first load ms | alone ms | clients | p50 ms | p95 ms | p99 ms | req/s"
            " | errors | |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for r in size["pages"]:
            flag = "**over**" if r["over_default_limit"] else ""
            lines.append(
                f"| {r['page']} | {r['first_ms']:.0f} | {r['alone_ms']:.0f} | {r['connections']}"
                f" | {r['p50_ms']:.1f} | {r['p95_ms']:.1f}"
                f" | {r['p99_ms']:.1f} | {r['rps']:.1f} | {r['errors']} | {flag} |"
            )
        lines.append("")
    return "\n".join(lines + comparison(report))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--duration", type=int, default=5, help="seconds per page")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument(
        "--only", default=None, help="only pages whose name contains this (or any of a,b,c)"
    )
    parser.add_argument(
        "--db",
        type=Path,
        default=None,
        help="serve this database (already migrated) instead of generating or reusing a cached"
        " one: --sizes is then its number of sites, as a label",
    )
    parser.add_argument(
        "--immutable", action="store_true", help="serve the file with -i (a snapshot)"
    )
    parser.add_argument(
        "--setting",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="a Datasette setting to try on top of optout serve's (repeatable)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--before",
        type=Path,
        default=None,
        help="an earlier datasette.json to compare with (default: the one in --out, if any)",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit(
            "wrk is not installed: `apt-get install wrk` (make bench-datasette does it as root)"
        )
    if not 1 <= args.duration <= 60 or not 1 <= args.connections <= 64:
        parser.error("--duration takes 1 to 60 seconds, --connections 1 to 64")
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.db is not None and (len(sizes) != 1 or not args.db.is_file()):
        parser.error("--db takes an existing database file and one size in --sizes")
    before = _before(args.before or args.out / "datasette.json")
    report = {
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "commit": _commit(),
        "command": " ".join(["benchmarks/datasette_load.py", *sys.argv[1:]]),
        "machine": machine(),
        "duration_s": args.duration,
        "connections": args.connections,
        "default_sql_time_limit_ms": DEFAULT_LIMIT_MS,
        "serve_args": datasette_args(Path("DB.db"))[2:],
        "extra_settings": args.setting,
        "immutable": args.immutable,
        "sizes": [
            measure(
                n,
                args.duration,
                args.connections,
                args.only,
                args.db,
                args.immutable,
                tuple((name, value) for name, value in args.setting),
            )
            for n in sizes
        ],
        "before": before,
    }
    if hasattr(os, "getloadavg"):
        report["machine"]["load_average_at_end"] = os.getloadavg()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "datasette.json").write_text(json.dumps(report, indent=2) + "\n")
    (args.out / "datasette.md").write_text(markdown(report) + "\n")
    print(f"wrote {args.out / 'datasette.json'} and {args.out / 'datasette.md'}")


if __name__ == "__main__":
    main()
