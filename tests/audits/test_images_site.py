"""Image metadata in the site verdicts: page-level evidence, located at the image fetch.

Cases are folders in tests/fixtures/sites/image_* whose image bodies are copies of files in
tests/fixtures/images/.
"""

from __future__ import annotations

from functools import cache

from audits.core.uses import Contribution, Use
from audits.site.audit import SiteAudit, audit_site
from tests.site_fixture import fetch_url, load_site

IPTC = "IPTC Data Mining (image XMP)"
CAWG = "CAWG training-mining (image)"


@cache
def audit(case: str) -> SiteAudit:
    return audit_site(load_site(case))


def contribution(case: str, use: Use, mechanism: str) -> Contribution:
    hits = [c for c in audit(case).verdict(use).contributions if c.mechanism == mechanism]
    assert len(hits) == 1, audit(case).verdict(use).contributions
    return hits[0]


def test_dmi_prohibited_aiml_training_in_some_images_makes_train_partial() -> None:
    case = "image_dmi_some_images"
    part = contribution(case, "train", IPTC)
    assert part.effect == "partial"
    assert "1 of 2 sampled images" in part.detail
    assert [e.url for e in part.evidence] == [fetch_url(case, "/img/harbour.jpg")]
    assert part.evidence[0].fetch_id == "4"
    assert audit(case).verdict("train").state == "partial"
    assert audit(case).verdict("ai-use").state == "unstated"


def test_dmi_prohibited_aiml_training_in_every_image_reserves_train_only() -> None:
    case = "image_dmi_every_image"
    assert contribution(case, "train", IPTC).effect == "reserved"
    assert [v.state for v in audit(case).verdicts] == [
        "reserved",
        "unstated",
        "unstated",
        "unstated",
    ]


def test_generative_only_in_every_image_is_still_partial() -> None:
    part = contribution("image_dmi_generative_only", "train", IPTC)
    assert part.effect == "partial" and "generative" in part.detail


def test_cawg_entries_feed_train_and_tdm_and_damaged_images_are_findings() -> None:
    case = "image_cawg_and_damaged"
    assert contribution(case, "train", CAWG).effect == "partial"
    assert contribution(case, "tdm", CAWG).effect == "allowed"
    located = {(f.finding.code, f.evidence.url) for f in audit(case).findings}
    assert ("image-truncated", fetch_url(case, "/img/broken.jpg")) in located
    assert ("c2pa-untrusted", fetch_url(case, "/img/signed.png")) in located


def test_metadata_in_the_image_tail_counts_and_points_at_the_image_fetch() -> None:
    case = "image_webp_tail"
    part = contribution(case, "train", IPTC)
    assert part.effect == "reserved"
    assert part.evidence[0].fetch_id == "4"  # the "image" fetch, not its tail
    (image,) = audit(case).images
    assert image.tail is not None and image.meta.complete
