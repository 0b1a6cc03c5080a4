"""A page that redirects by ``<meta http-equiv="refresh">`` keeps its own opt-out.

One real ``optout crawl`` (and its audit) of a loopback server of our own serving
``tests/fixtures/meta_refresh/``: one site folder per case. The refreshing page is stored and
audited as the site's page; its target is recorded as a redirect (the target's fetch carries
the chain) and followed only as an HTTP redirect would be (http(s) only, one shared limit).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator

import pytest

from sampleweb.server import start_server
from tests.conftest import FIXTURES
from tests.crawler.conftest import run_crawl

SITES = FIXTURES / "meta_refresh"


@pytest.fixture(scope="module")
def conn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    folder = tmp_path_factory.mktemp("meta-refresh")
    seeds = folder / "seeds.csv"
    hosts = sorted(p.parent.name for p in SITES.glob("*/site.json"))
    seeds.write_text("origin,kind\n" + "".join(f"http://{h},creator-site\n" for h in hosts))
    db = folder / "crawl.db"
    with start_server(SITES) as web:
        run_crawl(seeds, db, web, "--allow-private")
    connection = sqlite3.connect(db)
    connection.row_factory = sqlite3.Row
    yield connection
    connection.close()


def _fetch(conn: sqlite3.Connection, kind: str, url: str) -> sqlite3.Row:
    row: sqlite3.Row | None = conn.execute(
        "select f.*, b.body from fetches f left join bodies b on b.sha256 = f.body_sha256"
        " where kind = ? and requested_url = ?",
        [kind, url],
    ).fetchone()
    assert row is not None, f"no {kind} fetch of {url}"
    return row


def _summary(conn: sqlite3.Connection, origin: str) -> dict[str, object]:
    row = conn.execute("select report from site_summary where origin = ?", [origin]).fetchone()
    assert row is not None, origin
    report: dict[str, object] = json.loads(row["report"])
    return report


def test_the_refreshing_home_page_is_stored_as_the_home_page(conn: sqlite3.Connection) -> None:
    home = _fetch(conn, "home", "http://refresh-home.example/")
    assert (home["status"], home["final_url"]) == (200, "http://refresh-home.example/")
    assert b'content="noai, noimageai"' in home["body"]


def test_the_refresh_target_is_recorded_as_a_redirect(conn: sqlite3.Connection) -> None:
    target = _fetch(conn, "home", "http://refresh-home.example/portfolio/")
    assert target["status"] == 200
    assert json.loads(target["redirect_chain"]) == ["http://refresh-home.example/"]
    assert target["parent_url"] == "http://refresh-home.example/"


def test_the_crawl_goes_on_from_the_refresh_target(conn: sqlite3.Connection) -> None:
    page = _fetch(conn, "page", "http://refresh-home.example/portfolio/heron.html")
    assert page["status"] == 200


def test_the_audit_reads_noai_and_tdm_from_the_refreshing_home_page(
    conn: sqlite3.Connection,
) -> None:
    """Both cite the refreshing page as their evidence (its target and the page sampled from
    it carry neither, so the site is partly opted out)."""
    verdicts = _summary(conn, "http://refresh-home.example")["verdicts"]
    assert isinstance(verdicts, dict)
    cited = {
        (c["mechanism"], use): [e["url"] for e in c["evidence"]]
        for use in ("train", "tdm")
        for c in verdicts[use]["contributions"]
    }
    assert cited[("noai", "train")] == ["http://refresh-home.example/"]
    assert cited[("TDMRep", "tdm")] == ["http://refresh-home.example/"]


def test_a_refreshing_content_page_keeps_its_opt_out(conn: sqlite3.Connection) -> None:
    page = _fetch(conn, "page", "http://refresh-page.example/works/1.html")
    assert page["status"] == 200 and b"noimageai" in page["body"]
    target = _fetch(conn, "page", "http://refresh-page.example/works/1-large.html")
    assert json.loads(target["redirect_chain"]) == ["http://refresh-page.example/works/1.html"]
    verdicts = _summary(conn, "http://refresh-page.example")["verdicts"]
    assert isinstance(verdicts, dict)
    noai = [c for c in verdicts["train"]["contributions"] if c["mechanism"] == "noai"]
    assert [e["url"] for e in noai[0]["evidence"]] == ["http://refresh-page.example/works/1.html"]


def test_refreshes_and_http_redirects_share_one_limit(conn: sqlite3.Connection) -> None:
    """``/`` redirects (302) to r1, which refreshes to r2 … : five hops are followed
    (REDIRECT_MAX_TIMES), the sixth is recorded as too many redirects, not fetched."""
    site = "http://refresh-chain.example"
    first = _fetch(conn, "home", f"{site}/")
    assert first["final_url"] == f"{site}/r1.html"
    last = _fetch(conn, "home", f"{site}/r5.html")
    assert last["status"] == 200
    assert json.loads(last["redirect_chain"]) == [
        f"{site}/",
        *(f"{site}/r{i}.html" for i in (1, 2, 3, 4)),
    ]
    over = _fetch(conn, "home", f"{site}/r6.html")
    assert (over["status"], over["error_class"]) == (None, "too-many-redirects")
    assert json.loads(over["redirect_chain"])[-1] == f"{site}/r5.html"
    fetched = {
        r[0]
        for r in conn.execute(
            "select final_url from fetches where final_url like ?", [f"{site}/r%"]
        )
    }
    assert f"{site}/r6.html" not in fetched


def test_a_refresh_to_another_scheme_is_recorded_not_followed(conn: sqlite3.Connection) -> None:
    home = _fetch(conn, "home", "http://refresh-scheme.example/")
    assert home["status"] == 200
    target = _fetch(conn, "home", "ftp://files.refresh-scheme.example/portfolio/")
    assert (target["status"], target["error_class"]) == (None, "bad-redirect")
    assert json.loads(target["redirect_chain"]) == ["http://refresh-scheme.example/"]
