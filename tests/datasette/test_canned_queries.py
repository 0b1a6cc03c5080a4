"""Every canned query answers with rows and the columns its question needs, for the latest crawl."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import pytest
from datasette.app import Datasette

from tests.datasette.conftest import DB_NAME, EDITED_ORIGIN, canned_queries, get, sql_value
from tests.datasette.log_fixtures import logs_db, logs_ds  # noqa: F401
from tests.datasette.taken_fixtures import sample_web, taken_db, taken_ds  # noqa: F401

EXPECTED_COLUMNS = {
    "in_datasets": [
        "origin",
        "name",
        "dataset",
        "url_matches",
        "origin_matches",
        "shards",
        "check_id",
        "checked_at",
    ],
    "words_only": [
        "origin",
        "name",
        "train",
        "train_counting_words",
        "words_only",
        "statement",
        "url",
        "fetch_id",
        "crawl_id",
    ],
    "opted_out": ["origin", "name", "ai_training", "mechanisms", "summary", "crawl_id"],
    "mechanisms_in_use": ["mechanism", "sites_reserved", "sites_partial", "sites_crawled"],
    "no_opt_out": ["origin", "name", "ai_training", "robots_state", "summary", "crawl_id"],
    "broken_opt_outs": ["origin", "code", "message", "url", "line", "fetch_id", "crawl_id"],
    "site_agents": ["agent", "operator", "at_root", "rule_line", "rule_text", "crawl_id"],
    "platform_profile_opt_out": [
        "origin",
        "sampled_profiles",
        "opted_out_profiles",
        "percent_opted_out",
        "interval_95_percent",
        "per_profile_opt_out",
        "default_train",
        "crawl_id",
    ],
    "conflicting_signals": ["origin", "use", "state", "signals", "crawl_id"],
    "changes_since_last_crawl": ["origin", "subject", "change", "before", "after", "crawl_id"],
    "change_feed": ["atom_id", "atom_title", "atom_updated", "atom_content"],
    # Over every crawl (no crawl parameter), so crawl_id is left out of the latest-crawl check.
    "platforms_over_time": ["origin", "name", "crawl_date", "train", "ai_use", "changes"],
    "adoption_over_time": ["crawl_date", "mechanism", "sites_opted_out", "percent_opted_out"],
    "most_blocked_agents": ["agent", "sites_blocking", "sites_known", "percent_blocking"],
    "least_blocked_agents": ["agent", "sites_blocking", "sites_known", "percent_blocking"],
    "findings_by_code": ["code", "severity", "sites", "findings", "example_message"],
    "platforms_that_strip_metadata": [
        "origin",
        "renditions_compared",
        "lost_data_mining",
        "example_displayed",
        "example_original",
        "crawl_id",
    ],
    "builders_by_opt_out_rate": [
        "builder",
        "sites",
        "toggle_on",
        "opted_out",
        "percent_opted_out",
        "crawl_id",
    ],
    "edge_and_robots_disagree": [
        "origin",
        "agent",
        "blocked_by",
        "robots_txt",
        "edge",
        "unenforceable",
        "vendor",
        "probe_fetch_id",
        "crawl_id",
    ],
    "violations_by_operator": [
        "operator",
        "violations",
        "verified",
        "unverifiable",
        "sites",
        "agents",
        "example",
        "by_impersonators",
    ],
}
PARAMS = {"site_agents": {"origin": EDITED_ORIGIN}}
PROBE_QUERIES = frozenset({"edge_and_robots_disagree"})
"""Queries over probes: the sample web's session crawl probes nothing, so these are asked of
the probed database (tests/results/probe_db.py), which also has two crawls."""
LOG_QUERIES = frozenset({"violations_by_operator"})
DATASET_QUERIES = frozenset({"in_datasets"})
"""Queries over training-set checks: asked of a database with one (taken_fixtures.py)."""
"""Queries over access logs: asked of a database with a log ingested (log_fixtures.py)."""


@pytest.fixture
def served(request: pytest.FixtureRequest, name: str) -> tuple[Datasette, Path]:
    """The Datasette and database a canned query is checked against."""
    if name in PROBE_QUERIES:
        return request.getfixturevalue("probed_ds"), request.getfixturevalue("probed_db")
    if name in LOG_QUERIES:
        return request.getfixturevalue("logs_ds"), request.getfixturevalue("logs_db")
    if name in DATASET_QUERIES:
        return request.getfixturevalue("taken_ds"), request.getfixturevalue("taken_db")
    return request.getfixturevalue("ds"), request.getfixturevalue("audited_db")


def _json(ds: Datasette, name: str, **params: str) -> dict:  # type: ignore[type-arg]
    query = urlencode({**PARAMS.get(name, {}), **params, "_shape": "objects"})
    response = get(ds, f"/{DB_NAME}/{name}.json?{query}")
    assert response.status_code == 200, response.text[:500]
    return response.json()  # type: ignore[no-any-return]


def test_every_canned_query_is_covered_here() -> None:
    assert set(canned_queries()) == set(EXPECTED_COLUMNS)


@pytest.mark.parametrize("name", sorted(EXPECTED_COLUMNS))
def test_canned_query_returns_rows_with_expected_columns(
    served: tuple[Datasette, Path], name: str
) -> None:
    data = _json(served[0], name)
    assert data["rows"], f"{name} returned no rows"
    assert set(EXPECTED_COLUMNS[name]) <= set(data["rows"][0])


@pytest.mark.parametrize("name", sorted(EXPECTED_COLUMNS))
def test_canned_query_has_a_title_and_description(name: str) -> None:
    spec = canned_queries()[name]
    assert spec.get("title") and spec.get("description")


@pytest.mark.parametrize("name", sorted(EXPECTED_COLUMNS))
def test_canned_query_html_page_renders(served: tuple[Datasette, Path], name: str) -> None:
    query = urlencode(PARAMS.get(name, {}))
    response = get(served[0], f"/{DB_NAME}/{name}?{query}")
    assert response.status_code == 200
    assert canned_queries()[name]["title"] in response.text


@pytest.mark.parametrize(
    "name", sorted(n for n, cols in EXPECTED_COLUMNS.items() if "crawl_id" in cols)
)
def test_canned_query_defaults_to_the_latest_crawl(
    served: tuple[Datasette, Path], name: str
) -> None:
    ds, db = served
    latest = sql_value(db, "select max(crawl_id) from audits")
    assert latest == 2
    assert {row["crawl_id"] for row in _json(ds, name)["rows"]} == {latest}


def test_canned_query_takes_an_earlier_crawl(ds: Datasette) -> None:
    rows = _json(ds, "opted_out", crawl="1")["rows"]
    assert {row["crawl_id"] for row in rows} == {1}


def test_opted_out_counts_match_the_summary_table(ds: Datasette, audited_db: Path) -> None:
    expected = sql_value(
        audited_db,
        "select count(*) from site_summary where crawl_id = 2 and train in ('reserved','partial')",
    )
    assert len(_json(ds, "opted_out")["rows"]) == expected


def test_opted_out_filters_by_mechanism(ds: Datasette) -> None:
    rows = _json(ds, "opted_out", mechanism="ai.txt")["rows"]
    assert rows and all("ai.txt" in row["mechanisms"] for row in rows)


def test_site_agents_accepts_an_origin_without_scheme(ds: Datasette) -> None:
    rows = _json(ds, "site_agents", origin="artist-anna.example")["rows"]
    states = {row["agent"]: row["at_root"] for row in rows}
    assert states["GPTBot"] == "blocked"  # spelt right in crawl 2
    assert states["ClaudeBot"] == "open"


def test_changes_since_last_crawl_names_the_edited_site(ds: Datasette) -> None:
    rows = _json(ds, "changes_since_last_crawl")["rows"]
    assert {"origin": EDITED_ORIGIN, "subject": "agent:GPTBot", "change": "appeared"}.items() <= (
        next(r for r in rows if r["subject"] == "agent:GPTBot").items()
    )


def test_most_blocked_agents_are_sorted_by_share(ds: Datasette) -> None:
    shares = [row["percent_blocking"] for row in _json(ds, "most_blocked_agents")["rows"]]
    assert shares == sorted(shares, reverse=True)


def test_platform_query_counts_sampled_profiles_that_opt_out(
    ds: Datasette, audited_db: Path
) -> None:
    folio = next(
        r
        for r in _json(ds, "platform_profile_opt_out")["rows"]
        if r["origin"] == "http://folio-platform.example"
    )
    expected = sql_value(
        audited_db,
        "select count(*) from profiles where crawl_id = 2 and origin = ? and opted_out_train = 1",
        ("http://folio-platform.example",),
    )
    assert folio["opted_out_profiles"] == expected > 0
    assert folio["per_profile_opt_out"].startswith("yes: ")
