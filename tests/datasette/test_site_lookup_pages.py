"""A site typed into the per-site page or the Atom feed filter is found however it is written.

The sample web's sites are served over http, so a typed https finds the http site; the
database-aware rules (both schemes stored, close matches) are tested in
tests/results/test_site_lookup.py.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode
from xml.etree import ElementTree

import pytest
from datasette.app import Datasette
from parsel import Selector

from tests.datasette.conftest import DB_NAME, EDITED_ORIGIN, get

ATOM = "{http://www.w3.org/2005/Atom}"
TYPED = (
    "https://artist-anna.example/",
    "HTTPS://Artist-Anna.Example",
    "https://artist-anna.example/gallery/1",
    "artist-anna.example",
    "http://artist-anna.example:80/",
)


@pytest.mark.parametrize("typed", TYPED)
def test_site_page_finds_the_stored_origin(ds: Datasette, typed: str) -> None:
    response = get(ds, f"/-/site?origin={quote(typed, safe='')}")
    assert response.status_code == 200, response.text[:300]
    assert Selector(response.text).css("code.site-origin::text").get() == EDITED_ORIGIN


def test_site_page_names_an_unknown_site_and_a_close_match(ds: Datasette) -> None:
    response = get(ds, f"/-/site?origin={quote('https://artist-ana.example/x', safe='')}")
    assert response.status_code == 404
    page = Selector(response.text)
    message = " ".join(page.css("p.message-error ::text").getall())
    assert "No site https://artist-ana.example in this database" in message
    assert page.css("p.message-error a::text").get() == EDITED_ORIGIN  # the closest first
    assert page.css("form.site-lookup").get()


def test_site_page_says_why_typed_text_is_no_site(ds: Datasette) -> None:
    response = get(ds, f"/-/site?origin={quote('ftp://artist-anna.example', safe='')}")
    assert response.status_code == 404
    message = " ".join(Selector(response.text).css("p.message-error ::text").getall())
    assert "scheme 'ftp' is not http or https" in message


def _entry_ids(ds: Datasette, site: str) -> list[str]:
    response = get(ds, f"/{DB_NAME}/change_feed.atom?site={quote(site, safe='')}")
    assert response.status_code == 200, response.text[:300]
    feed = ElementTree.fromstring(response.content)
    return [e.findtext(f"{ATOM}id") or "" for e in feed.findall(f"{ATOM}entry")]


def test_feed_filtered_by_the_exact_origin_has_its_changes(ds: Datasette) -> None:
    ids = _entry_ids(ds, EDITED_ORIGIN)
    assert any(f":{EDITED_ORIGIN}:" in i for i in ids)
    assert all(f":{EDITED_ORIGIN}:" in i or i.endswith(":audit") for i in ids)


@pytest.mark.parametrize("typed", TYPED)
def test_feed_filter_finds_the_site_however_it_is_typed(ds: Datasette, typed: str) -> None:
    assert _entry_ids(ds, typed) == _entry_ids(ds, EDITED_ORIGIN)


def test_feed_filter_on_an_unknown_site_has_only_the_audit_entry(ds: Datasette) -> None:
    ids = _entry_ids(ds, "https://nowhere.example/")
    assert len(ids) == 1 and ids[0].endswith(":audit")


def _query_rows(ds: Datasette, query: str, **params: str) -> list[dict[str, object]]:
    response = get(ds, f"/{DB_NAME}/{query}.json?{urlencode({**params, '_shape': 'array'})}")
    assert response.status_code == 200, response.text[:300]
    rows: list[dict[str, object]] = response.json()
    return rows


@pytest.mark.parametrize("typed", TYPED)
def test_site_agents_query_finds_the_site_however_it_is_typed(ds: Datasette, typed: str) -> None:
    rows = _query_rows(ds, "site_agents", origin=typed)
    assert rows and {r["origin"] for r in rows} == {EDITED_ORIGIN}


@pytest.mark.parametrize(
    "typed",
    [
        "FOLIO-PLATFORM.example",
        "https://folio-platform.example/artists?page=2",
        "http://folio-platform.example",
    ],
)
def test_platforms_over_time_finds_the_platform_however_it_is_typed(
    ds: Datasette, typed: str
) -> None:
    rows = _query_rows(ds, "platforms_over_time", site=typed)
    assert rows and {r["origin"] for r in rows} == {"http://folio-platform.example"}
