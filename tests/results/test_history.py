"""History across crawls: changes with their evidence, filters, timelines, adoption over time."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from crawler.storage import open_db
from results.derive import latest_audited_crawl
from results.history import (
    USE_OF_SUBJECT,
    AgentGroup,
    ChangeFilter,
    adoption_over_time,
    audited_crawls_since,
    fold_agent_changes,
    list_changes,
    site_timeline,
)
from tests.results.history_db import ANNA, BEN, FOLIO, build_history


@pytest.fixture(scope="module")
def history_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("history") / "crawl.db"
    db = open_db(path)
    build_history(db)
    db.close()
    return path


@pytest.fixture
def conn(history_db: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(history_db)
    yield connection
    connection.close()


def _fetch(conn: sqlite3.Connection, fetch_id: int) -> tuple[int, str, str]:
    return conn.execute(
        "select crawl_id, kind, requested_url from fetches where id = ?", [fetch_id]
    ).fetchone()


def test_latest_audited_crawl_is_the_newest(conn: sqlite3.Connection) -> None:
    assert latest_audited_crawl(conn) == 3


def test_changes_of_one_crawl_come_sorted_verdicts_first(conn: sqlite3.Connection) -> None:
    changes = list_changes(conn, [3])
    assert [(c.origin, c.subject) for c in changes] == [
        (FOLIO, "verdict:ai-use"),
        (FOLIO, "verdict:train"),
        (FOLIO, "mechanism:ai-use:noai"),
        (FOLIO, "mechanism:train:noai"),
    ]


def test_change_names_both_crawls_and_their_dates(conn: sqlite3.Connection) -> None:
    change = list_changes(conn, [3])[0].as_json()
    assert change["crawl"] == {"id": 3, "started_at": "2026-03-02T06:00:00.000+00:00"}
    assert change["previous_crawl"] == {"id": 2, "started_at": "2026-02-02T06:00:00.000+00:00"}


def test_mechanism_change_points_at_the_cited_page_in_both_crawls(
    conn: sqlite3.Connection,
) -> None:
    change = next(c for c in list_changes(conn, [3]) if c.subject == "mechanism:train:noai")
    assert change.evidence_before and change.evidence_after
    assert _fetch(conn, change.evidence_after.fetch_id) == (3, "home", f"{FOLIO}/")
    assert _fetch(conn, change.evidence_before.fetch_id) == (2, "home", f"{FOLIO}/")


def test_agent_change_points_at_robots_txt_in_both_crawls(conn: sqlite3.Connection) -> None:
    change = next(c for c in list_changes(conn, [2]) if c.subject == "agent:GPTBot")
    assert change.evidence_before and change.evidence_after
    assert _fetch(conn, change.evidence_before.fetch_id) == (1, "robots", f"{ANNA}/robots.txt")
    assert _fetch(conn, change.evidence_after.fetch_id) == (2, "robots", f"{ANNA}/robots.txt")


@pytest.mark.parametrize(
    ("subject", "use"),
    [
        ("verdict:ai-use", "ai-use"),
        ("mechanism:train:robots.txt", "train"),
        ("mechanism:tdm:TDMRep", "tdm"),
        ("agent:GPTBot", "train"),
    ],
)
def test_use_of_a_change_subject(conn: sqlite3.Connection, subject: str, use: str) -> None:
    sql = f"select {USE_OF_SUBJECT} from (select ? as subject)"
    assert conn.execute(sql, [subject]).fetchone()[0] == use


def test_filter_by_site_accepts_a_host_without_scheme(conn: sqlite3.Connection) -> None:
    changes = list_changes(conn, [2, 3], ChangeFilter(sites=("folio.example",)))
    assert {c.origin for c in changes} == {FOLIO}


def test_filter_by_kind_keeps_platforms(conn: sqlite3.Connection) -> None:
    changes = list_changes(conn, [2, 3], ChangeFilter(kinds=("Platform",)))
    assert changes and {c.site_kind for c in changes} == {"platform"}


def test_filter_by_platform(conn: sqlite3.Connection) -> None:
    assert {c.origin for c in list_changes(conn, [2, 3], ChangeFilter(platforms=("folio",)))} == {
        FOLIO
    }


def test_filter_by_use_counts_agent_changes_as_train(conn: sqlite3.Connection) -> None:
    changes = list_changes(conn, [2], ChangeFilter(uses=("train",)))
    assert {c.use for c in changes} == {"train"}
    assert any(c.subject == "agent:GPTBot" for c in changes)
    assert not list_changes(conn, [2], ChangeFilter(uses=("tdm",)))


def test_filters_combine(conn: sqlite3.Connection) -> None:
    both = ChangeFilter(sites=(ANNA,), kinds=("platform",))
    assert list_changes(conn, [2, 3], both) == []


def test_crawls_since_a_day(conn: sqlite3.Connection) -> None:
    assert audited_crawls_since(conn, date(2026, 2, 2)) == [2, 3]
    assert audited_crawls_since(conn, date(2026, 3, 3)) == []


def test_many_agent_changes_fold_into_one_line(conn: sqlite3.Connection) -> None:
    folded = fold_agent_changes(list_changes(conn, [2], with_evidence=False))
    groups = [item for item in folded if isinstance(item, AgentGroup)]
    assert len(groups) == 1 and "GPTBot" in groups[0].agents
    assert len(folded) == 6 + 1


def test_few_agent_changes_stay_apart(conn: sqlite3.Connection) -> None:
    few = [
        c for c in list_changes(conn, [2], with_evidence=False) if c.subject.startswith("agent:")
    ]
    assert fold_agent_changes(few[:3]) == few[:3]


def test_site_timeline_is_newest_first_with_states_and_changes(conn: sqlite3.Connection) -> None:
    timeline = site_timeline(conn, ANNA)
    assert [e.crawl_id for e in timeline] == [3, 2, 1]
    assert [e.states["train"] for e in timeline] == ["reserved", "reserved", "unstated"]
    assert timeline[0].changes == () and timeline[2].changes == ()
    assert any(getattr(c, "subject", "") == "verdict:train" for c in timeline[1].changes)


def test_site_timeline_of_a_site_never_crawled_is_empty(conn: sqlite3.Connection) -> None:
    assert site_timeline(conn, "http://nobody.example") == []


def test_adoption_over_time_per_crawl(conn: sqlite3.Connection) -> None:
    points = adoption_over_time(conn)
    assert [(p.crawl_id, p.sites, p.opted_out) for p in points] == [(1, 3, 0), (2, 3, 1), (3, 3, 2)]
    assert points[2].by_mechanism == {"robots.txt": 1, "noai": 1}
    assert points[2].share(points[2].opted_out) == 66.7


def test_adoption_over_time_keeps_the_newest_crawls(conn: sqlite3.Connection) -> None:
    assert [p.crawl_id for p in adoption_over_time(conn, limit=2)] == [2, 3]


def test_ben_never_changes(conn: sqlite3.Connection) -> None:
    assert list_changes(conn, [2, 3], ChangeFilter(sites=(BEN,))) == []
