"""Whether an image's metadata may lie past the first bytes fetched, and which range to ask."""

from __future__ import annotations

import re
from collections.abc import Sequence

from audits.signals.images.jpeg import is_jpeg, walk_jpeg
from audits.signals.images.png import is_png, walk_png
from audits.signals.images.view import Bytes
from audits.signals.images.walk import Walk
from audits.signals.images.webp import is_webp, walk_webp

_UNKNOWN_LENGTH = 1 << 62
_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.IGNORECASE)


def content_range(headers: Sequence[tuple[str, str]]) -> tuple[int, int, int | None] | None:
    """``(first, last, total)`` of a 206 response's last Content-Range header, when valid
    (RFC 9110 §14.4; ``total`` is None for ``*``)."""
    values = [v for k, v in headers if k.lower() == "content-range"]
    match = _CONTENT_RANGE.match(values[-1]) if values else None
    if match is None:
        return None
    total = None if match.group(3) == "*" else int(match.group(3))
    return int(match.group(1)), int(match.group(2)), total


def _walk(head: bytes, total_length: int | None) -> tuple[str, Walk] | None:
    data = Bytes(head, total_length=_UNKNOWN_LENGTH if total_length is None else total_length)
    if is_jpeg(head):
        return "jpeg", walk_jpeg(data)
    if is_png(head):
        return "png", walk_png(data)
    if is_webp(head) and len(head) >= 12:
        return "webp", walk_webp(data)
    return None


def next_range(head: bytes, total_length: int | None, limit: int) -> tuple[int, int] | None:
    """The inclusive byte range to fetch as the "image-tail", or None when not needed.

    JPEG: only when the head ended before SOS. PNG: when no XMP or caBX chunk was seen and
    chunks remain (metadata may follow IDAT); the range is the file's last ``limit`` bytes
    when that starts later. WebP: from the first chunk header past the head, where XMP and
    C2PA usually sit after the bitstream.
    """
    if limit <= 0 or (total_length is not None and len(head) >= total_length):
        return None
    walked = _walk(head, total_length)
    if walked is None:
        return None
    fmt, walk = walked
    if walk.complete or walk.resume_at is None:
        return None
    start = walk.resume_at
    if fmt == "png":
        if walk.xmp or walk.jumbf:
            return None
        if total_length is not None:
            start = max(start, total_length - limit)
    end = start + limit - 1
    if total_length is not None:
        if start >= total_length:
            return None
        end = min(end, total_length - 1)
    return start, end
