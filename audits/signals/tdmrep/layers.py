"""TDMRep per-response techniques: ``tdm-*`` headers, HTML meta, and §4.3 precedence.

Public API: :func:`tdm_from_headers` and :func:`tdm_from_html` read one response;
:func:`resolve_tdm` combines them with the ``/.well-known/tdmrep.json`` decision
(:mod:`audits.signals.tdmrep`) in the order of §4.3. A reservation is ``1``, ``0`` or ``None``
(unset); unset is never folded into "not reserved".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import parsel

from audits.core.findings import Finding, Severity, make_finding
from audits.signals.tdmrep import CODES as FILE_CODES
from audits.signals.tdmrep import Reservation, TdmrepDecision, is_absolute_url

__all__ = [
    "CODES",
    "TdmProperties",
    "TdmResolution",
    "resolve_tdm",
    "tdm_from_headers",
    "tdm_from_html",
]

Technique = Literal["file", "header", "meta", "none"]

MAX_HTML_BYTES = 2 << 20
MAX_HEADERS = 1_000
MAX_META_TAGS = 1_000

CODES: dict[str, Severity] = {
    "tdmrep-header-invalid-value": "error",
    "tdmrep-header-repeated": "warning",
    "tdmrep-stale-header": "warning",
    "tdmrep-meta-invalid-value": "error",
    "tdmrep-meta-repeated": "warning",
    "tdmrep-meta-outside-head": "warning",
    "tdmrep-conflicting-layers": "warning",
}

# tdmrep-invalid-policy and tdmrep-policy-not-processed are emitted here too; they are
# declared once, in audits.signals.tdmrep, where the file rules emit them.
_EMITTED: dict[str, Severity] = {**FILE_CODES, **CODES}


@dataclass(frozen=True)
class TdmProperties:
    """``tdm-reservation`` and ``tdm-policy`` as read from headers or HTML meta."""

    source: Literal["header", "meta"]
    reservation: Reservation | None
    """``None`` when absent or a protocol error; see ``reservation_raw``."""
    reservation_raw: tuple[str, ...]
    policy: str | None
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True)
class TdmResolution:
    """The outcome of §4.3: file, then headers, then meta; absence never resets a value."""

    reservation: Reservation | None
    policy: str | None
    decided_by: Technique
    """The technique whose ``tdm-reservation`` is in force."""
    policy_from: Technique
    file_reservation: Reservation | None
    header_reservation: Reservation | None
    meta_reservation: Reservation | None
    conflict: bool
    findings: tuple[Finding, ...] = ()

    @property
    def effective_policy(self) -> str | None:
        """The policy an agent should process: only with reservation 1 (§4.1)."""
        return self.policy if self.reservation == 1 else None


def _finding(
    code: str, message: str, *, line: int | None = None, evidence: str | None = None
) -> Finding:
    return make_finding(_EMITTED, code, message, line=line, evidence=evidence)


# --- headers and HTML meta -------------------------------------------------------------


def tdm_from_headers(headers: Mapping[str, str] | Sequence[tuple[str, str]]) -> TdmProperties:
    """Read ``tdm-reservation`` and ``tdm-policy`` response headers (§4.2, names any case)."""
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    reservations: list[str] = []
    policies: list[str] = []
    findings: list[Finding] = []
    for count, (name, value) in enumerate(pairs):
        if count >= MAX_HEADERS:
            break
        key = name.strip().lower()
        if key == "tdm-reservation":
            # A header mapping may have joined repeated fields with "," (RFC 9110 §5.3).
            reservations.extend(part.strip() for part in value.split(","))
        elif key == "tdm-policy":
            policies.append(value.strip())
        elif key == "tdm-a":
            msg = (
                "stale header name TDM-a (from old server snippets) is not part of "
                "TDMRep and is ignored; send tdm-reservation"
            )
            findings.append(_finding("tdmrep-stale-header", msg, evidence=f"{name}: {value}"))
    return _properties("header", reservations, policies, findings)


def tdm_from_html(html: str | bytes) -> TdmProperties:
    """Read ``<meta name="tdm-reservation|tdm-policy">`` from an HTML page's ``<head>``."""
    if isinstance(html, bytes):
        text = html[:MAX_HTML_BYTES].decode("utf-8", "replace")
    else:
        text = html[:MAX_HTML_BYTES].encode("utf-8", "replace").decode("utf-8")
    reservations: list[str] = []
    policies: list[str] = []
    findings: list[Finding] = []
    metas = parsel.Selector(text=text, type="html").xpath("//meta[@name]")
    for meta in metas[:MAX_META_TAGS]:
        # lxml's own get(): parsel's .attrib copies every attribute and raises on names that
        # hold control characters, which a hostile page can write.
        name = (meta.root.get("name") or "").strip().lower()
        if name not in ("tdm-reservation", "tdm-policy"):
            continue
        content = (meta.root.get("content") or "").strip()
        if not meta.xpath("ancestor::head"):
            msg = f'<meta name="{name}"> is outside <head>; agents read <head> only (§4.2)'
            findings.append(
                _finding(
                    "tdmrep-meta-outside-head",
                    msg,
                    line=meta.root.sourceline,
                    evidence=meta.get(),
                )
            )
            continue
        (reservations if name == "tdm-reservation" else policies).append(content)
    return _properties("meta", reservations, policies, findings)


def _properties(
    source: Literal["header", "meta"],
    reservations: list[str],
    policies: list[str],
    findings: list[Finding],
) -> TdmProperties:
    where = "header" if source == "header" else "<meta>"
    reservation: Reservation | None = None
    distinct = list(dict.fromkeys(reservations))
    if len(reservations) > 1:
        agree = "the same value" if len(distinct) == 1 else "conflicting values: unset"
        msg = f"tdm-reservation {where} given {len(reservations)} times with {agree}"
        findings.append(
            _finding(f"tdmrep-{source}-repeated", msg, evidence=", ".join(reservations))
        )
    if len(distinct) == 1:
        if distinct[0] in ("0", "1"):
            reservation = 1 if distinct[0] == "1" else 0
        else:
            msg = (
                f"tdm-reservation {where} value {distinct[0]!r} is not 0 or 1: a protocol "
                "error, treated as unset (§4.1)"
            )
            findings.append(_finding(f"tdmrep-{source}-invalid-value", msg, evidence=distinct[0]))
    policy = _single_policy(where, source, policies, findings)
    if reservation == 0 and policy is not None:
        msg = f"tdm-policy {where} is given with reservation 0, so agents do not process it"
        findings.append(_finding("tdmrep-policy-not-processed", msg, evidence=policy))
    return TdmProperties(source, reservation, tuple(reservations), policy, tuple(findings))


def _single_policy(
    where: str, source: str, policies: list[str], findings: list[Finding]
) -> str | None:
    distinct = list(dict.fromkeys(policies))
    if len(policies) > 1:
        msg = f"tdm-policy {where} given {len(policies)} times"
        if len(distinct) > 1:
            msg += " with different URLs: ignored"
        findings.append(_finding(f"tdmrep-{source}-repeated", msg, evidence=", ".join(policies)))
    if len(distinct) != 1:
        return None
    if not is_absolute_url(distinct[0]):
        msg = f"tdm-policy {where} is not an absolute http(s) URL"
        findings.append(_finding("tdmrep-invalid-policy", msg, evidence=distinct[0]))
        return distinct[0] or None
    return distinct[0]


# --- precedence --------------------------------------------------------------------------


def resolve_tdm(
    file_decision: TdmrepDecision | None,
    header_props: TdmProperties | None = None,
    meta_props: TdmProperties | None = None,
) -> TdmResolution:
    """Combine the techniques in §4.3 order; a later one supersedes only what it sets."""
    # §4.1 calls an invalid value "unset"; we read that as "this technique sets nothing",
    # so a protocol error in a header does not wipe out the file's value (§4.3 step 5).
    layers: list[tuple[Technique, Reservation | None, str | None]] = [
        ("file", *_layer(file_decision)),
        ("header", *_layer(header_props)),
        ("meta", *_layer(meta_props)),
    ]
    reservation: Reservation | None = None
    policy: str | None = None
    decided_by: Technique = "none"
    policy_from: Technique = "none"
    for technique, value, layer_policy in layers:
        if value is not None:
            reservation, decided_by = value, technique
        if layer_policy is not None:
            policy, policy_from = layer_policy, technique
    values = {value for _, value, _ in layers if value is not None}
    findings: tuple[Finding, ...] = ()
    if len(values) > 1:
        evidence = ", ".join(f"{t}={'unset' if v is None else v}" for t, v, _ in layers)
        msg = (
            f"techniques disagree on tdm-reservation; {decided_by} is applied last and "
            f"wins with {reservation} (§4.3). Publish one technique, or the same value"
        )
        findings = (_finding("tdmrep-conflicting-layers", msg, evidence=evidence),)
    return TdmResolution(
        reservation=reservation,
        policy=policy,
        decided_by=decided_by,
        policy_from=policy_from,
        file_reservation=layers[0][1],
        header_reservation=layers[1][1],
        meta_reservation=layers[2][1],
        conflict=len(values) > 1,
        findings=findings,
    )


def _layer(
    source: TdmrepDecision | TdmProperties | None,
) -> tuple[Reservation | None, str | None]:
    if source is None:
        return None, None
    return source.reservation, source.policy
