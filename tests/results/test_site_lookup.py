"""A typed site is normalised to its origin and resolved against the stored origins."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator

import pytest

from crawler.storage import open_db
from results.site_lookup import (
    SQL_FUNCTION,
    UnknownSite,
    register_sql_functions,
    resolve_site,
    site_candidates,
    typed_origin,
)

ONLY_HTTP = "http://artist-anna.example"
BOTH = ("http://both.example", "https://both.example")
ONLY_HTTPS = "https://secure.example"
WITH_PORT = "http://ported.example:8080"
STORED = (ONLY_HTTP, *BOTH, ONLY_HTTPS, WITH_PORT, "http://www.folio.example")


@pytest.fixture(scope="module")
def conn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    path = tmp_path_factory.mktemp("lookup") / "sites.db"
    db = open_db(path)
    db.table("sites").insert_all([{"origin": o} for o in STORED])
    db.close()
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    register_sql_functions(connection)
    yield connection
    connection.close()


@pytest.mark.parametrize(
    ("typed", "origin"),
    [
        ("https://artist-anna.example/", "https://artist-anna.example"),
        ("HTTPS://Artist-Anna.Example", "https://artist-anna.example"),
        ("https://artist-anna.example/gallery/1?page=2#top", "https://artist-anna.example"),
        ("artist-anna.example", "https://artist-anna.example"),
        ("  artist-anna.example/gallery  ", "https://artist-anna.example"),
        ("https://artist-anna.example:443/", "https://artist-anna.example"),
        ("http://artist-anna.example:80", "http://artist-anna.example"),
        ("http://artist-anna.example:8080/x", "http://artist-anna.example:8080"),
        ("https://bücher.example/", "https://xn--bcher-kva.example"),
    ],
)
def test_typed_origin_keeps_scheme_host_and_port_only(typed: str, origin: str) -> None:
    assert typed_origin(typed) == origin


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "is empty"),
        ("ftp://artist-anna.example", "scheme 'ftp' is not http or https"),
        ("https://", "has no host"),
        ("http://exa mple.com", "is not a valid domain name"),
    ],
)
def test_typed_origin_says_why_it_is_no_site(typed: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        typed_origin(typed)


def test_candidates_try_the_typed_scheme_first_then_the_other() -> None:
    assert site_candidates("Both.example/x") == ("https://both.example", "http://both.example")
    assert site_candidates("http://both.example") == ("http://both.example", "https://both.example")


def test_candidates_keep_an_explicit_port_to_its_scheme() -> None:
    assert site_candidates("http://ported.example:8080/") == (WITH_PORT,)


@pytest.mark.parametrize(
    "typed",
    [
        "https://artist-anna.example/",
        "HTTPS://Artist-Anna.Example",
        "https://artist-anna.example/gallery/1",
        "artist-anna.example",
        "http://artist-anna.example",
    ],
)
def test_one_scheme_in_the_database_matches_either_scheme(
    conn: sqlite3.Connection, typed: str
) -> None:
    assert resolve_site(conn, typed) == ONLY_HTTP


def test_only_https_stored_matches_a_typed_http(conn: sqlite3.Connection) -> None:
    assert resolve_site(conn, "http://Secure.example/login") == ONLY_HTTPS


@pytest.mark.parametrize("origin", BOTH)
def test_both_schemes_stored_the_typed_scheme_wins(conn: sqlite3.Connection, origin: str) -> None:
    assert resolve_site(conn, origin.upper() + "/page") == origin


def test_both_schemes_stored_a_bare_host_means_https(conn: sqlite3.Connection) -> None:
    assert resolve_site(conn, "both.example") == "https://both.example"


def test_a_port_is_part_of_the_site(conn: sqlite3.Connection) -> None:
    assert resolve_site(conn, "HTTP://ported.example:8080/a") == WITH_PORT
    with pytest.raises(UnknownSite):
        resolve_site(conn, "http://ported.example:9090")


def test_an_unknown_site_names_itself_and_close_matches(conn: sqlite3.Connection) -> None:
    with pytest.raises(UnknownSite) as caught:
        resolve_site(conn, "https://artist-ana.example/gallery")
    assert caught.value.suggestions == [ONLY_HTTP]
    assert str(caught.value) == (
        f"no site https://artist-ana.example in this database (did you mean {ONLY_HTTP}?)"
    )


def test_close_matches_ignore_a_www_prefix(conn: sqlite3.Connection) -> None:
    with pytest.raises(UnknownSite) as caught:
        resolve_site(conn, "folio.example")
    assert caught.value.suggestions == ["http://www.folio.example"]


def test_an_unknown_site_without_neighbours_suggests_nothing(conn: sqlite3.Connection) -> None:
    with pytest.raises(UnknownSite) as caught:
        resolve_site(conn, "zzz-nowhere.example")
    assert str(caught.value) == "no site https://zzz-nowhere.example in this database"


def _sql_pick(conn: sqlite3.Connection, typed: object) -> str | None:
    row = conn.execute(
        f"select s.origin from json_each({SQL_FUNCTION}(?)) j"
        " join sites s on s.origin = j.value order by j.key limit 1",
        [typed],
    ).fetchone()
    return None if row is None else str(row[0])


@pytest.mark.parametrize(
    "typed", ["https://artist-anna.example/", "both.example", "http://both.example/x", "junk ::"]
)
def test_the_sql_function_picks_what_resolve_site_picks(
    conn: sqlite3.Connection, typed: str
) -> None:
    try:
        expected: str | None = resolve_site(conn, typed)
    except (ValueError, UnknownSite):
        expected = None
    assert _sql_pick(conn, typed) == expected


@pytest.mark.parametrize("value", [None, 3, b"http://x.example", "<script>", ""])
def test_the_sql_function_never_fails(conn: sqlite3.Connection, value: object) -> None:
    (text,) = conn.execute(f"select {SQL_FUNCTION}(?)", [value]).fetchone()
    assert isinstance(json.loads(text), list)
