"""Access logs in Datasette (issue 16): the per-site section "Who came, and did they respect
your opt-out?" with the lines each violation cites, the canned query of violations by
operator, and the log tables, over a real audited database with a log ingested; and the same
pages of a database that never had one."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from datasette.app import Datasette
from parsel import Selector

from tests.datasette.conftest import DB_NAME, get, sql_value
from tests.datasette.log_fixtures import logs_db, logs_ds, no_logs_db, no_logs_ds  # noqa: F401
from tests.results.log_db import ANNA, BEN, log_lines

HEADING = "Who came, and did they respect your opt-out?"
LOG_TABLES = (
    "log_files",
    "crawler_log_lines",
    "crawler_hits",
    "crawler_violations",
    "crawler_behaviour",
)


def page(ds: Datasette, path: str) -> Selector:
    response = get(ds, path)
    assert response.status_code == 200, response.text[:500]
    return Selector(response.text)


def site_page(ds: Datasette, origin: str) -> Selector:
    return page(ds, f"/-/site?origin={quote(origin, safe='')}")


def text(selector: Selector) -> str:
    return " ".join("".join(selector.css("::text").getall()).split())


# --- The per-site section -----------------------------------------------------------------


def test_the_section_counts_each_agent_verified_or_not(logs_ds: Datasette) -> None:  # noqa: F811
    html = site_page(logs_ds, ANNA)
    assert html.css("h2#logs::text").get() == HEADING
    agents = html.css("table.crawler-agents tr.crawler-agent::attr(data-agent)").getall()
    assert agents == ["GPTBot", "ClaudeBot"]  # the one with violations first
    gptbot = html.css('tr.crawler-agent[data-agent="GPTBot"]')
    cell = {
        column: text(gptbot.css(f'td[data-column="{column}"]'))
        for column in ("verified", "impersonators", "unverifiable")
    }
    assert cell == {"verified": "7", "impersonators": "1", "unverifiable": "0"}
    violations = gptbot.css('td[data-column="violations"]')
    assert violations.css("strong.violation::text").get() == "3"
    assert violations.css("span.impersonated::text").get() == "+1 by impersonators"
    assert text(gptbot.css('td[data-column="read-robots-first"]')) == "yes"
    assert text(gptbot.css('td[data-column="after-refusal"]')) == "kept coming"
    claude = html.css('tr.crawler-agent[data-agent="ClaudeBot"]')
    assert text(claude.css('td[data-column="unverifiable"]')) == "1"
    assert text(claude.css('td[data-column="after-refusal"]')) == "never refused"


def test_a_violation_says_what_happened_and_cites_its_lines(
    logs_ds: Datasette,  # noqa: F811
    logs_db: Path,  # noqa: F811
) -> None:
    html = site_page(logs_ds, ANNA)
    [violation] = html.css("ul.crawler-violations li.crawler-violation")
    assert violation.css("span.sentence::text").get() == (
        "GPTBot (verified) fetched 3 images under /gallery/ on 2026-11-02 while robots.txt"
        " disallowed it (Disallow: /gallery/)."
    )
    links = violation.css("a.log-line-link")
    assert [text(a) for a in links] == ["line 5", "line 6", "line 7"]
    for link, number in zip(links, (5, 6, 7), strict=True):
        href = link.attrib["href"]
        assert href.startswith(f"/{DB_NAME}/crawler_log_lines/")
        line_id = href.rsplit("/", 1)[1]
        raw = sql_value(logs_db, "select raw from crawler_log_lines where id = ?", (line_id,))
        assert raw == log_lines()[number - 1]
        assert get(logs_ds, href).status_code == 200
    robots = violation.css("a.robots-link::attr(href)").get()
    assert robots and robots.startswith(f"/{DB_NAME}/fetches/")
    fetch = robots.rsplit("/", 1)[1]
    assert sql_value(logs_db, "select kind from fetches where id = ?", (fetch,)) == "robots"


def test_impersonators_are_shown_apart(logs_ds: Datasette) -> None:  # noqa: F811
    html = site_page(logs_ds, ANNA)
    [posing] = html.css("ul.crawler-impersonations li.crawler-impersonation")
    assert text(posing).startswith("Someone posing as GPTBot")
    assert "Someone posing" not in text(html.css("ul.crawler-violations"))


def test_a_site_without_crawler_lines_has_no_section(logs_ds: Datasette) -> None:  # noqa: F811
    html = site_page(logs_ds, BEN)
    assert html.css("h1.site-name")
    assert not html.css("h2#logs")


def test_a_database_without_logs_has_no_section(no_logs_ds: Datasette) -> None:  # noqa: F811
    assert not site_page(no_logs_ds, ANNA).css("h2#logs")


# --- The canned query ----------------------------------------------------------------------


def query(ds: Datasette, **params: str) -> list[dict[str, object]]:
    suffix = "".join(f"&{k}={quote(v, safe='')}" for k, v in params.items())
    response = get(ds, f"/{DB_NAME}/violations_by_operator.json?_shape=objects{suffix}")
    assert response.status_code == 200, response.text[:500]
    rows: list[dict[str, object]] = response.json()["rows"]
    return rows


def test_violations_by_operator_never_counts_impersonators(logs_ds: Datasette) -> None:  # noqa: F811
    [openai] = query(logs_ds)
    assert {k: openai[k] for k in ("operator", "violations", "verified", "sites", "agents")} == {
        "operator": "OpenAI",
        "violations": 3,
        "verified": 3,
        "sites": 1,
        "agents": "GPTBot",
    }
    assert openai["images"] == 3 and openai["by_impersonators"] == 1
    assert str(openai["example"]).startswith("GPTBot (verified) fetched 3 images")
    assert query(logs_ds, site="anna.example") == query(logs_ds)
    assert query(logs_ds, site="ben.example") == []


def test_the_site_page_links_to_the_query_for_its_site(logs_ds: Datasette) -> None:  # noqa: F811
    links = site_page(logs_ds, ANNA).css("h2#logs + p a::attr(href)").getall()
    assert f"/{DB_NAME}/violations_by_operator?site={quote(ANNA, safe='')}" in links
    for href in links:
        assert get(logs_ds, href).status_code == 200


def test_without_logs_the_query_is_empty_and_says_why(no_logs_ds: Datasette) -> None:  # noqa: F811
    assert query(no_logs_ds) == []
    response = get(no_logs_ds, f"/{DB_NAME}/violations_by_operator")
    assert response.status_code == 200
    assert "No access log has been ingested into this database yet" in response.text


# --- The tables ----------------------------------------------------------------------------


def test_the_log_tables_render_with_their_descriptions(logs_ds: Datasette) -> None:  # noqa: F811
    for table in LOG_TABLES:
        html = page(logs_ds, f"/{DB_NAME}/{table}?_size=5")
        assert html.css("dl.column-descriptions") or "description" in html.get(), table


def test_no_other_visitor_is_published(logs_ds: Datasette, logs_db: Path) -> None:  # noqa: F811
    lines = page(logs_ds, f"/{DB_NAME}/crawler_log_lines?_size=100")
    assert "192.0.2.123" not in lines.get()
    assert sql_value(logs_db, "select count(*) from crawler_log_lines") == 9
