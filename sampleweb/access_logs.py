"""Realistic access logs for the sample web's sites, and the ground truth about every line
(issue 16, point 6: the test data for ``optout logs ingest``).

:func:`write_logs` writes, for a span of time, what a web server in front of each site would
have logged: people browsing (pages, their images, favicons, mistyped links, the odd scanner),
search engines (Googlebot, Bingbot) and AI crawlers sending the User-Agent strings their
operators publish (from the agent registry). The AI crawlers play parts (:class:`Actor`):

- **obeys**: reads ``/robots.txt`` at the start of every visit and fetches only what it
  allows, so it follows the old rules before a change and the new ones after;
- **cache**: reads ``/robots.txt`` once and keeps using its copy for ``cache_hours``; one
  just before a change, so it follows the old rules that long after it (20 hours: inside the
  24-hour caching allowance of RFC 9309 §2.4; 40 hours: beyond it);
- **ignores**: fetches disallowed paths anyway, with or without reading ``/robots.txt``; one
  takes a flood of images under a disallowed folder on one day;
- **user**: single page fetches on a person's request;

each **genuine** (from inside its operator's published IP ranges, when there are some) or
**spoofed** (the User-Agent string from an address outside them). A crawler refused with 403 or
402 goes away, unless its part ``persists``: then it keeps coming. Statuses and sizes are the
sample web's own answers (its edge rules refuse, charge or challenge AI agents), before and
after the site's change.

Everything is decided by the seed: the same arguments give the same bytes (gzip included). No
network is used. The formats (:data:`FORMATS`): ``combined`` (plain, and gzip as
``combined-gz``), ``nginx-json``, ``caddy`` and ``cloudflare`` (Logpush HTTP request fields);
every file of a site has the same lines in the same order, so a line number means the same
request in each. A few malformed lines are mixed in (truncated, binary junk, overlong).

The ground truth (:class:`Truth`, written as ``truth.json`` beside the logs) says for every AI
agent line what it is (agent, verification, the part it plays) and how a judge that knows the
site's robots.txt history must judge it (``allowed``, ``disallowed``, ``within-cache-allowance``,
``changed-between``, ``unknown``: the meanings of :data:`audits.logs.Judgement`), with per-site
and per-agent behaviour (robots.txt read first, refused and kept coming, image floods) and the
line numbers of the malformed lines.
"""

from __future__ import annotations

import gzip
import ipaddress
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from importlib import resources
from pathlib import Path
from random import Random
from typing import IO, Any, Final, Literal, cast, get_args

from audits.core.agents import load_registry
from audits.logs import Judgement, Verification
from audits.signals.robots import RobotsTxt, parse_robots
from sampleweb.maze import maze_page
from sampleweb.server import not_found_page, status_page
from sampleweb.sites import Site, load_sites, load_variant

__all__ = [
    "CACHE_ALLOWANCE",
    "BROWSERS",
    "DEFAULT_CAST",
    "DEFAULT_HOSTS",
    "Format",
    "FORMATS",
    "SUFFIXES",
    "HUMAN_NETWORKS",
    "SPOOF_NETWORK",
    "UNPUBLISHED_NETWORK",
    "Actor",
    "LogSite",
    "MalformedKind",
    "Truth",
    "default_sites",
    "published_ranges",
    "sample_site",
    "write_logs",
]

Format = Literal["combined", "combined-gz", "nginx-json", "caddy", "cloudflare"]
FORMATS: Final[tuple[Format, ...]] = get_args(Format)
"""The formats :func:`write_logs` writes, by the name the ingest reads them as."""
SUFFIXES: Final[Mapping[Format, str]] = {
    "combined": "access.log",
    "combined-gz": "access.log.gz",
    "nginx-json": "nginx.jsonl",
    "caddy": "caddy.jsonl",
    "cloudflare": "cloudflare.jsonl",
}
MalformedKind = Literal["truncated", "binary", "overlong"]
MALFORMED_KINDS: Final[tuple[MalformedKind, ...]] = get_args(MalformedKind)
DEFAULT_MALFORMED: Final[Mapping[MalformedKind, int]] = {"truncated": 2, "binary": 2, "overlong": 1}
"""Malformed lines per log (per site, or in the one log of every site)."""
OVERLONG_CHARS: Final = 64 * 1024

HUMAN_NETWORKS: Final = ("198.51.100.0/24", "2001:db8:4a1::/48")
"""Documentation ranges (RFC 5737, RFC 3849) people browse from: never a crawler's range."""
SPOOF_NETWORK: Final = "203.0.113.0/24"
"""Where impersonators send a crawler's User-Agent from (RFC 5737 TEST-NET-3)."""
UNPUBLISHED_NETWORK: Final = "192.0.2.0/24"
"""Where genuine crawlers of operators that publish no ranges come from (TEST-NET-1)."""
MANIFEST: Final = Path(str(resources.files("audits").joinpath("data", "ip_ranges")))
"""The bundled snapshot of the ranges operators publish (``manifest.json`` and its lists)."""

CACHE_ALLOWANCE: Final = timedelta(hours=24)
"""RFC 9309 §2.4: a crawler may keep a robots.txt it fetched for up to 24 hours."""
MARGIN: Final = 3600
"""Seconds kept free of crawler requests on each side of a 24-hour boundary, so a judge that
dates a robots.txt to its crawl's fetch (seconds from the time given here) judges alike."""
VISIT_SECONDS: Final = 600
"""A visit that starts this close before a change is kept short (:data:`_SHORT_VISIT`)."""
_SHORT_VISIT: Final = 6
"""At most how long a visit just before a change lasts: robots.txt and two pages."""

Part = Literal["obeys", "cache", "ignores", "user"]
Answer = Callable[[str, str, bool], tuple[int, int]]
"""(path without query, User-Agent, after the change) -> (status, body bytes)."""

DEFAULT_HOSTS: Final = (
    "artist-anna.example",
    "plain-sam.example",
    "photo-marta.example",
    "lino-reza.example",
    "illustrator-cleo.example",
    "printmaker-paz.example",
)
"""Three sites the ``next-week`` variant changes (a token typo fixed, Cloudflare's managed
block added, a partial block dropped), one that blocks GPTBot throughout, one whose edge
answers AI agents 403 and one that charges them 402."""

BROWSERS: Final = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)"
    " Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15"
    " (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/131.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
)
SCANNERS: Final = ("python-requests/2.32.3", "curl/8.5.0", "Go-http-client/1.1")
SCANNED: Final = ("/wp-login.php", "/.env", "/xmlrpc.php", "/wp-admin/", "/.git/config")
REFERERS: Final = (
    "https://www.google.com/",
    "https://www.bing.com/",
    "https://duckduckgo.com/",
    "https://www.instagram.com/",
    "https://www.pinterest.com/",
)
SEARCH_ENGINES: Final = (
    (
        "Googlebot",
        "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36"
        " (KHTML, like Gecko) Chrome/131.0.6778.204 Mobile Safari/537.36"
        " (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "66.249.64.0/27",
    ),
    (
        "bingbot",
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0;"
        " +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36",
        "157.55.39.0/24",
    ),
)
"""(robots.txt token, User-Agent, a range to use when no list covers it)."""
GOOGLE_IMAGE_UA: Final = "Googlebot-Image/1.0"
_IMAGE_RE: Final = re.compile(r"\.(?:jpe?g|png|webp|gif|avif)$", re.I)
_SRC_RE: Final = re.compile(r"""<img\b[^>]*?\bsrc=["']([^"']+)["']""", re.I)
_RULE_RE: Final = re.compile(r"^\s*(?:dis)?allow\s*:\s*(\S+)", re.I | re.M)
_WIDTHS: Final = (320, 480, 640, 800, 1024, 1280, 1600, 2048)
_DAY: Final = 86_400
_ALLOWANCE: Final = int(CACHE_ALLOWANCE.total_seconds())


# --- what the caller describes ----------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """An AI crawler's part in the logs (see the module documentation)."""

    name: str
    """A label, unique in the cast: the ground truth names each hit's actor by it."""
    agent: str
    """The registry token; its published User-Agent string is what the actor sends."""
    part: Part
    spoofed: bool = False
    """Send the User-Agent from :data:`SPOOF_NETWORK` instead of the operator's ranges."""
    cache_hours: float = 0.0
    """``cache``: how long it keeps a robots.txt it read (its copy read just before a change)."""
    reads_robots: bool = True
    """``ignores`` and ``user``: whether it asks for robots.txt at all (daily)."""
    persists: bool = False
    """Keeps coming after a 403 or 402 answer (else it leaves the site for good)."""
    flood: int = 0
    """Images fetched on one day under a folder robots.txt disallows to it (0: none)."""
    visits_per_day: float = 2.0
    pages_per_visit: int = 4
    hosts: tuple[str, ...] | None = None
    """Only these sites (None: every site)."""
    except_hosts: tuple[str, ...] = ()


DEFAULT_CAST: Final = (
    Actor("gptbot-obeys", "GPTBot", "obeys", except_hosts=("lino-reza.example",)),
    Actor("searchbot-obeys", "OAI-SearchBot", "obeys", visits_per_day=1, pages_per_visit=3),
    Actor("meta-cache-20h", "meta-externalagent", "cache", cache_hours=20),
    Actor("amazonbot-cache-40h", "Amazonbot", "cache", cache_hours=40),
    Actor("ccbot-ignores", "CCBot", "ignores", persists=True, flood=240, visits_per_day=3),
    Actor(
        "perplexitybot-spoofed",
        "PerplexityBot",
        "ignores",
        spoofed=True,
        reads_robots=False,
        persists=True,
    ),
    Actor(
        "gptbot-spoofed",
        "GPTBot",
        "ignores",
        spoofed=True,
        reads_robots=False,
        persists=True,
        hosts=("lino-reza.example",),
    ),
    Actor(
        "chatgpt-user",
        "ChatGPT-User",
        "user",
        reads_robots=False,
        visits_per_day=1,
        pages_per_visit=1,
    ),
)
"""The default parts: one actor per agent and site, so each (site, agent) is one behaviour."""


@dataclass(frozen=True)
class LogSite:
    """One site as the generator needs it: its paths, its robots.txt over time, its answers.

    The robots.txt history is what a judge would know from two crawls: ``robots`` was read from
    ``known_since`` (None: long before the log) until ``last_seen_old``; ``new_robots`` was
    first read at ``changed_at``. Between those two (when ``last_seen_old`` is earlier) the
    file changed at a moment nobody saw. The crawlers themselves act on ``changed_at``. With
    ``changed_at`` None, ``robots`` is in force throughout. None as a body: no robots.txt (404,
    everything allowed).
    """

    host: str
    robots: bytes | None
    pages: tuple[str, ...] = ("/",)
    images: tuple[str, ...] = ()
    page_images: Mapping[str, tuple[str, ...]] = field(default_factory=dict, compare=False)
    """The images each page shows (what a browser fetches after the page)."""
    new_robots: bytes | None = None
    changed_at: datetime | None = None
    last_seen_old: datetime | None = None
    """The last time the old file was seen (default: ``changed_at``, no unseen stretch)."""
    known_since: datetime | None = None
    """Before this nothing is known of the site's robots.txt (``unknown``)."""
    answer: Answer | None = field(default=None, compare=False)
    """What the site answers; default: 200 for its pages, images and robots.txt, else 404."""


@dataclass(frozen=True)
class Truth:
    """The ground truth of one :func:`write_logs` run (also written as ``truth.json``)."""

    data: dict[str, Any]

    @property
    def hits(self) -> list[dict[str, Any]]:
        """One record per AI agent line (see ``sampleweb/README.md``)."""
        hits: list[dict[str, Any]] = self.data["hits"]
        return hits

    @property
    def files(self) -> list[dict[str, Any]]:
        files: list[dict[str, Any]] = self.data["files"]
        return files

    @property
    def behaviour(self) -> list[dict[str, Any]]:
        behaviour: list[dict[str, Any]] = self.data["behaviour"]
        return behaviour


# --- the sample web's sites -------------------------------------------------------------------


@cache
def _bundled() -> dict[str, Site]:
    return load_sites()


@cache
def _variant(name: str) -> dict[str, Site]:
    return load_variant(name, _bundled())


def _url_path(file_path: str) -> str:
    """The path people request for a file: ``/art/index.html`` is ``/art/``."""
    if file_path == "/index.html":
        return "/"
    return file_path.removesuffix("index.html") if file_path.endswith("/index.html") else file_path


def _site_answer(site: Site, path: str, user_agent: str) -> tuple[int, int]:
    """What the sample web answers ``path`` for this User-Agent: (status, body bytes)."""
    route = site.route_for(path, user_agent)
    status = 200
    if route is not None:
        if route.behaviour is not None:
            return 499, 0  # reset or hang: the client gave up (nginx's 499)
        status = route.status if route.status is not None else 200
        if route.maze is not None:
            return status, len(maze_page(site.host, path, route.maze, route.maze_links))
        if route.body is not None:
            return status, len(route.body)
    if not 200 <= status < 300:
        return status, len(status_page(status, list(route.headers) if route else []))
    file = site.file_for(path)
    if file is None:
        return 404, len(not_found_page(site, path))
    return status, _size(file)


@cache
def _size(file: Path) -> int:
    return file.stat().st_size


def sample_site(
    host: str,
    *,
    variant: str | None = None,
    changed_at: datetime | None = None,
    last_seen_old: datetime | None = None,
    known_since: datetime | None = None,
) -> LogSite:
    """A bundled site as a :class:`LogSite`: its pages, images and robots.txt from
    ``sampleweb/sites/<host>``; with ``variant`` and ``changed_at``, the variant's files (its
    robots.txt among them) from ``changed_at`` on. Answers are the sample web's own."""
    base = _bundled().get(host)
    if base is None:
        raise ValueError(f"no sample-web site {host!r}")
    after = _variant(variant).get(host, base) if variant and changed_at else base
    pages: list[str] = []
    page_images: dict[str, tuple[str, ...]] = {}
    for file_path, file in sorted(base.files.items()):
        if file_path.endswith(".html"):
            url = _url_path(file_path)
            pages.append(url)
            text = file.read_text(encoding="utf-8", errors="replace")
            page_images[url] = tuple(
                dict.fromkeys(s for s in _SRC_RE.findall(text) if s.startswith("/"))
            )
    images = tuple(p for p in sorted(base.files) if _IMAGE_RE.search(p))
    robots = _robots_of(base)
    new_robots = _robots_of(after) if after is not base else None

    answers: dict[tuple[str, str, bool], tuple[int, int]] = {}  # a few paths, a few agents

    def answer(path: str, user_agent: str, changed: bool) -> tuple[int, int]:
        key = (path, user_agent, changed)
        found = answers.get(key)
        if found is None:
            found = answers[key] = _site_answer(after if changed else base, path, user_agent)
        return found

    changes = after is not base and new_robots != robots
    return LogSite(
        host=host,
        robots=robots,
        pages=tuple(pages) or ("/",),
        images=images,
        page_images=page_images,
        new_robots=new_robots if changes else None,
        changed_at=changed_at if changes else None,
        last_seen_old=last_seen_old if changes else None,
        known_since=known_since,
        answer=answer,
    )


def _robots_of(site: Site) -> bytes | None:
    status, _ = _site_answer(site, "/robots.txt", "")
    file = site.files.get("/robots.txt")
    return file.read_bytes() if status == 200 and file is not None else None


def default_sites(
    start: datetime,
    end: datetime,
    *,
    hosts: Sequence[str] = DEFAULT_HOSTS,
    variant: str | None = "next-week",
    changed_at: datetime | None = None,
    unseen: timedelta = timedelta(hours=12),
) -> list[LogSite]:
    """The bundled sites, the ``variant``'s robots.txt changes made at ``changed_at``
    (default: the hour nearest the middle of the span) and last seen unchanged ``unseen``
    before it (hits in between on paths the two files disagree on are ``changed-between``)."""
    if changed_at is None:
        middle = _aware(start) + (_aware(end) - _aware(start)) / 2
        changed_at = middle.replace(minute=0, second=0, microsecond=0)
    seen = _aware(changed_at) - unseen
    return [
        sample_site(h, variant=variant, changed_at=changed_at, last_seen_old=seen) for h in hosts
    ]


# --- IP ranges --------------------------------------------------------------------------------


def published_ranges(folder: Path = MANIFEST) -> dict[str, tuple[str, ...]]:
    """The CIDR ranges of every agent the bundled snapshot covers, by token (registry tokens
    and the crawlers it also covers, such as Googlebot and bingbot). Empty without a snapshot."""
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        return {}
    data = json.loads(manifest.read_text(encoding="utf-8"))
    ranges: dict[str, list[str]] = {}
    for item in data.get("lists", []):
        body = json.loads((folder / item["file"]).read_text(encoding="utf-8"))
        prefixes = [
            p.get("ipv4Prefix") or p.get("ipv6Prefix")
            for p in body.get("prefixes", [])
            if isinstance(p, dict)
        ]
        for token in (*item.get("agents", []), *item.get("also_covers", [])):
            ranges.setdefault(token, []).extend(str(p) for p in prefixes if p)
    return {token: tuple(cidrs) for token, cidrs in ranges.items()}


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class _Ranges:
    by_agent: Mapping[str, tuple[Network, ...]]

    def verification(self, agent: str, client: str) -> Verification:
        networks = self.by_agent.get(agent)
        if not networks:
            return "unverifiable"
        address = ipaddress.ip_address(client)
        return "verified" if any(address in n for n in networks) else "impersonator"

    def pick(self, agent: str, rng: Random) -> str | None:
        """An address inside the agent's published ranges (IPv4 when there are any)."""
        networks = self.by_agent.get(agent)
        if not networks:
            return None
        v4 = [n for n in networks if n.version == 4]
        return _address_in(rng.choice(v4 or list(networks)), rng)


def _address_in(network: Network, rng: Random) -> str:
    if network.num_addresses <= 2:
        return str(network.network_address)
    span = min(network.num_addresses - 2, 1 << 16)
    return str(network.network_address + 1 + rng.randrange(span))


def _networks(cidrs: Sequence[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)


def _check_outside(ranges: _Ranges) -> None:
    """The documentation networks the generator uses must lie outside every published range."""
    ours = _networks((*HUMAN_NETWORKS, SPOOF_NETWORK, UNPUBLISHED_NETWORK))
    for agent, networks in ranges.by_agent.items():
        for mine in ours:
            for theirs in networks:
                if mine.version == theirs.version and mine.overlaps(theirs):
                    raise ValueError(f"the ranges of {agent} ({theirs}) overlap {mine}")


# --- robots.txt and the judgement a judge must reach ------------------------------------------


@cache
def _parsed(body: bytes) -> RobotsTxt:
    return parse_robots(body)


def _decide(body: bytes | None, agent: str, path: str) -> tuple[bool, str | None]:
    """(allowed, the deciding rule line) under one robots.txt body; no body: all allowed."""
    if body is None:
        return True, None
    verdict = _parsed(body).verdict(agent, path, compare=False)
    return verdict.allowed, verdict.rule_text


@dataclass(frozen=True)
class _History:
    """A site's robots.txt history in epoch seconds (see :class:`LogSite`)."""

    old: bytes | None
    new: bytes | None
    changed: int | None
    last_seen: int | None
    known: int | None

    def in_force(self, t: int) -> bytes | None:
        """The body in force at ``t`` (what an honest crawler reading it then gets)."""
        return self.new if self.changed is not None and t >= self.changed else self.old

    def judgement(self, t: int, agent: str, path: str) -> tuple[Judgement, str | None]:
        """How a judge knowing this history judges a hit (docs/logs.md; ``audits.logs``)."""
        if self.known is not None and t < self.known:
            return "unknown", None
        old_ok, old_rule = _decide(self.old, agent, path)
        if self.changed is not None and t >= self.changed:
            new_ok, new_rule = _decide(self.new, agent, path)
            if new_ok:
                return "allowed", new_rule
            window = t - _ALLOWANCE
            if self.changed > window and (
                old_ok or (self.known is not None and self.known > window)
            ):
                return "within-cache-allowance", new_rule
            return "disallowed", new_rule
        if self.changed is not None and self.last_seen is not None and t > self.last_seen:
            new_ok, new_rule = _decide(self.new, agent, path)
            if new_ok != old_ok:
                return "changed-between", old_rule if not old_ok else new_rule
        if old_ok:
            return "allowed", old_rule
        if self.known is not None and self.known > t - _ALLOWANCE:
            return "within-cache-allowance", old_rule
        return "disallowed", old_rule

    def boundaries(self) -> list[int]:
        """Moments 24 hours after a file was first read, when judgements flip from
        ``within-cache-allowance`` to ``disallowed``: crawlers keep :data:`MARGIN` off them."""
        points = [] if self.changed is None else [self.changed + _ALLOWANCE]
        if self.known is not None:
            points.append(self.known + _ALLOWANCE)
        return points


# --- events -----------------------------------------------------------------------------------

Kind = Literal["human", "search", "ai", "other", "malformed"]
_STREAM: Final[Mapping[Kind, int]] = {"ai": 0, "search": 1, "human": 2, "other": 3, "malformed": 4}


@dataclass(slots=True)
class _Event:
    time: int
    site: int
    """Index of the site in the caller's list (its position in the sort)."""
    kind: Kind
    seq: int
    client: str = ""
    method: str = "GET"
    target: str = "/"
    protocol: str = "HTTP/1.1"
    status: int = 200
    size: int = 0
    referer: str = "-"
    user_agent: str = "-"
    millis: int = 0
    """Time taken, in milliseconds."""
    truth: dict[str, Any] | None = None
    junk: MalformedKind | None = None

    def key(self) -> tuple[int, int, int, int]:
        return (self.time, self.site, _STREAM[self.kind], self.seq)


@dataclass
class _Context:
    start: int
    end: int
    seed: int
    ranges: _Ranges
    quiet: list[tuple[int, int]]
    seq: int = 0

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def rng(self, *parts: object) -> Random:
        return Random("|".join(str(p) for p in (self.seed, *parts)))

    def free(self, first: int, last: int, points: Sequence[int]) -> bool:
        """Whether crawler requests may fill ``[first, last]``: inside the log, outside every
        quiet window, and not within :data:`MARGIN` of a boundary."""
        if first < self.start or last >= self.end:
            return False
        if any(first <= b and a <= last for a, b in self.quiet):
            return False
        return not any(first - MARGIN <= p <= last + MARGIN for p in points)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _epoch(moment: datetime | None) -> int | None:
    return None if moment is None else int(_aware(moment).timestamp())


def _iso(t: int) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat().replace("+00:00", "Z")


def _count(rng: Random, mean: float) -> int:
    whole = int(mean)
    return whole + (1 if rng.random() < mean - whole else 0)


# --- the AI crawlers --------------------------------------------------------------------------


@dataclass
class _SiteState:
    index: int
    site: LogSite
    history: _History
    answer: Answer
    trap_paths: tuple[str, ...]
    people: tuple[str, ...] = ()
    """The addresses its visitors come from."""


def _default_answer(site: LogSite) -> Answer:
    known = {*site.pages, *site.images}

    def answer(path: str, user_agent: str, changed: bool) -> tuple[int, int]:
        if path == "/robots.txt":
            body = site.new_robots if changed else site.robots
            return (200, len(body)) if body is not None else (404, 153)
        if path in known:
            return 200, 2048 + (sum(path.encode()) * 37) % 180_000
        return 404, 153

    return answer


def _trap_paths(site: LogSite) -> tuple[str, ...]:
    """Paths under the folders the site's robots.txt files disallow (``/drafts/`` gives
    ``/drafts/`` and ``/drafts/study-1.html``): where a careless crawler goes."""
    paths: dict[str, None] = {}
    for body in (site.robots, site.new_robots):
        if body is None:
            continue
        for rule in _RULE_RE.findall(body.decode("utf-8", "replace")):
            path = rule.replace("*", "x").rstrip("$")
            if not path.startswith("/") or path == "/":
                continue
            paths[path] = None
            if path.endswith("/"):
                paths[path + "study-1.html"] = None
    return tuple(paths)


class _Crawler:
    """One actor on one site: its visits, robots.txt reads and the hits they make."""

    def __init__(self, ctx: _Context, state: _SiteState, actor: Actor, user_agent: str) -> None:
        self.ctx, self.state, self.actor, self.user_agent = ctx, state, actor, user_agent
        self.rng = ctx.rng("ai", state.site.host, actor.name)
        self.events: list[_Event] = []
        self.copy: bytes | None = None
        self.copy_at: int | None = None
        self.read_day: int | None = None
        self.refused = False
        self.points = state.history.boundaries()
        network = ipaddress.ip_network(SPOOF_NETWORK if actor.spoofed else UNPUBLISHED_NETWORK)
        self.clients: list[str] = []
        for _ in range(2):
            picked = None if actor.spoofed else ctx.ranges.pick(actor.agent, self.rng)
            self.clients.append(picked or _address_in(network, self.rng))

    # - scheduling -

    def visit_times(self) -> list[tuple[int, bool]]:
        """(start, refresh robots.txt) of each visit, in time order."""
        ctx, history = self.ctx, self.state.history
        times: dict[int, bool] = {}
        for day in range(ctx.start - ctx.start % _DAY, ctx.end, _DAY):
            for _ in range(_count(self.rng, self.actor.visits_per_day)):
                times.setdefault(day + self.rng.randrange(_DAY), False)
        change = history.changed
        if change is not None:
            seen = history.last_seen if history.last_seen is not None else change
            # the copy a caching crawler keeps past the change: read just before it
            refresh = self._slot(
                (change - 3600, change - 600, (seen + change) // 2, ctx.start + 1), change
            )
            if refresh is not None:
                times[refresh] = True
            # a visit while the change is unseen (after the last sight of the old file)
            between = self._slot(
                ((seen + change) // 2, seen + (change - seen) // 4, seen + 2), change
            )
            if seen < change and between is not None and between > seen:
                times.setdefault(between, False)
            for hours in (2, 9, 17, 30, 38, 46, 60):
                times.setdefault(change + hours * 3600 + self.rng.randrange(1800), False)
        return sorted(times.items())

    def _slot(self, candidates: Sequence[int], before: int) -> int | None:
        """The first of the candidates, else the first second after the first candidate, that
        leaves room for a short visit (:data:`_SHORT_VISIT`) before ``before``."""
        room = _SHORT_VISIT + 1
        for moment in candidates:
            if moment + room < before and self.ctx.free(moment, moment + room, []):
                return moment
        low = min(candidates)
        for moment in range(low, min(before - room, low + 3600)):
            if self.ctx.free(moment, moment + room, []):
                return moment
        return None

    def run(self) -> list[_Event]:
        for start, refresh in self.visit_times():
            if self.refused and not self.actor.persists:
                break
            self._visit(start, refresh)
        if self.actor.flood and not (self.refused and not self.actor.persists):
            self._flood()
        return self.events

    # - a visit -

    def _visit(self, start: int, refresh: bool) -> None:
        actor, history = self.actor, self.state.history
        # a visit just before the change ends before it (the file it read stays the one in force)
        tight = history.changed is not None and start < history.changed <= start + VISIT_SECONDS
        pages = 2 if tight else max(1, actor.pages_per_visit + self.rng.randint(-1, 2))
        gaps = [self.rng.randint(1, 2 if tight else 9) for _ in range(pages + 1)]
        last = start + sum(gaps)
        if tight and history.changed is not None and last >= history.changed:
            return
        if not self.ctx.free(start, last if tight else max(last, start) + 120, self.points):
            return
        t = start
        if self._reads(start, refresh):
            self._hit(t, "/robots.txt")
            self.copy, self.copy_at = history.in_force(t), t
            self.read_day = t // _DAY
            t += gaps[0]
        for path, gap in zip(self._choose(t, pages), gaps[1:], strict=False):
            status = self._hit(t, path)
            t += gap
            if status in (402, 403) and not actor.persists:
                self.refused = True
                return
            if status in (402, 403):
                self.refused = True
                for _ in range(self.rng.randint(1, 3)):  # and asks again
                    self._hit(t, path)
                    t += 1

    def _reads(self, t: int, refresh: bool) -> bool:
        actor = self.actor
        if actor.part == "obeys":
            return True
        if actor.part == "cache":
            return refresh or self.copy_at is None or t - self.copy_at >= actor.cache_hours * 3600
        return actor.reads_robots and self.read_day != t // _DAY

    def _rules(self, t: int) -> bytes | None:
        """The robots.txt the actor follows at ``t``: its copy, or the one in force."""
        if self.actor.part in ("obeys", "cache") and self.copy_at is not None:
            return self.copy
        return self.state.history.in_force(t)

    def _choose(self, t: int, count: int) -> list[str]:
        site, agent = self.state.site, self.actor.agent
        candidates = list(site.pages) + list(site.images)
        if self.actor.part == "user":
            rules = self.state.history.in_force(t)
            ok = [p for p in site.pages if _decide(rules, agent, p)[0]]
            return self.rng.sample(ok, min(count, len(ok)))
        if self.actor.part in ("obeys", "cache"):
            rules = self._rules(t)
            ok = [p for p in candidates if _decide(rules, agent, p)[0]]
            return self.rng.sample(ok, min(count, len(ok)))
        rules = self.state.history.in_force(t)
        pool = candidates + list(self.state.trap_paths)
        bad = [p for p in pool if not _decide(rules, agent, p)[0]]
        chosen = self.rng.sample(pool, min(count, len(pool)))
        if bad and not any(p in bad for p in chosen):
            chosen[-1] = self.rng.choice(bad)
        return chosen

    def _hit(self, t: int, path: str) -> int:
        state, actor = self.state, self.actor
        changed = state.history.changed is not None and t >= state.history.changed
        status, size = state.answer(path.split("?", 1)[0], self.user_agent, changed)
        if path == "/robots.txt" and status in (402, 403):
            self.refused = True
        event = _Event(
            time=t,
            site=state.index,
            kind="ai",
            seq=self.ctx.next_seq(),
            client=self.clients[self.rng.randrange(len(self.clients))],
            target=path,
            status=status,
            size=size,
            user_agent=self.user_agent,
            millis=self.rng.randint(2, 180),
        )
        judgement, rule = state.history.judgement(t, actor.agent, path)
        follows = self._rules(t) if path != "/robots.txt" else None
        event.truth = {
            "actor": actor.name,
            "part": actor.part,
            "judgement": judgement,
            "rule": rule,
            "allowed_old": _decide(state.history.old, actor.agent, path)[0],
            "allowed_new": (
                _decide(state.history.new, actor.agent, path)[0]
                if state.history.changed is not None
                else None
            ),
            "followed": (
                None
                if follows is None or actor.part not in ("obeys", "cache")
                else ("new" if follows == state.history.new and changed else "old")
            ),
            "flood": False,
        }
        self.events.append(event)
        return status

    # - the image flood -

    def _flood(self) -> None:
        """``flood`` image requests on the first day with room for them, under a folder whose
        images robots.txt disallows to the actor throughout (every one a violation)."""
        site, history, agent = self.state.site, self.state.history, self.actor.agent
        folders: dict[str, list[str]] = {}
        for image in site.images:
            folders.setdefault(image.rsplit("/", 1)[0] + "/", []).append(image)
        length = self.actor.flood * 5
        for day in range(self.ctx.start - self.ctx.start % _DAY + _DAY, self.ctx.end, _DAY):
            first = day + 9 * 3600 + self.rng.randrange(4 * 3600)
            last = first + length
            if not self.ctx.free(first, last, self.points):
                continue
            for _, images in sorted(folders.items()):
                if all(
                    history.judgement(t, agent, image)[0] == "disallowed"
                    for t in (first, last)
                    for image in images
                ):
                    self._flood_at(first, images)
                    return

    def _flood_at(self, first: int, images: list[str]) -> None:
        t = first
        for n in range(self.actor.flood):
            image = images[n % len(images)]
            target = f"{image}?w={_WIDTHS[(n // len(images)) % len(_WIDTHS)]}"
            self._hit(t, target)
            truth = self.events[-1].truth
            assert truth is not None
            truth["flood"] = True
            t += self.rng.randint(1, 9)


# --- people and search engines ----------------------------------------------------------------


def _human_day(ctx: _Context, state: _SiteState, day: int, visitors: float) -> list[_Event]:
    """One day of people (and a scanner or two) on one site."""
    rng = ctx.rng("people", state.site.host, day)
    site, events, history = state.site, [], state.history
    pool = state.people
    weights = [1, 1, 1, 1, 1, 1, 2, 3, 4, 4, 4, 4, 5, 5, 5, 5, 5, 6, 7, 8, 8, 7, 5, 3]
    origin = f"http://{site.host}"
    seq = 0

    def add(t: int, kind: Kind, **fields: Any) -> None:
        nonlocal seq
        if ctx.start <= t < ctx.end:
            seq += 1
            events.append(_Event(time=t, site=state.index, kind=kind, seq=seq, **fields))

    for _ in range(_count(rng, visitors * rng.uniform(0.7, 1.3))):
        hour = rng.choices(range(24), weights)[0]
        t = day + hour * 3600 + rng.randrange(3600)
        client, browser = rng.choice(pool), rng.choice(BROWSERS)
        referer = rng.choice(REFERERS) if rng.random() < 0.6 else "-"
        page = "/" if rng.random() < 0.5 else rng.choice(site.pages)
        for _ in range(rng.randint(1, 6)):
            changed = history.changed is not None and t >= history.changed
            status, size = state.answer(page, browser, changed)
            add(
                t,
                "human",
                client=client,
                target=page,
                protocol="HTTP/2.0",
                status=status,
                size=size,
                referer=referer,
                user_agent=browser,
                millis=rng.randint(3, 400),
            )
            for image in site.page_images.get(page, ()):
                status, size = state.answer(image, browser, changed)
                if status == 200 and rng.random() < 0.1:
                    status, size = 304, 0
                add(
                    t + rng.randint(0, 2),
                    "human",
                    client=client,
                    target=image,
                    protocol="HTTP/2.0",
                    status=status,
                    size=size,
                    referer=origin + page,
                    user_agent=browser,
                    millis=rng.randint(1, 90),
                )
            if rng.random() < 0.15:
                status, size = state.answer("/favicon.ico", browser, changed)
                add(
                    t + 1,
                    "human",
                    client=client,
                    target="/favicon.ico",
                    protocol="HTTP/2.0",
                    status=status,
                    size=size,
                    referer=origin + page,
                    user_agent=browser,
                )
            if rng.random() < 0.05:
                wrong = (page.rstrip("/") or "/index") + "-old.html"
                status, size = state.answer(wrong, browser, changed)
                add(
                    t + 3,
                    "human",
                    client=client,
                    target=wrong,
                    protocol="HTTP/2.0",
                    status=status,
                    size=size,
                    referer=origin + page,
                    user_agent=browser,
                )
            referer = origin + page
            page = rng.choice(site.pages)
            t += rng.randint(5, 120)
    for _ in range(_count(rng, 0.7)):
        t = day + rng.randrange(_DAY)
        client, agent = rng.choice(pool), rng.choice(SCANNERS)
        for path in rng.sample(SCANNED, rng.randint(1, 3)):
            status, size = state.answer(
                path, agent, history.changed is not None and t >= history.changed
            )
            add(t, "other", client=client, target=path, status=status, size=size, user_agent=agent)
            t += 1
    return events


def _search_engines(ctx: _Context, state: _SiteState) -> list[_Event]:
    """Googlebot and Bingbot: robots.txt once a day, then the pages and images it allows."""
    events: list[_Event] = []
    site, history = state.site, state.history
    for token, user_agent, fallback in SEARCH_ENGINES:
        rng = ctx.rng("search", site.host, token)
        networks = ctx.ranges.by_agent.get(token) or _networks((fallback,))
        v4: list[Network] = [n for n in networks if n.version == 4] or list(networks)
        client = _address_in(rng.choice(v4), rng)
        for day in range(ctx.start - ctx.start % _DAY, ctx.end, _DAY):
            t = day + rng.randrange(_DAY - 3600)
            rules = history.in_force(t)
            paths = ["/robots.txt"] + [
                p
                for p in rng.sample(
                    list(site.pages) + list(site.images), min(6, len(site.pages) + len(site.images))
                )
                if _decide(rules, token, p)[0]
            ]
            for path in paths:
                agent = (
                    GOOGLE_IMAGE_UA
                    if token == "Googlebot" and _IMAGE_RE.search(path)
                    else user_agent
                )
                changed = history.changed is not None and t >= history.changed
                status, size = state.answer(path, agent, changed)
                if ctx.start <= t < ctx.end:
                    events.append(
                        _Event(
                            time=t,
                            site=state.index,
                            kind="search",
                            seq=ctx.next_seq(),
                            client=client,
                            target=path,
                            status=status,
                            size=size,
                            user_agent=agent,
                            millis=rng.randint(2, 60),
                        )
                    )
                t += rng.randint(2, 40)
    return events


# --- malformed lines --------------------------------------------------------------------------


def _malformed(ctx: _Context, group: str, counts: Mapping[MalformedKind, int]) -> list[_Event]:
    rng = ctx.rng("malformed", group)
    events = []
    for kind in MALFORMED_KINDS:
        for n in range(counts.get(kind, 0)):
            t = ctx.start + rng.randrange(max(1, ctx.end - ctx.start))
            client = _address_in(ipaddress.ip_network(HUMAN_NETWORKS[0]), rng)
            events.append(
                _Event(
                    time=t,
                    site=-1,
                    kind="malformed",
                    seq=n,
                    client=client,
                    junk=kind,
                    target=f"/search?q={'A' * OVERLONG_CHARS}"
                    if kind == "overlong"
                    else "/gallery/",
                    user_agent=rng.choice(BROWSERS),
                    status=200,
                    size=rng.randrange(200, 9000),
                    millis=rng.randrange(1 << 30),
                )
            )
    return events


def _junk(event: _Event) -> bytes:
    """A binary junk line: random bytes, none of them a line break, not valid UTF-8."""
    rng = Random(event.millis)
    data = bytes(b for b in rng.randbytes(160) if b not in (10, 13))
    return b"\x00\xff\xfe" + data + b"\xc3\x28"


# --- formats ----------------------------------------------------------------------------------


def _clf_time(t: int, tz: timezone) -> str:
    return datetime.fromtimestamp(t, tz).strftime("%d/%b/%Y:%H:%M:%S %z")


def _combined(event: _Event, host: str, tz: timezone, vhost: bool) -> str:
    size = str(event.size) if event.size else "-"
    line = (
        f"{event.client} - - [{_clf_time(event.time, tz)}] "
        f'"{event.method} {event.target} {event.protocol}" {event.status} {size} '
        f'"{event.referer}" "{event.user_agent}"'
    )
    return f"{host}:80 {line}" if vhost else line


def _nginx(event: _Event, host: str, tz: timezone) -> str:
    moment = datetime.fromtimestamp(event.time, tz)
    record = {
        "time_local": moment.strftime("%d/%b/%Y:%H:%M:%S %z"),
        "time_iso8601": moment.isoformat(),
        "remote_addr": event.client,
        "remote_user": "",
        "host": host,
        "request": f"{event.method} {event.target} {event.protocol}",
        "request_method": event.method,
        "request_uri": event.target,
        "status": str(event.status),
        "body_bytes_sent": str(event.size),
        "request_time": f"{event.millis / 1000:.3f}",
        "http_referer": "" if event.referer == "-" else event.referer,
        "http_user_agent": event.user_agent,
    }
    return json.dumps(record, separators=(",", ":"))


def _caddy(event: _Event, host: str) -> str:
    headers: dict[str, list[str]] = {"User-Agent": [event.user_agent], "Accept": ["*/*"]}
    if event.referer != "-":
        headers["Referer"] = [event.referer]
    record = {
        "level": "info",
        "ts": event.time + (event.seq % 1000) / 1000,
        "logger": "http.log.access.log0",
        "msg": "handled request",
        "request": {
            "remote_ip": event.client,
            "remote_port": str(30000 + event.seq % 30000),
            "client_ip": event.client,
            "proto": event.protocol,
            "method": event.method,
            "host": host,
            "uri": event.target,
            "headers": headers,
        },
        "bytes_read": 0,
        "user_id": "",
        "duration": event.millis / 1000,
        "size": event.size,
        "status": event.status,
        "resp_headers": {"Server": ["Caddy"]},
    }
    return json.dumps(record, separators=(",", ":"))


CloudflareTime = Literal["unixnano", "unix", "rfc3339"]


def _cloudflare(event: _Event, host: str, clock: CloudflareTime) -> str:
    stamp: int | str
    if clock == "unixnano":
        stamp = event.time * 1_000_000_000 + (event.seq % 1000) * 1_000_000
    elif clock == "unix":
        stamp = event.time
    else:
        stamp = _iso(event.time)
    record = {
        "ClientIP": event.client,
        "ClientRequestHost": host,
        "ClientRequestMethod": event.method,
        "ClientRequestURI": event.target,
        "ClientRequestUserAgent": event.user_agent,
        "ClientRequestProtocol": event.protocol,
        "ClientRequestReferer": "" if event.referer == "-" else event.referer,
        "EdgeResponseStatus": event.status,
        "EdgeResponseBytes": event.size + 312,
        "EdgeStartTimestamp": stamp,
        "RayID": f"{(event.time * 7919 + event.seq) & 0xFFFFFFFFFFFFFFF:015x}0",
    }
    return json.dumps(record, separators=(",", ":"))


@dataclass
class _Options:
    tz: timezone
    clock: CloudflareTime
    multi_host: bool


def _line(fmt: Format, event: _Event, host: str, options: _Options) -> bytes:
    if event.junk == "binary":
        return _junk(event)
    if fmt in ("combined", "combined-gz"):
        text = _combined(event, host, options.tz, options.multi_host)
    elif fmt == "nginx-json":
        text = _nginx(event, host, options.tz)
    elif fmt == "caddy":
        text = _caddy(event, host)
    else:
        text = _cloudflare(event, host, options.clock)
    if event.junk == "truncated":  # cut in the middle of the User-Agent: no closing quote or brace
        text = text[: text.index(event.user_agent) + len(event.user_agent) // 2]
    return text.encode("utf-8")


# --- writing ----------------------------------------------------------------------------------


def _open(path: Path, fmt: Format, stack: ExitStack) -> IO[bytes]:
    raw = stack.enter_context(path.open("wb"))
    if fmt == "combined-gz":
        # mtime 0 and no file name in the header: the same logs give the same bytes
        packed = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0)
        stack.callback(packed.close)
        return cast(IO[bytes], packed)
    return raw


def write_logs(
    out_dir: Path | str,
    sites: Sequence[LogSite] | None,
    start: datetime,
    end: datetime,
    seed: int = 0,
    formats: Sequence[str] = ("combined",),
    *,
    cast: Sequence[Actor] = DEFAULT_CAST,
    ranges: Mapping[str, Sequence[str]] | None = None,
    visitors_per_day: float = 25.0,
    malformed: Mapping[MalformedKind, int] = DEFAULT_MALFORMED,
    one_file: bool = False,
    quiet: Sequence[tuple[datetime, datetime]] = (),
    tz: timezone = UTC,
    cloudflare_time: CloudflareTime = "unixnano",
    truth_file: str | None = "truth.json",
) -> Truth:
    """Write access logs of ``sites`` from ``start`` to ``end`` into ``out_dir``; return (and
    write as ``truth_file``, unless None) the ground truth.

    ``sites`` None: :func:`default_sites`. ``ranges``: CIDRs by agent token (default: the
    bundled snapshot, :func:`published_ranges`); genuine crawlers come from inside them,
    spoofed ones from :data:`SPOOF_NETWORK`. ``one_file``: one log of every site per format
    (``all-sites.*``; combined then carries the host in front, as ``vhost_combined``), else
    one per site (``<host>.*``). ``quiet``: spans in which no crawler comes (a crawl of the
    site is running, say), so a judge's dating of robots.txt to the crawl's fetch agrees with
    the truth. ``malformed``: how many of each kind per log. ``tz``: the offset the text
    formats write times in.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ValueError(f"formats must be some of {', '.join(FORMATS)}; got {list(formats)}")
    chosen: tuple[Format, ...] = tuple(f for f in FORMATS if f in formats)
    first, last = _epoch(start), _epoch(end)
    assert first is not None and last is not None
    if last <= first:
        raise ValueError("end must be after start")
    if sites is None:
        sites = default_sites(start, end)
    if len({s.host for s in sites}) != len(sites):
        raise ValueError("each site once")
    if len({a.name for a in cast}) != len(cast):
        raise ValueError("each actor needs its own name")
    cidrs = published_ranges() if ranges is None else ranges
    range_set = _Ranges({agent: _networks(c) for agent, c in cidrs.items()})
    _check_outside(range_set)
    ctx = _Context(
        start=first,
        end=last,
        seed=seed,
        ranges=range_set,
        quiet=sorted((_epoch(a) or 0, _epoch(b) or 0) for a, b in quiet),
    )
    states = [_state(i, site) for i, site in enumerate(sites)]
    for state in states:
        rng = ctx.rng("people", state.site.host)
        networks = _networks(HUMAN_NETWORKS)
        state.people = tuple(_address_in(networks[i % 2], rng) for i in range(60))
    registry = load_registry()
    scheduled: list[_Event] = []
    for state in states:
        for actor in cast:
            if actor.hosts is not None and state.site.host not in actor.hosts:
                continue
            if state.site.host in actor.except_hosts:
                continue
            agent = registry.get(actor.agent)
            if agent is None or agent.user_agent is None:
                raise ValueError(f"{actor.agent}: no published User-Agent in the registry")
            events = _Crawler(ctx, state, actor, agent.user_agent).run()
            for event in events:
                assert event.truth is not None
                verification = range_set.verification(actor.agent, event.client)
                event.truth.update(
                    agent=agent.token,
                    purpose=agent.purpose,
                    verification=verification,
                    spoofed=actor.spoofed,
                )
            scheduled.extend(events)
        scheduled.extend(_search_engines(ctx, state))
    options = _Options(tz=tz, clock=cloudflare_time, multi_host=one_file)
    groups = [("all-sites", states)] if one_file else [(s.site.host, [s]) for s in states]
    files: list[dict[str, Any]] = []
    counts = {kind: 0 for kind in _STREAM}
    written: list[tuple[str, _Event]] = []
    for name, members in groups:
        indexes = {s.index for s in members}
        mine = [e for e in scheduled if e.site in indexes]
        mine += _malformed(ctx, name, malformed)
        numbers: dict[MalformedKind, list[int]] = {k: [] for k in MALFORMED_KINDS}
        with ExitStack() as stack:
            outs = [(f, _open(out / f"{name}.{SUFFIXES[f]}", f, stack)) for f in chosen]
            number = 0
            for event in _in_order(ctx, members, mine, visitors_per_day):
                number += 1
                counts[event.kind] += 1
                host = states[event.site].site.host if event.site >= 0 else members[0].site.host
                for fmt, stream in outs:
                    stream.write(_line(fmt, event, host, options) + b"\n")
                if event.junk is not None:
                    numbers[event.junk].append(number)
                elif event.truth is not None:
                    event.truth["line"] = number
                    written.append((name, event))
        for fmt in chosen:
            files.append(
                {
                    "name": f"{name}.{SUFFIXES[fmt]}",
                    "format": (
                        "vhost_combined"
                        if one_file and fmt.startswith("combined")
                        else fmt.removesuffix("-gz")
                    ),
                    "compression": "gzip" if fmt == "combined-gz" else None,
                    "site": None if one_file else name,
                    "lines": number,
                    "malformed": {k: v for k, v in numbers.items()},
                }
            )
    hits = [_hit_record(name, states[e.site].site.host, e) for name, e in written]
    _mark_robots_before(hits)
    truth = Truth(
        {
            "generator": "sampleweb.access_logs",
            "version": 1,
            "seed": seed,
            "start": _iso(first),
            "end": _iso(last),
            "cache_allowance_hours": 24,
            "networks": {
                "humans": list(HUMAN_NETWORKS),
                "spoofed": SPOOF_NETWORK,
                "unpublished": UNPUBLISHED_NETWORK,
            },
            "ranges": {agent: list(c) for agent, c in sorted(cidrs.items())},
            "quiet": [[_iso(a), _iso(b)] for a, b in ctx.quiet],
            "sites": {s.site.host: _site_record(s) for s in states},
            "cast": [_actor_record(a) for a in cast],
            "files": files,
            "counts": {**counts, "lines": sum(counts.values())},
            "hits": hits,
            "behaviour": _behaviour(hits),
        }
    )
    if truth_file is not None:
        (out / truth_file).write_text(json.dumps(truth.data, indent=1) + "\n", encoding="utf-8")
    return truth


def _state(index: int, site: LogSite) -> _SiteState:
    changed = _epoch(site.changed_at)
    history = _History(
        old=site.robots,
        new=site.new_robots if changed is not None else None,
        changed=changed,
        last_seen=_epoch(site.last_seen_old) if site.last_seen_old else changed,
        known=_epoch(site.known_since),
    )
    return _SiteState(index, site, history, site.answer or _default_answer(site), _trap_paths(site))


def _in_order(
    ctx: _Context, members: Sequence[_SiteState], events: list[_Event], visitors: float
) -> Iterator[_Event]:
    """The log's events in time order, one day at a time (people are made day by day)."""
    by_day: dict[int, list[_Event]] = {}
    for event in events:
        by_day.setdefault(event.time // _DAY, []).append(event)
    for day in range(ctx.start // _DAY, (ctx.end - 1) // _DAY + 1):
        batch = by_day.pop(day, [])
        for state in members:
            batch.extend(_human_day(ctx, state, day * _DAY, visitors))
        batch.sort(key=_Event.key)
        yield from batch


def _hit_record(group: str, host: str, event: _Event) -> dict[str, Any]:
    truth = event.truth
    assert truth is not None
    bare = event.target.split("?", 1)[0]
    return {
        "log": group,
        "line": truth["line"],
        "site": host,
        "time": _iso(event.time),
        "client": event.client,
        "agent": truth["agent"],
        "purpose": truth["purpose"],
        "verification": truth["verification"],
        "spoofed": truth["spoofed"],
        "actor": truth["actor"],
        "part": truth["part"],
        "method": event.method,
        "target": event.target,
        "status": event.status,
        "robots_txt": bare == "/robots.txt",
        "image": bool(_IMAGE_RE.search(bare)),
        "judgement": truth["judgement"],
        "rule": truth["rule"],
        "violation": truth["judgement"] == "disallowed",
        "allowed_old": truth["allowed_old"],
        "allowed_new": truth["allowed_new"],
        "followed": truth["followed"],
        "flood": truth["flood"],
    }


def _mark_robots_before(hits: list[dict[str, Any]]) -> None:
    """Each hit: had the same agent (as verified or claimed alike) read this site's robots.txt
    earlier in the log, and was it a request after the site refused that agent (403/402)?"""
    read: set[tuple[str, str, str]] = set()
    refused: set[tuple[str, str, str]] = set()
    for hit in sorted(hits, key=lambda h: (h["site"], h["log"], h["line"])):
        key = (hit["site"], hit["agent"], hit["verification"])
        hit["robots_read_before"] = key in read
        hit["after_refusal"] = key in refused
        if hit["robots_txt"]:
            read.add(key)
        if hit["status"] in (402, 403):
            refused.add(key)


def _behaviour(hits: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per site, agent and verification (in the default cast: per site and agent), what the
    judge's behaviour summary must show."""
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for hit in sorted(hits, key=lambda h: (h["site"], h["log"], h["line"])):
        groups.setdefault((hit["site"], hit["agent"], hit["verification"]), []).append(hit)
    records = []
    for (site, agent, verification), mine in sorted(groups.items()):
        first_robots = next((i for i, h in enumerate(mine) if h["robots_txt"]), None)
        refusal = next((i for i, h in enumerate(mine) if h["status"] in (402, 403)), None)
        judgements: dict[str, int] = {}
        for hit in mine:
            judgements[hit["judgement"]] = judgements.get(hit["judgement"], 0) + 1
        floods = [h for h in mine if h["flood"]]
        records.append(
            {
                "site": site,
                "agent": agent,
                "verification": verification,
                "actors": sorted({h["actor"] for h in mine}),
                "hits": len(mine),
                "robots_reads": sum(h["robots_txt"] for h in mine),
                "robots_read_first": first_robots == 0,
                "requests_before_robots": len(mine) if first_robots is None else first_robots,
                "images_disallowed": sum(h["image"] and h["violation"] for h in mine),
                "violations": judgements.get("disallowed", 0),
                "judgements": dict(sorted(judgements.items())),
                "refused_at": None if refusal is None else mine[refusal]["time"],
                "refused_status": None if refusal is None else mine[refusal]["status"],
                "hits_after_refusal": 0 if refusal is None else len(mine) - refusal - 1,
                "kept_coming": refusal is not None and refusal < len(mine) - 1,
                "flood_day": floods[0]["time"][:10] if floods else None,
                "flood_images": len(floods),
                "flood_prefix": ("/" + floods[0]["target"].split("/")[1] + "/" if floods else None),
            }
        )
    return records


def _site_record(state: _SiteState) -> dict[str, Any]:
    site, history = state.site, state.history

    def text(body: bytes | None) -> str | None:
        return None if body is None else body.decode("utf-8", "replace")

    return {
        "robots": text(site.robots),
        "new_robots": text(history.new),
        "changed_at": None if history.changed is None else _iso(history.changed),
        "last_seen_old": None if history.last_seen is None else _iso(history.last_seen),
        "known_since": None if history.known is None else _iso(history.known),
    }


def _actor_record(actor: Actor) -> dict[str, Any]:
    return {
        "name": actor.name,
        "agent": actor.agent,
        "part": actor.part,
        "spoofed": actor.spoofed,
        "cache_hours": actor.cache_hours,
        "reads_robots": actor.reads_robots,
        "persists": actor.persists,
        "flood": actor.flood,
    }
