"""Fixes to paste: for one audited site, the exact text that would make its intended opt-out
work (issue 19, point 3).

``fixes_for(audit)`` gives the site's own robots.txt with the fix applied (and a "block every
AI crawler" variant), a tdmrep.json, the meta tags and response headers, the Content-Signal
and Content-Usage lines, and where the builder's or CDN's own setting lives. It only offers
what the site's intent calls for: ``works`` when its opt-out already works for every use it
reserves, ``optional`` when it reserves nothing anywhere (the lines are offered, not
prescribed), ``fix`` otherwise. Pure: everything comes from the :class:`SiteAudit`.
See docs/fixes.md.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

from audits.core.agents import Registry, load_registry
from audits.core.evidence import Fetch
from audits.core.findings import Finding
from audits.core.uses import Use
from audits.fixes.builders import BuilderSetting, settings_for
from audits.fixes.robots import RobotsFix, Variant, new_file, patch_robots
from audits.signals.robots.signal import ROBOTS
from audits.signals.words.advice import content_signal
from audits.site.audit import SiteAudit

__all__ = ["BuilderSetting", "RobotsFix", "SiteFixes", "Snippet", "fixes_for"]

Status = Literal["fix", "optional", "works"]

_OPT_OUT_USES: tuple[Use, ...] = ("train", "ai-use", "tdm")
_INTENT_CODES = frozenset(
    {
        "robots-token-typo",
        "robots-legacy-only",
        "robots-reopens-wildcard",
        "robots-cloudflare-policy-only",
    }
)
"""Findings that show a site meant to keep AI training crawlers out, whatever the verdict."""
_NO_FILE_STATES = frozenset({"no-file", "soft-404", "unavailable"})


@dataclass(frozen=True)
class Snippet:
    """One block to paste, where it goes and what it is worth."""

    key: str
    title: str
    where: str
    text: str
    note: str


@dataclass(frozen=True)
class SiteFixes:
    """Everything to paste for one site, and whether its intent calls for it."""

    origin: str
    status: Status
    summary: str
    intended: tuple[Use, ...]
    """The uses the site means to reserve: reserved or partly reserved by some mechanism, in
    words only, or (training) shown by a robots.txt mistake such as a misspelt token."""
    robots: RobotsFix
    robots_block_all: RobotsFix
    snippets: tuple[Snippet, ...]
    builders: tuple[BuilderSetting, ...]
    registry_version: str

    @property
    def blocks(self) -> tuple[Snippet, ...]:
        """Every block in the order a page shows them: robots.txt first."""
        robots = [
            Snippet(
                f"robots-{fix.variant}",
                _ROBOTS_TITLES[fix.variant],
                "/robots.txt",
                fix.text,
                fix.note,
            )
            for fix in (self.robots, self.robots_block_all)
            if fix.mode != "unchanged"
        ]
        return (*robots, *self.snippets)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (for ``optout check --json`` and the export)."""
        out = asdict(self)
        out["blocks"] = [asdict(b) for b in self.blocks]
        return out

    def to_text(self) -> str:
        """The summary and every block as plain text, for a terminal."""
        parts = [self.summary]
        for block in self.blocks:
            parts.append(f"== {block.title} ({block.where}) ==\n{block.text.rstrip()}")
            if block.note:
                parts.append(f"   {block.note}")
        for setting in self.builders:
            parts.append(
                f"== {setting.name} ==\n{setting.where}\n   {setting.what}\n"
                f"   Source: {setting.source} (checked {setting.checked})"
            )
        return "\n\n".join(parts) + "\n"


_ROBOTS_TITLES: dict[Variant, str] = {
    "fixed": "robots.txt, fixed (AI training crawlers blocked, search and answers open)",
    "block-all": "robots.txt, blocking every AI crawler",
}


def fixes_for(audit: SiteAudit, registry: Registry | None = None) -> SiteFixes:
    """The fixes to paste for one audited site (pure)."""
    registry = registry or load_registry()
    findings = tuple(f.finding for f in audit.findings)
    fixed = _robots(audit, findings, registry, "fixed")
    block_all = _robots(audit, findings, registry, "block-all")
    intended = _intended(audit, findings)
    status: Status
    if not intended:
        status = "optional"
    elif fixed.mode == "unchanged" and all(audit.verdict(u).state == "reserved" for u in intended):
        status = "works"
    else:
        status = "fix"
    return SiteFixes(
        origin=audit.origin,
        status=status,
        summary=_summary(status, intended, audit, fixed),
        intended=intended,
        robots=fixed,
        robots_block_all=block_all,
        snippets=_snippets(audit, intended),
        builders=settings_for(audit.builder, audit.authorship, _fetches(audit)),
        registry_version=registry.version,
    )


def _robots(
    audit: SiteAudit, findings: tuple[Finding, ...], registry: Registry, variant: Variant
) -> RobotsFix:
    if audit.robots is not None:
        return patch_robots(audit.robots, findings, registry, variant)
    access = audit.robots_access
    if access is not None and access.state in _NO_FILE_STATES:
        fix = new_file(variant, registry, reason=None)
        if access.state == "unavailable":
            return replace(fix, note=_REDIRECTED)
        return fix
    reason = access.reason if access is not None else "it was not fetched"
    return new_file(variant, registry, reason=reason)


_REDIRECTED = (
    "robots.txt is behind more redirects than crawlers follow (or a redirect loop), so they "
    "read it as missing: serve this file at /robots.txt itself, merged with the rules of the "
    "file the redirects lead to."
)


def _intended(audit: SiteAudit, findings: tuple[Finding, ...]) -> tuple[Use, ...]:
    uses = [
        u
        for u in _OPT_OUT_USES
        if audit.verdict(u).state in ("reserved", "partial") or audit.verdict(u).words_only
    ]
    if "train" not in uses and any(f.code in _INTENT_CODES for f in findings):
        uses.insert(0, "train")
    return tuple(uses)


_USE_WORDS: dict[Use, str] = {
    "train": "AI training",
    "ai-use": "use in AI answers",
    "search": "search indexing",
    "tdm": "text and data mining",
}


def _summary(status: Status, intended: tuple[Use, ...], audit: SiteAudit, fixed: RobotsFix) -> str:
    if status == "optional" and any(audit.verdict(u).state == "unknown" for u in _OPT_OUT_USES):
        return (
            "Not known whether the site opts out: some of its signals could not be read. "
            "If it wants to opt out, these are the lines to use."
        )
    if status == "optional":
        return (
            "No opt-out intended: the site reserves nothing, neither in machine-readable form "
            "nor in words. If it wants to opt out, these are the lines to use."
        )
    uses = ", ".join(_USE_WORDS[u] for u in intended)
    if status == "works":
        return f"The opt-out already works for every use the site reserves ({uses}): no fix."
    problems = []
    typos = sum(1 for c in fixed.changes if c.why.endswith("is meant"))
    if typos:
        problems.append(f"robots.txt misspells {_count(typos, 'agent token')}")
    if fixed.mode == "unreadable":
        problems.append("robots.txt could not be read")
    elif fixed.mode == "new-file":
        problems.append("there is no robots.txt")
    elif fixed.mode == "patch":
        open_agents = len(audit.verdict("train").gaps)
        if open_agents:
            problems.append(f"robots.txt leaves {_count(open_agents, 'AI training agent')} open")
    for use in intended:
        state = audit.verdict(use)
        if state.words_only:
            problems.append(f"{_USE_WORDS[use]} is reserved in words only")
        elif state.state == "partial":
            problems.append(f"{_USE_WORDS[use]} is only partly reserved")
    said = "; ".join(problems) or "some reservation does not cover every agent or page"
    return f"The site means to reserve {uses}, but {said}. The lines below make it work."


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _tdm_policy(audit: SiteAudit) -> str | None:
    """The TDM policy URL the site already names (tdmrep.json, header or meta), if any."""
    if audit.tdmrep is not None:
        for rule in audit.tdmrep.rules:
            if rule.reservation == 1 and rule.policy:
                return rule.policy
    for page in audit.pages:
        for props in (page.tdm_header, page.tdm_meta):
            if props is not None and props.policy:
                return props.policy
    return None


def _snippets(audit: SiteAudit, intended: tuple[Use, ...]) -> tuple[Snippet, ...]:
    policy = _tdm_policy(audit)
    rule: dict[str, Any] = {"location": "/", "tdm-reservation": 1}
    if policy:
        rule["tdm-policy"] = policy
    meta = ['<meta name="tdm-reservation" content="1">']
    if policy:
        meta.append(f'<meta name="tdm-policy" content="{_attr(policy)}">')
    meta.append('<meta name="robots" content="noai, noimageai">')
    usage = "train-ai=n, ai-use=n" if "ai-use" in intended else "train-ai=n"
    signal_uses = set(intended) or {"train"}
    return (
        Snippet(
            "tdmrep",
            "tdmrep.json (W3C TDM Reservation Protocol)",
            "/.well-known/tdmrep.json, served as application/json",
            json.dumps([rule], indent=2) + "\n",
            "Reserves text and data mining (the EU DSM Directive Art. 4(3) opt-out) for every "
            "path. The brackets are required even for one rule."
            + (" The tdm-policy is the one the site already names." if policy else ""),
        ),
        Snippet(
            "meta",
            "Meta tags",
            "inside <head> of every page",
            "\n".join(meta) + "\n",
            "The TDMRep tags cover the page itself, not the images it shows. noai and "
            "noimageai are informal (DeviantArt, 2022): no major AI vendor documents honouring "
            "them, and img2dataset reads them only from an image's X-Robots-Tag header. Keep "
            "them comma-separated: 'noai; noimageai' is read as one unknown word.",
        ),
        Snippet(
            "headers",
            "HTTP response headers",
            "on every page and image response (server or CDN configuration)",
            f"tdm-reservation: 1\nX-Robots-Tag: noai, noimageai\nContent-Usage: {usage}\n",
            "The header forms reach images and other files that carry no meta tags.",
        ),
        Snippet(
            "content-signal",
            "Content-Signal line (Cloudflare Content Signals Policy)",
            "robots.txt, inside the 'User-agent: *' group",
            content_signal(signal_uses) + "\n",
            "A usage preference, not a crawl rule: it does not stop crawling. A signal left "
            "out neither grants nor restricts; search=yes keeps search open.",
        ),
        Snippet(
            "content-usage",
            "Content-Usage line (IETF AI preferences)",
            "robots.txt, inside the 'User-agent: *' group, after its User-agent lines",
            f"Content-Usage: {usage}\n",
            "draft-ietf-aipref-vocab-08 and -attach-05, still Internet-Drafts: labels are "
            "lower case, values are the tokens y and n. The rule applies to the paths the "
            "group lets crawlers fetch.",
        ),
    )


def _attr(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _fetches(audit: SiteAudit) -> tuple[Fetch, ...]:
    robots = audit.readings.get(ROBOTS)
    first = (robots.fetch,) if robots is not None and robots.fetch is not None else ()
    return (*first, *(p.fetch for p in audit.pages))
