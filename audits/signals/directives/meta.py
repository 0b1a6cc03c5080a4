"""HTML meta robots tags, licence links and the generator (signals.md §8).

Directives are classified and flagged by :mod:`audits.signals.directives`; the
``X-Robots-Tag`` header is read by :mod:`audits.signals.directives.header`.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from typing import Any

from parsel import Selector

from audits.core.findings import Finding, FindingLog, Severity
from audits.signals.directives import (
    AGENT_TOKEN_RE,
    DirectiveReader,
    RobotsDirective,
    classify_directive,
    is_ai_typo,
    looks_ai,
    union_for,
)
from audits.signals.directives import CODES as DIRECTIVE_CODES

MAX_HTML_BYTES = 2 * 1024 * 1024
MAX_META_TAGS = 2_000
MAX_LINK_TAGS = 2_000
MAX_LICENSES = 100

CODES: dict[str, Severity] = {
    "meta-robots-outside-head": "warning",
    "meta-nonstandard-ai-name": "warning",
    "meta-too-many-tags": "warning",
    "meta-html-truncated": "info",
}

_EMITTED: dict[str, Severity] = {**DIRECTIVE_CODES, **CODES}

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
        return union_for(self.directives, agent)


def parse_meta_robots(html: str | bytes) -> MetaRobots:
    """Read robots meta tags in ``<head>``, licence links, RSL scripts and the generator."""
    text, truncated = _bounded_html(html)
    findings = FindingLog(_EMITTED)
    if truncated:
        findings.add("meta-html-truncated", f"Only the first {MAX_HTML_BYTES} bytes were read.")
    root = Selector(text=text, type="html").root
    reader = DirectiveReader(findings)
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
        outside = DirectiveReader(FindingLog(_EMITTED))
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


def _meta_agent(name: str, content: str, findings: FindingLog, line: int | None) -> str | None:
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
    if name in _NOT_AGENTS or not AGENT_TOKEN_RE.match(name) or name == "*":
        return None
    # Any other name is a crawler token only if its content reads like robots directives:
    # a known one, a misspelt noai, or a "no…" AI directive (so "AI art" keywords do not count).
    for part in islice(content.split(",", 50), 50):
        word = part.split(":", 1)[0].strip().lower()
        if classify_directive(word) != "unknown" or is_ai_typo(word):
            return name
        if word.startswith("no") and looks_ai(word):
            return name
    return None


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
