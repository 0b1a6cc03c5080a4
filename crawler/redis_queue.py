"""The shared queue of seed origins that distributed workers take sites from (Redis).

Keys, all under one prefix (``OPTOUT_REDIS_KEY``, default ``optout``) so one Redis server can
hold several crawls:

- ``<key>:crawl``: the shared crawl's id and token, ``"ID TOKEN"`` (the token is a random
  word that tells this crawl from a crawl with the same number in another database).
- ``<key>:seeds``: list of pending seeds, each a JSON object of its seed fields.
- ``<key>:pushed``: set of every origin ever pushed, so a seed is queued once per crawl.
- ``<key>:working:<worker>``: list of the seeds a worker has taken and not yet finished.
- ``<key>:alive:<worker>``: a key that expires unless the worker keeps refreshing it.
- ``<key>:done``: set of the origins whose site is committed to some worker's shard.
- ``<key>:workers``: set of the workers that ever took a seed.
- ``<key>:render``: set when some pushed seed asks for rendering.

A worker takes a seed with ``LMOVE seeds -> working:<worker>`` (atomic: no two workers get
the same seed) and removes it from its working list only once the site's records are
committed to its shard (``ack``). Seeds left in the working list of a worker that died are
put back on the queue (``reclaim``): by the worker itself when it starts again under the same
name, and by any worker that starts or runs dry while the dead one's ``alive`` key has
expired. A site is so never lost; it may be crawled twice only when a worker dies between
committing a site and acknowledging it, and ``optout merge`` keeps one copy.

scrapy-redis gives the connection (its ``REDIS_URL`` / ``REDIS_PARAMS`` settings); its own
request scheduler and start-URL reader are not used: the first would scatter one site's
requests over several processes, while the spider keeps a site's state (robots.txt rules,
requests in flight) in the process that started it and politeness per host relies on one
process fetching a host; the second pops with LRANGE+LTRIM, which drops a batch when the
worker is killed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, fields
from typing import Any, Final, cast

import redis
from scrapy_redis import connection, defaults

from crawler.seeds import Seed

DEFAULT_KEY: Final = "optout"
ALIVE_SECONDS: Final = 60
"""How long a worker counts as alive after its last heartbeat (it beats every 10 seconds)."""
PUSH_BATCH: Final = 1000
_SEED_FIELDS: Final = frozenset(f.name for f in fields(Seed))


class QueueError(Exception):
    """The queue cannot be used as asked (unreachable, no crawl yet, another crawl)."""


@dataclass(frozen=True)
class QueueCrawl:
    """The crawl a queue feeds: its id in the main database and its token."""

    id: int
    token: str


@dataclass(frozen=True)
class QueueStatus:
    crawl: QueueCrawl | None
    pending: int
    done: int
    working: dict[str, int]
    alive: set[str]


def seed_to_json(seed: Seed) -> str:
    return json.dumps(asdict(seed), ensure_ascii=False, sort_keys=True)


def seed_from_json(text: str) -> Seed:
    """A seed from its queued JSON; ValueError when it is not one."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("origin"), str):
        raise ValueError("not a seed object with an origin")
    unknown = set(data) - _SEED_FIELDS
    if unknown:
        raise ValueError(f"unknown seed field(s) {sorted(unknown)}")
    data["tags"] = tuple(data.get("tags") or ())
    return Seed(**data)


def connect(url: str) -> redis.Redis:
    """A client for ``url`` with scrapy-redis's connection defaults, answering in text."""
    params: dict[str, Any] = {**defaults.REDIS_PARAMS, "decode_responses": True}
    return cast(redis.Redis, connection.get_redis(url=url, **params))


class SeedQueue:
    """One crawl's queue of seeds in Redis (see the module docstring for the keys)."""

    def __init__(self, client: redis.Redis, key: str = DEFAULT_KEY) -> None:
        if not key or any(c.isspace() for c in key):
            raise QueueError(f"queue key {key!r} must be a non-empty word")
        self.client = client
        self.key = key

    @classmethod
    def from_url(cls, url: str, key: str = DEFAULT_KEY) -> SeedQueue:
        return cls(connect(url), key)

    def _k(self, *parts: str) -> str:
        return ":".join((self.key, *parts))

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return getattr(self.client, method)(*args, **kwargs)
        except redis.RedisError as exc:
            raise QueueError(f"Redis {method} on {self.key!r} failed: {exc}") from exc

    # -- the crawl -------------------------------------------------------------------------

    def crawl(self) -> QueueCrawl | None:
        value = self._call("get", self._k("crawl"))
        if not value:
            return None
        crawl_id, _, token = value.partition(" ")
        return QueueCrawl(int(crawl_id), token)

    def require_crawl(self) -> QueueCrawl:
        found = self.crawl()
        if found is None:
            raise QueueError(
                f"queue {self.key!r} has no crawl yet: push seeds first (optout queue push)"
            )
        return found

    def tie(self, crawl: QueueCrawl) -> bool:
        """Tie the queue to a crawl unless it already is tied to one (then False)."""
        return bool(self._call("set", self._k("crawl"), f"{crawl.id} {crawl.token}", nx=True))

    # -- producer --------------------------------------------------------------------------

    def push(self, seeds: Iterable[Seed]) -> tuple[int, int]:
        """Queue seeds not pushed before; returns (queued, already pushed)."""
        queued = repeated = 0
        batch: list[Seed] = []
        for seed in seeds:
            batch.append(seed)
            if len(batch) >= PUSH_BATCH:
                added = self._push_batch(batch)
                queued, repeated = queued + added, repeated + len(batch) - added
                batch = []
        if batch:
            added = self._push_batch(batch)
            queued, repeated = queued + added, repeated + len(batch) - added
        return queued, repeated

    def _push_batch(self, batch: list[Seed]) -> int:
        try:
            with self.client.pipeline() as pipe:
                for seed in batch:
                    pipe.sadd(self._k("pushed"), seed.origin)
                new = [seed for seed, added in zip(batch, pipe.execute(), strict=True) if added]
                if new:
                    self.client.rpush(self._k("seeds"), *(seed_to_json(s) for s in new))
                if any(seed.render for seed in new):
                    self.client.set(self._k("render"), "1")
        except redis.RedisError as exc:
            raise QueueError(f"pushing seeds to {self.key!r} failed: {exc}") from exc
        return len(new)

    # -- worker ----------------------------------------------------------------------------

    def take(self, worker: str) -> str | None:
        """Move the next pending seed to the worker's working list; None when none is left."""
        self._call("sadd", self._k("workers"), worker)
        return cast(
            str | None,
            self._call("lmove", self._k("seeds"), self._k("working", worker), "LEFT", "RIGHT"),
        )

    def ack(self, worker: str, origin: str) -> bool:
        """The site of ``origin`` is committed: drop it from the working list, mark it done.
        False when it was already done (by this or another worker)."""
        try:
            working = self._k("working", worker)
            # connect() asks for decode_responses: the client answers in text.
            for raw in cast(list[str], self.client.lrange(working, 0, -1)):
                if _origin_of(raw) == origin:
                    self.client.lrem(working, 0, raw)
            return bool(self.client.sadd(self._k("done"), origin))
        except redis.RedisError as exc:
            raise QueueError(f"acknowledging {origin} in {self.key!r} failed: {exc}") from exc

    def drop(self, worker: str, raw: str) -> None:
        """Remove an unreadable seed from the working list (it would fail again)."""
        self._call("lrem", self._k("working", worker), 1, raw)

    def is_done(self, origin: str) -> bool:
        return bool(self._call("sismember", self._k("done"), origin))

    def wants_render(self) -> bool:
        """Whether some queued seed asks for rendering (workers then load the browser)."""
        return bool(self._call("exists", self._k("render")))

    def beat(self, worker: str) -> None:
        self._call("set", self._k("alive", worker), "1", ex=ALIVE_SECONDS)

    def retire(self, worker: str) -> int:
        """The worker stops: its unfinished seeds go back to the queue, its heartbeat ends."""
        moved = self.reclaim(worker)
        self._call("delete", self._k("alive", worker))
        return moved

    def reclaim(self, worker: str) -> int:
        """Put a worker's unfinished seeds back at the front of the queue; how many."""
        moved = 0
        while self._call("lmove", self._k("working", worker), self._k("seeds"), "RIGHT", "LEFT"):
            moved += 1
        return moved

    def reclaim_dead(self, besides: str | None = None) -> int:
        """Reclaim the seeds of every worker whose heartbeat has expired."""
        moved = 0
        for worker in self._call("smembers", self._k("workers")):
            if worker != besides and not self._call("exists", self._k("alive", worker)):
                moved += self.reclaim(worker)
        return moved

    # -- looking and cleaning --------------------------------------------------------------

    def status(self) -> QueueStatus:
        workers = sorted(self._call("smembers", self._k("workers")))
        return QueueStatus(
            crawl=self.crawl(),
            pending=int(self._call("llen", self._k("seeds"))),
            done=int(self._call("scard", self._k("done"))),
            working={w: int(self._call("llen", self._k("working", w))) for w in workers},
            alive={w for w in workers if self._call("exists", self._k("alive", w))},
        )

    def done_origins(self) -> Iterator[str]:
        return cast(Iterator[str], self.client.sscan_iter(self._k("done"), count=1000))

    def clear(self) -> int:
        """Delete every key of this queue; how many were deleted."""
        keys = list(self.client.scan_iter(match=self._k("*"), count=1000))
        return int(self._call("delete", *keys)) if keys else 0


def _origin_of(raw: str) -> str | None:
    try:
        return seed_from_json(raw).origin
    except ValueError:
        return None
