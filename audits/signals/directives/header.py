"""The ``X-Robots-Tag`` and ``Robots-Tag`` response headers (signals.md §8.1).

Two forms are read: Google's ``noai, GPTBot: noindex`` (a product-token prefix lasts until
the next one) and draft-illyes-repext's ``*=noindex; ExampleBot=nosnippet``. The directives
themselves are classified by :mod:`audits.signals.directives`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from audits.core.findings import Finding, FindingLog, Severity
from audits.signals.directives import (
    AGENT_TOKEN_RE,
    KNOWN_DIRECTIVES,
    DirectiveReader,
    RobotsDirective,
    union_for,
)
from audits.signals.directives import CODES as DIRECTIVE_CODES

MAX_HEADER_FIELDS = 100
MAX_HEADER_CHARS = 8 * 1024
"""Per field; draft-illyes-repext asks parsers to read at least 8 KiB (signals.md §8.1)."""

CODES: dict[str, Severity] = {
    "meta-header-too-long": "warning",
    "meta-too-many-header-fields": "warning",
}

_EMITTED: dict[str, Severity] = {**DIRECTIVE_CODES, **CODES}
_REPEXT_RE = re.compile(r"^\s*(?:\*|[A-Za-z0-9_-]+)\s*=")


@dataclass(frozen=True)
class XRobotsTag:
    """Directives from every ``X-Robots-Tag`` and ``Robots-Tag`` field of one response."""

    directives: tuple[RobotsDirective, ...]
    fields: tuple[str, ...]
    truncated: bool
    findings: tuple[Finding, ...]

    def directives_for(self, agent: str) -> frozenset[str]:
        """Directives that bind ``agent``: the ``*`` ones plus its own."""
        return union_for(self.directives, agent)


def parse_x_robots_tag(headers: Mapping[str, str] | Sequence[tuple[str, str]]) -> XRobotsTag:
    """Read every X-Robots-Tag and Robots-Tag field; unprefixed directives bind every crawler."""
    findings = FindingLog(_EMITTED)
    reader = DirectiveReader(findings)
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


def _read_prefixed(reader: DirectiveReader, value: str, source: str, position: int) -> None:
    """Google's form: ``noai, GPTBot: noindex, nofollow``; a prefix lasts until the next one."""
    agent = "*"
    for part in value.split(","):
        head, colon, rest = part.partition(":")
        token = head.strip().lower()
        if colon and token not in KNOWN_DIRECTIVES and AGENT_TOKEN_RE.match(token):
            agent = token
            part = rest
        reader.read_one(part, agent, source, position)


def _read_repext(reader: DirectiveReader, value: str, source: str, position: int) -> None:
    """draft-illyes-repext form: ``*=noindex, nosnippet; ExampleBot=;`` (signals.md §8.1)."""
    for segment in value.split(";"):
        token, equals, rules = segment.partition("=")
        if not equals:
            token, rules = "*", segment
        agent = token.strip().lower() or "*"
        reader.read_list(rules, agent, source, position)


def _header_items(
    headers: Mapping[str, str] | Sequence[tuple[str, str]],
) -> Iterator[tuple[str, str]]:
    items: Iterable[tuple[str, str]] = headers.items() if isinstance(headers, Mapping) else headers
    yield from items
