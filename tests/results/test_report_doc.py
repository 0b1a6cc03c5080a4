"""``optout report``: a self-contained HTML or Markdown report with the export's numbers.

The main database holds two crawls: crawl 1 writes two sample-web origins as fixture cases
(plain-sam blocking everything, journal-cy saying nothing), crawl 2 is the real crawl of the
whole sample web, which the crawl audits at its end. So the latest report has the planted
hostile text of mischief-lab.example and a change in both directions for AI training.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt
from parsel import Selector

from audits.core.uses import USES
from crawler.browser import chromium_launch_options, find_chromium
from crawler.storage import open_db
from optout_cli.main import cli
from results.derive import audit_crawl
from results.report_doc import format_for, markdown_text
from results.svg_charts import STATE_COLOURS, STATE_ORDER, render_svg, stacked_chart
from sampleweb.server import SampleWeb
from tests.conftest import ROOT
from tests.crawler.conftest import OPTOUT, SAMPLE_SEEDS, run_crawl, sample_web  # noqa: F401
from tests.results.evidence_db import store_crawl

INTO = "http://journal-cy.example"  # unstated in crawl 1, reserved (RSL) in the real crawl
OUT_OF = "http://plain-sam.example"  # reserved in crawl 1, unstated in the real crawl
HOSTILE = "http://mischief-lab.example"
PLANTED_NAME = "Mischief Lab <script>alert(1)</script>"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = find_chromium()


@pytest.fixture(scope="module")
def report_db(
    tmp_path_factory: pytest.TempPathFactory,
    sample_web: SampleWeb,  # noqa: F811
) -> Path:
    """Crawl 1: two fixture cases under sample-web origins; crawl 2: the real sample web."""
    path = tmp_path_factory.mktemp("report") / "report.db"
    db = open_db(path)
    crawl_id = store_crawl(db, [(OUT_OF, "blanket_block"), (INTO, "nothing_at_all")])
    audit_crawl(db, crawl_id)
    db.close()
    run_crawl(SAMPLE_SEEDS, path, sample_web, "--allow-private", "-s", "OPTOUT_RETRY_MAX_DELAY=0.5")
    return path


@pytest.fixture(scope="module")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two crawls of one site, stored without crawling: nothing at all, then a blanket block."""
    path = tmp_path_factory.mktemp("report-small") / "small.db"
    db = open_db(path)
    for case in ("nothing_at_all", "blanket_block"):
        audit_crawl(db, store_crawl(db, [("http://anna.example", case)]))
    db.close()
    return path


def report_text(db_path: Path, *args: str) -> str:
    """Run ``optout report`` in-process and return standard output (fail on an error)."""
    result = CliRunner().invoke(cli, ["report", "--db", str(db_path), *args])
    assert result.exit_code == 0, result.output
    return result.stdout_bytes.decode("utf-8")


@pytest.fixture(scope="module")
def html(report_db: Path) -> str:
    return report_text(report_db)


@pytest.fixture(scope="module")
def page(html: str) -> Selector:
    return Selector(text=html)


@pytest.fixture(scope="module")
def markdown(report_db: Path) -> str:
    return report_text(report_db, "--format", "markdown")


@pytest.fixture(scope="module")
def markdown_page(markdown: str) -> Selector:
    """The Markdown as a CommonMark reader with tables shows it."""
    return Selector(text=MarkdownIt("commonmark").enable("table").render(markdown))


@pytest.fixture(scope="module")
def exported(report_db: Path) -> dict[str, Any]:
    """``optout export --format json`` of the same crawl, run as a real command."""
    result = subprocess.run(
        [str(OPTOUT), "export", "--db", str(report_db), "--format", "json", "--detail", "full"],
        capture_output=True,
        timeout=120,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def cells(row: Selector) -> list[str]:
    return [" ".join(c.xpath("string()").get().split()) for c in row.css("th, td")]


def tables(selector: Selector, css: str = "table") -> list[list[list[str]]]:
    return [[cells(row) for row in table.css("tr")] for table in selector.css(css)]


# --- The numbers are the export's -------------------------------------------------------


def test_html_headline_numbers_are_the_exports(page: Selector, exported: dict[str, Any]) -> None:
    numbers = exported["summary"]
    train = numbers["by_use"]["train"]
    assert page.css('[data-stat="sites"]::text').get() == str(numbers["sites"])
    assert page.css('[data-stat="broken-sites"]::text').get() == str(
        numbers["findings"]["by_severity"]["error"]["sites"]
    )
    opted = train["reserved"] + train["partial"]
    assert f"({opted} sites)" in page.css('[data-stat="opted-out"] + .label::text').get()


def test_html_training_shares_are_the_exports_counts(
    page: Selector, exported: dict[str, Any]
) -> None:
    numbers = exported["summary"]
    for state in STATE_ORDER:
        card = page.css(f'#headlines [data-state="{state}"]')
        count = numbers["by_use"]["train"][state]
        assert card.css('[data-stat="count"]::text').get() == str(count)
        share = f"{100 * count / numbers['sites']:.1f}%"
        assert card.css('[data-stat="share"]::text').get() == share


@pytest.mark.parametrize("use", USES)
def test_html_counts_per_use_and_state_are_the_exports(
    page: Selector, exported: dict[str, Any], use: str
) -> None:
    row = page.css(f'#by-use tr[data-use="{use}"]')
    shown = {state: int(row.css(f'td[data-state="{state}"]::text').get()) for state in STATE_ORDER}
    assert shown == exported["summary"]["by_use"][use]


def test_mechanism_and_agent_tables_are_the_exports(
    page: Selector, exported: dict[str, Any]
) -> None:
    numbers = exported["summary"]
    mechanisms = tables(page, "#chart-mechanisms table")[0][1:]
    expected = [
        [m["mechanism"], *(str(m[k]) for k in ("sites", "reserved", "partial", "allowed"))]
        for m in numbers["by_mechanism"]["train"]
    ]
    assert mechanisms == expected and expected
    most = tables(page, "#chart-most-blocked table")[0][1:]
    assert [(r[0], int(r[2])) for r in most] == [
        (a["agent"], a["blocked"]) for a in numbers["training_agents"]["most_blocked"]
    ]


def test_site_table_has_every_exported_site_in_order(
    page: Selector, exported: dict[str, Any]
) -> None:
    rows = page.css("table.sites tbody tr")
    assert [r.attrib["data-origin"] for r in rows] == [s["origin"] for s in exported["sites"]]
    for row, site in zip(rows, exported["sites"], strict=True):
        states = row.css(".state::text").getall()
        assert states == [site["verdicts"][u]["state"] for u in USES]
        assert row.css("td.n::text").get() == str(len(site["findings"]))
        assert " ".join(row.css("td.summary").xpath("string()").get().split()) == " ".join(
            site["summary"].split()
        )


def test_methodology_names_versions_drafts_and_samples(
    page: Selector, exported: dict[str, Any]
) -> None:
    text = " ".join(page.css("#methodology").xpath("string()").get().split())
    method = exported["methodology"]
    assert f"version {method['interpreter_version']}" in text
    assert f"version {method['registry_version']}" in text
    assert method["aipref"]["vocab"] in text and method["aipref"]["attach"] in text
    settings = method["settings"]
    assert f"up to {settings['page_sample']} content pages" in text
    assert f"{settings['image_sample']} images" in text
    assert f"{len(method['training_agents'])} tokens" in text
    assert all(state in text for state in STATE_ORDER)


def test_markdown_tables_hold_the_numbers_of_the_html(
    page: Selector, markdown_page: Selector
) -> None:
    from_markdown = tables(markdown_page)
    # Markdown: the state table, the HTML's numbers tables in the same order, the sites.
    assert from_markdown[1:-1] == tables(page, "table.numbers")
    states = {row[0]: row[1:] for row in from_markdown[0][1:]}
    for state in STATE_ORDER:
        card = page.css(f'#headlines [data-state="{state}"]')
        expected = [card.css('[data-stat="count"]::text').get(), card.css(".number::text").get()]
        assert states[state] == expected


def test_markdown_sites_table_matches_the_export(
    markdown_page: Selector, exported: dict[str, Any]
) -> None:
    rows = tables(markdown_page)[-1][1:]
    assert [r[0] for r in rows] == [s["origin"] for s in exported["sites"]]
    hostile = next(r for r in rows if r[0] == HOSTILE)
    assert hostile[1] == PLANTED_NAME  # shown as the literal text it is


# --- Changes ---------------------------------------------------------------------------


def test_changes_count_sites_moving_into_and_out_of_opting_out(page: Selector) -> None:
    train = page.css('#changes-by-use tr[data-use="train"] td.n::text').getall()
    assert train[:2] == ["1", "1"]
    moved = tables(page, "#changes table.numbers")[1][1:]
    assert [INTO, "AI training", "unstated", "reserved"] in moved
    assert [OUT_OF, "AI training", "reserved", "unstated"] in moved


def test_report_of_a_first_crawl_says_so(report_db: Path) -> None:
    first = Selector(text=report_text(report_db, "--crawl", "1"))
    assert first.css('[data-stat="first-crawl"]::text').get().startswith("First crawl")
    assert first.css("#chart-changes") == []
    markdown = report_text(report_db, "--crawl", "1", "--format", "markdown")
    assert "First crawl: there is no earlier audited crawl" in markdown


def test_stored_crawls_give_a_change_without_crawling(small_db: Path) -> None:
    latest = Selector(text=report_text(small_db))
    into = latest.css('#changes-by-use tr[data-use="train"] td.n::text').getall()
    assert into == ["1", "0", "0", "0"]
    assert latest.css('[data-stat="changed-sites"]::text').get() == "1"


# --- Hostile text, self-containment, determinism ----------------------------------------


def test_planted_script_is_escaped_in_html(html: str, page: Selector) -> None:
    assert "Mischief Lab &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert re.search(r"<\s*script", html, re.IGNORECASE) is None
    assert page.css(f'tr[data-origin="{HOSTILE}"] .name::text').get() == PLANTED_NAME


def test_planted_script_is_inert_in_markdown(markdown: str) -> None:
    assert "Mischief Lab &lt;script&gt;alert(1)&lt;/script&gt;" in markdown
    assert re.search(r"<\s*script", markdown, re.IGNORECASE) is None
    rendered = MarkdownIt("commonmark").enable("table").render(markdown)
    assert re.search(r"<\s*script", rendered, re.IGNORECASE) is None


def test_markdown_text_makes_markup_inert() -> None:
    assert markdown_text("a|b *c* [d](e) `f` <i>&amp;\nline") == (
        r"a\|b \*c\* \[d\](e) \`f\` &lt;i&gt;&amp;amp; line"
    )


def test_html_needs_nothing_from_outside(html: str) -> None:
    for marker in ("<link", "src=", "url(", "@import", "<iframe", "<object", "href="):
        assert marker not in html, marker
    assert "default-src 'none'" in html  # a Content-Security-Policy that forbids any fetch


@pytest.mark.parametrize("fmt", ["html", "markdown"])
def test_two_reports_of_one_crawl_are_byte_identical(report_db: Path, fmt: str) -> None:
    runner = CliRunner()
    args = ["report", "--db", str(report_db), "--format", fmt]
    first, second = runner.invoke(cli, args), runner.invoke(cli, args)
    assert first.exit_code == second.exit_code == 0, first.output
    assert first.stdout_bytes and first.stdout_bytes == second.stdout_bytes


# --- The command -----------------------------------------------------------------------


def test_output_suffix_chooses_markdown(
    report_db: Path, exported: dict[str, Any], tmp_path: Path
) -> None:
    target = tmp_path / "out" / "report.md"
    result = CliRunner().invoke(cli, ["report", "--db", str(report_db), "-o", str(target)])
    assert result.exit_code == 0, result.output
    sites = len(exported["sites"])
    assert f"wrote the Markdown report of {sites} sites of crawl 2" in result.stderr
    assert target.read_text(encoding="utf-8") == report_text(report_db, "--format", "markdown")
    assert [p.name for p in target.parent.iterdir()] == ["report.md"]


def test_format_for_prefers_the_option_then_the_suffix() -> None:
    assert format_for("r.MD", None) == "markdown"
    assert format_for("r.md", "html") == "html"
    assert format_for("r.html", None) == format_for(None, None) == "html"


def test_title_option_is_escaped(small_db: Path) -> None:
    text = report_text(small_db, "--title", "Illustrators <b>2026</b>")
    assert "<title>Illustrators &lt;b&gt;2026&lt;/b&gt;</title>" in text


def test_unaudited_crawl_is_a_clear_error(tmp_path: Path) -> None:
    db = open_db(tmp_path / "raw.db")
    store_crawl(db, [("http://anna.example", "nothing_at_all")])
    db.close()
    result = CliRunner().invoke(cli, ["report", "--db", str(tmp_path / "raw.db")])
    assert result.exit_code == 1
    assert "has not been audited yet" in result.output and "optout audit" in result.output
    assert "Traceback" not in result.output


def test_unknown_crawl_is_a_clear_error(small_db: Path) -> None:
    result = CliRunner().invoke(cli, ["report", "--db", str(small_db), "--crawl", "99"])
    assert result.exit_code == 1 and str(small_db) in result.output
    assert "Traceback" not in result.output


# --- Charts ----------------------------------------------------------------------------


def test_chart_draws_one_rect_per_nonzero_segment_and_escapes_labels() -> None:
    chart = stacked_chart(
        "c",
        "T",
        "caption",
        [("<b>kind</b>", {"reserved": 2, "unknown": 0, "allowed": 1}, None)],
        STATE_ORDER,
        STATE_COLOURS,
        as_share=True,
    )
    svg = Selector(text=str(render_svg(chart)))
    assert len(svg.css("rect")) == 2
    assert "<b>" not in str(render_svg(chart))
    assert svg.css("text.chart-label::text").get() == "<b>kind</b>"


def test_chart_value_labels_must_match_the_rows() -> None:
    with pytest.raises(ValueError, match="1 value labels for 0 rows"):
        stacked_chart(
            "c", "T", "", [], STATE_ORDER, STATE_COLOURS, as_share=False, value_labels=["x"]
        )


# --- In a browser ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if CHROMIUM is None:
        pytest.skip("no Chromium on this machine (crawler.browser.find_chromium found none)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**chromium_launch_options())
        yield browser
        browser.close()


def test_report_renders_offline_in_chromium(
    browser: Any, report_db: Path, exported: dict[str, Any], tmp_path: Path
) -> None:
    target = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["report", "--db", str(report_db), "-o", str(target)])
    assert result.exit_code == 0, result.output
    url = target.as_uri()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    requests: list[str] = []
    context.route(
        "**/*", lambda route: route.continue_() if route.request.url == url else route.abort()
    )
    page = context.new_page()
    page.on("request", lambda request: requests.append(request.url))
    try:
        page.goto(url)
        numbers = exported["summary"]
        assert page.locator('[data-stat="sites"]').inner_text() == str(numbers["sites"])
        for state in STATE_ORDER:
            count = page.locator(f'#headlines [data-state="{state}"] [data-stat="count"]')
            assert count.inner_text() == str(numbers["by_use"]["train"][state])
        charts = page.locator("figure.chart svg.chart-svg")
        # mechanisms, kinds, most and least blocked, changes, platforms' shares
        assert charts.count() == 6
        world = page.locator("#countries svg.map-svg")
        assert world.is_visible() and world.bounding_box()["width"] > 600
        for index in range(charts.count()):
            chart = charts.nth(index)
            box = chart.bounding_box()
            assert box is not None and box["width"] > 300 and box["height"] > 40
            bars = [
                chart.locator("rect").nth(i).bounding_box()
                for i in range(chart.locator("rect").count())
            ]
            assert bars and all(b is not None and b["width"] > 0 for b in bars), index
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "report.png"), full_page=True)
    finally:
        context.close()
    assert [r for r in requests if r != url] == [], "the report asked for something else"
