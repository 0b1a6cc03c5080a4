"""llms.txt as a signal: read and checked, never an opt-out (it contributes to no use)."""

from __future__ import annotations

from collections.abc import Sequence

from audits.core.evidence import Fetch
from audits.core.signal import LocatedFinding, Signal, SiteContext
from audits.signals import llms_txt
from audits.signals.llms_txt import LlmsTxt, parse_llms_txt
from audits.signals.policy_file import PolicyFile, read_policy_file


def read_llms(fetch: Fetch | None) -> PolicyFile[LlmsTxt]:
    """The /llms.txt fetch, parsed."""
    return read_policy_file(fetch, parse_llms_txt)


class LlmsTxtSignal(Signal[PolicyFile[LlmsTxt]]):
    """``/llms.txt``: a guide for language models; its findings, no contribution."""

    name = "llms.txt"
    fetch_kinds = ("llms",)
    codes = llms_txt.CODES

    def read(self, site: SiteContext) -> PolicyFile[LlmsTxt]:
        return read_llms(site.evidence.first("llms"))

    def findings(self, reading: PolicyFile[LlmsTxt], site: SiteContext) -> Sequence[LocatedFinding]:
        return reading.located_findings()


LLMS_TXT = LlmsTxtSignal()
