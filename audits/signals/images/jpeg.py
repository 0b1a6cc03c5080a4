"""JPEG: marker segments from SOI to SOS, collecting APP1 XMP and APP11 JUMBF (ISO 19566-5)."""

from __future__ import annotations

import struct

from audits.signals.images.view import Bytes
from audits.signals.images.walk import MAX_STRUCTURES, Walk

XMP_NS = b"http://ns.adobe.com/xap/1.0/\x00"
EXTENDED_NS = b"http://ns.adobe.com/xmp/extension/\x00"
_SOS, _EOI, _APP1, _APP11 = 0xDA, 0xD9, 0xE1, 0xEB
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})


def is_jpeg(head: bytes) -> bool:
    return head[:3] == b"\xff\xd8\xff"


def _app1(walk: Walk, payload: bytes) -> None:
    if payload.startswith(XMP_NS):
        if walk.keep(len(payload)):
            walk.xmp.append(payload[len(XMP_NS) :])
    elif payload.startswith(EXTENDED_NS):
        part = payload[len(EXTENDED_NS) :]
        if len(part) < 40:
            walk.log.add("xmp-extended-incomplete", "an Extended XMP segment is too short")
            return
        guid = part[:32].decode("ascii", "replace")
        full, offset = struct.unpack(">II", part[32:40])
        if walk.keep(len(part) - 40):
            walk.extended.append((guid, full, offset, part[40:]))


def _app11(parts: dict[int, dict[int, bytes]], walk: Walk, payload: bytes) -> None:
    # JPEG XT / ISO 19566-5 packaging: "JP", box instance (2 bytes), packet sequence (4 bytes),
    # then the JUMBF box; later packets repeat the box header before their slice of content.
    if len(payload) < 16 or payload[:2] != b"JP":
        return
    instance, sequence = struct.unpack(">HI", payload[2:8])
    box = payload[8:]
    if sequence != 1:
        header = 16 if struct.unpack(">I", box[:4])[0] == 1 else 8
        box = box[header:]
    if walk.keep(len(box)):
        parts.setdefault(instance, {})[sequence] = box


def _reassemble(parts: dict[int, dict[int, bytes]], walk: Walk) -> None:
    for instance, packets in sorted(parts.items()):
        order = sorted(packets)
        if order != list(range(1, len(order) + 1)):
            walk.log.add(
                "c2pa-malformed",
                f"APP11 box instance {instance} has packets {order[:10]}: some are missing",
            )
            continue
        store = b"".join(packets[n] for n in order)
        if store[4:8] == b"jumb":
            walk.jumbf.append(store)


def walk_jpeg(data: Bytes) -> Walk:
    """Walk the segments up to SOS (image data follows; metadata does not)."""
    walk = Walk(container="jpeg-app11")
    parts: dict[int, dict[int, bytes]] = {}
    pos = 2
    for _ in range(MAX_STRUCTURES):
        marker_bytes = data.read(pos, 2)
        if marker_bytes is None:
            walk.ran_out(pos, data.whole, "a segment header")
            break
        if marker_bytes[0] != 0xFF:
            walk.log.add(
                "image-malformed", "JPEG segment does not start with 0xFF", evidence=f"@{pos}"
            )
            break
        marker = marker_bytes[1]
        if marker == 0xFF:
            pos += 1
            continue
        if marker in (_SOS, _EOI):
            walk.complete = True
            break
        if marker in _STANDALONE:
            pos += 2
            continue
        size_bytes = data.read(pos + 2, 2)
        if size_bytes is None:
            walk.ran_out(pos, data.whole, "a segment header")
            break
        size = struct.unpack(">H", size_bytes)[0]
        if size < 2:
            walk.log.add(
                "image-malformed", f"JPEG segment length {size} is impossible", evidence=f"@{pos}"
            )
            break
        payload = data.read(pos + 4, size - 2)
        if payload is None:
            walk.ran_out(pos, data.whole or data.beyond_file(pos + 2 + size), "a segment")
            break
        if marker == _APP1:
            _app1(walk, payload)
        elif marker == _APP11:
            _app11(parts, walk, payload)
        pos += 2 + size
    else:
        walk.log.add("image-malformed", f"more than {MAX_STRUCTURES} JPEG segments before SOS")
    _reassemble(parts, walk)
    return walk
