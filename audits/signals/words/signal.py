"""Reservations written in words as a signal: shown beside every use's verdict, never counted.

The mechanism is ``natural-language``. Its contributions go to ``Contributions.say_in_words``:
the verdict (``UseVerdict.state``) is what machine-readable signals say, and
``UseVerdict.state_counting_words`` is what a reader who counts words would conclude, so a report
can choose (docs/signals.md, "Reservations written in words").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from audits.core.findings import FindingLog, Severity
from audits.core.signal import Contributions, LocatedFinding, Signal, SiteContext, located, ref
from audits.core.uses import Effect, Use, UseVerdict
from audits.signals.images.signal import IMAGES
from audits.signals.words.advice import LEGAL_POSITION, machine_readable
from audits.signals.words.site_text import (
    FOOTER_KINDS,
    WHOLE_KINDS,
    FoundStatement,
    fetch_statements,
    image_statements,
    site_statements,
)

MECHANISM = "natural-language"
CODES: dict[str, Severity] = {
    "natural-language-only": "warning",
    "natural-language-permission": "info",
}
QUOTE_CHARS = 240
PERMISSIONS_SHOWN = 3
_EFFECTS: dict[str, Effect] = {"reserved": "reserved", "partial": "partial", "allows": "allowed"}
_USE_WORDS = {"train": "AI training", "ai-use": "use by AI systems", "tdm": "text and data mining"}

Reading = tuple[FoundStatement, ...]


def quote(found: FoundStatement) -> str:
    text = found.statement.text
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1] + "…"


def place(found: FoundStatement) -> str:
    """Where the sentence stands, for a person: ``footer of /about (line 41)``."""
    line = f", line {found.line}" if found.line else ""
    more = found.repeats - 1
    also = f"; the same on {more} more page{'s' if more > 1 else ''}" if more else ""
    return f"{found.where} of {found.fetch.path}{line}{also}"


class WordsSignal(Signal[Reading]):
    """Statements about mining and AI in the site's own words."""

    name = MECHANISM
    fetch_kinds = (*WHOLE_KINDS, *FOOTER_KINDS)
    codes = CODES
    needs = (IMAGES,)

    def read(self, site: SiteContext) -> Reading:
        found = [
            item
            for fetch in site.evidence.of_kind(*self.fetch_kinds)
            for item in fetch_statements(fetch)
        ]
        for image in site.reading(IMAGES):
            found.extend(image_statements(image.fetch, image.meta.rights_text))
        return site_statements(found)

    def findings(self, reading: Reading, site: SiteContext) -> Sequence[LocatedFinding]:
        log = FindingLog(CODES)
        where: list[FoundStatement] = []
        for found in reading:
            if found.statement.kind != "allows" or len(where) >= PERMISSIONS_SHOWN:
                continue
            uses = ", ".join(_USE_WORDS[u] for u in sorted(found.statement.uses))
            log.add(
                "natural-language-permission",
                f"The site expressly permits {uses or 'mining'} in words ({place(found)}): "
                f"“{quote(found)}” It is a permission written for people; crawlers read "
                "Content-Signal lines in robots.txt and TDMRep files.",
                line=found.line,
                evidence=found.statement.trigger,
            )
            where.append(found)
        return [
            item
            for finding, found in zip(log.frozen(), where, strict=True)
            for item in located((finding,), found.fetch)
        ]

    def contribute(self, reading: Reading, site: SiteContext, out: Contributions) -> None:
        for found in reading:
            effect = _EFFECTS.get(found.statement.kind)
            if effect is None:
                continue
            detail = f"“{quote(found)}” ({place(found)})"
            for use in sorted(found.statement.uses):
                out.say_in_words(
                    cast(Use, use), MECHANISM, effect, detail, ref(found.fetch, found.line)
                )

    def conclude(
        self, reading: Reading, site: SiteContext, verdicts: Sequence[UseVerdict]
    ) -> Sequence[LocatedFinding]:
        """One finding per sentence that reserves a use nothing machine-readable reserves."""
        only = {v.use for v in verdicts if v.words_only}
        out: list[LocatedFinding] = []
        log = FindingLog(CODES)
        for found in reading:
            uses = [u for u in _USE_WORDS if u in only and u in found.statement.uses]
            if not found.statement.reserves or not uses:
                continue
            named = " and ".join(_USE_WORDS[u] for u in uses)
            verb = "is" if len(uses) == 1 else "are"
            statutes = found.statement.statutes
            cites = f" It cites {', '.join(statutes)}." if statutes else ""
            before = len(log.items)
            log.add(
                "natural-language-only",
                f"{named[0].upper()}{named[1:]} {verb} reserved in words only "
                f"({place(found)}): “{quote(found)}”{cites} Nothing machine-readable on the "
                f"site reserves {'it' if len(uses) == 1 else 'them'}. {LEGAL_POSITION} "
                f"{machine_readable(uses, site.registry)}",
                line=found.line,
                evidence=found.statement.trigger,
            )
            out.extend(located(log.items[before:], found.fetch))
        return out


WORDS = WordsSignal()
