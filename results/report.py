"""One site's audit as a plain JSON-ready object and a sentence a person can read.

This is the one representation of a site's result: the export, ``optout check --json`` and
the Datasette per-site page all use it, so their numbers cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from audits.core.evidence import SiteEvidence
from audits.core.uses import Contribution, UseVerdict
from audits.signals.probes import Enforced
from audits.site.audit import SiteAudit
from results.probe_rows import probes_object
from results.report_types import (
    ContributionReport,
    FetchReport,
    RobotsReport,
    RobotsVerdictReport,
    SiteReport,
    StatementReport,
    VerdictReport,
)

USE_WORDS = {
    "train": "AI training",
    "ai-use": "use in AI answers",
    "search": "search indexing",
    "tdm": "text and data mining",
}
_ORDER = {"error": 0, "warning": 1, "info": 2}


def _mechanism_phrase(verdict: UseVerdict) -> str:
    parts = []
    for contribution in verdict.contributions:
        if contribution.effect == "allowed":
            continue
        parts.append(f"{contribution.mechanism} ({contribution.detail})")
    return _join(list(dict.fromkeys(parts)))


def _join(parts: Sequence[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def use_sentence(verdict: UseVerdict) -> str:
    """One sentence for one use, e.g. 'Opted out of AI training via robots.txt (…).'"""
    words = USE_WORDS[verdict.use]
    if verdict.state == "reserved":
        text = f"Opted out of {words} via {_mechanism_phrase(verdict)}"
    elif verdict.state == "partial":
        text = f"Partly opted out of {words} via {_mechanism_phrase(verdict)}"
    elif verdict.state == "allowed":
        allowed = [c.mechanism for c in verdict.contributions if c.effect == "allowed"]
        text = f"Explicitly allows {words} ({_join(list(dict.fromkeys(allowed)))})"
    elif verdict.state == "unknown":
        text = f"Unknown whether it opts out of {words}: {'; '.join(verdict.unknown_because)}"
    else:
        text = f"No opt-out from {words} found"
    if verdict.conflict:
        text += ", with contradicting signals"
    return text + "."


def site_sentence(audit: SiteAudit) -> str:
    """The verdict on AI training and what is broken, in plain words."""
    sentence = use_sentence(audit.verdict("train"))
    broken = [f.finding for f in audit.findings if f.finding.severity == "error"]
    firsts = list(dict.fromkeys(f.message.split(". ")[0].rstrip(".") for f in broken))
    if firsts:
        sentence += " Broken: " + "; ".join(firsts[:3]) + ("; …" if len(firsts) > 3 else "")
        sentence += "."
    return sentence


def reserved_in_words_only(verdict: VerdictReport) -> bool:
    """Reserved (fully or in part) in words while nothing machine-readable reserves the use:
    ``UseVerdict.words_only`` read back from a stored report (False for one older than it)."""
    reserving = ("reserved", "partial")
    return verdict["state"] not in reserving and verdict.get("state_counting_words") in reserving


def _contribution(c: Contribution) -> ContributionReport:
    return {
        "mechanism": c.mechanism,
        "effect": c.effect,
        "detail": c.detail,
        "evidence": [{"url": e.url, "fetch_id": e.fetch_id, "line": e.line} for e in c.evidence],
    }


def _verdict(verdict: UseVerdict) -> VerdictReport:
    report: VerdictReport = {
        "state": verdict.state,
        "sentence": use_sentence(verdict),
        "mechanisms": list(verdict.mechanisms),
        "conflict": verdict.conflict,
        "gaps": list(verdict.gaps),
        "unknown_because": list(verdict.unknown_because),
        "contributions": [_contribution(c) for c in verdict.contributions],
        "state_counting_words": verdict.state_counting_words,
        "in_words": [_contribution(c) for c in verdict.in_words],
    }
    if verdict.enforced is not None:  # only where probes ran: else the report is as before
        report["enforced"] = cast(Enforced, verdict.enforced)
        report["unenforceable"] = list(verdict.unenforceable)
    return report


def _statements(audit: SiteAudit) -> list[StatementReport]:
    return [
        {
            "text": f.statement.text,
            "kind": f.statement.kind,
            "uses": sorted(f.statement.uses),
            "lang": f.statement.lang,
            "statutes": list(f.statement.statutes),
            "trigger": f.statement.trigger,
            "reason": f.statement.reason,
            "url": f.url,
            "fetch_id": f.fetch.fetch_id,
            "place": f.where,
            "line": f.line,
            "repeats": f.repeats,
        }
        for f in audit.statements
    ]


def _robots(audit: SiteAudit) -> RobotsReport:
    access = audit.robots_access
    table = audit.robots_verdicts
    verdicts: list[RobotsVerdictReport] = []
    if table is not None:
        for verdict in table:
            verdicts.append(
                {
                    "agent": verdict.agent,
                    "path": verdict.path,
                    "allowed": verdict.allowed,
                    "matched": verdict.matched,
                    "group_lines": list(verdict.group_lines),
                    "group_text": verdict.group_text,
                    "rule_line": verdict.rule_line,
                    "rule_text": verdict.rule_text,
                    "protego_allowed": verdict.protego_allowed,
                    "google_allowed": verdict.google_allowed,
                }
            )
    return {
        "state": access.state if access else "not-fetched",
        "status": access.status if access else None,
        "authorship": audit.authorship.author if audit.authorship else None,
        "verdicts": verdicts,
    }


def _evidence(evidence: SiteEvidence, meta: Mapping[str, Mapping[str, Any]]) -> list[FetchReport]:
    out: list[FetchReport] = []
    for fetch in evidence.fetches:
        facts = meta.get(fetch.fetch_id or "", {})
        out.append(
            {
                "fetch_id": fetch.fetch_id,
                "kind": fetch.kind,
                "url": fetch.url,
                "final_url": fetch.final_url,
                "status": fetch.status,
                "error": fetch.error,
                "skipped": fetch.skipped,
                "fetched_at": facts.get("fetched_at"),
                "sha256": facts.get("body_sha256"),
            }
        )
    return out


def site_report(
    audit: SiteAudit,
    evidence: SiteEvidence,
    site: Mapping[str, Any] | None = None,
    fetch_meta: Mapping[str, Mapping[str, Any]] | None = None,
) -> SiteReport:
    """The JSON-ready result for one site (see ``schemas/export.schema.json``, ``site``)."""
    facts = dict(site or {})
    findings = sorted(
        audit.findings,
        key=lambda f: (
            _ORDER[f.finding.severity],
            f.finding.code,
            f.evidence.url,
            f.finding.line or 0,
        ),
    )
    report: SiteReport = {
        "origin": audit.origin,
        "name": facts.get("name"),
        "kind": facts.get("kind"),
        "platform": facts.get("platform"),
        "country": facts.get("country"),
        "tags": list(facts.get("tags") or []),
        "summary": site_sentence(audit),
        "verdicts": {v.use: _verdict(v) for v in audit.verdicts},
        "robots": _robots(audit),
        "findings": [
            {
                "code": f.finding.code,
                "severity": f.finding.severity,
                "message": f.finding.message,
                "line": f.finding.line,
                "evidence": f.finding.evidence,
                "agent": f.finding.agent,
                "url": f.evidence.url,
                "fetch_id": f.evidence.fetch_id,
            }
            for f in findings
        ],
        "evidence": _evidence(evidence, fetch_meta or {}),
        "statements": _statements(audit),
        "versions": {
            "interpreter": audit.interpreter_version,
            "registry": audit.registry_version,
        },
    }
    probes = probes_object(audit)
    if probes is not None:  # only when the crawl probed the site (export schema 1.3)
        report["probes"] = probes
    return report
