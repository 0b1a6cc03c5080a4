"""The per-site page's "Fixes to paste" section: each block in a <pre> with a copy button,
open when the opt-out needs a fix, collapsed when there is nothing to fix."""

from __future__ import annotations

from urllib.parse import quote

from datasette.app import Datasette
from parsel import Selector

from audits.core.agents import load_registry
from audits.signals.robots import parse_robots
from tests.datasette.conftest import EDITED_ORIGIN, get

BROKEN = EDITED_ORIGIN
"""artist-anna.example: a misspelt meta-externalagent token (robots.txt line 10)."""
BLANKET = "http://comic-oscar.example"


def _section(ds: Datasette, origin: str, extra: str = "") -> Selector:
    response = get(ds, f"/-/site?origin={quote(origin, safe='')}{extra}")
    assert response.status_code == 200, response.text[:300]
    found = Selector(response.text).css("details#fixes")
    assert found, "no Fixes to paste section"
    return found[0]


def test_a_broken_opt_out_shows_its_fixes_open(ds: Datasette) -> None:
    section = _section(ds, BROKEN)
    assert section.attrib["data-status"] == "fix"
    assert "open" in section.attrib
    assert section.css("h2::text").get() == "Fixes to paste"
    keys = section.css("section.fix-block::attr(data-block)").getall()
    assert keys[:2] == ["robots-fixed", "robots-block-all"]
    assert {"tdmrep", "meta", "content-signal", "content-usage"} <= set(keys)


def test_every_block_has_a_copy_button_for_its_pre(ds: Datasette) -> None:
    section = _section(ds, BROKEN)
    for block in section.css("section.fix-block"):
        target = block.css("button.copy-fix::attr(data-copy-target)").get()
        assert target and block.css(f"pre#{target}")
    page = get(ds, f"/-/site?origin={quote(BROKEN, safe='')}").text
    assert "navigator.clipboard" in page and "button.copy-fix" in page


def test_the_fixed_robots_txt_on_the_page_reserves_training(ds: Datasette) -> None:
    section = _section(ds, BROKEN)
    text = "".join(section.css("pre#fix-robots-fixed ::text").getall())
    assert "User-agent: meta-externalagent" in text
    robots = parse_robots(text)
    open_agents = [
        a.token
        for a in load_registry().training_agents()
        if a.rfc9309_valid and robots.verdict(a.token, "/", compare=False).allowed
    ]
    assert open_agents == []
    diff = "".join(section.css("details.fix-diff pre ::text").getall())
    assert "-User-agent: meta-external-agent" in diff


def test_nothing_to_fix_keeps_the_section_collapsed(ds: Datasette) -> None:
    section = _section(ds, BLANKET)
    assert section.attrib["data-status"] in ("works", "optional")
    assert "open" not in section.attrib


def test_site_text_in_a_fix_is_escaped(ds: Datasette) -> None:
    page = get(ds, f"/-/site?origin={quote(BROKEN, safe='')}").text
    pre = page.split('id="fix-robots-fixed">', 1)[1].split("</pre>", 1)[0]
    assert "<" not in pre.replace("&lt;", "")
