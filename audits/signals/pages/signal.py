"""The signals carried by page and image responses, read from the one page reading
(``PAGES``): robots directives from meta tags and X-Robots-Tag, the aipref ``Content-Usage``
header (draft-ietf-aipref-attach §4), and TDMRep, whose site file is layered with each page's
headers and meta (W3C TDMRep §3: the most specific layer decides per URL).

They live here, above the parsers of their own packages, because the page reading imports
those parsers: a face in ``directives/`` that read ``PAGES`` would close a cycle.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from audits.core.evidence import Fetch
from audits.core.signal import (
    NAMES_SHOWN,
    Contributions,
    LocatedFinding,
    Signal,
    SiteContext,
    ref,
    share,
)
from audits.core.uses import EvidenceRef, Use
from audits.signals import aipref, directives, tdmrep
from audits.signals.directives import header, meta
from audits.signals.pages import Pages, PageSignals, located_page_findings, page_signals
from audits.signals.policy_file import PolicyFile, read_policy_file
from audits.signals.tdmrep import TdmrepFile, parse_tdmrep_json
from audits.signals.tdmrep import layers as tdm_layers
from audits.signals.tdmrep.layers import resolve_tdm


class PagesSignal(Signal[Pages]):
    """The sampled home page, pages and images, each read for every page-level signal."""

    name = "pages"
    fetch_kinds = ("home", "page", "image")

    def read(self, site: SiteContext) -> Pages:
        return tuple(page_signals(f) for f in site.evidence.of_kind(*self.fetch_kinds))

    def findings(self, reading: Pages, site: SiteContext) -> Sequence[LocatedFinding]:
        return located_page_findings(reading)

    def contribute(self, reading: Pages, site: SiteContext, out: Contributions) -> None:
        if reading and not any(p.readable for p in reading):
            out.missing("no sampled page could be read (errors or bot walls)")


PAGES = PagesSignal()


def read_tdmrep(fetch: Fetch | None) -> PolicyFile[TdmrepFile]:
    """The /.well-known/tdmrep.json fetch, parsed."""
    return read_policy_file(fetch, parse_tdmrep_json)


class TdmrepSignal(Signal[PolicyFile[TdmrepFile]]):
    """``tdm-reservation`` from the file, the response headers and the HTML meta."""

    name = "TDMRep"
    fetch_kinds = ("tdmrep", "home", "page", "image")
    codes = {**tdmrep.CODES, **tdm_layers.CODES}
    needs = (PAGES,)

    def read(self, site: SiteContext) -> PolicyFile[TdmrepFile]:
        return read_tdmrep(site.evidence.first("tdmrep"))

    def findings(
        self, reading: PolicyFile[TdmrepFile], site: SiteContext
    ) -> Sequence[LocatedFinding]:
        return reading.located_findings()

    def contribute(
        self, reading: PolicyFile[TdmrepFile], site: SiteContext, out: Contributions
    ) -> None:
        file = reading.parsed
        if file is not None and file.reason == "error-status":
            out.missing("tdmrep.json answered with a server error", ("tdm",))
        elif file is None and reading.fetch is not None:
            out.missing("tdmrep.json could not be read (no answer or a bot wall)", ("tdm",))
        readable = [p for p in site.reading(PAGES) if p.readable]
        _tdm(out, file, reading.fetch, readable)


def _tdm(
    out: Contributions, tdm: TdmrepFile | None, fetch: Fetch | None, pages: Sequence[PageSignals]
) -> None:
    file = tdm if tdm is not None and tdm.implemented else None
    targets: list[tuple[str, EvidenceRef, PageSignals | None]] = [
        (p.fetch.path, ref(p.fetch), p) for p in pages
    ] or [("/", ref(fetch), None)]
    values = []
    for path, where, page in targets:
        decision = file.evaluate(path) if file is not None else None
        resolution = resolve_tdm(
            decision, page.tdm_header if page else None, page.tdm_meta if page else None
        )
        values.append((resolution.reservation, resolution.decided_by, where))
        for finding in (*(decision.findings if decision else ()), *resolution.findings):
            out.findings.append((finding, where))
    for use in ("tdm", "train"):
        _layered(out, use, values)


def _layered(
    out: Contributions, use: Use, values: Sequence[tuple[int | None, str, EvidenceRef]]
) -> None:
    reserved = [v for v in values if v[0] == 1]
    how = sorted({v[1] for v in reserved})
    effect = share([v[0] == 1 for v in values])
    if effect:
        out.add(
            use,
            "TDMRep",
            effect,
            f"tdm-reservation 1 via {', '.join(how)} on {len(reserved)} of {len(values)} "
            "checked URLs",
            *(v[2] for v in reserved[:NAMES_SHOWN]),
        )
    elif use == "tdm" and any(v[0] == 0 for v in values):
        out.add(
            use,
            "TDMRep",
            "allowed",
            "tdm-reservation 0: mining allowed",
            *(v[2] for v in values if v[0] == 0),
        )


TDMREP = TdmrepSignal()


_CHECKS: list[tuple[Use, str, Callable[[PageSignals], bool], str]] = [
    ("train", "noai", lambda p: p.ai().all_ai, "noai"),
    ("ai-use", "noai", lambda p: p.ai().all_ai, "noai"),
    ("train", "noimageai", lambda p: p.ai().images and not p.ai().all_ai, "noimageai"),
    ("train", "noarchive (Bing)", lambda p: p.ai().bing_training, "Microsoft only"),
    (
        "search",
        "noindex",
        lambda p: "noindex" in p.directives() or "none" in p.directives(),
        "noindex",
    ),
]
_ONLY_PARTIAL = ("noimageai", "noarchive (Bing)")
"""Mechanisms that reserve only part of a use (images; one company's training)."""


class DirectivesSignal(Signal[Pages]):
    """Directives read from the pages that carry them: HTML with meta tags, and images."""

    name = "robots directives"
    fetch_kinds = ("home", "page", "image")
    codes = {**meta.CODES, **header.CODES, **directives.CODES}
    needs = (PAGES,)

    def read(self, site: SiteContext) -> Pages:
        return tuple(
            p
            for p in site.reading(PAGES)
            if p.readable and (p.meta is not None or p.fetch.kind == "image")
        )

    def contribute(self, reading: Pages, site: SiteContext, out: Contributions) -> None:
        for use, mechanism, test, label in _CHECKS:
            hits = [test(p) for p in reading]
            effect = share(hits)
            if mechanism in _ONLY_PARTIAL and effect:
                effect = "partial"
            if effect:
                refs = [ref(p.fetch) for p, hit in zip(reading, hits, strict=True) if hit]
                out.add(
                    use,
                    mechanism,
                    effect,
                    f"{label} on {sum(hits)} of {len(reading)} {_what(reading)}",
                    *refs[:NAMES_SHOWN],
                )


def _what(pages: Sequence[PageSignals]) -> str:
    return "pages and images" if any(p.fetch.kind == "image" for p in pages) else "pages"


DIRECTIVES = DirectivesSignal()


class ContentUsageHeaderSignal(Signal[Pages]):
    """The ``Content-Usage`` header on every readable sampled response."""

    name = "Content-Usage header"
    fetch_kinds = ("home", "page", "image")
    codes = aipref.CODES
    needs = (PAGES,)

    def read(self, site: SiteContext) -> Pages:
        return tuple(p for p in site.reading(PAGES) if p.readable)

    def contribute(self, reading: Pages, site: SiteContext, out: Contributions) -> None:
        prefs = [(p, p.content_usage) for p in reading]
        for label, use in aipref.USES_BY_CATEGORY.items():
            values = [pref.categories[label] if pref else "unknown" for _, pref in prefs]
            effect = share([v == "disallow" for v in values])
            refs = [
                ref(p.fetch) for p, pref in prefs if pref and pref.categories[label] != "unknown"
            ]
            if effect:
                out.add(
                    use,
                    "Content-Usage header",
                    effect,
                    f"{label}=n on {values.count('disallow')} of {len(values)} responses",
                    *refs[:NAMES_SHOWN],
                )
            elif "allow" in values:
                out.add(use, "Content-Usage header", "allowed", f"{label}=y", *refs[:NAMES_SHOWN])


CONTENT_USAGE_HEADER = ContentUsageHeaderSignal()
