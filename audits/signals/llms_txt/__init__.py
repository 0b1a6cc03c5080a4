"""llms.txt (signals.md §10.1): state of the fetch, H1 title, summary, file-list links.

llms.txt is not an opt-out. A site that publishes one signals that it is willing to be read
by LLM tools at inference time (when answering a question); it never grants or refuses
consent to training, so nothing here feeds a training verdict. The same parser reads the
unofficial ``llms-full.txt`` convention.

The format is Markdown (AnswerDotAI llms-txt, "The /llms.txt file"): an H1 with the site's
name (the only required part), an optional blockquote summary, free text, then H2 sections
whose list items are ``[name](url)`` links, optionally followed by ``: notes``. An H2 named
``Optional`` lists links a reader may skip.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import Literal

from audits.core.findings import Finding, Severity, make_finding

LlmsTxtState = Literal["present", "no-file", "soft-404", "unreachable", "empty"]

MAX_BYTES = 1024 * 1024
MAX_LINES = 100_000
MAX_LINE_CHARS = 8_192
MAX_SECTIONS = 1_000
MAX_TITLE_CHARS = 500
MAX_SUMMARY_CHARS = 2_000

CODES: dict[str, Severity] = {
    "llms-txt-present": "info",
    "llms-txt-served-as-html": "info",
    "llms-txt-missing-title": "info",
    "llms-txt-truncated": "info",
}

_LINE_SPLIT_RE = re.compile(r"\r\n|\r|\n")
_HTML_RE = re.compile(rb"\s*<(?:!doctype\s+html|html|head|body|meta|title|script)\b", re.I)
_HEADING_RE = re.compile(r" {0,3}(#{1,6})(?:[ \t]|$)")
_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# A file-list entry: a list item whose text starts with a Markdown link "[name](url)".
_LINK_ITEM_RE = re.compile(
    r"[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+\[[^\]\n]{0,1000}\]\([ \t]*[^)\s][^)\n]{0,2000}\)"
)


@dataclass(frozen=True)
class LlmsSection:
    """An H2 section and how many ``[name](url)`` list items it holds."""

    title: str
    line: int
    link_count: int


@dataclass(frozen=True)
class LlmsTxt:
    """A parsed llms.txt fetch. ``title`` is ``None`` when the required H1 is missing."""

    state: LlmsTxtState
    status: int | None
    content_type: str | None
    title: str | None
    summary: str | None
    sections: tuple[LlmsSection, ...]
    link_count: int
    has_optional: bool
    size: int
    truncated: bool
    findings: tuple[Finding, ...]

    @property
    def published(self) -> bool:
        """Whether the site serves a llms.txt file (even an empty one)."""
        return self.state in ("present", "empty")


def parse_llms_txt(
    body: bytes | str, *, status: int | None = 200, content_type: str | None = None
) -> LlmsTxt:
    """Parse a /llms.txt fetch; a 4xx means no file, a 5xx or no answer means unreachable."""
    if status is None or status >= 500:
        return _without_file("unreachable", status, content_type)
    if not 200 <= status < 300:
        return _without_file("no-file", status, content_type)
    raw, size = _as_bytes(body)
    if _looks_like_html(raw, content_type):
        finding = make_finding(
            CODES,
            "llms-txt-served-as-html",
            "/llms.txt returns an HTML page (a soft 404), so the site publishes no llms.txt.",
            evidence=content_type,
        )
        return _without_file("soft-404", status, content_type, size=size, findings=(finding,))
    text = _decode(raw[:MAX_BYTES], partial=size > MAX_BYTES)
    if not text.strip():
        return _without_file("empty", status, content_type, size=size)
    return _parse_markdown(text, status, content_type, size)


def _parse_markdown(text: str, status: int, content_type: str | None, size: int) -> LlmsTxt:
    reader = _Reader()
    lines = _LINE_SPLIT_RE.split(text)
    for number, line in enumerate(lines[:MAX_LINES], start=1):
        reader.feed(number, line[:MAX_LINE_CHARS])
    truncated = size > MAX_BYTES or len(lines) > MAX_LINES or reader.capped
    findings = [
        make_finding(
            CODES,
            "llms-txt-present",
            "The site publishes llms.txt, an invitation for LLM tools to read it at answer "
            "time; it says nothing about training.",
            evidence=reader.title,
        )
    ]
    if reader.title is None:
        findings.append(
            make_finding(
                CODES,
                "llms-txt-missing-title",
                "llms.txt has no H1 title ('# Site name'), the one part the format requires.",
            )
        )
    if truncated:
        findings.append(
            make_finding(
                CODES,
                "llms-txt-truncated",
                f"llms.txt is over {MAX_BYTES} bytes, {MAX_LINES} lines or {MAX_SECTIONS} "
                "sections; the rest was not read.",
            )
        )
    sections = reader.sections()
    return LlmsTxt(
        state="present",
        status=status,
        content_type=content_type,
        title=reader.title,
        summary=reader.summary(),
        sections=sections,
        link_count=sum(section.link_count for section in sections),
        has_optional=any(section.title.casefold() == "optional" for section in sections),
        size=size,
        truncated=truncated,
        findings=tuple(findings),
    )


@dataclass
class _OpenSection:
    title: str
    line: int
    links: int = 0


class _Reader:
    """Walks the lines once: H1, the blockquote after it, then H2 sections and their links."""

    def __init__(self) -> None:
        self.title: str | None = None
        self.quote: list[str] = []
        self.summary_open = True
        self.fence: str | None = None
        self.open: list[_OpenSection] = []
        self.capped = False

    def feed(self, number: int, line: str) -> None:
        if self._in_fence(line):
            self.summary_open = False
            return
        heading = _heading_of(line)
        if heading:
            self._heading(number, *heading)
            return
        stripped = line.strip()
        if self.summary_open:
            if stripped.startswith(">"):
                self.quote.append(stripped.lstrip(">").strip())
                return
            # Any other text, or the blank line that closes the blockquote, ends the summary.
            if stripped or self.quote:
                self.summary_open = False
        if self.open and _LINK_ITEM_RE.match(line):
            self.open[-1].links += 1

    def summary(self) -> str | None:
        text = " ".join(part for part in self.quote if part)
        return text[:MAX_SUMMARY_CHARS] or None

    def sections(self) -> tuple[LlmsSection, ...]:
        return tuple(LlmsSection(s.title, s.line, s.links) for s in self.open)

    def _in_fence(self, line: str) -> bool:
        """Lines inside a fenced code block are neither headings nor links."""
        match = _FENCE_RE.match(line)
        if self.fence is None:
            if match:
                self.fence = match.group(1)
            return match is not None
        if match and match.group(1)[0] == self.fence[0] and len(match.group(1)) >= len(self.fence):
            self.fence = None
        return True

    def _heading(self, number: int, level: int, text: str) -> None:
        if level == 1 and text and self.title is None and not self.open:
            self.title = text[:MAX_TITLE_CHARS]
            self.summary_open = not self.quote
            return
        self.summary_open = False
        if level != 2:
            return
        if len(self.open) < MAX_SECTIONS:
            self.open.append(_OpenSection(text[:MAX_TITLE_CHARS], number))
        else:
            self.capped = True


def _heading_of(line: str) -> tuple[int, str] | None:
    """Level and text of an ATX heading; a closing run of ``#`` is dropped (CommonMark §4.2)."""
    match = _HEADING_RE.match(line)
    if match is None:
        return None
    text = line[match.end() :].strip()
    closed = text.rstrip("#")
    if closed != text and (not closed or closed[-1] in " \t"):
        text = closed.strip()
    return len(match.group(1)), text


def _without_file(
    state: LlmsTxtState,
    status: int | None,
    content_type: str | None,
    *,
    size: int = 0,
    findings: tuple[Finding, ...] = (),
) -> LlmsTxt:
    return LlmsTxt(state, status, content_type, None, None, (), 0, False, size, False, findings)


def _as_bytes(body: bytes | str) -> tuple[bytes, int]:
    """The bytes to read (at most one past the limit) and the full size in bytes."""
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogatepass")
    return body[: MAX_BYTES + 1], len(body)


def _looks_like_html(raw: bytes, content_type: str | None) -> bool:
    """An HTML page where Markdown was expected; Markdown sent as text/html still counts."""
    head = raw[:1024].removeprefix(codecs.BOM_UTF8)
    if _HTML_RE.match(head) or b"<html" in head.lower():
        return True
    is_html_type = content_type is not None and "html" in content_type.lower()
    return is_html_type and _heading_of(_first_line(head)) is None


def _first_line(head: bytes) -> str:
    for line in head.decode("utf-8", "replace").splitlines():
        if line.strip():
            return line
    return ""


def _decode(raw: bytes, *, partial: bool) -> str:
    # A cut file may end inside a multi-byte character; bad bytes become U+FFFD.
    raw = raw.removeprefix(codecs.BOM_UTF8)
    return codecs.getincrementaldecoder("utf-8")("replace").decode(raw, final=not partial)
