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
from results.i18n import Translator, translator
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

_ORDER = {"error": 0, "warning": 1, "info": 2}


def use_words(use: str, tr: Translator | None = None) -> str:
    """How a sentence names ``use`` ('AI training', 'search indexing'…), in ``tr``'s language."""
    pgettext = (tr or translator()).pgettext
    words = {
        "train": pgettext("a use, in a sentence", "AI training"),
        "ai-use": pgettext("a use, in a sentence", "use in AI answers"),
        "search": pgettext("a use, in a sentence", "search indexing"),
        "tdm": pgettext("a use, in a sentence", "text and data mining"),
    }
    return words[use]


USE_WORDS = {use: use_words(use) for use in ("train", "ai-use", "search", "tdm")}


def _join(parts: Sequence[str], tr: Translator) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return tr.gettext("{first} and {last}").format(first=", ".join(parts[:-1]), last=parts[-1])


def _sentence(
    use: str,
    state: str,
    contributions: Sequence[tuple[str, str, str | None]],
    unknown_because: Sequence[str],
    conflict: bool,
    tr: Translator,
) -> str:
    """The sentence of one use's verdict from its parts (mechanism, effect, detail), so that
    a stored report can be told again in another language."""
    _ = tr.gettext
    words = use_words(use, tr)
    reserving = [f"{m} ({d})" for m, effect, d in contributions if effect != "allowed"]
    via = _join(list(dict.fromkeys(reserving)), tr)
    if state == "reserved":
        text = _("Opted out of {use} via {mechanisms}").format(use=words, mechanisms=via)
    elif state == "partial":
        text = _("Partly opted out of {use} via {mechanisms}").format(use=words, mechanisms=via)
    elif state == "allowed":
        allowed = [m for m, effect, _d in contributions if effect == "allowed"]
        text = _("Explicitly allows {use} ({mechanisms})").format(
            use=words, mechanisms=_join(list(dict.fromkeys(allowed)), tr)
        )
    elif state == "unknown":
        text = _("Unknown whether it opts out of {use}: {reasons}").format(
            use=words, reasons="; ".join(unknown_because)
        )
    else:
        text = _("No opt-out from {use} found").format(use=words)
    if conflict:
        text += _(", with contradicting signals")
    return text + "."


def use_sentence(verdict: UseVerdict) -> str:
    """One sentence for one use, e.g. 'Opted out of AI training via robots.txt (…).' (the
    stored sentence: always English)."""
    parts = [(c.mechanism, c.effect, c.detail) for c in verdict.contributions]
    return _sentence(
        verdict.use, verdict.state, parts, verdict.unknown_because, verdict.conflict, translator()
    )


def told_sentence(use: str, verdict: VerdictReport, tr: Translator) -> str:
    """``use_sentence`` of a stored verdict in ``tr``'s language: the words around the
    mechanisms are translated; their details and the reasons for an unknown come from the
    audit, in English."""
    parts = [(c["mechanism"], c["effect"], c["detail"]) for c in verdict["contributions"]]
    return _sentence(
        use, verdict["state"], parts, verdict["unknown_because"], verdict["conflict"], tr
    )


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
