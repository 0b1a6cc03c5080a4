"""HTML meta robots and X-Robots-Tag directives, with the AI ones picked out (signals.md §8).

Content is split on commas only, as Google, img2dataset and Spawning's datadiligence do
(signals.md §8.2, §8.5): ``noai; noimageai`` or ``noai noimageai`` is one directive nobody
knows, so it is recorded as written and flagged rather than silently repaired.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any, Literal

from parsel import Selector

from audits.findings import Finding, Severity, make_finding

DirectiveKind = Literal["ai-optout", "bing-ai", "search", "unknown"]

MAX_HTML_BYTES = 2 * 1024 * 1024
MAX_META_TAGS = 2_000
MAX_LINK_TAGS = 2_000
MAX_LICENSES = 100
MAX_HEADER_FIELDS = 100
MAX_HEADER_CHARS = 8 * 1024
"""Per field; draft-illyes-repext asks parsers to read at least 8 KiB (signals.md §8.1)."""
MAX_DIRECTIVES = 1_000
MAX_FINDINGS_PER_CODE = 20

CODES: dict[str, Severity] = {
    "meta-robots-outside-head": "warning",
    "meta-ai-directive-typo": "warning",
    "meta-nonstandard-ai-directive": "warning",
    "meta-nonstandard-ai-name": "warning",
    "meta-unknown-directive": "info",
    "meta-bad-separator": "warning",
    "meta-too-many-tags": "warning",
    "meta-html-truncated": "info",
    "meta-header-too-long": "warning",
    "meta-too-many-header-fields": "warning",
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
_KNOWN = AI_OPTOUT | BING_AI | SEARCH
# Page-description names that never name a crawler, whatever their content says.
_NOT_AGENTS = frozenset(
    {
        "description", "keywords", "author", "viewport", "generator", "application-name",
        "referrer", "theme-color", "color-scheme", "creator", "publisher", "copyright",
        "rating", "format-detection", "tdm-reservation", "tdm-policy",
    }
)  # fmt: skip
# Ad-hoc AI meta names seen in the wild, with no spec and no consumer (signals.md §8.4).
_AD_HOC_AI_NAMES = frozenset(
    {"ai", "ai-index", "ai-crawl", "ai-pref", "ai-training", "llm-training", "noai", "noimageai"}
)
_AI_WORDS = frozenset(
    {"ai", "ml", "llm", "gpt", "genai", "tdm", "training", "aitraining", "dataset", "datasets"}
)
_AI_AFTER_NO = ("ai", "ml", "llm", "gpt", "genai", "imageai", "train", "dataset", "tdm", "scrap")
_TOKEN_RE = re.compile(r"^(?:\*|[a-z0-9_-]+)$")
_REPEXT_RE = re.compile(r"^\s*(?:\*|[A-Za-z0-9_-]+)\s*=")
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
class LicenseLink:
    """A ``<link rel="license">``; RSL only with type ``application/rsl+xml`` (§7.5)."""

    href: str
    type: str | None
    line: int | None

    @property
    def is_rsl(self) -> bool:
        """Whether the link declares the RSL media type."""
        return self.type is not None and self.type.split(";")[0].strip().lower() == (
            "application/rsl+xml"
        )


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


@dataclass(frozen=True)
class MetaRobots:
    """Robots directives, licence links and generator found in one HTML page."""

    directives: tuple[RobotsDirective, ...]
    ignored: tuple[RobotsDirective, ...]
    """Robots directives outside ``<head>``, which crawlers ignore."""
    licenses: tuple[LicenseLink, ...]
    rsl_script: bool
    generator: str | None
    meta_count: int
    truncated: bool
    findings: tuple[Finding, ...]

    def directives_for(self, agent: str) -> frozenset[str]:
        """Directives that bind ``agent``: the ``*`` ones plus its own."""
        return _union_for(self.directives, agent)


@dataclass(frozen=True)
class XRobotsTag:
    """Directives from every ``X-Robots-Tag`` and ``Robots-Tag`` field of one response."""

    directives: tuple[RobotsDirective, ...]
    fields: tuple[str, ...]
    truncated: bool
    findings: tuple[Finding, ...]

    def directives_for(self, agent: str) -> frozenset[str]:
        """Directives that bind ``agent``: the ``*`` ones plus its own."""
        return _union_for(self.directives, agent)


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


def parse_meta_robots(html: str | bytes) -> MetaRobots:
    """Read robots meta tags in ``<head>``, licence links, RSL scripts and the generator."""
    text, truncated = _bounded_html(html)
    findings = _Findings()
    if truncated:
        findings.add("meta-html-truncated", f"Only the first {MAX_HTML_BYTES} bytes were read.")
    root = Selector(text=text, type="html").root
    reader = _DirectiveReader(findings)
    ignored: list[RobotsDirective] = []
    generator: str | None = None
    metas = list(islice(root.iter("meta"), MAX_META_TAGS + 1))
    if len(metas) > MAX_META_TAGS:
        findings.add(
            "meta-too-many-tags", f"More than {MAX_META_TAGS} meta tags; the rest ignored."
        )
        metas = metas[:MAX_META_TAGS]
    for element in metas:
        name = (element.get("name") or "").strip().lower()
        content = element.get("content") or ""
        line = element.sourceline
        if name == "generator" and generator is None and content.strip():
            generator = content.strip()[:200]
        agent = _meta_agent(name, content, findings, line)
        if agent is None:
            continue
        if _in_head(element):
            reader.read_list(content, agent, "meta", line)
            continue
        outside = _DirectiveReader(_Findings())
        outside.read_list(content, agent, "meta", line)
        ignored.extend(outside.directives)
        findings.add(
            "meta-robots-outside-head",
            f"<meta name={name!r}> is outside <head>; crawlers ignore it.",
            line=line,
            evidence=content,
        )
    return MetaRobots(
        directives=tuple(reader.directives),
        ignored=tuple(ignored),
        licenses=_licenses(root),
        rsl_script=_has_rsl_script(root),
        generator=generator,
        meta_count=len(metas),
        truncated=truncated or reader.truncated,
        findings=findings.frozen(),
    )


def parse_x_robots_tag(headers: Mapping[str, str] | Sequence[tuple[str, str]]) -> XRobotsTag:
    """Read every X-Robots-Tag and Robots-Tag field; unprefixed directives bind every crawler."""
    findings = _Findings()
    reader = _DirectiveReader(findings)
    fields: list[str] = []
    truncated = False
    for name, value in _header_items(headers):
        source = name.strip().lower()
        if source not in ("x-robots-tag", "robots-tag"):
            continue
        if len(fields) >= MAX_HEADER_FIELDS:
            findings.add(
                "meta-too-many-header-fields",
                f"More than {MAX_HEADER_FIELDS} robots header fields; the rest ignored.",
            )
            truncated = True
            break
        position = len(fields) + 1
        if len(value) > MAX_HEADER_CHARS:
            findings.add(
                "meta-header-too-long",
                f"{name} value is over {MAX_HEADER_CHARS} characters; parsers may drop the rest.",
                line=position,
                evidence=value,
            )
            value = value[:MAX_HEADER_CHARS].rsplit(",", 1)[0]
            truncated = True
        fields.append(value)
        # Robots-Tag is the draft's own field; X-Robots-Tag may carry either form (§8.1).
        if source == "robots-tag" or _REPEXT_RE.match(value):
            _read_repext(reader, value, source, position)
        else:
            _read_prefixed(reader, value, source, position)
    return XRobotsTag(
        directives=tuple(reader.directives),
        fields=tuple(fields),
        truncated=truncated or reader.truncated,
        findings=findings.frozen(),
    )


class _Findings:
    """Collects findings, at most ``MAX_FINDINGS_PER_CODE`` per code."""

    def __init__(self) -> None:
        self.items: list[Finding] = []
        self.counts: dict[str, int] = {}

    def add(
        self,
        code: str,
        message: str,
        *,
        line: int | None = None,
        evidence: str | None = None,
        agent: str | None = None,
    ) -> None:
        count = self.counts.get(code, 0)
        self.counts[code] = count + 1
        if count < MAX_FINDINGS_PER_CODE:
            finding = make_finding(CODES, code, message, line=line, evidence=evidence, agent=agent)
            self.items.append(finding)

    def frozen(self) -> tuple[Finding, ...]:
        return tuple(self.items)


class _DirectiveReader:
    """Turns comma-separated directive lists into classified directives, flagging oddities."""

    def __init__(self, findings: _Findings) -> None:
        self.findings = findings
        self.directives: list[RobotsDirective] = []
        self.truncated = False

    def read_list(self, content: str, agent: str, source: str, line: int | None) -> None:
        for part in content.split(","):
            self.read_one(part, agent, source, line)

    def read_one(self, part: str, agent: str, source: str, line: int | None) -> None:
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
        elif _is_ai_typo(name):
            message = f"{raw!r} looks like a misspelt noai/noimageai; no crawler reads it."
            self.findings.add(
                "meta-ai-directive-typo", message, line=line, evidence=raw, agent=agent
            )
        elif _looks_ai(name):
            message = f"{raw!r} is not a known AI directive; no known consumer reads it."
            self.findings.add(
                "meta-nonstandard-ai-directive", message, line=line, evidence=raw, agent=agent
            )
        else:
            message = f"Unknown directive {raw!r} is ignored by crawlers."
            self.findings.add(
                "meta-unknown-directive", message, line=line, evidence=raw, agent=agent
            )


def _union_for(directives: tuple[RobotsDirective, ...], agent: str) -> frozenset[str]:
    # draft-illyes-repext: obey the sum of the global and the product-token rules (§8.1).
    wanted = agent.strip().lower()
    return frozenset(d.text for d in directives if d.agent in ("*", wanted))


def _read_prefixed(reader: _DirectiveReader, value: str, source: str, position: int) -> None:
    """Google's form: ``noai, GPTBot: noindex, nofollow``; a prefix lasts until the next one."""
    agent = "*"
    for part in value.split(","):
        head, colon, rest = part.partition(":")
        token = head.strip().lower()
        if colon and token not in _KNOWN and _TOKEN_RE.match(token):
            agent = token
            part = rest
        reader.read_one(part, agent, source, position)


def _read_repext(reader: _DirectiveReader, value: str, source: str, position: int) -> None:
    """draft-illyes-repext form: ``*=noindex, nosnippet; ExampleBot=;`` (signals.md §8.1)."""
    for segment in value.split(";"):
        token, equals, rules = segment.partition("=")
        if not equals:
            token, rules = "*", segment
        agent = token.strip().lower() or "*"
        reader.read_list(rules, agent, source, position)


def _meta_agent(name: str, content: str, findings: _Findings, line: int | None) -> str | None:
    """``*`` for name=robots, the token for a crawler-named meta, else ``None``."""
    if name == "robots":
        return "*"
    if name in _AD_HOC_AI_NAMES:
        findings.add(
            "meta-nonstandard-ai-name",
            f"<meta name={name!r}> has no specification and no known consumer; "
            "use <meta name='robots' content='noai, noimageai'>.",
            line=line,
            evidence=content,
        )
        return None
    if name in _NOT_AGENTS or not _TOKEN_RE.match(name) or name == "*":
        return None
    # Any other name is a crawler token only if its content reads like robots directives:
    # a known one, a misspelt noai, or a "no…" AI directive (so "AI art" keywords do not count).
    for part in islice(content.split(",", 50), 50):
        word = part.split(":", 1)[0].strip().lower()
        if classify_directive(word) != "unknown" or _is_ai_typo(word):
            return name
        if word.startswith("no") and _looks_ai(word):
            return name
    return None


def _is_ai_typo(name: str) -> bool:
    if len(name) > 24:
        return False
    letters = re.sub(r"[^a-z]", "", name)
    if letters in AI_OPTOUT and letters != name:
        return True
    return any(_edit_distance(name, target) == 1 for target in AI_OPTOUT)


def _looks_ai(name: str) -> bool:
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


def _bounded_html(html: str | bytes) -> tuple[str, bool]:
    # Encode and decode again so lone surrogates and bad bytes become U+FFFD: lxml rejects them.
    raw = html[: MAX_HTML_BYTES + 1].encode("utf-8", "replace") if isinstance(html, str) else html
    return raw[:MAX_HTML_BYTES].decode("utf-8", "replace"), len(raw) > MAX_HTML_BYTES


def _in_head(element: Any) -> bool:
    return any(ancestor.tag == "head" for ancestor in element.iterancestors())


def _licenses(root: Any) -> tuple[LicenseLink, ...]:
    found: list[LicenseLink] = []
    for link in islice(root.iter("link"), MAX_LINK_TAGS):
        rels = (link.get("rel") or "").lower().split()
        href = (link.get("href") or "").strip()
        if "license" in rels and href:
            found.append(LicenseLink(href[:2048], link.get("type"), link.sourceline))
            if len(found) >= MAX_LICENSES:
                break
    return tuple(found)


def _has_rsl_script(root: Any) -> bool:
    for script in islice(root.iter("script"), MAX_LINK_TAGS):
        kind = (script.get("type") or "").split(";")[0].strip().lower()
        if kind == "application/rsl+xml":
            return True
    return False


def _header_items(
    headers: Mapping[str, str] | Sequence[tuple[str, str]],
) -> Iterator[tuple[str, str]]:
    items: Iterable[tuple[str, str]] = headers.items() if isinstance(headers, Mapping) else headers
    yield from items
