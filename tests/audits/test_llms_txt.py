"""llms.txt (signals.md §10.1): fetch states, the H1, the summary, file-list links.

llms.txt is an invitation to LLM tools at answer time, never an opt-out from training."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import FrozenInstanceError
from pathlib import Path
from typing import TypeVar

import pytest

from audits.signals.llms_txt import (
    CODES,
    MAX_BYTES,
    MAX_LINES,
    MAX_SECTIONS,
    LlmsSection,
    LlmsTxt,
    parse_llms_txt,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "llms_txt"
T = TypeVar("T")


def llms(name: str, **kwargs: object) -> LlmsTxt:
    return parse_llms_txt((FIXTURES / name).read_bytes(), **kwargs)  # type: ignore[arg-type]


def codes(parsed: LlmsTxt) -> list[str]:
    return [finding.code for finding in parsed.findings]


def assert_fast(call: Callable[[], T], seconds: float = 2.0) -> T:
    start = time.perf_counter()
    result = call()
    assert time.perf_counter() - start < seconds
    return result


# --- fetch states ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "state"),
    [(404, "no-file"), (410, "no-file"), (403, "no-file"), (500, "unreachable"),
     (503, "unreachable"), (None, "unreachable")],
)  # fmt: skip
def test_status_decides_state_before_the_body(status: int | None, state: str) -> None:
    parsed = llms("full_example.md", status=status)
    assert parsed.state == state
    assert parsed.title is None and parsed.findings == ()
    assert not parsed.published


@pytest.mark.parametrize("name", ["soft_404.html", "spa_shell.html"])
def test_html_page_is_a_soft_404(name: str) -> None:
    parsed = llms(name, content_type="text/html; charset=utf-8")
    assert parsed.state == "soft-404"
    assert codes(parsed) == ["llms-txt-served-as-html"]
    assert not parsed.published


def test_html_body_is_a_soft_404_whatever_the_content_type() -> None:
    assert llms("soft_404.html", content_type="text/plain").state == "soft-404"


def test_html_content_type_with_non_markdown_body_is_a_soft_404() -> None:
    parsed = parse_llms_txt(b"Not found", content_type="text/html")
    assert parsed.state == "soft-404"


def test_markdown_served_as_text_html_is_still_present() -> None:
    parsed = llms("full_example.md", content_type="text/html")
    assert parsed.state == "present" and parsed.title == "Mira Okafor Studio"


@pytest.mark.parametrize("body", [b"", b" \n\n\t\n", ""])
def test_blank_file_is_empty(body: bytes | str) -> None:
    parsed = parse_llms_txt(body)
    assert parsed.state == "empty" and parsed.published
    assert parsed.findings == ()


def test_whitespace_only_fixture_is_empty() -> None:
    assert llms("whitespace_only.txt").state == "empty"


# --- structure -------------------------------------------------------------------------------


def test_full_example_is_read() -> None:
    parsed = llms("full_example.md", content_type="text/plain")
    assert parsed.state == "present" and parsed.published
    assert parsed.title == "Mira Okafor Studio"
    assert parsed.summary is not None
    assert parsed.summary.startswith("Portfolio of the illustrator Mira Okafor")
    assert parsed.sections == (
        LlmsSection("Portfolio", 7, 3),
        LlmsSection("Studio", 13, 1),
        LlmsSection("Optional", 18, 2),
    )
    assert parsed.link_count == 6
    assert parsed.has_optional
    assert parsed.size == len((FIXTURES / "full_example.md").read_bytes())
    assert not parsed.truncated


def test_title_is_the_only_required_part() -> None:
    parsed = llms("title_only.md")
    assert parsed.title == "Northern Lights Photography"
    assert parsed.summary is None and parsed.sections == () and parsed.link_count == 0
    assert codes(parsed) == ["llms-txt-present"]


def test_missing_title_is_flagged() -> None:
    parsed = llms("missing_title.md")
    assert parsed.state == "present" and parsed.title is None
    assert codes(parsed) == ["llms-txt-present", "llms-txt-missing-title"]
    assert parsed.summary == "Landscape photographs from Iceland and Norway."
    assert parsed.link_count == 2


def test_empty_h1_is_not_a_title() -> None:
    parsed = parse_llms_txt(b"#\n\n## Files\n- [a](https://x.example/a.md)\n")
    assert parsed.title is None and "llms-txt-missing-title" in codes(parsed)


def test_h1_after_first_h2_is_not_the_title() -> None:
    parsed = parse_llms_txt(b"## Files\n- [a](https://x.example/a.md)\n# Late\n")
    assert parsed.title is None


def test_only_links_in_h2_sections_are_counted() -> None:
    parsed = llms("links_outside_sections.md")
    assert parsed.link_count == 1
    assert parsed.sections == (LlmsSection("Docs", 9, 1),)


def test_fenced_code_holds_no_headings_or_links() -> None:
    parsed = llms("fenced_code.md")
    assert parsed.title == "Fence Test Press"
    assert [s.title for s in parsed.sections] == ["Examples"]
    assert parsed.link_count == 1


def test_list_items_starting_with_a_link_are_counted() -> None:
    parsed = llms("bullets_and_notes.md")
    # *, +, -, a nested item and a numbered item; not plain text, an empty URL or a late link.
    assert parsed.link_count == 5


def test_summary_is_the_first_blockquote_only() -> None:
    parsed = llms("multiline_summary.md")
    assert parsed.summary == (
        "An independent label for chamber music. Catalogue, artists and release notes."
    )


def test_text_before_title_ends_the_summary_slot() -> None:
    parsed = llms("text_before_title.md")
    assert parsed.title == "Late Title Gallery"
    assert parsed.summary is None
    assert parsed.link_count == 1


def test_closing_hashes_dropped_and_optional_matched_in_any_case() -> None:
    parsed = llms("closed_heading.md")
    assert parsed.title == "Atelier C#"
    assert parsed.sections == (LlmsSection("optional", 3, 1),)
    assert parsed.has_optional


def test_no_optional_section() -> None:
    assert not llms("missing_title.md").has_optional


def test_bom_and_crlf_are_handled() -> None:
    parsed = llms("bom_crlf.md")
    assert parsed.title == "BOM Studio"
    assert parsed.summary == "Summary after a BOM, with CRLF line ends."
    assert parsed.link_count == 1


def test_str_body_is_accepted() -> None:
    parsed = parse_llms_txt("# Ünïcode Atelier\n\n## A\n- [x](https://u.example/x.md)\n")
    assert parsed.title == "Ünïcode Atelier" and parsed.link_count == 1
    assert parsed.size == len("# Ünïcode Atelier\n\n## A\n- [x](https://u.example/x.md)\n".encode())


# --- findings --------------------------------------------------------------------------------


def test_present_finding_says_it_is_not_about_training() -> None:
    finding = llms("full_example.md").findings[0]
    assert (finding.code, finding.severity) == ("llms-txt-present", "info")
    assert "invitation for LLM tools to read it at answer time" in finding.message
    assert "says nothing about training" in finding.message
    assert finding.evidence == "Mira Okafor Studio"


@pytest.mark.parametrize(
    ("code", "name", "kwargs"),
    [
        ("llms-txt-present", "title_only.md", {}),
        ("llms-txt-missing-title", "missing_title.md", {}),
        ("llms-txt-served-as-html", "soft_404.html", {"content_type": "text/html"}),
    ],
)
def test_code_is_produced(code: str, name: str, kwargs: dict[str, object]) -> None:
    assert code in codes(llms(name, **kwargs))


def test_every_code_has_info_severity() -> None:
    assert set(CODES.values()) == {"info"}
    assert all(code.startswith("llms-txt-") for code in CODES)


def test_result_is_frozen() -> None:
    parsed = llms("title_only.md")
    with pytest.raises(FrozenInstanceError):
        parsed.title = "x"  # type: ignore[misc]


# --- hostile input ---------------------------------------------------------------------------


def test_ten_megabyte_body_is_truncated_and_flagged() -> None:
    body = b"# Big\n\n## Files\n" + b"- [f](https://big.example/f.md)\n" * 330_000
    parsed = assert_fast(lambda: parse_llms_txt(body))
    assert len(body) > 10_000_000 and parsed.size == len(body)
    assert parsed.truncated and "llms-txt-truncated" in codes(parsed)
    assert parsed.title == "Big"
    assert 0 < parsed.link_count < 330_000


def test_link_after_size_limit_is_not_read() -> None:
    body = b"# T\n## S\n" + b"x" * MAX_BYTES + b"\n- [late](https://t.example/late.md)\n"
    parsed = parse_llms_txt(body)
    assert parsed.link_count == 0 and parsed.truncated


def test_line_count_capped() -> None:
    body = b"# T\n## S\n" + b"\n" * MAX_LINES + b"- [late](https://t.example/late.md)\n"
    parsed = assert_fast(lambda: parse_llms_txt(body))
    assert parsed.link_count == 0 and parsed.truncated


def test_section_count_capped() -> None:
    body = b"# T\n" + b"## S\n- [a](https://t.example/a.md)\n" * (MAX_SECTIONS + 5)
    parsed = assert_fast(lambda: parse_llms_txt(body))
    assert len(parsed.sections) == MAX_SECTIONS
    assert parsed.link_count == MAX_SECTIONS + 5
    assert parsed.truncated


def test_binary_body_never_raises() -> None:
    parsed = assert_fast(lambda: parse_llms_txt(os.urandom(10 * 1024 * 1024)))
    assert parsed.state in ("present", "soft-404", "empty")


def test_invalid_utf8_is_replaced_not_raised() -> None:
    parsed = llms("invalid_utf8.md")
    assert parsed.title == "Caf\ufffd \ufffd Studio"
    assert parsed.link_count == 1


def test_lone_surrogate_in_str_body_never_raises() -> None:
    parsed = parse_llms_txt("# Odd \ud800 title\n")
    assert parsed.title == "Odd \ufffd\ufffd\ufffd title"


@pytest.mark.parametrize(
    "line",
    [
        "# a" + " " * 8_000 + "x",
        "# " + "#" * 8_000 + " " * 100 + "x",
        "- [" + "[" * 8_000,
        "- [a](" + "(" * 8_000,
        "  " * 4_000 + "- [a](b",
    ],
)
def test_hostile_lines_are_fast(line: str) -> None:
    body = ("## S\n" + (line + "\n") * 100).encode()
    assert_fast(lambda: parse_llms_txt(body), seconds=1.0)
