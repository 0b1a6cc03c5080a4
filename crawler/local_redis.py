"""A throwaway Redis server on loopback (Debian's ``redis-server``), for the worker tests, the
two-worker benchmark and trying distributed crawls on one machine. Nothing is persisted."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

import redis

from crawler.redis_queue import connect

START_SECONDS: Final = 20.0


def find_redis_server() -> str | None:
    """The ``redis-server`` binary, or None when the package is not installed."""
    return shutil.which("redis-server") or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").is_file() else None
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def local_redis(workdir: Path) -> Iterator[str]:
    """Run ``redis-server`` on a free 127.0.0.1 port in ``workdir``; yields its URL."""
    binary = find_redis_server()
    if binary is None:
        raise FileNotFoundError("redis-server is not installed (Debian package redis-server)")
    workdir.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    process = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
        + ["--dir", str(workdir), "--protected-mode", "yes", "--logfile", "redis.log"],
        cwd=workdir,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        _wait_until_up(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_SECONDS
    client = connect(url)
    while True:
        try:
            client.ping()
            return
        except redis.ConnectionError:
            if process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {process.returncode}") from None
            if time.monotonic() > deadline:
                raise TimeoutError(f"redis-server did not answer on {url}") from None
            time.sleep(0.05)
        finally:
            client.close()
