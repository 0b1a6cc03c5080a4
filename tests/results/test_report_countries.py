"""``optout report``: the "Platforms" and "Per country" sections, from a real crawl of the
sample web (sites in 30-odd countries, two sampled platforms), with the numbers of the
``/-/countries`` and ``/-/platforms`` pages; absent when there is nothing to show."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt
from parsel import Selector, SelectorList

from crawler.storage import open_db
from optout_cli.main import cli
from results.derive import audit_crawl
from tests.results.evidence_db import store_crawl

LATEST = "(select max(crawl_id) from audits)"


def report_text(db_path: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["report", "--db", str(db_path), *args])
    assert result.exit_code == 0, result.output
    return result.stdout_bytes.decode("utf-8")


def rows(db_path: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def counts_per_country(db_path: Path) -> dict[str, list[str]]:
    """Per country code: sites, reserved, partial, not reserved, unknown, straight from SQL."""
    found = rows(
        db_path,
        "select coalesce(country, ''), count(*), sum(train = 'reserved'), sum(train = 'partial'),"
        " sum(train in ('allowed', 'unstated')), sum(train = 'unknown') from site_summary"
        f" where crawl_id = {LATEST} group by 1",
    )
    return {str(r[0]): [str(v) for v in r[1:]] for r in found}


def text_of(cell: Selector) -> str:
    return " ".join((cell.xpath("string()").get() or "").split())


def table_cells(selector: Selector | SelectorList[Selector], css: str) -> list[list[str]]:
    return [[text_of(c) for c in row.css("td")] for row in selector.css(f"{css} tbody tr")]


@pytest.fixture(scope="module")
def html(sample_db: Path) -> str:
    return report_text(sample_db)


@pytest.fixture(scope="module")
def markdown_page(sample_db: Path) -> Selector:
    text = report_text(sample_db, "--format", "markdown")
    return Selector(text=MarkdownIt("commonmark").enable("table").render(text))


def test_html_countries_table_has_the_databases_counts(html: str, sample_db: Path) -> None:
    page = Selector(text=html)
    expected = counts_per_country(sample_db)
    shown = {
        row.attrib["data-country"]: [text_of(c) for c in row.css("td")][2:7]
        for row in page.css("#countries-table tbody tr")
    }
    assert shown == expected and len(expected) > 10


def test_markdown_countries_table_holds_the_numbers_of_the_html(
    html: str, markdown_page: Selector
) -> None:
    in_html = table_cells(Selector(text=html), "#countries-table")
    section = markdown_page.xpath("//h2[text()='Per country']/following-sibling::table[1]")
    in_markdown = table_cells(section, "table")
    assert len(in_markdown) == len(in_html) > 10
    assert in_markdown == in_html


def test_html_map_is_inline_svg_with_no_link_and_a_legend(html: str) -> None:
    found = re.search(r'<svg class="map-svg".*?</svg>', html, re.S)
    assert found is not None
    svg = ElementTree.fromstring(found.group(0))
    namespace = "{http://www.w3.org/2000/svg}"
    coloured = [p for p in svg.iter(f"{namespace}path") if "no-data" not in p.get("class", "")]
    assert len(coloured) > 10
    assert "0–20%" in "".join(svg.itertext())
    assert "href" not in found.group(0) and "url(" not in found.group(0)


def test_platforms_section_has_each_platforms_share(
    html: str, markdown_page: Selector, sample_db: Path
) -> None:
    expected = rows(
        sample_db,
        "select origin, opted_out, sampled from platform_summary"
        f" where crawl_id = {LATEST} order by origin",
    )
    assert expected
    page = Selector(text=html)
    shown = [
        (row.attrib["data-origin"], *[c.xpath("string()").get() for c in row.css("td")[3:5]])
        for row in page.css("#platforms-table tbody tr")
    ]
    assert shown == [(o, str(a), str(b)) for o, a, b in expected]
    assert page.css("#chart-platform-share svg.chart-svg")
    section = markdown_page.xpath("//h2[text()='Platforms']/following-sibling::table[1]")
    assert [c[1:2] + c[3:5] for c in table_cells(section, "table")] == [
        [o, str(a), str(b)] for o, a, b in expected
    ]


@pytest.mark.parametrize("fmt", ["html", "markdown"])
def test_no_country_and_no_platform_means_no_such_section(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / "plain.db"
    db = open_db(path)
    crawl = store_crawl(db, [("http://anna.example", "blanket_block")])
    db.table("sites").update("http://anna.example", {"country": None})
    audit_crawl(db, crawl)
    db.close()
    text = report_text(path, "--format", fmt)
    assert "Per country" not in text and "Platforms" not in text
    assert '<svg class="map-svg"' not in text
