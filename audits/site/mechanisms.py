"""The site's own findings: what only shows once every signal has contributed.

Each signal says what it contributes per use (its ``contribute`` in ``audits/signals/<name>/
signal.py``): a mechanism that covers every relevant agent and every sampled page *reserves*
a use; one that covers only some agents, paths, media or pages makes it *partial*; explicit
permissions (``ai-train=yes``, ``train-ai=y``, ``tdm-reservation: 0``) make it *allowed*.
This module adds the findings about the combination: conflicts and page-level gaps.
"""

from __future__ import annotations

from collections.abc import Sequence

from audits.core.findings import Finding, Severity, make_finding
from audits.core.signal import Contributions, ref
from audits.core.uses import EvidenceRef, UseVerdict
from audits.signals.pages import PageSignals

__all__ = ["CODES", "Contributions", "site_findings"]

CODES: dict[str, Severity] = {
    "site-signals-conflict": "warning",
    "site-noai-home-only": "warning",
    "site-noai-rendered-only": "warning",
    "site-pages-unreadable": "warning",
}


def site_findings(
    verdicts: Sequence[UseVerdict], pages: Sequence[PageSignals]
) -> list[tuple[Finding, EvidenceRef]]:
    """Findings about the site as a whole: conflicts, page-level gaps, each with its evidence."""
    found: list[tuple[Finding, EvidenceRef]] = []
    for verdict in verdicts:
        if verdict.conflict:
            found.append(_conflict(verdict))
    home = [p for p in pages if p.fetch.kind == "home" and p.meta is not None]
    content = [p for p in pages if p.fetch.kind == "page" and p.meta is not None]
    if home and content and home[0].ai().images:
        missing = [p for p in content if not p.ai().images]
        if missing:
            found.append(
                (
                    make_finding(
                        CODES,
                        "site-noai-home-only",
                        f"noai/noimageai is on the home page but not on {len(missing)} of "
                        f"{len(content)} content pages, where the artwork is. "
                        "Add it to every page.",
                    ),
                    ref(missing[0].fetch),
                )
            )
    for page in pages:
        if page.rendered_only_noai:
            found.append(
                (
                    make_finding(
                        CODES,
                        "site-noai-rendered-only",
                        "noai appears only after JavaScript runs; crawlers that do not render "
                        "pages (most dataset builders) never see it. Put it in the served HTML.",
                    ),
                    ref(page.fetch),
                )
            )
    if pages and not any(p.readable for p in pages):
        found.append(
            (
                make_finding(
                    CODES,
                    "site-pages-unreadable",
                    "None of the sampled pages could be read, so page-level opt-outs (meta tags, "
                    "headers) are unknown.",
                ),
                ref(pages[0].fetch),
            )
        )
    return found


def _conflict(verdict: UseVerdict) -> tuple[Finding, EvidenceRef]:
    """The conflict finding, pointing at the first explicit permission that contradicts."""
    allows = [c for c in verdict.contributions if c.effect == "allowed"]
    reserves = {c.mechanism for c in verdict.contributions if c.effect != "allowed"}
    where = next((e for c in allows for e in c.evidence), EvidenceRef(""))
    finding = make_finding(
        CODES,
        "site-signals-conflict",
        f"For {verdict.use}, {', '.join(sorted(reserves))} reserve(s) the use "
        f"but {', '.join(sorted({c.mechanism for c in allows}))} explicitly allow(s) it. "
        "Readers may take either; make the signals agree.",
        line=where.line,
    )
    return finding, where
