"""The speed-up of two distributed workers over one on this machine.

Each run: a fresh Redis on loopback, ``optout queue push`` of the same seeds, N
``optout crawl --redis`` workers started together, timed until the last one exits; then
``optout merge`` of their shards (timed apart). The web is the synthetic web
(``benchmarks/synthetic_web.py``, nginx) when nginx is installed, else the bundled sample web
(whose deliberately slow sites make the wall time less about the crawler).

Politeness delays are off (``DOWNLOAD_DELAY=0``, no AutoThrottle): against loopback they
would only measure sleeping. So this is the crawler's own throughput (CPU-bound); what a
real crawl does with politeness on is worked out in docs/scaling.md.

    .venv/bin/python benchmarks/two_workers.py [--sites 400] [--web synthetic|sample]

writes benchmarks/results/workers.json and workers.md. ``measure(...)`` is the function a
benchmark harness calls.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from crawler.local_redis import local_redis  # noqa: E402

OPTOUT = Path(sys.executable).parent / "optout"
RESULTS = ROOT / "benchmarks" / "results"
SETTINGS = (
    "DOWNLOAD_DELAY=0",
    "AUTOTHROTTLE_ENABLED=false",
    "DOWNLOAD_TIMEOUT=10",
    "OPTOUT_RETRY_BASE_DELAY=0.1",
    "CONCURRENT_REQUESTS=32",
    "OPTOUT_SITES_IN_FLIGHT=32",
)


@dataclass(frozen=True)
class WorkerRun:
    workers: int
    sites: int
    seconds: float
    """From the workers' start to the last worker's exit."""
    cpu_seconds: float
    """User and system CPU time of the worker processes: unlike wall time, it does not grow
    when other work shares the machine."""
    merge_seconds: float
    fetches: int
    sites_per_second: float
    per_worker_sites: list[int]


def _optout(*args: str | Path, timeout: float = 3600) -> str:
    result = subprocess.run(
        [str(OPTOUT), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
    )
    if result.returncode != 0:
        raise RuntimeError(f"optout {args[0]} failed: {result.stderr[-2000:]}")
    return result.stderr


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _count(db: Path, sql: str) -> int:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return int(conn.execute(sql).fetchone()[0])


def measure(workers: int, seeds: Path, proxy: str, workdir: Path) -> WorkerRun:
    """Crawl ``seeds`` through ``proxy`` with ``workers`` workers sharing one queue."""
    workdir.mkdir(parents=True, exist_ok=True)
    main = workdir / "main.db"
    shards = [workdir / f"shard-{n}.db" for n in range(1, workers + 1)]
    with local_redis(workdir / "redis") as url:
        _optout("queue", "push", seeds, "--redis", url, "--db", main)
        settings = [arg for pair in SETTINGS for arg in ("-s", pair)]
        started, cpu_before = time.monotonic(), _children_cpu()
        processes = [
            subprocess.Popen(
                [str(OPTOUT), "crawl", "--redis", url, "--db", str(shard), "--quiet"]
                + ["--proxy", proxy, "--allow-private", *settings],
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for shard in shards
        ]
        for process in processes:
            _, err = process.communicate(timeout=7200)
            if process.returncode != 0:
                raise RuntimeError(f"a worker failed: {err[-2000:]}")
        seconds = time.monotonic() - started
        cpu = _children_cpu() - cpu_before
    merge_started = time.monotonic()
    _optout("merge", *shards, "--db", main, "--quiet")
    merge_seconds = time.monotonic() - merge_started
    sites = _count(main, "select count(*) from site_status where status = 'done'")
    return WorkerRun(
        workers=workers,
        sites=sites,
        seconds=round(seconds, 2),
        cpu_seconds=round(cpu, 2),
        merge_seconds=round(merge_seconds, 2),
        fetches=_count(main, "select count(*) from fetches"),
        sites_per_second=round(sites / seconds, 2),
        per_worker_sites=[_count(s, "select count(*) from site_status") for s in shards],
    )


def measure_plain(seeds: Path, proxy: str, workdir: Path) -> dict[str, float]:
    """One ordinary ``optout crawl`` of the same seeds: the baseline a worker is held to."""
    workdir.mkdir(parents=True, exist_ok=True)
    settings = [arg for pair in SETTINGS for arg in ("-s", pair)]
    started, cpu_before = time.monotonic(), _children_cpu()
    _optout(
        "crawl",
        seeds,
        "--db",
        workdir / "plain.db",
        "--quiet",
        "--no-audit",
        "--proxy",
        proxy,
        "--allow-private",
        *settings,
    )
    return {
        "seconds": round(time.monotonic() - started, 2),
        "cpu_seconds": round(_children_cpu() - cpu_before, 2),
        "fetches": _count(workdir / "plain.db", "select count(*) from fetches"),
    }


@contextmanager
def _web(kind: str, sites: int, workdir: Path) -> Iterator[tuple[str, Path, str]]:
    """(proxy URL, seed file, description) of the web to crawl."""
    if kind == "synthetic":
        from benchmarks import synthetic_web

        variants = min(sites, 200)
        web = synthetic_web.build_variants(workdir / "web", variants)
        seeds = synthetic_web.write_seeds(workdir / "seeds.csv", sites, variants)
        with synthetic_web.serve(web, workdir / "nginx") as nginx:
            yield nginx.proxy_url, seeds, f"synthetic web, {sites} sites (nginx)"
        return
    from sampleweb.server import start_server

    seeds = ROOT / "sampleweb" / "seeds.csv"
    count = len(seeds.read_text(encoding="utf-8").splitlines()) - 1
    with start_server() as server:
        yield server.proxy_url, seeds, f"bundled sample web, {count} sites"


def run(sites: int, web: str, repeat: int = 3) -> dict[str, object]:
    """One and two workers, ``repeat`` times each, interleaved; the fastest run of each
    counts (other work on the machine only ever slows a run down)."""
    load_before = os.getloadavg()[0]
    runs: dict[int, list[WorkerRun]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory(prefix="optout-workers-") as tmp:
        workdir = Path(tmp)
        with _web(web, sites, workdir) as (proxy, seeds, description):
            plain = measure_plain(seeds, proxy, workdir / "plain")
            for attempt in range(repeat):
                for workers in (1, 2):
                    where = workdir / f"w{workers}-{attempt}"
                    runs[workers].append(measure(workers, seeds, proxy, where))
    one, two = (min(runs[n], key=lambda r: r.seconds) for n in (1, 2))
    return {
        "benchmark": "two_workers",
        "web": description,
        "machine": f"{os.cpu_count()} cores, {platform.python_implementation()}"
        f" {platform.python_version()}",
        "settings": list(SETTINGS),
        "repeat": repeat,
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "plain_crawl": plain,
        "runs": [asdict(one), asdict(two)],
        "all_seconds": {str(n): [r.seconds for r in runs[n]] for n in runs},
        "speed_up": round(one.seconds / two.seconds, 2),
    }


def _markdown(result: dict[str, object]) -> str:
    runs = result["runs"]
    assert isinstance(runs, list)
    lines = [
        "# Two workers against one",
        "",
        f"{result['web']}; {result['machine']}; settings {', '.join(result['settings'])}.",  # type: ignore[arg-type]
        f"Fastest of {result['repeat']} interleaved runs each (all: {result['all_seconds']} s);"
        f" load average (1 min) before and after: {result['load_average']}.",
        "",
        "| workers | sites | seconds | sites/s | CPU s | sites per CPU s | fetches"
        " | sites per worker | merge s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in runs:
        lines.append(
            f"| {r['workers']} | {r['sites']} | {r['seconds']} | {r['sites_per_second']} |"
            f" {r['cpu_seconds']} | {round(r['sites'] / max(r['cpu_seconds'], 0.01), 2)} |"
            f" {r['fetches']} | {', '.join(map(str, r['per_worker_sites']))} |"
            f" {r['merge_seconds']} |"
        )
    plain = result["plain_crawl"]
    assert isinstance(plain, dict)
    lines += [
        "",
        f"An ordinary `optout crawl` of the same seeds: {plain['seconds']} s,"
        f" {plain['cpu_seconds']} CPU s, {plain['fetches']} fetches.",
        "",
        f"Speed-up of two workers over one: **{result['speed_up']}x**.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=400, help="synthetic sites (default 400)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each (default 3)")
    parser.add_argument(
        "--web",
        choices=("synthetic", "sample"),
        default="synthetic"
        if shutil.which("nginx") or Path("/usr/sbin/nginx").exists()
        else "sample",
    )
    args = parser.parse_args()
    result = run(args.sites, args.web, args.repeat)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "workers.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (RESULTS / "workers.md").write_text(_markdown(result), encoding="utf-8")
    print(_markdown(result))


if __name__ == "__main__":
    main()
