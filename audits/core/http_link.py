"""HTTP ``Link`` header fields (RFC 8288): the links, their relation types and attributes.

Parsed by hand, leniently (RFC 8288 Appendix B): w3lib and parsel offer nothing for the
``Link`` field. Malformed links are skipped; the input read is bounded in size.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

MAX_LINK_HEADER_CHARS = 16 * 1024

_EMPTY_PARAMS: Mapping[str, str] = MappingProxyType({})
_PARAM_STOP = frozenset(" \t;,=")
_VALUE_STOP = frozenset(" \t;,")


@dataclass(frozen=True)
class Link:
    """One link of an HTTP ``Link`` field (RFC 8288 §3)."""

    target: str
    rels: tuple[str, ...]
    """Relation types, lower-cased (registered types compare case-insensitively, §2.1.1)."""
    params: Mapping[str, str] = field(default_factory=lambda: _EMPTY_PARAMS)
    """Target attributes, names lower-cased, quotes removed; the first of a name wins."""

    @property
    def media_type(self) -> str | None:
        """The ``type`` hint without parameters, lower-cased."""
        hint = self.params.get("type")
        return hint.split(";", 1)[0].strip().lower() if hint else None


def _skip(text: str, pos: int, chars: str = " \t") -> int:
    while pos < len(text) and text[pos] in chars:
        pos += 1
    return pos


def _after_comma(text: str, pos: int) -> int:
    """Position after the next comma outside a quoted string (or the end)."""
    quoted = False
    while pos < len(text):
        char = text[pos]
        if quoted and char == "\\":
            pos += 1
        elif char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            return pos + 1
        pos += 1
    return len(text)


def _quoted(text: str, pos: int) -> tuple[str, int]:
    """A quoted-string starting at ``pos`` (RFC 9110 §5.6.4); unterminated runs to the end."""
    out: list[str] = []
    pos += 1
    while pos < len(text):
        char = text[pos]
        if char == "\\" and pos + 1 < len(text):
            out.append(text[pos + 1])
            pos += 2
            continue
        if char == '"':
            return "".join(out), pos + 1
        out.append(char)
        pos += 1
    return "".join(out), pos


def _scan(text: str, pos: int, stop: frozenset[str]) -> int:
    while pos < len(text) and text[pos] not in stop:
        pos += 1
    return pos


def _params(text: str, pos: int) -> tuple[dict[str, str], int]:
    params: dict[str, str] = {}
    while True:
        pos = _skip(text, pos)
        if pos >= len(text) or text[pos] != ";":
            break
        start = _skip(text, pos + 1)
        pos = _scan(text, start, _PARAM_STOP)
        name = text[start:pos].lower()
        pos = _skip(text, pos)
        value = ""
        if pos < len(text) and text[pos] == "=":
            pos = _skip(text, pos + 1)
            if pos < len(text) and text[pos] == '"':
                value, pos = _quoted(text, pos)
            else:
                end = _scan(text, pos, _VALUE_STOP)
                value, pos = text[pos:end], end
        # RFC 8288 §3.3: occurrences of rel after the first are ignored; same for others.
        if name and name not in params:
            params[name] = value
    return params, pos


def _links_in(text: str) -> list[Link]:
    links: list[Link] = []
    pos = 0
    while pos < len(text):
        pos = _skip(text, pos, " \t,")
        if pos >= len(text):
            break
        if text[pos] != "<":
            pos = _after_comma(text, pos)
            continue
        end = text.find(">", pos + 1)
        if end < 0:
            break
        target = text[pos + 1 : end].strip()
        params, pos = _params(text, end + 1)
        rels = tuple(params.get("rel", "").lower().split())
        links.append(Link(target, rels, MappingProxyType(params)))
        if pos < len(text) and text[pos] != ",":
            pos = _after_comma(text, pos)
    return links


def bounded_links(values: Sequence[str]) -> tuple[list[Link], bool]:
    """Links of the field values that fit in the size bound, and whether any were left out."""
    links: list[Link] = []
    total = 0
    for value in values:
        total += len(value)
        if total > MAX_LINK_HEADER_CHARS:
            return links, True
        links.extend(_links_in(value))
    return links, False


def links_with_rel(values: Sequence[str], rel: str) -> tuple[Link, ...]:
    """Links of ``Link`` field values whose relation types include ``rel`` (bounded input)."""
    wanted = rel.lower()
    return tuple(link for link in bounded_links(values)[0] if wanted in link.rels)
