"""Two ``optout crawl --redis`` workers share the sample web through a real Redis server on
loopback; ``optout merge`` puts their shards together. Every site is done exactly once, and
the merged crawl holds and audits to what one ordinary crawl of the same seeds gives."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.local_redis import find_redis_server, local_redis
from crawler.redis_queue import SeedQueue, seed_from_json
from crawler.seeds import Seed
from crawler.storage import open_db, start_crawl
from optout_cli.main import cli
from sampleweb.server import SampleWeb
from tests.conftest import ROOT
from tests.crawler.conftest import FAST, OPTOUT, SAMPLE_SEEDS, run_crawl

SITES = len(SAMPLE_SEEDS.read_text().splitlines()) - 1
# Few sites in flight per worker, so that both workers get a share of the small sample web.
WORKER = ("-s", "OPTOUT_SITES_IN_FLIGHT=6")
VERDICTS = "origin, name, kind, train, ai_use, search, tdm, train_mechanisms, robots_state"

pytestmark = pytest.mark.skipif(
    find_redis_server() is None and os.geteuid() != 0,
    reason="redis-server is not installed and we are not root to install it (make setup does)",
)


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    with local_redis(tmp_path / "redis") as url:
        yield url


def _optout(*args: str | Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(OPTOUT), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def _worker(redis_url: str, shard: Path, web: SampleWeb, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(OPTOUT), "crawl", "--redis", redis_url, "--db", str(shard), "--quiet"]
        + ["--proxy", web.proxy_url, "--allow-private", *FAST, *WORKER, *extra],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(process: subprocess.Popen[str]) -> str:
    _, err = process.communicate(timeout=300)
    assert process.returncode == 0, err[-3000:]
    return err


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def _records(db: Path) -> list[tuple[object, ...]]:
    return _rows(
        db, "select origin, kind, requested_url, rendered from fetches order by 1, 2, 3, 4"
    )


def _done(db: Path) -> set[str]:
    return {str(row[0]) for row in _rows(db, "select origin from site_status where status='done'")}


@pytest.mark.timeout(900)
def test_two_workers_do_every_site_once_and_audit_like_one_crawl(
    tmp_path: Path, sample_web: SampleWeb, redis_url: str
) -> None:
    main, shards = tmp_path / "main.db", [tmp_path / "shard-1.db", tmp_path / "shard-2.db"]
    pushed = _optout("queue", "push", SAMPLE_SEEDS, "--redis", redis_url, "--db", main)
    assert f"{SITES} sites queued" in pushed.stderr

    workers = [_worker(redis_url, shard, sample_web) for shard in shards]
    for process in workers:
        _finish(process)

    done = [_done(shard) for shard in shards]
    assert all(done), "each worker took a share of the sites"
    assert not done[0] & done[1], "a site was crawled by both workers"
    assert len(done[0] | done[1]) == SITES
    status = _optout("queue", "status", "--redis", redis_url).stdout
    assert f"0 pending, {SITES} done" in status

    _optout("merge", *shards, "--db", main, "--audit", "--quiet")
    again = _optout("merge", *shards, "--db", main)
    assert "0 new fetch records" in again.stderr  # merging again adds nothing

    reference = tmp_path / "one.db"
    run_crawl(SAMPLE_SEEDS, reference, sample_web, "--allow-private")

    records = _records(main)
    assert len(records) == len(set(records)), "a fetch record was stored twice"
    assert sorted(set(records) ^ set(_records(reference))) == []
    assert records == _records(reference)
    assert _rows(main, "select count(*), count(distinct origin) from site_status") == [
        (SITES, SITES)
    ]
    assert _rows(main, "select id, status from crawls") == [(1, "finished")]
    summary = f"select {VERDICTS} from site_summary order by origin"
    assert _rows(main, summary) == _rows(reference, summary)


def _count_done(shard: Path) -> int:
    try:
        with sqlite3.connect(f"file:{shard}?mode=ro", uri=True, timeout=1) as conn:
            return int(conn.execute("select count(*) from site_status").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


@pytest.mark.timeout(900)
def test_a_killed_worker_loses_no_site(
    tmp_path: Path, sample_web: SampleWeb, redis_url: str
) -> None:
    main, shard = tmp_path / "main.db", tmp_path / "shard.db"
    _optout("queue", "push", SAMPLE_SEEDS, "--redis", redis_url, "--db", main)
    slow = ("-s", "DOWNLOAD_DELAY=0.05", "-s", "OPTOUT_SITES_IN_FLIGHT=4")
    victim = _worker(redis_url, shard, sample_web, *slow)
    deadline = time.monotonic() + 120
    while _count_done(shard) < 3 and time.monotonic() < deadline and victim.poll() is None:
        time.sleep(0.05)
    assert victim.poll() is None, "the worker finished before it could be killed"
    os.kill(victim.pid, signal.SIGKILL)
    victim.communicate(timeout=30)
    queue = SeedQueue.from_url(redis_url).status()
    assert sum(queue.working.values()) > 0, "the killed worker's sites are still in its list"

    _finish(_worker(redis_url, shard, sample_web))  # the same worker again, on its shard

    _optout("merge", shard, "--db", main)
    assert _done(main) == _done(shard)
    assert len(_done(main)) == SITES
    records = _records(main)
    assert len(records) == len(set(records))
    assert _rows(shard, "select resumed_count from crawls") == [(1,)]


def test_the_queue_gives_each_seed_to_one_worker_and_takes_back_a_dead_ones(
    redis_url: str,
) -> None:
    queue = SeedQueue.from_url(redis_url, "unit")
    seeds = [Seed(f"http://s{n}.example", name=f"S{n}", tags=("a", "b")) for n in range(3)]
    assert queue.push(seeds) == (3, 0)
    assert queue.push(seeds[:1]) == (0, 1)  # pushed before: not queued again
    taken = [queue.take("w1"), queue.take("w1"), queue.take("w2"), queue.take("w2")]
    assert taken[3] is None
    assert [seed_from_json(str(raw)) for raw in taken[:3]] == seeds  # every field survives
    queue.beat("w2")
    assert queue.ack("w1", seeds[0].origin)
    assert not queue.ack("w2", seeds[0].origin)  # already done
    assert queue.reclaim_dead(besides="w3") == 1  # w1 is silent; w2 still beats
    state = queue.status()
    assert (state.pending, state.done, state.working) == (1, 1, {"w1": 0, "w2": 1})
    assert seed_from_json(str(queue.take("w3"))) == seeds[1]


def test_a_queue_belongs_to_one_main_database(tmp_path: Path, redis_url: str) -> None:
    runner = CliRunner()
    first = runner.invoke(
        cli,
        ["queue", "push", str(SAMPLE_SEEDS), "--redis", redis_url, "--db", str(tmp_path / "a.db")],
    )
    assert first.exit_code == 0, first.output
    other = runner.invoke(
        cli,
        ["queue", "push", str(SAMPLE_SEEDS), "--redis", redis_url, "--db", str(tmp_path / "b.db")],
    )
    assert other.exit_code == 1
    assert "of another database" in other.output


def test_a_worker_refuses_a_shard_of_another_crawl(tmp_path: Path, redis_url: str) -> None:
    runner = CliRunner()
    pushed = runner.invoke(
        cli,
        ["queue", "push", str(SAMPLE_SEEDS), "--redis", redis_url, "--db", str(tmp_path / "m.db")],
    )
    assert pushed.exit_code == 0, pushed.output
    shard = tmp_path / "old-shard.db"
    with closing(open_db(shard)) as db:
        start_crawl(
            db,
            seeds_source=None,
            settings={},
            tool_version="t",
            interpreter_version="t",
            registry_version="t",
            crawl_id=7,
        )
    result = runner.invoke(cli, ["crawl", "--redis", redis_url, "--db", str(shard), "--quiet"])
    assert result.exit_code == 1
    assert "holds another crawl" in result.output


def test_a_worker_without_a_reachable_queue_says_so(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["crawl", "--redis", "redis://127.0.0.1:1/0", "--db", str(tmp_path / "s.db")]
    )
    assert result.exit_code == 1
    assert "redis://127.0.0.1:1/0" in result.output
