"""What a site's home page and sitemap lead the spider to, and a platform's profile draw.

Pure parts of the spider's discovery: links, sitemap entries and a seed in, URLs out. The
spider (``crawler/spiders/optout.py``) decides when to request them and records the answers;
the choosing rules themselves are ``crawler.sampling``'s.

On a platform (a ``platform`` seed with a ``profile_pattern``) profile candidates are
gathered from the home page, its listing pages and the first sitemap until every discovery
request has answered; only then is the seeded sample drawn, so it does not depend on the
order responses arrive in (docs/crawler.md, "Platforms").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from crawler.sampling import (
    MAX_CANDIDATES,
    Link,
    choose_pages,
    draw_sample,
    imprint_link,
    listing_pages,
    profile_candidates,
    tos_link,
)
from crawler.seeds import Seed


@dataclass(frozen=True)
class HomeLinks:
    """Where a home page leads: content pages to sample, listing pages to search for
    profiles (platforms only), the terms page and the imprint (legal notice) page."""

    pages: tuple[str, ...] = ()
    listings: tuple[str, ...] = ()
    terms: str | None = None
    imprint: str | None = None


def seed_patterns(seed: Seed) -> list[str]:
    """The seed's own patterns, artwork first: pages matching them are sampled first."""
    return [p for p in (seed.artwork_pattern, seed.profile_pattern) if p]


def content_pages(
    urls: Sequence[str], seed: Seed, limit: int, taken: int, exclude: Iterable[str] = ()
) -> tuple[list[str], list[str]]:
    """(chosen, to request): the ``limit`` best content pages among ``urls``, and those of
    them that still fit when ``taken`` pages of the sample are already requested."""
    chosen = choose_pages(urls, seed.origin, limit, seed_patterns(seed), exclude=exclude)
    return chosen, chosen[: max(0, limit - taken)]


def site_home(links: Sequence[Link], base: str, seed: Seed, limit: int, taken: int) -> HomeLinks:
    """A site's home page: its content-page sample, its terms page and its imprint page.

    The terms and imprint pages are left out of the content sample: they are read whole for
    reservations written in words (``audits/signals/words``), which they are only as their own
    kinds, and they are not the site's content."""
    terms = tos_link(links, seed.origin)
    imprint = _imprint(links, seed, [terms])
    legal = [base, *(url for url in (terms, imprint) if url)]
    _, pages = content_pages([link.url for link in links], seed, limit, taken, legal)
    return HomeLinks(pages=tuple(pages), terms=terms, imprint=imprint)


def platform_home(links: Sequence[Link], seed: Seed, listing_limit: int) -> HomeLinks:
    """A platform's home page: its listing pages (fetched for more profile candidates), its
    terms page and its imprint page; its own links are candidates too (``PlatformState.add``)."""
    listings = listing_pages(
        [link.url for link in links],
        seed.origin,
        listing_limit,
        seed.profile_pattern,
        seed.artwork_pattern,
    )
    terms = tos_link(links, seed.origin)
    imprint = _imprint(links, seed, [terms])
    return HomeLinks(listings=tuple(listings), terms=terms, imprint=imprint)


def _imprint(links: Sequence[Link], seed: Seed, taken: Sequence[str | None]) -> str | None:
    """The imprint page, unless it is the terms page."""
    imprint = imprint_link(links, seed.origin)
    return imprint if imprint not in taken else None


@dataclass
class PlatformState:
    """Profile discovery on a platform: candidates gathered until every discovery request
    (listing pages, the first sitemap) has answered, then one seeded draw."""

    candidates: set[str] = field(default_factory=set)
    pending: int = 0
    """Discovery requests made and not yet answered (nor failed)."""
    home_done: bool = False
    """The home page has answered (or failed) and the sitemap was asked for, if any."""
    sampled: int | None = None
    """How many profiles were drawn, once drawn."""

    def add(self, urls: Iterable[str], seed: Seed) -> None:
        """The profiles ``urls`` lead to join the candidates, up to ``MAX_CANDIDATES``
        (those beyond it are dropped in URL order, not arrival order)."""
        if seed.profile_pattern is None:
            return
        found = profile_candidates(urls, seed.origin, seed.profile_pattern, seed.artwork_pattern)
        room = MAX_CANDIDATES - len(self.candidates)
        self.candidates.update(sorted(found)[: max(0, room)])

    def ready(self) -> bool:
        """Whether the sample may be drawn now: discovery is over and nothing was drawn."""
        return self.home_done and not self.pending and self.sampled is None

    def draw(self, size: int, sample_seed: str, origin: str) -> list[str]:
        """The profiles to fetch: ``min(size, candidates)`` drawn, fixed by seed and origin."""
        sample = draw_sample(self.candidates, size, sample_seed, origin)
        self.sampled = len(sample)
        return sample


def platform_state(seed: Seed) -> PlatformState | None:
    """Platform seeds with a profile pattern get their profiles sampled; others do not."""
    return PlatformState() if seed.kind == "platform" and seed.profile_pattern else None
