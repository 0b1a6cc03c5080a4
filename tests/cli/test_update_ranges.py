"""``optout agents update-ranges`` against a real HTTP server on 127.0.0.1: a list updated,
one unchanged, one unreachable, a malformed answer kept out, and the manifest rewritten."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from audits.logs.ranges import MANIFEST_NAME, load_ranges, read_manifest, sha256_hex
from crawler.ranges_update import (
    BASE_URL_ENV,
    FetchError,
    UpdateError,
    fetch_url,
    source_url,
    update_snapshot,
)
from optout_cli.main import cli

OLD_TIME = "2026-01-01T00:00:00Z"


def _list(created: str | None, *prefixes: str) -> bytes:
    items = [{"ipv6Prefix" if ":" in p else "ipv4Prefix": p} for p in prefixes]
    data: dict[str, object] = {"prefixes": items}
    if created is not None:
        data = {"creationTime": created, **data}
    return (json.dumps(data, indent=2) + "\n").encode()


OLD = {
    "fresh": _list(OLD_TIME, "20.171.206.0/24", "74.7.228.0/25"),
    "same": _list(OLD_TIME, "66.249.64.0/27", "2001:4860:4801:10::/64"),
    "gone": _list(OLD_TIME, "17.241.208.160/27"),
    "broken": _list(OLD_TIME, "216.73.216.0/22"),
}
NEW_FRESH = _list("2026-11-30T09:00:00Z", "20.171.206.0/24", "20.171.207.0/24", "2600:1f28::/48")
AGENTS = {"fresh": "GPTBot", "same": "GoogleOther", "gone": "Applebot", "broken": "ClaudeBot"}


def _snapshot(folder: Path) -> Path:
    lists = []
    for name, body in OLD.items():
        (folder / f"{name}.json").write_bytes(body)
        lists.append(
            {
                "name": name,
                "operator": "Example",
                "url": f"https://ops.example/lists/{name}.json",
                "agents": [AGENTS[name]],
                "also_covers": [],
                "file": f"{name}.json",
                "format": "json-prefixes",
                "created": OLD_TIME,
                "taken": "2026-06-01",
                "checked": None,
                "sha256": sha256_hex(body),
                "copied_from": "a public mirror",
            }
        )
    manifest = {"schema": 1, "about": "test", "lists": lists, "missing": []}
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n")
    return folder


class _Site(BaseHTTPRequestHandler):
    """Answers by path: the mirror layout BASE/HOST/PATH."""

    answers: dict[str, tuple[int, bytes, dict[str, str]]] = {}
    slow: set[str] = set()

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        if self.path in self.slow:
            time.sleep(1.5)
        status, body, headers = self.answers.get(self.path, (404, b"not here", {}))
        self.send_response(status)
        for name, value in {"Content-Length": str(len(body)), **headers}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    _Site.answers = {
        "/ops.example/lists/fresh.json": (200, NEW_FRESH, {}),
        "/ops.example/lists/same.json": (200, OLD["same"], {}),
        # "gone" is not served: 404
        "/ops.example/lists/broken.json": (200, b"<html><h1>Maintenance</h1></html>", {}),
    }
    _Site.slow = set()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _run(folder: Path, *extra: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    args = ["agents", "update-ranges", "--source-dir", str(folder), "--timeout", "5", *extra]
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def test_updated_unchanged_unreachable_and_malformed(tmp_path: Path, server: str) -> None:
    folder = _snapshot(tmp_path)
    code, output = _run(folder, "--base-url", server)
    assert code == 0, output
    lines = output.splitlines()
    assert lines[0].startswith("fresh: updated (+2 -1 prefixes, 3 in all; creationTime ")
    assert "2026-01-01T00:00:00Z -> 2026-11-30T09:00:00Z" in lines[0]
    assert "the mirror's copy replaced by the operator's file" in lines[0]
    assert lines[1] == "same: unchanged (same as the copy of 2026-06-01)"
    assert lines[2] == "gone: unreachable (HTTP 404; kept the copy of 2026-06-01)"
    assert lines[3].startswith("broken: rejected (not JSON; kept the copy of 2026-06-01)")
    assert lines[4] == "4 lists: 1 updated, 1 unchanged, 1 unreachable, 1 rejected"

    # the new list is in place, the others untouched, nothing half-written left behind
    assert (folder / "fresh.json").read_bytes() == NEW_FRESH
    for name in ("same", "gone", "broken"):
        assert (folder / f"{name}.json").read_bytes() == OLD[name]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [MANIFEST_NAME, *(f"{n}.json" for n in OLD)]
    )

    entries = {e.name: e for e in read_manifest(folder)}
    fresh = entries["fresh"]
    assert fresh.sha256 == sha256_hex(NEW_FRESH)
    assert fresh.created == "2026-11-30T09:00:00Z"
    assert fresh.copied_from is None
    assert fresh.taken == fresh.checked != "2026-06-01"
    same = entries["same"]
    assert (same.taken, same.copied_from) == ("2026-06-01", "a public mirror")
    assert same.checked == fresh.checked
    for name in ("gone", "broken"):
        assert (entries[name].taken, entries[name].checked) == ("2026-06-01", None)
        assert entries[name].sha256 == sha256_hex(OLD[name])

    # the refreshed snapshot loads and answers from the new list
    ranges = load_ranges(folder)
    assert ranges.verify("GPTBot", "2600:1f28::1") == ("verified", "fresh (2026-11-30)")
    assert ranges.verify("GPTBot", "74.7.228.1") == ("impersonator", None)
    assert ranges.verify("ClaudeBot", "216.73.216.1")[0] == "verified"


def test_nothing_reachable_fails_and_changes_nothing(tmp_path: Path, server: str) -> None:
    folder = _snapshot(tmp_path)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    _Site.answers = {"/ops.example/lists/broken.json": (200, b'{"prefixes": []}', {})}
    code, output = _run(folder, "--base-url", server)
    assert code == 1
    assert "broken: rejected (no prefixes" in output
    assert "0 updated, 0 unchanged, 3 unreachable, 1 rejected" in output
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_the_base_url_can_come_from_the_environment(tmp_path: Path, server: str) -> None:
    folder = _snapshot(tmp_path)
    code, output = _run(folder, env={BASE_URL_ENV: server + "/"})
    assert code == 0, output
    assert "fresh: updated" in output


def test_a_slow_list_times_out_and_the_others_go_on(tmp_path: Path, server: str) -> None:
    folder = _snapshot(tmp_path)
    _Site.slow = {"/ops.example/lists/fresh.json"}
    report = update_snapshot(folder, timeout=0.5, base_url=server)
    outcomes = {o.name: o for o in report.outcomes}
    assert outcomes["fresh"].status == "unreachable"
    assert "timed out" in outcomes["fresh"].detail
    assert outcomes["same"].status == "unchanged"
    assert (folder / "fresh.json").read_bytes() == OLD["fresh"]


@pytest.mark.parametrize(
    "base",
    ["http://example.com", "ftp://127.0.0.1/", "http://10.0.0.1:8080", "https://m.example/?q=1"],
)
def test_only_https_or_loopback_http_mirrors(tmp_path: Path, base: str) -> None:
    folder = _snapshot(tmp_path)
    code, output = _run(folder, "--base-url", base)
    assert code == 1
    assert "base URL" in output
    with pytest.raises(UpdateError):
        update_snapshot(folder, base_url=base)


def test_mirror_layout() -> None:
    assert (
        source_url("https://openai.com/gptbot.json", "https://mirror.example/ranges/")
        == "https://mirror.example/ranges/openai.com/gptbot.json"
    )
    assert (
        source_url("https://ops.example/a.json?v=2", "http://[::1]:8000")
        == "http://[::1]:8000/ops.example/a.json?v=2"
    )
    assert source_url("https://openai.com/gptbot.json", None) == "https://openai.com/gptbot.json"


def test_fetch_bounds(server: str) -> None:
    _Site.answers = {
        "/big": (200, b"x" * 5000, {}),
        "/zipped": (200, b"\x1f\x8b....", {"Content-Encoding": "gzip"}),
        "/away": (302, b"", {"Location": "http://example.com/list.json"}),
        "/loop": (302, b"", {"Location": "/ok"}),
        "/ok": (200, b"fine", {}),
    }
    with pytest.raises(FetchError, match="larger than 1000 bytes"):
        fetch_url(f"{server}/big", 5, limit=1000)
    with pytest.raises(FetchError, match="Content-Encoding"):
        fetch_url(f"{server}/zipped", 5)
    with pytest.raises(FetchError, match="not https"):
        fetch_url(f"{server}/away", 5)
    assert fetch_url(f"{server}/loop", 5) == b"fine"
    with pytest.raises(FetchError, match="not https"):
        fetch_url("http://example.com/list.json", 5)
    with pytest.raises(FetchError, match="cannot connect"):
        fetch_url("http://127.0.0.1:9/", 2)  # the discard port: nothing listens there


def test_a_missing_manifest_is_one_clear_error(tmp_path: Path) -> None:
    code, output = _run(tmp_path)
    assert code == 1
    assert output == f"Error: {tmp_path / MANIFEST_NAME}: cannot read (No such file or directory)\n"
    (tmp_path / MANIFEST_NAME).write_text('{"schema": 1, "lists": [{"name": "x"}]}')
    code, output = _run(tmp_path)
    assert code == 1
    assert output == f"Error: {tmp_path}: list 'x': url is not a non-empty string\n"
