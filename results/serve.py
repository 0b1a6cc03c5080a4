"""Serving an evidence database in Datasette, read-only (``optout serve`` and ``optout demo``).

A database whose crawl is still running, and has never been audited, is served too: the
landing page then shows how far the crawl has come, and the verdicts appear once it is audited.

Datasette runs as a child process of the same Python (``python -m datasette serve …``) rather
than inside this one: its plugin manager is process-global and loads the ``datasette/plugins``
files into itself, and uvicorn installs its own signal handlers. In a child both stay out of
the CLI's way, Ctrl-C reaches both processes (same terminal process group), and the exact
command is printable and reproducible (``datasette_args``).

The file is served read-only but not immutable: Datasette's connections open it with
``mode=ro`` and read the write-ahead log, so a crawl or an audit may write to it meanwhile
(SQLite's WAL mode gives every query a consistent snapshot of committed transactions).
Immutable mode would be unsafe here: it tells SQLite the file never changes, so it skips
locking and the log, and a checkpoint during a crawl can show a reader torn pages.
"""

from __future__ import annotations

import errno
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from crawler.storage import StorageError, refuse_foreign_db

DATASETTE_DIR = Path(__file__).resolve().parent.parent / "datasette"
"""The Datasette folder of the checkout: metadata, plugins, templates, static files."""


MAX_RETURNED_ROWS = 100
"""Rows per canned query and largest table page (Datasette's default page is 100 rows)."""


class ServeError(Exception):
    """The database cannot be served (missing, or not an evidence database)."""


def datasette_dir() -> Path:
    """The ``datasette/`` folder next to the installed packages (the tool runs from a checkout)."""
    if not (DATASETTE_DIR / "metadata.yml").is_file():
        raise ServeError(
            f"{DATASETTE_DIR}: the Datasette folder (metadata.yml, plugins, templates) is"
            " missing; run optout from a checkout of the repository (pip install -e .)"
        )
    return DATASETTE_DIR


def datasette_args(db_path: Path, port: int = 8001, host: str = "127.0.0.1") -> list[str]:
    """The ``datasette serve`` arguments (after ``datasette``) that serve ``db_path`` read-only."""
    folder = datasette_dir()
    return [
        "serve",
        str(Path(db_path).resolve()),
        "--metadata",
        str(folder / "metadata.yml"),
        "--plugins-dir",
        str(folder / "plugins"),
        "--template-dir",
        str(folder / "templates"),
        "--static",
        f"assets:{folder / 'static'}",
        "--host",
        host,
        "--port",
        str(port),
        "--setting",
        "sql_time_limit_ms",
        "3000",
        # Suggested facets try a GROUP BY on every column of every table page: at 100,000
        # sites that is seconds per page (benchmarks/datasette_load.py); the metadata's
        # facets and ?_facet= still work.
        "--setting",
        "suggest_facets",
        "off",
        # A canned query shows (and its JSON, CSV and Atom give) at most this many rows, as a
        # table page does; Datasette says "more than 100 rows" when there are more. Rendering
        # 1,000 rows took most of a list query's time under concurrent clients at a million
        # sites (benchmarks/results/datasette.md). A table's JSON takes ?_size= up to this,
        # with next links; its CSV with ?_stream=on has every row.
        "--setting",
        "max_returned_rows",
        str(MAX_RETURNED_ROWS),
    ]


def check_servable(db_path: Path) -> int | None:
    """The latest audited crawl id of ``db_path``, None when no crawl is audited yet;
    ServeError when the file is not an evidence database."""
    if not db_path.is_file():
        raise ServeError(f"{db_path}: no such database file")
    try:
        refuse_foreign_db(db_path)
    except StorageError as err:
        raise ServeError(str(err)) from err
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            conn.execute("SELECT count(*) FROM crawls").fetchone()
            row = conn.execute("SELECT MAX(crawl_id) FROM audits").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as err:
        raise ServeError(
            f"{db_path}: not an evidence database ({err}); `optout crawl --db {db_path}` makes one"
        ) from err
    return None if row is None or row[0] is None else int(row[0])


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something already listens on host:port (127.0.0.1 by default)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as err:
            return err.errno == errno.EADDRINUSE
    return False


def check_port(port: int, host: str) -> None:
    """ServeError naming the port when something already listens there: checked before
    Datasette starts, which would otherwise fail with uvicorn's log and an exit status."""
    if port and port_in_use(port, host):
        raise ServeError(f"port {port} on {host} is already in use: choose another with --port")


def serve_datasette(db_path: Path, *, port: int = 8001, host: str = "127.0.0.1") -> None:
    """Serve ``db_path`` in Datasette until Ctrl-C (raises ServeError if it cannot start)."""
    check_servable(Path(db_path))
    check_port(port, host)
    command = [sys.executable, "-m", "datasette", *datasette_args(Path(db_path), port, host)]
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL)
    forwarding = threading.current_thread() is threading.main_thread()
    if forwarding:
        # A SIGTERM to this process (a service manager, `kill`) must stop Datasette too.
        previous = signal.signal(signal.SIGTERM, lambda signum, _: process.send_signal(signum))
    try:
        code = process.wait()
    except KeyboardInterrupt:
        # The child got the same SIGINT from the terminal and is shutting down.
        return
    finally:
        if forwarding:
            signal.signal(signal.SIGTERM, previous)
        _stop(process)
    if code not in (0, -signal.SIGTERM, -signal.SIGINT):
        raise ServeError(f"datasette exited with status {code}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Wait a little for the child to finish shutting down, then make sure it is gone."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
