"""One image's metadata from its fetched bytes and response headers."""

from __future__ import annotations

from audits.core.findings import FindingLog
from audits.core.http_link import links_with_rel
from audits.signals.images.c2pa import read_manifest_store, training_assertion, training_label
from audits.signals.images.codes import CODES
from audits.signals.images.jpeg import is_jpeg, walk_jpeg
from audits.signals.images.model import C2paFacts, ImageFormat, ImageMetadata, TrainingAssertion
from audits.signals.images.png import is_png, walk_png
from audits.signals.images.validate import ValidationReport, validate_manifest
from audits.signals.images.view import Bytes
from audits.signals.images.walk import Walk
from audits.signals.images.webp import is_webp, walk_webp
from audits.signals.images.xmp import read_xmp


def _walk(data: Bytes) -> tuple[ImageFormat, Walk | None]:
    head = data.head
    if is_jpeg(head):
        return "jpeg", walk_jpeg(data)
    if is_png(head):
        return "png", walk_png(data)
    if is_webp(head):
        return "webp", walk_webp(data)
    return "other", None


def _c2pa(walk: Walk, fmt: ImageFormat, data: Bytes, log: FindingLog) -> C2paFacts | None:
    store = read_manifest_store(walk.jumbf, log)
    if store is None:
        return None
    active, assertions = store
    if not data.whole:
        report = ValidationReport("unvalidated", "only part of the file was fetched")
    elif any(f.code in ("image-truncated", "c2pa-malformed") for f in log.items):
        report = ValidationReport("unvalidated", "the file or its manifest is damaged")
    else:
        report = validate_manifest(data.head, fmt)
    if report.state == "invalid":
        log.add(
            "c2pa-invalid-signature", "the C2PA manifest does not validate", evidence=report.detail
        )
    elif report.state == "untrusted":
        log.add("c2pa-untrusted", "the C2PA signer is not on a trust list", evidence=report.detail)
    elif report.state == "unvalidated":
        log.add(
            "c2pa-unvalidated", "the C2PA manifest could not be validated", evidence=report.detail
        )
    if not assertions and "image-metadata-unread" in log.counts:
        assertions = _from_report(report, log)
    return C2paFacts(walk.container, report.state, report.detail, active, assertions)


def _from_report(report: ValidationReport, log: FindingLog) -> tuple[TrainingAssertion, ...]:
    """Training assertions as the C2PA SDK decoded them, when our own reader could not."""
    found = []
    for label, value in report.assertions:
        known = training_label(label)
        read = training_assertion(known, value, log) if known is not None else None
        if read is not None:
            found.append(read)
    return tuple(found)


def read_image_metadata(
    head: bytes,
    *,
    tail: bytes | None = None,
    tail_offset: int | None = None,
    total_length: int | None = None,
    headers: tuple[tuple[str, str], ...] = (),
) -> ImageMetadata:
    """Read XMP Data Mining, C2PA training assertions and the manifest Link of one image.

    ``head`` is the first bytes of the file (all of it when ``total_length`` is None);
    ``tail`` a later range starting at ``tail_offset``. Damaged files give findings.
    """
    data = Bytes(head, tail, tail_offset, total_length)
    fmt, walk = _walk(data)
    log = walk.log if walk is not None else FindingLog(CODES)
    link_values = tuple(value for name, value in headers if name.lower() == "link")
    links = links_with_rel(link_values, "c2pa-manifest")
    if links:
        log.add(
            "c2pa-remote-manifest", "the response links a C2PA manifest", evidence=links[0].target
        )
    if walk is None:
        return ImageMetadata(
            fmt, data.whole, None, None, links[0].target if links else None, log.frozen()
        )
    data_mining, rights_text = read_xmp(walk.xmp, walk.extended, log)
    c2pa = _c2pa(walk, fmt, data, log)
    complete = walk.complete or data.whole
    if not complete and walk.resume_at is not None:
        log.add(
            "image-metadata-unread",
            "metadata may follow the bytes fetched; it was not read",
            evidence=f"@{walk.resume_at}",
        )
    return ImageMetadata(
        format=fmt,
        complete=complete,
        data_mining=data_mining,
        c2pa=c2pa,
        c2pa_link=links[0].target if links else None,
        findings=log.frozen(),
        has_xmp=bool(walk.xmp or walk.extended),
        rights_text=rights_text,
    )
