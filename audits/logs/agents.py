"""Who came: the registry agent a log line's User-Agent names, by whole product token.

A User-Agent is a list of products (``GPTBot/1.3``) and comments (``(compatible; GPTBot/1.3;
+https://openai.com/gptbot)``); crawlers put their token in either. A registry spelling
matches where it stands as a whole token, compared case-insensitively:

- a token is a run of letters, digits, ``-``, ``_`` and inner dots, so ``Claude-User`` is
  not ``Claude``, ``Applebot-Extended`` is not ``Applebot`` and ``Baiduspider`` is not
  ``Spider``;
- a run right after ``/`` is a version or a path, never a product (``Mozilla/GPTBot``);
- URLs and e-mail addresses in comments are skipped (``+https://openai.com/gptbot`` in
  another crawler's string names no GPTBot);
- spellings of more than one run (``ChatGPT Agent``, ``bigsur.ai``) match as a whole, with a
  token boundary after them;
- a spelling that is another agent's spelling plus a version (``iaskspider/2.0``,
  ``MistralAI-User/1.0``) names the same product: such lines go to the agent without the
  version.

When a string names several agents, the leftmost wins (at one place, the longest spelling).
Each distinct string is scanned once: results are kept in a bounded LRU cache, and strings
longer than :data:`CACHED_CHARS` are scanned every time rather than kept.
"""

from __future__ import annotations

import re
from functools import _CacheInfo, _lru_cache_wrapper, lru_cache
from typing import Final

from audits.core.agents import Agent, Registry

CACHE_SIZE: Final = 32_768
"""Distinct User-Agent strings remembered."""
CACHED_CHARS: Final = 1024
"""Longer strings are not cached, so the cache stays under about CACHE_SIZE KiB of text."""

_RUN: Final = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*", re.ASCII | re.IGNORECASE)
_SKIPPED: Final = re.compile(
    r"[a-z][a-z0-9+.-]*://[^\s;(),<>\"']*"  # URLs
    r"|[^\s;(),<>\"'/]*@[^\s;(),<>\"']*",  # e-mail addresses
    re.ASCII | re.IGNORECASE,
)
_VERSIONED: Final = re.compile(r"(.+?)[/ ]v?[0-9][0-9.]*", re.ASCII | re.IGNORECASE)


class AgentMatcher:
    """Names the registry agent in a User-Agent string, by whole product token."""

    def __init__(self, registry: Registry, cache_size: int = CACHE_SIZE) -> None:
        self.registry = registry
        self._starts = _spellings_by_first_run(registry)
        self._cached: _lru_cache_wrapper[Agent | None] = lru_cache(maxsize=cache_size)(self.scan)

    def match(self, user_agent: str) -> Agent | None:
        """The agent ``user_agent`` names as a whole token, or None (cached per string)."""
        if len(user_agent) > CACHED_CHARS:
            return self.scan(user_agent)
        return self._cached(user_agent)

    def cache_info(self) -> _CacheInfo:
        """Hits, misses and size of the per-string cache."""
        return self._cached.cache_info()

    def scan(self, user_agent: str) -> Agent | None:
        """The uncached lookup: the leftmost registry token in the string."""
        kept = _SKIPPED.sub(" ", user_agent)
        text = kept.lower()
        starts = self._starts
        for run in _RUN.finditer(text):
            candidates = starts.get(run.group())
            if candidates is None:
                continue
            start = run.start()
            if start and text[start - 1] == "/":
                continue
            for spelling, agent in candidates:
                if text.startswith(spelling, start) and _ends_token(text, start + len(spelling)):
                    if spelling in EVERYDAY_WORDS and not _product_form(kept, text, start, agent):
                        continue
                    return agent
        return None


EVERYDAY_WORDS: Final = frozenset(
    {"code", "cursor", "operator", "spider", "devin", "trae", "yak", "lcc", "scrapy"}
)
"""Registry spellings that are everyday words or very short: ``web spider/4.0`` is Sogou,
not the agent called ``Spider``. They count only as a product token, ``Cursor/1.2``, in the
registry's own capitalisation (a misattribution would accuse an operator of a visit it
never made)."""


def _product_form(kept: str, text: str, start: int, agent: Agent) -> bool:
    """The word at ``start`` is written ``Token/…`` with one of the agent's own spellings."""
    if len(kept) != len(text):  # lower() changed the length: offsets no longer line up
        return False
    return any(
        kept.startswith(spelling + "/", start) for spelling in (agent.token, *agent.spellings)
    )


def _ends_token(text: str, end: int) -> bool:
    """No token character continues the text at ``end`` (an inner dot would)."""
    if end >= len(text):
        return True
    following = text[end]
    if following.isascii() and (following.isalnum() or following in "-_"):
        return False
    return not (following == "." and end + 1 < len(text) and text[end + 1].isalnum())


def _spellings_by_first_run(registry: Registry) -> dict[str, list[tuple[str, Agent]]]:
    """Each spelling (lower case) with its agent, keyed by its first token run, longest
    spelling first; version-suffixed spellings of another agent are left out."""
    starts: dict[str, list[tuple[str, Agent]]] = {}
    seen: set[str] = set()
    for agent in registry.agents:
        for spelling in (agent.token, *agent.spellings):
            folded = spelling.strip().lower()
            owner = registry.get(spelling)
            if (
                not folded
                or folded in seen
                or owner is None
                or _is_version_of_other(spelling, owner, registry)
            ):
                continue
            seen.add(folded)
            first = _RUN.match(folded)
            if first is None:
                continue
            starts.setdefault(first.group(), []).append((folded, owner))
    for candidates in starts.values():
        candidates.sort(key=lambda pair: -len(pair[0]))
    return starts


def _is_version_of_other(spelling: str, owner: Agent, registry: Registry) -> bool:
    """``iaskspider/2.0`` when ``iaskspider`` is a spelling of another agent."""
    versioned = _VERSIONED.fullmatch(spelling.strip())
    if versioned is None:
        return False
    base = registry.get(versioned.group(1))
    return base is not None and base is not owner
