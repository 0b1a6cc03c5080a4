"""What an image's metadata reserves or allows, per use (train, ai-use, tdm).

PLUS Data Mining codes map as documented in docs/signals.md ("Image metadata"):
``DMI-PROHIBITED-GENAIMLTRAINING`` reserves train with the detail "generative AI training
only" and ``whole=False`` (the site verdict counts it as partial: the use model has no
narrower training use); ``DMI-UNSPECIFIED`` says nothing.
C2PA/CAWG entries map one to one; ``constrained`` counts as ``notAllowed``. C2PA splits
training into ``ai_training`` (non-generative) and ``ai_generative_training``: either one
alone reserves only part of train (``whole=False``), both together reserve all of it. The assertion
counts whatever its validation state (recorded in the detail): it states the rights holder's
wish, and a forged opt-out gains a forger nothing.
"""

from __future__ import annotations

from typing import Literal

from audits.signals.images.model import ImageMetadata, ImageUse, PlusCode, TrainingAssertion

_ALL = ("train", "ai-use", "tdm")
_PLUS: dict[PlusCode, tuple[tuple[str, ...], Literal["reserved", "allowed"], str]] = {
    "DMI-ALLOWED": (_ALL, "allowed", "data mining allowed"),
    "DMI-PROHIBITED-AIMLTRAINING": (("train",), "reserved", "AI/ML training prohibited"),
    "DMI-PROHIBITED-GENAIMLTRAINING": (
        ("train",),
        "reserved",
        "generative AI training only; other AI/ML training is not reserved",
    ),
    "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING": (
        _ALL,
        "reserved",
        "data mining prohibited except search engine indexing",
    ),
    "DMI-PROHIBITED": (_ALL, "reserved", "data mining prohibited"),
    "DMI-PROHIBITED-SEECONSTRAINT": (_ALL, "reserved", "prohibited, see plus:OtherConstraints"),
    "DMI-PROHIBITED-SEEEMBEDDEDRIGHTSEXPR": (
        _ALL,
        "reserved",
        "prohibited, see the embedded rights expression",
    ),
    "DMI-PROHIBITED-SEELINKEDRIGHTSEXPR": (
        _ALL,
        "reserved",
        "prohibited, see the linked rights expression",
    ),
}
_CHOICES = ("allowed", "notAllowed", "constrained")
_ENTRY_USES: dict[str, Literal["train", "ai-use", "tdm"]] = {
    "ai_training": "train",
    "ai_generative_training": "train",
    "ai_inference": "ai-use",
    "data_mining": "tdm",
}


def _use(name: str) -> Literal["train", "ai-use", "tdm"]:
    return "train" if name == "train" else "ai-use" if name == "ai-use" else "tdm"


def _plus(meta: ImageMetadata) -> list[ImageUse]:
    dm = meta.data_mining
    if dm is None or dm.code is None or dm.code not in _PLUS:
        return []
    uses, effect, detail = _PLUS[dm.code]
    whole = dm.code != "DMI-PROHIBITED-GENAIMLTRAINING"
    return [
        ImageUse(_use(use), effect, "iptc-data-mining", f"{dm.code}: {detail}", whole)
        for use in uses
    ]


def _mechanism(label: str) -> Literal["c2pa-training-mining", "cawg-training-mining"]:
    return "cawg-training-mining" if label.startswith("cawg.") else "c2pa-training-mining"


def _assertion_uses(assertion: TrainingAssertion, validation: str) -> list[ImageUse]:
    """One use per entry; the two training entries together reserve all of ``train``."""
    mechanism = _mechanism(assertion.label)
    known = [e for e in assertion.entries if e.kind in _ENTRY_USES and e.use in _CHOICES]
    train_kinds = {e.kind for e in known if _ENTRY_USES[e.kind] == "train" and e.not_allowed}
    found = []
    for entry in known:
        effect: Literal["reserved", "allowed"] = "reserved" if entry.not_allowed else "allowed"
        detail = f"{entry.key}: {entry.use} (manifest {validation})"
        if entry.constraint_info:
            detail += f"; {entry.constraint_info[:120]}"
        use = _ENTRY_USES[entry.kind]
        whole = use != "train" or effect == "allowed" or len(train_kinds) == 2
        found.append(ImageUse(use, effect, mechanism, detail, whole))
    return found


def image_reservations(meta: ImageMetadata) -> tuple[ImageUse, ...]:
    """Every use the image's IPTC and C2PA/CAWG metadata reserves or allows."""
    found = _plus(meta)
    if meta.c2pa is not None:
        for assertion in meta.c2pa.assertions:
            found += _assertion_uses(assertion, meta.c2pa.validation)
    return tuple(found)


def stripped(original: ImageMetadata, displayed: ImageMetadata) -> tuple[str, ...]:
    """What the displayed rendition lost compared with the original; empty when unsure."""
    if not displayed.complete:
        return ()
    lost: list[str] = []
    if original.data_mining is not None and displayed.data_mining is None:
        lost.append("iptc-data-mining")
    if original.c2pa is not None and displayed.c2pa is None:
        lost.append("c2pa-manifest")
    return tuple(lost)
