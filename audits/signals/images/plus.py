"""The PLUS Data Mining vocabulary: normalising what tools write to one of the nine codes."""

from __future__ import annotations

import re

from audits.signals.images.model import PLUS_CODES, PlusCode

_BY_CODE: dict[str, PlusCode] = {code: code for code in PLUS_CODES}

# ExifTool writes (and prints) these human labels instead of the URI; compared after folding
# case and dropping everything but letters and digits.
_LABELS: dict[str, PlusCode] = {
    "unspecifiednoprohibitiondefined": "DMI-UNSPECIFIED",
    "unspecified": "DMI-UNSPECIFIED",
    "allowed": "DMI-ALLOWED",
    "prohibitedforaimltraining": "DMI-PROHIBITED-AIMLTRAINING",
    "prohibitedforgenerativeaimltraining": "DMI-PROHIBITED-GENAIMLTRAINING",
    "prohibitedexceptforsearchengineindexing": "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING",
    "prohibited": "DMI-PROHIBITED",
    "prohibitedseeplusotherconstraints": "DMI-PROHIBITED-SEECONSTRAINT",
    "prohibitedseeiptcextembdencrightsexpr": "DMI-PROHIBITED-SEEEMBEDDEDRIGHTSEXPR",
    "prohibitedseeiptcextlinkedencrightsexpr": "DMI-PROHIBITED-SEELINKEDRIGHTSEXPR",
}
_NOT_ALNUM = re.compile(r"[^a-z0-9]")


def plus_code(raw: str) -> PlusCode | None:
    """The PLUS code a written value means: full URI, bare code in any case, or ExifTool label."""
    value = raw.strip()
    segment = value.rstrip("/").rsplit("/", 1)[-1].upper()
    if segment in _BY_CODE:
        return _BY_CODE[segment]
    return _LABELS.get(_NOT_ALNUM.sub("", value.lower()))
