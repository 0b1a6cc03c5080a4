"""Seed files (crawler.seeds): origins, fields, CSV and YAML streaming, the bundled list."""

from __future__ import annotations

import tracemalloc
import warnings
from pathlib import Path

import pytest

from crawler.seeds import (
    ERROR_LIMIT,
    KINDS,
    Seed,
    SeedError,
    SeedReport,
    SeedWarning,
    read_seeds,
    validate_seeds,
)
from tests.conftest import FIXTURES, ROOT

SEEDS = FIXTURES / "seeds"
BUNDLED = ROOT / "seeds" / "creator-platforms.csv"


def only_seed(name: str) -> Seed:
    seeds = list(read_seeds(SEEDS / name))
    assert len(seeds) == 1
    return seeds[0]


def first_error(name: str) -> SeedError:
    with pytest.raises(SeedError) as caught:
        list(read_seeds(SEEDS / name))
    return caught.value


# Origins


def test_bare_domain_means_https_origin() -> None:
    assert only_seed("bare_domain.csv").origin == "https://example.com"


def test_non_default_port_is_kept() -> None:
    assert only_seed("port_kept.csv").origin == "https://example.com:8443"


def test_default_port_and_root_path_are_dropped() -> None:
    assert only_seed("default_port.csv").origin == "https://example.com"


def test_uppercase_scheme_and_host_are_lowered() -> None:
    assert only_seed("uppercase_host.csv").origin == "https://www.example.com"


def test_idn_host_becomes_punycode() -> None:
    assert only_seed("idn_host.csv").origin == "https://xn--bcher-kva.example"


def test_origin_with_path_is_rejected() -> None:
    error = first_error("path_rejected.csv")
    assert error.line == 2
    assert "path" in error.message and "https://example.com/gallery" in error.message


def test_scheme_other_than_http_is_rejected() -> None:
    error = first_error("bad_scheme.csv")
    assert error.line == 2
    assert "scheme 'ftp' is not http or https" in error.message


def test_missing_origin_is_an_error() -> None:
    assert first_error("missing_origin.csv").message == "missing origin (or domain)"


def test_origin_and_domain_together_is_an_error() -> None:
    assert "not both" in first_error("origin_and_domain.csv").message


def test_platform_is_normalised_like_an_origin() -> None:
    assert only_seed("platform_origin.csv").platform == "https://squarespace.com"


# Other fields


def test_bad_kind_names_file_line_and_choices() -> None:
    error = first_error("bad_kind.csv")
    path = SEEDS / "bad_kind.csv"
    assert str(error) == f"{path}:3: kind 'galery' is not one of {', '.join(KINDS)}"


def test_bad_country_is_rejected() -> None:
    error = first_error("bad_country.csv")
    assert error.line == 2
    assert "country 'UK' is not an ISO 3166-1 alpha-2 code" in error.message


def test_lowercase_country_is_upper_cased() -> None:
    assert only_seed("lowercase_country.csv").country == "JP"


def test_render_accepts_true_false_yes_no_1_0_and_empty() -> None:
    renders = [seed.render for seed in read_seeds(SEEDS / "render_spellings.csv")]
    assert renders == [True, False, True, False, True, False, False]


def test_bad_render_is_rejected() -> None:
    assert "render 'maybe' is not one of" in first_error("bad_render.csv").message


def test_csv_tags_split_on_semicolons() -> None:
    assert only_seed("tags_split.csv").tags == ("illustration", "3d", "photography")


def test_patterns_are_kept() -> None:
    seed = only_seed("patterns.csv")
    assert (seed.profile_pattern, seed.artwork_pattern) == ("/u/*", "/u/*/art/*")


def test_pattern_without_leading_slash_is_rejected() -> None:
    assert (
        "artwork_pattern 'u/*/art/*' must be a URL path" in first_error("bad_pattern.csv").message
    )


def test_seed_is_frozen() -> None:
    seed = only_seed("bare_domain.csv")
    with pytest.raises(AttributeError):
        seed.origin = "https://other.example"  # type: ignore[misc]


# CSV shapes


def test_csv_unknown_column_is_named() -> None:
    error = first_error("unknown_column.csv")
    assert error.line == 1
    assert "'unknown_thing', 'gallery'" in error.message


def test_csv_without_origin_or_domain_column_is_an_error() -> None:
    assert "no 'origin' or 'domain' column" in first_error("no_origin_column.csv").message


def test_csv_row_longer_than_header_is_an_error() -> None:
    error = first_error("extra_fields.csv")
    assert (error.line, error.message) == (2, "1 more field(s) than the header has columns")


@pytest.mark.parametrize(
    "name", ["empty.csv", "empty.yaml", "header_only.csv", "null_document.yaml"]
)
def test_empty_file_yields_no_seeds(name: str) -> None:
    assert list(read_seeds(SEEDS / name)) == []


def test_csv_byte_order_mark_is_ignored() -> None:
    assert (SEEDS / "bom.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert only_seed("bom.csv").origin == "https://example.com"


def test_csv_windows_line_endings() -> None:
    assert b"\r\n" in (SEEDS / "windows_line_endings.csv").read_bytes()
    seeds = list(read_seeds(SEEDS / "windows_line_endings.csv"))
    assert [(s.origin, s.kind, s.line) for s in seeds] == [
        ("https://example.com", "platform", 2),
        ("https://example.org", "blog", 3),
    ]


def test_csv_line_of_a_multiline_record_is_where_it_ends() -> None:
    seeds = list(read_seeds(SEEDS / "multiline_field.csv"))
    assert [(s.name, s.line) for s in seeds] == [("A name\nover two lines", 3), ("Next", 4)]


def test_csv_blank_and_empty_rows_are_skipped() -> None:
    seeds = list(read_seeds(SEEDS / "blank_rows.csv"))
    assert [(s.origin, s.line) for s in seeds] == [
        ("https://example.com", 2),
        ("https://example.org", 5),
    ]


# YAML


def test_yaml_tags_are_a_list() -> None:
    seeds = list(read_seeds(SEEDS / "tags_list.yaml"))
    assert [s.tags for s in seeds] == [("illustration", "3d"), ("photography", "stock")]


def test_yaml_seeds_carry_their_line_numbers() -> None:
    seeds = list(read_seeds(SEEDS / "line_numbers.yaml"))
    assert [(s.origin, s.line) for s in seeds] == [
        ("https://www.example.com", 3),
        ("https://example.org", 7),
        ("http://example.net:8080", 11),
    ]
    assert seeds[1].render is True
    assert seeds[2].platform == "https://www.example.com"


def test_yaml_scalars_are_read_as_written_not_as_yaml_booleans() -> None:
    seed = only_seed("norway.yaml")
    assert (seed.country, seed.render) == ("NO", False)


def test_yaml_error_names_the_line_of_the_key() -> None:
    error = first_error("bad_kind.yaml")
    assert (
        str(error) == f"{SEEDS / 'bad_kind.yaml'}:3: kind 'galery' is not one of {', '.join(KINDS)}"
    )


def test_yaml_unknown_key_is_named() -> None:
    error = first_error("unknown_key.yaml")
    assert error.line == 3
    assert "unknown field(s) 'gallery'" in error.message


def test_yaml_streams_items_before_a_later_syntax_error() -> None:
    seeds = read_seeds(SEEDS / "later_syntax_error.yaml")
    assert next(seeds).origin == "https://example.com"
    with pytest.raises(SeedError) as caught:
        next(seeds)
    assert caught.value.line == 5
    assert caught.value.message.startswith("YAML: ")


def test_yaml_top_level_must_be_a_list() -> None:
    assert "the top level must be a list" in first_error("not_a_list.yaml").message


def test_yaml_item_must_be_a_mapping() -> None:
    error = first_error("item_not_a_mapping.yaml")
    assert (error.line, error.message) == (1, "each seed must be a mapping such as '- origin: ...'")


def test_yaml_tags_mapping_is_an_error() -> None:
    error = first_error("tags_mapping.yaml")
    assert (error.line, error.message) == (2, "tags must be a value or a list, not a mapping")


def test_yaml_second_document_is_an_error() -> None:
    assert first_error("two_documents.yaml").message == "a seed file holds one YAML document"


# Files


def test_unsupported_extension_is_an_error_at_call_time() -> None:
    with pytest.raises(SeedError, match=r"seeds\.txt: unsupported seed file type \.txt"):
        read_seeds(SEEDS / "seeds.txt")


def test_missing_file_is_a_seed_error(tmp_path: Path) -> None:
    with pytest.raises(SeedError, match="cannot read the file"):
        list(read_seeds(tmp_path / "absent.csv"))


# Duplicates


def test_duplicate_origin_is_skipped_and_reported() -> None:
    report = SeedReport()
    seeds = list(read_seeds(SEEDS / "duplicate_origin.csv", report=report))
    assert [(s.name, s.line) for s in seeds] == [("First", 2), ("Other", 3)]
    assert (report.seeds, report.duplicates) == (2, 1)
    assert str(report.examples[0]).endswith(
        "duplicate_origin.csv:4: duplicate origin https://example.com (first at line 2), skipped"
    )


def test_duplicate_origin_warns_once_without_a_report() -> None:
    with pytest.warns(SeedWarning, match="1 duplicate origin"):
        assert len(list(read_seeds(SEEDS / "duplicate_origin.csv"))) == 2


def test_no_warning_when_there_are_no_duplicates() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        list(read_seeds(SEEDS / "tags_split.csv"))


def test_duplicates_further_apart_than_the_window_are_not_detected() -> None:
    report = SeedReport()
    seeds = list(read_seeds(SEEDS / "duplicate_origin.csv", report=report, duplicate_window=1))
    assert len(seeds) == 3
    assert report.duplicates == 0


# validate_seeds


def test_validate_collects_every_error_with_its_line() -> None:
    errors = validate_seeds(SEEDS / "many_errors.csv")
    assert [(e.line, e.message.split(" ")[0]) for e in errors] == [
        (3, "origin"),
        (4, "kind"),
        (6, "country"),
    ]


def test_validate_of_a_good_file_is_empty() -> None:
    assert validate_seeds(SEEDS / "line_numbers.yaml") == []


def test_validate_counts_duplicates_but_not_as_errors() -> None:
    report = SeedReport()
    assert validate_seeds(SEEDS / "duplicate_origin.csv", report=report) == []
    assert report.duplicates == 1


def test_validate_reports_a_fatal_error_once() -> None:
    errors = validate_seeds(SEEDS / "unknown_column.csv")
    assert [e.line for e in errors] == [1]


def test_validate_stops_at_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("origin,kind\n" + "".join(f"https://s{i}.example,nope\n" for i in range(150)))
    errors = validate_seeds(path)
    assert len(errors) == ERROR_LIMIT
    assert errors[-1].line == ERROR_LIMIT + 1


# Scale


def test_200k_row_csv_streams_in_bounded_memory(tmp_path: Path) -> None:
    rows = 200_000
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("origin,name,kind,country,tags,render\n")
        for i in range(rows):
            out.write(f"https://site-{i}.example,Site {i},creator-site,US,art;photo,no\n")
    tracemalloc.start()
    try:
        count = sum(1 for _ in read_seeds(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == rows
    assert peak < 20 * 1024 * 1024, f"peak {peak / 1024 / 1024:.1f} MiB"


# The bundled list

REQUIRED_HOSTS = [
    "www.artstation.com",
    "www.deviantart.com",
    "www.behance.net",
    "dribbble.com",
    "www.flickr.com",
    "500px.com",
    "cara.app",
    "www.pixiv.net",
    "www.tumblr.com",
    "www.instagram.com",
    "www.pinterest.com",
    "www.smugmug.com",
    "www.zenfolio.com",
    "www.photoshelter.com",
    "pixieset.com",
    "www.format.com",
    "www.pixpa.com",
    "myportfolio.com",
    "www.squarespace.com",
    "www.wix.com",
    "cargo.site",
    "carbonmade.com",
    "www.newgrounds.com",
    "www.furaffinity.net",
    "artfol.co",
    "www.saatchiart.com",
    "www.etsy.com",
    "www.redbubble.com",
    "society6.com",
    "www.inprnt.com",
    "www.shutterstock.com",
    "www.gettyimages.com",
    "stock.adobe.com",
    "www.alamy.com",
    "unsplash.com",
    "www.pexels.com",
    "pixabay.com",
    "vimeo.com",
    "soundcloud.com",
    "bandcamp.com",
    "www.wattpad.com",
    "archiveofourown.org",
    "medium.com",
    "substack.com",
    "www.patreon.com",
    "ko-fi.com",
    "gumroad.com",
    "itch.io",
]


def test_bundled_seeds_are_all_valid() -> None:
    assert validate_seeds(BUNDLED) == []


def test_bundled_seeds_have_at_least_90_unique_origins() -> None:
    report = SeedReport()
    origins = [seed.origin for seed in read_seeds(BUNDLED, report=report)]
    assert len(origins) >= 90
    assert report.duplicates == 0
    assert len(set(origins)) == len(origins)


@pytest.mark.parametrize("host", REQUIRED_HOSTS)
def test_bundled_seeds_name_the_required_platform(host: str) -> None:
    origins = {seed.origin for seed in read_seeds(BUNDLED)}
    assert f"https://{host}" in origins


def test_bundled_seeds_render_the_javascript_platforms() -> None:
    rendered = {seed.origin for seed in read_seeds(BUNDLED) if seed.render}
    assert {
        "https://cara.app",
        "https://www.instagram.com",
        "https://www.threads.com",
        "https://www.pinterest.com",
    } <= rendered
