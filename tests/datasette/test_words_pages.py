"""Reservations written in words on the per-site page, in the canned query and the tables.

Over the session's real crawl of the sample web (tests/datasette/conftest.py): painter-ines
reserves AI training only in its footer, ceramics-bruno says the same in its footer beside a
robots.txt that reserves it, and studio-on-lumen's terms promise what the service does with its
users' uploads, which reserves nothing.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from datasette.app import Datasette
from parsel import Selector

from results.site_lookup import register_sql_functions
from tests.datasette.conftest import DB_NAME, canned_queries, get, make_datasette, sql_value

FOOTER = "http://painter-ines.example"
PROMISE = "http://studio-on-lumen.example"
BESIDE_ROBOTS = "http://ceramics-bruno.example"
SAYS_NOTHING = "http://comic-oscar.example"


def _page(ds: Datasette, origin: str) -> Selector:
    response = get(ds, f"/-/site?origin={quote(origin, safe='')}")
    assert response.status_code == 200, response.text[:300]
    return Selector(response.text)


def _text(selector: Selector) -> str:
    return " ".join((selector.xpath("string()").get() or "").split())


def _statement(db: Path, origin: str, column: str, kind: str = "reserved") -> Any:
    return sql_value(
        db,
        f"select {column} from statements where crawl_id = 2 and origin = ? and kind = ?"
        " order by rowid limit 1",
        (origin, kind),
    )


def _words_only(ds: Datasette, **params: str) -> list[dict[str, Any]]:
    query = urlencode({**params, "_shape": "objects"})
    response = get(ds, f"/{DB_NAME}/words_only.json?{query}")
    assert response.status_code == 200, response.text[:500]
    rows: list[dict[str, Any]] = response.json()["rows"]
    return rows


# --- The per-site page ------------------------------------------------------------------


def test_site_reserving_in_words_only_is_marked_in_the_uses_table(ds: Datasette) -> None:
    row = _page(ds, FOOTER).css('table.uses tr[data-use="train"]')
    assert row.css("span.state::text").get() == "unstated"  # words never count in the state
    assert _text(row.css("a.words-only")) == "reserved in words only"
    assert row.css(".counting-words span.state::text").get() == "reserved"


def test_words_only_marker_is_on_the_reserved_use_only(ds: Datasette) -> None:
    marked = _page(ds, FOOTER).css("table.uses tr:has(a.words-only)::attr(data-use)").getall()
    assert marked == ["train"]


def test_in_words_section_quotes_the_footer_sentence(ds: Datasette, audited_db: Path) -> None:
    sentence = _statement(audited_db, FOOTER, "text")
    rows = _page(ds, FOOTER).css("#words ~ table.statements tr.statement-reserved")
    assert [_text(r.css("blockquote.statement-text")) for r in rows] == [sentence]
    assert sentence.startswith("No AI training")


def test_in_words_section_highlights_the_trigger(ds: Datasette, audited_db: Path) -> None:
    trigger = _statement(audited_db, FOOTER, "trigger")
    row = _page(ds, FOOTER).css("table.statements tr.statement-reserved")
    assert row.css("mark.trigger::text").get() == trigger
    assert row.css("q.trigger-named::text").get() == trigger


def test_in_words_section_says_where_and_links_the_fetch(ds: Datasette, audited_db: Path) -> None:
    row = _page(ds, FOOTER).css("table.statements tr.statement-reserved")
    where = _text(row.css("td:nth-child(4)"))
    line = _statement(audited_db, FOOTER, "line")
    assert where.startswith(f"footer: / line {line}")
    href = row.css("a.evidence-link::attr(href)").get()
    fetch_id = _statement(audited_db, FOOTER, "fetch_id")
    assert href == f"/{DB_NAME}/fetches/{fetch_id}"
    assert get(ds, href).status_code == 200


def test_in_words_section_explains_why_words_are_not_counted(ds: Datasette) -> None:
    hint = _text(_page(ds, FOOTER).css("#words + p.hint"))
    assert "never counted" in hint
    assert "OLG Hamburg, 5 U 104/24, 10 December 2025" in hint
    assert "other courts may differ" in hint


def test_in_words_contribution_is_listed_under_the_use(ds: Datasette, audited_db: Path) -> None:
    sentence = _statement(audited_db, FOOTER, "text")
    row = _page(ds, FOOTER).css('table.uses tr[data-use="train"]')
    assert sentence in _text(row.css("ul.in-words"))
    assert (
        row.css("ul.in-words a.evidence-link::attr(href)").get().startswith(f"/{DB_NAME}/fetches/")
    )


def test_service_promise_is_shown_only_inside_the_collapsed_part(
    ds: Datasette, audited_db: Path
) -> None:
    promise = _statement(audited_db, PROMISE, "text", kind="none")
    page = _page(ds, PROMISE)
    assert promise.startswith("We do not use your uploaded images")
    collapsed = [_text(q) for q in page.css("details.statements-none blockquote")]
    assert promise in collapsed
    assert page.css("#words ~ table.statements") == []  # nothing outside <details>
    assert page.css("details.statements-none[open]") == []


def test_service_promise_gets_no_words_only_marker(ds: Datasette) -> None:
    page = _page(ds, PROMISE)
    assert page.css("a.words-only") == []
    assert page.css(".counting-words") == []


def test_words_beside_robots_txt_are_shown_without_a_marker(ds: Datasette) -> None:
    page = _page(ds, BESIDE_ROBOTS)
    assert page.css("a.words-only") == []
    assert page.css("table.statements tr.statement-reserved")


def test_site_without_statements_has_no_in_words_section(ds: Datasette, audited_db: Path) -> None:
    count = sql_value(
        audited_db,
        "select count(*) from statements where crawl_id = 2 and origin = ?",
        (SAYS_NOTHING,),
    )
    assert count == 0
    page = _page(ds, SAYS_NOTHING)
    assert page.css("#words") == []
    assert page.css("a.words-only, .counting-words, ul.in-words") == []


@pytest.fixture(scope="module")
def older_ds(audited_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Datasette]:
    """The session's database with painter-ines's stored reports made as an audit older than
    the words signal wrote them: no ``statements``, no ``state_counting_words``, no
    ``in_words``."""
    path = tmp_path_factory.mktemp("words-older") / f"{DB_NAME}.db"
    shutil.copy(audited_db, path)
    paths = ", ".join(
        f"'$.verdicts.{use}.{key}'"
        for use in ("train", "ai-use", "search", "tdm")
        for key in ("state_counting_words", "in_words")
    )
    with sqlite3.connect(path) as conn:
        conn.execute(
            f"update site_summary set report = json_remove(report, '$.statements', {paths})"
            " where origin = ?",
            [FOOTER],
        )
        left = conn.execute(
            "select json_type(report, '$.statements'),"
            " json_type(report, '$.verdicts.train.in_words') from site_summary where origin = ?",
            [FOOTER],
        ).fetchall()
    conn.close()
    assert left and set(left) == {(None, None)}
    yield make_datasette(path)


def test_report_stored_before_words_renders_without_them(older_ds: Datasette) -> None:
    page = _page(older_ds, FOOTER)
    assert page.css('table.uses tr[data-use="train"] span.state::text').get() == "unstated"
    assert page.css("#words, a.words-only, .counting-words, ul.in-words") == []


# --- The canned query -------------------------------------------------------------------


def test_words_only_query_lists_the_footer_site_with_its_sentence(
    ds: Datasette, audited_db: Path
) -> None:
    row = next(r for r in _words_only(ds) if r["origin"] == FOOTER)
    assert (row["train"], row["train_counting_words"], row["words_only"]) == (
        "unstated",
        "reserved",
        "train",
    )
    assert row["statement"] == _statement(audited_db, FOOTER, "text")
    assert (row["place"], row["url"]) == ("footer", FOOTER + "/")
    assert row["crawl_id"] == 2
    assert get(ds, f"/{DB_NAME}/fetches/{row['fetch_id']}").status_code == 200


def test_words_only_query_leaves_out_machine_readable_and_non_reservations(
    ds: Datasette,
) -> None:
    origins = {r["origin"] for r in _words_only(ds)}
    assert FOOTER in origins
    assert BESIDE_ROBOTS not in origins
    assert PROMISE not in origins


def test_words_only_query_is_the_latest_sites_words_only_column(
    ds: Datasette, audited_db: Path
) -> None:
    expected = sql_value(
        audited_db, "select count(*) from latest_sites where words_only is not null"
    )
    rows = _words_only(ds)
    assert len(rows) == expected > 0
    assert all(r["statement"] for r in rows)
    assert {r["crawl_id"] for r in rows} == {2}


def test_words_only_query_takes_an_earlier_crawl(ds: Datasette) -> None:
    rows = _words_only(ds, crawl="1")
    assert rows and {r["crawl_id"] for r in rows} == {1}
    assert FOOTER in {r["origin"] for r in rows}


def test_words_only_query_has_its_title_on_the_page(ds: Datasette) -> None:
    spec = canned_queries()["words_only"]
    assert spec["title"] == "Sites that reserve in words only"
    response = get(ds, f"/{DB_NAME}/words_only")
    assert response.status_code == 200
    assert spec["title"] in response.text


@pytest.mark.parametrize("crawl", ["", "1"])
def test_words_only_query_reads_through_indexes(audited_db: Path, crawl: str) -> None:
    sql = canned_queries()["words_only"]["sql"]
    conn = sqlite3.connect(f"file:{audited_db}?mode=ro", uri=True)
    register_sql_functions(conn)
    try:
        plan = [r[-1] for r in conn.execute(f"EXPLAIN QUERY PLAN {sql}", {"crawl": crawl})]
    finally:
        conn.close()
    # l: latest_sites, s: site_summary, x and w: statements; u is json_each over one row.
    full_scans = [p for p in plan if re.match(r"SCAN (l|s|x|w)\b", p)]
    assert full_scans == []
    assert any("latest_sites_words_only" in p for p in plan)
    assert any("statements_site" in p or "statements_kind" in p for p in plan)


# --- Tables -----------------------------------------------------------------------------


def test_statements_table_shows_its_description_and_columns(ds: Datasette) -> None:
    page = Selector(get(ds, f"/{DB_NAME}/statements?_size=1").text)
    assert "OLG Hamburg" in _text(page.css(".metadata-description"))
    terms = set(page.css("dl.column-descriptions dt::text").getall())
    assert {"kind", "trigger", "place", "text"} <= terms


def test_latest_sites_facets_words_only(ds: Datasette) -> None:
    page = Selector(get(ds, f"/{DB_NAME}/latest_sites?_size=1").text)
    assert page.css('.facet-info[data-column="words_only"]').get()
    terms = set(page.css("dl.column-descriptions dt::text").getall())
    assert {"train_counting_words", "words_only"} <= terms


def test_statement_rows_hold_json_lists(audited_db: Path) -> None:
    uses = json.loads(_statement(audited_db, FOOTER, "uses"))
    assert uses == ["train"]
