"""libFuzzer target: image metadata reading (containers, XMP, JUMBF, CBOR) must never raise."""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from audits.signals.images import next_range, read_image_metadata


def test_one(data: bytes) -> None:
    split = len(data) // 2
    read_image_metadata(data)
    read_image_metadata(data[:split], tail=data[split:], tail_offset=split, total_length=len(data))
    next_range(data, len(data) + 1_000, 262_144)


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one)
    atheris.Fuzz()
