"""End to end: ``optout captures`` against a real CDX index server on loopback (pywb, over
WARCs written here from sample-web pages) and a real audited database (the sample web crawled
twice, robots.txt changing in between).

The sites and what their robots.txt says for CCBot in the two crawls (2026-09-10 and
2026-10-10, set in ``crawls`` after crawling):

- plain-sam: allowed, then blocked (the ``next-week`` variant's Cloudflare-managed block);
- tia-typo: blocked, then "User-agent: CC-Bot" (a typo: blocks nothing);
- uma-down: blocked, then robots.txt answers 503 (unreadable);
- nia-open: allowed both times.

Common Crawl crawls (collections of the index server): CC-MAIN-2026-35 (captures of
2026-08-25, before any audit), CC-MAIN-2026-39 (2026-09-22, between the crawls) and
CC-MAIN-2026-42 (2026-10-10 06:00, within 24 hours of the second crawl, and 2026-10-20 on),
a ZipNum index paged one line per block, as Common Crawl's are paged. In it plain-sam also has
a capture under its ``www.`` twin and a 404 (a capture that stored no content).
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from optout_cli.captures_cmd import captures
from sampleweb import start_server
from sampleweb.sites import SITES_DIR
from tests.crawler.conftest import run_crawl
from tests.results.cdx_server import (
    Page,
    add_collection,
    cdx_server,
    fetch_through,
    free_port,
    write_warc,
)

SAM, TIA, UMA, NIA = (
    "plain-sam.example",
    "tia-typo.example",
    "uma-down.example",
    "nia-open.example",
)
HOSTS = (SAM, TIA, UMA, NIA)
WWW_SAM = f"www.{SAM}"
CRAWLED = (datetime(2026, 9, 10, tzinfo=UTC), datetime(2026, 10, 10, tzinfo=UTC))
BLOCK_CCBOT = "User-agent: CCBot\nDisallow: /\n"
ROBOTS = {
    1: {TIA: BLOCK_CCBOT, UMA: BLOCK_CCBOT, NIA: "User-agent: *\nAllow: /\n"},
    2: {
        TIA: "User-agent: CC-Bot\nDisallow: /\n",
        UMA: BLOCK_CCBOT,
        NIA: "User-agent: *\nAllow: /\n",
    },
}
SAM_PAGES = (
    "/",
    "/about",
    "/art/",
    "/art/county-road.html",
    "/art/grain-elevator.html",
    "/art/prairie-storm.html",
    "/images/county-road.jpg",
    "/images/grain-elevator.jpg",
    "/images/prairie-storm.jpg",
    "/robots.txt",
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# (crawl, host, path, WARC-Date)
CAPTURES: tuple[tuple[str, str, str, datetime], ...] = (
    *(("CC-MAIN-2026-35", host, "/", at("2026-08-25T12:00")) for host in HOSTS),
    *(
        ("CC-MAIN-2026-39", host, path, at("2026-09-22T08:00"))
        for host in HOSTS
        for path in ("/", "/about")
    ),  # fmt: skip
    ("CC-MAIN-2026-42", SAM, "/", at("2026-10-10T06:00")),
    *(("CC-MAIN-2026-42", SAM, path, at("2026-10-20T09:00")) for path in SAM_PAGES),
    ("CC-MAIN-2026-42", SAM, "/about", at("2026-10-25T09:00")),
    ("CC-MAIN-2026-42", WWW_SAM, "/art/", at("2026-10-21T09:00")),
    ("CC-MAIN-2026-42", SAM, "/no-such-page", at("2026-10-22T09:00")),
    *(("CC-MAIN-2026-42", host, "/", at("2026-10-20T09:00")) for host in (TIA, UMA, NIA)),
)
PAGED = "CC-MAIN-2026-42"


def _site_copies(folder: Path, crawl: int) -> Path:
    """The three test sites as the crawl ``crawl`` finds them: plain-sam's pages, their own
    robots.txt (and, for uma-down in the second crawl, a 503 for it)."""
    for host in (TIA, UMA, NIA):
        site = folder / host
        shutil.copytree(SITES_DIR / SAM, site)
        (site / "files" / "robots.txt").write_text(ROBOTS[crawl][host])
        spec = json.loads((site / "site.json").read_text())
        spec["description"] = f"A copy of plain-sam for the capture tests ({host})."
        if host == UMA and crawl == 2:
            spec["routes"] = {"/robots.txt": {"status": 503}}
        (site / "site.json").write_text(json.dumps(spec))
    return folder


def _seeds(path: Path) -> Path:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["origin", "kind"])
    writer.writerows([f"http://{host}", "creator-site"] for host in HOSTS)
    path.write_text(text.getvalue())
    return path


def _crawl_twice(folder: Path) -> Path:
    db = folder / "evidence.db"
    seeds = _seeds(folder / "seeds.csv")
    with start_server([_site_copies(folder / "v1", 1), SITES_DIR]) as web:
        run_crawl(seeds, db, web, "--allow-private")
    with start_server([_site_copies(folder / "v2", 2), SITES_DIR], variant="next-week") as web:
        run_crawl(seeds, db, web, "--allow-private")
    with sqlite3.connect(db) as conn:
        ids = [row[0] for row in conn.execute("SELECT id FROM crawls ORDER BY id")]
        assert len(ids) == 2
        for crawl_id, moment in zip(ids, CRAWLED, strict=True):
            conn.execute(
                "UPDATE crawls SET started_at = ?, finished_at = ? WHERE id = ?",
                [moment.isoformat(), moment.replace(hour=1).isoformat(), crawl_id],
            )
    return db


def _warcs(folder: Path) -> dict[str, Path]:
    """One WARC per Common Crawl crawl, of pages fetched from the sample web."""
    pages: dict[tuple[str, str], Page] = {}
    with start_server([_site_copies(folder / "pages", 1), SITES_DIR]) as web:
        for _, host, path, _ in CAPTURES:
            if (host, path) not in pages:
                bare = host.removeprefix("www.")  # the sample web has no www. hosts
                page = fetch_through(web.proxy_url, f"http://{bare}{path}")
                pages[host, path] = replace(page, url=f"http://{host}{path}")
    warcs: dict[str, Path] = {}
    for crawl in sorted({c[0] for c in CAPTURES}):
        warcs[crawl] = folder / f"{crawl}.warc.gz"
        write_warc(warcs[crawl], [(pages[h, p], when) for c, h, p, when in CAPTURES if c == crawl])
    return warcs


@pytest.fixture(scope="module")
def evidence(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _crawl_twice(tmp_path_factory.mktemp("captures-db"))


@pytest.fixture(scope="module")
def index_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("cdx")
    root = folder / "server"
    root.mkdir()
    for crawl, warc in _warcs(folder).items():
        add_collection(root, crawl, warc, zipnum_lines=1 if crawl == PAGED else None)
    with cdx_server(root) as url:
        yield url


@pytest.fixture
def db(evidence: Path, tmp_path: Path) -> Path:
    """A copy of the audited database, for one test to write captures into."""
    copy = tmp_path / "evidence.db"
    with sqlite3.connect(evidence) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    return copy


def _run(*arguments: str) -> Result:
    return CliRunner().invoke(captures, [*arguments, "--delay", "0", "--quiet"])


def _json(result: Result) -> dict[str, Any]:
    assert result.exit_code == 0, result.output + result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def _site(data: dict[str, Any], host: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [s for s in data["sites"] if s["origin"] == f"http://{host}"]
    (site,) = found
    return site


def _rows(db: Path, query: str, *params: Any) -> list[dict[str, Any]]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute(query, params)]


def _verdicts(site: dict[str, Any]) -> list[tuple[str, str, str, str | None]]:
    found = [
        (c["crawl"], c["url"].split("/", 3)[3], c["verdict"], c["explanation"])
        for c in site["captures"]
    ]
    return sorted(found, key=lambda v: (v[0], v[1], v[2], v[3] or ""))


def test_history_is_what_the_crawls_saw(evidence: Path) -> None:
    rows = _rows(
        evidence,
        "SELECT v.crawl_id, v.origin, v.allowed FROM robots_verdicts v"
        " WHERE v.agent = 'CCBot' AND v.path = '/' ORDER BY v.origin, v.crawl_id",
    )
    allowed = {(r["origin"].removeprefix("http://"), r["crawl_id"]): r["allowed"] for r in rows}
    assert allowed[SAM, 1] == 1 and allowed[SAM, 2] == 0
    assert allowed[TIA, 1] == 0 and allowed[TIA, 2] == 1
    assert allowed[NIA, 1] == 1 and allowed[NIA, 2] == 1
    typos = _rows(evidence, "SELECT origin, crawl_id FROM findings WHERE agent = 'CCBot'"
                  " AND code = 'robots-token-typo'")  # fmt: skip
    assert typos == [{"origin": f"http://{TIA}", "crawl_id": 2}]


def test_captures_are_stored_per_site_and_crawl(db: Path, index_url: str) -> None:
    data = _json(_run("--db", str(db), "--index-url", index_url, "--json"))
    assert data["crawls"] == ["CC-MAIN-2026-42", "CC-MAIN-2026-39", "CC-MAIN-2026-35"]
    queries = _rows(db, "SELECT * FROM capture_queries ORDER BY origin, crawl")
    assert len(queries) == len(HOSTS) * 3
    assert {q["status"] for q in queries} == {"ok"}
    expected: dict[tuple[str, str], int] = {}
    for crawl, host, _, _ in CAPTURES:
        origin = f"http://{host.removeprefix('www.')}"
        expected[origin, crawl] = expected.get((origin, crawl), 0) + 1
    assert {(q["origin"], q["crawl"]): q["captures"] for q in queries} == expected
    paged = [q for q in queries if q["origin"] == f"http://{SAM}" and q["crawl"] == PAGED]
    assert [(q["pages"], q["pages_total"], q["truncated"]) for q in paged] == [(2, 2, 0)]
    stored = _rows(db, "SELECT * FROM captures WHERE origin = ? AND url = ?",
                   f"http://{UMA}", f"http://{UMA}/about")  # fmt: skip
    assert {(r["crawl"], r["timestamp"], r["status"], r["mime"]) for r in stored} == {
        ("CC-MAIN-2026-39", "20260922080000", "200", "text/html")
    }
    assert all(r["digest"] and r["filename"] and r["length"] for r in stored)
    assert all(r["offset"] is not None for r in stored)


def test_before_and_after_the_block(db: Path, index_url: str) -> None:
    data = _json(_run("--db", str(db), "--index-url", index_url, "--json"))
    sam = _site(data, SAM)
    assert sam["first_block"].startswith("2026-10-10T00:00")
    verdicts = _verdicts(sam)
    assert ("CC-MAIN-2026-35", "", "unknown", None) in verdicts
    assert [v for v in verdicts if v[0] == "CC-MAIN-2026-39"] == [
        ("CC-MAIN-2026-39", "", "before-block", None),
        ("CC-MAIN-2026-39", "about", "before-block", None),
    ]
    after = [(path, why) for crawl, path, verdict, why in verdicts if verdict == "after-block"]
    assert ("", "cache-allowance") in after
    assert ("robots.txt", "robots-txt") in after
    assert len([1 for _, why in after if why is None]) == 12  # with the twin's and the 404
    assert sam["counts"] == {"after-block": 13, "before-block": 2, "no-block": 0, "unknown": 1}
    assert sam["not_taken"] == {"after-block": 1, "before-block": 0, "no-block": 0, "unknown": 0}
    codes = [(f["code"], f["severity"]) for f in sam["findings"]]
    assert ("cc-captured-before-block", "info") in codes
    assert codes.count(("cc-captured-after-block", "warning")) == 2  # unexplained, in 24 hours
    assert ("cc-captured-robots-txt", "info") in codes
    assert _site(data, NIA)["counts"] == {
        "after-block": 0, "before-block": 0, "no-block": 3, "unknown": 1
    }  # fmt: skip


def test_after_block_capture_is_explained_by_a_ccbot_typo(db: Path, index_url: str) -> None:
    data = _json(_run("--db", str(db), "--index-url", index_url, "--json"))
    tia = _site(data, TIA)
    assert ("CC-MAIN-2026-42", "", "after-block", "ccbot-typo") in _verdicts(tia)
    typo = [f for f in tia["findings"] if "misspelt" in f["message"]]
    assert len(typo) == 1 and "'CC-Bot'" in typo[0]["message"]
    uma = _site(data, UMA)
    assert ("CC-MAIN-2026-42", "", "after-block", "robots-unreadable") in _verdicts(uma)


def test_text_names_the_counts_and_findings(db: Path, index_url: str) -> None:
    result = _run("--db", str(db), "--index-url", index_url)
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "http://plain-sam.example: CCBot blocked since 2026-10-10 00:00 UTC" in text
    assert "CC-MAIN-2026-39: 2 captures: 2 before the block (already in released crawls)" in text
    assert "taken before the block: 2; taken after the block: 13; stored no content: 1" in text
    assert "CC-MAIN-2026-42: 14 captures: 13 after the block, 1 stored no content" in text
    assert "warning cc-captured-after-block" in text
    assert "http://nia-open.example: CCBot never blocked in an audited crawl" in text


def test_resume_does_not_ask_again(db: Path, index_url: str) -> None:
    first = _json(_run("--db", str(db), "--index-url", index_url, "--json"))
    asked = _rows(db, "SELECT origin, crawl, queried_at FROM capture_queries ORDER BY 1, 2")
    again = _json(_run("--db", str(db), "--index-url", index_url, "--json"))
    assert again["requests"] == 1  # collinfo.json only
    assert _rows(db, "SELECT origin, crawl, queried_at FROM capture_queries ORDER BY 1, 2") == asked
    assert all(q["cached"] for s in again["sites"] for q in s["queries"])
    assert [_verdicts(s) for s in again["sites"]] == [_verdicts(s) for s in first["sites"]]
    refreshed = _json(_run("--db", str(db), "--index-url", index_url, "--json", "--refresh"))
    assert refreshed["requests"] > len(HOSTS) * 3
    assert _rows(db, "SELECT count(*) AS n FROM captures") == [{"n": len(CAPTURES)}]


def test_caps_truncate_and_say_so(db: Path, index_url: str) -> None:
    _json(_run("--db", str(db), "--index-url", index_url, "--json", "--max-pages", "1",
               "--max-captures", "5"))  # fmt: skip
    rows = _rows(db, "SELECT origin, crawl, pages, pages_total, captures, truncated"
                 " FROM capture_queries WHERE origin = ?", f"http://{SAM}")  # fmt: skip
    by_crawl = {r["crawl"]: r for r in rows}
    assert by_crawl[PAGED] == {
        "origin": f"http://{SAM}", "crawl": PAGED, "pages": 1, "pages_total": 2,
        "captures": 5, "truncated": 1,
    }  # fmt: skip
    assert by_crawl["CC-MAIN-2026-39"]["truncated"] == 0


def test_one_site_without_a_database(index_url: str) -> None:
    result = _run("http://plain-sam.example/", "--index-url", index_url, "--crawls", "2")
    assert result.exit_code == 0, result.output
    assert (
        "CC-MAIN-2026-42: 14 captures: 13 before any audit of the site (unknown), 1 stored no"
        " content" in result.stdout
    )
    assert "nothing kept" in result.stdout
    assert "CC-MAIN-2026-35" not in result.stdout


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((), "Error: give a site (ORIGIN) or an audited database (--db FILE)\n"),
        (("http://[broken",), "Error: 'http://[broken' is not a site address"),
        (("http://anna.example:99999",), "is not a site address"),
    ],
)
def test_bad_input_is_one_line(arguments: tuple[str, ...], message: str) -> None:
    result = _run(*arguments, "--index-url", "http://127.0.0.1:9")
    assert result.exit_code == 1
    assert message in result.stderr and result.stderr.count("\n") == 1


def test_index_url_from_the_environment(db: Path, index_url: str) -> None:
    result = CliRunner(env={"OPTOUT_CC_INDEX": index_url}).invoke(
        captures, ["--db", str(db), "--delay", "0", "--quiet", "--crawls", "1", "--json"]
    )
    assert _json(result)["crawls"] == [PAGED]


def test_unreachable_index_server_is_one_line_and_an_error_per_site(db: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    result = _run("--db", str(db), "--index-url", dead)
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("Error: 4 of 4 index queries failed")
    assert "Traceback" not in result.output
    rows = _rows(db, "SELECT origin, crawl, status, error FROM capture_queries")
    assert sorted(r["origin"] for r in rows) == sorted(f"http://{h}" for h in HOSTS)
    assert {(r["crawl"], r["status"]) for r in rows} == {("*", "error")}
    assert all("collinfo.json" in r["error"] for r in rows)


class _CollInfo(BaseHTTPRequestHandler):
    """Common Crawl's ``collinfo.json``: one crawl served by the pywb server, one by a server
    that is not there."""

    listing: bytes = b"[]"

    def do_GET(self) -> None:
        status, body = (200, self.listing) if self.path == "/collinfo.json" else (404, b"")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def common_crawl_listing(index_url: str) -> Iterator[str]:
    dead = f"http://127.0.0.1:{free_port()}"
    listing = [
        {"id": PAGED, "name": "October 2026", "cdx-api": f"{index_url}/{PAGED}/cdx"},
        {"id": "CC-MAIN-2026-39", "name": "September 2026",
         "cdx-api": f"{dead}/CC-MAIN-2026-39-index"},
    ]  # fmt: skip
    handler = type("Handler", (_CollInfo,), {"listing": json.dumps(listing).encode()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_a_crawl_that_cannot_be_reached_is_an_error_per_site_and_the_run_goes_on(
    db: Path, common_crawl_listing: str
) -> None:
    result = _run("--db", str(db), "--index-url", common_crawl_listing)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: 4 of 8 index queries failed")
    assert result.stderr.count("\n") == 1
    rows = _rows(db, "SELECT origin, crawl, status, error FROM capture_queries")
    by_status = {(r["crawl"], r["status"]) for r in rows}
    assert by_status == {(PAGED, "ok"), ("CC-MAIN-2026-39", "error")}
    assert len(rows) == 8
    assert "CC-MAIN-2026-39: not answered: http://127.0.0.1:" in result.stdout
    # the failed pairs are asked again; the answered ones are not
    again = _run("--db", str(db), "--index-url", common_crawl_listing, "--json")
    assert again.exit_code == 1
    data = json.loads(again.stdout)
    cached = {(s["origin"], q["crawl"]) for s in data["sites"] for q in s["queries"] if q["cached"]}
    assert cached == {(f"http://{h}", PAGED) for h in HOSTS}


def test_captures_under_the_www_twin_are_the_sites_with_their_host(
    db: Path, index_url: str
) -> None:
    data = _json(_run("--db", str(db), "--index-url", index_url, "--json"))
    sam = _site(data, SAM)
    twin = [c for c in sam["captures"] if c["host"] == WWW_SAM]
    assert [(c["url"], c["verdict"], c["taken"]) for c in twin] == [
        (f"http://{WWW_SAM}/art/", "after-block", True)
    ]
    assert all(c["host"] == SAM for c in sam["captures"] if c not in twin)
    stored = _rows(db, "SELECT origin, host, url FROM captures WHERE url LIKE 'http://www.%'")
    assert stored == [{"origin": f"http://{SAM}", "host": WWW_SAM, "url": f"http://{WWW_SAM}/art/"}]
    hosts = _rows(
        db, "SELECT DISTINCT hosts FROM capture_queries WHERE origin = ?", f"http://{SAM}"
    )
    assert hosts == [{"hosts": f"{SAM} {WWW_SAM}"}]


def test_a_404_is_listed_with_its_status_but_not_taken(db: Path, index_url: str) -> None:
    sam = _site(_json(_run("--db", str(db), "--index-url", index_url, "--json")), SAM)
    (gone,) = [c for c in sam["captures"] if c["url"].endswith("/no-such-page")]
    assert (gone["status"], gone["verdict"], gone["taken"]) == ("404", "after-block", False)
    after = [f for f in sam["findings"] if f["code"] == "cc-captured-after-block"]
    assert all("no-such-page" not in (f["evidence"] or "") for f in after)
    assert sum(int(f["message"].split()[0]) for f in after) == 12  # 13 taken, robots.txt apart


def test_a_twin_that_is_a_site_of_its_own_is_left_to_that_site(db: Path, index_url: str) -> None:
    _json(_run("--db", str(db), "--index-url", index_url, "--json"))
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO sites (origin) VALUES (?)", [f"http://{WWW_SAM}"])
    again = _json(_run("--db", str(db), "--index-url", index_url, "--json"))
    asked = {q["crawl"]: q["cached"] for q in _site(again, SAM)["queries"]}
    assert asked == dict.fromkeys(asked, False)  # asked again: its hosts changed
    assert _site(again, NIA)["queries"][0]["cached"]
    assert all(c["host"] == SAM for c in _site(again, SAM)["captures"])
    rows = _rows(db, "SELECT crawl, hosts, elsewhere FROM capture_queries WHERE origin = ?",
                 f"http://{SAM}")  # fmt: skip
    assert {r["crawl"]: (r["hosts"], r["elsewhere"]) for r in rows} == {
        "CC-MAIN-2026-42": (SAM, 1),
        "CC-MAIN-2026-39": (SAM, 0),
        "CC-MAIN-2026-35": (SAM, 0),
    }
