"""A real webhook endpoint on 127.0.0.1 for tests: records each POST, answers as scripted."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MAX_BODY = 8 * 1024 * 1024


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    document: Any


@dataclass
class Receiver:
    """Answers the n-th POST with ``statuses[n]`` (the last one repeats) after ``delay`` s."""

    statuses: Sequence[int] = (204,)
    delay: float = 0.0
    posts: list[Received] = field(default_factory=list)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_status(self) -> int:
        with self.lock:
            index = min(len(self.posts) - 1, len(self.statuses) - 1)
            return self.statuses[index]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the name http.server calls)
            length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY)
            body = self.rfile.read(length)
            with receiver.lock:
                receiver.posts.append(
                    Received(self.path, dict(self.headers.items()), json.loads(body or b"null"))
                )
            time.sleep(receiver.delay)
            self.send_response(receiver.next_status())
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@contextmanager
def webhook_receiver(statuses: Sequence[int] = (204,), delay: float = 0.0) -> Iterator[Receiver]:
    """A running receiver; its ``url`` ends in a secret-looking path, as real webhooks do."""
    receiver = Receiver(statuses=statuses, delay=delay)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/T0KEN-s3cret"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def dead_url() -> str:
    """A loopback URL nothing listens on (a port just freed by the kernel)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hooks/T0KEN-s3cret"
