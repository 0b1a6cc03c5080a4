"""With the hostile crawl loaded, no planted script runs on any page of the real
``optout serve`` in Chromium, and our pages log no script error."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from crawler.browser import chromium_launch_options, find_chromium
from tests.chaos.conftest import Chaos, datasette_pages
from tests.datasette.conftest import get, make_datasette
from tests.datasette.server import optout_serve
from tests.datasette.test_browser import Visit

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine")
TRAP = """
window.__pwned = false;
for (const name of ['alert', 'confirm', 'prompt']) {
  window[name] = () => { window.__pwned = 'dialog'; };
}
"""


@pytest.fixture(scope="module")
def server(chaos: Chaos) -> Iterator[str]:
    with optout_serve(chaos.db) as (base, _process):
        yield base


@pytest.fixture(scope="module")
def planted_pages(chaos: Chaos) -> list[str]:
    """Found before the browser starts: Playwright's sync API holds this thread's loop."""
    return _pages_showing_planted_text(chaos)


@pytest.fixture(scope="module")
def visit(server: str, planted_pages: list[str]) -> Iterator[Visit]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**chromium_launch_options())
        visit = Visit(browser, server)
        visit.context.add_init_script(TRAP)
        yield visit
        visit.context.close()
        browser.close()
    assert visit.outside == [], "a page asked for something outside the server"


def _pages_showing_planted_text(chaos: Chaos) -> list[str]:
    """The HTML pages that show any planted text (escaped or not): the only ones where it
    could run. Found in-process, which is much faster than a browser visit."""
    ds = make_datasette(chaos.db)
    pages = []
    for path in datasette_pages(chaos.db):
        response = get(ds, path)
        if "html" in response.headers.get("content-type", "") and (
            "__pwned" in response.text or "7*7" in response.text
        ):
            pages.append(path)
    return pages


def _ours(stack: str) -> bool:
    """An error raised by our templates' scripts or our static files (/assets/), not by
    Datasette's or a plugin's own (/-/static/, /-/static-plugins/: datasette-vega throws on
    every table page without rows)."""
    frames = [line for line in stack.splitlines()[1:] if "http" in line]
    return not frames or "/-/static" not in frames[0]


def test_no_planted_script_runs_on_any_page(visit: Visit, planted_pages: list[str]) -> None:
    errors: list[str] = []
    visit.page.on(
        "pageerror",
        lambda error: (
            errors.append(f"{visit.page.url}: {error.stack}") if _ours(error.stack or "") else None
        ),
    )
    ran: list[tuple[str, Any]] = []
    assert len(planted_pages) > 20
    for path in planted_pages:
        visit.go(path)
        visit.page.wait_for_load_state("load")
        pwned = visit.page.evaluate("window.__pwned")
        if pwned is not False:
            ran.append((path, pwned))
    assert visit.dialogs == []
    assert ran == []
    assert errors == [], "\n".join(errors)
