"""Benchmark: the crawl at internet latency, beside the bare spider under the same latency.

For each condition (``loopback``: nginx reached directly; ``latency``: through the delaying
proxy of ``latency_proxy.py``, 50 to 300 ms per request with jitter and 2% slow hosts at 1 to
2 s; ``relay``: the same proxy with no delay, what the proxy itself costs), for each
concurrency and sites-in-flight setting asked, one after the other on the same nginx:

1. ``optout crawl`` of N synthetic sites (``--no-audit``), as ``crawl_bench.py`` runs it;
2. the bare spider over exactly the URLs that crawl fetched, same proxy, same settings.

Reported per run: sites/s, CPU seconds per site, the crawl's rate as a ratio of the bare
spider's under the same condition and settings, the crawl's rate as a ratio of the loopback
crawl with the same settings, the most sites the crawl had in flight
(``optout/sites/most_in_flight``), and on average over the crawl how many sites were open
(first request sent to last answer) and how many requests were in flight (the sum of download
latencies over the span; with one request per host, also hosts fetching at once), and the load
average before each process. The machine may be shared: CPU seconds per site and the ratio
are the robust figures, wall-clock rates move with the load.

    .venv/bin/python benchmarks/latency_bench.py [--sites 2000] [--concurrency 128]
        [--sites-in-flight 0] [--conditions loopback,latency] [--fresh]

Each invocation adds a session (machine, date, command, rows) to
``benchmarks/results/crawl_latency.json`` and writes every session to ``crawl_latency.md``,
so a setting's before and after stay side by side; ``--fresh`` starts the file again.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import latency_proxy  # noqa: E402
from benchmarks.bare_spider import steady_rate  # noqa: E402
from benchmarks.crawl_bench import (  # noqa: E402
    BIN,
    VARIANTS,
    WORK,
    Run,
    crawl_settings,
    machine,
    measure,
)
from benchmarks.synthetic_web import Nginx, build_variants, serve, write_seeds  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
CONDITIONS = ("loopback", "relay", "latency")


@dataclass(frozen=True)
class Flight:
    """How many sites a run kept busy."""

    most_sites: int | None
    """The crawl's ``optout/sites/most_in_flight`` (the bare spider has no sites)."""
    mean_sites_open: float
    mean_requests_in_flight: float
    steady_sites_per_second: float = 0.0
    """Sites finished per second between the 10th and 90th percentile of finishing times."""


@dataclass(frozen=True)
class Measured:
    """One run: a crawl and the bare spider over the URLs it fetched, under one condition."""

    condition: str
    concurrency: int
    sites_in_flight: int
    """``OPTOUT_SITES_IN_FLIGHT`` given to the crawl (0: its default, twice the concurrency)."""
    sites: int
    requests: int
    crawl: Run
    bare: Run
    crawl_flight: Flight
    bare_flight: Flight
    bare_hosts_in_flight: int
    """The bare spider's ``--hosts-in-flight`` (0: every URL handed to Scrapy at once)."""
    proxy_cpu_seconds: float
    """The delaying proxy's CPU during the crawl (0 on loopback)."""
    load_before_crawl: float
    load_before_bare: float
    round: int = 1

    @property
    def sites_per_second(self) -> float:
        return self.sites / self.crawl.wall_seconds

    @property
    def bare_sites_per_second(self) -> float:
        return self.sites / self.bare.wall_seconds

    @property
    def ratio_to_bare(self) -> float:
        return self.sites_per_second / self.bare_sites_per_second

    def as_json(self) -> dict[str, object]:
        data: dict[str, object] = asdict(self)
        data["sites_per_second"] = round(self.sites_per_second, 3)
        data["bare_sites_per_second"] = round(self.bare_sites_per_second, 3)
        data["ratio_to_bare"] = round(self.ratio_to_bare, 3)
        data["crawl_cpu_seconds_per_site"] = round(self.crawl.cpu_seconds / self.sites, 5)
        data["bare_cpu_seconds_per_site"] = round(self.bare.cpu_seconds / self.sites, 5)
        return data


def _seconds(stamp: str) -> float:
    return datetime.fromisoformat(stamp).timestamp()


def crawl_flight(db: Path) -> Flight:
    """Sites open and requests in flight on average, from the crawl's fetch records."""
    conn = sqlite3.connect(db)
    try:
        spans: dict[str, list[float]] = {}
        latency = 0.0
        for origin, fetched_at, elapsed_ms in conn.execute(
            "SELECT origin, fetched_at, coalesce(elapsed_ms, 0) FROM fetches"
            " WHERE skipped IS NULL AND rendered = 0"
        ):
            end = _seconds(fetched_at)
            start = end - elapsed_ms / 1000
            latency += elapsed_ms / 1000
            span = spans.setdefault(origin, [start, end])
            span[0], span[1] = min(span[0], start), max(span[1], end)
        stats = json.loads(conn.execute("SELECT stats FROM crawls").fetchone()[0] or "{}")
    finally:
        conn.close()
    wall = max(max(s[1] for s in spans.values()) - min(s[0] for s in spans.values()), 1e-9)
    return Flight(
        stats.get("optout/sites/most_in_flight"),
        round(sum(b - a for a, b in spans.values()) / wall, 1),
        round(latency / wall, 1),
        steady_rate([span[1] for span in spans.values()]),
    )


def bare_flight(stats_file: Path) -> Flight:
    seen = json.loads(stats_file.read_text(encoding="utf-8"))["bare/in_flight"]
    return Flight(
        None,
        seen.get("mean_hosts_open", 0.0),
        seen.get("mean_requests_in_flight", 0.0),
        seen.get("steady_sites_per_second", 0.0),
    )


def urls_by_site(db: Path, out: Path) -> int:
    """Write KIND<TAB>URL for every request the crawl made, a site's together; how many."""
    conn = sqlite3.connect(db)
    count = 0
    with out.open("w", encoding="utf-8") as lines:
        for kind, url in conn.execute(
            "SELECT kind, requested_url FROM fetches WHERE skipped IS NULL AND rendered = 0"
            " ORDER BY origin, id"
        ):
            lines.write(f"{kind}\t{url}\n")
            count += 1
    conn.close()
    return count


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def run_one(
    condition: str,
    proxy_url: str,
    server: Nginx,
    proxy: latency_proxy.Proxy | None,
    sites: int,
    concurrency: int,
    in_flight: int,
    bare_bounded: bool,
    round_number: int,
) -> Measured:
    work = WORK / f"latency-{sites}"
    work.mkdir(parents=True, exist_ok=True)
    db = work / "crawl.db"
    for leftover in work.glob("crawl.db*"):
        leftover.unlink()
    seeds = write_seeds(work / "seeds.csv", sites, VARIANTS)
    settings = crawl_settings(concurrency)
    extra = ["-s", f"OPTOUT_SITES_IN_FLIGHT={in_flight}"] if in_flight else []
    proxy_before = proxy.cpu_seconds() if proxy else 0.0
    load_crawl = _load()
    crawl = measure(
        [str(BIN / "optout"), "crawl", str(seeds), "--db", str(db), "--proxy", proxy_url]
        + ["--quiet", "--no-audit", "--allow-private", *settings, *extra],
        server,
    )
    proxy_cpu = (proxy.cpu_seconds() - proxy_before) if proxy else 0.0
    requests = urls_by_site(db, work / "urls.tsv")
    stats = work / "bare-stats.json"
    hosts = (in_flight or 2 * concurrency) if bare_bounded else 0
    load_bare = _load()
    bare = measure(
        [sys.executable, str(ROOT / "benchmarks" / "bare_spider.py"), str(work / "urls.tsv")]
        + ["--proxy", proxy_url, "--stats", str(stats), f"--hosts-in-flight={hosts}", *settings],
        server,
    )
    return Measured(
        condition,
        concurrency,
        in_flight,
        sites,
        requests,
        crawl,
        bare,
        crawl_flight(db),
        bare_flight(stats),
        hosts,
        round(proxy_cpu, 3),
        load_crawl,
        load_bare,
        round_number,
    )


@contextmanager
def reach(
    condition: str, server: Nginx, model: latency_proxy.LatencyModel
) -> Iterator[tuple[str, latency_proxy.Proxy | None]]:
    """The proxy URL the crawl uses under ``condition`` (and the delaying proxy, if any)."""
    if condition == "loopback":
        yield server.proxy_url, None
        return
    scale = 0.0 if condition == "relay" else model.scale
    chosen = latency_proxy.LatencyModel(**{**asdict(model), "scale": scale})
    with latency_proxy.serve(server.port, chosen) as proxy:
        yield proxy.proxy_url, proxy


def table(rows: list[dict[str, object]]) -> list[str]:
    """The session's rows as Markdown, each compared with its loopback row."""
    lines = [
        "| round | condition | concurrency | sites in flight (setting) | bare hosts in flight "
        "| sites | requests "
        "| crawl sites/s | bare sites/s | ratio to bare | rate vs loopback "
        "| crawl CPU s/site | bare CPU s/site | most sites in flight | mean sites open "
        "| mean requests in flight (crawl / bare) | steady sites/s (crawl / bare) "
        "| proxy CPU s | load before crawl / bare |",
        "|" + "---|" * 19,
    ]

    def key(r: dict[str, object]) -> tuple[object, ...]:
        return (r.get("round", 1), r["concurrency"], r["sites_in_flight"])

    loopback = {key(r): r for r in rows if r["condition"] == "loopback"}
    for r in rows:
        base = loopback.get(key(r))
        versus = (
            f"{float(str(r['sites_per_second'])) / float(str(base['sites_per_second'])):.2f}"
            if base
            else "-"
        )
        crawl, bare = r["crawl_flight"], r["bare_flight"]
        assert isinstance(crawl, dict) and isinstance(bare, dict)
        setting = r["sites_in_flight"] or f"default ({2 * int(str(r['concurrency']))})"
        hosts = r.get("bare_hosts_in_flight") or "all at once"
        lines.append(
            f"| {r.get('round', 1)} | {r['condition']} | {r['concurrency']} | {setting} "
            f"| {hosts} | {r['sites']:,} "
            f"| {r['requests']:,} | {float(str(r['sites_per_second'])):.1f} "
            f"| {float(str(r['bare_sites_per_second'])):.1f} | **{r['ratio_to_bare']:.2f}** "
            f"| {versus} | {r['crawl_cpu_seconds_per_site']} | {r['bare_cpu_seconds_per_site']} "
            f"| {crawl['most_sites']} | {crawl['mean_sites_open']} "
            f"| {crawl['mean_requests_in_flight']} / {bare['mean_requests_in_flight']} "
            f"| {crawl.get('steady_sites_per_second', '-')} / "
            f"{bare.get('steady_sites_per_second', '-')} "
            f"| {r['proxy_cpu_seconds']} | {r['load_before_crawl']} / {r['load_before_bare']} |"
        )
    return lines


def markdown(sessions: list[dict[str, object]]) -> str:
    lines = [
        "# Crawl benchmark at internet latency",
        "",
        "Written by `benchmarks/latency_bench.py` (`make bench-crawl-latency`); one section per"
        " session, oldest first. `ratio to bare`: the crawl's sites/s over the bare spider's"
        " under the same condition and settings. `rate vs loopback`: the crawl's sites/s over"
        " the loopback crawl's of the same session and settings. Mean requests in flight is"
        " the sum of download latencies over the crawl's span (one request at a time per host,"
        " so also hosts fetching at once). Steady sites/s: sites finished per second between the"
        " 10th and the 90th percentile of finishing times, leaving out the start (every site"
        " opened at once needs several round trips before the first finishes) and the slow"
        " hosts that finish last. The machine is shared with other work: the load"
        " average before each process is given; CPU s per site and the ratios are the robust"
        " figures.",
    ]
    for session in sessions:
        info = session["machine"]
        assert isinstance(info, dict)
        rows = session["rows"]
        assert isinstance(rows, list)
        lines += [
            "",
            f"## {session['date']}: {session['title']}",
            "",
            f"Machine: {info['cpus']} CPUs ({info['cpu_model']}), {info['memory_gb']} GB RAM, "
            f"Python {info['python']}. Command: `{session['command']}`.",
            f"Latency: {session['latency']}. Settings: one request at a time per host, no "
            "download delay, AutoThrottle off, nginx with one worker.",
            "",
            *table(rows),
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=2000)
    parser.add_argument("--concurrency", default="128", help="comma-separated values")
    parser.add_argument(
        "--sites-in-flight", default="0", help="OPTOUT_SITES_IN_FLIGHT values (0: default)"
    )
    parser.add_argument("--conditions", default="loopback,latency")
    parser.add_argument("--seed", type=int, default=latency_proxy.LatencyModel.seed)
    parser.add_argument("--title", default="loopback and latency")
    parser.add_argument("--rounds", type=int, default=1, help="every run this many times")
    parser.add_argument("--fresh", action="store_true", help="forget earlier sessions")
    parser.add_argument(
        "--bare-unbounded",
        action="store_true",
        help="hand the bare spider every URL at once (as crawl_bench.py does) instead of as"
        " many hosts in flight as the crawl has sites",
    )
    args = parser.parse_args()
    conditions = [c for c in args.conditions.split(",") if c]
    unknown = set(conditions) - set(CONDITIONS)
    if unknown:
        parser.error(f"unknown condition(s) {sorted(unknown)}: choose from {CONDITIONS}")
    model = latency_proxy.LatencyModel(seed=args.seed)
    info = machine()
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    web = build_variants(WORK / "web", VARIANTS)
    rows: list[Measured] = []
    combos = [
        (int(c), int(f))
        for c in args.concurrency.split(",")
        for f in args.sites_in_flight.split(",")
    ]
    with serve(web, WORK / "nginx") as server, ExitStack() as stack:
        reached = {c: stack.enter_context(reach(c, server, model)) for c in conditions}
        # Conditions alternate within each round, so a change in the machine's load falls on
        # all of them rather than on one.
        for round_number in range(1, args.rounds + 1):
            for concurrency, in_flight in combos:
                for condition in conditions:
                    url, proxy = reached[condition]
                    print(
                        f"round {round_number}, {condition}, concurrency {concurrency}, sites in"
                        f" flight {in_flight or 'default'}: {args.sites:,} sites ...",
                        flush=True,
                    )
                    row = run_one(
                        condition,
                        url,
                        server,
                        proxy,
                        args.sites,
                        concurrency,
                        in_flight,
                        not args.bare_unbounded,
                        round_number,
                    )
                    print(
                        f"  crawl {row.sites_per_second:.1f} sites/s, bare "
                        f"{row.bare_sites_per_second:.1f}, ratio {row.ratio_to_bare:.2f}, "
                        f"{row.crawl_flight.mean_requests_in_flight} requests in flight",
                        flush=True,
                    )
                    rows.append(row)
    session = {
        "date": started,
        "title": args.title,
        "command": shlex.join([".venv/bin/python", "benchmarks/latency_bench.py", *sys.argv[1:]]),
        "machine": info,
        "latency": model.describe(),
        "rows": [r.as_json() for r in rows],
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    store = RESULTS / "crawl_latency.json"
    sessions = [] if args.fresh or not store.exists() else json.loads(store.read_text())["sessions"]
    sessions.append(session)
    store.write_text(json.dumps({"sessions": sessions}, indent=2) + "\n", encoding="utf-8")
    (RESULTS / "crawl_latency.md").write_text(markdown(sessions), encoding="utf-8")
    print("\n".join(table(session["rows"])))


if __name__ == "__main__":
    main()
