"""Spawning's ai.txt as a signal: which file types it reserves for AI datasets."""

from __future__ import annotations

from collections.abc import Sequence

from audits.core.evidence import Fetch
from audits.core.signal import Contributions, LocatedFinding, Signal, SiteContext, ref
from audits.signals import aitxt
from audits.signals.aitxt import AiTxt, parse_aitxt
from audits.signals.policy_file import PolicyFile, read_policy_file


def read_aitxt(fetch: Fetch | None) -> PolicyFile[AiTxt]:
    """The /ai.txt fetch, parsed (the reader ``optout explain aitxt`` calls too)."""
    return read_policy_file(fetch, parse_aitxt)


class AiTxtSignal(Signal[PolicyFile[AiTxt]]):
    """``/ai.txt``: reserved, partly reserved or allowed file types, for every agent."""

    name = "ai.txt"
    fetch_kinds = ("aitxt",)
    codes = aitxt.CODES

    def read(self, site: SiteContext) -> PolicyFile[AiTxt]:
        return read_aitxt(site.evidence.first("aitxt"))

    def findings(self, reading: PolicyFile[AiTxt], site: SiteContext) -> Sequence[LocatedFinding]:
        return reading.located_findings()

    def contribute(self, reading: PolicyFile[AiTxt], site: SiteContext, out: Contributions) -> None:
        parsed = reading.parsed
        if parsed is None or not parsed.has_rules:
            return
        where = ref(reading.fetch)
        if parsed.site_reserved("*"):
            out.add(
                "train", "ai.txt", "reserved", "every file type reserved for AI datasets", where
            )
            return
        media = parsed.media_summary("*")
        reserved = sorted(m for m, state in media.items() if state != "allowed")
        if reserved:
            out.add("train", "ai.txt", "partial", f"reserved for: {', '.join(reserved)}", where)
        else:
            out.add("train", "ai.txt", "allowed", "ai.txt allows every file type", where)


AITXT = AiTxtSignal()
