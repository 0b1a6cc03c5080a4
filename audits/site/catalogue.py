"""Every finding code the interpreters can emit: the codes each registered signal declares,
and the site's own (``mechanisms.CODES``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from audits.core.findings import Severity
from audits.core.signal import Signal
from audits.signals import SIGNALS
from audits.site import mechanisms


def all_codes(signals: Sequence[Signal[Any]] = SIGNALS) -> dict[str, Severity]:
    """Code -> severity for every finding any registered signal or the site can produce.

    Two signals may declare the same table of codes (the two attachments of aipref share
    one parser); two different tables declaring one code is a mistake.
    """
    codes: dict[str, Severity] = {}
    owner: dict[str, int] = {}
    tables: list[Mapping[str, Severity]] = [s.codes for s in signals]
    for table in (*tables, mechanisms.CODES):
        for code, severity in table.items():
            if code in codes and owner[code] != id(table):
                raise ValueError(f"finding code {code} is declared twice")
            codes[code] = severity
            owner[code] = id(table)
    return codes
