"""Datasette over the audited hostile crawl, in-process: every page answers, and the script
and template syntax planted in every recorded field is shown as text, never as markup."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from datasette.app import Datasette
from parsel import Selector

from tests.chaos.conftest import Chaos, datasette_pages
from tests.datasette.conftest import get, make_datasette

PLANTED_MARKUP = (
    "<script>window.__pwned",
    "<img src=x onerror",
    "<svg onload",
    'href="javascript:',
    "href='javascript:",
)
TEMPLATE_RESULT = re.compile(r"Planted [^<]*\b49\b")
"""``{{ 7*7 }}`` evaluated would show as 49 next to the planted site's name."""


@pytest.fixture(scope="module")
def ds(chaos: Chaos) -> Iterator[Datasette]:
    yield make_datasette(chaos.db)


@pytest.fixture(scope="module")
def pages(chaos: Chaos) -> list[str]:
    return datasette_pages(chaos.db)


def test_there_are_pages_of_every_kind(pages: list[str]) -> None:
    assert any(p.startswith("/-/site?") for p in pages)
    assert any(p.endswith(".atom") for p in pages)
    assert len(pages) > 40


def test_every_page_answers_and_shows_planted_text_literally(
    ds: Datasette, pages: list[str]
) -> None:
    failures = []
    for path in pages:
        response = get(ds, path)
        if response.status_code not in (200, 404):
            failures.append((path, response.status_code))
            continue
        text = response.text
        failures += [(path, m) for m in PLANTED_MARKUP if m.lower() in text.lower()]
        if TEMPLATE_RESULT.search(text):
            failures.append((path, "template evaluated"))
        if "html" in response.headers.get("content-type", ""):
            page = Selector(text)
            if [s for s in page.css("script").getall() if "__pwned" in s]:
                failures.append((path, "planted text inside a script element"))
            if page.css("[onerror], [onload]").getall():
                failures.append((path, "event-handler attribute"))
    assert failures == []


def test_site_page_of_the_planted_site_shows_the_text(ds: Datasette) -> None:
    response = get(ds, "/-/site?origin=http%3A%2F%2Fplanted-script.example")
    assert response.status_code == 200
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in response.text
    assert "{{ 7*7 }}" in response.text and "{% debug %}" in response.text


def test_feed_escapes_planted_text(ds: Datasette) -> None:
    response = get(ds, "/audit/change_feed.atom")
    assert response.status_code == 200
    assert "<script>" not in response.text
