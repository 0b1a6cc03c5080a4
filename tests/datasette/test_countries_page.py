"""``/-/countries`` on the sample-web crawl: the numbers equal a count straight from the
database, the map is well-formed SVG with a path per country that has sites, and a hostile
country code is shown as text."""

from __future__ import annotations

import re
import shutil
import sqlite3
from html import unescape
from pathlib import Path
from xml.etree import ElementTree

import pytest
from datasette.app import Datasette

from audits.site.platforms import wilson_interval
from results.countries import percent, world
from tests.datasette.conftest import DB_NAME, get, make_datasette

SVG = "{http://www.w3.org/2000/svg}"
LATEST = "(select max(crawl_id) from audits)"
HOSTILE = '<script>alert("x")</script>'


def _rows(html: str) -> dict[str, dict[str, str]]:
    """Per country code in the table (empty: no country), its cells' text by data-column."""
    rows = {}
    for code, body in re.findall(r'<tr data-country="([^"]*)">(.*?)</tr>', html, re.S):
        cells = re.findall(r'<td data-column="([^"]+)">(.*?)</td>', body, re.S)
        rows[unescape(code)] = {
            k: " ".join(unescape(re.sub(r"<[^>]+>", " ", v)).split()) for k, v in cells
        }
    return rows


def _map(html: str) -> ElementTree.Element:
    svg = re.search(r'<svg class="map-svg".*?</svg>', html, re.S)
    assert svg is not None
    return ElementTree.fromstring(svg.group(0))


def _expected(db_path: Path, crawl: str = LATEST) -> dict[str, tuple[int, ...]]:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        found = conn.execute(
            "select coalesce(country, ''), count(*), sum(train = 'reserved'),"
            " sum(train = 'partial'), sum(train in ('allowed', 'unstated')),"
            f" sum(train = 'unknown') from site_summary where crawl_id = {crawl} group by 1"
        ).fetchall()
    finally:
        conn.close()
    return {row[0]: tuple(row[1:]) for row in found}


def test_every_countrys_numbers_equal_a_count_in_the_database(
    ds: Datasette, audited_db: Path
) -> None:
    response = get(ds, "/-/countries")
    assert response.status_code == 200
    shown = _rows(response.text)
    expected = _expected(audited_db)
    assert set(shown) == set(expected) and len(expected) > 10
    for code, (sites, reserved, partial, not_reserved, unknown) in expected.items():
        row = shown[code]
        assert (row["sites"], row["reserved"], row["partial"]) == tuple(
            map(str, (sites, reserved, partial))
        ), code
        assert (row["not-reserved"], row["unknown"]) == (str(not_reserved), str(unknown)), code
        low, high = wilson_interval(reserved + partial, sites)
        share = percent((reserved + partial) / sites)
        assert row["share"].startswith(f"{share} ({percent(low)}–{percent(high)})"), code
        assert ("few sites" in row["share"]) == (sites < 5), code


def test_the_table_lists_the_most_sites_first(ds: Datasette) -> None:
    sites = [int(r["sites"]) for code, r in _rows(get(ds, "/-/countries").text).items() if code]
    assert sites == sorted(sites, reverse=True)


def test_main_mechanisms_are_counted_per_country(ds: Datasette, audited_db: Path) -> None:
    conn = sqlite3.connect(f"file:{audited_db}?mode=ro", uri=True)
    try:
        mechanism, n = conn.execute(
            "select c.mechanism, count(distinct c.origin) from contributions c join site_summary"
            " s on s.crawl_id = c.crawl_id and s.origin = c.origin"
            f" where c.crawl_id = {LATEST} and s.country = 'US' and c.use = 'train'"
            " and c.effect in ('reserved', 'partial') group by 1 order by 2 desc, 1 limit 1"
        ).fetchone()
    finally:
        conn.close()
    assert _rows(get(ds, "/-/countries").text)["US"]["mechanisms"].startswith(f"{mechanism} ({n})")


def test_the_map_is_svg_with_a_path_per_country_with_sites_and_a_legend(
    ds: Datasette, audited_db: Path
) -> None:
    html = get(ds, "/-/countries").text
    svg = _map(html)
    drawn = {c["code"] for c in world()["countries"] if c["code"]}
    with_sites = {code for code in _expected(audited_db) if code} & drawn
    paths = {
        p.get("data-country"): p
        for p in svg.iter(f"{SVG}path")
        if "no-data" not in (p.get("class") or "") and p.get("data-country")
    }
    assert set(paths) == with_sites
    for code, path in paths.items():
        title = path.find(f"{SVG}title")
        assert title is not None and f"({code}):" in (title.text or "")
    legend = svg.find(f".//{SVG}g[@class='map-legend']")
    assert legend is not None and "0–20%" in "".join(legend.itertext())
    body = ElementTree.tostring(svg, encoding="unicode")
    assert re.findall(r"https?://", body.replace("http://www.w3.org/2000/svg", "")) == []
    assert len(body.encode()) < 300_000


def test_an_older_crawl_and_an_unknown_one(ds: Datasette, audited_db: Path) -> None:
    shown = _rows(get(ds, "/-/countries?crawl=1").text)
    assert {c: r["sites"] for c, r in shown.items()} == {
        c: str(v[0]) for c, v in _expected(audited_db, "1").items()
    }
    assert get(ds, "/-/countries?crawl=999").status_code == 404


def test_the_landing_page_links_to_the_countries_page(ds: Datasette) -> None:
    assert 'href="/-/countries"' in get(ds, "/").text


@pytest.fixture(scope="module")
def hostile_ds(audited_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Datasette:
    path = tmp_path_factory.mktemp("countries-hostile") / f"{DB_NAME}.db"
    shutil.copy(audited_db, path)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            f"update site_summary set country = ? where crawl_id = {LATEST}"
            " and origin = (select min(origin) from site_summary)",
            [HOSTILE],
        )
    conn.close()
    return make_datasette(path)


def test_a_hostile_country_code_is_shown_as_text(hostile_ds: Datasette) -> None:
    html = get(hostile_ds, "/-/countries").text
    assert HOSTILE not in html and "<script>alert" not in html
    assert HOSTILE in _rows(html)
    _map(html)  # still well-formed
