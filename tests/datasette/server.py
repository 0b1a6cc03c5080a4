"""Run the real ``optout serve`` on a free loopback port for a test, and stop it afterwards."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import ROOT

OPTOUT = Path(sys.executable).parent / "optout"
START_TIMEOUT = 30.0


def free_port() -> int:
    """A TCP port nobody listens on right now, on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def answers(url: str) -> bool:
    """Whether an HTTP GET of ``url`` gets any answer."""
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


@contextmanager
def optout_serve(db_path: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """``optout serve --db`` in its own process group; yields its base URL and process.

    Its output (a log line per request) goes to a file, not a pipe: nobody reads a pipe while
    the server runs, and a full one would block Datasette after some hundred requests.
    """
    port = free_port()
    with tempfile.TemporaryFile(mode="w+") as output:
        process = subprocess.Popen(
            [str(OPTOUT), "serve", "--db", str(db_path), "--port", str(port)],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while not answers(base + "/-/versions.json"):
                if process.poll() is not None or time.monotonic() > deadline:
                    output.seek(0)
                    raise RuntimeError(f"optout serve did not start: {output.read()[-2000:]}")
                time.sleep(0.2)
            yield base, process
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
