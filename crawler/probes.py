"""Probes: a few of a site's baseline fetches asked again as other crawlers.

Opt-in (``OPTOUT_PROBE_AGENTS``). Once a site's baseline (the requests made with our own
User-Agent) is complete, its robots.txt, home page, one content page and one image are
requested again once per probed agent, each time with that agent's published User-Agent
string, so the audit can tell what the site's edge does to those agents (refuses, charges,
challenges or serves them). Only URLs the baseline got an answer from are probed, and nothing
is ever requested from a probe's answer. See docs/crawler.md, "Probes".

The pure parts live here: reading the two settings, the per-site opt-out and the choice of
which baseline fetches a site's probes repeat. The spider makes the requests.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urlsplit

from audits.core.agents import Agent, Registry, load_registry
from crawler.items import FetchRecord
from crawler.seeds import Seed

PROBE_KIND: Final = "probe"
"""``FetchRecord.kind`` of a probe; its ``agent`` names the agent whose User-Agent it sent."""
DEFAULT_WORD: Final = "default"
"""``OPTOUT_PROBE_AGENTS=default``: the registry's default probe set."""
NO_PROBE_TAG: Final = "no-probe"
"""A seed with this tag is never probed."""
PROBED: Final = ("robots", "home", "content", "image")
"""What a site's probes repeat, in the order they are asked: robots.txt, the home page, one
content page (an artwork page, else a sampled page) and one image."""
_CONTENT_KINDS: Final = {"artwork": 0, "page": 1}
_REFUSED_US: Final = frozenset({401, 402, 403, 407, 429})


def probe_tokens(value: object) -> tuple[str, ...] | None:
    """The tokens ``OPTOUT_PROBE_AGENTS`` names: ``()`` when empty (probes off), None for
    ``default`` alone; ``default`` inside a list stands for the default set's tokens."""
    text = str(value or "").strip()
    if not text:
        return ()
    tokens = tuple(token.strip() for token in text.split(",") if token.strip())
    if len(tokens) == 1 and tokens[0].casefold() == DEFAULT_WORD:
        return None
    return tokens


def probe_agents(value: object, registry: Registry | None = None) -> tuple[Agent, ...]:
    """The agents a crawl probes as, from the value of ``OPTOUT_PROBE_AGENTS`` (empty: none;
    ``default``: the registry's default set; else comma-separated registry tokens, in that
    order, each once, where ``default`` stands for the default set). ValueError, naming them,
    for tokens the registry does not know or that have no published User-Agent string."""
    tokens = probe_tokens(value)
    if tokens == ():
        return ()
    registry = registry or load_registry()
    if tokens is None:
        return _with_user_agent(registry.probe_agents(None))
    wanted: list[str] = []
    for token in tokens:
        if token.casefold() == DEFAULT_WORD:
            wanted.extend(agent.token for agent in registry.probe_agents(None))
        else:
            wanted.append(token)
    return _with_user_agent(registry.probe_agents(wanted))


def _with_user_agent(agents: Iterable[Agent]) -> tuple[Agent, ...]:
    """The agents, each checked to carry the User-Agent string a probe sends."""
    agents = tuple(agents)
    missing = [agent.token for agent in agents if not agent.user_agent]
    if missing:
        raise ValueError(f"no published User-Agent string for {', '.join(missing)}")
    return agents


def excluded_hosts(value: object) -> frozenset[str]:
    """The hosts ``OPTOUT_PROBE_EXCLUDE`` names (comma-separated; an origin or URL stands for
    its host), lower case, without a port or a trailing dot."""
    hosts = set()
    for entry in str(value or "").split(","):
        entry = entry.strip()
        if not entry:
            continue
        host = urlsplit(entry if "://" in entry else f"//{entry}").hostname or ""
        host = host.rstrip(".")
        if host:
            hosts.add(host)
    return frozenset(hosts)


def site_probed(seed: Seed, excluded: frozenset[str]) -> bool:
    """Whether a site may be probed: not tagged ``no-probe``, and its host is neither an
    excluded host nor under one (``example.com`` also covers ``www.example.com``)."""
    if any(tag.strip().casefold() == NO_PROBE_TAG for tag in seed.tags):
        return False
    host = (urlsplit(seed.origin).hostname or "").rstrip(".")
    return not any(host == name or host.endswith("." + name) for name in excluded)


@dataclass(frozen=True)
class ProbeTarget:
    """One baseline fetch a site's probes repeat."""

    kind: str
    """The baseline's kind (robots, home, page, artwork, image): its size limit and Range."""
    url: str
    """The URL the baseline asked for, and each probe asks for."""
    path: tuple[str, ...]
    """Every URL the baseline went through to its answer (its redirects, then its final URL):
    where a probe may follow a redirect to (``crawler.middlewares.probe_redirect``)."""


@dataclass
class ProbeTargets:
    """Which of a site's baseline fetches its probes will repeat, chosen as answers arrive.

    robots.txt and the home page are the site's own (``/robots.txt`` and ``/``, as first
    requested); the content page and the image are, among the baseline's answers of that
    kind, one served in full (2xx, no bot wall) when there is one, then an artwork page before
    a sampled page, then the lowest URL: a choice that does not depend on the order answers
    arrive in. A fetch that got no answer (an error, a skip) is never a target, nor is a
    rendered copy or a platform's listing page, nor an answer that refused, walled,
    rate-limited or failed our own request (401, 402, 403, 407, 429, 5xx, a bot wall): there
    is nothing to compare a probe with, and a site that is already pushing back gets no more
    requests.
    """

    origin: str
    chosen: dict[str, tuple[tuple[int, int, str], ProbeTarget]] = field(default_factory=dict)
    """What (robots, home, content, image) → its rank (ending in the URL) and target."""

    def offer(self, record: FetchRecord, *, discovery: bool = False) -> None:
        """A baseline answer: kept when it is the best candidate so far for its slot."""
        if record.status is None or record.rendered or record.skipped or record.agent:
            return
        if record.status in _REFUSED_US or record.status >= 500 or record.bot_wall:
            return  # the site refused, walled, rate-limited or failed us: no more requests
        url = record.requested_url
        slot, order = _slot(record.kind, url, self.origin, discovery)
        if slot is None:
            return
        served = 0 if 200 <= record.status < 300 and not record.bot_wall else 1
        rank = (served, order, url)
        best = self.chosen.get(slot)
        if best is None or rank < best[0]:
            path = (*record.redirect_chain, record.final_url or url)
            self.chosen[slot] = (rank, ProbeTarget(record.kind, url, path))

    def targets(self) -> list[ProbeTarget]:
        """Each chosen fetch, in ``PROBED`` order, each URL once."""
        found: list[ProbeTarget] = []
        for slot in PROBED:
            if slot in self.chosen:
                target = self.chosen[slot][1]
                if all(target.url != other.url for other in found):
                    found.append(target)
        return found


def _slot(kind: str, url: str, origin: str, discovery: bool) -> tuple[str | None, int]:
    """Which probe slot a baseline fetch may fill, and its order among its kinds."""
    if kind == "robots":
        return ("robots" if url == origin + "/robots.txt" else None), 0
    if kind == "home":
        return ("home" if url == origin + "/" else None), 0
    if kind in _CONTENT_KINDS and not discovery:
        return "content", _CONTENT_KINDS[kind]
    if kind == "image":
        return "image", 0
    return None, 0
