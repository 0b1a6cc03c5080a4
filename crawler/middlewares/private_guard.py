"""Refuses requests to private, loopback, link-local and other non-public addresses.

A seed list, a link or a redirect must not turn the crawler against an internal network
(cloud metadata at 169.254.169.254, services on 127.0.0.1, a home router). Every request
passes here, redirected ones included, because Scrapy schedules a redirect as a new request.
Host names are resolved first; a name that resolves to any non-public address is refused.
The check does not pin the address for the connection, so a DNS answer that changes between
the check and the fetch (rebinding) is not caught: noted as a known limit.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from scrapy import Request
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


class PrivateAddressGuard:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.cache: dict[str, bool] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PrivateAddressGuard:
        if crawler.settings.getbool("OPTOUT_ALLOW_PRIVATE"):
            raise NotConfigured
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        host = urlsplit(request.url).hostname or ""
        if host not in self.cache:
            if len(self.cache) > 10_000:
                self.cache.clear()
            self.cache[host] = await _host_is_public(host)
        if not self.cache[host]:
            if self.crawler.stats:
                self.crawler.stats.inc_value("optout/fetch/blocked_private_address")
            raise PrivateAddressBlocked(f"{host} is a private, loopback or link-local address")


async def _host_is_public(host: str) -> bool:
    try:
        return is_public(host)
    except ValueError:
        pass  # a name, not an address
    if host.lower() in ("localhost", "localhost.localdomain") or host.endswith(".localhost"):
        return False
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return True  # unresolvable: the fetch itself fails with a DNS error, which is recorded
    return all(is_public(str(info[4][0])) for info in infos)
