"""``optout explain text``: what a text says about mining and AI use, sentence by sentence.

The same reader and classifier the site audit uses for reservations written in words
(``audits/signals/words/``): an HTML file is read whole as a terms page is, with the rights
meta tags and JSON-LD fields; any other file line by line.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO

import click

from optout_cli.jsonout import dumps
from optout_cli.options import json_option

if TYPE_CHECKING:
    from audits.signals.words import Statement

MAX_INPUT = 20 * 1024 * 1024
_HTML_START = (b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<p", b"<div")
_KIND_WORDS = {
    "reserved": "RESERVES",
    "partial": "RESERVES IN PART",
    "allows": "PERMITS",
    "none": "no reservation",
}
_USE_WORDS = {"train": "AI training", "ai-use": "use by AI systems", "tdm": "text and data mining"}


@dataclass(frozen=True)
class _Read:
    statement: Statement
    line: int | None
    where: str


def _looks_like_html(data: bytes) -> bool:
    head = data[:2048].lstrip().lower()
    return head.startswith(_HTML_START)


def _read_all(data: bytes, html: bool) -> Iterator[_Read]:
    # The classifier's phrases compile as they are imported: only when a text is read.
    from audits.signals.words.passages import page_passages
    from audits.signals.words.site_text import statements_of_text

    if html:
        for passage in page_passages(data, whole=True):
            for statement in statements_of_text(passage.text):
                yield _Read(statement, passage.line, passage.where)
        return
    text = data.decode("utf-8", "replace")
    for number, line in enumerate(text.splitlines(), start=1):
        for statement in statements_of_text(line):
            yield _Read(statement, number, "text")


def _describe(found: _Read) -> list[str]:
    s = found.statement
    uses = ", ".join(_USE_WORDS[u] for u in _USE_WORDS if u in s.uses)
    where = f"line {found.line}" if found.line else found.where
    if found.where not in ("text", "page text"):
        where += f" ({found.where})"
    head = f"{where}: {_KIND_WORDS[s.kind]}" + (f" {uses}" if uses else "")
    facts = [f"language {s.lang or 'unknown'}"]
    if s.statutes:
        facts.append("cites " + ", ".join(s.statutes))
    return [
        f"{head} [{'; '.join(facts)}]",
        f"  “{s.text}”",
        f"  decided by “{s.trigger}”: {s.reason}",
    ]


def _summary(found: list[_Read]) -> list[str]:
    reserving = [f for f in found if f.statement.reserves]
    permits = [f for f in found if f.statement.kind == "allows"]
    uses = {u for f in reserving for u in f.statement.uses}
    lines = [
        f"{len(found)} statement{'s' if len(found) != 1 else ''} about mining or AI: "
        f"{len(reserving)} reserve, {len(permits)} permit, "
        f"{len(found) - len(reserving) - len(permits)} reserve nothing."
    ]
    if reserving:
        named = ", ".join(_USE_WORDS[u] for u in _USE_WORDS if u in uses)
        lines.append(
            f"Reserved in words: {named}. Words are not machine-readable: the audit shows this "
            "beside its verdict and does not count it (docs/signals.md)."
        )
    elif not found:
        lines.append("Nothing in it names text and data mining or AI use.")
    return lines


def _as_json(found: list[_Read]) -> list[dict[str, Any]]:
    return [
        {
            "line": f.line,
            "where": f.where,
            "text": f.statement.text,
            "kind": f.statement.kind,
            "uses": sorted(f.statement.uses),
            "lang": f.statement.lang,
            "statutes": list(f.statement.statutes),
            "trigger": f.statement.trigger,
            "reason": f.statement.reason,
        }
        for f in found
    ]


@click.command("text")
@click.argument("file", type=click.File("rb"))
@click.option(
    "--html/--plain",
    "html",
    default=None,
    help="Read FILE as an HTML page (whole, as a terms page) or as plain text, line by line. "
    "Default: HTML when it starts like HTML.",
)
@json_option("Print JSON instead of text.")
def explain_text(file: BinaryIO, html: bool | None, as_json: bool) -> None:
    """What a text FILE (or - for standard input) says about text and data mining and AI use.

    Every sentence that names mining or AI is classified as the audit does for a site's terms,
    imprint and footers: it reserves (fully or in part), permits, or reserves nothing (a
    service's promise, privacy or cookie text, a quotation, an explanation of the law), with
    the uses, the language, the statutes cited and the phrase that decided it. Sentences that
    name neither mining nor AI ("All rights reserved") are left out.
    """
    data = file.read(MAX_INPUT + 1)
    if len(data) > MAX_INPUT:
        raise click.ClickException(f"{file.name} is larger than {MAX_INPUT:,} bytes")
    found = list(_read_all(data, _looks_like_html(data) if html is None else html))
    if as_json:
        click.echo(dumps({"statements": _as_json(found)}))
        return
    lines: list[str] = []
    for item in found:
        lines += _describe(item)
    click.echo("\n".join([*lines, *([""] if lines else []), *_summary(found)]))
