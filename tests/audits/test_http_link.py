"""Tests for audits.core.http_link: RFC 8288 Link header fields."""

from __future__ import annotations

from pathlib import Path

from audits.core.http_link import MAX_LINK_HEADER_CHARS, links_with_rel

# The Link header cases are shared with the RSL tests, which read licence links from them.
FIXTURES = Path(__file__).parent.parent / "fixtures" / "rsl"


def header_lines(case: str) -> list[str]:
    """A Link header case: one field line per line of the file."""
    return (FIXTURES / f"{case}.txt").read_bytes().decode("utf-8").splitlines()


def test_c2pa_manifest_links_are_found_separately() -> None:
    (link,) = links_with_rel(header_lines("links_c2pa"), "c2pa-manifest")
    assert link.target == "https://cdn.example.com/photo.c2pa"
    assert link.media_type is None


def test_links_with_rel_reads_params() -> None:
    (link,) = links_with_rel(header_lines("links_rsl"), "LICENSE")
    assert dict(link.params) == {"rel": "license", "type": "application/rsl+xml"}


def test_links_with_rel_is_bounded() -> None:
    value = "<https://e.com/l>; rel=license, " * (MAX_LINK_HEADER_CHARS // 10)
    assert links_with_rel([value], "license") == ()
