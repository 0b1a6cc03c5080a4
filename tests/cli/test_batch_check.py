"""``optout check URL… --file FILE``: several sites crawled together in one crawl of the sample
web, a summary first, then each site's report; ``--json`` gives the export's site objects.

Each check runs as a subprocess: Scrapy's reactor starts only once per process.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import socket
import sqlite3
import struct
import subprocess
import termios
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.storage import open_db
from optout_cli.check_run import SOME_UNREACHABLE_EXIT
from optout_cli.main import cli
from results.batch_check import MAX_SITES
from results.export import iter_site_objects
from sampleweb.server import SampleWeb
from tests.conftest import ROOT
from tests.crawler.conftest import FAST, OPTOUT, sample_web  # noqa: F401

BEN = "http://inkwell-ben.example"  # opted out by robots.txt
ANNA = "http://artist-anna.example"  # partly opted out, with a broken robots.txt line
NOWHERE = "http://no-such-site.example"  # the sample web's proxy answers 502, as proxies do


def _optout(
    *args: str, stdin: str | None = None, columns: str = "200"
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(OPTOUT), "check", *args, *FAST],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        env={**os.environ, "COLUMNS": columns},
    )


def run_batch(
    web: SampleWeb, *args: str, stdin: str | None = None, exit_code: int = 0
) -> subprocess.CompletedProcess[str]:
    """``optout check`` through the sample web; fails the test on another exit code."""
    result = _optout("--proxy", web.proxy_url, "--allow-private", *args, stdin=stdin)
    assert result.returncode == exit_code, result.stderr[-3000:]
    return result


def flat(text: str) -> str:
    return " ".join(text.split())


def _row(stdout: str, origin: str) -> str:
    """The origin's line in the summary (it comes before every report), spaces folded."""
    return next(flat(line) for line in stdout.splitlines() if line.strip().startswith(origin + " "))


def _summary(stdout: str) -> str:
    """The summary table: the lines before the first site's report (its title, the origin,
    starts a line; the table's rows are indented)."""
    lines = stdout.splitlines()
    end = next(i for i, line in enumerate(lines) if line.startswith("http"))
    return "\n".join(lines[:end])


def _origins(stdout: str) -> list[str]:
    return [line.split()[0] for line in _summary(stdout).splitlines() if "://" in line]


def _crawled(db: Path) -> tuple[int, list[str]]:
    with sqlite3.connect(db) as conn:
        crawls = conn.execute("SELECT count(*) FROM crawls").fetchone()[0]
        origins = [row[0] for row in conn.execute("SELECT origin FROM sites ORDER BY origin")]
    return crawls, origins


def test_several_urls_are_one_crawl_with_a_summary_then_each_report(
    sample_web: SampleWeb,  # noqa: F811
    tmp_path: Path,
) -> None:
    db = tmp_path / "check.db"
    result = run_batch(
        sample_web, BEN, f"{ANNA}/gallery/1", "HTTP://Inkwell-Ben.Example/x", "--db", str(db)
    )
    assert (
        f"'HTTP://Inkwell-Ben.Example/x' is on the same site as '{BEN}': checked once"
        in result.stderr
    )
    assert "Checking 2 sites in one crawl" in result.stderr
    summary = _summary(result.stdout)
    assert summary.startswith("Summary of 2 sites")
    assert _origins(result.stdout) == [BEN, ANNA]  # the order given, each site once
    assert _row(summary, BEN).startswith(f"{BEN} opted out robots.txt")
    assert _row(summary, ANNA).startswith(f"{ANNA} partly opted out robots.txt")
    assert "✗ error:" in _row(summary, ANNA)
    out = flat(result.stdout)
    assert out.count("Opted out of AI training.") == 1
    assert out.count("Partly opted out of AI training.") == 1
    assert "'GPT-Bot' is not the token of any known crawler" in out
    assert _crawled(db) == (1, [ANNA, BEN])


def test_file_skips_comments_blank_lines_and_a_bad_line(
    sample_web: SampleWeb,  # noqa: F811
    tmp_path: Path,
) -> None:
    urls = tmp_path / "urls.txt"
    urls.write_text(f"# my sites\n{BEN}   # Ben\n\nftp://bad.example\n{ANNA}/about\n")
    db = tmp_path / "check.db"
    result = run_batch(sample_web, "--file", str(urls), "--db", str(db))
    assert f"{urls} line 4: 'ftp://bad.example' scheme 'ftp' is not http or https (skipped)" in (
        result.stderr
    )
    assert _summary(result.stdout).startswith("Summary of 2 sites")
    assert _crawled(db) == (1, [ANNA, BEN])


def test_file_from_standard_input_with_an_argument(sample_web: SampleWeb) -> None:  # noqa: F811
    result = run_batch(sample_web, ANNA, "--file", "-", stdin=f"{BEN}\n")
    assert _origins(result.stdout) == [ANNA, BEN]


def test_json_is_an_array_of_the_exports_site_objects(
    sample_web: SampleWeb,  # noqa: F811
    tmp_path: Path,
) -> None:
    db = tmp_path / "check.db"
    result = run_batch(sample_web, ANNA, BEN, "--json", "--db", str(db))
    sites = json.loads(result.stdout)
    assert isinstance(sites, list)
    assert [site["origin"] for site in sites] == [ANNA, BEN]
    database = open_db(db)
    try:
        (crawl_id,) = database.execute("SELECT id FROM crawls").fetchone()
        # exactly what `optout export --fixes` gives each site (compact, with its fixes)
        exported = {
            site["origin"]: json.loads(json.dumps(site))
            for site in iter_site_objects(database, crawl_id, fixes=True)
        }
        trains = dict(database.execute("SELECT origin, train FROM site_summary").fetchall())
    finally:
        database.close()
    assert sites == [exported[ANNA], exported[BEN]]
    assert result.stdout == json.dumps(sites, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert {s["origin"]: s["verdicts"]["train"]["state"] for s in sites} == trains
    assert trains == {ANNA: "partial", BEN: "reserved"}


def test_a_site_that_answers_only_server_errors_is_unknown_never_not_opted_out(
    sample_web: SampleWeb,  # noqa: F811
) -> None:
    result = run_batch(sample_web, BEN, NOWHERE, exit_code=SOME_UNREACHABLE_EXIT)
    row = _row(result.stdout, NOWHERE)
    assert row.startswith(f"{NOWHERE} unknown: not reachable, server errors (status 502)")
    assert "no opt-out found" not in row
    assert f"1 of 2 sites could not be reached (shown as unknown): {NOWHERE}" in result.stderr
    assert "Could not tell whether this site opts out of AI training." in flat(result.stdout)


@pytest.fixture
def loopback_site(tmp_path: Path) -> Iterator[str]:
    """A real site on a loopback port: a robots.txt that blocks GPTBot, and a home page."""
    root = tmp_path / "site"
    root.mkdir()
    (root / "robots.txt").write_text("User-agent: GPTBot\nDisallow: /\n")
    (root / "index.html").write_text("<html><head><title>Home</title></head><body>Hi</body></html>")
    handler = partial(SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *_: None  # type: ignore[attr-defined]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def refused() -> Iterator[str]:
    """A loopback port that refuses connections (bound, not listening)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_a_site_that_refuses_connections_is_unknown_with_the_reason(
    loopback_site: str, refused: str
) -> None:
    result = _optout(loopback_site, refused, "--allow-private")
    assert result.returncode == SOME_UNREACHABLE_EXIT, result.stderr[-3000:]
    assert _row(result.stdout, refused).startswith(
        f"{refused} unknown: not reachable, no answer (connect"
    )
    assert _row(result.stdout, loopback_site).startswith(f"{loopback_site} partly opted out")


def _read_terminal(fd: int, process: subprocess.Popen[bytes]) -> bytes:
    """Everything written to a pseudo-terminal until the process ends."""
    out = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the other side is closed
                break
            if not chunk:
                break
            out += chunk
        elif process.poll() is not None:
            break
    return out


def test_a_narrow_terminal_gets_a_readable_summary(sample_web: SampleWeb) -> None:  # noqa: F811
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 40, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in {"NO_COLOR", "FORCE_COLOR"}}
    args = [str(OPTOUT), "check", BEN, ANNA, "--proxy", sample_web.proxy_url, "--allow-private"]
    process = subprocess.Popen(
        [*args, *FAST],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env={**env, "COLUMNS": "40", "TERM": "xterm"},
    )
    os.close(slave)
    try:
        raw = _read_terminal(master, process)
        assert process.wait(timeout=180) == 0, (
            process.stderr.read().decode()[-3000:] if process.stderr else ""
        )
    finally:
        os.close(master)
        if process.stderr:
            process.stderr.close()
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07", "", raw.decode()).replace("\r", "")
    lines = text.splitlines()
    assert lines[0] == "Summary of 2 sites"
    assert BEN in lines and ANNA in lines  # each origin whole on its own line
    summary_lines = lines[: lines.index(ANNA) + 4]
    assert all(len(line) <= 40 for line in summary_lines)
    summary = flat("\n".join(summary_lines))
    assert "AI training: opted out" in summary
    assert "AI training: partly opted out" in summary
    assert "Traceback" not in text


def test_more_sites_than_the_bound_is_refused_before_crawling(tmp_path: Path) -> None:
    urls = tmp_path / "urls.txt"
    urls.write_text("".join(f"http://s{i}.example\n" for i in range(MAX_SITES + 1)))
    db = tmp_path / "check.db"
    result = CliRunner().invoke(cli, ["check", "--file", str(urls), "--db", str(db)])
    assert result.exit_code == 2
    assert f"more than {MAX_SITES:,} sites" in result.output
    assert "optout crawl" in result.output
    assert not db.exists()


def test_a_list_without_a_url_is_refused(tmp_path: Path) -> None:
    urls = tmp_path / "urls.txt"
    urls.write_text("# nothing yet\n\n")
    result = CliRunner().invoke(cli, ["check", "--file", str(urls)])
    assert result.exit_code == 2
    assert f"no site to check: {urls} lists no URL" in result.output


def test_a_bad_url_argument_among_several_is_refused() -> None:
    result = CliRunner().invoke(cli, ["check", "http://a.example", "ftp://b.example"])
    assert result.exit_code == 2
    assert "'ftp://b.example' scheme 'ftp' is not http or https" in result.output
    assert "Traceback" not in result.output


def test_no_url_at_all_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["check"])
    assert result.exit_code == 2
    assert "missing URL (or --file PATH" in result.output


def test_help_shows_batch_check_and_its_exit_codes() -> None:
    result = CliRunner().invoke(cli, ["check", "--help"], terminal_width=100)
    text = flat(result.output)
    assert "--file PATH" in text
    assert f"At most {MAX_SITES:,} sites" in text
    assert "optout check --file urls.txt --json" in text
    assert (
        f"{SOME_UNREACHABLE_EXIT} several sites (URLs or --file) and some could not be reached"
        in text
    )
