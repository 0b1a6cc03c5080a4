"""The guard refuses private, loopback, link-local and metadata addresses."""

from __future__ import annotations

import asyncio

import pytest

from crawler.middlewares.private_guard import _host_is_public, is_public


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.9",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "224.0.0.1",
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not is_public(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1::248", "8.8.8.8"])
def test_public_addresses_pass(address: str) -> None:
    assert is_public(address)


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST", "api.localhost", "127.0.0.1"])
def test_local_names_are_refused_without_asking_dns(host: str) -> None:
    assert asyncio.run(_host_is_public(host.lower())) is False
