"""The validation state of an embedded C2PA manifest, from c2pa-python (the C2PA SDK).

Network use is switched off (no remote manifests, no OCSP or other certificate status
fetches, no allowed hosts) and no trust list is loaded, so a correct signature by an unknown
signer reads as "untrusted". When the native library cannot be loaded the audit still runs
and the state is "unvalidated", with the reason.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

from audits.signals.images.model import Validation

OFFLINE_SETTINGS: dict[str, Any] = {
    "verify": {
        "remote_manifest_fetch": False,
        "ocsp_fetch": False,
        "verify_trust": True,
        "verify_timestamp_trust": False,
    },
    "core": {"allowed_network_hosts": []},
}
MIME_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
_UNTRUSTED_CODES = frozenset({"signingCredential.untrusted"})


def _failure_codes(results: Any) -> set[str]:
    codes: set[str] = set()
    if not isinstance(results, dict):
        return codes
    active = results.get("activeManifest")
    if isinstance(active, dict):
        for item in active.get("failure") or ():
            if isinstance(item, dict) and isinstance(item.get("code"), str):
                codes.add(item["code"])
    return codes


def _state(report: dict[str, Any]) -> tuple[Validation, str]:
    state = str(report.get("validation_state") or "")
    failures = _failure_codes(report.get("validation_results"))
    if state == "Trusted":
        return "valid", "signature valid, signer trusted"
    if state == "Valid" or (failures and failures <= _UNTRUSTED_CODES):
        return "untrusted", "signature valid; the signer is on no trust list used here"
    if state == "Invalid":
        return "invalid", "validation failed: " + ", ".join(sorted(failures)[:5])
    return "unvalidated", f"unexpected validation state {state!r}"


@dataclass(frozen=True)
class ValidationReport:
    state: Validation
    detail: str
    assertions: tuple[tuple[str, Any], ...] = ()
    """(label, data) of the active manifest's assertions as the SDK decoded them."""


def _assertions(report: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    manifests = report.get("manifests")
    active = report.get("active_manifest")
    if not isinstance(manifests, dict) or not isinstance(manifests.get(active), dict):
        return ()
    items = manifests[active].get("assertions") or ()
    return tuple(
        (item["label"], item.get("data"))
        for item in items
        if isinstance(item, dict) and isinstance(item.get("label"), str)
    )


def validate_manifest(data: bytes, image_format: str) -> ValidationReport:
    """Validate the whole file's manifest offline; never raises."""
    try:
        import c2pa  # type: ignore[import-untyped,unused-ignore]
    except Exception as exc:  # noqa: BLE001 - a missing or broken native lib must not stop audits
        return ValidationReport("unvalidated", f"c2pa-python is not available: {exc}")
    mime = MIME_TYPES.get(image_format)
    if mime is None:
        return ValidationReport("unvalidated", f"no C2PA reader for {image_format}")
    try:
        settings = c2pa.Settings.from_dict(OFFLINE_SETTINGS)
        with (
            c2pa.Context(settings=settings) as context,
            c2pa.Reader(mime, io.BytesIO(data), context=context) as reader,
        ):
            report = json.loads(reader.json())
    except Exception as exc:  # noqa: BLE001 - C2paError subclasses and native failures alike
        return ValidationReport("unvalidated", f"c2pa-python could not read the manifest: {exc}")
    if not isinstance(report, dict):
        return ValidationReport("unvalidated", "c2pa-python returned no report")
    return ValidationReport(*_state(report), _assertions(report))
