"""Opt-out signals embedded in image files: IPTC/PLUS Data Mining in XMP, C2PA and CAWG
training-and-data-mining assertions, and ``Link: rel=c2pa-manifest`` response headers.

Public surface: :func:`read_image_metadata`, :func:`next_range`, :func:`image_reservations`,
:func:`stripped` and the frozen dataclasses they return.
"""

from __future__ import annotations

from audits.signals.images.codes import CODES
from audits.signals.images.model import (
    PLUS_CODES,
    C2paFacts,
    DataMining,
    ImageFormat,
    ImageMetadata,
    ImageUse,
    PlusCode,
    RightsText,
    TrainingAssertion,
    TrainingEntry,
    Validation,
)
from audits.signals.images.ranges import content_range, next_range
from audits.signals.images.reader import read_image_metadata
from audits.signals.images.reservations import image_reservations, stripped

__all__ = [
    "CODES",
    "PLUS_CODES",
    "C2paFacts",
    "DataMining",
    "ImageFormat",
    "ImageMetadata",
    "ImageUse",
    "PlusCode",
    "RightsText",
    "TrainingAssertion",
    "TrainingEntry",
    "Validation",
    "content_range",
    "image_reservations",
    "next_range",
    "read_image_metadata",
    "stripped",
]
