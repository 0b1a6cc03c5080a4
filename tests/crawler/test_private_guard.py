"""The guard refuses private, loopback, link-local and metadata addresses, written as IPv4,
IPv6 or IPv4-mapped IPv6, and host names that resolve to them; it is on by default."""

from __future__ import annotations

import asyncio
import socket

import pytest

from crawler.middlewares.private_guard import PrivateAddressGuard, _host_is_public, is_public
from optout_cli.crawl import crawl_settings

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
    assert asyncio.run(_host_is_public(host.lower())) is False


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
    assert asyncio.run(_host_is_public(name.lower())) is False


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
