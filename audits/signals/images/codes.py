"""Finding codes for image metadata (see docs/findings.md, "Image metadata")."""

from __future__ import annotations

from audits.core.findings import Severity

CODES: dict[str, Severity] = {
    "image-truncated": "warning",
    "image-malformed": "warning",
    "image-metadata-unread": "info",
    "xmp-malformed": "warning",
    "xmp-entities": "warning",
    "xmp-extended-incomplete": "warning",
    "iptc-data-mining-unknown-value": "warning",
    "iptc-data-mining-conflict": "warning",
    "c2pa-malformed": "warning",
    "c2pa-invalid-signature": "warning",
    "c2pa-untrusted": "info",
    "c2pa-unvalidated": "info",
    "c2pa-training-mining-deprecated": "info",
    "c2pa-constrained": "info",
    "c2pa-remote-manifest": "info",
}
