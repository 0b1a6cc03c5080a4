"""The guard refuses private, loopback, link-local and metadata addresses, written as IPv4,
IPv6 or IPv4-mapped IPv6, and host names that resolve to them; it is on by default."""

from __future__ import annotations

import asyncio
import socket
import threading

import pytest
from scrapy import Request
from scrapy.utils.test import get_crawler

from crawler.middlewares.private_guard import (
    PrivateAddressBlocked,
    PrivateAddressGuard,
    Resolver,
    host_is_public,
    is_public,
)
from crawler.run import crawl_settings

IPV4 = [
    "10.0.0.1",
    "10.255.255.254",
    "172.16.0.9",
    "172.31.255.1",
    "192.168.1.1",
    "127.0.0.1",
    "127.8.9.10",
    "169.254.169.254",
    "169.254.0.1",
    "100.64.0.1",
    "100.127.255.254",
    "0.0.0.0",
    "224.0.0.1",
]
IPV6 = [
    "::1",
    "fe80::1",
    "febf::ffff",
    "fe80::1%eth0",
    "fc00::1",
    "fd12:3456::1",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:10.0.0.1",
    "::",
    "ff02::1",
]


@pytest.mark.parametrize("address", IPV4 + IPV6)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not is_public(address)


@pytest.mark.parametrize(
    "address",
    ["93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:2800:220:1::248"],
)
def test_public_addresses_pass(address: str) -> None:
    assert is_public(address)


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST", "api.localhost", "127.0.0.1"])
def test_local_names_are_refused_without_asking_dns(host: str) -> None:
    assert asyncio.run(_public(host.lower())) is False


async def _public(host: str) -> bool:
    resolver = Resolver(threads=4, timeout=10)
    try:
        return await host_is_public(host, resolver)
    finally:
        resolver.close()


def _resolves(name: str) -> bool:
    try:
        return bool(socket.getaddrinfo(name, None))
    except OSError:
        return False


# Real names of this machine, resolved by the system resolver (no mock): its own host name
# resolves to a loopback or private address in a container; Debian's /etc/hosts may also
# name ::1. Only the names that resolve here are tried, and there is always the host name.
_LOCAL_NAMES = [n for n in (socket.gethostname(), "ip6-localhost", "ip6-loopback") if _resolves(n)]


def test_this_machine_has_a_name_to_try() -> None:
    assert socket.gethostname() in _LOCAL_NAMES


@pytest.mark.parametrize("name", _LOCAL_NAMES)
def test_names_that_resolve_to_private_addresses_are_refused(name: str) -> None:
    addresses = {info[4][0] for info in socket.getaddrinfo(name, None)}
    assert not any(is_public(str(a)) for a in addresses), addresses
    assert asyncio.run(_public(name.lower())) is False


def test_guard_is_on_by_default() -> None:
    settings = crawl_settings()
    assert settings.getbool("OPTOUT_ALLOW_PRIVATE") is False
    middlewares = settings.getdict("DOWNLOADER_MIDDLEWARES")
    path = f"{PrivateAddressGuard.__module__}.{PrivateAddressGuard.__name__}"
    assert middlewares.get(path) is not None
    proxy = middlewares["crawler.middlewares.sample_proxy.SampleProxyMiddleware"]
    redirect = settings.getdict("DOWNLOADER_MIDDLEWARES_BASE")[
        "scrapy.downloadermiddlewares.redirect.RedirectMiddleware"
    ]
    # Runs on every request, redirected ones included (they pass the chain again).
    assert middlewares[path] < redirect and proxy < middlewares[path]


def _answer(host: str) -> list[tuple[object, ...]]:
    return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 0))]


def test_lookups_run_side_by_side_up_to_the_pool_size() -> None:
    """Sixteen lookups that each wait for all sixteen to have started: they only finish when
    the pool runs them at once (asyncio's default executor has min(32, cores + 4) threads)."""
    together = threading.Barrier(16, timeout=10)

    def lookup(host: str) -> list[tuple[object, ...]]:
        together.wait()
        return _answer(host)

    async def resolve_all() -> list[bool]:
        resolver = Resolver(threads=16, timeout=20, lookup=lookup)
        try:
            hosts = [f"site{n}.example" for n in range(16)]
            return list(await asyncio.gather(*(host_is_public(h, resolver) for h in hosts)))
        finally:
            resolver.close()

    assert asyncio.run(resolve_all()) == [True] * 16


def test_a_lookup_without_answer_is_given_up_and_the_request_goes_on() -> None:
    """As when the resolver itself gives up: the name counts as unresolvable, and the fetch
    (which resolves again) records the DNS error if there is one."""
    release = threading.Event()
    asked: list[str] = []

    def lookup(host: str) -> list[tuple[object, ...]]:
        asked.append(host)
        release.wait(10)
        return _answer(host)

    guard = PrivateAddressGuard(get_crawler(), Resolver(2, 0.2, lookup))
    try:
        asyncio.run(guard.process_request(Request("https://slow-dns.example/robots.txt")))
    finally:
        release.set()
        guard.resolver.close()
    assert asked == ["slow-dns.example"]
    assert guard.resolver.timeouts == 1


def test_requests_to_one_host_arriving_together_share_one_lookup() -> None:
    asked: list[str] = []
    started = threading.Event()
    release = threading.Event()

    def lookup(host: str) -> list[tuple[object, ...]]:
        asked.append(host)
        started.set()
        release.wait(10)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", 0))]

    guard = PrivateAddressGuard(get_crawler(), Resolver(8, 10, lookup))
    paths = ("/robots.txt", "/ai.txt", "/.well-known/tdmrep.json", "/llms.txt", "/")

    async def open_site() -> list[BaseException | None]:
        checks = [
            asyncio.ensure_future(guard.process_request(Request(f"https://inward.example{p}")))
            for p in paths
        ]
        await asyncio.get_running_loop().run_in_executor(None, started.wait, 10)
        await asyncio.sleep(0.05)  # every request is waiting on the lookup now
        release.set()
        return list(await asyncio.gather(*checks, return_exceptions=True))

    try:
        outcomes = asyncio.run(open_site())
    finally:
        release.set()
        guard.resolver.close()
    assert asked == ["inward.example"]
    assert all(isinstance(o, PrivateAddressBlocked) for o in outcomes), outcomes
    assert guard.cache == {"inward.example": False} and not guard.pending
