"""Platforms: a seeded random sample of creator profiles, their artworks and images.

The choosing functions are pure and tested on URL lists; then the real ``optout crawl`` runs
over the sample platforms (folio-platform, jsfolio, sketchhub) and one creator site.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.browser import find_chromium
from crawler.sampling import (
    artwork_links,
    draw_sample,
    is_listing,
    listing_pages,
    profile_candidates,
    profile_of,
)
from sampleweb.server import SampleWeb
from tests.conftest import ROOT
from tests.crawler.conftest import SAMPLE_SEEDS, run_crawl

SITES = ROOT / "sampleweb" / "sites"
FOLIO = "http://folio-platform.example"
JSFOLIO = "http://jsfolio.example"
SKETCHHUB = "http://sketchhub.example"
CREATOR = "http://gallery-pia.example"
PEOPLE = [f"https://p.example/u/{n}" for n in ("ada", "bo", "cy", "di", "ed", "fy", "gu", "hu")]

# -- the pure choosing functions ---------------------------------------------------------------


def test_the_sample_is_a_pure_function_of_seed_origin_and_candidates() -> None:
    first = draw_sample(PEOPLE, 3, "optout", "https://p.example")
    assert draw_sample(list(reversed(PEOPLE)), 3, "optout", "https://p.example") == first
    assert draw_sample(set(PEOPLE), 3, "optout", "https://p.example") == first
    assert len(first) == len(set(first)) == 3 and set(first) <= set(PEOPLE)


def test_another_seed_or_origin_draws_another_sample() -> None:
    first = set(draw_sample(PEOPLE, 3, "optout", "https://p.example"))
    assert set(draw_sample(PEOPLE, 3, "spring-2026", "https://p.example")) != first
    assert set(draw_sample(PEOPLE, 3, "optout", "https://q.example")) != first


@pytest.mark.parametrize(("size", "expected"), [(0, 0), (3, 3), (8, 8), (50, 8), (-1, 0)])
def test_the_sample_is_bounded_by_size_and_population(size: int, expected: int) -> None:
    assert len(draw_sample(PEOPLE, size, "optout", "https://p.example")) == expected


@pytest.mark.parametrize(
    ("url", "profile"),
    [
        ("https://p.example/u/ada", "https://p.example/u/ada"),
        ("https://p.example/u/ada/", "https://p.example/u/ada"),
        ("https://p.example/u/ada#works", "https://p.example/u/ada"),
        ("https://p.example/u/ada/art/3", "https://p.example/u/ada"),
        ("https://p.example/u/ada/art/3?size=large", "https://p.example/u/ada"),
        ("https://p.example/about", None),
        ("https://p.example/u/ada/avatar.jpg", None),
        ("https://elsewhere.example/u/ada", None),
        ("https://p.example/login?next=/u/ada", None),
    ],
)
def test_links_lead_to_the_profile_they_belong_to(url: str, profile: str | None) -> None:
    assert profile_of(url, "https://p.example", "/u/*", "/u/*/art/*") == profile


def test_profile_patterns_of_other_shapes() -> None:
    origin = "https://js.example"
    assert profile_of(f"{origin}/@nina/work/1", origin, "/@*", "/@*/work/*") == f"{origin}/@nina"
    assert profile_of(f"{origin}/explore", origin, "/@*", "/@*/work/*") is None


def test_candidates_are_distinct_profiles() -> None:
    links = [
        "https://p.example/u/ada",
        "https://p.example/u/ada/",
        "https://p.example/u/ada/art/1",
        "https://p.example/u/bo/art/2",
        "https://p.example/terms",
    ]
    found = profile_candidates(links, "https://p.example", "/u/*", "/u/*/art/*")
    assert found == {"https://p.example/u/ada", "https://p.example/u/bo"}


def test_listing_pages_are_lists_of_creators_in_page_order() -> None:
    origin = "https://p.example"
    links = [
        f"{origin}/",
        f"{origin}/u/ada",
        f"{origin}/artists",
        f"{origin}/artists/",
        f"{origin}/about",
        f"{origin}/explore.html",
        f"{origin}/artists/page/2",
        f"{origin}/gallery?page=3",
        "https://elsewhere.example/artists",
    ]
    assert listing_pages(links, origin, 10, "/u/*", "/u/*/art/*") == [
        f"{origin}/artists",
        f"{origin}/explore.html",
        f"{origin}/artists/page/2",
        f"{origin}/gallery?page=3",
    ]
    assert len(listing_pages(links, origin, 2, "/u/*", "/u/*/art/*")) == 2


def test_a_path_matching_the_profile_pattern_is_never_a_listing() -> None:
    assert not is_listing("https://p.example/people/ada", "https://p.example", "/people/*", None)
    assert is_listing("https://p.example/people", "https://p.example", "/people/*", None)


def test_artworks_are_drawn_per_profile_by_the_artwork_pattern() -> None:
    profile = "https://p.example/u/ada"
    links = [f"{profile}/art/{n}" for n in range(1, 7)] + [f"{profile}/about", "https://p.example/"]
    first = artwork_links(links, profile, "/u/*/art/*", 2, "optout")
    assert len(first) == 2 and all("/art/" in url for url in first)
    assert artwork_links(reversed(links), profile, "/u/*/art/*", 2, "optout") == first
    assert artwork_links(links, profile, None, 2, "optout") == []
    assert len(artwork_links(links, profile, "/u/*/art/*", 10, "optout")) == 6


def test_a_profiles_own_artworks_come_before_links_to_other_creators() -> None:
    profile = "https://p.example/u/ada"
    links = ["https://p.example/u/bo/art/1", f"{profile}/art/1", "https://p.example/u/cy/art/4"]
    assert artwork_links(links, profile, "/u/*/art/*", 3, "optout") == [f"{profile}/art/1"]
    others = artwork_links(links[::2], profile, "/u/*/art/*", 3, "optout")
    assert sorted(others) == sorted(links[::2])


# -- a real crawl of the sample platforms ------------------------------------------------------


def _population(host: str, pattern: str) -> list[str]:
    """Every profile of a sample platform: the folders that hold a profile's index page."""
    files = SITES / host / "files"
    return sorted(
        f"http://{host}/{page.parent.relative_to(files).as_posix()}" for page in files.glob(pattern)
    )


FOLIO_PROFILES = _population("folio-platform.example", "u/*/index.html")
POPULATION = {
    FOLIO: len(FOLIO_PROFILES),
    JSFOLIO: len(_population("jsfolio.example", "@*/index.html")),
    SKETCHHUB: len(_population("sketchhub.example", "artist/*/index.html")),
}


def _seeds(tmp: Path, *origins: str) -> Path:
    lines = SAMPLE_SEEDS.read_text(encoding="utf-8").splitlines()
    path = tmp / "seeds.csv"
    path.write_text(
        "\n".join([lines[0], *(line for line in lines if line.split(",")[0] in origins)]) + "\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def crawl(
    tmp_path_factory: pytest.TempPathFactory, sample_web: SampleWeb
) -> Iterator[sqlite3.Connection]:
    """Every profile of each platform (the sample is larger than the population), one artwork
    each, and images cut at 1 KiB so the WebP originals need their tail."""
    tmp = tmp_path_factory.mktemp("platforms")
    seeds = _seeds(tmp, FOLIO, JSFOLIO, SKETCHHUB, CREATOR)
    db = tmp / "crawl.db"
    run_crawl(
        seeds,
        db,
        sample_web,
        "--allow-private",
        "-s",
        "OPTOUT_PROFILE_SAMPLE=50",
        "-s",
        "OPTOUT_IMAGE_MAXBYTES=1024",
    )
    conn = sqlite3.connect(db)
    yield conn
    conn.close()


def _profiles(conn: sqlite3.Connection, origin: str) -> list[str]:
    rows = conn.execute(
        "select requested_url from fetches where origin = ? and kind = 'profile' and rendered = 0",
        (origin,),
    )
    return sorted(url for (url,) in rows)


@pytest.mark.parametrize("origin", [FOLIO, JSFOLIO, SKETCHHUB])
def test_every_profile_is_found_and_the_count_is_stored(
    crawl: sqlite3.Connection, origin: str
) -> None:
    candidates, sampled = crawl.execute(
        "select profile_candidates, profiles_sampled from site_status where origin = ?", (origin,)
    ).fetchone()
    assert candidates == sampled == POPULATION[origin] == len(_profiles(crawl, origin))


def test_profiles_found_only_through_an_artwork_in_the_sitemap_are_candidates(
    crawl: sqlite3.Connection,
) -> None:
    assert _profiles(crawl, FOLIO) == FOLIO_PROFILES


def test_one_artwork_per_profile_with_its_image_and_original(crawl: sqlite3.Connection) -> None:
    artworks = crawl.execute(
        "select requested_url, parent_url from fetches where origin = ? and kind = 'artwork'",
        (FOLIO,),
    ).fetchall()
    assert sorted(parent for _, parent in artworks) == FOLIO_PROFILES
    originals = crawl.execute(
        "select requested_url, parent_url, status from fetches"
        " where origin = ? and kind = 'original'",
        (FOLIO,),
    ).fetchall()
    assert sorted(parent for _, parent, _ in originals) == sorted(url for url, _ in artworks)
    assert {status for _, _, status in originals} == {206}
    assert all("-original." in url for url, _, _ in originals)
    shown = {
        url
        for (url,) in crawl.execute(
            "select requested_url from fetches where origin = ? and kind = 'image'", (FOLIO,)
        )
    }
    assert {url.replace("-original", "") for url, _, _ in originals} <= shown


def test_metadata_past_the_first_bytes_is_fetched_as_the_image_tail(
    crawl: sqlite3.Connection,
) -> None:
    tails = crawl.execute(
        "select requested_url, status, headers from fetches where kind = 'image-tail'"
    ).fetchall()
    assert tails and {status for _, status, _ in tails} == {206}
    webp = [t for t in tails if t[0].endswith("-original.webp")]
    assert webp, "the WebP originals keep their XMP after the bitstream"
    for _, _, headers in webp:
        ranges = [v for k, v in json.loads(headers) if k.lower() == "content-range"]
        start = int(ranges[0].split()[1].split("-")[0])
        assert start > 0


def test_stats_count_candidates_and_sampled_profiles(crawl: sqlite3.Connection) -> None:
    stats = json.loads(crawl.execute("select stats from crawls").fetchone()[0])
    assert stats["optout/platform/candidates"] == sum(POPULATION.values())
    assert stats["optout/platform/sampled"] == sum(POPULATION.values())


def test_sites_that_are_not_platforms_are_crawled_as_before(crawl: sqlite3.Connection) -> None:
    kinds = {k for (k,) in crawl.execute("select kind from fetches where origin = ?", (CREATOR,))}
    assert "page" in kinds and not kinds & {"profile", "artwork", "original"}
    row = crawl.execute(
        "select profile_candidates, profiles_sampled from site_status where origin = ?",
        (CREATOR,),
    ).fetchone()
    assert row == (None, None)


@pytest.mark.skipif(find_chromium() is None, reason="no Chromium: `make setup` installs it as root")
def test_render_true_platforms_get_profiles_and_artworks_rendered(
    crawl: sqlite3.Connection,
) -> None:
    rendered = crawl.execute(
        "select f.kind, b.body from fetches f join bodies b on b.sha256 = f.body_sha256"
        " where f.origin = ? and f.rendered = 1 and f.kind in ('profile', 'artwork')",
        (JSFOLIO,),
    ).fetchall()
    assert {kind for kind, _ in rendered} == {"profile", "artwork"}
    assert len([k for k, _ in rendered if k == "profile"]) == POPULATION[JSFOLIO]
    raw_noai = {
        url
        for url, body in crawl.execute(
            "select f.requested_url, b.body from fetches f join bodies b on b.sha256 ="
            " f.body_sha256 where f.origin = ? and f.rendered = 0 and f.kind = 'profile'",
            (JSFOLIO,),
        )
        if b'content="noai' in body
    }
    rendered_noai = crawl.execute(
        "select count(*) from fetches f join bodies b on b.sha256 = f.body_sha256"
        " where f.origin = ? and f.rendered = 1 and f.kind = 'profile'"
        " and instr(b.body, 'content=\"noai') > 0",
        (JSFOLIO,),
    ).fetchone()[0]
    assert rendered_noai > len(raw_noai), "some opt-outs exist only in the rendered DOM"


def test_rerunning_draws_the_same_sample(tmp_path: Path, sample_web: SampleWeb) -> None:
    seeds = _seeds(tmp_path, FOLIO)
    sample = ("-s", "OPTOUT_PROFILE_SAMPLE=5", "-s", "OPTOUT_ARTWORK_SAMPLE=0")
    drawn = []
    for run in ("first", "second"):
        db = tmp_path / f"{run}.db"
        run_crawl(seeds, db, sample_web, "--allow-private", *sample)
        conn = sqlite3.connect(db)
        drawn.append(_profiles(conn, FOLIO))
        counts = conn.execute(
            "select profile_candidates, profiles_sampled from site_status where origin = ?",
            (FOLIO,),
        ).fetchone()
        conn.close()
        assert counts == (len(FOLIO_PROFILES), 5)
    assert drawn[0] == drawn[1] == sorted(draw_sample(FOLIO_PROFILES, 5, "optout", FOLIO))
