"""The sample web: a real server on 127.0.0.1, reached as an HTTP proxy with urllib."""

from __future__ import annotations

import csv
import http.client
import io
import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.message import Message
from pathlib import Path

import pytest

from audits.site.catalogue import all_codes
from sampleweb import SampleWeb, SiteError, load_sites, start_server
from sampleweb.make_images import DATA_MINING, referenced_images
from sampleweb.seeds import write_seeds
from sampleweb.sites import KINDS as SITE_KINDS
from sampleweb.sites import SIGNAL_NAMES, SITES_DIR
from tests.conftest import ROOT

SAMPLEWEB = ROOT / "sampleweb"
TIMEOUT = 5.0

NOT_COVERED: dict[str, str] = {}
"""Finding codes no bundled site demonstrates, each with the reason. Empty: all are covered."""


# --- a small site folder written for these tests ---------------------------------------------

TEST_SITE = {
    "name": "Test Studio",
    "kind": "creator-site",
    "platform": None,
    "country": "DE",
    "tags": ["illustration", "test"],
    "render": False,
    "covers": [],
    "headers": {"X-Site": "test"},
    "routes": {
        "/robots.txt": {"status": 503},
        "/ai.txt": {
            "status": 200,
            "headers": {"Content-Type": "text/html"},
            "file": "files/nf.html",
        },
        "/old": {"status": 301, "headers": {"Location": "http://other.example/robots.txt"}},
        "/moved/*": {"status": 308, "headers": {"Location": "http://test-studio.example{path}"}},
        "/art/2.html": {"headers": [["X-Robots-Tag", "noai"], ["X-Robots-Tag", "noimageai"]]},
        "/slow.txt": {"file": "files/data.txt", "delay": 1},
        "/drip.txt": {"file": "files/data.txt", "drip_bytes_per_second": 100},
        "/reset": {"behaviour": "reset"},
        "/hang": {"behaviour": "hang", "hang_seconds": 30},
        "/big.html": {
            "repeat_file": "parts/chunk.html",
            "times": 1000,
            "head_file": "parts/h.html",
        },
    },
}
DATA = bytes(range(256)) * 4 + b"end"


def write_site(root: Path, host: str = "test-studio.example", spec: object = None) -> Path:
    """A site folder under ``root`` with a home page, a page, a text file and route parts."""
    folder = root / host
    files = folder / "files"
    (files / "art").mkdir(parents=True)
    (folder / "parts").mkdir()
    (files / "index.html").write_text(
        "<!DOCTYPE html><html><head><title>Test Studio</title></head>"
        '<body><a href="/art/1.html">One</a></body></html>\n',
        encoding="utf-8",
    )
    (files / "art" / "1.html").write_text("<html><body>one</body></html>\n", encoding="utf-8")
    (files / "art" / "2.html").write_text("<html><body>two</body></html>\n", encoding="utf-8")
    (files / "nf.html").write_text("<html><body>not here</body></html>\n", encoding="utf-8")
    (files / "notes.txt").write_text("plain notes\n", encoding="utf-8")
    (files / "data.txt").write_bytes(DATA[:200])
    (files / "blob.bin").write_bytes(DATA)
    (folder / "parts" / "chunk.html").write_text("<p>chunk</p>\n", encoding="utf-8")
    (folder / "parts" / "h.html").write_text("<html><body>\n", encoding="utf-8")
    (folder / "site.json").write_text(json.dumps(spec or TEST_SITE), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SampleWeb]:
    root = tmp_path_factory.mktemp("sites")
    write_site(root)
    with start_server(root) as running:
        yield running


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def get(
    web: SampleWeb, url: str, headers: dict[str, str] | None = None, timeout: float = TIMEOUT
) -> tuple[int, Message, bytes]:
    """Status, headers and body of ``url`` fetched through the sample web as a proxy."""
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({"http": web.proxy_url}), _NoRedirect()
    )
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


# --- serving -----------------------------------------------------------------------------------


def test_static_file_is_served_with_its_content_type(web: SampleWeb) -> None:
    status, headers, body = get(web, "http://test-studio.example/notes.txt")
    assert (status, body) == (200, b"plain notes\n")
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    assert headers["Content-Length"] == str(len(body))


def test_home_page_is_served_at_root_and_index(web: SampleWeb) -> None:
    root = get(web, "http://test-studio.example/")
    index = get(web, "http://test-studio.example/index.html")
    assert root[0] == index[0] == 200
    assert root[2] == index[2]
    assert root[1]["Content-Type"] == "text/html; charset=utf-8"


def test_page_is_found_without_its_extension(web: SampleWeb) -> None:
    assert get(web, "http://test-studio.example/art/1")[2] == b"<html><body>one</body></html>\n"


def test_missing_path_gets_the_sites_not_found_page(web: SampleWeb) -> None:
    status, headers, body = get(web, "http://test-studio.example/nothing/here.html")
    assert status == 404
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert b"Test Studio" in body and b"/nothing/here.html" in body


def test_site_headers_are_on_every_response(web: SampleWeb) -> None:
    assert get(web, "http://test-studio.example/notes.txt")[1]["X-Site"] == "test"


def test_route_overrides_the_status(web: SampleWeb) -> None:
    status, _, body = get(web, "http://test-studio.example/robots.txt")
    assert status == 503
    assert b"503 Service Unavailable" in body


def test_route_serves_another_file_with_its_headers(web: SampleWeb) -> None:
    status, headers, body = get(web, "http://test-studio.example/ai.txt")
    assert (status, body) == (200, b"<html><body>not here</body></html>\n")
    assert headers.get_all("Content-Type") == ["text/html"]


def test_route_sends_repeated_headers(web: SampleWeb) -> None:
    status, headers, _ = get(web, "http://test-studio.example/art/2.html")
    assert status == 200
    assert headers.get_all("X-Robots-Tag") == ["noai", "noimageai"]


def test_redirect_route_sends_its_location(web: SampleWeb) -> None:
    status, headers, _ = get(web, "http://test-studio.example/old")
    assert status == 301
    assert headers["Location"] == "http://other.example/robots.txt"


def test_location_placeholder_is_the_requested_path(web: SampleWeb) -> None:
    status, headers, _ = get(web, "http://test-studio.example/moved/a/b.html")
    assert status == 308
    assert headers["Location"] == "http://test-studio.example/moved/a/b.html"


def test_range_request_gets_206_with_the_requested_bytes(web: SampleWeb) -> None:
    status, headers, body = get(
        web, "http://test-studio.example/blob.bin", {"Range": "bytes=10-19"}
    )
    assert status == 206
    assert body == DATA[10:20]
    assert headers["Content-Range"] == f"bytes 10-19/{len(DATA)}"


def test_range_beyond_the_file_is_cut_to_its_end(web: SampleWeb) -> None:
    status, _, body = get(web, "http://test-studio.example/blob.bin", {"Range": "bytes=0-262143"})
    assert (status, body) == (206, DATA)


def test_range_starting_past_the_end_gets_416(web: SampleWeb) -> None:
    status, headers, _ = get(web, "http://test-studio.example/blob.bin", {"Range": "bytes=9999-"})
    assert status == 416
    assert headers["Content-Range"] == f"bytes */{len(DATA)}"


def test_head_request_gets_headers_without_body(web: SampleWeb) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", web.port, timeout=TIMEOUT)
    try:
        connection.request("HEAD", "http://test-studio.example/notes.txt")
        response = connection.getresponse()
        assert response.status == 200
        assert response.getheader("Content-Length") == "12"
        assert response.read() == b""
    finally:
        connection.close()


def test_repeat_file_route_builds_a_big_body(web: SampleWeb) -> None:
    status, _, body = get(web, "http://test-studio.example/big.html")
    assert status == 200
    assert body == b"<html><body>\n" + b"<p>chunk</p>\n" * 1000


def test_delay_route_answers_after_the_delay(web: SampleWeb) -> None:
    started = time.monotonic()
    status, _, body = get(web, "http://test-studio.example/slow.txt")
    assert (status, body) == (200, DATA[:200])
    assert time.monotonic() - started >= 1.0


def test_drip_route_sends_the_body_slowly(web: SampleWeb) -> None:
    started = time.monotonic()
    status, _, body = get(web, "http://test-studio.example/drip.txt")
    assert (status, body) == (200, DATA[:200])
    assert time.monotonic() - started >= 1.5


def test_reset_route_breaks_the_connection(web: SampleWeb) -> None:
    with pytest.raises((urllib.error.URLError, ConnectionError, http.client.HTTPException)):
        get(web, "http://test-studio.example/reset")


def test_hang_route_lets_the_client_time_out(web: SampleWeb) -> None:
    started = time.monotonic()
    with pytest.raises((TimeoutError, urllib.error.URLError)):
        get(web, "http://test-studio.example/hang", timeout=1.0)
    assert 0.9 <= time.monotonic() - started < 10


def test_unknown_host_gets_502(web: SampleWeb) -> None:
    status, headers, body = get(web, "http://nowhere.example/robots.txt")
    assert status == 502
    assert headers["X-Sampleweb"] == "unknown-host"
    assert b"nowhere.example" in body


def test_origin_form_request_is_routed_by_host_header(web: SampleWeb) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", web.port, timeout=TIMEOUT)
    try:
        connection.request("GET", "/notes.txt", headers={"Host": "test-studio.example:80"})
        response = connection.getresponse()
        assert (response.status, response.read()) == (200, b"plain notes\n")
    finally:
        connection.close()


@pytest.mark.parametrize(
    "garbage",
    [b"\x00\xff\x16\x03\x01 nonsense\r\n\r\n", b"GET\r\n\r\n", b"GET " + b"a" * 70000 + b"\r\n"],
    ids=["binary", "no-target", "overlong"],
)
def test_malformed_request_does_not_stop_the_server(web: SampleWeb, garbage: bytes) -> None:
    with socket.create_connection(("127.0.0.1", web.port), timeout=TIMEOUT) as raw:
        raw.sendall(garbage)
        raw.shutdown(socket.SHUT_WR)
        raw.recv(4096)
    assert get(web, "http://test-studio.example/notes.txt")[0] == 200


def test_connect_is_refused(web: SampleWeb) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", web.port, timeout=TIMEOUT)
    try:
        connection.request("CONNECT", "test-studio.example:443")
        assert connection.getresponse().status == 501
    finally:
        connection.close()


def test_server_listens_on_loopback_only(web: SampleWeb) -> None:
    assert web.proxy_url == f"http://127.0.0.1:{web.port}"


def test_stop_ends_a_hang_in_progress(tmp_path: Path) -> None:
    write_site(tmp_path)
    running = start_server(tmp_path)
    errors: list[BaseException] = []

    def client() -> None:
        try:
            get(running, "http://test-studio.example/hang", timeout=20)
        except Exception as error:  # the closed connection is what we wait for
            errors.append(error)

    thread = threading.Thread(target=client)
    thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    running.stop()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert time.monotonic() - started < 8
    assert errors


def test_fallback_file_answers_every_unknown_path(tmp_path: Path) -> None:
    spec = {"name": "Shell", "kind": "creator-site", "fallback": "files/index.html"}
    write_site(tmp_path, spec=spec)
    with start_server(tmp_path) as running:
        status, headers, body = get(running, "http://test-studio.example/robots.txt")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert b"<title>Test Studio</title>" in body


def test_serve_command_prints_where_it_listens(tmp_path: Path) -> None:
    write_site(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "sampleweb", "serve", "--port", "0", "--sites", str(tmp_path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert re.fullmatch(r"sampleweb listening on http://127\.0\.0\.1:\d+ \(1 sites\)\n", line)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
    assert process.returncode == 0


# --- site descriptions -------------------------------------------------------------------------


def test_broken_site_json_names_the_file_and_line(tmp_path: Path) -> None:
    folder = write_site(tmp_path)
    (folder / "site.json").write_text('{"name": "x",\n "kind": }\n', encoding="utf-8")
    with pytest.raises(SiteError, match=r"test-studio\.example/site\.json:2:\d+: invalid JSON"):
        load_sites(tmp_path)


def test_unknown_route_key_is_named(tmp_path: Path) -> None:
    spec = {"name": "x", "kind": "creator-site", "routes": {"/a": {"stauts": 404}}}
    write_site(tmp_path, spec=spec)
    with pytest.raises(SiteError, match=r"site\.json: routes\['/a'\]: unknown key\(s\) 'stauts'"):
        load_sites(tmp_path)


def test_route_file_outside_the_site_folder_is_refused(tmp_path: Path) -> None:
    spec = {"name": "x", "kind": "creator-site", "routes": {"/a": {"file": "../../etc/passwd"}}}
    write_site(tmp_path, spec=spec)
    with pytest.raises(SiteError, match="points outside the site folder"):
        load_sites(tmp_path)


def test_unbounded_delay_is_refused(tmp_path: Path) -> None:
    spec = {"name": "x", "kind": "creator-site", "routes": {"/a": {"delay": 3600}}}
    write_site(tmp_path, spec=spec)
    with pytest.raises(SiteError, match="'delay' must be a number of seconds from 0 to 30"):
        load_sites(tmp_path)


def test_folder_outside_example_is_refused(tmp_path: Path) -> None:
    write_site(tmp_path, host="real-site.com")
    with pytest.raises(SiteError, match="not a lower-case host under .example"):
        load_sites(tmp_path)


def test_serve_command_reports_a_broken_site_in_one_line(tmp_path: Path) -> None:
    folder = write_site(tmp_path)
    (folder / "site.json").write_text("[]", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "sampleweb", "seeds", "--sites", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "site.json: must hold a JSON object" in result.stderr


# --- the bundled sites -------------------------------------------------------------------------

BUNDLED = load_sites()


def test_bundled_sites_are_many_and_all_load() -> None:
    assert len(BUNDLED) >= 45
    assert set(BUNDLED) == {p.parent.name for p in SITES_DIR.glob("*/site.json")}


def test_seeds_csv_matches_the_site_folders() -> None:
    regenerated = io.StringIO()
    write_seeds(BUNDLED.values(), regenerated)
    committed = (SAMPLEWEB / "seeds.csv").read_text(encoding="utf-8")
    assert committed == regenerated.getvalue(), (
        "run: python -m sampleweb seeds > sampleweb/seeds.csv"
    )
    origins = [row["origin"] for row in csv.DictReader(io.StringIO(committed))]
    assert origins == sorted(f"http://{host}" for host in BUNDLED)


def test_seeds_csv_reads_with_the_crawlers_seed_reader() -> None:
    from crawler.seeds import KINDS, read_seeds

    seeds = list(read_seeds(SAMPLEWEB / "seeds.csv"))
    assert [s.origin for s in seeds] == sorted(f"http://{host}" for host in BUNDLED)
    assert set(SITE_KINDS) == set(KINDS)


@pytest.mark.parametrize("host", sorted(BUNDLED))
def test_covers_names_a_finding_code_or_a_signal(host: str) -> None:
    unknown = set(BUNDLED[host].covers) - set(all_codes()) - set(SIGNAL_NAMES)
    assert not unknown, f"{host}/site.json covers unknown names: {sorted(unknown)}"


def test_sites_together_cover_every_finding_code() -> None:
    covered = {name for site in BUNDLED.values() for name in site.covers}
    missing = set(all_codes()) - covered - set(NOT_COVERED)
    assert not missing, f"no sample site covers: {sorted(missing)}"


def test_not_covered_lists_only_codes_that_exist_and_are_not_covered() -> None:
    covered = {name for site in BUNDLED.values() for name in site.covers}
    assert set(NOT_COVERED) <= set(all_codes()) - covered


def test_every_signal_name_is_demonstrated_by_some_site() -> None:
    covered = {name for site in BUNDLED.values() for name in site.covers}
    assert set(SIGNAL_NAMES) <= covered


@pytest.mark.parametrize("host", sorted(BUNDLED))
def test_every_site_has_a_home_page_with_a_title_and_links(host: str) -> None:
    home = (SITES_DIR / host / "files" / "index.html").read_text(encoding="utf-8")
    assert re.search(r"<title>[^<]+</title>", home)
    assert len(re.findall(r"<a\s[^>]*href=", home)) >= 3


def test_every_image_a_page_shows_exists() -> None:
    missing = [
        f"{host}{path}"
        for host in BUNDLED
        for path in referenced_images(SITES_DIR / host)
        if not (SITES_DIR / host / "files" / path.lstrip("/")).is_file()
    ]
    assert not missing, "run: python -m sampleweb.make_images"


@pytest.mark.parametrize("key", sorted(DATA_MINING))
def test_listed_images_carry_their_data_mining_value(key: str) -> None:
    host, path = key.split("/", 1)
    data = (SITES_DIR / host / "files" / path).read_bytes()
    assert b"x:xmpmeta" in data
    code = DATA_MINING[key]
    if code:
        assert f'plus:DataMining="http://ns.useplus.org/ldf/vocab/{code}"'.encode() in data
    else:
        assert b"plus:DataMining" not in data


def test_some_images_carry_no_xmp() -> None:
    unlisted = [
        SITES_DIR / host / "files" / path.lstrip("/")
        for host in ("photo-marta.example", "photo-sol.example")
        for path in referenced_images(SITES_DIR / host)
        if f"{host}{path}" not in DATA_MINING
    ]
    assert unlisted
    assert all(b"xmpmeta" not in p.read_bytes() for p in unlisted)


def test_sample_web_stays_small() -> None:
    size = sum(p.stat().st_size for p in SAMPLEWEB.rglob("*") if p.is_file())
    assert size < 6 * 1024 * 1024


def test_bundled_site_answers_through_the_proxy() -> None:
    with start_server() as running:
        status, headers, body = get(running, "http://artist-anna.example/robots.txt")
        ai_status, ai_headers, _ = get(running, "http://artist-anna.example/ai.txt")
    assert status == 200
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    assert b"User-agent: GPT-Bot" in body
    assert (ai_status, ai_headers["Content-Type"]) == (200, "text/html; charset=UTF-8")


def test_every_variant_replaces_existing_sites_only() -> None:
    from sampleweb.sites import load_variant, variant_names

    base = load_sites()
    assert variant_names()
    for name in variant_names():
        variant = load_variant(name)
        assert variant and set(variant) <= set(base)


def test_switching_to_a_variant_changes_what_a_site_serves() -> None:
    with start_server() as web:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": web.proxy_url}))
        url = "http://artist-anna.example/robots.txt"
        before = opener.open(url, timeout=5).read()
        web.use_variant("next-week")
        after = opener.open(url, timeout=5).read()
        web.use_variant(None)
        again = opener.open(url, timeout=5).read()
    assert b"GPT-Bot" in before and b"GPT-Bot" not in after and again == before


def test_unknown_variant_is_a_clear_error() -> None:
    from sampleweb.sites import load_variant

    with pytest.raises(SiteError, match="no sample-web variant 'nope'"):
        load_variant("nope")
