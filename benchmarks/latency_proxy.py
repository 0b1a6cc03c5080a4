"""Internet latency on loopback: a delaying HTTP proxy in front of the synthetic web's nginx.

The crawler and the bare spider reach nginx as an HTTP proxy; with this in between, each
request is held for a delay before it goes on to nginx, and the answer is relayed back as it
comes. The delay stands for the round trips a request costs on the internet (connection reuse
and server time aside):

- every host has a base latency drawn once from a seeded distribution (uniform in
  ``[low_ms, high_ms]``, 50 to 300 ms by default), so a host stays fast or slow all crawl long;
- a few hosts (``slow_share``, 2%) are slow: their base is drawn from ``[slow_low_ms,
  slow_high_ms]`` (1 to 2 s);
- each request varies its host's base by up to ``jitter`` either way (±25%), clamped to the
  host's range, so every delay is bounded by ``slow_high_ms``.

No root and no network namespace: ``tc netem`` would delay packets, not requests, and every
synthetic host shares one loopback address, so it cannot give hosts latencies of their own.

The proxy is a child process (``serve`` starts it; its CPU is read from /proc like nginx's) and
understands just enough HTTP/1.1: request heads are read one at a time on each client
connection (a client sends the next request only after the whole answer, so holding the head
delays the request), answers are relayed byte for byte without being parsed.

    python benchmarks/latency_proxy.py --upstream 127.0.0.1:PORT [--seed 20] [--scale 1.0]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

MAX_HEAD = 64 * 1024
MAX_BODY = 1024 * 1024
IDLE_SECONDS = 120.0
"""A client or nginx connection quiet this long is closed (nothing waits for ever)."""
CHUNK = 64 * 1024


@dataclass(frozen=True)
class LatencyModel:
    """How long each request to each host is held; every delay is at most ``slow_high_ms``."""

    seed: int = 20
    low_ms: float = 50.0
    high_ms: float = 300.0
    slow_share: float = 0.02
    slow_low_ms: float = 1000.0
    slow_high_ms: float = 2000.0
    jitter: float = 0.25
    scale: float = 1.0
    """Multiplies every delay; 0 leaves the proxy as a plain relay (its own cost alone)."""

    def host_range(self, host: str) -> tuple[float, float, float]:
        """(base, lowest, highest) delay of ``host`` in milliseconds, the same on every run."""
        return _host_range(self, host)

    def delay_seconds(self, host: str, rng: random.Random) -> float:
        """One request's delay: the host's base, varied by the jitter, kept in its range."""
        base, low, high = self.host_range(host)
        varied = base * (1.0 + rng.uniform(-self.jitter, self.jitter))
        return self.scale * min(max(varied, low), high) / 1000.0

    def describe(self) -> str:
        return (
            f"{self.low_ms:.0f}-{self.high_ms:.0f} ms per request (base per host, uniform), "
            f"±{self.jitter:.0%} jitter per request, {self.slow_share:.0%} slow hosts at "
            f"{self.slow_low_ms / 1000:.0f}-{self.slow_high_ms / 1000:.0f} s, seed {self.seed}"
            + (f", scaled x{self.scale}" if self.scale != 1.0 else "")
        )


@lru_cache(maxsize=200_000)
def _host_range(model: LatencyModel, host: str) -> tuple[float, float, float]:
    rng = random.Random(f"{model.seed}:{host}")
    if rng.random() < model.slow_share:
        low, high = model.slow_low_ms, model.slow_high_ms
    else:
        low, high = model.low_ms, model.high_ms
    return rng.uniform(low, high), low, high


def request_host(head: bytes) -> str:
    """The host a proxy request names: from an absolute URL, else from its Host header."""
    line, _, headers = head.partition(b"\r\n")
    parts = line.split(b" ")
    target = parts[1] if len(parts) == 3 else b""
    if b"://" in target:
        authority = target.split(b"://", 1)[1].split(b"/", 1)[0]
    else:
        authority = b""
        for header in headers.split(b"\r\n"):
            name, _, value = header.partition(b":")
            if name.strip().lower() == b"host":
                authority = value.strip()
                break
    return authority.rsplit(b"@", 1)[-1].split(b":", 1)[0].decode("latin-1").lower()


def _content_length(head: bytes) -> int:
    for header in head.split(b"\r\n")[1:]:
        name, _, value = header.partition(b":")
        if name.strip().lower() == b"content-length":
            try:
                return min(max(int(value.strip()), 0), MAX_BODY)
            except ValueError:
                return 0
    return 0


class DelayingProxy:
    """An asyncio server that delays each request head, then relays to ``upstream``."""

    def __init__(self, model: LatencyModel, upstream: tuple[str, int]) -> None:
        self.model = model
        self.upstream = upstream
        self.rng = random.Random(model.seed)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_writer: asyncio.StreamWriter | None = None
        pump: asyncio.Task[None] | None = None
        try:
            while True:
                async with asyncio.timeout(IDLE_SECONDS):
                    head = await reader.readuntil(b"\r\n\r\n")
                    length = _content_length(head)
                    body = await reader.readexactly(length) if length else b""
                delay = self.model.delay_seconds(request_host(head), self.rng)
                if delay > 0:
                    await asyncio.sleep(delay)
                if up_writer is None:
                    up_reader, up_writer = await asyncio.open_connection(*self.upstream)
                    pump = asyncio.create_task(_relay(up_reader, writer))
                up_writer.write(head + body)
                await up_writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, OSError):
            pass
        finally:
            if pump is not None:
                pump.cancel()
            for stream in (up_writer, writer):
                if stream is not None:
                    stream.close()


async def _relay(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    """nginx's answers back to the client as they come; the client's connection closes with
    nginx's (the answer's framing is between them)."""
    try:
        while True:
            async with asyncio.timeout(IDLE_SECONDS):
                chunk = await source.read(CHUNK)
            if not chunk:
                break
            sink.write(chunk)
            await sink.drain()
    except (TimeoutError, OSError):
        pass
    finally:
        sink.close()


async def _serve(model: LatencyModel, upstream: tuple[str, int], port: int) -> None:
    proxy = DelayingProxy(model, upstream)
    server = await asyncio.start_server(
        proxy.handle, "127.0.0.1", port, limit=MAX_HEAD, backlog=1024
    )
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


@dataclass
class Proxy:
    """A running delaying proxy (a child process)."""

    port: int
    process: subprocess.Popen[bytes]
    model: LatencyModel

    @property
    def proxy_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def serve(upstream_port: int, model: LatencyModel) -> Iterator[Proxy]:
    """The delaying proxy on a free loopback port, in front of ``127.0.0.1:upstream_port``."""
    settings = {f"--{name.replace('_', '-')}": str(value) for name, value in asdict(model).items()}
    command = [sys.executable, __file__, "--upstream", f"127.0.0.1:{upstream_port}"]
    command += [item for pair in settings.items() for item in pair]
    process = subprocess.Popen(command, stdout=subprocess.PIPE)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # the port, or nothing if it failed to start
        if not line.strip().isdigit():
            raise RuntimeError(f"the latency proxy did not start (exit {process.poll()})")
        yield Proxy(int(line), process, model)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--upstream", required=True, help="HOST:PORT of the web server")
    parser.add_argument("--port", type=int, default=0)
    defaults = LatencyModel()
    for name, value in asdict(defaults).items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(value), default=value)
    args = parser.parse_args()
    model = LatencyModel(**{name: getattr(args, name) for name in asdict(defaults)})
    host, _, port = args.upstream.rpartition(":")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(model, (host, int(port)), args.port))


if __name__ == "__main__":
    main()
