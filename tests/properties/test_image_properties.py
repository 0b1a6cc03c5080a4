"""Image metadata reading on damaged real files and on noise: never an exception, the same
reading twice, and a ``next_range`` that stays inside the file and its limit."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from audits.signals.images import image_reservations, next_range, read_image_metadata

FIXTURES = sorted(
    p.read_bytes()
    for p in (Path(__file__).parents[1] / "fixtures" / "images").iterdir()
    if p.suffix in (".jpg", ".png", ".webp")
)


@st.composite
def damaged_images(draw: st.DrawFn) -> bytes:
    """A real fixture with a few bytes overwritten, a slice cut out, or cut short."""
    data = bytearray(draw(st.sampled_from(FIXTURES)))
    for _ in range(draw(st.integers(0, 8))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        start = draw(st.integers(0, len(data)))
        del data[start : start + draw(st.integers(0, 64))]
    return bytes(data[: draw(st.integers(0, len(data)))])


@settings(max_examples=120)
@given(damaged_images() | st.binary(max_size=300))
def test_reading_never_raises_and_is_repeatable(data: bytes) -> None:
    meta = read_image_metadata(data)
    assert read_image_metadata(data) == meta
    image_reservations(meta)


@settings(max_examples=60)
@given(damaged_images(), st.integers(1, 4096))
def test_a_split_read_never_raises_and_next_range_stays_in_bounds(data: bytes, head: int) -> None:
    total = len(data) + 1_000
    wanted = next_range(data[:head], total, 65_536)
    if wanted is not None:
        start, end = wanted
        assert 0 <= start <= end < total
        assert end - start < 65_536
    read_image_metadata(data[:head], tail=data[head:], tail_offset=head, total_length=len(data))
