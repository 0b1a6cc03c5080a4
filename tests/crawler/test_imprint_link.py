"""The imprint (legal notice) page: found among a home page's links in many languages, kept
apart from the terms page, and fetched by a real crawl as its own kind, ``imprint``."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest

from crawler.discovery import platform_home, site_home
from crawler.sampling import Link, imprint_link, page_links, tos_link
from crawler.seeds import Seed
from sampleweb.server import start_server
from tests.conftest import FIXTURES
from tests.crawler.conftest import run_crawl

ORIGIN = "https://lena.example"
SEED = Seed(ORIGIN)

IMPRINTS = [
    ("/impressum", "Impressum"),  # de
    ("/kontakt", "Impressum & Datenschutz"),
    ("/about/imprint.html", "Imprint"),  # en
    ("/policies/legal-notice", "Legal notice"),
    ("/info", "Legal Information"),
    ("/mentions-legales", "Mentions légales"),  # fr
    ("/page/7", "Mentions legales"),
    ("/page/8", "MENTIONS LÉGALES"),
    ("/aviso-legal", "Aviso legal"),  # es
    ("/nota-legal", "Nota legal"),  # pt
    ("/informacao-legal", "Informação legal"),
    ("/note-legali", "Note legali"),  # it
    ("/info", "Informazioni legali"),
    ("/colofon", "Colofon"),  # nl
    ("/colophon", "Colophon"),
    ("/nota-prawna", "Nota prawna"),  # pl
    ("/info", "Informacje prawne"),
    ("/law", "特定商取引法に基づく表記"),  # ja
    ("/law", "特定商取引法"),
    ("/company", "運営者情報"),
    ("/company", "사업자 정보"),  # ko
    ("/notice", "법적 고지"),
]
"""(path, link text) of one imprint link per language and wording."""

IMPRINT_PATHS = [
    "/impressum",
    "/de/impressum/",
    "/imprint.html",
    "/legal/imprint",
    "/mentions-legales",
    "/mentions-l%C3%A9gales",  # /mentions-légales, as page_links percent-encodes it
    "/legal_notice.php",
    "/aviso-legal",
    "/pages/tokushoho",
]
"""Imprint pages named by their path alone (an icon link, or an unhelpful text)."""

BOTH = [
    ("/impressum", "Impressum", "/agb", "AGB"),
    ("/mentions-legales", "Mentions légales", "/cgu", "CGU"),
    ("/legal-notice", "Legal notice", "/terms", "Terms of use"),
    ("/aviso-legal", "Aviso legal", "/condiciones", "Condiciones de uso"),
    ("/note-legali", "Note legali", "/termini", "Termini e condizioni"),
    ("/law", "特定商取引法に基づく表記", "/terms", "Terms"),
    ("/legal/imprint", "Legal", "/legal/terms", "Legal"),
]
"""(imprint path, text, terms path, text): a site linking both pages."""


def links(*pairs: tuple[str, str]) -> list[Link]:
    return [Link(ORIGIN + path, text) for path, text in pairs]


@pytest.mark.parametrize(("path", "text"), IMPRINTS)
def test_imprint_link_found_by_its_text_in_each_language(path: str, text: str) -> None:
    assert imprint_link(links(("/", "Home"), (path, text)), ORIGIN) == ORIGIN + path


@pytest.mark.parametrize("path", IMPRINT_PATHS)
def test_imprint_link_found_by_the_last_segment_of_its_path(path: str) -> None:
    assert imprint_link(links((path, "")), ORIGIN) == ORIGIN + path


@pytest.mark.parametrize(("path", "text"), IMPRINTS)
def test_an_imprint_link_is_never_the_terms_page(path: str, text: str) -> None:
    assert tos_link(links((path, text)), ORIGIN) is None


@pytest.mark.parametrize(("imprint", "imprint_text", "terms", "terms_text"), BOTH)
def test_a_site_with_both_links_gives_each_to_its_own_kind(
    imprint: str, imprint_text: str, terms: str, terms_text: str
) -> None:
    """In either order: an imprint first (which "legal" in ``_TOS`` would take) included."""
    pairs = [(imprint, imprint_text), (terms, terms_text)]
    for ordered in (pairs, pairs[::-1]):
        found = site_home(links(*ordered), ORIGIN + "/", SEED, limit=0, taken=0)
        assert (found.imprint, found.terms) == (ORIGIN + imprint, ORIGIN + terms)


def test_imprint_link_on_another_site_is_not_taken() -> None:
    assert imprint_link([Link("https://host.example/impressum", "Imprint")], ORIGIN) is None


def test_imprint_link_on_a_subdomain_is_taken() -> None:
    url = "https://shop.lena.example/imprint"
    assert imprint_link([Link(url, "Imprint")], ORIGIN) == url


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("/terms", "Terms of use"),
        ("/legal", "Legal"),
        ("/legal/terms", "Terms"),
        ("/privacy", "Datenschutz"),
        ("/shop/imprints", "Imprints"),
        ("/blog/legal-battles-over-ai", "Legal battles over AI"),
        ("/blog/impressum", "Why every artist in Germany needs an Impressum, and what goes in it"),
    ],
)
def test_not_an_imprint(path: str, text: str) -> None:
    """A bare "legal", a plural, or the word in a long link text (a post about it, not a
    footer link) does not name an imprint."""
    assert imprint_link(links((path, text)), ORIGIN) is None


def test_legal_alone_still_finds_the_terms_page() -> None:
    assert tos_link(links(("/legal", "Legal")), ORIGIN) == ORIGIN + "/legal"


def test_terms_words_in_the_host_name_are_not_read() -> None:
    """On lena-agb.example every link would be the terms page if the host were read."""
    origin = "https://lena-agb.example"
    found = [Link(origin + "/portfolio/heron", "Heron"), Link(origin + "/impressum", "Impressum")]
    assert tos_link(found, origin) is None


def test_photos_is_not_tos() -> None:
    """``tos`` is a word of its own: "photos" (text or path) does not name the terms page."""
    assert tos_link(links(("/photos/", "Photos")), ORIGIN) is None
    assert tos_link(links(("/photos/", "Photos"), ("/tos", "ToS")), ORIGIN) == ORIGIN + "/tos"


def test_the_first_imprint_link_in_page_order_is_taken() -> None:
    found = links(("/impressum", "Impressum"), ("/en/imprint", "Imprint"))
    assert imprint_link(found, ORIGIN) == ORIGIN + "/impressum"


def test_imprint_link_read_from_a_home_page() -> None:
    html = (FIXTURES / "imprint_site" / "lena-berger.example" / "files" / "index.html").read_bytes()
    found = page_links(html, ORIGIN + "/")
    assert (imprint_link(found, ORIGIN), tos_link(found, ORIGIN)) == (
        ORIGIN + "/impressum",
        ORIGIN + "/agb",
    )


def test_site_home_names_its_imprint_page() -> None:
    home = links(("/portfolio/heron", "Heron"), ("/impressum", "Impressum"), ("/agb", "AGB"))
    found = site_home(home, ORIGIN + "/", SEED, limit=1, taken=0)
    assert found.pages == (ORIGIN + "/portfolio/heron",)
    assert (found.imprint, found.terms) == (ORIGIN + "/impressum", ORIGIN + "/agb")


def test_site_home_keeps_the_imprint_out_of_the_content_sample() -> None:
    """With room in the sample for every link, the imprint is still fetched as itself."""
    home = links(("/portfolio/heron", "Heron"), ("/impressum", "Impressum"))
    found = site_home(home, ORIGIN + "/", SEED, limit=10, taken=0)
    assert found.pages == (ORIGIN + "/portfolio/heron",)
    assert found.imprint == ORIGIN + "/impressum"


def test_site_home_imprint_that_is_the_terms_page_is_asked_once_as_terms() -> None:
    home = links(("/legal", "Terms"), ("/legal", "Legal notice"))
    found = site_home(home, ORIGIN + "/", SEED, limit=0, taken=0)
    assert (found.terms, found.imprint) == (ORIGIN + "/legal", None)


def test_platform_home_names_its_imprint_page() -> None:
    platform = Seed("https://folio.example", kind="platform", profile_pattern="/u/*")
    home = [
        Link("https://folio.example/artists", "All artists"),
        Link("https://folio.example/terms", "Terms"),
        Link("https://folio.example/legal-notice", "Legal notice"),
    ]
    found = platform_home(home, platform, listing_limit=5)
    assert (found.terms, found.imprint) == (
        "https://folio.example/terms",
        "https://folio.example/legal-notice",
    )


# -- a real crawl: one site with an imprint and a terms page -----------------------------------

SITES = FIXTURES / "imprint_site"
SITE = "http://lena-berger.example"


@pytest.fixture(scope="module")
def conn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    """One ``optout crawl`` of the site with the default sample of 4 content pages, more than
    the site has: its terms and imprint pages still come as their own kinds."""
    folder = tmp_path_factory.mktemp("imprint")
    seeds = folder / "seeds.csv"
    seeds.write_text(f"origin,kind\n{SITE},creator-site\n")
    db = folder / "crawl.db"
    with start_server(SITES) as web:
        run_crawl(seeds, db, web, "--allow-private")
    connection = sqlite3.connect(db)
    connection.row_factory = sqlite3.Row
    yield connection
    connection.close()


def _fetches(conn: sqlite3.Connection, kind: str) -> list[sqlite3.Row]:
    return conn.execute(
        "select requested_url, status, parent_url from fetches where kind = ? and origin = ?",
        [kind, SITE],
    ).fetchall()


@pytest.mark.parametrize(("kind", "path"), [("imprint", "/impressum"), ("tos", "/agb")])
def test_crawl_fetches_the_imprint_and_terms_pages_as_their_own_kinds(
    conn: sqlite3.Connection, kind: str, path: str
) -> None:
    assert [tuple(row) for row in _fetches(conn, kind)] == [(SITE + path, 200, SITE + "/")]


def test_crawl_samples_neither_footer_link_as_a_content_page(conn: sqlite3.Connection) -> None:
    pages = [row["requested_url"] for row in _fetches(conn, "page")]
    assert pages == [SITE + "/portfolio/heron.html"]


def test_the_terms_and_imprint_pages_are_not_also_fetched_as_content_pages(
    conn: sqlite3.Connection,
) -> None:
    pages = {row["requested_url"] for row in _fetches(conn, "page")}
    assert SITE + "/portfolio/heron.html" in pages
    assert not pages & {SITE + "/impressum", SITE + "/agb"}
