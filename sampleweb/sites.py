"""Load the sample web's site folders (``sites/<host>/site.json`` + ``files/``) into memory.

The format is described in ``sampleweb/README.md``. Loading checks everything up front, so a
mistake in a site description stops the server at start with the file and the key to fix,
never with a traceback in the middle of a crawl.
"""

from __future__ import annotations

import json
import mimetypes
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, Literal

from crawler.seeds import KINDS

SITES_DIR = Path(__file__).resolve().parent / "sites"
HOSTILE_DIR = Path(__file__).resolve().parent / "hostile"
"""The hostile web: sites that break every rule, kept out of the sample seeds and the demo."""
VARIANTS_DIR = Path(__file__).resolve().parent / "variants"
"""Each sub-folder is a variant: site folders that replace the same hosts while active."""


SIGNAL_NAMES: dict[str, str] = {
    "noai-meta": "<meta name=robots content=noai, noimageai> on the pages",
    "noimageai-meta": "noimageai only, on the pages",
    "x-robots-tag-noai": "X-Robots-Tag: noai on some responses",
    "per-agent-meta": "a robots meta tag addressed to one crawler (<meta name=GPTBot>)",
    "bing-noarchive": "Bing's noarchive/nocache as its AI-training opt-out",
    "rendered-noai": "noai added by JavaScript, visible only when the page is rendered",
    "per-profile-noai": "a platform whose creator profiles each choose noai",
    "robots-ai-block": "robots.txt groups that disallow AI crawlers and nothing else",
    "robots-partial-block": "robots.txt that disallows AI crawlers on some paths only",
    "robots-redirect-chain": "robots.txt reached through a short, valid redirect chain",
    "robots-cross-host-redirect": "robots.txt redirected to another host",
    "robots-bom": "robots.txt starting with a UTF-8 byte order mark",
    "content-signal": "a well-formed Content-Signal line in robots.txt",
    "content-usage-robots": "Content-Usage rules in robots.txt (IETF aipref attachment)",
    "content-usage-header": "the Content-Usage HTTP response header",
    "cloudflare-managed": "Cloudflare's managed robots.txt block",
    "ai-robots-txt-boilerplate": "the ai.robots.txt list pasted as one group",
    "aitxt-reserved": "a Spawning ai.txt reserving every file type",
    "aitxt-images": "a Spawning ai.txt reserving image files only",
    "tdmrep-file": "a valid /.well-known/tdmrep.json",
    "tdm-header": "tdm-reservation/tdm-policy response headers",
    "tdm-meta": "tdm-reservation/tdm-policy meta tags",
    "iptc-data-mining": "images with an XMP plus:DataMining value (and some without)",
    "rsl-license": "an RSL licence named in robots.txt and in Link headers",
    "llms-txt": "an llms.txt file",
    "terms-of-service": "a terms-of-service page linked from the home page",
    "slow-response": "responses delayed or dripped slowly",
    "oversized-response": "bodies larger than the crawler's size limits",
    "hostile-text": "<script> and template syntax in policy files, headers and meta",
    "edge-ai-refused": "the CDN refuses named AI agents (403 error page); robots.txt allows all",
    "edge-pay-per-crawl": "402 Payment Required with a crawler-price header for AI agents",
    "edge-x402": "402 Payment Required with an x402 JSON payment-requirements body",
    "edge-ai-challenge": "a JavaScript challenge page shown to AI agents only",
    "edge-ai-decoy": "AI agents get decoy pages with hidden links into a generated maze",
    "edge-robots-refused": "AI agents are refused even /robots.txt (they cannot read it)",
    "robots-request-only": "robots.txt blocks AI crawlers, the server serves them every page",
    "edge-control": "the control for probes: every agent gets the same answers",
}
"""Names allowed in ``covers`` besides finding codes: signals that are no finding."""

MAX_DELAY = 30.0
MAX_HANG = 60.0
MAX_DRIP_SECONDS = 60.0
MAX_BODY_BYTES = 16 * 1024 * 1024
MAX_REPEAT = 1_000_000
MAX_STREAM_BYTES = 4 * 1024**3
"""Generated bodies (``stream_bytes``, ``bomb_bytes``) are made while sending, never held."""
MAX_HEADER_FLOOD = 100_000
MAX_MAZE_LINKS = 20
ENCODINGS = ("gzip", "br")

Behaviour = Literal["reset", "hang"]

_HOST_RE = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+example$")
_COVER_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_HEADER_NAME_RE = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_TOKEN_RE = _HEADER_NAME_RE
"""A User-Agent product token: RFC 9110 token characters, as a header name (``GPTBot``)."""
_MAZE_RE = re.compile(r"^/(?:[A-Za-z0-9._~-]+/)*$")
_SITE_KEYS = {
    "name", "kind", "platform", "country", "tags", "render", "covers", "routes", "headers",
    "profile_pattern", "artwork_pattern", "description", "fallback", "https", "edge",
}  # fmt: skip
_ROUTE_KEYS = {
    "status", "headers", "file", "body", "repeat_file", "times", "head_file", "tail_file",
    "delay", "drip_bytes_per_second", "behaviour", "hang_seconds",
    "encoding", "bomb_bytes", "stream_bytes", "content_length", "chunked", "reset_after",
    "header_flood", "agents", "maze", "maze_links", "template",
}  # fmt: skip
_EDGE_KEYS = _ROUTE_KEYS | {"paths", "except_paths"}
_TEXT_TYPES = ("application/json", "application/xml", "application/rsl+xml", "text/javascript")

_MIME = mimetypes.MimeTypes()
for _type, _ext in (
    ("text/markdown", ".md"),
    ("image/webp", ".webp"),
    ("font/woff2", ".woff2"),
    ("application/xml", ".xml"),
    ("application/rsl+xml", ".rsl"),
    ("text/javascript", ".js"),
):
    _MIME.add_type(_type, _ext)


class SiteError(ValueError):
    """A site folder that cannot be served as described; the message names the file."""


@dataclass(frozen=True)
class Route:
    """What one path (or glob of paths) answers, overriding the static files."""

    pattern: str
    status: int | None = None
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    """The body from ``file``, ``body`` or ``repeat_file``; ``None`` serves the static file."""
    content_type: str | None = None
    """Guessed from the body's file name, when the route names a file."""
    delay: float = 0.0
    drip_bytes_per_second: int | None = None
    behaviour: Behaviour | None = None
    hang_seconds: float = MAX_HANG
    encoding: str | None = None
    """``gzip`` or ``br``: the body is sent compressed, with that Content-Encoding."""
    bomb_bytes: int | None = None
    """The body is this many zero bytes, compressed with ``encoding`` (a decompression bomb)."""
    stream_bytes: int | None = None
    """The body (or the static file) repeated to this many bytes, generated while sending."""
    content_length: int | Literal["none"] | None = None
    """A Content-Length to send instead of the true one (a lie), or ``none`` for no header."""
    chunked: bool = False
    reset_after: int | None = None
    """Send the headers and this many body bytes, then abort with a TCP reset."""
    header_flood: int = 0
    """Extra junk headers sent with the answer."""
    agents: tuple[str, ...] = ()
    """User-Agent product tokens this route answers (any one, case-insensitive, anywhere in
    the header); empty: every request."""
    maze: str | None = None
    """The body is a generated decoy page whose hidden links lead further under this path."""
    maze_links: int = 4
    template: bool = False
    """``{host}``, ``{path}`` and ``{url}`` in the body are replaced for each request."""

    def matches(self, path: str) -> bool:
        return _path_matches(self.pattern, path)

    def answers(self, user_agent: str) -> bool:
        """Whether this route applies to a request with this User-Agent header."""
        return not self.agents or agent_matches(self.agents, user_agent)


@dataclass(frozen=True)
class EdgeRule:
    """A site-wide answer for named agents, checked before the routes and files (a CDN or
    firewall rule keyed on the User-Agent)."""

    agents: tuple[str, ...]
    """Product tokens (any one, case-insensitive, anywhere in the User-Agent header)."""
    paths: tuple[str, ...]
    """Paths or globs the rule covers."""
    except_paths: tuple[str, ...]
    """Paths or globs left to the ordinary site even for these agents."""
    route: Route
    """What the rule answers (its ``pattern`` is the rule's place, ``edge[0]``)."""

    def applies(self, path: str, user_agent: str) -> bool:
        return (
            agent_matches(self.agents, user_agent)
            and any(_path_matches(p, path) for p in self.paths)
            and not any(_path_matches(p, path) for p in self.except_paths)
        )


def agent_matches(tokens: tuple[str, ...], user_agent: str) -> bool:
    """Whether the User-Agent header contains one of the product tokens, in any case."""
    text = user_agent.lower()
    return any(token.lower() in text for token in tokens)


def _path_matches(pattern: str, path: str) -> bool:
    return fnmatchcase(path, pattern) if "*" in pattern else path == pattern


@dataclass(frozen=True)
class Site:
    """One simulated host: its seed facts, its files by URL path, and its route overrides."""

    host: str
    folder: Path
    name: str
    kind: str
    platform: str | None
    country: str | None
    tags: tuple[str, ...]
    render: bool
    covers: tuple[str, ...]
    profile_pattern: str | None = None
    artwork_pattern: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    routes: tuple[Route, ...] = ()
    files: Mapping[str, Path] = field(default_factory=dict)
    """URL path (``/art/1.html``) -> file under ``files/``."""
    fallback: Path | None = None
    """Served with 200 for any path without a file or route (a single-page app's shell)."""
    https: bool = False
    """The seed is ``https://``; through the proxy, that is a tunnel with broken TLS."""
    edge: tuple[EdgeRule, ...] = ()
    """Rules for named agents, checked in order before the routes."""

    @property
    def origin(self) -> str:
        return f"{'https' if self.https else 'http'}://{self.host}"

    @property
    def all_routes(self) -> tuple[Route, ...]:
        """The routes and the answers of the edge rules."""
        return self.routes + tuple(rule.route for rule in self.edge)

    def route_for(self, path: str, user_agent: str = "") -> Route | None:
        """What answers ``path`` for this User-Agent: the first edge rule that applies, else
        the exact route, else the first glob route that matches (routes limited to some
        ``agents`` count only for them)."""
        for rule in self.edge:
            if rule.applies(path, user_agent):
                return rule.route
        routes = [r for r in self.routes if r.answers(user_agent)]
        for route in routes:
            if "*" not in route.pattern and route.pattern == path:
                return route
        return next((r for r in routes if "*" in r.pattern and r.matches(path)), None)

    def file_for(self, path: str) -> Path | None:
        """The static file served at ``path`` (``/x`` also finds ``/x.html`` and ``/x/``)."""
        if path.endswith("/"):
            return self.files.get(path + "index.html") or self.fallback
        return (
            self.files.get(path)
            or self.files.get(path + ".html")
            or self.files.get(path + "/index.html")
            or self.fallback
        )


def content_type_for(name: str) -> str:
    """The Content-Type a file of this name is served with (text types as UTF-8)."""
    guessed, _ = _MIME.guess_type(name, strict=False)
    guessed = guessed or "application/octet-stream"
    if guessed.startswith("text/") or guessed in _TEXT_TYPES:
        return f"{guessed}; charset=utf-8"
    return guessed


def load_sites(sites_dir: Path | None = None) -> dict[str, Site]:
    """Every site folder under ``sites_dir`` (default: the bundled sites), by host name."""
    root = sites_dir or SITES_DIR
    if not root.is_dir():
        raise SiteError(f"{root}: not a folder of sites")
    sites: dict[str, Site] = {}
    for spec in sorted(root.glob("*/site.json")):
        site = load_site(spec.parent)
        sites[site.host] = site
    return sites


def variant_names() -> list[str]:
    """The bundled variants (see ``sampleweb/variants/README.md``)."""
    return sorted(p.name for p in VARIANTS_DIR.iterdir() if p.is_dir())


def load_variant(name: str, base: Mapping[str, Site] | None = None) -> dict[str, Site]:
    """The sites a variant changes, by host name: each is its base site with the files under
    ``variants/<name>/<host>/files/`` served in place of (or beside) the base files."""
    folder = VARIANTS_DIR / name
    if not folder.is_dir():
        raise SiteError(f"no sample-web variant {name!r}; there are: {', '.join(variant_names())}")
    sites = base if base is not None else load_sites()
    changed: dict[str, Site] = {}
    for host_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
        site = sites.get(host_dir.name)
        if site is None:
            raise SiteError(f"{host_dir}: the variant changes a site that does not exist")
        files_dir = host_dir / "files"
        overlay = {
            "/" + path.relative_to(files_dir).as_posix(): path
            for path in sorted(files_dir.rglob("*"))
            if path.is_file()
        }
        changed[site.host] = replace(site, files={**site.files, **overlay})
    return changed


def load_site(folder: Path) -> Site:
    """One site folder; raises ``SiteError`` naming the file and the key at fault."""
    spec_path = folder / "site.json"
    where = str(spec_path)
    host = folder.name
    if not _HOST_RE.match(host):
        raise SiteError(f"{folder}: folder name {host!r} is not a lower-case host under .example")
    try:
        spec = json.loads(spec_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise SiteError(
            f"{where}:{error.lineno}:{error.colno}: invalid JSON: {error.msg}"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise SiteError(f"{where}: cannot read: {error}") from None
    if not isinstance(spec, dict):
        raise SiteError(f"{where}: must hold a JSON object")
    _no_unknown_keys(spec, _SITE_KEYS, where)
    files = _index_files(folder / "files")
    routes_spec = spec.get("routes", {})
    if not isinstance(routes_spec, dict):
        raise SiteError(f"{where}: 'routes' must be an object of path -> route")
    edge_spec = spec.get("edge", [])
    if not isinstance(edge_spec, list):
        raise SiteError(f"{where}: 'edge' must be a list of rules")
    return Site(
        host=host,
        folder=folder,
        name=_text(spec, "name", where, required=True) or host,
        kind=_kind(spec, where),
        platform=_platform(spec, where),
        country=_country(spec, where),
        tags=_strings(spec, "tags", where),
        render=_bool(spec, "render", where),
        covers=_covers(spec, where),
        profile_pattern=_pattern(spec, "profile_pattern", where),
        artwork_pattern=_pattern(spec, "artwork_pattern", where),
        headers=_headers(spec.get("headers", {}), f"{where}: 'headers'"),
        routes=tuple(
            _route(folder, path, value, f"{where}: routes[{path!r}]")
            for path, value in routes_spec.items()
        ),
        files=files,
        fallback=_fallback(folder, spec.get("fallback"), where),
        https=_bool(spec, "https", where),
        edge=tuple(
            _edge_rule(folder, value, where, f"edge[{number}]")
            for number, value in enumerate(edge_spec)
        ),
    )


def _edge_rule(folder: Path, spec: object, spec_path: str, place: str) -> EdgeRule:
    """One ``edge`` rule: ``agents`` (required), ``paths``, ``except_paths`` and route keys."""
    where = f"{spec_path}: {place}"
    if not isinstance(spec, dict):
        raise SiteError(f"{where}: must be an object")
    _no_unknown_keys(spec, _EDGE_KEYS, where)
    if "agents" not in spec:
        raise SiteError(f"{where}: 'agents' is required (the User-Agent tokens it applies to)")
    paths = _paths(spec, "paths", ("/*",), where)
    if not paths:
        raise SiteError(f"{where}: 'paths' must name at least one path")
    except_paths = _paths(spec, "except_paths", (), where)
    route_spec = {k: v for k, v in spec.items() if k not in ("paths", "except_paths")}
    route = _route(folder, paths[0], route_spec, where)
    return EdgeRule(route.agents, paths, except_paths, replace(route, pattern=place))


def _paths(spec: dict[str, Any], key: str, default: tuple[str, ...], where: str) -> tuple[str, ...]:
    value = spec.get(key)
    if value is None:
        return default
    if not isinstance(value, list) or not all(
        isinstance(p, str) and p.startswith("/") for p in value
    ):
        raise SiteError(f"{where}: {key!r} must be a list of paths or globs starting with '/'")
    return tuple(value)


def _agents(spec: dict[str, Any], where: str) -> tuple[str, ...]:
    value = spec.get("agents")
    if value is None:
        return ()
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(t, str) and _TOKEN_RE.match(t) for t in value)
    ):
        raise SiteError(
            f"{where}: 'agents' must be a non-empty list of User-Agent product tokens "
            'such as "GPTBot" (no spaces or slashes)'
        )
    return tuple(value)


def _maze(spec: dict[str, Any], where: str) -> dict[str, Any]:
    """``maze`` (a folder path like ``/maze/``), ``maze_links`` and ``template``."""
    maze = spec.get("maze")
    if maze is not None and (not isinstance(maze, str) or not _MAZE_RE.match(maze)):
        raise SiteError(f"{where}: 'maze' must be a folder path like '/maze/'")
    if maze is not None and any(k in spec for k in ("file", "body", "repeat_file")):
        raise SiteError(f"{where}: 'maze' makes the body; give no 'file', 'body' or 'repeat_file'")
    if "maze_links" in spec and maze is None:
        raise SiteError(f"{where}: 'maze_links' only goes with 'maze'")
    links = _count(spec, "maze_links", 1, MAX_MAZE_LINKS, where)
    template = _bool(spec, "template", where)
    if template and not any(k in spec for k in ("file", "body")):
        raise SiteError(f"{where}: 'template' needs a 'file' or 'body'")
    return {"maze": maze, "maze_links": 4 if links is None else links, "template": template}


def _fallback(folder: Path, name: object, where: str) -> Path | None:
    if name is None:
        return None
    _read(folder, name, where, "fallback")
    return folder / str(name)


def _index_files(files_dir: Path) -> dict[str, Path]:
    if not files_dir.is_dir():
        raise SiteError(f"{files_dir}: every site needs a files/ folder with its home page")
    index = {
        "/" + path.relative_to(files_dir).as_posix(): path
        for path in sorted(files_dir.rglob("*"))
        if path.is_file()
    }
    if "/index.html" not in index:
        raise SiteError(f"{files_dir}: no index.html (every site has a home page)")
    return index


def _no_unknown_keys(spec: dict[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(spec) - known)
    if unknown:
        raise SiteError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}")


def _text(spec: dict[str, Any], key: str, where: str, *, required: bool = False) -> str | None:
    value = spec.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise SiteError(f"{where}: {key!r} must be a non-empty string")
    return value


def _kind(spec: dict[str, Any], where: str) -> str:
    kind = _text(spec, "kind", where, required=True)
    if kind not in KINDS:
        raise SiteError(f"{where}: 'kind' must be one of {', '.join(KINDS)}, not {kind!r}")
    return kind


def _platform(spec: dict[str, Any], where: str) -> str | None:
    platform = _text(spec, "platform", where)
    if platform is not None and not re.fullmatch(r"https?://[a-z0-9.-]+(?::\d+)?", platform):
        raise SiteError(f"{where}: 'platform' must be the origin of the hosting platform")
    return platform


def _country(spec: dict[str, Any], where: str) -> str | None:
    country = _text(spec, "country", where)
    if country is not None and not re.fullmatch(r"[A-Z]{2}", country):
        raise SiteError(f"{where}: 'country' must be a two-letter code like 'DE'")
    return country


def _strings(spec: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = spec.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise SiteError(f"{where}: {key!r} must be a list of strings")
    return tuple(value)


def _bool(spec: dict[str, Any], key: str, where: str) -> bool:
    value = spec.get(key, False)
    if not isinstance(value, bool):
        raise SiteError(f"{where}: {key!r} must be true or false")
    return value


def _covers(spec: dict[str, Any], where: str) -> tuple[str, ...]:
    covers = _strings(spec, "covers", where)
    for name in covers:
        if not _COVER_RE.match(name):
            raise SiteError(f"{where}: 'covers' entry {name!r} is not a code or signal name")
    return covers


def _pattern(spec: dict[str, Any], key: str, where: str) -> str | None:
    value = _text(spec, key, where)
    if value is not None and not value.startswith("/"):
        raise SiteError(f"{where}: {key!r} must be a path pattern starting with '/'")
    return value


def _headers(value: object, where: str) -> tuple[tuple[str, str], ...]:
    """Headers as a mapping, or as a list of ``[name, value]`` pairs when names repeat."""
    if isinstance(value, dict):
        pairs = list(value.items())
    elif isinstance(value, list) and all(isinstance(p, list) and len(p) == 2 for p in value):
        pairs = [(p[0], p[1]) for p in value]
    else:
        raise SiteError(f"{where}: must be an object or a list of [name, value] pairs")
    for name, text in pairs:
        if not isinstance(name, str) or not _HEADER_NAME_RE.match(name):
            raise SiteError(f"{where}: {name!r} is not a valid header name")
        if not isinstance(text, str) or "\r" in text or "\n" in text:
            raise SiteError(f"{where}: value of {name!r} must be a one-line string")
    return tuple((str(n), str(v)) for n, v in pairs)


def _route(folder: Path, path: str, spec: object, where: str) -> Route:
    if not path.startswith("/"):
        raise SiteError(f"{where}: route paths start with '/'")
    if not isinstance(spec, dict):
        raise SiteError(f"{where}: must be an object")
    _no_unknown_keys(spec, _ROUTE_KEYS, where)
    status = spec.get("status")
    if status is not None and (not isinstance(status, int) or not 100 <= status <= 599):
        raise SiteError(f"{where}: 'status' must be an HTTP status code (100-599)")
    behaviour = spec.get("behaviour")
    if behaviour not in (None, "reset", "hang"):
        raise SiteError(f"{where}: 'behaviour' must be 'reset' or 'hang'")
    body, content_type = _route_body(folder, spec, where)
    drip = spec.get("drip_bytes_per_second")
    if drip is not None and (not isinstance(drip, int) or drip < 1):
        raise SiteError(f"{where}: 'drip_bytes_per_second' must be a positive integer")
    if drip is not None and body is not None and len(body) / drip > MAX_DRIP_SECONDS:
        raise SiteError(f"{where}: dripping this body takes over {MAX_DRIP_SECONDS:.0f} s")
    generated = _maze(spec, where)
    if generated["template"] and body is not None:
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            raise SiteError(f"{where}: a 'template' body must be UTF-8 text") from None
    return Route(
        pattern=path,
        status=status,
        headers=_headers(spec.get("headers", {}), f"{where}: 'headers'"),
        body=body,
        content_type=content_type,
        delay=_seconds(spec, "delay", MAX_DELAY, 0.0, where),
        drip_bytes_per_second=drip,
        behaviour=behaviour,
        hang_seconds=_seconds(spec, "hang_seconds", MAX_HANG, MAX_HANG, where),
        agents=_agents(spec, where),
        **generated,
        **_hostile_keys(spec, where),
    )


def _count(spec: dict[str, Any], key: str, low: int, high: int, where: str) -> int | None:
    value = spec.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SiteError(f"{where}: {key!r} must be an integer from {low} to {high}")
    return value


def _hostile_keys(spec: dict[str, Any], where: str) -> dict[str, Any]:
    """The keys of the hostile web (compression bombs, lying lengths, floods, resets)."""
    encoding = spec.get("encoding")
    if encoding is not None and encoding not in ENCODINGS:
        raise SiteError(f"{where}: 'encoding' must be one of {', '.join(ENCODINGS)}")
    bomb = _count(spec, "bomb_bytes", 1, MAX_STREAM_BYTES, where)
    if bomb is not None and encoding is None:
        raise SiteError(f"{where}: 'bomb_bytes' needs an 'encoding'")
    length = spec.get("content_length")
    if length != "none":
        length = _count(spec, "content_length", 0, MAX_STREAM_BYTES, where)
    chunked = _bool(spec, "chunked", where)
    if chunked and length is not None:
        raise SiteError(f"{where}: 'chunked' goes without 'content_length'")
    return {
        "encoding": encoding,
        "bomb_bytes": bomb,
        "stream_bytes": _count(spec, "stream_bytes", 1, MAX_STREAM_BYTES, where),
        "content_length": length,
        "chunked": chunked,
        "reset_after": _count(spec, "reset_after", 0, MAX_STREAM_BYTES, where),
        "header_flood": _count(spec, "header_flood", 1, MAX_HEADER_FLOOD, where) or 0,
    }


def _seconds(spec: dict[str, Any], key: str, limit: float, default: float, where: str) -> float:
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= limit:
        raise SiteError(f"{where}: {key!r} must be a number of seconds from 0 to {limit:.0f}")
    return float(value)


def _route_body(folder: Path, spec: dict[str, Any], where: str) -> tuple[bytes | None, str | None]:
    sources = [k for k in ("file", "body", "repeat_file") if k in spec]
    if len(sources) > 1:
        raise SiteError(f"{where}: give only one of 'file', 'body' and 'repeat_file'")
    if "body" in spec:
        if not isinstance(spec["body"], str):
            raise SiteError(f"{where}: 'body' must be a string")
        return spec["body"].encode("utf-8"), None
    if "file" in spec:
        name = spec["file"]
        return _read(folder, name, where, "file"), content_type_for(str(name))
    if "repeat_file" in spec:
        times = spec.get("times")
        if isinstance(times, bool) or not isinstance(times, int) or not 1 <= times <= MAX_REPEAT:
            raise SiteError(f"{where}: 'times' must be an integer from 1 to {MAX_REPEAT}")
        chunk = _read(folder, spec["repeat_file"], where, "repeat_file")
        head = _read(folder, spec["head_file"], where, "head_file") if "head_file" in spec else b""
        tail = _read(folder, spec["tail_file"], where, "tail_file") if "tail_file" in spec else b""
        if len(head) + len(chunk) * times + len(tail) > MAX_BODY_BYTES:
            raise SiteError(f"{where}: the repeated body would exceed {MAX_BODY_BYTES} bytes")
        return head + chunk * times + tail, content_type_for(str(spec["repeat_file"]))
    for key in ("times", "head_file", "tail_file"):
        if key in spec:
            raise SiteError(f"{where}: {key!r} only goes with 'repeat_file'")
    return None, None


def _read(folder: Path, name: object, where: str, key: str) -> bytes:
    if not isinstance(name, str) or not name:
        raise SiteError(f"{where}: {key!r} must be a file name relative to the site folder")
    path = (folder / name).resolve()
    if not path.is_relative_to(folder.resolve()):
        raise SiteError(f"{where}: {key!r} {name!r} points outside the site folder")
    try:
        return path.read_bytes()
    except OSError:
        raise SiteError(f"{where}: {key!r} {name!r} does not exist") from None
