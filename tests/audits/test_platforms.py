"""Per-platform results: per-profile opt-outs, the share with its Wilson interval, what the
platform offers, rendered-only opt-outs and metadata stripped from displayed images.

The fixture ``platform_profiles`` is a platform (``/u/*`` profiles) with ten sampled
profiles, each opting out a different way: anna (noai meta, and an original image with IPTC
DMI-PROHIBITED-AIMLTRAINING whose displayed rendition lost it), bruno (nothing; his displayed
image and its original carry nothing either), chiara (X-Robots-Tag), dmitri (noai only in the
rendered DOM), emeka (TDMRep header), freya (an image with IPTC Data Mining), gabriel
(Content-Usage header), hana (a meta tag for GPTBot only), ivo (nothing) and jun (500).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from audits.core.evidence import Fetch, SiteEvidence
from audits.signals.images.site_images import site_images
from audits.signals.images.stripping import stripping_findings
from audits.site.platforms import (
    PlatformSummary,
    is_platform,
    matches,
    platform_default,
    profile_key,
    profile_results,
    summarise_platform,
    wilson_interval,
)
from tests.site_fixture import fetch_url, load_site

CASE = "platform_profiles"


def _summary(evidence: SiteEvidence) -> PlatformSummary:
    return summarise_platform(
        evidence, site_images(evidence), default_train=platform_default(evidence)
    )


@pytest.fixture(scope="module")
def summary() -> PlatformSummary:
    return _summary(load_site(CASE))


def _profile(summary: PlatformSummary, name: str):  # type: ignore[no-untyped-def]
    url = fetch_url(CASE, f"/u/{name}")
    return next(p for p in summary.profiles if p.profile_url == url)


# --- Wilson score interval -----------------------------------------------------------------


def test_wilson_interval_matches_a_hand_computation() -> None:
    # 7 of 9, z = 1.959964, z^2 = 3.841459:
    #   centre = (7/9 + z^2/18) / (1 + z^2/9) = 0.991192 / 1.426829 = 0.694681
    #   half   = z / 1.426829 * sqrt((7/9)(2/9)/9 + z^2/324)
    #          = 1.373643 * sqrt(0.019204 + 0.011856) = 1.373643 * 0.176241 = 0.242094
    #   interval = (0.452587, 0.936775)
    low, high = wilson_interval(7, 9)
    assert low == pytest.approx(0.452587, abs=1e-5)
    assert high == pytest.approx(0.936775, abs=1e-5)


def test_wilson_interval_at_none_and_all_stays_inside_zero_and_one() -> None:
    # 0 of 10: centre = (z^2/20) / (1 + z^2/10) = 0.192073 / 1.384146 = 0.138766 and
    # half = z / 1.384146 * sqrt(z^2/400) = 1.416008 * 0.097998 = 0.138766: (0, 0.277532).
    low, high = wilson_interval(0, 10)
    assert low == pytest.approx(0.0, abs=1e-9)
    assert high == pytest.approx(0.277532, abs=1e-5)
    low, high = wilson_interval(10, 10)
    assert low == pytest.approx(1 - 0.277532, abs=1e-5) and high == pytest.approx(1.0)


@pytest.mark.parametrize(("successes", "n"), [(0, 0), (3, 2), (-1, 4)])
def test_wilson_interval_refuses_impossible_counts(successes: int, n: int) -> None:
    with pytest.raises(ValueError):
        wilson_interval(successes, n)


# --- The share -----------------------------------------------------------------------------


def test_share_counts_the_readable_profiles(summary: PlatformSummary) -> None:
    assert len(summary.profiles) == 10
    assert summary.sampled == 9  # jun answered 500 and is not counted
    assert summary.opted_out == 7
    assert summary.share == pytest.approx(7 / 9)
    assert (summary.ci_low, summary.ci_high) == pytest.approx(wilson_interval(7, 9))


def test_population_is_the_profiles_the_sitemap_lists(summary: PlatformSummary) -> None:
    # twelve profiles, an artwork of one of them and a page that is no profile
    assert summary.population == 12


def test_a_population_the_crawler_counted_wins_over_the_sitemap() -> None:
    evidence = load_site(CASE)
    found = summarise_platform(evidence, default_train="unstated", population=40)
    assert found.population == 40


@pytest.mark.parametrize(
    ("name", "mechanism"),
    [
        ("anna", "noai"),
        ("anna", "IPTC Data Mining (image XMP)"),
        ("chiara", "X-Robots-Tag noai"),
        ("dmitri", "noai"),
        ("emeka", "TDMRep header"),
        ("freya", "IPTC Data Mining (image XMP)"),
        ("gabriel", "Content-Usage header"),
        ("hana", "per-agent meta (gptbot)"),
    ],
)
def test_each_mechanism_opts_a_profile_out(
    summary: PlatformSummary, name: str, mechanism: str
) -> None:
    profile = _profile(summary, name)
    assert profile.opted_out("train")
    assert mechanism in profile.mechanisms("train")


@pytest.mark.parametrize("name", ["bruno", "ivo"])
def test_profiles_without_a_signal_are_not_opted_out(summary: PlatformSummary, name: str) -> None:
    assert not _profile(summary, name).opted_out("train")


def test_artworks_and_their_images_belong_to_their_profile(summary: PlatformSummary) -> None:
    anna = _profile(summary, "anna")
    assert [p.url for p in anna.pages] == [
        fetch_url(CASE, "/u/anna"),
        fetch_url(CASE, "/u/anna/art/1"),
    ]
    assert {i.url for i in anna.images} == {
        fetch_url(CASE, "/media/anna/1-display.jpg"),
        fetch_url(CASE, "/media/anna/1-original.jpg"),
    }


def test_a_profile_opted_out_by_tdmrep_is_also_out_of_mining(summary: PlatformSummary) -> None:
    assert _profile(summary, "emeka").opted_out("tdm")
    assert not _profile(summary, "hana").opted_out("tdm")


# --- Rendered only --------------------------------------------------------------------------


def test_an_opt_out_only_in_the_rendered_dom_is_counted_and_flagged(
    summary: PlatformSummary,
) -> None:
    dmitri = _profile(summary, "dmitri")
    assert dmitri.opted_out("train") and dmitri.rendered_only("train")
    assert not _profile(summary, "anna").rendered_only("train")
    assert summary.rendered_only == 1


# --- What the platform offers, and its default -------------------------------------------


def test_mechanisms_some_profiles_use_are_a_per_profile_offer(summary: PlatformSummary) -> None:
    assert summary.offers_per_profile
    assert {"noai", "X-Robots-Tag noai", "IPTC Data Mining (image XMP)"} <= set(
        summary.mechanisms_offered
    )
    # robots.txt allows everything; the creators' own images and tags do not count
    assert summary.default_train == "unstated"


def test_a_mechanism_on_the_home_page_is_site_wide_not_offered() -> None:
    evidence = load_site(CASE)
    noai_home = next(f for f in evidence.fetches if f.url.endswith("/u/anna")).body
    fetches = tuple(replace(f, body=noai_home) if f.kind == "home" else f for f in evidence.fetches)
    found = _summary(replace(evidence, fetches=fetches))
    assert "noai" not in found.mechanisms_offered
    assert "X-Robots-Tag noai" in found.mechanisms_offered


def test_a_platform_whose_robots_txt_blocks_everyone_defaults_to_reserved() -> None:
    evidence = load_site(CASE)
    fetches = tuple(
        replace(f, body=b"User-agent: *\nDisallow: /\n") if f.kind == "robots" else f
        for f in evidence.fetches
    )
    assert _summary(replace(evidence, fetches=fetches)).default_train == "reserved"


# --- Stripping ----------------------------------------------------------------------------


def test_a_displayed_image_that_lost_its_data_mining_field_is_stripped(
    summary: PlatformSummary,
) -> None:
    assert summary.renditions_compared == 2  # anna's and bruno's pairs
    assert summary.strips_metadata
    (stripped,) = summary.stripped
    assert stripped.displayed.url == fetch_url(CASE, "/media/anna/1-display.jpg")
    assert stripped.original_url == fetch_url(CASE, "/media/anna/1-original.jpg")
    assert stripped.lost == ("iptc-data-mining",)
    assert stripped.page_url == fetch_url(CASE, "/u/anna/art/1")


def test_stripping_is_a_finding_at_the_displayed_image() -> None:
    evidence = load_site(CASE)
    ((finding, ref),) = stripping_findings(site_images(evidence))
    assert finding.code == "platform-strips-data-mining"
    assert finding.severity == "warning"
    assert "strips IPTC Data Mining from displayed images" in finding.message
    assert "1 of 2" in finding.message
    assert ref.fetch_id == "5"  # the displayed image's fetch


def test_no_finding_when_the_displayed_image_keeps_its_metadata() -> None:
    evidence = load_site(CASE)
    kept = next(f for f in evidence.fetches if f.url.endswith("1-original.jpg")).body
    fetches = tuple(
        replace(f, body=kept) if f.url.endswith("anna/1-display.jpg") else f
        for f in evidence.fetches
    )
    assert stripping_findings(site_images(replace(evidence, fetches=fetches))) == ()


# --- Patterns and grouping ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "path", "whole", "expected"),
    [
        ("/u/*", "/u/anna", True, True),
        ("/u/*", "/u/anna/", True, True),
        ("/u/*", "/u/anna/art/1", True, False),
        ("/u/*", "/u/anna/art/1", False, True),
        ("/u/*", "/user/anna", False, False),
        ("/u/*/art/*", "/u/anna/art/1", True, True),
        ("/@*", "/@anna", True, True),
        (None, "/u/anna", True, False),
    ],
)
def test_seed_patterns_match_paths(
    pattern: str | None, path: str, whole: bool, expected: bool
) -> None:
    assert matches(pattern, path, whole=whole) is expected


def test_an_artwork_belongs_to_the_profile_its_path_starts_with() -> None:
    evidence = SiteEvidence("https://p.example", profile_pattern="/u/*")
    assert profile_key(evidence, "https://p.example/u/anna/art/3") == "https://p.example/u/anna"
    assert profile_key(evidence, "https://p.example/about") is None


def test_without_a_pattern_artworks_go_under_the_sampled_profile() -> None:
    evidence = SiteEvidence("https://p.example")
    known = ["https://p.example/people/anna"]
    assert profile_key(evidence, "https://p.example/people/anna/w/1", known) == known[0]


def test_pages_of_older_crawls_that_match_the_patterns_count_as_profiles() -> None:
    evidence = load_site(CASE)
    fetches = tuple(
        replace(f, kind="page") if f.kind in ("profile", "artwork") else f for f in evidence.fetches
    )
    results = profile_results(replace(evidence, fetches=fetches))
    assert len(results) == 10


def test_only_platforms_are_summarised() -> None:
    assert is_platform(load_site(CASE))
    assert not is_platform(
        SiteEvidence("https://anna.example", (Fetch("https://anna.example/", "home"),))
    )


def test_an_image_also_shown_on_the_home_page_still_counts_for_its_profile() -> None:
    evidence = load_site(CASE)
    home = b'<html><body><img src="/media/freya/1.jpg"></body></html>'
    fetches = tuple(replace(f, body=home) if f.kind == "home" else f for f in evidence.fetches)
    changed = replace(evidence, fetches=fetches)
    freya = next(i for i in site_images(changed) if i.url.endswith("/freya/1.jpg"))
    assert freya.page_url == fetch_url(CASE, "/")
    assert _profile(_summary(changed), "freya").opted_out("train")
