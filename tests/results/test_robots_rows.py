"""Compact robots.txt verdicts: stored as `*` rows plus exceptions, expanded back unchanged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crawler.storage import open_db
from results.robots_rows import WILDCARD, compact, expand, full_report, stored_report
from results.schema import AGENT_COUNTS, SCHEMA_SCALE

AGENTS = ("GPTBot", "CCBot", "Googlebot", "ClaudeBot")
PATHS = ("/", "/art/a.html")


def _row(agent: str, path: str, allowed: int, matched: str = "wildcard", **extra: Any) -> dict:
    return {
        "crawl_id": 1,
        "origin": "http://a.example",
        "agent": agent,
        "path": path,
        "allowed": allowed,
        "matched": matched,
        "group_lines": "[1]",
        "group_text": "*",
        "rule_line": None,
        "rule_text": None,
        "protego_allowed": None,
        "google_allowed": None,
        "fetch_id": 7,
        **extra,
    }


def _table() -> list[dict]:
    rows = []
    for agent in AGENTS:
        for path in PATHS:
            if agent == "GPTBot":
                rows.append(
                    _row(agent, path, 0, "explicit", group_text="GPTBot", rule_text="Disallow: /")
                )
            elif agent == "CCBot" and path != "/":
                rows.append(_row(agent, path, 1, protego_allowed=0))
            else:
                rows.append(_row(agent, path, 1))
    return rows


def test_compact_keeps_a_wildcard_row_per_path_and_only_the_agents_that_differ() -> None:
    stored = compact(_table())
    assert [(r["agent"], r["path"]) for r in stored] == [
        (WILDCARD, "/"),
        (WILDCARD, "/art/a.html"),
        ("GPTBot", "/"),
        ("GPTBot", "/art/a.html"),
        ("CCBot", "/art/a.html"),
    ]
    assert all(r["allowed"] == 1 and r["matched"] == "wildcard" for r in stored[:2])


def test_expand_gives_back_every_agent_and_path_in_order() -> None:
    table = _table()
    assert expand(compact(table), AGENTS) == table


def test_rows_stored_before_compaction_pass_through() -> None:
    table = _table()
    assert expand(table, AGENTS) == table


def test_a_site_whose_robots_txt_decides_everyone_alike_keeps_one_row_per_path() -> None:
    table = [_row(agent, "/", 1, "no-file") for agent in AGENTS]
    stored = compact(table)
    assert [(r["agent"], r["matched"]) for r in stored] == [(WILDCARD, "no-file")]
    assert expand(stored, AGENTS) == table


def test_stored_report_leaves_verdicts_to_the_table_and_keeps_an_empty_list() -> None:
    report = {"origin": "http://a.example", "robots": {"state": "parse", "verdicts": [{"x": 1}]}}
    assert stored_report(report)["robots"] == {"state": "parse"}
    empty = {"origin": "http://a.example", "robots": {"state": "no-file", "verdicts": []}}
    assert stored_report(empty) == empty
    assert full_report(None, 1, empty) == empty  # type: ignore[arg-type]


def test_rows_from_before_compaction_read_the_same_through_the_view(tmp_path: Path) -> None:
    """m006 gives old databases (a row per agent, no `*` rows) the `*` rows the view needs."""
    db = open_db(tmp_path / "old.db")
    try:
        conn = db.conn
        conn.execute("INSERT INTO crawls (id, started_at, status) VALUES (1, 'x', 'finished')")
        conn.execute("INSERT INTO sites (origin) VALUES ('http://a.example')")
        conn.executemany(
            "INSERT INTO agents (token, purpose, legacy) VALUES (?, 'train', 0)",
            [(a,) for a in AGENTS],
        )
        old = _table()
        columns = ", ".join(old[0])
        conn.executemany(
            f"INSERT INTO robots_verdict_rows ({columns}) VALUES"
            f" ({', '.join('?' for _ in old[0])})",
            [tuple(r.values()) for r in old],
        )
        conn.execute(SCHEMA_SCALE[1])  # the migration's `*` rows for old data
        conn.execute(AGENT_COUNTS, {"crawl": 1})
        view = conn.execute(f"SELECT {columns} FROM robots_verdicts").fetchall()
        assert sorted(view, key=repr) == sorted((tuple(r.values()) for r in old), key=repr)
        counts = dict(
            conn.execute("SELECT agent, sites_blocking FROM agent_counts WHERE crawl_id = 1")
        )
        assert counts == {"GPTBot": 1, "CCBot": 0, "Googlebot": 0, "ClaudeBot": 0}
    finally:
        db.close()
