"""End to end (issue 16): the sample web crawled twice, robots.txt changing in between (the
``next-week`` variant), access logs generated around the two crawls by the sample web's
generator, read in with ``optout logs ingest``, and every judgement the database records held
against the generator's ground truth: verified or impersonator, allowed, disallowed,
within the caching allowance, changed between the crawls, unknown before the first; the
image flood under a disallowed folder, crawlers that kept coming after 403 and 402, and
whether robots.txt was read first."""

from __future__ import annotations

import csv
import io
import sqlite3
import subprocess
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sampleweb.access_logs import DEFAULT_HOSTS, SUFFIXES, Format, Truth, sample_site, write_logs
from sampleweb.server import SampleWeb
from tests.conftest import ROOT
from tests.crawler.conftest import OPTOUT, run_crawl, sample_web  # noqa: F401

SEED = 16
INGESTED: dict[str, Format] = {
    "artist-anna.example": "combined-gz",
    "illustrator-cleo.example": "combined",
    "plain-sam.example": "nginx-json",
    "photo-marta.example": "caddy",
    "lino-reza.example": "cloudflare",
    "printmaker-paz.example": "nginx-json",
}
"""The log read in for each site: one format each (the same requests logged in two formats are
two sets of lines), every format the generator writes among them."""
QUIET = timedelta(seconds=2)
"""No crawler request this close to a robots.txt fetch of a crawl: which side of it a request
falls on must not hang on a fraction of a second."""
PAUSE = 15
"""Seconds between the two crawls: room for requests while the change is unseen (after the
first crawl read the old robots.txt, before the second read the new one)."""


@dataclass(frozen=True)
class Run:
    db: Path
    logs: Path
    truth: Truth


def _robots_fetches(db: Path) -> dict[str, list[datetime]]:
    """When each site's robots.txt was fetched by our crawler, crawl by crawl."""
    query = """
        SELECT f.origin, coalesce(f.fetched_at, c.started_at)
        FROM fetches AS f JOIN crawls AS c ON c.id = f.crawl_id
        WHERE f.kind = 'robots' AND f.agent IS NULL AND f.rendered = 0 AND c.status = 'finished'
        ORDER BY 2
    """
    found: dict[str, list[datetime]] = {}
    with sqlite3.connect(db) as conn:
        for origin, at in conn.execute(query):
            found.setdefault(origin.removeprefix("http://"), []).append(datetime.fromisoformat(at))
    return found


def _ingest(db: Path, *arguments: str) -> None:
    result = subprocess.run(
        [str(OPTOUT), "logs", "ingest", *arguments, "--db", str(db), "--quiet"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.fixture(scope="module")
def run(
    tmp_path_factory: pytest.TempPathFactory,
    sample_web: SampleWeb,  # noqa: F811
) -> Run:
    folder = tmp_path_factory.mktemp("logs-e2e")
    seeds = folder / "seeds.csv"
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["origin", "kind"])
    writer.writerows([f"http://{host}", "creator-site"] for host in DEFAULT_HOSTS)
    seeds.write_text(text.getvalue())
    db = folder / "evidence.db"
    run_crawl(seeds, db, sample_web, "--allow-private")
    time.sleep(PAUSE)
    sample_web.use_variant("next-week")
    try:
        run_crawl(seeds, db, sample_web, "--allow-private")
    finally:
        sample_web.use_variant(None)
    fetched = _robots_fetches(db)
    assert {host: len(times) for host, times in fetched.items()} == dict.fromkeys(DEFAULT_HOSTS, 2)
    sites = [
        sample_site(
            host,
            variant="next-week",
            changed_at=fetched[host][1],
            last_seen_old=fetched[host][0],
            known_since=fetched[host][0],
        )
        for host in DEFAULT_HOSTS
    ]
    moments = [t for times in fetched.values() for t in times]
    start = min(moments) - timedelta(days=1)
    end = max(moments) + timedelta(days=4)
    logs = folder / "logs"
    truth = write_logs(
        logs,
        sites,
        start,
        end,
        seed=SEED,
        formats=tuple(set(INGESTED.values())),
        visitors_per_day=6,
        quiet=[(t - QUIET, t + QUIET) for t in moments],
    )
    by_site = {host: logs / f"{host}.{SUFFIXES[fmt]}" for host, fmt in INGESTED.items()}
    # logs without the host in their lines: one site each, named
    for host in ("artist-anna.example", "illustrator-cleo.example"):
        _ingest(db, str(by_site.pop(host)), "--site", f"http://{host}")
    # logs that name the host of each line: all at once
    _ingest(db, *(str(path) for path in by_site.values()))
    return Run(db, logs, truth)


def _rows(db: Path, query: str, *params: Any) -> list[dict[str, Any]]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute(query, params)]


def _stored(run: Run) -> dict[tuple[str, int], dict[str, Any]]:
    """The stored crawler lines by (site, line number in its log)."""
    rows = _rows(
        run.db,
        "SELECT l.*, f.name AS file FROM crawler_log_lines AS l JOIN log_files AS f"
        " ON f.id = l.log_file",
    )
    stored: dict[tuple[str, int], dict[str, Any]] = {}
    for row in rows:
        host = row["origin"].removeprefix("http://")
        assert Path(row["file"]).name.startswith(host), (row["file"], host)
        stored[(host, row["line_number"])] = row
    return stored


def _mismatches(run: Run, field: str, column: str | None = None) -> list[str]:
    stored = _stored(run)
    wrong = []
    for hit in run.truth.hits:
        row = stored[(hit["site"], hit["line"])]
        if row[column or field] != hit[field]:
            wrong.append(
                f"{hit['site']} line {hit['line']} {hit['agent']} {hit['target']} at"
                f" {hit['time']}: stored {row[column or field]!r}, truth {hit[field]!r}"
            )
    return wrong


# --- what was stored ----------------------------------------------------------------------------


def test_exactly_the_ai_crawler_lines_are_stored(run: Run) -> None:
    stored = _stored(run)
    expected = {(h["site"], h["line"]) for h in run.truth.hits}
    assert set(stored) == expected  # nobody else's line: people and search engines are counted
    assert _mismatches(run, "agent") == []
    for hit in run.truth.hits:
        row = stored[(hit["site"], hit["line"])]
        assert (row["target"], row["status"], row["client"]) == (
            hit["target"],
            hit["status"],
            hit["client"],
        )
        assert bool(row["robots"]) == hit["robots_txt"] and bool(row["image"]) == hit["image"]


def test_every_line_and_malformed_line_is_counted(run: Run) -> None:
    files = {Path(r["name"]).name: r for r in _rows(run.db, "SELECT * FROM log_files")}
    truth_files = {f["name"]: f for f in run.truth.files if f["name"] in _ingested_names()}
    assert set(files) == set(truth_files)
    for name, truth in truth_files.items():
        row = files[name]
        assert row["status"] == "done" and row["lines"] == truth["lines"], name
        assert row["malformed"] == sum(len(v) for v in truth["malformed"].values()), name
        assert row["compression"] == (truth["compression"] or "plain"), name


def _ingested_names() -> set[str]:
    return {f"{host}.{SUFFIXES[fmt]}" for host, fmt in INGESTED.items()}


# --- who came -----------------------------------------------------------------------------------


def test_verified_and_impersonators_as_the_truth_says(run: Run) -> None:
    assert _mismatches(run, "verification") == []
    kinds = Counter(h["verification"] for h in run.truth.hits)
    assert kinds["verified"] > 100 and kinds["impersonator"] > 100 and kinds["unverifiable"] > 100
    files = _rows(run.db, "SELECT sum(impersonators) AS n FROM log_files")
    assert files[0]["n"] == kinds["impersonator"]


def test_an_impersonators_violations_are_kept_apart(run: Run) -> None:
    rows = _rows(
        run.db,
        "SELECT verification, count(*) AS n FROM crawler_violations"
        " WHERE origin = 'http://lino-reza.example' AND agent = 'GPTBot' GROUP BY 1",
    )
    truth = [
        h
        for h in run.truth.hits
        if h["site"] == "lino-reza.example" and h["agent"] == "GPTBot" and h["violation"]
    ]
    assert truth and rows == [{"verification": "impersonator", "n": len(truth)}]
    sentences = _rows(
        run.db,
        "SELECT DISTINCT sentence FROM crawler_violations WHERE verification = 'impersonator'",
    )
    assert all(s["sentence"].startswith("Someone posing as") for s in sentences)


# --- was it allowed at that moment --------------------------------------------------------------


def test_every_judgement_is_the_truths(run: Run) -> None:
    wrong = _mismatches(run, "judgement")
    assert wrong == [], f"{len(wrong)} of {len(run.truth.hits)}:\n" + "\n".join(wrong[:20])


@pytest.mark.parametrize(
    "judgement",
    ["allowed", "disallowed", "within-cache-allowance", "changed-between", "unknown"],
)
def test_each_judgement_occurs_and_matches_in_number(run: Run, judgement: str) -> None:
    expected = sum(h["judgement"] == judgement for h in run.truth.hits)
    stored = _rows(
        run.db, "SELECT count(*) AS n FROM crawler_log_lines WHERE judgement = ?", judgement
    )
    assert expected > 0 and stored[0]["n"] == expected


def test_violations_are_the_disallowed_hits_with_their_rule(run: Run) -> None:
    rows = _rows(run.db, "SELECT origin, line_number, rule FROM crawler_violations")
    stored = {(r["origin"].removeprefix("http://"), r["line_number"]): r["rule"] for r in rows}
    truth = {(h["site"], h["line"]): h["rule"] for h in run.truth.hits if h["violation"]}
    assert stored == truth


def test_the_caching_allowance_covers_the_short_cache_not_the_long(run: Run) -> None:
    stored = _stored(run)
    short = [h for h in run.truth.hits if h["actor"] == "meta-cache-20h" and h["followed"] == "old"]
    stale = [h for h in short if h["allowed_new"] is False and h["judgement"] != "unknown"]
    assert stale
    for hit in stale:
        assert stored[(hit["site"], hit["line"])]["judgement"] in (
            "within-cache-allowance",
            "changed-between",
        )
    late = [h for h in run.truth.hits if h["actor"] == "amazonbot-cache-40h" and h["violation"]]
    assert late and all(h["followed"] == "old" for h in late)
    for hit in late:
        assert stored[(hit["site"], hit["line"])]["judgement"] == "disallowed"


def test_the_obeying_crawler_has_no_violation(run: Run) -> None:
    rows = _rows(
        run.db,
        "SELECT count(*) AS n FROM crawler_log_lines WHERE agent = 'GPTBot'"
        " AND verification = 'verified' AND judgement = 'disallowed'",
    )
    assert rows[0]["n"] == 0
    pages = [h for h in run.truth.hits if h["actor"] == "gptbot-obeys" and not h["robots_txt"]]
    assert {h["followed"] for h in pages} == {"old", "new"}


# --- how it behaved -----------------------------------------------------------------------------


def _behaviour(run: Run) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {
        (r["origin"].removeprefix("http://"), r["agent"], r["verification"]): r
        for r in _rows(run.db, "SELECT * FROM crawler_behaviour")
    }


def test_the_image_flood_under_a_disallowed_folder(run: Run) -> None:
    floods = [b for b in run.truth.behaviour if b["flood_images"]]
    assert floods
    for flood in floods:
        rows = _rows(
            run.db,
            "SELECT * FROM crawler_hits WHERE origin = ? AND agent = ? AND verification = ?"
            " AND day = ? AND path_prefix = ?",
            f"http://{flood['site']}",
            flood["agent"],
            flood["verification"],
            flood["flood_day"],
            flood["flood_prefix"],
        )
        assert len(rows) == 1 and rows[0]["disallowed_images"] >= flood["flood_images"]
        sentence = _rows(
            run.db,
            "SELECT sentence FROM crawler_violations WHERE origin = ? AND agent = ? AND day = ?"
            " AND path_prefix = ? LIMIT 1",
            f"http://{flood['site']}",
            flood["agent"],
            flood["flood_day"],
            flood["flood_prefix"],
        )[0]["sentence"]
        assert sentence.startswith(f"{flood['agent']} (verified) fetched ")
        assert f"under {flood['flood_prefix']} on {flood['flood_day']}" in sentence
        assert _behaviour(run)[(flood["site"], flood["agent"], flood["verification"])][
            "images_disallowed"
        ] == next(
            b["images_disallowed"]
            for b in run.truth.behaviour
            if (b["site"], b["agent"], b["verification"])
            == (flood["site"], flood["agent"], flood["verification"])
        )


def test_who_kept_coming_after_403_and_402(run: Run) -> None:
    stored = _behaviour(run)
    refused = [b for b in run.truth.behaviour if b["refused_status"]]
    assert {b["refused_status"] for b in refused} == {402, 403}
    assert any(b["kept_coming"] for b in refused) and not all(b["kept_coming"] for b in refused)
    for truth in run.truth.behaviour:
        row = stored[(truth["site"], truth["agent"], truth["verification"])]
        assert row["refused_status"] == truth["refused_status"], truth
        assert row["hits_after_refusal"] == truth["hits_after_refusal"], truth


def test_robots_txt_read_first_or_not(run: Run) -> None:
    stored = _behaviour(run)
    assert set(stored) == {(b["site"], b["agent"], b["verification"]) for b in run.truth.behaviour}
    for truth in run.truth.behaviour:
        row = stored[(truth["site"], truth["agent"], truth["verification"])]
        assert bool(row["robots_read_first"]) == truth["robots_read_first"], truth
        assert row["requests_before_robots"] == truth["requests_before_robots"], truth
        assert row["robots_reads"] == truth["robots_reads"], truth
        assert row["hits"] == truth["hits"] and row["disallowed"] == truth["violations"], truth
    assert any(b["robots_read_first"] for b in run.truth.behaviour)
    assert any(not b["robots_read_first"] for b in run.truth.behaviour)
