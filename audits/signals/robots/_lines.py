"""Decoding a robots.txt body and splitting it into classified lines (RFC 9309 §2.2).

The tokenizer is lenient where Google's reference parser and Protego both are (missing
colon, misspelt keys) and records each leniency so that it can become a finding.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import Literal, NamedTuple

MAX_BYTES = 512_000
"""RFC 9309 §2.5: a parsing limit of at least 500 KiB; Google stops there too."""
MAX_LINE_BYTES = 16_663
"""Google's reference parser keeps this many bytes of a line (a 2083 * 8 buffer, robots.cc)."""

Key = Literal[
    "user-agent",
    "allow",
    "disallow",
    "sitemap",
    "crawl-delay",
    "content-signal",
    "content-usage",
    "license",
    "disallow-ai-training",
    "allow-ai-training",
    "other",
]

# Misspellings that Google's parser and Protego both accept for the standard keys.
_KEY_SPELLINGS: dict[str, Key] = {
    "user-agent": "user-agent",
    "useragent": "user-agent",
    "user agent": "user-agent",
    "allow": "allow",
    "disallow": "disallow",
    "dissallow": "disallow",
    "dissalow": "disallow",
    "disalow": "disallow",
    "diasllow": "disallow",
    "disallaw": "disallow",
    "sitemap": "sitemap",
    "site-map": "sitemap",
    "crawl-delay": "crawl-delay",
    "content-signal": "content-signal",
    "content-usage": "content-usage",
    "license": "license",
    "disallowaitraining": "disallow-ai-training",
    "allowaitraining": "allow-ai-training",
}
# The spellings that are no mistake: each key as written, and the draft's AI-training keys,
# which are written without dashes (``DisallowAITraining``).
_CANONICAL = frozenset(
    spelling
    for spelling, key in _KEY_SPELLINGS.items()
    if spelling == key or key.endswith("-ai-training")
)
_WS = " \t"


class Line(NamedTuple):
    """One non-empty line of a robots.txt after comment stripping.

    A NamedTuple rather than a frozen dataclass: a large file has a hundred thousand lines
    and frozen dataclasses are several times slower to build.
    """

    number: int
    key: Key
    raw_key: str
    value: str
    text: str
    """The line as written (comment included), bounded."""
    missing_colon: bool = False
    misspelt_key: bool = False
    prefix_key_of: Key | None = None
    """For an unknown key that Google's parser reads by prefix (``Disallowed:``)."""
    truncated: bool = False


@dataclass(frozen=True)
class DecodedBody:
    text: str
    truncated: bool
    had_bom: bool
    decode_errors: int
    encoding: str
    binary: bool


def decode_body(body: bytes | str) -> DecodedBody:
    """Bound, strip a byte-order mark and decode a robots.txt body as UTF-8."""
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogatepass")
    truncated = len(body) > MAX_BYTES
    data = body[:MAX_BYTES]
    encoding = "utf-8"
    had_bom = False
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
        had_bom = True
    else:
        # Google skips a UTF-8 BOM and any prefix of one.
        for prefix in (codecs.BOM_UTF8, codecs.BOM_UTF8[:2], codecs.BOM_UTF8[:1]):
            if data.startswith(prefix):
                data = data[len(prefix) :]
                had_bom = True
                break
    text = data.decode(encoding, "replace")
    errors = text.count("\ufffd") - data.decode(encoding, "ignore").count("\ufffd")
    # NUL characters, whether NUL bytes in UTF-8 or U+0000 in a UTF-16 file, are dropped alike.
    binary = "\x00" in text
    if binary:
        text = text.replace("\x00", "")
    return DecodedBody(text, truncated, had_bom, errors, encoding, binary)


_LINE_SPLIT = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[Line]:
    """Classify every meaningful line; blank and comment-only lines are dropped."""
    lines: list[Line] = []
    for number, original in enumerate(_LINE_SPLIT.split(text), start=1):
        line = _classify(number, original)
        if line is not None:
            lines.append(line)
    return lines


def _classify(number: int, original: str) -> Line | None:
    # A character is at most four bytes: only long lines need their bytes counted.
    truncated = len(original) * 4 > MAX_LINE_BYTES and (
        len(original.encode("utf-8", "surrogatepass")) > MAX_LINE_BYTES
    )
    raw = original[:MAX_LINE_BYTES] if truncated else original
    hash_at = raw.find("#")
    content = (raw if hash_at < 0 else raw[:hash_at]).strip(_WS)
    if not content:
        return None
    shown = raw if len(raw) <= 500 else raw[:500]
    key_part, sep, value = content.partition(":")
    missing_colon = False
    if not sep:
        # Google and Protego accept whitespace as the separator when the line has
        # exactly two parts ("disallow /").
        parts = content.split()
        if len(parts) != 2:
            return Line(number, "other", content, "", shown, truncated=truncated)
        key_part, value = parts
        missing_colon = True
    raw_key = key_part.strip(_WS)
    folded = raw_key.lower()
    key = _KEY_SPELLINGS.get(folded, "other")
    prefix_of: Key | None = None
    if key == "other":
        prefix_of = _prefix_key(folded)
    return Line(
        number=number,
        key=key,
        raw_key=raw_key,
        value=value.strip(_WS),
        text=shown,
        missing_colon=missing_colon,
        misspelt_key=key != "other" and folded not in _CANONICAL,
        prefix_key_of=prefix_of,
        truncated=truncated,
    )


def _prefix_key(folded: str) -> Key | None:
    """Google's parser classifies keys by case-insensitive prefix (robots.cc)."""
    if folded.startswith("user-agent"):
        return "user-agent"
    if folded.startswith("allow"):
        return "allow"
    if folded.startswith("disallow"):
        return "disallow"
    return None
