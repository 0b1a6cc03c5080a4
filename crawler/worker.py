"""One worker of a distributed crawl (``optout crawl --redis``): it takes sites from the Redis
queue until the queue is empty and writes them into a shard file of its own (docs/scaling.md).

``prepare_worker`` checks the queue and the shard before Scrapy starts; the caller then runs
the crawl (``crawler.run.run_crawl`` with ``WORKER_SPIDER`` and the plan's settings).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from scrapy.settings import Settings

from crawler.merge import crawl_token
from crawler.redis_queue import QueueCrawl, QueueError, QueueStatus, SeedQueue
from crawler.run import CrawlTally, crawl_settings
from crawler.storage import open_db

WORKER_SPIDER: Final = "optout-redis"
"""The spider a worker runs: it reads its sites from the queue instead of a seed file."""


class ShardError(Exception):
    """The shard file holds another crawl than the queue's."""


def open_queue(redis_url: str, key: str) -> SeedQueue:
    """The queue ``key`` on the Redis server at ``redis_url``, reached now (QueueError naming
    the server when it cannot be)."""
    try:
        queue = SeedQueue.from_url(redis_url, key)
        queue.crawl()  # reaches the server now, for a clear error
    except (QueueError, ValueError) as err:
        raise QueueError(f"queue {redis_url}: {err}") from err
    return queue


def check_shard(db_path: Path, crawl: QueueCrawl) -> None:
    """A shard holds one crawl: refuse one left by another crawl before Scrapy starts."""
    db = open_db(db_path)
    try:
        ids = [row["id"] for row in db.query("SELECT id FROM crawls")]
        if any(i != crawl.id for i in ids) or (ids and crawl_token(db, crawl.id) != crawl.token):
            raise ShardError(
                f"{db_path} holds another crawl than the queue's crawl {crawl.id}:"
                " give each worker and crawl a shard file of its own"
            )
    finally:
        db.close()


def default_worker(db_path: Path) -> str:
    """A worker name that stays the same when the worker restarts on the same shard."""
    return f"{socket.gethostname()}:{db_path.resolve()}"


@dataclass(frozen=True)
class WorkerPlan:
    """A worker ready to crawl: its queue, the queue's crawl, its name and settings."""

    queue: SeedQueue
    crawl: QueueCrawl
    name: str
    pending: int
    """Sites waiting in the queue when the worker starts (the most it may take)."""
    settings: Settings

    def ran(self, tally: CrawlTally) -> bool:
        """Whether the crawl run with this plan worked on the queue's crawl."""
        return tally.crawl_id is not None and tally.crawl_id == self.crawl.id

    def queue_status(self) -> QueueStatus:
        """The queue as it is now (after the crawl: what is left for other workers)."""
        return self.queue.status()


def prepare_worker(
    db_path: Path, redis_url: str, key: str, worker: str | None, overrides: dict[str, Any]
) -> WorkerPlan:
    """Check the queue and the shard, and settle the worker's name and settings; raises
    QueueError, ShardError or StorageError."""
    tasks = open_queue(redis_url, key)
    crawl = tasks.require_crawl()
    pending = tasks.status().pending
    check_shard(db_path, crawl)
    name = worker or default_worker(db_path)
    settings = crawl_settings(
        **{
            **overrides,
            "REDIS_URL": redis_url,
            "OPTOUT_REDIS_KEY": key,
            "OPTOUT_WORKER": name,
            "OPTOUT_CRAWL_TOKEN": crawl.token,
        }
    )
    return WorkerPlan(tasks, crawl, name, pending, settings)
