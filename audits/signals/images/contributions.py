"""What the sampled images' embedded metadata contributes to a site's verdicts.

Image metadata is page-level evidence, like ``noimageai``: every sampled image reserving a
use makes it ``reserved``, some of them ``partial``. A reservation of only part of a use
(generative-only training: ``DMI-PROHIBITED-GENAIMLTRAINING``, or just one of C2PA's two
training entries) is ``partial`` even when every image carries it. Explicit permissions
(``DMI-ALLOWED``, ``allowed`` entries) make the use ``allowed`` when no image reserves it.
"""

from __future__ import annotations

from collections.abc import Sequence

from audits.core.findings import Finding
from audits.core.uses import Contribution, Effect, EvidenceRef, Use
from audits.signals.images.site_images import SiteImage

MECHANISMS = {
    "iptc-data-mining": "IPTC Data Mining (image XMP)",
    "c2pa-training-mining": "C2PA training-mining (image)",
    "cawg-training-mining": "CAWG training-mining (image)",
}
_USES: tuple[Use, ...] = ("train", "ai-use", "tdm")
_REFS_SHOWN = 8


def _ref(image: SiteImage) -> EvidenceRef:
    return EvidenceRef(image.fetch.url, image.fetch.fetch_id)


def _effect(whole: int, part: int, allowed: int, total: int) -> Effect | None:
    if whole and whole == total:
        return "reserved"
    if whole or part:
        return "partial"
    return "allowed" if allowed else None


def image_contributions(images: Sequence[SiteImage]) -> list[Contribution]:
    """One contribution per use and metadata mechanism found in the sampled images."""
    readable = [i for i in images if i.meta.format != "other"]
    out: list[Contribution] = []
    for mechanism, name in MECHANISMS.items():
        for use in _USES:
            whole, part, allowed, details = [], [], [], []
            for image in readable:
                mine = [u for u in image.uses if u.use == use and u.mechanism == mechanism]
                reserving = [u for u in mine if u.effect == "reserved"]
                if any(u.whole for u in reserving):
                    whole.append(image)
                elif reserving:
                    part.append(image)
                elif mine:
                    allowed.append(image)
                details += [u.detail for u in (reserving or mine)]
            effect = _effect(len(whole), len(part), len(allowed), len(readable))
            if effect is None:
                continue
            counted = len(whole) + len(part) if effect != "allowed" else len(allowed)
            shown = "; ".join(dict.fromkeys(details))
            detail = f"{shown} — in {counted} of {len(readable)} sampled images"
            refs = [_ref(i) for i in (whole + part if effect != "allowed" else allowed)]
            out.append(Contribution(use, name, effect, detail, tuple(refs[:_REFS_SHOWN])))
    return out


def image_findings(images: Sequence[SiteImage]) -> list[tuple[Finding, EvidenceRef]]:
    """Each image's findings, located at its fetch; repeats across images are kept once."""
    seen: set[tuple[str, str | None]] = set()
    found: list[tuple[Finding, EvidenceRef]] = []
    for image in images:
        for finding in image.meta.findings:
            key = (finding.code, finding.evidence)
            if key not in seen:
                seen.add(key)
                found.append((finding, _ref(image)))
    return found
