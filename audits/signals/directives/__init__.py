"""Robots directives (``noai``, ``noindex``, ...): classification, AI reservation, reading.

Shared by the HTML meta reader (:mod:`audits.signals.directives.meta`) and the
``X-Robots-Tag`` reader (:mod:`audits.signals.directives.header`). Content is split on commas
only, as Google, img2dataset and Spawning's datadiligence do (signals.md §8.2, §8.5):
``noai; noimageai`` or ``noai noimageai`` is one directive nobody knows, so it is recorded as
written and flagged rather than silently repaired.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
from typing import Literal

from audits.core.findings import FindingLog, Severity

DirectiveKind = Literal["ai-optout", "bing-ai", "search", "unknown"]

MAX_DIRECTIVES = 1_000

CODES: dict[str, Severity] = {
    "meta-ai-directive-typo": "warning",
    "meta-nonstandard-ai-directive": "warning",
    "meta-unknown-directive": "info",
    "meta-bad-separator": "warning",
    "meta-too-many-directives": "warning",
}

AI_OPTOUT = frozenset({"noai", "noimageai"})
BING_AI = frozenset({"noarchive", "nocache"})
SEARCH = frozenset(
    {
        "all", "index", "follow", "noindex", "nofollow", "none", "nosnippet", "noimageindex",
        "notranslate", "nositelinkssearchbox", "indexifembedded", "noodp", "noydir",
        "max-snippet", "max-image-preview", "max-video-preview", "unavailable_after",
    }
)  # fmt: skip
KNOWN_DIRECTIVES = AI_OPTOUT | BING_AI | SEARCH
AGENT_TOKEN_RE = re.compile(r"^(?:\*|[a-z0-9_-]+)$")
"""A lower-cased crawler product token (or ``*``)."""

_AI_WORDS = frozenset(
    {"ai", "ml", "llm", "gpt", "genai", "tdm", "training", "aitraining", "dataset", "datasets"}
)
_AI_AFTER_NO = ("ai", "ml", "llm", "gpt", "genai", "imageai", "train", "dataset", "tdm", "scrap")
_WORD_SPLIT_RE = re.compile(r"[-_ .=:;]+")


@dataclass(frozen=True)
class RobotsDirective:
    """One directive and the agent it is addressed to (``*``: every crawler)."""

    agent: str
    name: str
    value: str | None
    kind: DirectiveKind
    source: str
    """``meta``, ``x-robots-tag`` or ``robots-tag``."""
    line: int | None
    """Source line of the meta tag, or 1-based position of the header field."""

    @property
    def text(self) -> str:
        """The directive as one lower-case string, e.g. ``noai`` or ``max-snippet:50``."""
        return self.name if self.value is None else f"{self.name}:{self.value}"


@dataclass(frozen=True)
class AiReservation:
    """What a set of directives reserves for AI (signals.md §8.2, §8.3)."""

    all_ai: bool
    """``noai``: no AI use of the content."""
    images: bool
    """``noimageai`` or ``noai``: no AI use of the images."""
    bing_training: bool
    """``noarchive`` alone: Bing leaves it out of Chat answers and of training."""
    bing_snippets_only: bool
    """``nocache`` (alone or with ``noarchive``): Bing uses only URL, title and snippet."""

    @property
    def any(self) -> bool:
        """Whether anything at all is reserved."""
        return self.all_ai or self.images or self.bing_training or self.bing_snippets_only


def classify_directive(name: str) -> DirectiveKind:
    """AI opt-out, Bing AI control, search control, or unknown (signals.md §8.5)."""
    key = name.split(":", 1)[0].strip().lower()
    if key in AI_OPTOUT:
        return "ai-optout"
    if key in BING_AI:
        return "bing-ai"
    return "search" if key in SEARCH else "unknown"


def ai_reservation(directives: Iterable[str]) -> AiReservation:
    """Summarise directives (as from ``directives_for``) into what they reserve for AI."""
    names = {d.split(":", 1)[0].strip().lower() for d in islice(directives, MAX_DIRECTIVES)}
    nocache = "nocache" in names
    # Bing treats noarchive together with nocache as nocache (signals.md §8.3).
    return AiReservation(
        all_ai="noai" in names,
        images="noai" in names or "noimageai" in names,
        bing_training="noarchive" in names and not nocache,
        bing_snippets_only=nocache,
    )


def union_for(directives: tuple[RobotsDirective, ...], agent: str) -> frozenset[str]:
    """Directives that bind ``agent``: the ``*`` ones plus its own."""
    # draft-illyes-repext: obey the sum of the global and the product-token rules (§8.1).
    wanted = agent.strip().lower()
    return frozenset(d.text for d in directives if d.agent in ("*", wanted))


class DirectiveReader:
    """Turns comma-separated directive lists into classified directives, flagging oddities."""

    def __init__(self, findings: FindingLog) -> None:
        self.findings = findings
        self.directives: list[RobotsDirective] = []
        self.truncated = False

    def read_list(self, content: str, agent: str, source: str, line: int | None) -> None:
        """Read a comma-separated list of directives addressed to ``agent``."""
        for part in content.split(","):
            self.read_one(part, agent, source, line)

    def read_one(self, part: str, agent: str, source: str, line: int | None) -> None:
        """Read one directive, ``name`` or ``name:value``, addressed to ``agent``."""
        if len(self.directives) >= MAX_DIRECTIVES:
            if not self.truncated:
                self.findings.add(
                    "meta-too-many-directives",
                    f"More than {MAX_DIRECTIVES} directives; rest ignored.",
                )
            self.truncated = True
            return
        text = part.strip().lower()
        if not text:
            return
        name, colon, value = text.partition(":")
        name = name.strip()
        directive = RobotsDirective(
            agent, name, value.strip() if colon else None, classify_directive(name), source, line
        )
        self.directives.append(directive)
        if directive.kind == "unknown":
            self._flag_unknown(directive, part.strip())

    def _flag_unknown(self, directive: RobotsDirective, raw: str) -> None:
        name, agent, line = directive.name, directive.agent, directive.line
        if ";" in name or " " in name or "\t" in name:
            message = f"{raw!r} is one directive to crawlers, which split on commas only."
            self.findings.add("meta-bad-separator", message, line=line, evidence=raw, agent=agent)
        elif is_ai_typo(name):
            message = f"{raw!r} looks like a misspelt noai/noimageai; no crawler reads it."
            self.findings.add(
                "meta-ai-directive-typo", message, line=line, evidence=raw, agent=agent
            )
        elif looks_ai(name):
            message = f"{raw!r} is not a known AI directive; no known consumer reads it."
            self.findings.add(
                "meta-nonstandard-ai-directive", message, line=line, evidence=raw, agent=agent
            )
        else:
            message = f"Unknown directive {raw!r} is ignored by crawlers."
            self.findings.add(
                "meta-unknown-directive", message, line=line, evidence=raw, agent=agent
            )


def is_ai_typo(name: str) -> bool:
    """Whether ``name`` looks like a misspelt ``noai`` or ``noimageai``."""
    if len(name) > 24:
        return False
    letters = re.sub(r"[^a-z]", "", name)
    if letters in AI_OPTOUT and letters != name:
        return True
    return any(_edit_distance(name, target) == 1 for target in AI_OPTOUT)


def looks_ai(name: str) -> bool:
    """Whether ``name`` reads like an AI directive (``no-ai-training``, ``nollm``)."""
    if any(word in _AI_WORDS for word in _WORD_SPLIT_RE.split(name)):
        return True
    letters = re.sub(r"[^a-z]", "", name)
    return letters.startswith("no") and letters[2:].startswith(_AI_AFTER_NO)


def _edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance (adjacent swaps count as one edit)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]
