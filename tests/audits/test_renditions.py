"""Which image a page displays and where its original (or a larger rendition) is."""

from __future__ import annotations

import pytest

from audits.signals.images.renditions import RenditionPair, rendition_pairs
from tests.conftest import FIXTURES

CASES = FIXTURES / "renditions"
BASE = "http://folio-platform.example/u/anna/art/1"


def _pairs(name: str, base: str = BASE, limit: int = 10) -> list[tuple[str, str]]:
    html = (CASES / f"{name}.html").read_bytes()
    return [(p.displayed, p.original) for p in rendition_pairs(html, base, limit)]


def test_download_link_after_the_image_names_its_original() -> None:
    assert _pairs("download_link") == [
        (
            "http://folio-platform.example/media/anna/1.jpg",
            "http://folio-platform.example/media/anna/1-original.jpg",
        )
    ]


def test_data_zoom_and_data_original_attributes_name_the_original() -> None:
    assert _pairs("data_attributes") == [
        ("https://cdn.example/w800/dunes.jpg", "https://cdn.example/full/dunes.jpg"),
        ("https://cdn.example/w800/night.webp", "http://cdn.example/orig/night.webp"),
    ]


def test_link_around_the_image_to_an_image_file_is_the_original() -> None:
    assert _pairs("wrapping_link", base="https://photo.example/harbour/") == [
        (
            "https://photo.example/harbour/photos/harbour-600.jpg",
            "https://photo.example/harbour/photos/harbour-2400.jpg",
        )
    ]


def test_largest_srcset_candidate_by_width_or_density() -> None:
    assert _pairs("srcset_largest", base="https://tree.example/") == [
        ("https://tree.example/img/tree-400.jpg", "https://tree.example/img/tree-1600.jpg"),
        ("https://tree.example/img/lake-1x.png", "https://tree.example/img/lake-2x.png"),
    ]


def test_no_pair_when_the_page_shows_the_largest_rendition_already() -> None:
    assert _pairs("srcset_same_as_src") == []


def test_link_text_saying_full_resolution_names_the_original() -> None:
    assert _pairs("named_link", base="https://kai.example/") == [
        ("https://kai.example/media/kai/3/display", "https://kai.example/media/kai/3/source")
    ]


def test_links_to_pages_are_never_originals() -> None:
    assert _pairs("page_links_are_not_originals") == []


def test_each_original_link_belongs_to_the_image_before_it() -> None:
    origin = "http://folio-platform.example"
    assert _pairs("two_artworks") == [
        (f"{origin}/media/rui/1.jpg", f"{origin}/media/rui/1-original.jpg"),
        (f"{origin}/media/rui/2.jpg", f"{origin}/media/rui/2-original.jpg"),
    ]


def test_download_link_before_any_image_belongs_to_the_next_image() -> None:
    assert _pairs("link_before_image") == [
        ("https://cdn.example/ridge.jpg", "https://files.example/raw/ridge.tif")
    ]


def test_lazy_loaded_image_is_read_from_data_src() -> None:
    origin = "http://folio-platform.example"
    assert _pairs("lazy_image") == [
        (f"{origin}/media/lazy/1.webp", f"{origin}/media/lazy/1-full.webp")
    ]


@pytest.mark.parametrize("limit", [0, 1])
def test_pairs_are_bounded_by_the_limit(limit: int) -> None:
    assert len(_pairs("two_artworks", limit=limit)) == limit


def test_malformed_urls_and_markup_are_skipped_without_error() -> None:
    assert _pairs("malformed", base="https://odd.example/") == [
        ("https://odd.example/ok.jpg", "https://odd.example/x.jpg")
    ]


def test_empty_and_non_html_input_gives_no_pairs() -> None:
    assert rendition_pairs(b"", BASE, 5) == ()
    assert rendition_pairs(b"\xff\xfe\x00binary\x00", BASE, 5) == ()


def test_pairs_are_frozen_values() -> None:
    pair = RenditionPair("http://a.example/1.jpg", "http://a.example/1-big.jpg")
    with pytest.raises(AttributeError):
        pair.original = "x"  # type: ignore[misc]
