"""The pure decision "is the network down?" and its control probe (crawler/network.py)."""

from __future__ import annotations

import asyncio
import socket

import pytest

from crawler.network import (
    NetworkWatch,
    down_message,
    network_down,
    parse_control,
    probe,
    probe_target,
)


@pytest.mark.parametrize(
    ("outcomes", "control", "down"),
    [
        ({"dns"}, "dns", True),
        ({"dns", "connect", "timeout", "connection"}, "ConnectionRefusedError", True),
        ({"dns"}, None, False),  # the control answered: the site is at fault
        ({"dns", None}, "timeout", False),  # something answered: the network works
        ({"tls"}, "timeout", False),  # a TLS error is the site's
        ({"private-address"}, "timeout", False),
        (set(), "timeout", False),  # nothing fetched yet: no reason to say anything
    ],
)
def test_network_is_down_only_when_every_fetch_and_the_control_failed(
    outcomes: set[str | None], control: str | None, down: bool
) -> None:
    assert network_down(outcomes, control) is down


def test_the_message_names_lookups_when_only_lookups_failed() -> None:
    assert down_message({"dns"}) == (
        "the network seems to be down: every lookup failed — check your connection or proxy"
    )
    assert "every request failed" in down_message({"dns", "connect"})


@pytest.mark.parametrize(
    ("value", "parsed"),
    [("one.one.one.one:443", ("one.one.one.one", 443)), ("[::1]:80", ("::1", 80))],
)
def test_control_is_host_and_port(value: str, parsed: tuple[str, int]) -> None:
    assert parse_control(value) == parsed


@pytest.mark.parametrize("value", ["one.one.one.one", ":443", "host:http", "host:70000"])
def test_a_bad_control_setting_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="OPTOUT_NETWORK_CONTROL must be host:port"):
        parse_control(value)


def test_with_a_proxy_the_proxy_is_the_control() -> None:
    assert probe_target("http://127.0.0.1:8899", "one.one.one.one:443") == ("127.0.0.1", 8899)
    assert probe_target(None, "one.one.one.one:443") == ("one.one.one.one", 443)
    assert probe_target(None, "") is None


def _bound_not_listening() -> socket.socket:
    """A loopback port that refuses connections (bound, so no one else takes it)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock


def test_probe_tells_an_open_port_from_a_closed_one() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server, _bound_not_listening() as closed:
        open_port, closed_port = server.getsockname()[1], closed.getsockname()[1]
        assert asyncio.run(probe("127.0.0.1", open_port, 5)) is None
        assert asyncio.run(probe("127.0.0.1", closed_port, 5)) == "ConnectionRefusedError"


def test_the_watch_probes_once_and_only_while_nothing_answered() -> None:
    with _bound_not_listening() as closed:
        watch = NetworkWatch(f"127.0.0.1:{closed.getsockname()[1]}", 5)

        async def run() -> list[bool]:
            return [await watch.failed("dns", None), await watch.failed("connect", None)]

        assert asyncio.run(run()) == [True, True]
    answered = NetworkWatch("127.0.0.1:9", 5)
    answered.answered()
    assert asyncio.run(answered.failed("dns", None)) is False  # no probe needed


@pytest.mark.parametrize(
    ("failed", "opened", "down"),
    [
        (1, 1, True),  # `optout check`: its one site and the control failed
        (1, 40, False),  # one dead domain first in a long seed list proves nothing
        (2, 40, False),
        (3, 40, True),
        (2, 2, True),  # a seed list of two, both failed
    ],
)
def test_a_long_crawl_needs_several_sites_failing_before_blaming_the_network(
    failed: int, opened: int, down: bool
) -> None:
    outcome = network_down({"dns"}, "timeout", sites_failed=failed, sites_opened=opened)
    assert outcome is down


def test_the_watch_waits_for_a_third_site_when_many_are_open() -> None:
    with _bound_not_listening() as closed:
        watch = NetworkWatch(f"127.0.0.1:{closed.getsockname()[1]}", 5)
        for n in range(10):
            watch.opened(f"https://site-{n}.example")

        async def run() -> list[bool]:
            return [await watch.failed("dns", None, f"https://site-{n}.example") for n in range(3)]

        assert asyncio.run(run()) == [False, False, True]
