"""Where a home page and a sitemap lead, and a platform's profile draw (crawler.discovery)."""

from __future__ import annotations

from crawler.discovery import (
    PlatformState,
    content_pages,
    platform_home,
    platform_state,
    seed_patterns,
    site_home,
)
from crawler.sampling import MAX_CANDIDATES, Link, draw_sample
from crawler.seeds import Seed

ORIGIN = "https://anna.example"
PLATFORM = Seed(
    "https://folio.example", kind="platform", profile_pattern="/u/*", artwork_pattern="/u/*/art/*"
)
HOME_LINKS = [
    Link(ORIGIN + "/", "Home"),
    Link(ORIGIN + "/about", "About"),
    Link(ORIGIN + "/portfolio/dunes", "Dunes"),
    Link(ORIGIN + "/blog/post-1", "News"),
    Link(ORIGIN + "/legal/terms", "Terms"),
]


def test_seed_patterns_put_artworks_before_profiles() -> None:
    assert seed_patterns(PLATFORM) == ["/u/*/art/*", "/u/*"]
    assert seed_patterns(Seed(ORIGIN)) == []


def test_content_pages_leave_out_what_the_sample_already_took() -> None:
    urls = [link.url for link in HOME_LINKS]
    chosen, wanted = content_pages(urls, Seed(ORIGIN), limit=3, taken=2)
    assert chosen == [ORIGIN + "/portfolio/dunes", ORIGIN + "/about", ORIGIN + "/blog/post-1"]
    assert wanted == [ORIGIN + "/portfolio/dunes"]


def test_site_home_samples_pages_and_names_its_terms_page() -> None:
    found = site_home(HOME_LINKS, ORIGIN + "/", Seed(ORIGIN), limit=2, taken=0)
    assert found.pages == (ORIGIN + "/portfolio/dunes", ORIGIN + "/about")
    assert found.terms == ORIGIN + "/legal/terms"
    assert found.listings == ()


def test_site_home_keeps_the_terms_page_out_of_the_content_sample() -> None:
    """Even when the sample has room for every link, the terms page is fetched as itself
    (read whole for reservations in words), never as a content page."""
    found = site_home(HOME_LINKS, ORIGIN + "/", Seed(ORIGIN), limit=10, taken=0)
    assert ORIGIN + "/legal/terms" not in found.pages
    assert found.terms == ORIGIN + "/legal/terms"


def test_platform_home_names_listing_pages_not_content_pages() -> None:
    links = [
        Link("https://folio.example/artists", "All artists"),
        Link("https://folio.example/u/ada", "Ada"),
        Link("https://folio.example/explore?page=2", "More"),
        Link("https://folio.example/terms", "Terms"),
    ]
    found = platform_home(links, PLATFORM, listing_limit=5)
    assert found.listings == (
        "https://folio.example/artists",
        "https://folio.example/explore?page=2",
    )
    assert (found.pages, found.terms) == ((), "https://folio.example/terms")


def test_only_platform_seeds_with_a_profile_pattern_are_sampled_by_profile() -> None:
    assert platform_state(PLATFORM) == PlatformState()
    assert platform_state(Seed(ORIGIN, kind="platform")) is None
    assert platform_state(Seed(ORIGIN, profile_pattern="/u/*")) is None


def test_candidates_are_the_profiles_links_lead_to() -> None:
    state = PlatformState()
    state.add(
        ["https://folio.example/u/ada/art/3", "https://folio.example/u/bo/", "/about"], PLATFORM
    )
    assert state.candidates == {"https://folio.example/u/ada", "https://folio.example/u/bo"}


def test_candidates_stop_at_the_bound_in_url_order() -> None:
    state = PlatformState(
        candidates={f"https://folio.example/u/{n:05}" for n in range(MAX_CANDIDATES - 1)}
    )
    state.add(["https://folio.example/u/zed", "https://folio.example/u/amy"], PLATFORM)
    assert len(state.candidates) == MAX_CANDIDATES
    assert "https://folio.example/u/amy" in state.candidates


def test_the_draw_waits_for_the_home_page_and_every_discovery_request() -> None:
    state = PlatformState(pending=1, home_done=True)
    assert not state.ready()
    state.pending = 0
    assert state.ready()
    assert not PlatformState(home_done=False).ready()


def test_the_draw_happens_once_and_is_the_seeded_sample() -> None:
    people = {f"https://folio.example/u/{n}" for n in ("ada", "bo", "cy", "di")}
    state = PlatformState(candidates=set(people), home_done=True)
    drawn = state.draw(2, "optout", PLATFORM.origin)
    assert drawn == draw_sample(people, 2, "optout", PLATFORM.origin)
    assert state.sampled == 2
    assert not state.ready()
