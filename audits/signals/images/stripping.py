"""Metadata stripping: displayed images that lost the opt-out their original carries.

A site (most often a platform) that shows a re-encoded rendition and links the original can
drop the creator's IPTC Data Mining field on the way; crawlers that take the displayed image
never see the reservation. Read from the rendition pairs of
:mod:`audits.signals.images.site_images`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from audits.core.findings import Finding, Severity, make_finding
from audits.core.uses import EvidenceRef
from audits.signals.images.site_images import SiteImage

CODES: dict[str, Severity] = {"platform-strips-data-mining": "warning"}


@dataclass(frozen=True)
class StrippedRendition:
    """A displayed image that lost metadata its original carries."""

    page_url: str | None
    displayed: EvidenceRef
    original_url: str
    lost: tuple[str, ...]


def stripped_renditions(images: Sequence[SiteImage]) -> tuple[StrippedRendition, ...]:
    """Displayed images that lost metadata their original carries."""
    return tuple(
        StrippedRendition(
            i.page_url,
            EvidenceRef(i.fetch.url, i.fetch.fetch_id),
            i.original_url or "",
            i.stripped,
        )
        for i in images
        if i.stripped and i.original_url
    )


def stripping_findings(images: Sequence[SiteImage]) -> tuple[tuple[Finding, EvidenceRef], ...]:
    """One finding, at the first such displayed image, when displayed images lose the IPTC
    Data Mining field their originals carry."""
    lost = [s for s in stripped_renditions(images) if "iptc-data-mining" in s.lost]
    if not lost:
        return ()
    compared = sum(1 for i in images if i.stripped is not None)
    first = lost[0]
    finding = make_finding(
        CODES,
        "platform-strips-data-mining",
        f"strips IPTC Data Mining from displayed images: {len(lost)} of {compared} displayed "
        "images lost the plus:DataMining reservation their original carries, so crawlers that "
        "take the displayed image never see the creator's opt-out.",
        evidence=f"{first.displayed.url} (original: {first.original_url})",
    )
    return ((finding, first.displayed),)
