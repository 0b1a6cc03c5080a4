"""Path patterns as RFC 9309 §2.2.2–2.2.3 defines them, shared by robots.txt, ai.txt,
TDMRep and Content-Usage rules.

Written by hand rather than taken from Protego because Protego's matcher is private
(``protego._urlpattern``) and its public API answers only allowed/disallowed for a whole
file; verdicts here must name the rule that decided and its priority in octets. Protego's
public API is still used to report what Protego would decide (see ``robots.py``).

Matching is linear in practice: a pattern is split at ``*`` and each piece is found
left-most after the previous one, which is exact for patterns whose only wildcard is ``*``
and never backtracks, so hostile patterns such as ``/*a*a*a*a*a*b`` stay cheap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

_ESCAPE_RE = re.compile(r"%([0-9A-Fa-f]{2})")


def normalise(pattern: str) -> str:
    """A rule path escaped for comparison, as Google's reference matcher does it.

    Octets outside ASCII are percent-encoded and existing escapes upper-cased
    (RFC 9309 §2.2.2). Escapes of unreserved characters are *not* decoded: the
    conformance suite of Google's matcher expects ``/foo/bar/%62%61%7A`` not to match
    ``/foo/bar/baz``, and real crawlers compare that way.
    """
    if pattern.isascii():
        return _ESCAPE_RE.sub(lambda m: "%" + m.group(1).upper(), pattern)
    out = []
    for char in pattern:
        if char.isascii():
            out.append(char)
        else:
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogatepass"))
    return _ESCAPE_RE.sub(lambda m: "%" + m.group(1).upper(), "".join(out))


def path_of(url_or_path: str) -> str:
    """The part of a URL that rules match against: path, params and query, no fragment.

    A URL with an empty path becomes ``/``. The URL is compared as given (crawlers
    request escaped URLs), so it is not re-encoded.
    """
    text = url_or_path.strip()
    if "://" in text.split("?", 1)[0] or text.startswith("//"):
        parts = urlsplit(text)
        path = parts.path or "/"
        if parts.query or text.split("#", 1)[0].endswith("?"):
            path += "?" + parts.query
        return path
    path = text.split("#", 1)[0] or "/"
    return path if path.startswith("/") else "/" + path


@dataclass(frozen=True)
class PathPattern:
    """A compiled rule path: ``*`` matches any run of octets, a final ``$`` anchors the end."""

    raw: str
    normalised: str
    anchored: bool
    pieces: tuple[str, ...]

    @property
    def priority(self) -> int:
        """Length in octets of the normalised pattern, ``*`` and ``$`` included (§2.2.2)."""
        return len(self.normalised) + (1 if self.anchored else 0)

    def matches(self, path: str) -> bool:
        """Whether this pattern matches a normalised path (see :func:`path_of`)."""
        pieces = self.pieces
        if len(pieces) == 1:
            return path == pieces[0] if self.anchored else path.startswith(pieces[0])
        first, last = pieces[0], pieces[-1]
        if not path.startswith(first):
            return False
        pos = len(first)
        for piece in pieces[1:-1]:
            found = path.find(piece, pos)
            if found < 0:
                return False
            pos = found + len(piece)
        if self.anchored:
            return len(path) - len(last) >= pos and path.endswith(last)
        return path.find(last, pos) >= 0


@lru_cache(maxsize=65_536)
def compile_pattern(raw: str) -> PathPattern:
    """Compile a rule path. ``$`` is special only at the end; runs of ``*`` collapse."""
    text = raw.strip()
    anchored = text.endswith("$")
    if anchored:
        text = text[:-1]
    normalised = normalise(text) if "%" in text or not text.isascii() else text
    collapsed = re.sub(r"\*+", "*", normalised) if "**" in normalised else normalised
    return PathPattern(
        raw=raw, normalised=normalised, anchored=anchored, pieces=tuple(collapsed.split("*"))
    )
