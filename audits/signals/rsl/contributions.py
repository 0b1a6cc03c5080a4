"""What fetched RSL licence documents contribute to a site's verdict per use."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from audits.core.evidence import Fetch
from audits.core.pathmatch import compile_pattern
from audits.core.uses import Contribution, Effect, EvidenceRef, Use
from audits.signals.rsl import RslContent, RslDocument

# RSL usage values (rslstandard.org) and the uses they reserve when prohibited.
_USES: dict[str, tuple[Use, ...]] = {
    "all": ("train", "ai-use", "search"),
    "ai-all": ("train", "ai-use"),
    "ai-train": ("train",),
    "ai-input": ("ai-use",),
    "ai-index": ("ai-use",),
    "search": ("search",),
}


def _covers_site(content: RslContent) -> bool:
    """Whether a ``<content url>`` pattern covers the whole site (matches ``/``)."""
    if not content.url:
        return False
    path = urlsplit(content.url).path if "://" in content.url else content.url
    return compile_pattern(path or "/").matches("/") and path.rstrip("*$") in ("", "/")


def rsl_contributions(licences: Sequence[tuple[Fetch, RslDocument]]) -> list[Contribution]:
    """A reservation per use that a licence prohibits: site-wide when its content covers
    ``/``, partial otherwise."""
    out: list[Contribution] = []
    for fetch, document in licences:
        ref = EvidenceRef(fetch.url, fetch.fetch_id)
        for content in document.contents:
            prohibited = content.prohibits.get("usage", ())
            uses = dict.fromkeys(u for value in prohibited for u in _USES.get(value, ()))
            effect: Effect = "reserved" if _covers_site(content) else "partial"
            for use in uses:
                detail = f"prohibits {', '.join(prohibited)} for {content.url}"
                out.append(Contribution(use, "RSL licence", effect, detail, (ref,)))
    return out
