"""Every finding code the interpreters can emit, gathered from each module's ``CODES``."""

from __future__ import annotations

from audits import (
    aipref,
    aitxt,
    botwall,
    builders,
    content_signal,
    images,
    llms_txt,
    robots_access,
    robots_audit,
    robots_directives,
    robots_meta,
    robots_parse_findings,
    rsl,
    site_contributions,
    stripping,
    tdmrep,
    tdmrep_layers,
    x_robots_tag,
)
from audits.findings import Severity

_MODULES = (
    robots_access,
    robots_parse_findings,
    robots_audit,
    content_signal,
    aipref,
    rsl,
    aitxt,
    tdmrep,
    tdmrep_layers,
    robots_meta,
    x_robots_tag,
    robots_directives,
    botwall,
    llms_txt,
    site_contributions,
    builders,
    stripping,
    images,
)


def all_codes() -> dict[str, Severity]:
    """Code -> severity for every finding any module can produce."""
    codes: dict[str, Severity] = {}
    for module in _MODULES:
        for code, severity in module.CODES.items():
            if code in codes:
                raise ValueError(f"finding code {code} is declared twice")
            codes[code] = severity
    return codes
