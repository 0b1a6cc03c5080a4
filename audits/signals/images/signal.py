"""Embedded image metadata as a signal: IPTC Data Mining, C2PA and CAWG training-mining in
the sampled images, and displayed renditions that lost what their originals carry."""

from __future__ import annotations

from collections.abc import Sequence

from audits.core.signal import Contributions, LocatedFinding, Signal, SiteContext
from audits.signals import images
from audits.signals.images import stripping
from audits.signals.images.contributions import image_contributions, image_findings
from audits.signals.images.site_images import PAGE_KINDS, SiteImage, site_images
from audits.signals.images.stripping import stripping_findings

Images = tuple[SiteImage, ...]


class ImagesSignal(Signal[Images]):
    """The sampled images (and their tails and originals), read for embedded metadata."""

    name = "image metadata"
    fetch_kinds = ("image", "image-tail", "original", *PAGE_KINDS)
    codes = {**images.CODES, **stripping.CODES}

    def read(self, site: SiteContext) -> Images:
        return site_images(site.evidence)

    def findings(self, reading: Images, site: SiteContext) -> Sequence[LocatedFinding]:
        found = (*image_findings(reading), *stripping_findings(reading))
        return [LocatedFinding(finding, where) for finding, where in found]

    def contribute(self, reading: Images, site: SiteContext, out: Contributions) -> None:
        out.items.extend(image_contributions(reading))


IMAGES = ImagesSignal()
