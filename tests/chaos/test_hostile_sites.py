"""Every hostile site: the crawl finishes within its bound, the site's fetch records and
findings say what went wrong, memory stays bounded, and the ordinary sites crawled alongside
come out exactly as they do on their own."""

from __future__ import annotations

import ipaddress
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from audits.site.catalogue import all_codes
from crawler.records import MAX_HEADER_PAIRS
from sampleweb.server import SampleWeb
from sampleweb.sites import HOSTILE_DIR, SIGNAL_NAMES, load_sites
from tests.chaos.conftest import (
    AUDIT_SECONDS,
    CRAWL_SECONDS,
    LONG,
    NORMAL,
    PEAK_RSS_MIB,
    Chaos,
)
from tests.crawler.conftest import SAMPLE_SEEDS


@dataclass(frozen=True)
class Expect:
    """Some fetch of ``kind`` (at ``path``, when given) has ``column`` in ``values``."""

    kind: str
    column: str
    values: tuple[Any, ...]
    path: str | None = None


def error(kind: str, *classes: str, path: str | None = None) -> Expect:
    return Expect(kind, "error_class", classes, path)


TIMEOUT = ("timeout", "connection") if LONG else ("timeout",)
"""With CHAOS_LONG's long download timeout, a hang ends when the server closes."""
PRIVATE_TARGETS = [
    (route, spec["headers"]["Location"])
    for route, spec in json.loads(
        (HOSTILE_DIR / "redirect-private.example" / "site.json").read_text(encoding="utf-8")
    )["routes"].items()
]
POLICY_KINDS = {"/ai.txt": "aitxt", "/.well-known/tdmrep.json": "tdmrep", "/llms.txt": "llms"}


def _kind_of(path: str) -> str:
    return POLICY_KINDS.get(path) or ("page" if path.startswith("/gallery/") else "image")


CASES: dict[str, tuple[list[Expect], set[str]]] = {
    "gzip-bomb.example": (
        [error("home", "size-limit"), error("aitxt", "size-limit")],
        {"site-pages-unreadable"},
    ),
    "brotli-bomb.example": (
        [error("home", "size-limit"), error("llms", "size-limit")],
        {"site-pages-unreadable"},
    ),
    "huge-body.example": (
        [Expect(kind, "truncated", (1,)) for kind in ("robots", "home", "aitxt", "llms")],
        {"robots-truncated", "aitxt-truncated", "llms-txt-truncated", "meta-html-truncated"},
    ),
    "lying-length.example": (
        [error("robots", "connection"), Expect("home", "skipped", ("robots-unreachable",))],
        {"robots-unreachable", "aitxt-empty-file"},
    ),
    "slow-drip.example": (
        [Expect("robots", "status", (200,)), Expect("home", "status", (200,))]
        if LONG
        else [error("robots", "timeout"), Expect("home", "skipped", ("robots-unreachable",))],
        set() if LONG else {"robots-unreachable"},
    ),
    "never-answers.example": (
        [error("home", *TIMEOUT), error("aitxt", *TIMEOUT), error("tdmrep", *TIMEOUT)],
        {"site-pages-unreadable"},
    ),
    "reset-mid-body.example": (
        [error("robots", "connection"), error("aitxt", "connection")],
        {"robots-unreachable"},
    ),
    "redirect-loop.example": (
        [
            error("robots", "redirect-loop"),
            error("aitxt", "redirect-loop"),
            error("llms", "redirect-loop"),
            error("home", "too-many-redirects"),
        ],
        {"robots-too-many-redirects"},
    ),
    "redirect-private.example": (
        [error(_kind_of(path), "private-address", path=path) for path, _ in PRIVATE_TARGETS],
        set(),
    ),
    "redirect-scheme.example": (
        [
            *(
                error(_kind_of(path), "bad-redirect", path=path)
                for path in (*POLICY_KINDS, "/gallery/1.html", "/gallery/2.html", "/gallery/3.html")
            ),
            error("page", "redirect-loop", path="/gallery/4.html"),  # Location: "http://"
        ],
        set(),
    ),
    "bad-encoding.example": (
        [Expect(kind, "status", (200,)) for kind in ("robots", "aitxt", "tdmrep", "llms", "home")],
        {"robots-not-utf8", "aitxt-decode-error", "tdmrep-not-utf8"},
    ),
    "robots-million.example": (
        [
            Expect("robots", "truncated", (1,)),
            Expect("page", "skipped", ("url-too-long",)),
            Expect("page", "status", (404,)),  # the backtracking patterns were matched
        ],
        {"robots-truncated"},
    ),
    "robots-slow-million.example": (
        [Expect("robots", "truncated", (1,))] if LONG else [error("robots", "timeout")],
        {"robots-truncated"} if LONG else {"robots-unreachable"},
    ),
    "tdmrep-deep.example": (
        [Expect(kind, "status", (200,)) for kind in ("tdmrep", "aitxt", "llms")],
        {"tdmrep-too-deep", "aitxt-unknown-format"},
    ),
    "meta-flood.example": ([Expect("home", "status", (200,))], {"meta-too-many-tags"}),
    "header-flood.example": (
        [
            Expect("robots", "status", (200,)),
            Expect("home", "status", (200,)),
            error("aitxt", "connection"),
        ],
        set(),
    ),
    "tls-broken.example": (
        [error(kind, "tls") for kind in ("robots", "aitxt", "tdmrep", "llms")],
        {"robots-unreachable"},
    ),
    "planted-script.example": (
        [
            *(Expect(kind, "status", (200,)) for kind in ("robots", "aitxt", "tdmrep", "home")),
            error("llms", "bad-redirect"),  # its message quotes the planted script
        ],
        {"robots-invalid-token", "aitxt-unknown-key", "tdmrep-invalid-policy"},
    ),
    "broken-images.example": ([Expect("image", "status", (206,))], set()),
    "xmp-entities.example": ([Expect("image", "status", (206,))], set()),
}


IMAGE_CASES = {
    "broken-images.example": {"image-malformed", "image-truncated", "image-metadata-unread"},
    "xmp-entities.example": {"xmp-entities"},
}
"""Sites whose images must give at least one of these findings (from ``audits/images``)."""


def _rows(db: Path, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def _origin(host: str) -> str:
    spec = json.loads((HOSTILE_DIR / host / "site.json").read_text(encoding="utf-8"))
    return f"{'https' if spec.get('https') else 'http'}://{host}"


def test_every_hostile_site_has_a_case() -> None:
    assert set(CASES) == {p.parent.name for p in HOSTILE_DIR.glob("*/site.json")}


def test_hostile_sites_load_and_name_known_covers() -> None:
    sites = load_sites(HOSTILE_DIR)
    assert set(sites) == set(CASES)
    known = set(all_codes()) | set(SIGNAL_NAMES)
    assert {name for site in sites.values() for name in site.covers} <= known
    assert all(site.host not in SAMPLE_SEEDS.read_text() for site in sites.values())


def test_crawl_and_audit_finish_within_their_bounds(chaos: Chaos) -> None:
    assert chaos.crawl.seconds < CRAWL_SECONDS
    assert chaos.audit.seconds < AUDIT_SECONDS
    assert "Traceback" not in chaos.crawl.stderr + chaos.audit.stderr


def test_peak_memory_stays_bounded(chaos: Chaos) -> None:
    assert 0 < chaos.crawl.peak_rss_mib < PEAK_RSS_MIB
    assert 0 < chaos.audit.peak_rss_mib < PEAK_RSS_MIB


def test_every_site_finished_and_was_audited(chaos: Chaos) -> None:
    expected = {_origin(host) for host in CASES} | set(NORMAL)
    done = _rows(chaos.db, "select origin from site_status where status = 'done'")
    assert {row["origin"] for row in done} == expected
    audited = _rows(chaos.db, "select origin from site_summary")
    assert {row["origin"] for row in audited} == expected


@pytest.mark.parametrize("host", sorted(CASES))
def test_site_records_what_went_wrong(chaos: Chaos, host: str) -> None:
    origin = _origin(host)
    fetches = _rows(chaos.db, "select * from fetches where origin = ? order by id", (origin,))
    expectations, codes = CASES[host]
    for expect in expectations:
        matching = [
            row
            for row in fetches
            if row["kind"] == expect.kind
            and (expect.path is None or row["requested_url"] == origin + expect.path)
        ]
        assert matching, f"no {expect.kind} fetch {expect.path or ''}"
        values = {row[expect.column] for row in matching}
        assert values & set(expect.values), (expect, values)
    found = {
        row["code"]
        for row in _rows(chaos.db, "select code from findings where origin = ?", (origin,))
    }
    assert codes <= found, sorted(found)
    # Whatever went wrong is a record or a finding, never a lost site.
    assert _rows(chaos.db, "select 1 from site_summary where origin = ?", (origin,))


def test_stored_bodies_and_headers_are_bounded(chaos: Chaos) -> None:
    largest = _rows(chaos.db, "select max(length(body)) as n from bodies")[0]["n"]
    assert largest <= 2 * 1024 * 1024 + 1
    for row in _rows(chaos.db, "select headers from fetches where headers is not null"):
        assert len(json.loads(row["headers"])) <= MAX_HEADER_PAIRS


def test_a_header_flood_is_stored_as_its_first_thousand(chaos: Chaos) -> None:
    rows = _rows(
        chaos.db,
        "select headers from fetches where origin = ? and kind = 'home'",
        ("http://header-flood.example",),
    )
    headers = json.loads(rows[0]["headers"])
    assert len(headers) == MAX_HEADER_PAIRS
    assert any(name.lower() == "content-type" for name, _ in headers)


def test_private_addresses_were_never_asked(chaos: Chaos, hostile_web: SampleWeb) -> None:
    """The guard refused every redirect into an internal network before it was sent: the
    proxy (which would have answered them as unknown hosts) never saw one."""
    asked = set(hostile_web.hosts)
    assert "redirect-private.example" in asked
    targets = {urlsplit(to).hostname for _, to in PRIVATE_TARGETS}
    assert asked.isdisjoint(targets | {f"[{t}]" for t in targets if t and ":" in t})
    for host in asked:  # no address at all reached the proxy, nor a local name
        with pytest.raises(ValueError):
            ipaddress.ip_address(host.strip("[]"))
        assert host != "localhost"


def _comparable(db: Path, origin: str) -> dict[str, list[tuple[Any, ...]]]:
    """A site's results without ids, times and crawl numbers."""
    queries = {
        "fetches": "select kind, requested_url, final_url, redirect_chain, status, body_sha256,"
        " truncated, error_class, skipped from fetches where origin = ?",
        "findings": "select code, severity, message, line, evidence, agent, url from findings"
        " where origin = ?",
        "verdicts": "select use, state, sentence, mechanisms, conflict, gaps from site_verdicts"
        " where origin = ?",
        "summary": "select train, ai_use, search, tdm, train_mechanisms, robots_state, errors,"
        " warnings, summary from site_summary where origin = ?",
    }
    return {name: sorted(map(tuple, _rows(db, sql, (origin,)))) for name, sql in queries.items()}


@pytest.mark.parametrize("origin", NORMAL)
def test_ordinary_sites_are_unaffected(chaos: Chaos, origin: str) -> None:
    alongside = _comparable(chaos.db, origin)
    alone = _comparable(chaos.baseline_db, origin)
    assert alongside["fetches"], "the ordinary site was not crawled"
    assert alongside == alone


@pytest.mark.parametrize("host", sorted(IMAGE_CASES))
def test_broken_images_give_an_image_finding(chaos: Chaos, host: str) -> None:
    rows = _rows(chaos.db, "select code from findings where origin = ?", (_origin(host),))
    assert IMAGE_CASES[host] & {row["code"] for row in rows}
