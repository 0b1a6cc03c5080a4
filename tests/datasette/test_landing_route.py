"""``/`` is the landing plugin's own route, not Datasette's index view, and lists the same data.

The route skips the index view's per-table work (plugins/optout_landing.py), so what the view
would show at the foot of the page is checked against the view itself, which still answers
``/.json``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import yaml
from datasette.app import Datasette
from parsel import Selector

from results.serve import datasette_dir
from tests.datasette.conftest import DB_NAME, get, make_datasette


def _footer(html: str) -> dict[str, list[str]]:
    """Per database named under "The data": the tables and views the page links."""
    page = Selector(html)
    out = {}
    for line in page.xpath('//h2[text()="The data"]/following-sibling::p'):
        links = line.css("a::text").getall()
        out[links[0]] = links[1:]
    return out


def _index_view(ds: Datasette) -> dict[str, list[str]]:
    """The same, from Datasette's own index view (its JSON)."""
    listed = get(ds, "/.json").json()
    return {
        name: [t["name"] for t in db["tables_and_views_truncated"]]
        + (["…"] if db["tables_and_views_more"] else [])
        for name, db in listed.items()
    }


def test_the_landing_page_names_the_tables_datasettes_index_would(ds: Datasette) -> None:
    response = get(ds, "/")
    assert response.status_code == 200
    assert Selector(response.text).css('[data-stat="sites"]')
    footer = _footer(response.text)
    assert footer == _index_view(ds)
    assert len(footer[DB_NAME]) == 6  # five names and a link to the rest


def test_the_landing_page_keeps_the_index_views_json_link(ds: Datasette) -> None:
    response = get(ds, "/")
    assert '/.json; rel="alternate"' in response.headers["link"]
    alternate = Selector(response.text).css('link[rel="alternate"]::attr(href)').get()
    assert (alternate or "").endswith("/.json")


def test_database_and_index_json_pages_still_answer(ds: Datasette) -> None:
    assert get(ds, f"/{DB_NAME}").status_code == 200
    assert get(ds, "/.json").status_code == 200
    assert get(ds, "/").status_code == 200


def test_a_table_the_metadata_guards_is_not_named_to_an_anonymous_reader(
    audited_db: Path, ds: Datasette
) -> None:
    guarded = _footer(get(ds, "/").text)[DB_NAME][0]
    metadata: dict[str, Any] = yaml.safe_load(
        (datasette_dir() / "metadata.yml").read_text(encoding="utf-8")
    )
    tables = metadata["databases"]["optout"].setdefault("tables", {})
    tables.setdefault(guarded, {})["allow"] = {"id": "root"}
    folder = datasette_dir()
    private = Datasette(
        [str(audited_db)],
        metadata=metadata,
        plugins_dir=str(folder / "plugins"),
        template_dir=str(folder / "templates"),
    )
    footer = _footer(get(private, "/").text)
    assert guarded not in footer[DB_NAME]
    assert footer == _index_view(private)


def test_an_immutable_database_is_listed_as_the_index_view_lists_it(audited_db: Path) -> None:
    """Immutable: the index view counts rows and ranks tables by them."""
    folder = datasette_dir()
    frozen = Datasette(
        immutables=[str(audited_db)],
        metadata=yaml.safe_load((folder / "metadata.yml").read_text(encoding="utf-8")),
        plugins_dir=str(folder / "plugins"),
        template_dir=str(folder / "templates"),
    )
    assert _footer(get(frozen, "/").text) == _index_view(frozen)


def test_a_database_without_audits_still_gets_the_page(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    with sqlite3.connect(path) as conn:
        conn.execute("create table notes (text)")
    empty = make_datasette(path)
    response = get(empty, "/")
    assert response.status_code == 200
    assert "No crawl in this database yet" in response.text
