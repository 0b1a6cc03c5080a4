"""PNG: chunks after the signature, collecting XMP ``iTXt`` and C2PA ``caBX`` chunks."""

from __future__ import annotations

import struct
import zlib

from audits.signals.images.view import Bytes
from audits.signals.images.walk import MAX_METADATA_BYTES, MAX_STRUCTURES, Walk

SIGNATURE = b"\x89PNG\r\n\x1a\n"
XMP_KEYWORD = b"XML:com.adobe.xmp"
_WANTED = (b"iTXt", b"caBX", b"IEND")


def is_png(head: bytes) -> bool:
    return head[:8] == SIGNATURE


def _inflate(walk: Walk, data: bytes) -> bytes | None:
    """zlib-decompress at most the metadata bound (a small bomb stays small)."""
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, MAX_METADATA_BYTES)
    except zlib.error as exc:
        walk.log.add("xmp-malformed", f"compressed XMP iTXt chunk does not inflate: {exc}")
        return None
    if inflater.unconsumed_tail:
        walk.log.add("xmp-malformed", f"compressed XMP inflates past {MAX_METADATA_BYTES} bytes")
        return None
    return out


def _itxt(walk: Walk, body: bytes) -> None:
    keyword, sep, rest = body.partition(b"\x00")
    if keyword != XMP_KEYWORD:
        return
    # iTXt: compression flag, method, language tag\0, translated keyword\0, text.
    if not sep or len(rest) < 2:
        walk.log.add("xmp-malformed", "the XMP iTXt chunk is cut short")
        return
    compressed = rest[0] == 1
    fields = rest[2:].split(b"\x00", 2)
    if len(fields) < 3:
        walk.log.add("xmp-malformed", "the XMP iTXt chunk is cut short")
        return
    text = _inflate(walk, fields[2]) if compressed else fields[2]
    if text is not None and walk.keep(len(text)):
        walk.xmp.append(text)


def _chunk(walk: Walk, kind: bytes, body: bytes) -> None:
    if kind == b"iTXt":
        _itxt(walk, body)
    elif kind == b"caBX" and walk.keep(len(body)):
        walk.jumbf.append(body)


def _read_chunk(data: Bytes, walk: Walk, pos: int) -> tuple[bytes, int] | None:
    """The chunk type at ``pos`` and the next chunk's offset; None when reading stops."""
    header = data.read(pos, 8)
    if header is None:
        walk.ran_out(pos, data.whole, "a chunk header")
        return None
    size, kind = struct.unpack(">I4s", header)
    if size > 0x7FFFFFFF or not kind.isalpha():
        walk.log.add("image-malformed", f"invalid PNG chunk header {kind!r}", evidence=f"@{pos}")
        return None
    end = pos + 12 + size
    if kind in _WANTED:
        body_crc = data.read(pos + 8, size + 4)
        if body_crc is None:
            walk.ran_out(pos, data.whole or data.beyond_file(end), f"the {kind.decode()} chunk")
            return None
        body, crc = body_crc[:-4], struct.unpack(">I", body_crc[-4:])[0]
        if zlib.crc32(kind + body) != crc:
            walk.log.add(
                "image-malformed", f"PNG {kind.decode()} chunk has a bad CRC", evidence=f"@{pos}"
            )
        _chunk(walk, kind, body)
    elif data.beyond_file(end):
        walk.log.add("image-truncated", f"the file ends inside the {kind.decode()} chunk")
        return None
    return kind, end


def _resync(data: Bytes, walk: Walk) -> None:
    """Find iTXt/caBX/IEND chunks in a tail that does not start on a known chunk boundary.

    Only a chunk whose CRC checks out is taken, so stray byte patterns in IDAT do not count.
    """
    tail, base = data.tail, data.tail_offset
    for kind in _WANTED:
        start = 4
        while (found := tail.find(kind, start)) >= 0:
            start = found + 1
            size = struct.unpack(">I", tail[found - 4 : found])[0]
            body_crc = tail[found + 4 : found + 8 + size]
            if (
                len(body_crc) == size + 4
                and zlib.crc32(kind + body_crc[:-4]) == struct.unpack(">I", body_crc[-4:])[0]
            ):
                _chunk(walk, kind, body_crc[:-4])
                if kind == b"IEND" and base + found + 8 + size >= data.total:
                    walk.complete = True
                    walk.resume_at = None


def walk_png(data: Bytes) -> Walk:
    """Walk every chunk header to IEND, reading the metadata chunks' bodies."""
    walk = Walk(container="png-cabx")
    pos = len(SIGNATURE)
    for _ in range(MAX_STRUCTURES):
        step = _read_chunk(data, walk, pos)
        if step is None:
            break
        kind, pos = step
        if kind == b"IEND":
            walk.complete = True
            break
    else:
        walk.log.add("image-malformed", f"more than {MAX_STRUCTURES} PNG chunks")
    if (
        not walk.complete
        and data.tail
        and (walk.resume_at is None or walk.resume_at < data.tail_offset)
    ):
        _resync(data, walk)
    return walk


def seen_idat_without_metadata(walk: Walk, head: bytes) -> bool:
    """Whether the head reached image data before any XMP or C2PA chunk."""
    return b"IDAT" in head and not walk.xmp and not walk.jumbf
