"""A real audited evidence database and access logs written for it, for the log ingest tests.

Two sites were crawled on 2026-10-01 and audited: anna.example's robots.txt disallows GPTBot
under /gallery/, ben.example's allows everyone. The log (combined format, written plain,
gzip, bzip2 or zstd) holds, on 2026-11-02:

- a person browsing (address ``HUMAN``, paths under ``HUMAN_PATH``): never stored;
- Googlebot (not an AI agent of the registry): never stored;
- GPTBot from OpenAI's published range: reads robots.txt, takes three images under /gallery/
  (violations), an allowed page, then is refused (403) and comes back;
- "GPTBot" from an address outside the range: an impersonator;
- ClaudeBot, whose operator publishes no range in ``TEST_RANGES``: unverifiable, allowed;
- malformed lines.
"""

from __future__ import annotations

import bz2
import gzip
import ipaddress
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import zstandard

from audits.logs.ranges import ListEntry, RangeList, RangeSet
from crawler.items import FetchRecord, SiteDone
from crawler.storage import FetchWriter, finish_crawl, open_db, start_crawl
from results.derive import audit_crawl

ANNA: Final = "https://anna.example"
BEN: Final = "https://ben.example"
CRAWLED_AT: Final = "2026-10-01T00:00:00.000+00:00"
ANNA_ROBOTS: Final = b"User-agent: GPTBot\nDisallow: /gallery/\n\nUser-agent: *\nAllow: /\n"
BEN_ROBOTS: Final = b"User-agent: *\nAllow: /\n"
HTML: Final = (("Content-Type", "text/html; charset=utf-8"),)
HOME: Final = b"<!doctype html><html><head><title>Studio</title></head><body>Prints</body></html>"

GPTBOT_RANGE: Final = "20.171.206.0/24"
GPTBOT_ADDRESS: Final = "20.171.206.10"
IMPERSONATOR: Final = "203.0.113.50"
CLAUDE_ADDRESS: Final = "198.51.100.20"
HUMAN: Final = "192.0.2.123"
HUMAN_PATH: Final = "/private-visitor-page"
GOOGLEBOT: Final = "66.249.66.1"

UA_GPTBOT: Final = (
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; GPTBot/1.2;"
    " +https://openai.com/gptbot"
)
UA_CLAUDE: Final = "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0)"
UA_HUMAN: Final = "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0"
UA_GOOGLE: Final = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"

TEST_RANGES: Final = RangeSet(
    [
        (
            ListEntry(
                name="openai-gptbot",
                operator="OpenAI",
                url="https://openai.com/gptbot.json",
                agents=("GPTBot",),
                file="gptbot.json",
                format="json-prefixes",
                created="2026-09-30T00:00:00.000000",
                taken="2026-10-01",
                sha256="0" * 64,
            ),
            RangeList((ipaddress.ip_network(GPTBOT_RANGE),)),
        )
    ]
)
"""Only GPTBot can be checked: its published range, so the tests never depend on the bundled
snapshot's addresses."""


def combined(
    client: str,
    time: str,
    target: str,
    user_agent: str,
    status: int = 200,
    size: int = 512,
) -> str:
    """One combined-format line, ``time`` as ``HH:MM:SS`` on 2026-11-02 (UTC)."""
    return (
        f'{client} - - [02/Nov/2026:{time} +0000] "GET {target} HTTP/1.1" {status} {size}'
        f' "-" "{user_agent}"'
    )


def log_lines() -> list[str]:
    """The log described in the module docstring, line 1 first."""
    return [
        combined(HUMAN, "09:00:00", "/", UA_HUMAN),
        combined(HUMAN, "09:00:01", HUMAN_PATH, UA_HUMAN),
        combined(GOOGLEBOT, "09:30:00", "/gallery/a.jpg", UA_GOOGLE),
        combined(GPTBOT_ADDRESS, "10:00:00", "/robots.txt", UA_GPTBOT),
        combined(GPTBOT_ADDRESS, "10:00:01", "/gallery/a.jpg", UA_GPTBOT),
        combined(GPTBOT_ADDRESS, "10:00:02", "/gallery/b.jpg", UA_GPTBOT),
        combined(GPTBOT_ADDRESS, "10:00:03", "/gallery/c.jpg", UA_GPTBOT),
        "this is not a log line",
        combined(GPTBOT_ADDRESS, "10:00:04", "/about", UA_GPTBOT),
        combined(GPTBOT_ADDRESS, "10:00:05", "/contact", UA_GPTBOT, status=403),
        combined(GPTBOT_ADDRESS, "10:00:06", "/shop", UA_GPTBOT),
        combined(IMPERSONATOR, "11:00:00", "/gallery/d.jpg", UA_GPTBOT),
        combined(CLAUDE_ADDRESS, "12:00:00", "/gallery/e.jpg", UA_CLAUDE),
        '192.0.2.77 - - [02/Nov/2026:12:00:01 +0000] "GET / HTTP/1.1" 200',
        combined(HUMAN, "12:30:00", HUMAN_PATH + "?again=1", UA_HUMAN),
    ]


LINES: Final = 15
MALFORMED: Final = 2
AGENT_LINES: Final = 9
"""GPTBot 7 (verified), its impersonator 1, ClaudeBot 1."""
VIOLATIONS: Final = 3
"""GPTBot's three images under /gallery/ (the impersonator's is reported apart)."""


def compress(data: bytes, compression: str) -> bytes:
    """``data`` as a file of that compression would hold it."""
    if compression == "gzip":
        return gzip.compress(data)
    if compression == "bzip2":
        return bz2.compress(data)
    if compression == "zstd":
        return zstandard.ZstdCompressor().compress(data)
    return data


def write_log(path: Path, lines: Sequence[str] | None = None, compression: str = "plain") -> Path:
    """Write the log (or ``lines``) to ``path``, compressed as asked."""
    text = "\n".join(log_lines() if lines is None else lines) + "\n"
    path.write_bytes(compress(text.encode("utf-8"), compression))
    return path


def _fetches(origin: str, robots: bytes) -> list[tuple[str, str, bytes]]:
    return [("robots", origin + "/robots.txt", robots), ("home", origin + "/", HOME)]


def build_crawled_db(path: Path) -> Path:
    """An evidence database with one finished, audited crawl of both sites (2026-10-01)."""
    db = open_db(path)
    try:
        crawl_id = start_crawl(
            db,
            seeds_source="tests: two sites for the log ingest",
            settings={},
            tool_version="test",
            interpreter_version="test",
            registry_version="test",
        )
        writer = FetchWriter(db)
        for origin, robots in ((ANNA, ANNA_ROBOTS), (BEN, BEN_ROBOTS)):
            name = origin.removeprefix("https://").split(".")[0].title()
            writer.add_site({"origin": origin, "name": name, "kind": "creator-site"}, crawl_id)
            fetches = _fetches(origin, robots)
            for kind, url, body in fetches:
                headers = [("Content-Type", "text/plain")] if kind == "robots" else list(HTML)
                writer.add_fetch(
                    FetchRecord(
                        crawl_id=crawl_id,
                        origin=origin,
                        kind=kind,
                        requested_url=url,
                        final_url=url,
                        status=200,
                        headers=headers,
                        body=body,
                        body_length=len(body),
                        fetched_at=CRAWLED_AT,
                    )
                )
            writer.add_site_done(SiteDone(crawl_id, origin, len(fetches), 0, CRAWLED_AT))
        writer.close()
        db.execute("UPDATE crawls SET started_at = ? WHERE id = ?", [CRAWLED_AT, crawl_id])
        finish_crawl(db, crawl_id, "finished", {})
        audit_crawl(db, crawl_id)
    finally:
        db.close()
    return path
