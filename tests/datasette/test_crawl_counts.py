"""The per-crawl sums the audit stores agree with the rows they sum, on the sample web."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def test_agent_counts_are_the_view_summed(audited_db: Path) -> None:
    with sqlite3.connect(audited_db) as conn:
        for crawl in (1, 2):
            summed = conn.execute(
                "select agent, sum(allowed = 0), count(allowed) from robots_verdicts"
                " where crawl_id = ? and path = '/' group by agent order by agent",
                [crawl],
            ).fetchall()
            stored = conn.execute(
                "select agent, sites_blocking, sites_known from agent_counts"
                " where crawl_id = ? order by agent",
                [crawl],
            ).fetchall()
            assert stored == summed
            assert any(blocking for _, blocking, _ in stored)


def test_finding_counts_are_the_findings_counted(audited_db: Path) -> None:
    with sqlite3.connect(audited_db) as conn:
        for crawl in (1, 2):
            counted = conn.execute(
                "select code, severity, count(distinct origin), count(*) from findings"
                " where crawl_id = ? group by code, severity order by code, severity",
                [crawl],
            ).fetchall()
            stored = conn.execute(
                "select code, severity, sites, findings from finding_counts"
                " where crawl_id = ? order by code, severity",
                [crawl],
            ).fetchall()
            assert stored == counted and stored
            for code, severity, example in conn.execute(
                "select code, severity, example_message from finding_counts where crawl_id = ?",
                [crawl],
            ):
                assert conn.execute(
                    "select 1 from findings where crawl_id = ? and code = ? and severity = ?"
                    " and message = ?",
                    [crawl, code, severity, example],
                ).fetchone()
