"""What the audit reads from one image file: the frozen facts at the package boundary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from audits.core.findings import Finding

ImageFormat = Literal["jpeg", "png", "webp", "other"]

PlusCode = Literal[
    "DMI-UNSPECIFIED",
    "DMI-ALLOWED",
    "DMI-PROHIBITED-AIMLTRAINING",
    "DMI-PROHIBITED-GENAIMLTRAINING",
    "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING",
    "DMI-PROHIBITED",
    "DMI-PROHIBITED-SEECONSTRAINT",
    "DMI-PROHIBITED-SEEEMBEDDEDRIGHTSEXPR",
    "DMI-PROHIBITED-SEELINKEDRIGHTSEXPR",
]

PLUS_CODES: tuple[PlusCode, ...] = get_args(PlusCode)

Validation = Literal["valid", "invalid", "untrusted", "unvalidated"]
TrainingLabel = Literal["c2pa.training-mining", "cawg.training-mining"]


@dataclass(frozen=True)
class DataMining:
    """IPTC ``plus:DataMining`` as written, its PLUS code, and the related rights fields."""

    raw: str
    code: PlusCode | None
    """One of the nine PLUS codes, or None when the value matches none of them."""
    other_constraints: tuple[tuple[str, str], ...] = ()
    """``plus:OtherConstraints`` lang-alt items as (language, text)."""
    embedded_rights_expr: bool = False
    """``Iptc4xmpExt:EmbdEncRightsExpr`` is present."""
    linked_rights_expr: bool = False
    """``Iptc4xmpExt:LinkedEncRightsExpr`` is present."""


RightsField = Literal["dc:rights", "xmpRights:UsageTerms", "plus:OtherConstraints"]


@dataclass(frozen=True)
class RightsText:
    """One rights statement written in an image's XMP, as words (read by the words signal)."""

    field: RightsField
    """``dc:rights`` is IPTC's Copyright Notice, ``xmpRights:UsageTerms`` its Rights Usage
    Terms; ``plus:OtherConstraints`` is where a PLUS "see constraint" value points."""
    lang: str
    text: str


@dataclass(frozen=True)
class TrainingEntry:
    """One entry of a training-and-data-mining assertion, e.g. ``cawg.ai_training``."""

    key: str
    use: str
    """As written: ``allowed``, ``notAllowed``, ``constrained`` or something else."""
    constraint_info: str | None = None

    @property
    def not_allowed(self) -> bool:
        """``constrained`` counts as ``notAllowed`` when nothing else is known (C2PA 1.4)."""
        return self.use in ("notAllowed", "constrained")

    @property
    def kind(self) -> str:
        """The entry name without its label family: ``ai_training``, ``data_mining``, …"""
        return self.key.split(".", 1)[1] if "." in self.key else self.key


@dataclass(frozen=True)
class TrainingAssertion:
    """A ``c2pa.training-mining`` or ``cawg.training-mining`` assertion of the active manifest."""

    label: TrainingLabel
    entries: tuple[TrainingEntry, ...]
    layout: Literal["entries", "top-level"]
    """Whether the entries sat under an ``entries`` map or at the top level (C2PA 1.4 CDDL)."""


@dataclass(frozen=True)
class C2paFacts:
    """An embedded C2PA manifest store: where it was, its validation and training entries."""

    container: str
    """``jpeg-app11``, ``png-cabx`` or ``webp-c2pa``."""
    validation: Validation
    validation_detail: str
    active_manifest: str | None
    assertions: tuple[TrainingAssertion, ...] = ()

    def entries(self, label: TrainingLabel) -> tuple[TrainingEntry, ...]:
        return tuple(e for a in self.assertions if a.label == label for e in a.entries)


@dataclass(frozen=True)
class ImageMetadata:
    """Everything read from one image's bytes and response headers."""

    format: ImageFormat
    complete: bool
    """Every metadata-bearing part of the file was in the bytes read."""
    data_mining: DataMining | None
    c2pa: C2paFacts | None
    c2pa_link: str | None
    """Target of a ``Link: <…>; rel=c2pa-manifest`` response header (not fetched)."""
    findings: tuple[Finding, ...] = ()
    has_xmp: bool = False
    rights_text: tuple[RightsText, ...] = ()
    """The XMP's rights statements in words, whether or not ``plus:DataMining`` is set."""


@dataclass(frozen=True)
class ImageUse:
    """What one image's metadata says about one use."""

    use: Literal["train", "ai-use", "tdm"]
    effect: Literal["reserved", "allowed"]
    mechanism: Literal["iptc-data-mining", "c2pa-training-mining", "cawg-training-mining"]
    detail: str
    whole: bool = True
    """False when only part of the use is meant: generative-only (or non-generative-only)
    AI training. The site verdict then counts it as ``partial``."""
