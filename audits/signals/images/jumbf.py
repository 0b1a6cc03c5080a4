"""JUMBF boxes (ISO 19566-5), as far as C2PA manifest stores need them.

Hand-written: c2pa-python reads manifests only through its own validation (and reports
assertions as JSON), and no maintained Python library walks raw JUMBF, so the box layout is
read here, bounded in depth, box count and sizes.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

MAX_DEPTH = 8
MAX_BOXES = 5_000


class JumbfError(ValueError):
    """The bytes are not a well-formed JUMBF box tree."""


@dataclass
class Box:
    """One box: its type, and either its payload or (a ``jumb`` superbox) its label and children."""

    kind: bytes
    payload: bytes = b""
    label: str | None = None
    children: list[Box] = field(default_factory=list)


def _label(description: bytes) -> str | None:
    # jumd: 16-byte type UUID, toggles byte, then (toggle 0x02) a NUL-terminated UTF-8 label.
    if len(description) < 17:
        raise JumbfError("description box too short")
    if not description[16] & 0x02:
        return None
    label, sep, _ = description[17:].partition(b"\x00")
    if not sep:
        raise JumbfError("description label is not terminated")
    return label.decode("utf-8", "replace")


class _Reader:
    def __init__(self) -> None:
        self.boxes = 0

    def boxes_in(self, data: bytes, depth: int) -> list[Box]:
        if depth > MAX_DEPTH:
            raise JumbfError(f"boxes nested deeper than {MAX_DEPTH}")
        out: list[Box] = []
        pos = 0
        while pos < len(data):
            self.boxes += 1
            if self.boxes > MAX_BOXES:
                raise JumbfError(f"more than {MAX_BOXES} boxes")
            if pos + 8 > len(data):
                raise JumbfError("box header runs past the data")
            size, kind = struct.unpack(">I4s", data[pos : pos + 8])
            header = 8
            if size == 1:
                if pos + 16 > len(data):
                    raise JumbfError("box header runs past the data")
                size, header = struct.unpack(">Q", data[pos + 8 : pos + 16])[0], 16
            elif size == 0:
                size = len(data) - pos
            if size < header or pos + size > len(data):
                raise JumbfError(f"box {kind!r} of {size} bytes does not fit")
            out.append(self.box(kind, data[pos + header : pos + size], depth))
            pos += size
        return out

    def box(self, kind: bytes, payload: bytes, depth: int) -> Box:
        if kind != b"jumb":
            return Box(kind, payload)
        children = self.boxes_in(payload, depth + 1)
        if not children or children[0].kind != b"jumd":
            raise JumbfError("superbox does not start with a description box")
        return Box(kind, label=_label(children[0].payload), children=children[1:])


def parse_jumbf(data: bytes) -> list[Box]:
    """Every top-level box of ``data``; raises :class:`JumbfError` when malformed."""
    return _Reader().boxes_in(data, 0)


def parse_box_payload(kind: bytes, payload: bytes, depth: int) -> Box:
    """One box from its type and payload (used after decompressing a ``brob`` box)."""
    return _Reader().box(kind, payload, depth)
