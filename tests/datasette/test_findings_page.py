"""/-/findings explains every code the audit reported, at an anchor named after the code."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import quote

from datasette.app import Datasette
from parsel import Selector

from audits.site.catalogue import all_codes
from results.finding_meanings import meaning
from tests.datasette.conftest import EDITED_ORIGIN, get


def test_every_reported_code_has_an_anchor(ds: Datasette, audited_db: Path) -> None:
    conn = sqlite3.connect(audited_db)
    codes = {row[0] for row in conn.execute("select distinct code from findings")}
    conn.close()
    assert codes
    page = Selector(get(ds, "/-/findings").text)
    anchors = set(page.css("dl.codes dt::attr(id)").getall())
    assert codes - anchors == set()


def test_every_code_the_interpreters_can_emit_has_an_anchor(ds: Datasette) -> None:
    page = Selector(get(ds, "/-/findings").text)
    assert set(all_codes()) - set(page.css("dl.codes dt::attr(id)").getall()) == set()


def test_each_code_shows_its_severity_and_explanation(ds: Datasette) -> None:
    page = Selector(get(ds, "/-/findings").text)
    entry = page.css('dt[id="robots-token-typo"]')
    assert entry.css("span.severity::text").get() == "error"
    explanation = page.xpath('//dt[@id="robots-token-typo"]/following-sibling::dd[1]//text()')
    assert "GPTBot" in " ".join(explanation.getall())


def test_code_spans_become_code_elements_and_stay_escaped(ds: Datasette) -> None:
    html = get(ds, "/-/findings").text
    assert "<code>Disallow /</code>" in html
    assert "<script" not in html.split("</footer>")[0].split('<section class="content">')[1]


def test_site_page_shows_each_code_with_its_meaning(ds: Datasette) -> None:
    page = Selector(get(ds, f"/-/site?origin={quote(EDITED_ORIGIN, safe='')}&crawl=1").text)
    rows = page.css("table.findings tr.finding")
    assert rows
    for row in rows:
        code = row.css("code::text").get() or ""
        shown = " ".join((row.css("span.meaning").xpath("string()").get() or "").split())
        assert shown == meaning(code).replace("`", "")


def test_findings_by_code_gives_each_code_its_meaning(ds: Datasette) -> None:
    rows = get(ds, "/audit/findings_by_code.json?_shape=objects").json()["rows"]
    assert rows
    assert all(r["meaning"] == meaning(r["code"]) and r["meaning"] for r in rows)
    html = Selector(get(ds, "/audit/findings_by_code").text)
    assert html.css("td.col-code a::attr(title)").get()
