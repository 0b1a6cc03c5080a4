"""A CDX index server on loopback for the capture tests: pywb's ``wayback`` over collections
named like Common Crawl's crawls, indexed from WARCs the test writes.

pywb 2.10's ``cdx-server`` script no longer starts (its entry point names a function pywb
removed), so the server is ``wayback``: it lists the collections at ``/collinfo.json`` and
answers CDX queries at ``/<collection>/cdx``, as pywb does behind Common Crawl's index server.
A collection is ``collections/<name>/indexes/`` under the server's working folder: a plain
CDXJ file made by ``cdxj-indexer`` (the server does not page it), or a ZipNum cluster (gzip
blocks of CDXJ lines, a ``.idx`` of the first key of each block and a ``.loc`` naming the
blocks' file), which is how Common Crawl's indexes are laid out and which the server pages.
"""

from __future__ import annotations

import gzip
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests.pywb_env import pywb_bin

READY_SECONDS = 60.0
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class Page:
    """One page as a server answered it, to be written as a WARC response record."""

    url: str
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


def fetch_through(proxy: str, url: str) -> Page:
    """A page of the sample web, fetched through its proxy (4xx and 5xx answers too)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": proxy}))
    try:
        with opener.open(url, timeout=10) as response:
            return Page(url, response.status, response.reason, tuple(response.headers.items()),
                        response.read())  # fmt: skip
    except urllib.error.HTTPError as err:
        with err:
            return Page(url, err.code, str(err.reason), tuple(err.headers.items()), err.read())


def write_warc(path: Path, captures: Sequence[tuple[Page, datetime]]) -> None:
    """A gzipped WARC of response records, each with its WARC-Date."""
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for page, when in captures:
            headers = [(k, v) for k, v in page.headers if k.lower() != "transfer-encoding"]
            http = StatusAndHeaders(f"{page.status} {page.reason}", headers, protocol="HTTP/1.1")
            record = writer.create_warc_record(
                page.url,
                "response",
                payload=BytesIO(page.body),
                http_headers=http,
                warc_headers_dict={"WARC-Date": when.strftime("%Y-%m-%dT%H:%M:%SZ")},
            )
            writer.write_record(record)


def _cdxj_lines(warc: Path) -> list[str]:
    result = subprocess.run(
        [str(pywb_bin("cdxj-indexer")), "--sort", str(warc.name)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=warc.parent,
    )
    return sorted(line for line in result.stdout.splitlines() if line.strip())


def add_collection(root: Path, name: str, warc: Path, *, zipnum_lines: int | None = None) -> None:
    """Index ``warc`` as collection ``name`` of the server rooted at ``root``: a plain CDXJ
    file, or a ZipNum cluster of ``zipnum_lines`` lines per block."""
    archive = root / "collections" / name / "archive"
    archive.mkdir(parents=True)
    kept = archive / warc.name
    kept.write_bytes(warc.read_bytes())
    write_index(root, name, _cdxj_lines(kept), zipnum_lines=zipnum_lines)


def write_index(
    root: Path, name: str, lines: Sequence[str], *, zipnum_lines: int | None = None
) -> None:
    """Collection ``name``'s index from sorted CDXJ lines (``urlkey timestamp {json}``), with
    no archive: enough for CDX queries (the benchmark writes its lines directly)."""
    indexes = root / "collections" / name / "indexes"
    indexes.mkdir(parents=True)
    if zipnum_lines is None:
        (indexes / "index.cdxj").write_text("\n".join(lines) + "\n")
        return
    idx, offset = [], 0
    with (indexes / "cluster.cdxj.gz").open("wb") as blocks:
        for number, start in enumerate(range(0, len(lines), zipnum_lines), start=1):
            block = gzip.compress(("\n".join(lines[start : start + zipnum_lines]) + "\n").encode())
            blocks.write(block)
            key = " ".join(lines[start].split(" ", 2)[:2])
            idx.append(f"{key}\tcluster\t{offset}\t{len(block)}\t{number}")
            offset += len(block)
    (indexes / "cluster.idx").write_text("\n".join(idx) + "\n")
    (indexes / "cluster.loc").write_text("cluster\tcluster.cdxj.gz\n")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def cdx_server(root: Path) -> Iterator[str]:
    """Serve the collections under ``root`` on a free loopback port; yields its base URL."""
    port = free_port()
    log = (root / "wayback.log").open("wb")
    process = subprocess.Popen(
        [str(pywb_bin("wayback")), "--port", str(port), "--bind", "127.0.0.1"],
        cwd=root,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + READY_SECONDS
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"wayback exited: {(root / 'wayback.log').read_text()[-2000:]}")
            try:
                with _DIRECT.open(f"{base}/collinfo.json", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("wayback did not answer in time") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()
