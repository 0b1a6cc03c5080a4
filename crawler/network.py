"""Telling "the network is down" from "the site is down".

Offline, every fetch fails with a DNS or connection error, which on its own reads as a broken
site ("robots.txt could not be fetched… assume everything is disallowed"). When every fetch of
the crawl so far failed at the network level, the crawler opens one TCP connection to a
control: the proxy the requests went through, or without one a well-known public address
(``OPTOUT_NETWORK_CONTROL``, ``host:port``). If that fails too, the fault is ours: the
fetches are recorded with the error class ``network`` and the crawl stops (reason
``network-down``, so it is never audited), with one line for the user.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Collection
from contextlib import closing
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

NETWORK_LEVEL: Final = frozenset({"dns", "connect", "timeout", "connection", "network"})
"""Error classes that say nothing about a site when the network itself is down."""
CLOSE_REASON: Final = "network-down"
SITES_TO_FAIL: Final = 3
"""Sites that must all fail before the network is suspected (fewer when the crawl has fewer):
one dead domain first in a seed list, on a network where the control is filtered, must not
stop a whole crawl."""
DOWN_STAT: Final = "optout/network_down"
"""The stat (kept in the crawl's stats JSON) that holds the one-line explanation."""


def network_down(
    outcomes: Collection[str | None],
    control: str | None,
    *,
    sites_failed: int = 1,
    sites_opened: int = 1,
) -> bool:
    """Whether the network itself is down.

    ``outcomes`` are the fetches of the crawl so far: None for each answer (any status), else
    the error class. ``control`` is the control probe's outcome the same way. Down means at
    least one fetch, all of them failed at the network level, on ``SITES_TO_FAIL`` different
    sites (or every site opened, when fewer were), and the control failed too.
    """
    enough_sites = sites_failed >= min(SITES_TO_FAIL, max(sites_opened, 1))
    return control is not None and enough_sites and only_network_failures(outcomes)


def only_network_failures(outcomes: Collection[str | None]) -> bool:
    """At least one outcome, and every one a network-level failure (worth a control probe)."""
    return bool(outcomes) and all(outcome in NETWORK_LEVEL for outcome in outcomes)


def down_message(outcomes: Collection[str | None]) -> str:
    """The one line that says so (DNS failures alone name the lookups)."""
    failed = "lookup" if set(outcomes) == {"dns"} else "request"
    return f"the network seems to be down: every {failed} failed — check your connection or proxy"


def parse_control(value: str) -> tuple[str, int]:
    """``host:port`` (``[v6]:port`` for an IPv6 address); ValueError says what is wrong."""
    host, sep, port = value.strip().rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"OPTOUT_NETWORK_CONTROL must be host:port, not {value!r}")
    return host, int(port)


def probe_target(proxy: str | None, control: str) -> tuple[str, int] | None:
    """Where the control probe connects: the proxy the requests went through, when there is
    one (it is the only network the crawler uses then), else ``control`` (empty: no probe)."""
    if proxy:
        parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        default = 443 if parts.scheme == "https" else 80
        return (parts.hostname or "", parts.port or default) if parts.hostname else None
    return parse_control(control) if control.strip() else None


class NetworkWatch:
    """The outcomes of a crawl's fetches so far, and one control probe, made the first time
    every outcome so far is a network-level failure (its answer is kept for the crawl)."""

    def __init__(self, control: str, timeout: float) -> None:
        if control.strip():
            parse_control(control)  # a bad setting fails when the crawl starts, not mid-way
        self.control = control
        self.timeout = timeout
        self.outcomes: set[str | None] = set()
        self.sites_opened: set[str] = set()
        self.sites_failed: set[str] = set()
        self.down = False
        self._probe: asyncio.Future[str | None] | None = None

    def opened(self, origin: str) -> None:
        """The crawl opened a site (its first requests are on their way)."""
        self.sites_opened.add(origin)

    def answered(self) -> None:
        """A fetch got a response (whatever its status): the network works."""
        self.outcomes.add(None)

    async def failed(self, error_class: str, proxy: str | None, origin: str = "") -> bool:
        """A fetch of ``origin`` failed with ``error_class``: whether the network is down
        (latched)."""
        self.outcomes.add(error_class)
        self.sites_failed.add(origin)
        if self.down or not only_network_failures(self.outcomes):
            return self.down
        if self._probe is None:
            target = probe_target(proxy, self.control)
            if target is None:
                return False
            self._probe = asyncio.ensure_future(probe(*target, self.timeout))
        control = await asyncio.shield(self._probe)
        self.down = network_down(
            self.outcomes,
            control,
            sites_failed=len(self.sites_failed),
            sites_opened=len(self.sites_opened),
        )
        return self.down


async def probe(host: str, port: int, timeout: float) -> str | None:
    """Open (and close) one TCP connection: None when it opened, else why not."""
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except TimeoutError:
        return "timeout"
    except OSError as exc:
        return type(exc).__name__
    writer.close()
    return None


def stop_reason(db_path: Path, crawl_id: int | None) -> str | None:
    """The explanation a crawl stopped for a network down, from its stored stats (else None)."""
    if crawl_id is None or not db_path.is_file():
        return None
    try:
        with closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as conn:
            row = conn.execute("SELECT stats FROM crawls WHERE id = ?", [crawl_id]).fetchone()
    except sqlite3.Error:
        return None
    try:
        stats = json.loads(row[0]) if row and row[0] else {}
    except ValueError:
        return None
    reason = stats.get(DOWN_STAT) if isinstance(stats, dict) else None
    return str(reason) if reason else None
