"""Canned query pages are titled by their question, fold their SQL away, list the valid values
of a parameter with a vocabulary and name a value outside it instead of answering nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from datasette.app import Datasette
from parsel import Selector

from tests.datasette.conftest import DB_NAME, canned_queries, get, sql_value


def _page(ds: Datasette, path: str) -> Selector:
    response = get(ds, path)
    assert response.status_code == 200, response.text[:300]
    return Selector(response.text)


@pytest.mark.parametrize("name", sorted(canned_queries()))
def test_every_canned_query_has_a_title_and_a_description_in_words(name: str) -> None:
    query = canned_queries()[name]
    assert query.get("title") and query.get("description")
    assert "select" not in query["title"].lower()


@pytest.mark.parametrize("name", ["opted_out", "findings_by_code", "mechanisms_in_use"])
def test_tab_and_heading_carry_the_title_and_the_sql_is_folded(ds: Datasette, name: str) -> None:
    page = _page(ds, f"/{DB_NAME}/{name}")
    title = canned_queries()[name]["title"]
    assert page.css("title::text").get() == title
    assert (page.css("h1::text").get() or "").strip() == title
    sql = page.css("details.query-sql pre#sql-query::text").get()
    assert sql and "select" in sql
    assert page.css("details.query-sql[open]") == []
    assert page.css("textarea") == []


def test_mechanism_is_a_list_of_the_mechanisms_in_the_database(
    ds: Datasette, audited_db: Path
) -> None:
    page = _page(ds, f"/{DB_NAME}/opted_out")
    options = page.css('select[name="mechanism"] option::attr(value)').getall()
    stored = sql_value(
        audited_db,
        "select json_group_array(mechanism) from (select distinct mechanism"
        " from mechanism_counts where use = 'train')",
    )
    assert options[0] == ""
    assert set(options[1:]) == set(json.loads(stored))
    assert "robots.txt" in options


def test_a_valid_mechanism_answers_with_rows(ds: Datasette) -> None:
    page = _page(ds, f"/{DB_NAME}/opted_out?mechanism=robots.txt")
    assert page.css(".param-error") == []
    assert page.css("table.rows-and-columns tbody tr")
    assert page.css('select[name="mechanism"] option[selected]::attr(value)').get() == "robots.txt"


def test_a_misspelt_mechanism_is_named_with_the_valid_values(ds: Datasette) -> None:
    page = _page(ds, f"/{DB_NAME}/opted_out?mechanism=robots.tx")
    error = page.css(".param-error::text").get() or ""
    assert error.startswith("no such mechanism: robots.tx (valid: ")
    assert "robots.txt" in error and error.endswith("Did you mean robots.txt?")
    assert page.css(".zero-results") == []


def test_a_misspelt_severity_is_named_too(ds: Datasette) -> None:
    page = _page(ds, f"/{DB_NAME}/findings_by_code?severity=eror")
    error = page.css(".param-error::text").get()
    assert error == "no such severity: eror (valid: error, warning, info). Did you mean error?"


def test_arbitrary_sql_keeps_the_editor(ds: Datasette) -> None:
    page = _page(ds, f"/{DB_NAME}?sql=select+1+as+one")
    assert page.css("textarea#sql-editor")
    assert page.css("details.query-sql") == []
