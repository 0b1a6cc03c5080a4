"""Refuses requests to private, loopback, link-local and other non-public addresses.

A seed list, a link or a redirect must not turn the crawler against an internal network
(cloud metadata at 169.254.169.254, services on 127.0.0.1, a home router). Every request
passes here, redirected ones included, because Scrapy schedules a redirect as a new request.
Host names are resolved first; a name that resolves to any non-public address is refused.
The check does not pin the address for the connection, so a DNS answer that changes between
the check and the fetch (rebinding) is not caught: noted as a known limit.

Each host is looked up once, however many of its requests arrive together (a site opens with
five). Lookups run in the guard's own thread pool (``OPTOUT_GUARD_DNS_THREADS``, default 32),
not in asyncio's default executor of a handful of threads, so a few slow name servers do not
queue every other site's lookup behind them; and each is given up after ``DNS_TIMEOUT``, after
which the name counts as unresolvable, as when the resolver itself gives up: the request goes
on and its fetch records the DNS error, if any. (A name server that answers the guard slowly and
the crawler with a private address is the rebinding case above.)
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured


class PrivateAddressBlocked(IgnoreRequest):
    """The request's host is, or resolves to, a non-public address."""


def is_public(address: str) -> bool:
    """Whether an IP address is globally routable (not private, loopback, link-local…)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


Lookup = Callable[[str], list[tuple[Any, ...]]]


def system_lookup(host: str) -> list[tuple[Any, ...]]:
    """Every address the system resolver gives for ``host`` (IPv4 and IPv6)."""
    return socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)


class Resolver:
    """Host lookups in a pool of ``threads``, each given up after ``timeout`` seconds."""

    def __init__(self, threads: int, timeout: float, lookup: Lookup = system_lookup) -> None:
        self.pool = ThreadPoolExecutor(max(1, threads), thread_name_prefix="optout-dns")
        self.timeout = timeout
        self.lookup = lookup
        self.timeouts = 0

    async def addresses(self, host: str) -> list[str] | None:
        """The host's addresses, or None when it does not resolve within the time limit."""
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(
                loop.run_in_executor(self.pool, self.lookup, host), self.timeout
            )
        except TimeoutError:
            self.timeouts += 1
            return None
        except (OSError, UnicodeError):
            return None
        return [str(info[4][0]) for info in infos]

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


class PrivateAddressGuard:
    def __init__(self, crawler: Crawler, resolver: Resolver) -> None:
        self.crawler = crawler
        self.resolver = resolver
        self.cache: dict[str, bool] = {}
        self.pending: dict[str, asyncio.Future[bool]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PrivateAddressGuard:
        settings = crawler.settings
        if settings.getbool("OPTOUT_ALLOW_PRIVATE"):
            raise NotConfigured
        resolver = Resolver(
            settings.getint("OPTOUT_GUARD_DNS_THREADS", 32), settings.getfloat("DNS_TIMEOUT")
        )
        guard = cls(crawler, resolver)
        crawler.signals.connect(guard.spider_closed, signal=signals.spider_closed)
        return guard

    def spider_closed(self) -> None:
        if self.crawler.stats and self.resolver.timeouts:
            self.crawler.stats.set_value("optout/guard/dns_timeouts", self.resolver.timeouts)
        self.resolver.close()

    async def process_request(self, request: Request) -> None:
        host = urlsplit(request.url).hostname or ""
        public = self.cache.get(host)
        if public is None:
            public = await asyncio.shield(self._lookup(host))
        if not public:
            if self.crawler.stats:
                self.crawler.stats.inc_value("optout/fetch/blocked_private_address")
            raise PrivateAddressBlocked(f"{host} is a private, loopback or link-local address")

    def _lookup(self, host: str) -> asyncio.Future[bool]:
        """The one lookup of ``host`` in flight, started if none is."""
        pending = self.pending.get(host)
        if pending is None:
            pending = asyncio.ensure_future(host_is_public(host, self.resolver))
            self.pending[host] = pending
            pending.add_done_callback(lambda done: self._settle(host, done))
        return pending

    def _settle(self, host: str, done: asyncio.Future[bool]) -> None:
        del self.pending[host]
        if done.cancelled() or done.exception() is not None:
            return
        if len(self.cache) > 10_000:
            self.cache.clear()
        self.cache[host] = done.result()


async def host_is_public(host: str, resolver: Resolver) -> bool:
    try:
        return is_public(host)
    except ValueError:
        pass  # a name, not an address
    if host.lower() in ("localhost", "localhost.localdomain") or host.endswith(".localhost"):
        return False
    addresses = await resolver.addresses(host)
    if addresses is None:
        return True  # unresolvable: the fetch itself fails with a DNS error, which is recorded
    return all(is_public(address) for address in addresses)
