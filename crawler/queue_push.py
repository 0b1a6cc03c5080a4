"""Filling the Redis queue of a distributed crawl (``optout queue push``): the first push
creates the crawl in the main database and ties the queue to it; later pushes add sites."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import audits
from audits.core.agents import load_registry
from crawler.merge import crawl_token
from crawler.redis_queue import QueueCrawl, QueueError, SeedQueue
from crawler.seeds import read_seeds
from crawler.storage import open_db, start_crawl


@dataclass(frozen=True)
class PushResult:
    """What one push did."""

    crawl: QueueCrawl
    queued: int
    repeated: int
    """Sites pushed to this queue before, not queued again."""


def push_seeds(
    tasks: SeedQueue, db_path: Path, seeds: Path, key: str, limit: int | None
) -> PushResult:
    """Queue the sites of ``seeds`` (the first ``limit``) for the crawl the queue feeds in
    ``db_path``; raises SeedError, StorageError or QueueError."""
    crawl = tasks.crawl() or _new_crawl(tasks, db_path, seeds, key)
    _check_main(db_path, crawl, key)
    chosen = islice(read_seeds(seeds), limit) if limit else read_seeds(seeds)
    queued, repeated = tasks.push(chosen)
    return PushResult(crawl, queued, repeated)


def _new_crawl(tasks: SeedQueue, db_path: Path, seeds: Path, key: str) -> QueueCrawl:
    token = secrets.token_hex(8)
    db = open_db(db_path)
    try:
        crawl_id = start_crawl(
            db,
            seeds_source=str(seeds),
            settings={"OPTOUT_CRAWL_TOKEN": token, "OPTOUT_REDIS_KEY": key},
            tool_version=audits.TOOL_VERSION,
            interpreter_version=audits.INTERPRETER_VERSION,
            registry_version=load_registry().version,
        )
        crawl = QueueCrawl(crawl_id, token)
        if not tasks.tie(crawl):  # another push won the race
            db.execute("DELETE FROM crawls WHERE id = ?", [crawl_id])
            return tasks.require_crawl()
        return crawl
    finally:
        db.close()


def _check_main(db_path: Path, crawl: QueueCrawl, key: str) -> None:
    db = open_db(db_path)
    try:
        if crawl_token(db, crawl.id) != crawl.token:
            raise QueueError(
                f"queue {key!r} feeds crawl {crawl.id} of another database than {db_path}:"
                " use that database, another --queue-key, or `optout queue clear`"
            )
    finally:
        db.close()
