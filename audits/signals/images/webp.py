"""WebP: RIFF chunks, collecting ``XMP `` and ``C2PA`` (both usually after the bitstream)."""

from __future__ import annotations

import struct

from audits.signals.images.view import Bytes
from audits.signals.images.walk import MAX_STRUCTURES, Walk

_WANTED = (b"XMP ", b"C2PA")


def is_webp(head: bytes) -> bool:
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


def riff_end(head: bytes) -> int:
    """Where the RIFF payload ends, per its header."""
    size: int = struct.unpack("<I", head[4:8])[0]
    return 8 + size


def walk_webp(data: Bytes) -> Walk:
    """Walk chunk headers to the end of the RIFF payload, reading only the metadata chunks."""
    walk = Walk(container="webp-c2pa")
    end = min(riff_end(data.head), data.total)
    if riff_end(data.head) > data.total:
        walk.log.add("image-truncated", "the file is shorter than its RIFF header says")
    pos = 12
    for _ in range(MAX_STRUCTURES):
        if pos + 8 > end:
            walk.complete = True
            break
        header = data.read(pos, 8)
        if header is None:
            walk.ran_out(pos, data.whole, "a chunk header")
            break
        kind, size = struct.unpack("<4sI", header)
        after = pos + 8 + size + (size & 1)
        if kind in _WANTED:
            body = data.read(pos + 8, size)
            if body is None and pos + 8 + size > riff_end(data.head) <= data.total:
                walk.log.add("image-malformed", f"a WebP chunk runs past the RIFF payload @{pos}")
                break
            if body is None:
                walk.ran_out(
                    pos, data.whole or data.beyond_file(pos + 8 + size), f"the {kind!r} chunk"
                )
                break
            if walk.keep(size):
                (walk.xmp if kind == b"XMP " else walk.jumbf).append(body)
        elif pos + 8 + size > riff_end(data.head) and riff_end(data.head) <= data.total:
            walk.log.add("image-malformed", f"a WebP chunk runs past the RIFF payload @{pos}")
            break
        elif pos + 8 + size > data.total:
            walk.log.add(
                "image-truncated", f"the file ends inside the {kind.decode('latin-1')!r} chunk"
            )
            break
        pos = after
    else:
        walk.log.add("image-malformed", f"more than {MAX_STRUCTURES} WebP chunks")
    return walk
