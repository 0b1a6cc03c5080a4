"""One site's statements in words: its terms and imprint pages, the footers and rights fields
of its sampled pages and the rights text of its sampled images, classified sentence by sentence.

A footer repeats on every page and an image's copyright line on every image: the same sentence
at the same kind of place is kept once, at the first fetch that has it, with the number of
fetches that repeat it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from audits.core.evidence import Fetch, FetchKind
from audits.signals.images import RightsText
from audits.signals.words import Statement, classify_statement, split_statements
from audits.signals.words.passages import WHERE_PAGE, Passage, page_passages

WHOLE_KINDS: tuple[FetchKind, ...] = ("tos", "imprint")
"""Pages read whole: the terms page and the imprint (legal notice)."""
FOOTER_KINDS: tuple[FetchKind, ...] = ("home", "page", "profile", "artwork")
"""Pages read only in their footer and rights fields."""
_WHOLE_WHERE = {"tos": "terms page", "imprint": "imprint"}
MAX_SITE_STATEMENTS = 200
"""Statements about mining or AI kept per site (the rest are counted, not kept)."""


@dataclass(frozen=True)
class FoundStatement:
    """A classified statement and where on the site it was read."""

    statement: Statement
    fetch: Fetch
    where: str
    """``page text``, ``footer``, ``<meta name="copyright">``, ``JSON-LD copyrightNotice``,
    ``image dc:rights`` …"""
    line: int | None
    repeats: int = 1
    """How many fetches carry the same sentence in the same kind of place."""

    @property
    def url(self) -> str:
        return self.fetch.url


def statements_of_text(text: str) -> Iterator[Statement]:
    """Every statement of a passage that says something about mining or AI."""
    for sentence in split_statements(text):
        found = classify_statement(sentence)
        if found is not None:
            yield found


def fetch_statements(fetch: Fetch) -> Iterator[FoundStatement]:
    """The statements one fetched page makes (whole for terms and imprint pages)."""
    body = fetch.html_body
    if body is None:
        return
    whole = fetch.kind in WHOLE_KINDS
    for passage in page_passages(body, whole=whole):
        if whole and passage.where == WHERE_PAGE:
            passage = replace(passage, where=_WHOLE_WHERE[fetch.kind])
        yield from _of_passage(passage, fetch)


def image_statements(fetch: Fetch, rights: Iterable[RightsText]) -> Iterator[FoundStatement]:
    """The statements of one image's XMP rights fields."""
    for item in rights:
        passage = Passage(item.text, f"image {item.field}", None)
        yield from _of_passage(passage, fetch)


def _of_passage(passage: Passage, fetch: Fetch) -> Iterator[FoundStatement]:
    for statement in statements_of_text(passage.text):
        yield FoundStatement(statement, fetch, passage.where, passage.line)


def site_statements(found: Iterable[FoundStatement]) -> tuple[FoundStatement, ...]:
    """Each sentence once per kind of place (first fetch first), at most
    ``MAX_SITE_STATEMENTS``, with its repeats counted."""
    kept: dict[tuple[str, str], FoundStatement] = {}
    for item in found:
        key = (item.statement.text, item.where)
        first = kept.get(key)
        if first is not None:
            kept[key] = replace(first, repeats=first.repeats + 1)
        elif len(kept) < MAX_SITE_STATEMENTS:
            kept[key] = item
    return tuple(kept.values())
