"""The AI agent registry: which user-agent tokens exist, who runs them and for what.

The data is ``audits/data/agents.json``, built by ``scripts/build_agents.py`` from the
ai.robots.txt list (MIT, credited in ``data/ai-robots-txt.LICENSE``) plus the project's own
purpose class per token, the full User-Agent string operators publish (what a probe sends)
and the agents a robots.txt rule cannot bind. Verdicts record :data:`REGISTRY_VERSION`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from typing import Any, Final, Literal, cast, get_args

Purpose = Literal["train", "control", "search", "user", "other"]
ClassSource = Literal["reviewed", "derived"]
Respect = Literal["yes", "no", "unclear"]
RobotsExemption = Literal["ignores", "own-group", "user-action"]
"""Why a robots.txt rule cannot bind an agent: it is documented or measured to ignore
robots.txt, to read only a group naming it (never ``*``), or it is a user-action fetcher
whose operator says robots.txt does not apply to it."""

PURPOSES: Final = frozenset(get_args(Purpose))
TRAINING_PURPOSES: Final = frozenset({"train", "control"})
ROBOTS_EXEMPTIONS: Final = frozenset(get_args(RobotsExemption))
VERSION_RE: Final = re.compile(r"\d{4}\.\d{2}\.\d{2}-\d+")

DEFAULT_PROBE_AGENTS: Final[tuple[str, ...]] = (
    # training
    "GPTBot",
    "CCBot",
    "meta-externalagent",
    # AI search
    "OAI-SearchBot",
    "PerplexityBot",
    "Amazonbot",
    # fetches on a user's request
    "ChatGPT-User",
    "Perplexity-User",
    "meta-externalfetcher",
    "MistralAI-User",
)
"""The agents probed when none are named: each has a published User-Agent string."""

# RFC 9110 §5.5: a field value is visible ASCII and single spaces; a User-Agent string is
# sent as a header, so a line break or control character in the data must never reach it.
_HEADER_VALUE: Final = re.compile(r"[!-~]+(?: [!-~]+)*")
_MAX_USER_AGENT_CHARS: Final = 512
_SOURCE_URL: Final = re.compile(r"https?://\S+")


@dataclass(frozen=True)
class Agent:
    """One AI user-agent token and the facts the project keeps about it."""

    token: str
    """The product token as robots.txt files name it (the operator's spelling)."""
    operator: str | None
    docs_url: str | None
    purpose: Purpose
    """train, control (opt-out token that never crawls), search, user or other."""
    class_source: ClassSource
    """Whether ``purpose`` was reviewed by hand or derived from ``category``."""
    legacy: bool
    """A retired token: its operator no longer documents it."""
    respects_robots: Respect
    category: str | None
    """The knownagents.com category the ai.robots.txt list gives, if any."""
    rfc9309_valid: bool
    """False when the token has characters RFC 9309 §2.2 forbids (digits, spaces, '.', '/')."""
    matchable_as: str | None
    """The leading [A-Za-z_-] run that Google's parser actually compares."""
    sources: tuple[str, ...]
    checked: str
    """ISO date the facts were last checked."""
    spellings: tuple[str, ...] = ()
    """Every spelling the list uses for this token; RFC 9309 §2.2.1 matches them alike."""
    user_agent: str | None = None
    """The full User-Agent string the operator publishes for it (what a probe sends)."""
    user_agent_source: str | None = None
    """Where ``user_agent`` was read: the operator's page."""
    robots_exemption: RobotsExemption | None = None
    """Set when a robots.txt rule cannot bind this agent (see :data:`RobotsExemption`)."""
    robots_exemption_source: str | None = None
    """Where the exemption is documented or measured."""


@dataclass(frozen=True)
class Registry:
    """A versioned, immutable set of agents with case-insensitive lookup."""

    version: str
    agents: tuple[Agent, ...]

    @cached_property
    def _by_folded(self) -> Mapping[str, Agent]:
        return {s.casefold(): a for a in self.agents for s in (*a.spellings, a.token)}

    @cached_property
    def _by_key(self) -> tuple[tuple[str, str, Agent], ...]:
        return tuple(
            (_key(s), _last_segment(s), a) for a in self.agents for s in {a.token, *a.spellings}
        )

    def get(self, token: str) -> Agent | None:
        """The agent whose token equals ``token`` case-insensitively (RFC 9309 §2.2.1)."""
        return self._by_folded.get(token.strip().casefold())

    def by_purpose(self, purpose: Purpose) -> tuple[Agent, ...]:
        """Agents of one purpose class, in registry order."""
        return tuple(a for a in self.agents if a.purpose == purpose)

    def training_agents(self) -> tuple[Agent, ...]:
        """Current tokens that decide AI training use: purpose train or control, not legacy."""
        return tuple(a for a in self.agents if a.purpose in TRAINING_PURPOSES and not a.legacy)

    def tokens(self) -> tuple[str, ...]:
        """Every agent's token, in registry order."""
        return tuple(a.token for a in self.agents)

    def probeable(self) -> tuple[Agent, ...]:
        """Agents with a published User-Agent string (the ones a probe can present)."""
        return tuple(a for a in self.agents if a.user_agent is not None)

    def probe_agents(self, tokens: Sequence[str] | None = None) -> tuple[Agent, ...]:
        """The agents to probe as: ``tokens`` looked up case-insensitively, else the default.

        Duplicates are dropped, order is kept. ValueError names every token that is not in
        the registry or has no published User-Agent string, and lists those that can be
        probed; nothing is half-resolved.
        """
        if isinstance(tokens, str):
            raise TypeError("probe_agents takes a sequence of tokens, not one string")
        wanted = DEFAULT_PROBE_AGENTS if tokens is None else tokens
        agents: dict[str, Agent] = {}
        unknown: list[str] = []
        no_string: list[str] = []
        for token in wanted:
            agent = self.get(token)
            if agent is None:
                unknown.append(token)
            elif agent.user_agent is None:
                no_string.append(agent.token)
            else:
                agents.setdefault(agent.token, agent)
        if unknown or no_string:
            raise ValueError(self._probe_error(unknown, no_string))
        return tuple(agents.values())

    def _probe_error(self, unknown: Sequence[str], no_string: Sequence[str]) -> str:
        """Why some tokens cannot be probed, and which can."""
        problems = []
        if unknown:
            named = ", ".join(self._with_suggestion(t) for t in dict.fromkeys(unknown))
            problems.append(f"not in the agent registry: {named}")
        if no_string:
            problems.append(
                "no published User-Agent string: " + ", ".join(map(repr, dict.fromkeys(no_string)))
            )
        can = ", ".join(sorted((a.token for a in self.probeable()), key=str.casefold))
        return f"cannot probe: {'; '.join(problems)}. Agents that can be probed: {can or 'none'}"

    def _with_suggestion(self, written: str) -> str:
        """A token quoted, with the registry token it was likely meant as."""
        meant = self.suggest(written)
        return f"{written!r} (did you mean {meant.token!r}?)" if meant else repr(written)

    def suggest(self, written: str) -> Agent | None:
        """The agent a user-agent value that is not a registry token was most likely meant as."""
        cache = self._suggestions
        if written not in cache:
            if len(cache) >= _SUGGESTION_CACHE:
                cache.clear()
            cache[written] = _suggest(self, written)
        return cache[written]

    @cached_property
    def _suggestions(self) -> dict[str, Agent | None]:
        """Memo: the same User-agent values recur across thousands of files."""
        return {}


def parse_registry(text: str) -> Registry:
    """A registry from the text of an ``agents.json`` file; ValueError if malformed."""
    data = json.loads(text)
    if not isinstance(data, dict) or not isinstance(data.get("agents"), list):
        raise ValueError("agents.json: expected an object with an 'agents' list")
    version = data.get("version")
    if not isinstance(version, str) or not VERSION_RE.fullmatch(version):
        raise ValueError(f"agents.json: bad version {version!r}")
    return Registry(version, tuple(_agent_from(item) for item in data["agents"]))


def _agent_from(item: Any) -> Agent:
    """One agent from its JSON object, with every field's type checked."""
    if not isinstance(item, dict):
        raise ValueError("agents.json: an agent is not an object")
    token = item.get("token")
    if not isinstance(token, str) or not token:
        raise ValueError(f"agents.json: bad token {token!r}")
    if item.get("purpose") not in PURPOSES:
        raise ValueError(f"agents.json: {token}: bad purpose {item.get('purpose')!r}")
    if item.get("class_source") not in get_args(ClassSource):
        raise ValueError(f"agents.json: {token}: bad class_source")
    if item.get("respects_robots") not in get_args(Respect):
        raise ValueError(f"agents.json: {token}: bad respects_robots")
    user_agent, ua_source = _sourced(item, "user_agent", "user_agent_source")
    exemption, exemption_source = _sourced(item, "robots_exemption", "robots_exemption_source")
    if user_agent is not None:
        _check_user_agent(token, item["purpose"], user_agent)
    if exemption is not None and exemption not in ROBOTS_EXEMPTIONS:
        raise ValueError(f"agents.json: {token}: bad robots_exemption {exemption!r}")
    return Agent(
        token=token,
        operator=_optional_str(item, "operator"),
        docs_url=_optional_str(item, "docs_url"),
        purpose=cast(Purpose, item["purpose"]),
        class_source=cast(ClassSource, item["class_source"]),
        legacy=_bool(item, "legacy"),
        respects_robots=cast(Respect, item["respects_robots"]),
        category=_optional_str(item, "category"),
        rfc9309_valid=_bool(item, "rfc9309_valid"),
        matchable_as=_optional_str(item, "matchable_as"),
        sources=_str_tuple(item, "sources"),
        checked=str(item.get("checked", "")),
        spellings=_str_tuple(item, "spellings") or (token,),
        user_agent=user_agent,
        user_agent_source=ua_source,
        robots_exemption=cast(RobotsExemption | None, exemption),
        robots_exemption_source=exemption_source,
    )


def _sourced(item: Mapping[str, Any], name: str, source: str) -> tuple[str | None, str | None]:
    """A fact and the URL it was read at: both given or both null."""
    value, where = _optional_str(item, name), _optional_str(item, source)
    token = item.get("token")
    if value is not None and where is None:
        raise ValueError(f"agents.json: {token}: {name} has no {source}")
    if value is None and where is not None:
        raise ValueError(f"agents.json: {token}: {source} given without {name}")
    if where is not None and not _SOURCE_URL.fullmatch(where):
        raise ValueError(f"agents.json: {token}: {source} is not a URL: {where!r}")
    return value, where


def _check_user_agent(token: str, purpose: str, user_agent: str) -> None:
    """A User-Agent string fit to send: a control token has none; a plain header value."""
    if purpose == "control":
        raise ValueError(f"agents.json: {token}: a control token never crawls: no user_agent")
    if len(user_agent) > _MAX_USER_AGENT_CHARS or not _HEADER_VALUE.fullmatch(user_agent):
        raise ValueError(f"agents.json: {token}: user_agent is not a plain header value")


def _optional_str(item: Mapping[str, Any], name: str) -> str | None:
    """A field that is a string or null."""
    value = item.get(name)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"agents.json: {item.get('token')}: {name} is not a string")
    return value


def _bool(item: Mapping[str, Any], name: str) -> bool:
    """A field that is true or false."""
    value = item.get(name)
    if not isinstance(value, bool):
        raise ValueError(f"agents.json: {item.get('token')}: {name} is not a boolean")
    return value


def _str_tuple(item: Mapping[str, Any], name: str) -> tuple[str, ...]:
    """A field that is a list of strings."""
    value = item.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"agents.json: {item.get('token')}: {name} is not a list of strings")
    return tuple(value)


@cache
def load_registry() -> Registry:
    """The registry bundled with the package (read once)."""
    text = (resources.files("audits") / "data" / "agents.json").read_text(encoding="utf-8")
    return parse_registry(text)


def registry_version() -> str:
    """The version string of the bundled registry, recorded with every verdict."""
    return load_registry().version


REGISTRY_VERSION: Final[str] = registry_version()


# --- Typo suggestions -------------------------------------------------------------------
#
# A value is compared by its key: lower case, letters and digits only, so "GPT-Bot",
# "gpt_bot" and "GPT Bot" all become "gptbot". Equal keys are a sure suggestion. Otherwise
# an edit distance (insert, delete, substitute, swap two neighbours) is allowed in
# proportion to length, because a short name is one edit away from other real names:
# - keys under 6 characters: no edits;
# - 6-7 characters: one insert, delete or swap, but no substitution ("Aipbot", "SBIder"
#   and "Snapbot" are real crawlers one substitution away from AI2Bot, Spider, ShapBot);
# - 8-11 characters: one edit; 12 or more: two edits.
# A plain similarity ratio is not used because it rewards long shared parts: difflib rates
# "Googlebot-Image" 0.87 alike to "GoogleOther-Image", two real and different crawlers.
# A value cut short ("Google-Extend") is accepted when it keeps at least 80 % of the token.
# Sibling products stay apart: where a token ends in a short code ("SemrushBot-SWA") and
# the value ends in a different short code ("SemrushBot-SA", a real Semrush crawler), it is
# no typo.

_MAX_WRITTEN_CHARS: Final = 200
_MIN_KEY_CHARS: Final = 3
_MIN_FUZZY_CHARS: Final = 6
_MIN_SUBSTITUTION_CHARS: Final = 8
_LONG_KEY_CHARS: Final = 12
_MIN_PREFIX_CHARS: Final = 8
_MIN_PREFIX_SHARE: Final = 0.8
_SHORT_CODE_CHARS: Final = 4
_NOT_KEY = re.compile(r"[^a-z0-9]+")
_SEGMENTS = re.compile(r"[\s\-_./]+")
_VERSION_SUFFIX = re.compile(r"/[0-9][0-9.]*$")


def _key(text: str) -> str:
    """Letters and digits only, lower case: the form typos are compared in."""
    return _NOT_KEY.sub("", text.casefold())


def _last_segment(text: str) -> str:
    """The last part of a token split at spaces, '-', '_', '.' and '/'."""
    parts = [p for p in _SEGMENTS.split(text.casefold()) if p]
    return parts[-1] if len(parts) > 1 else ""


def _edit_limit(key: str) -> tuple[int, int]:
    """Edits a key of this length may differ by as a typo, and what a substitution costs."""
    if len(key) < _MIN_FUZZY_CHARS:
        return 0, 1
    if len(key) < _MIN_SUBSTITUTION_CHARS:
        return 1, 2
    return (1 if len(key) < _LONG_KEY_CHARS else 2), 1


def _edit_distance(a: str, b: str, limit: int, substitution: int = 1) -> int:
    """Optimal string alignment distance, or ``limit + 1`` once it is exceeded."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, char_b in enumerate(b, 1):
            row[j] = min(
                previous[j] + 1, row[j - 1] + 1, previous[j - 1] + substitution * (char_a != char_b)
            )
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                row[j] = min(row[j], before[j - 2] + 1)
        if min(row) > limit:
            return limit + 1
        before, previous = previous, row
    return min(previous[-1], limit + 1)


def _is_other_code(last: str, cand_last: str) -> bool:
    """Both end in a short code and the codes differ: a sibling product, not a typo."""
    short = 0 < len(last) <= _SHORT_CODE_CHARS and 0 < len(cand_last) <= _SHORT_CODE_CHARS
    return short and last != cand_last


def _is_cut_short(key: str, candidate: str) -> bool:
    """The key is the start of the candidate's key, long enough to be unambiguous."""
    return (
        len(key) >= _MIN_PREFIX_CHARS
        and candidate.startswith(key)
        and len(key) >= _MIN_PREFIX_SHARE * len(candidate)
    )


def _typo_cost(key: str, last: str, candidate: tuple[str, str, Agent]) -> int | None:
    """Edits from the written key to a registry spelling, or None if not a likely typo."""
    cand_key, cand_last, _ = candidate
    if key == cand_key:
        return 0
    if _is_other_code(last, cand_last):
        return None
    limit, substitution = _edit_limit(key)
    distance = _edit_distance(key, cand_key, limit, substitution)
    if distance <= limit:
        return distance
    return limit + 1 if _is_cut_short(key, cand_key) else None


_SUGGESTION_CACHE = 50_000


def _suggest(registry: Registry, written: str) -> Agent | None:
    """The registry agent ``written`` is most likely a misspelling of, if any."""
    text = written.strip()
    if not text or len(text) > _MAX_WRITTEN_CHARS or registry.get(text) is not None:
        return None
    text = _VERSION_SUFFIX.sub("", text)
    key = _key(text)
    if len(key) < _MIN_KEY_CHARS:
        return None
    last = _last_segment(text)
    scored = []
    for candidate in registry._by_key:
        cost = _typo_cost(key, last, candidate)
        if cost is not None:
            agent = candidate[2]
            scored.append((cost, not agent.rfc9309_valid, agent.legacy, agent.token, agent))
    return min(scored, key=lambda entry: entry[:4])[-1] if scored else None


def suggest_token(written: str, registry: Registry | None = None) -> Agent | None:
    """The agent a user-agent value that is not a registry token was most likely meant as."""
    return _suggest(registry or load_registry(), written)
