"""With the private-address guard on (the default), a seed list cannot point the crawler at
an internal network, also not through a redirect."""

from __future__ import annotations

import json
import socket
import sqlite3
from pathlib import Path

from sampleweb.server import SampleWeb, start_server
from tests.crawler.conftest import run_crawl


def test_guard_refuses_internal_addresses_and_redirects_into_them(
    tmp_path: Path, sample_web: SampleWeb
) -> None:
    seeds = tmp_path / "seeds.csv"
    seeds.write_text(
        "origin,kind\nhttp://inward-redirect.example,other\nhttp://169.254.169.254,other\n"
    )
    db = tmp_path / "guard.db"
    run_crawl(seeds, db, sample_web)  # no --allow-private: the guard is on
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "select origin, kind, requested_url, status, error_class, redirect_chain "
            "from fetches order by origin, kind"
        ).fetchall()
    by_key = {
        (origin, kind): (status, error, json.loads(chain))
        for origin, kind, _, status, error, chain in rows
    }
    status, error, chain = by_key[("http://inward-redirect.example", "aitxt")]
    assert (status, error) == (None, "private-address")
    assert chain == ["http://inward-redirect.example/ai.txt"]
    assert by_key[("http://inward-redirect.example", "home")][1] == "private-address"
    assert by_key[("http://inward-redirect.example", "robots")][:2] == (200, None)
    metadata = [row for row in rows if row[0] == "http://169.254.169.254"]
    assert metadata and all(row[4] == "private-address" for row in metadata if row[1] != "home")


def _inward_dns_site(root: Path, hostname: str) -> Path:
    """A site (written for this test, because this machine's host name goes in it) whose
    policy files and home page redirect to names and mapped addresses of this machine."""
    folder = root / "inward-dns.example"
    (folder / "files").mkdir(parents=True)
    (folder / "files" / "index.html").write_text("<!doctype html><title>x</title>\n")
    (folder / "files" / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    routes = {
        "/ai.txt": f"http://{hostname}/ai.txt",
        "/.well-known/tdmrep.json": "http://localhost:8080/tdmrep.json",
        "/llms.txt": "http://[::ffff:127.0.0.1]/llms.txt",
        "/": "http://[::ffff:169.254.169.254]/latest/meta-data/",
    }
    spec = {
        "description": "Redirects to names that resolve to this machine.",
        "name": "Inward DNS",
        "kind": "other",
        "routes": {
            path: {"status": 302, "headers": {"Location": to}} for path, to in routes.items()
        },
    }
    (folder / "site.json").write_text(json.dumps(spec))
    return root


def test_guard_refuses_names_that_resolve_inward_and_redirects_to_them(tmp_path: Path) -> None:
    """Seeds and redirects naming this machine (``localhost``, its own host name, mapped
    IPv6) are refused by the real ``optout crawl``, whose guard is on unless asked off."""
    hostname = socket.gethostname()
    seeds = tmp_path / "seeds.csv"
    seeds.write_text(
        "origin,kind\nhttp://inward-dns.example,other\n"
        f"http://localhost,other\nhttp://{hostname},other\nhttp://[::1],other\n"
    )
    db = tmp_path / "dns.db"
    with start_server(_inward_dns_site(tmp_path / "sites", hostname)) as web:
        run_crawl(seeds, db, web, "--no-audit")
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "select origin, kind, error_class, skipped from fetches where kind != 'robots'"
            " or origin != 'http://inward-dns.example'"
        ).fetchall()
    origins = {row[0] for row in rows}
    assert origins == {
        "http://inward-dns.example",
        "http://localhost",
        f"http://{hostname.lower()}",
        "http://[::1]",
    }
    # Every policy file and home page was refused (or, after a refused robots.txt, skipped).
    assert all(row[2] == "private-address" or row[3] is not None for row in rows), rows
    inward = {row[1]: row[2] for row in rows if row[0] == "http://inward-dns.example"}
    assert inward == dict.fromkeys(("aitxt", "tdmrep", "llms", "home"), "private-address")
