"""Crawled content is shown as text, never markup: the hostile sample site stays inert."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from urllib.parse import quote

import pytest
from datasette.app import Datasette
from datasette.utils import tilde_encode
from parsel import Selector

from tests.datasette.conftest import DB_NAME, get

HOSTILE = "http://mischief-lab.example"
PLANTED_MARKUP = ("<script>alert(1)</script>", "<svg onload=alert(1)>", "<b>yes</b>")
PAGES = {
    "site page": f"/-/site?origin={quote(HOSTILE, safe='')}",
    "latest_sites": f"/{DB_NAME}/latest_sites?origin={quote(HOSTILE, safe='')}",
    "findings": f"/{DB_NAME}/findings?origin={quote(HOSTILE, safe='')}",
    "sites row": f"/{DB_NAME}/sites/{tilde_encode(HOSTILE)}",
    "broken query": f"/{DB_NAME}/findings_by_code",
}


def _content(html: str) -> str:
    """The page's content section (Datasette's own footer script is not crawled content)."""
    return html.split('<section class="content">', 1)[1].split("</section>", 1)[0]


@pytest.mark.parametrize("page", sorted(PAGES))
def test_planted_markup_is_escaped(ds: Datasette, page: str) -> None:
    response = get(ds, PAGES[page])
    assert response.status_code == 200
    content = _content(response.text)
    for markup in PLANTED_MARKUP:
        assert markup not in content
    page = Selector(response.text)
    assert not [s for s in page.css("script").getall() if "alert" in s or "7*7" in s]
    assert page.css("[onload], [onerror]").getall() == []


def test_site_page_shows_planted_text_literally(ds: Datasette) -> None:
    content = _content(get(ds, PAGES["site page"]).text)
    assert "Mischief Lab &lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert "{{ 7*7 }}" in content  # shown as written, not evaluated


def test_templates_never_mark_values_safe() -> None:
    from results.serve import datasette_dir

    for template in (datasette_dir() / "templates").glob("*.html"):
        assert "|safe" not in template.read_text(encoding="utf-8").replace(" ", ""), template


def test_bodies_are_downloads_not_pages(ds: Datasette, audited_db: Path) -> None:
    conn = sqlite3.connect(audited_db)
    sha = conn.execute(
        "select body_sha256 from fetches where origin = ? and kind = 'robots'", (HOSTILE,)
    ).fetchone()[0]
    conn.close()
    response = get(ds, f"/{DB_NAME}/bodies/{sha}.blob?_blob_column=body")
    assert response.status_code == 200
    assert not response.headers["content-type"].startswith("text/html")
    assert "attachment" in response.headers.get("content-disposition", "")


def test_body_row_page_does_not_inline_the_body(ds: Datasette, audited_db: Path) -> None:
    conn = sqlite3.connect(audited_db)
    sha = conn.execute(
        "select body_sha256 from fetches where origin = ? and kind = 'home'", (HOSTILE,)
    ).fetchone()[0]
    conn.close()
    content = _content(get(ds, f"/{DB_NAME}/bodies/{sha}").text)
    assert "Binary:" in content
    assert "alert" not in content


def test_database_is_served_read_only_not_immutable(ds: Datasette) -> None:
    # Read-only connections (mode=ro) that follow the write-ahead log: a crawl may write
    # meanwhile (tests/faults/test_read_while_crawling.py); writes through Datasette fail.
    database = ds.get_database(DB_NAME)
    assert database.is_mutable is True
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        asyncio.run(database.execute_fn(lambda conn: conn.execute("delete from findings")))


def test_writes_are_refused(ds: Datasette) -> None:
    response = get(ds, f"/{DB_NAME}.json?sql=" + quote("delete from findings"))
    assert response.status_code == 400
