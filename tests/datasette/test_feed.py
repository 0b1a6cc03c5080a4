"""The Atom feed of changes is valid XML with an entry per change of the latest crawl."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

from datasette.app import Datasette

from tests.datasette.conftest import DB_NAME, EDITED_ORIGIN, get, sql_value

ATOM = "{http://www.w3.org/2005/Atom}"


def _feed(ds: Datasette) -> ElementTree.Element:
    response = get(ds, f"/{DB_NAME}/change_feed.atom")
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith("application/xml")
    return ElementTree.fromstring(response.content)


def test_feed_is_atom_with_the_query_title(ds: Datasette) -> None:
    feed = _feed(ds)
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}title") == "Opt-out changes (Atom feed)"


def test_feed_has_an_entry_per_change_plus_the_audit(ds: Datasette, audited_db: Path) -> None:
    changes = sql_value(audited_db, "select count(*) from changes where crawl_id = 2")
    assert changes > 0
    assert len(_feed(ds).findall(f"{ATOM}entry")) == changes + 1


def test_feed_entry_names_the_site_and_the_change(ds: Datasette) -> None:
    titles = [e.findtext(f"{ATOM}title") for e in _feed(ds).findall(f"{ATOM}entry")]
    assert "Anna Example: GPTBot disallowed" in titles


def test_feed_entries_link_to_the_site_page(ds: Datasette) -> None:
    entry = next(
        e
        for e in _feed(ds).findall(f"{ATOM}entry")
        if EDITED_ORIGIN in (e.findtext(f"{ATOM}content") or "")
    )
    href = entry.find(f"{ATOM}link").get("href")  # type: ignore[union-attr]
    assert href == f"http://localhost/-/site?origin={EDITED_ORIGIN}"
    assert get(ds, href.removeprefix("http://localhost")).status_code == 200


def test_every_feed_link_is_absolute(ds: Datasette) -> None:
    """Feed readers resolve a relative link inconsistently: every href has scheme and host."""
    links = [link.get("href") or "" for link in _feed(ds).iter(f"{ATOM}link")]
    assert len(links) > 2
    assert [h for h in links if not h.startswith("http://localhost/")] == []


def test_feed_entry_ids_are_stable_across_requests(ds: Datasette) -> None:
    def ids() -> list[str | None]:
        return [e.findtext(f"{ATOM}id") for e in _feed(ds).findall(f"{ATOM}entry")]

    assert ids() == ids()
