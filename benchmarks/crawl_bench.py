"""Benchmark: crawl and audit a synthetic web of N sites, beside a bare Scrapy spider.

For each size N it runs, one after the other on the same nginx server:
1. ``optout crawl`` of N synthetic sites (seeds streamed from a CSV);
2. the bare spider (``bare_spider.py``) over exactly the URLs that crawl fetched;
3. ``optout audit`` of the crawl;
4. the same crawl again in probe mode (``--probe-agents``, the default agent set unless
   ``--probe-agents LIST`` says otherwise; ``--probe-agents ''`` leaves it out).
It reports sites and requests per second, CPU seconds per site (crawl and audit apart), peak
RSS of each process, database size per site, nginx's share of the CPU, the crawl's rate as
a ratio of the bare spider's, and what probing costs: probe requests per site, and the time
and CPU each site takes beyond the ordinary crawl. Every process is a child measured with
``wait4`` (its own CPU time and peak RSS, nothing else's).

    .venv/bin/python benchmarks/crawl_bench.py [--sizes 1000,10000,50000] [--concurrency 128]
        [--probe-agents default]

Writes ``benchmarks/results/crawl.json`` and ``crawl.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.machine import cpu_model  # noqa: E402
from benchmarks.synthetic_web import Nginx, build_variants, serve, write_seeds  # noqa: E402

BIN = Path(sys.executable).parent
WORK = ROOT / "benchmarks" / ".cache" / "crawl"
RESULTS = ROOT / "benchmarks" / "results"
VARIANTS = 500


@dataclass(frozen=True)
class Run:
    """One measured child process."""

    wall_seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    server_cpu_seconds: float


@dataclass(frozen=True)
class ProbeResult:
    """The same crawl in probe mode, beside the ordinary one."""

    agents: str
    requests: int
    """Every request of the probe-mode crawl (the baseline's and the probes')."""
    probes: int
    """Of which probes (fetches of kind ``probe``)."""
    crawl: Run

    def as_json(self, base: SizeResult) -> dict[str, object]:
        data: dict[str, object] = asdict(self)
        sites = base.sites
        data["probes_per_site"] = round(self.probes / sites, 2)
        data["requests_ratio"] = round(self.requests / base.requests, 3)
        data["extra_seconds_per_site"] = round(
            (self.crawl.wall_seconds - base.crawl.wall_seconds) / sites, 5
        )
        data["extra_cpu_seconds_per_site"] = round(
            (self.crawl.cpu_seconds - base.crawl.cpu_seconds) / sites, 5
        )
        data["time_ratio"] = round(self.crawl.wall_seconds / base.crawl.wall_seconds, 3)
        data["sites_per_second"] = round(sites / self.crawl.wall_seconds, 3)
        data["requests_per_second"] = round(self.requests / self.crawl.wall_seconds, 3)
        return data


@dataclass(frozen=True)
class SizeResult:
    sites: int
    requests: int
    crawl: Run
    bare: Run
    audit: Run
    db_bytes_per_site: float
    probe: ProbeResult | None = None

    @property
    def sites_per_second(self) -> float:
        return self.sites / self.crawl.wall_seconds

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.crawl.wall_seconds

    @property
    def bare_requests_per_second(self) -> float:
        return self.requests / self.bare.wall_seconds

    @property
    def ratio_to_bare(self) -> float:
        return self.requests_per_second / self.bare_requests_per_second

    @property
    def audit_sites_per_second(self) -> float:
        return self.sites / self.audit.wall_seconds

    def as_json(self) -> dict[str, object]:
        data: dict[str, object] = asdict(self)
        data["probe"] = self.probe.as_json(self) if self.probe else None
        for name in (
            "sites_per_second",
            "requests_per_second",
            "bare_requests_per_second",
            "ratio_to_bare",
            "audit_sites_per_second",
        ):
            data[name] = round(getattr(self, name), 3)
        data["crawl_cpu_seconds_per_site"] = round(self.crawl.cpu_seconds / self.sites, 5)
        data["audit_cpu_seconds_per_site"] = round(self.audit.cpu_seconds / self.sites, 5)
        data["server_cpu_share"] = round(
            self.crawl.server_cpu_seconds
            / max(self.crawl.server_cpu_seconds + self.crawl.cpu_seconds, 1e-9),
            3,
        )
        return data


def measure(command: list[str], server: Nginx | None = None) -> Run:
    """Run a child to completion; its wall time, CPU time and peak RSS."""
    server_before = server.cpu_seconds() if server else 0.0
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert process.stderr is not None
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.monotonic() - started
    errors = process.stderr.read().decode("utf-8", "replace")
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{command[0:3]} failed ({process.returncode}):\n{errors[-2000:]}")
    return Run(
        round(wall, 3),
        round(usage.ru_utime + usage.ru_stime, 3),
        round(usage.ru_maxrss / 1024, 1),
        round((server.cpu_seconds() - server_before) if server else 0.0, 3),
    )


def crawl_settings(concurrency: int) -> list[str]:
    """No politeness delay against our own server; still one request at a time per host."""
    pairs = {
        "DOWNLOAD_DELAY": "0",
        "AUTOTHROTTLE_ENABLED": "false",
        "CONCURRENT_REQUESTS": str(concurrency),
        "CONCURRENT_REQUESTS_PER_DOMAIN": "1",
        "DOWNLOAD_TIMEOUT": "20",
        "LOG_LEVEL": "WARNING",
    }
    return [arg for name, value in pairs.items() for arg in ("-s", f"{name}={value}")]


def fetched_urls(db: Path, out: Path) -> int:
    """Write KIND<TAB>URL for every request the crawl made; how many."""
    # Streamed, not fetched whole: a child started later inherits this process's resident size
    # as the floor of its peak RSS (Linux keeps the high-water mark across fork and exec), so a
    # list of 600,000 URLs here made the bare spider and the audit look 275 MB at 50,000 sites.
    conn = sqlite3.connect(db)
    count = 0
    with out.open("w", encoding="utf-8") as lines:
        for kind, url in conn.execute(
            "SELECT kind, requested_url FROM fetches WHERE skipped IS NULL AND rendered = 0"
        ):
            lines.write(f"{kind}\t{url}\n")
            count += 1
    conn.close()
    return count


def count_fetches(db: Path) -> tuple[int, int]:
    """(requests made, of which probes) in a crawl database."""
    conn = sqlite3.connect(db)
    try:
        made, probes = conn.execute(
            "SELECT count(*), coalesce(sum(kind = 'probe'), 0) FROM fetches"
            " WHERE skipped IS NULL AND rendered = 0"
        ).fetchone()
    finally:
        conn.close()
    return int(made), int(probes)


def run_probes(
    seeds: Path, work: Path, server: Nginx, settings: list[str], agents: str
) -> ProbeResult:
    """The same crawl with probes on, into a database of its own."""
    db = work / "probe.db"
    for leftover in work.glob("probe.db*"):
        leftover.unlink()
    proxy = ["--proxy", server.proxy_url]
    crawl = measure(
        [str(BIN / "optout"), "crawl", str(seeds), "--db", str(db), *proxy, "--quiet"]
        + ["--no-audit", "--allow-private", f"--probe-agents={agents}", *settings],
        server,
    )
    made, probes = count_fetches(db)
    return ProbeResult(agents, made, probes, crawl)


def run_size(sites: int, server: Nginx, concurrency: int, probe_agents: str = "") -> SizeResult:
    work = WORK / str(sites)
    work.mkdir(parents=True, exist_ok=True)
    db = work / "crawl.db"
    for leftover in work.glob("crawl.db*"):
        leftover.unlink()
    seeds = write_seeds(work / "seeds.csv", sites, VARIANTS)
    settings = crawl_settings(concurrency)
    # --allow-private: the synthetic hosts are not in DNS, so the private-address guard's
    # lookup of each would time the resolver's failures (seconds each here), not the crawler.
    proxy = ["--proxy", server.proxy_url]
    crawl = measure(
        [str(BIN / "optout"), "crawl", str(seeds), "--db", str(db), *proxy, "--quiet"]
        + ["--no-audit", "--allow-private", *settings],
        server,
    )
    requests = fetched_urls(db, work / "urls.tsv")
    bare = measure(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "bare_spider.py"),
            str(work / "urls.tsv"),
            "--proxy",
            server.proxy_url,
            *settings,
        ],
        server,
    )
    audit = measure([str(BIN / "optout"), "audit", "--db", str(db), "--quiet"])
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    probe = run_probes(seeds, work, server, settings, probe_agents) if probe_agents else None
    return SizeResult(
        sites, requests, crawl, bare, audit, round(db.stat().st_size / sites, 1), probe
    )


def machine() -> dict[str, object]:
    model = cpu_model()
    memory = next(
        line.split()[1]
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gb": round(int(memory) / 1024 / 1024, 1),
        "python": platform.python_version(),
        "load_average_at_start": os.getloadavg()[0],
    }


def markdown(results: list[SizeResult], info: dict[str, object], concurrency: int) -> str:
    lines = [
        "# Crawl benchmark",
        "",
        f"Machine: {info['cpus']} CPUs ({info['cpu_model']}), {info['memory_gb']} GB RAM, "
        f"Python {info['python']}; load average at start {info['load_average_at_start']:.2f}.",
        f"Settings: CONCURRENT_REQUESTS={concurrency}, one request at a time per host, no "
        "download delay, nginx with one worker on loopback.",
        "",
        "| sites | requests | crawl sites/s | crawl req/s | bare req/s | ratio | crawl CPU s/site "
        "| crawl peak RSS MB | bare peak RSS MB | nginx CPU share | audit sites/s "
        "| audit CPU s/site | audit peak RSS MB | DB bytes/site |",
        "|" + "---|" * 14,
    ]
    for r in results:
        d = r.as_json()
        lines.append(
            f"| {r.sites:,} | {r.requests:,} | {r.sites_per_second:.1f} "
            f"| {r.requests_per_second:.0f} | {r.bare_requests_per_second:.0f} "
            f"| {r.ratio_to_bare:.2f} | {d['crawl_cpu_seconds_per_site']} "
            f"| {r.crawl.peak_rss_mb} | {r.bare.peak_rss_mb} | {d['server_cpu_share']} "
            f"| {r.audit_sites_per_second:.1f} | {d['audit_cpu_seconds_per_site']} "
            f"| {r.audit.peak_rss_mb} | {r.db_bytes_per_site:,.0f} |"
        )
    probed = [(r, r.probe) for r in results if r.probe is not None]
    if probed:
        lines += [
            "",
            "## Probe mode",
            "",
            f"The same crawl with `--probe-agents={probed[0][1].agents}`"
            " (robots.txt, the home page, one content page and one image asked again per"
            " agent), beside the ordinary crawl above, on the same server.",
            "",
            "| sites | requests | of which probes | probes/site | requests x | crawl sites/s "
            "| crawl s | ordinary crawl s | extra s/site | extra CPU s/site | time x "
            "| peak RSS MB |",
            "|" + "---|" * 12,
        ]
        for r, p in probed:
            d = p.as_json(r)
            lines.append(
                f"| {r.sites:,} | {p.requests:,} | {p.probes:,} | {d['probes_per_site']} "
                f"| {d['requests_ratio']} | {d['sites_per_second']} | {p.crawl.wall_seconds} "
                f"| {r.crawl.wall_seconds} | {d['extra_seconds_per_site']} "
                f"| {d['extra_cpu_seconds_per_site']} | {d['time_ratio']} "
                f"| {p.crawl.peak_rss_mb} |"
            )
    if len(results) > 1:
        first, last = results[0], results[-1]
        lines += [
            "",
            f"From {first.sites:,} to {last.sites:,} sites ({last.sites / first.sites:.0f}x): "
            f"crawl peak RSS x{last.crawl.peak_rss_mb / first.crawl.peak_rss_mb:.2f}, "
            f"audit peak RSS x{last.audit.peak_rss_mb / first.audit.peak_rss_mb:.2f}, "
            f"crawl rate x{last.sites_per_second / first.sites_per_second:.2f}.",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--concurrency", type=int, default=128)
    parser.add_argument(
        "--probe-agents",
        default="default",
        help="agents of the probe-mode crawl (default: the registry's default set; '': none)",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    info = machine()
    web = build_variants(WORK / "web", VARIANTS)
    results = []
    with serve(web, WORK / "nginx") as server:
        for sites in sizes:
            print(f"crawl benchmark: {sites:,} sites ...", flush=True)
            result = run_size(sites, server, args.concurrency, args.probe_agents)
            print(
                f"  {result.sites_per_second:.1f} sites/s, ratio to bare spider "
                f"{result.ratio_to_bare:.2f}, audit {result.audit_sites_per_second:.1f} sites/s",
                flush=True,
            )
            if result.probe is not None:
                costs = result.probe.as_json(result)
                print(
                    f"  probe mode: {costs['probes_per_site']} probes/site, "
                    f"{costs['extra_seconds_per_site']} s/site more, x{costs['time_ratio']} time",
                    flush=True,
                )
            results.append(result)
    RESULTS.mkdir(parents=True, exist_ok=True)
    report = {
        "machine": info,
        "concurrency": args.concurrency,
        "sizes": [r.as_json() for r in results],
    }
    (RESULTS / "crawl.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (RESULTS / "crawl.md").write_text(markdown(results, info, args.concurrency), encoding="utf-8")
    print((RESULTS / "crawl.md").read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
