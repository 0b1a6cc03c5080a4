"""Who set the opt-out: builder detection, attribution of each mechanism, per-builder totals.

Each case is a site fixture under tests/fixtures/sites/ (see tests/site_fixture.py).
"""

from __future__ import annotations

from functools import cache

import pytest

from audits.core.evidence import Fetch, SiteEvidence
from audits.signals.builders import (
    BuilderDetection,
    BuilderRow,
    OptOutAuthor,
    builder_row,
    detect_builder,
    summarise_builders,
)
from audits.signals.builders._signatures import BUILDERS
from audits.site.audit import SiteAudit, audit_site
from tests.site_fixture import fetch_url, load_site


@cache
def audit(case: str) -> SiteAudit:
    return audit_site(load_site(case))


def builder(case: str) -> BuilderDetection:
    found = audit(case).builder
    assert found is not None, f"{case}: no builder detected"
    return found


def author(case: str, mechanism: str) -> OptOutAuthor:
    hits = [a for a in audit(case).opt_out_authors if a.mechanism == mechanism]
    assert hits, f"{case}: no attribution for {mechanism}; got {audit(case).opt_out_authors}"
    return hits[0]


def codes(case: str) -> set[str]:
    return {located.finding.code for located in audit(case).findings}


# --- detection -------------------------------------------------------------------------------


def test_generator_meta_names_the_builder() -> None:
    found = builder("builder_generator_webflow")
    assert (found.builder, found.how) == ("webflow", "generator")
    assert 'content="Webflow"' in found.matched
    assert found.evidence.url == fetch_url("builder_generator_webflow", "/")


def test_response_header_names_the_builder() -> None:
    found = builder("builder_header_wix_by_hand")
    assert (found.builder, found.name, found.how) == ("wix", "Wix", "header")
    assert found.matched.startswith("X-Wix-Request-Id: ")
    assert found.evidence.fetch_id is not None


def test_asset_host_in_html_names_the_builder() -> None:
    found = builder("builder_html_squarespace_toggle_on")
    assert (found.builder, found.how, found.matched) == (
        "squarespace",
        "html",
        "static1.squarespace.com",
    )


def test_free_subdomain_names_the_builder() -> None:
    found = builder("builder_host_cargo")
    assert (found.builder, found.how, found.matched) == ("cargo", "host", "anna.cargo.site")
    assert found.evidence.url == fetch_url("builder_host_cargo", "/")


def test_robots_txt_comment_names_the_builder_and_its_line() -> None:
    found = builder("builder_robots_squarespace_toggle_off")
    assert (found.builder, found.how) == ("squarespace", "robots")
    assert found.evidence.line == 1
    assert found.evidence.url == fetch_url("builder_robots_squarespace_toggle_off", "/robots.txt")


def test_wordpress_com_is_told_apart_from_self_hosted_wordpress() -> None:
    assert builder("builder_host_wordpress_com_sharing_off").builder == "wordpress-com"
    assert builder("builder_wordpress_plugin_template").builder == "wordpress"


def test_a_plain_site_has_no_builder() -> None:
    assert audit("nothing_at_all").builder is None


def test_detection_without_pages_reads_them_itself() -> None:
    evidence = load_site("builder_generator_webflow")
    found = detect_builder(evidence)
    assert found is not None and found.builder == "webflow"


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("anna.squarespace.com", "squarespace"),
        ("anna.wixsite.com", "wix"),
        ("anna.cargo.site", "cargo"),
        ("anna.format.com", "format"),
        ("anna.myportfolio.com", "adobe-portfolio"),
        ("anna.wordpress.com", "wordpress-com"),
        ("anna.carrd.co", "carrd"),
        ("anna.smugmug.com", "smugmug"),
        ("anna.pixieset.com", "pixieset"),
        ("anna.webflow.io", "webflow"),
        ("anna.myshopify.com", "shopify"),
        ("cargo.site.example", None),
    ],
)
def test_host_patterns(host: str, expected: str | None) -> None:
    found = detect_builder(SiteEvidence(f"https://{host}"))
    assert (found.builder if found else None) == expected


def test_every_builder_has_some_trace_to_match() -> None:
    for entry in BUILDERS:
        assert entry.generators or entry.headers or entry.html or entry.hosts, entry.id


def test_hostile_html_is_bounded_and_never_crashes() -> None:
    body = b"<html><head>" + b"<meta name=generator content=" * 50_000 + b"\xff\xfe</head>"
    evidence = SiteEvidence(
        "https://odd.example",
        (Fetch("https://odd.example/", "home", 200, (("Content-Type", "text/html"),), body),),
    )
    assert detect_builder(evidence) is None


# --- the builder's AI setting ----------------------------------------------------------------


def test_squarespace_toggle_on_is_read_from_its_block() -> None:
    found = builder("builder_html_squarespace_toggle_on")
    assert found.offers_toggle and found.toggle_on is True
    assert "builder-ai-toggle-off" not in codes("builder_html_squarespace_toggle_on")


def test_squarespace_default_file_names_ai_agents_but_is_off() -> None:
    """The stock file lists some AI tokens beside ``*``; they only get Squarespace's paths."""
    found = builder("builder_robots_squarespace_toggle_off")
    assert found.toggle_on is False
    assert audit("builder_robots_squarespace_toggle_off").verdict("train").state == "unstated"


def test_toggle_off_is_an_info_finding_on_robots_txt() -> None:
    (hit,) = [
        f
        for f in audit("builder_robots_squarespace_toggle_off").findings
        if f.finding.code == "builder-ai-toggle-off"
    ]
    assert hit.finding.severity == "info"
    assert "Block known artificial intelligence crawlers" in hit.finding.message
    assert hit.evidence.url == fetch_url("builder_robots_squarespace_toggle_off", "/robots.txt")


def test_builders_without_a_setting_have_no_toggle_state() -> None:
    found = builder("builder_header_wix_by_hand")
    assert (found.offers_toggle, found.toggle_on) == (False, None)
    assert "builder-ai-toggle-off" not in codes("builder_header_wix_by_hand")


# --- attribution -----------------------------------------------------------------------------


def test_squarespace_block_is_the_builders_toggle() -> None:
    found = author("builder_html_squarespace_toggle_on", "robots.txt")
    assert found.author == "builder-toggle"
    assert found.detail.startswith("Squarespace: ")


def test_wordpress_com_block_is_its_third_party_sharing_setting() -> None:
    found = author("builder_host_wordpress_com_sharing_off", "robots.txt")
    assert found.author == "builder-toggle"
    assert "Prevent third-party data sharing" in found.detail


def test_cloudflare_managed_block_is_cdn_managed() -> None:
    assert author("cloudflare_managed", "robots.txt").author == "cdn-managed"
    assert author("cloudflare_managed", "Content-Signal").author == "cdn-managed"


def test_ai_robots_txt_list_is_a_known_template() -> None:
    assert author("ai_robots_txt_boilerplate", "robots.txt").author == "known-template"


def test_wordpress_plugin_output_is_a_known_template_for_robots_and_meta() -> None:
    for mechanism in ("robots.txt", "noai"):
        found = author("builder_wordpress_plugin_template", mechanism)
        assert (found.author, found.detail) == (
            "known-template",
            "the WordPress plugin Block AI Crawlers",
        )


def test_hand_written_block_on_a_builder_without_a_setting_is_by_hand() -> None:
    assert author("builder_header_wix_by_hand", "robots.txt").author == "by-hand"


def test_only_mechanisms_that_reserve_something_are_attributed() -> None:
    assert audit("builder_generator_webflow").opt_out_authors == ()
    mechanisms = {a.mechanism for a in audit("builder_wordpress_plugin_template").opt_out_authors}
    assert mechanisms == {"robots.txt", "noai"}


# --- per-builder totals ----------------------------------------------------------------------


def _rows(*cases: str) -> list[BuilderRow | None]:
    return [builder_row(audit(c).builder, audit(c).verdict("train")) for c in cases]


def test_summary_counts_toggle_and_opt_outs_per_builder() -> None:
    summary = summarise_builders(
        _rows(
            "builder_html_squarespace_toggle_on",
            "builder_robots_squarespace_toggle_off",
            "builder_header_wix_by_hand",
            "builder_wordpress_plugin_template",
            "nothing_at_all",
        )
    )
    by_id = {s.builder: s for s in summary}
    assert set(by_id) == {"squarespace", "wix", "wordpress"}
    squarespace = by_id["squarespace"]
    assert (squarespace.sites, squarespace.toggle_known, squarespace.toggle_on) == (2, 2, 1)
    assert squarespace.toggle_share == 0.5
    assert (squarespace.opted_out_train, squarespace.partial_train) == (0, 1)
    assert summary[0].builder == "squarespace"
    wix = by_id["wix"]
    assert (wix.offers_toggle, wix.toggle_known, wix.toggle_share) == (False, 0, None)
    assert by_id["wordpress"].opted_out_share == 1.0


def test_summary_of_nothing_is_empty() -> None:
    assert summarise_builders([]) == ()
    assert summarise_builders([None, None]) == ()
