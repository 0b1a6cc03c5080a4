"""The sample web's slow routes never race the download timeout the tests crawl with.

A slow answer meant to arrive (ceramist-yara.example's dripped robots.txt, its late home page)
finishes within a quarter of ``DOWNLOAD_TIMEOUT``; one meant to time out (a 10 s image, a
hanging robots.txt) lasts at least twice as long. An answer in between arrives on an idle
machine and times out on a busy one: its site's records then depend on the load (a dripped
robots.txt that timed out meant "disallow everything" and no home page at all), and the fault
tests that compare two crawls of the sample web fail at random.
"""

from __future__ import annotations

import pytest

from sampleweb.sites import Route, Site, load_sites
from tests.crawler.conftest import FAST

TIMEOUT = float(next(s.split("=", 1)[1] for s in FAST if s.startswith("DOWNLOAD_TIMEOUT=")))
SITES = load_sites()
SLOW = [
    (site, route)
    for site in SITES.values()
    for route in site.routes
    if route.delay or route.drip_bytes_per_second or route.behaviour == "hang"
]


def _seconds(site: Site, route: Route) -> float:
    """How long the route takes to answer in full on an idle machine."""
    if route.behaviour == "hang":
        return route.hang_seconds
    seconds = route.delay
    if route.drip_bytes_per_second:
        body = route.body if route.body is not None else site.files[route.pattern].read_bytes()
        seconds += len(body) / route.drip_bytes_per_second
    return seconds


def test_the_sample_web_has_slow_routes() -> None:
    assert {site.host for site, _ in SLOW} >= {"ceramist-yara.example", "bookbinder-dev.example"}


@pytest.mark.parametrize(
    ("site", "route"), SLOW, ids=[f"{site.host}{route.pattern}" for site, route in SLOW]
)
def test_a_slow_route_is_far_from_the_tests_download_timeout(site: Site, route: Route) -> None:
    seconds = _seconds(site, route)
    assert seconds <= TIMEOUT / 4 or seconds >= 2 * TIMEOUT, (
        f"{site.host}{route.pattern} answers in {seconds} s: too close to the tests'"
        f" DOWNLOAD_TIMEOUT of {TIMEOUT} s for its outcome not to depend on the machine's load"
    )
