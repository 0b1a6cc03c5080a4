"""``/-/platforms``, image evidence on the per-site page, and the canned queries on platforms
that strip metadata and on site builders.

Most tests use a small audited database built from fixture cases (a platform with sampled
profiles and a stripped rendition, and a Squarespace site with its AI toggle on), so what the
pages must show is known exactly; one test checks the page against the sample-web crawl.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from urllib.parse import quote

import pytest
from datasette.app import Datasette

from crawler.storage import open_db
from results.derive import audit_crawl
from tests.datasette.conftest import DB_NAME, get, make_datasette
from tests.results.evidence_db import store_crawl

FOLIO = "https://folio.example"
SQUARESPACE = "https://sq.example"


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Datasette:
    path = tmp_path_factory.mktemp("platforms") / f"{DB_NAME}.db"
    db = open_db(path)
    store_crawl(
        db,
        [(FOLIO, "platform_profiles"), (SQUARESPACE, "builder_html_squarespace_toggle_on")],
    )
    db.table("sites").update(
        FOLIO,
        {
            "name": "Folio",
            "kind": "platform",
            "profile_pattern": "/u/*",
            "artwork_pattern": "/u/*/art/*",
        },
    )
    audit_crawl(db, 1)
    db.close()
    return make_datasette(path)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def _row(html: str, origin: str) -> str:
    start = html.index(f'<tr data-origin="{origin}">')
    return html[start : html.index("</tr>", start)]


def test_platforms_page_shows_the_share_with_n_and_interval(small: Datasette) -> None:
    response = get(small, "/-/platforms")
    assert response.status_code == 200
    row = _row(response.text, FOLIO)
    text = _text(row)
    assert "7 of 9" in text  # jun's profile could not be read
    assert "78%" in text and "95% interval 45%–94%" in text
    assert "of 12 profiles listed" in text


def test_platforms_page_names_the_mechanisms_default_and_stripping(small: Datasette) -> None:
    text = _text(_row(get(small, "/-/platforms").text, FOLIO))
    assert "yes: " in text and "noai" in text and "X-Robots-Tag noai" in text
    assert "unstated" in text
    assert "strips metadata" in text and "1 of 2 compared" in text
    assert "anna/1-display.jpg lost iptc-data-mining" in text


def test_platforms_page_links_to_the_site_profiles_and_fetch(small: Datasette) -> None:
    row = _row(get(small, "/-/platforms").text, FOLIO)
    links = re.findall(r'href="([^"]+)"', row)
    assert f"/-/site?origin={quote(FOLIO, safe='')}&amp;crawl=1" in links
    assert any(link.startswith(f"/{DB_NAME}/profiles?crawl_id=1") for link in links)
    for link in links:
        assert get(small, unescape(link)).status_code == 200, link


def test_platforms_page_compares_the_platforms_in_a_chart(small: Datasette) -> None:
    html = get(small, "/-/platforms").text
    chart = html[html.index('id="chart-platform-share"') : html.index("</figure>")]
    assert chart.count('<g class="chart-row">') == 1  # Folio: the one platform sampled
    assert "7 of 9 (78%; 45%–94%)" in chart
    assert 'fill="#1f6f43"' in chart and "<script" not in chart


def _image_rows(html: str) -> dict[str, str]:
    section = html[html.index('id="images"') : html.index("<h2>Fetches")]
    rows = section.split('<tr class="image ')[1:]
    return {re.search(r'data-url="([^"]+)"', r).group(1): r for r in rows}  # type: ignore[union-attr]


def test_site_page_shows_each_image_with_its_metadata(small: Datasette) -> None:
    rows = _image_rows(get(small, "/-/site?origin=" + quote(FOLIO, safe="")).text)
    assert len(rows) == 5
    original = _text(rows[f"{FOLIO}/media/anna/1-original.jpg"])
    assert "/media/anna/1-original.jpg original on /u/anna/art/1" in original
    assert "DMI-PROHIBITED-AIMLTRAINING" in original and "train reserved" in original
    displayed = rows[f"{FOLIO}/media/anna/1-display.jpg"]
    assert "stripped : lost iptc-data-mining" in _text(displayed)
    assert "kept" in _text(rows[f"{FOLIO}/media/bruno/1-display.jpg"])
    assert "no original found" in _text(rows[f"{FOLIO}/media/freya/1.jpg"])
    fetch_link = re.search(r'href="([^"]+/fetches/\d+)"', displayed)
    assert fetch_link and get(small, fetch_link.group(1)).status_code == 200


def test_site_page_of_a_platform_links_to_the_platforms_page(small: Datasette) -> None:
    html = get(small, "/-/site?origin=" + quote(FOLIO, safe="")).text
    assert 'href="/-/platforms?crawl=1"' in html


def test_site_page_of_a_site_without_images_has_no_image_section(small: Datasette) -> None:
    html = get(small, "/-/site?origin=" + quote(SQUARESPACE, safe="")).text
    assert 'id="images"' not in html and "/-/platforms" not in html


def test_strip_query_lists_the_platform_and_its_example(small: Datasette) -> None:
    rows = get(small, f"/{DB_NAME}/platforms_that_strip_metadata.json?_shape=objects").json()
    (row,) = rows["rows"]
    assert row["origin"] == FOLIO
    assert (row["renditions_compared"], row["lost_data_mining"], row["lost_c2pa"]) == (2, 1, 0)
    assert row["example_displayed"] == f"{FOLIO}/media/anna/1-display.jpg"
    assert row["example_original"] == f"{FOLIO}/media/anna/1-original.jpg"


def test_builder_query_counts_sites_toggles_and_opt_outs(small: Datasette) -> None:
    rows = get(small, f"/{DB_NAME}/builders_by_opt_out_rate.json?_shape=objects").json()
    (row,) = rows["rows"]
    assert row["builder"] == "squarespace"
    assert (row["sites"], row["toggle_on"], row["toggle_known"]) == (1, 1, 1)
    assert row["opted_out"] + row["partly_opted_out"] == 1


def test_platforms_page_without_an_audit_database_says_so(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    open_db(empty).close()
    ds = make_datasette(empty)
    response = get(ds, "/-/platforms")
    assert response.status_code == 200
    assert "This crawl sampled no platform" in response.text


def test_platforms_page_agrees_with_the_sample_web_table(ds: Datasette) -> None:
    rows = get(ds, f"/{DB_NAME}/platform_summary.json?_shape=objects&_size=max").json()["rows"]
    latest = max(r["crawl_id"] for r in rows)
    html = get(ds, "/-/platforms").text
    for row in (r for r in rows if r["crawl_id"] == latest):
        origin = row["origin"]["value"] if isinstance(row["origin"], dict) else row["origin"]
        text = _text(_row(html, origin))
        if row["sampled"]:
            assert f"{row['opted_out']} of {row['sampled']}" in text
        assert row["default_train"] in text
