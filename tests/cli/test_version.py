"""One tool version, written in pyproject.toml and read from the installed package's metadata:
``optout --version``, the User-Agent the crawler sends and the export's ``generated_by``."""

from __future__ import annotations

import json
import subprocess
import threading
import tomllib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import version
from pathlib import Path

import pytest

from audits import INTERPRETER_VERSION
from audits.core.agents import registry_version
from crawler.settings import OPTOUT_CONTACT_URL
from tests.conftest import ROOT
from tests.crawler.conftest import FAST, OPTOUT
from tests.results.test_export import build_fixed_db

PACKAGE_VERSION = version("optout-audit")


def optout(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(OPTOUT), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
    )


class _Recorder(BaseHTTPRequestHandler):
    """Answers 404 to everything and keeps each request's User-Agent."""

    agents: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.agents.append(self.headers.get("User-Agent", ""))
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def recording_server() -> Iterator[tuple[str, list[str]]]:
    agents: list[str] = []
    handler = type("Recorder", (_Recorder,), {"agents": agents})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", agents
    finally:
        server.shutdown()
        server.server_close()


def test_the_installed_metadata_is_the_version_pyproject_declares() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert declared["project"]["version"] == PACKAGE_VERSION, "run make setup again"


def test_version_shows_the_tool_the_interpreter_and_the_registry() -> None:
    result = optout("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        f"optout {PACKAGE_VERSION} (interpreter {INTERPRETER_VERSION},"
        f" agent registry {registry_version()})\n"
    )


def test_the_crawler_sends_the_package_version(
    tmp_path: Path, recording_server: tuple[str, list[str]]
) -> None:
    url, agents = recording_server
    result = optout("check", url, "--allow-private", "--db", str(tmp_path / "c.db"), *FAST)
    assert "Traceback" not in result.stderr
    assert agents, result.stderr[-2000:]
    assert set(agents) == {f"optout-audit/{PACKAGE_VERSION} (+{OPTOUT_CONTACT_URL})"}


def test_the_export_is_generated_by_the_package_version(tmp_path: Path) -> None:
    db = build_fixed_db(tmp_path / "fixed.db")
    result = optout("export", "--db", str(db))
    assert result.returncode == 0, result.stderr
    generated_by = json.loads(result.stdout)["generated_by"]
    assert generated_by == {"tool": "optout-audit", "version": PACKAGE_VERSION}
