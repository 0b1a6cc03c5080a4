"""Per-platform results: which sampled creator profiles opt out, by which mechanism, and
what share of the platform's creators that suggests.

A platform's seed names a profile pattern (``/u/*``) and an artwork pattern
(``/u/*/art/*``); the crawler fetches a seeded random sample of profiles (kind ``profile``)
and a few of their artworks (kind ``artwork``) with their images. Here each profile's pages
and images are grouped under the profile URL (the artwork's path prefix that matches the
profile pattern), each is read for every page-level opt-out, and the platform summary counts
the profiles that opt out of AI training, with a Wilson score interval for the share.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from itertools import islice
from urllib.parse import urlsplit

from audits.core.agents import Registry
from audits.core.evidence import Fetch, SiteEvidence
from audits.core.uses import EvidenceRef, State
from audits.signals.directives import ai_reservation
from audits.signals.directives.meta import MetaRobots
from audits.signals.images.contributions import MECHANISMS as IMAGE_MECHANISMS
from audits.signals.images.site_images import SiteImage
from audits.signals.images.stripping import StrippedRendition, stripped_renditions
from audits.signals.pages import PageSignals, page_signals
from audits.signals.tdmrep.layers import tdm_from_html
from audits.site.audit import audit_site

Z_95 = 1.959963984540054
"""The 0.975 quantile of the standard normal distribution (two-sided 95 %)."""
MAX_PROFILES = 1_000
MAX_SITEMAP_URLS = 50_000
PROFILE_USES = ("train", "ai-use", "tdm")
_CREATOR_KINDS = frozenset({"profile", "artwork", "image", "original", "image-tail"})
_LOC = re.compile(rb"<loc>\s*([^<\s]{1,2048})\s*</loc>", re.IGNORECASE)


@dataclass(frozen=True)
class Signal:
    """One opt-out seen on a profile's page or image."""

    use: str
    mechanism: str
    rendered_only: bool
    """Seen only in the DOM after JavaScript ran: crawlers that do not render miss it."""
    evidence: EvidenceRef


@dataclass(frozen=True)
class ProfileResult:
    """One sampled creator profile: its pages and images, and the opt-outs they carry."""

    profile_url: str
    pages: tuple[EvidenceRef, ...]
    images: tuple[EvidenceRef, ...]
    signals: tuple[Signal, ...]
    readable: bool
    """At least one of its pages could be read (otherwise it is not counted)."""

    def opted_out(self, use: str = "train") -> bool:
        return any(s.use == use for s in self.signals)

    def mechanisms(self, use: str = "train") -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.mechanism for s in self.signals if s.use == use))

    def rendered_only(self, use: str = "train") -> bool:
        """Opted out, but only in the rendered DOM."""
        mine = [s for s in self.signals if s.use == use]
        return bool(mine) and all(s.rendered_only for s in mine)


@dataclass(frozen=True)
class PlatformSummary:
    """What the sample says about a platform's creators and their AI-training opt-outs."""

    origin: str
    profiles: tuple[ProfileResult, ...]
    sampled: int
    """Profiles with at least one readable page: the n of the share."""
    population: int | None
    """Profiles the platform lists (sitemaps, listings), when known."""
    opted_out: int
    share: float | None
    ci_low: float | None
    ci_high: float | None
    mechanisms_offered: tuple[str, ...]
    """Mechanisms seen on some sampled profiles but not site-wide: the per-profile switch."""
    offers_per_profile: bool
    default_train: State
    """The platform's site-wide verdict on training: what a profile gets without opting out."""
    rendered_only: int
    renditions_compared: int
    stripped: tuple[StrippedRendition, ...]

    @property
    def strips_metadata(self) -> bool:
        return bool(self.stripped)


def wilson_interval(successes: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a binomial proportion.

    E. B. Wilson, "Probable inference, the law of succession, and statistical inference",
    Journal of the American Statistical Association 22 (1927), 209-212. Unlike the normal
    ("Wald") interval it stays inside [0, 1] and does not collapse to a point at 0 or n
    successes, which matters for the small samples taken per platform. Written out here
    because it is four lines and pulling in a statistics library for it is not worth it.
    """
    if n <= 0:
        raise ValueError("the interval needs at least one observation")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must lie in 0..{n}, not {successes}")
    p = successes / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


@cache
def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """A path pattern (``*`` stands for one path segment or part of one) as a prefix regex."""
    body = pattern.split("?", 1)[0].rstrip("/") or "/"
    parts = (re.escape(piece) for piece in body.split("*"))
    return re.compile("^" + "[^/?#]+".join(parts) + "(?=/|$|\\?|#)")


def matches(pattern: str | None, path: str, *, whole: bool = True) -> bool:
    """Whether a path matches a seed pattern (``whole``: up to its end, bar a trailing ``/``)."""
    if not pattern:
        return False
    found = _pattern_regex(pattern).match(path)
    if found is None:
        return False
    rest = path[found.end() :].split("?", 1)[0]
    return not whole or rest in ("", "/")


def profile_key(evidence: SiteEvidence, url: str, known: Sequence[str] = ()) -> str | None:
    """The profile URL a page belongs to: its path prefix matching the profile pattern, or
    the longest sampled profile URL it lies under."""
    path = urlsplit(url).path or "/"
    if evidence.profile_pattern:
        found = _pattern_regex(evidence.profile_pattern).match(path)
        if found is not None:
            return evidence.origin + found.group(0)
    under = [k for k in known if url == k or url.startswith(k.rstrip("/") + "/")]
    return max(under, key=len) if under else None


def _profile_pages(evidence: SiteEvidence) -> tuple[tuple[Fetch, ...], tuple[Fetch, ...]]:
    """Profile and artwork fetches; before per-profile sampling, pages matching the patterns."""
    profiles, artworks = [], []
    for fetch in evidence.of_kind("profile", "artwork", "page"):
        path = urlsplit(fetch.url).path or "/"
        if fetch.kind == "artwork" or (
            fetch.kind == "page" and matches(evidence.artwork_pattern, path)
        ):
            artworks.append(fetch)
        elif fetch.kind == "profile" or matches(evidence.profile_pattern, path):
            profiles.append(fetch)
    return tuple(profiles), tuple(artworks)


def _ref(fetch: Fetch) -> EvidenceRef:
    return EvidenceRef(fetch.url, fetch.fetch_id)


def page_opt_outs(page: PageSignals) -> tuple[Signal, ...]:
    """Every opt-out one profile or artwork page carries, per use and mechanism."""
    if not page.readable:
        return ()
    ref = _ref(page.fetch)
    found: list[Signal] = []

    def add(uses: Iterable[str], mechanism: str, rendered_only: bool = False) -> None:
        found.extend(Signal(use, mechanism, rendered_only, ref) for use in uses)

    none = ai_reservation(())
    raw = ai_reservation(page.meta.directives_for("*")) if page.meta else none
    rendered = (
        ai_reservation(page.rendered_meta.directives_for("*")) if page.rendered_meta else none
    )
    if raw.all_ai:
        add(("train", "ai-use"), "noai")
    elif raw.images:
        add(("train",), "noimageai")
    if rendered.all_ai and not raw.all_ai:
        add(("train", "ai-use"), "noai", True)
    elif rendered.images and not raw.images:
        add(("train",), "noimageai", True)
    named_raw = _named_agents(page.meta)
    named_rendered = _named_agents(page.rendered_meta) - named_raw
    for named, late in ((named_raw, False), (named_rendered, True)):
        if named:
            add(("train",), f"per-agent meta ({', '.join(sorted(named)[:4])})", late)
    header = ai_reservation(page.x_robots.directives_for("*"))
    if header.all_ai:
        add(("train", "ai-use"), "X-Robots-Tag noai")
    elif header.images:
        add(("train",), "X-Robots-Tag noimageai")
    if page.tdm_header.reservation == 1:
        add(("tdm", "train"), "TDMRep header")
    if page.tdm_meta is not None and page.tdm_meta.reservation == 1:
        add(("tdm", "train"), "TDMRep meta")
    elif page.fetch.rendered_body and tdm_from_html(page.fetch.rendered_body).reservation == 1:
        add(("tdm", "train"), "TDMRep meta", True)
    if page.content_usage is not None:
        labels = (("train-ai", "train"), ("ai-use", "ai-use"))
        add(
            [use for label, use in labels if page.content_usage.categories[label] == "disallow"],
            "Content-Usage header",
        )
    return tuple(found)


def _named_agents(meta: MetaRobots | None) -> set[str]:
    """Agents a meta tag of their own asks not to use the content or images for AI."""
    directives = meta.directives if meta is not None else ()
    return {d.agent for d in directives if d.agent != "*" and ai_reservation([d.text]).images}


def image_opt_outs(image: SiteImage) -> tuple[Signal, ...]:
    """The reservations an image's embedded metadata makes (IPTC, C2PA, CAWG)."""
    ref = _ref(image.fetch)
    return tuple(
        Signal(u.use, IMAGE_MECHANISMS.get(u.mechanism, u.mechanism), False, ref)
        for u in image.uses
        if u.effect == "reserved"
    )


def profile_results(
    evidence: SiteEvidence, images: Sequence[SiteImage] = ()
) -> tuple[ProfileResult, ...]:
    """Each sampled profile with its artworks and their images, in profile URL order."""
    profiles, artworks = _profile_pages(evidence)
    known = [p.url for p in profiles]
    grouped: dict[str, list[Fetch]] = {}
    for fetch in (*profiles, *artworks):
        key = profile_key(evidence, fetch.url, known)
        if key is not None:
            grouped.setdefault(key, []).append(fetch)
    results = []
    for key in sorted(grouped)[:MAX_PROFILES]:
        pages = grouped[key]
        urls = {p.url for p in pages}
        mine = [i for i in images if urls.intersection(i.page_urls)]
        read = [page_signals(p) for p in pages]
        signals = [s for page in read for s in page_opt_outs(page)]
        signals += [s for image in mine for s in image_opt_outs(image)]
        results.append(
            ProfileResult(
                profile_url=key,
                pages=tuple(_ref(p) for p in pages),
                images=tuple(_ref(i.fetch) for i in mine),
                signals=tuple(signals),
                readable=any(p.readable for p in read),
            )
        )
    return tuple(results)


def sitemap_population(evidence: SiteEvidence) -> int | None:
    """Distinct profiles listed in the fetched sitemaps; None when none lists a profile."""
    if not evidence.profile_pattern:
        return None
    found: set[str] = set()
    for fetch in evidence.of_kind("sitemap"):
        for match in islice(_LOC.finditer(fetch.body or b""), MAX_SITEMAP_URLS):
            url = match.group(1).decode("utf-8", "replace").replace("&amp;", "&")
            if urlsplit(url).netloc == urlsplit(evidence.origin).netloc:
                key = profile_key(evidence, url)
                if key is not None:
                    found.add(key)
    return len(found) or None


def is_platform(evidence: SiteEvidence) -> bool:
    """A seed of kind platform, one with a profile pattern, or one with sampled profiles."""
    return (
        evidence.kind == "platform"
        or evidence.profile_pattern is not None
        or bool(evidence.of_kind("profile"))
    )


def site_wide_evidence(evidence: SiteEvidence) -> SiteEvidence:
    """The platform's own fetches: without its creators' profiles, artworks and images."""
    creators = {f.url for group in _profile_pages(evidence) for f in group}
    return replace(
        evidence,
        fetches=tuple(
            f
            for f in evidence.fetches
            if f.kind not in _CREATOR_KINDS and (f.kind != "page" or f.url not in creators)
        ),
    )


def platform_default(evidence: SiteEvidence, registry: Registry | None = None) -> State:
    """The training verdict of the platform's own files and pages: what a creator gets
    without opting out (robots.txt, ai.txt, TDMRep, home-page tags, …)."""
    return audit_site(site_wide_evidence(evidence), registry).verdict("train").state


def summarise_platform(
    evidence: SiteEvidence,
    images: Sequence[SiteImage] = (),
    *,
    default_train: State,
    population: int | None = None,
) -> PlatformSummary:
    """The platform summary from its evidence, its read images and its default verdict."""
    profiles = profile_results(evidence, images)
    counted = [p for p in profiles if p.readable]
    opted = [p for p in counted if p.opted_out("train")]
    n = len(counted)
    low, high = wilson_interval(len(opted), n) if n else (None, None)
    home = [s for f in evidence.of_kind("home") for s in page_opt_outs(page_signals(f))]
    site_wide = {s.mechanism for s in home if s.use == "train"}
    seen: dict[str, int] = {}
    for profile in counted:
        for mechanism in profile.mechanisms("train"):
            seen[mechanism] = seen.get(mechanism, 0) + 1
    offered = tuple(sorted(m for m, k in seen.items() if m not in site_wide and k < n))
    return PlatformSummary(
        origin=evidence.origin,
        profiles=profiles,
        sampled=n,
        population=population if population is not None else sitemap_population(evidence),
        opted_out=len(opted),
        share=len(opted) / n if n else None,
        ci_low=low,
        ci_high=high,
        mechanisms_offered=offered,
        offers_per_profile=bool(offered),
        default_train=default_train,
        rendered_only=sum(p.rendered_only("train") for p in opted),
        renditions_compared=sum(1 for i in images if i.stripped is not None),
        stripped=stripped_renditions(images),
    )
