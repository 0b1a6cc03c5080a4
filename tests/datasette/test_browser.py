"""What a person sees, in Chromium, against the real ``optout serve`` on loopback.

Every request the page makes outside the server is blocked and recorded: the pages must work
offline (no CDN). Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from crawler.browser import chromium_launch_options, find_chromium
from tests.conftest import ROOT
from tests.datasette.conftest import DB_NAME, EDITED_ORIGIN, sql_value
from tests.datasette.server import optout_serve

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine")
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
HOSTILE = "http://mischief-lab.example"
NAVIGATION_TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def server(audited_db: Path) -> Iterator[str]:
    with optout_serve(audited_db) as (base, _process):
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**chromium_launch_options())
        yield browser
        browser.close()


class Visit:
    """A page whose requests outside the server are blocked and recorded, and whose dialogs
    (alert, confirm) are recorded and dismissed."""

    def __init__(self, browser: Any, base: str) -> None:
        self.base = base
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.set_default_timeout(NAVIGATION_TIMEOUT_MS)
        self.outside: list[str] = []
        self.dialogs: list[str] = []
        self.console_errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("dialog", self._dialog)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.console_errors.append(str(error)))

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def _route(self, route: Any) -> None:
        url = route.request.url
        if urlsplit(url).netloc == urlsplit(self.base).netloc or url.startswith("data:"):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def go(self, path: str) -> Any:
        response = self.page.goto(self.base + path)
        assert response is not None and response.status in (200, 404), path
        return response

    def shot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture()
def visit(browser: Any, server: str) -> Iterator[Visit]:
    visit = Visit(browser, server)
    yield visit
    visit.context.close()
    assert visit.outside == [], "the page asked for something outside the server"


def test_landing_shows_the_numbers_and_draws_the_charts(visit: Visit, audited_db: Path) -> None:
    visit.go("/")
    sites = sql_value(
        audited_db,
        "select count(*) from site_summary where crawl_id = (select max(crawl_id) from audits)",
    )
    number = visit.page.locator('[data-stat="sites"]')
    assert number.is_visible() and number.inner_text() == str(sites)
    charts = visit.page.locator("figure.chart svg")
    assert charts.count() == 3
    for index in range(3):
        box = charts.nth(index).bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 40
        bars = charts.nth(index).locator("rect")
        assert bars.count() > 0 and bars.first.bounding_box()["width"] > 0
    visit.shot("landing")


def test_site_page_shows_the_sentence_and_evidence_links_open(visit: Visit) -> None:
    visit.go(f"/-/site?origin={quote(EDITED_ORIGIN, safe='')}")
    summary = visit.page.locator(".verdict .summary")
    assert summary.is_visible() and "AI training" in summary.inner_text()
    visit.shot("site-page")
    link = visit.page.locator("table.findings a.evidence-link").first
    with visit.page.expect_navigation():
        link.click()
    assert f"/{DB_NAME}/fetches/" in visit.page.url
    assert visit.page.locator("h1").inner_text().startswith("fetches")


def test_faceted_table_shows_facet_counts(visit: Visit, audited_db: Path) -> None:
    visit.go(f"/{DB_NAME}/latest_sites")  # facets come from metadata.yml
    facet = visit.page.locator('.facet-info[data-column="train"]')
    assert facet.is_visible()
    reserved = sql_value(
        audited_db,
        "select count(*) from latest_sites where train = 'reserved'",
    )
    assert f"reserved {reserved}" in " ".join(facet.inner_text().split())
    visit.shot("faceted-table")


def test_platforms_page_shows_each_platforms_share(visit: Visit, audited_db: Path) -> None:
    visit.go("/-/platforms")
    folio = "http://folio-platform.example"
    where = "where origin = ? and crawl_id = (select max(crawl_id) from audits)"
    opted = sql_value(audited_db, f"select opted_out from platform_summary {where}", (folio,))
    sampled = sql_value(audited_db, f"select sampled from platform_summary {where}", (folio,))
    share = visit.page.locator(f'tr[data-origin="{folio}"] td[data-column="share"]')
    assert share.is_visible() and f"{opted} of {sampled}" in share.inner_text()
    visit.shot("platforms")
    with visit.page.expect_navigation():
        visit.page.locator(f'tr[data-origin="{folio}"] th a').click()
    images = visit.page.locator("table.images")
    assert images.is_visible() and "stripped" in images.inner_text()


def test_countries_page_draws_the_map_and_its_table(visit: Visit, audited_db: Path) -> None:
    visit.go("/-/countries")
    sites = sql_value(
        audited_db,
        "select count(*) from site_summary where country = 'US'"
        " and crawl_id = (select max(crawl_id) from audits)",
    )
    cell = visit.page.locator('tr[data-country="US"] td[data-column="sites"]')
    assert cell.is_visible() and cell.inner_text() == str(sites)
    svg = visit.page.locator("svg.map-svg")
    box = svg.bounding_box()
    assert box is not None and box["width"] > 600 and box["height"] > 250
    us = visit.page.locator('svg.map-svg path.country[data-country="US"]')
    assert us.count() >= 1 and "no-data" not in (us.first.get_attribute("class") or "")
    assert f"(US): {sites} sites" in (us.first.locator("title").text_content() or "")
    assert us.first.bounding_box()["width"] > 20
    visit.shot("countries")
    with visit.page.expect_navigation():
        visit.page.locator('tr[data-country="US"] th a').click()
    assert "/site_summary?" in visit.page.url and "country=US" in visit.page.url


CLIPPED_TEXTS = """svg => {
    const box = svg.getBoundingClientRect();
    return [...svg.querySelectorAll("text")].filter(text => {
        const r = text.getBoundingClientRect();
        return r.width > 0 && (r.left < box.left - 1 || r.right > box.right + 1
            || r.top < box.top - 1 || r.bottom > box.bottom + 1);
    }).map(text => text.textContent);
}"""


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("en-landing", "/"),
        ("en-site", f"/-/site?origin={quote(EDITED_ORIGIN, safe='')}"),
        ("en-platforms", "/-/platforms"),
        ("en-countries", "/-/countries"),
        ("en-query", f"/{DB_NAME}/opted_out?mechanism=robots.txt"),
    ],
)
def test_pages_in_english_draw_without_console_errors_or_clipped_labels(
    visit: Visit, name: str, path: str
) -> None:
    visit.go(path)
    visit.shot(name)
    assert visit.console_errors == []
    svgs = visit.page.locator("svg.chart-svg, svg.map-svg")
    for index in range(svgs.count()):
        assert svgs.nth(index).evaluate(CLIPPED_TEXTS) == [], f"{name}: chart {index}"
    sizes = visit.page.locator("svg.chart-svg text, svg.map-svg text").evaluate_all(
        "texts => texts.map(t => t.getBoundingClientRect().height)"
    )
    assert all(height < 24 for height in sizes), f"{name}: chart text drawn oversized"


SCRIPT = "<script>alert(1)</script>"
TEMPLATE = "{{ 7*7 }}"


@pytest.mark.parametrize(
    ("name", "path", "literals"),
    [
        ("site-page", f"/-/site?origin={quote(HOSTILE, safe='')}", (SCRIPT, TEMPLATE)),
        ("latest-sites", f"/{DB_NAME}/latest_sites?origin={quote(HOSTILE)}", (SCRIPT, TEMPLATE)),
        ("findings", f"/{DB_NAME}/findings?origin={quote(HOSTILE)}", (SCRIPT, TEMPLATE)),
        ("contributions", f"/{DB_NAME}/contributions?origin={quote(HOSTILE)}", (TEMPLATE,)),
    ],
)
def test_hostile_site_content_never_runs(
    visit: Visit, name: str, path: str, literals: tuple[str, ...]
) -> None:
    visit.page.add_init_script("window.__pwned = false;")
    visit.go(path)
    visit.page.wait_for_load_state("load")
    assert visit.dialogs == []
    assert visit.page.evaluate("window.__pwned") is False
    assert visit.page.locator("script:has-text('alert(')").count() == 0
    assert visit.page.locator("[onload], [onerror]").count() == 0
    text = visit.page.locator("section.content").inner_text()
    for literal in literals:
        assert literal in text  # shown as the text it is, never run or evaluated
    visit.shot(f"hostile-{name}")
