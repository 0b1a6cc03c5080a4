"""``optout report``: the section "Reserved in words only", from a real crawl of the sample web.

painter-ines reserves AI training only in its footer; ceramics-bruno writes the same in its
footer but also reserves in robots.txt; studio-on-lumen's terms promise what the service does
with its users' uploads, which reserves nothing.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt
from parsel import Selector

from optout_cli.main import cli
from sampleweb.server import SampleWeb
from tests.crawler.conftest import SAMPLE_SEEDS, run_crawl, sample_web  # noqa: F401

FOOTER = "http://painter-ines.example"
BESIDE_ROBOTS = "http://ceramics-bruno.example"
PROMISE = "http://studio-on-lumen.example"
RESERVING = "('reserved', 'partial')"


@pytest.fixture(scope="module")
def crawled_db(
    tmp_path_factory: pytest.TempPathFactory,
    sample_web: SampleWeb,  # noqa: F811
) -> Path:
    """The sample web crawled once; the crawl audits itself at its end."""
    path = tmp_path_factory.mktemp("report-words") / "words.db"
    run_crawl(SAMPLE_SEEDS, path, sample_web, "--allow-private")
    return path


def report_text(db_path: Path, *args: str) -> str:
    """Run ``optout report`` in-process and return standard output (fail on an error)."""
    result = CliRunner().invoke(cli, ["report", "--db", str(db_path), *args])
    assert result.exit_code == 0, result.output
    return result.stdout_bytes.decode("utf-8")


def value(db_path: Path, sql: str, *params: object) -> object:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchone()[0]
    finally:
        conn.close()


def footer_sentence(db_path: Path) -> str:
    text = value(
        db_path,
        "select text from statements where origin = ? and kind = 'reserved' order by rowid",
        FOOTER,
    )
    assert isinstance(text, str) and text.startswith("No AI training")
    return text


def words_only(db_path: Path, use: str) -> object:
    return value(
        db_path,
        f"select count(*) from site_verdicts where use = ? and state not in {RESERVING}"
        f" and state_counting_words in {RESERVING}",
        use,
    )


def machine_readable(db_path: Path, use: str) -> object:
    return value(
        db_path, f"select count(*) from site_verdicts where use = ? and state in {RESERVING}", use
    )


def squeeze(selector: Selector) -> str:
    return " ".join((selector.xpath("string()").get() or "").split())


@pytest.fixture(scope="module")
def page(crawled_db: Path) -> Selector:
    return Selector(text=report_text(crawled_db))


@pytest.fixture(scope="module")
def markdown(crawled_db: Path) -> str:
    return report_text(crawled_db, "--format", "markdown")


def test_html_section_lists_the_footer_site_with_its_sentence(
    page: Selector, crawled_db: Path
) -> None:
    section = page.css("section#words")
    assert section.css("h2::text").get() == "Reserved in words only"
    item = section.css(f'ul.words-sites li[data-origin="{FOOTER}"]')
    assert item.css("q::text").get() == footer_sentence(crawled_db)
    assert "AI training" in squeeze(item) and "footer" in squeeze(item)


def test_html_section_leaves_out_machine_readable_and_non_reservations(page: Selector) -> None:
    listed = page.css("section#words ul.words-sites li::attr(data-origin)").getall()
    assert FOOTER in listed
    assert BESIDE_ROBOTS not in listed
    assert PROMISE not in listed


@pytest.mark.parametrize("use", ["train", "tdm"])
def test_html_counts_words_only_beside_machine_readable(
    page: Selector, crawled_db: Path, use: str
) -> None:
    section = page.css("section#words")
    shown_words = section.css(f'[data-stat="words-only-{use}"]::text').get()
    shown_machine = section.css(f'[data-stat="machine-readable-{use}"]::text').get()
    assert shown_words == str(words_only(crawled_db, use))
    assert shown_machine == str(machine_readable(crawled_db, use))
    row = section.css(f'#words-by-use tr[data-use="{use}"] td.n::text').getall()
    counting = int(shown_words) + int(shown_machine)
    assert row == [shown_machine, shown_words, str(counting)]


def test_training_in_words_only_matches_the_summary_column(
    page: Selector, crawled_db: Path
) -> None:
    sites = value(
        crawled_db,
        "select count(*) from site_summary where ', ' || words_only || ',' like '%, train,%'",
    )
    assert page.css('[data-stat="words-only-train"]::text').get() == str(sites)
    assert isinstance(sites, int) and sites > 0


def test_html_section_explains_the_two_views(page: Selector) -> None:
    note = squeeze(page.css("section#words p.note"))
    assert "state_counting_words" in note
    assert "OLG Hamburg, 5 U 104/24, 10 December 2025" in note


def test_markdown_section_quotes_the_footer_sentence(markdown: str, crawled_db: Path) -> None:
    rendered = Selector(text=MarkdownIt("commonmark").enable("table").render(markdown))
    heading = rendered.xpath('//h2[text()="Reserved in words only"]')
    assert heading
    items = [squeeze(li) for li in heading.xpath("following-sibling::ul[1]/li")]
    [line] = [i for i in items if i.startswith(FOOTER)]
    assert f"“{footer_sentence(crawled_db)}”" in line
    assert not any(i.startswith((BESIDE_ROBOTS, PROMISE)) for i in items)


@pytest.fixture(scope="module")
def older_db(crawled_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same crawl as an audit older than the words signal left it: no verdict has its
    words view, no site reserves in words only, no statement is stored."""
    path = tmp_path_factory.mktemp("report-words-older") / "older.db"
    shutil.copy(crawled_db, path)
    with sqlite3.connect(path) as conn:
        conn.execute("update site_verdicts set state_counting_words = null")
        conn.execute("update site_summary set train_counting_words = null, words_only = null")
        conn.execute("delete from statements")
    conn.close()
    return path


def test_report_of_an_older_audit_has_no_words_section(older_db: Path) -> None:
    html = report_text(older_db)
    assert Selector(text=html).css("section#words") == []
    assert "## Reserved in words only" not in report_text(older_db, "--format", "markdown")
