"""The issue-5 part of a site's derived rows: its images, its builder and, for a platform,
its sampled profiles and per-platform summary.

``results.derive`` calls :func:`site_extras` once per site and writes what it returns in the
same transaction as the site's other rows. The report keys added here (``images`` and
``builder``) travel with the stored site report, so the export, ``optout check --json`` and
the per-site page show the same facts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from audits.core.agents import Registry
from audits.core.evidence import SiteEvidence
from audits.signals.images.site_images import SiteImage
from audits.site.audit import SiteAudit
from audits.site.platforms import (
    PlatformSummary,
    is_platform,
    platform_default,
    summarise_platform,
)
from results.report_types import AttributionReport, BuilderReport, ImageReport, ReportExtras


@dataclass(frozen=True)
class SiteExtras:
    """What the site's rows and report gain from images, builder and platform sampling."""

    audit: SiteAudit
    """The site audit with the stripping finding added, when there is one."""
    images: tuple[SiteImage, ...]
    platform: PlatformSummary | None
    report_keys: ReportExtras
    summary_columns: dict[str, Any] = field(default_factory=dict)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _fetch_id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def image_object(image: SiteImage) -> ImageReport:
    """One image as the site report (and the export) carries it."""
    meta = image.meta
    mining = meta.data_mining
    c2pa = meta.c2pa
    return {
        "url": image.url,
        "kind": image.kind,
        "page_url": image.page_url,
        "fetch_id": image.fetch.fetch_id,
        "tail_fetch_id": image.tail.fetch_id if image.tail is not None else None,
        "format": meta.format,
        "complete": meta.complete,
        "data_mining": None
        if mining is None
        else {
            "raw": mining.raw,
            "code": mining.code,
            "other_constraints": [{"lang": k, "text": v} for k, v in mining.other_constraints],
        },
        "c2pa": None
        if c2pa is None
        else {
            "container": c2pa.container,
            "validation": c2pa.validation,
            "validation_detail": c2pa.validation_detail,
            "training": [
                {"label": a.label, "key": e.key, "use": e.use}
                for a in c2pa.assertions
                for e in a.entries
            ],
        },
        "c2pa_link": meta.c2pa_link,
        "reservations": [
            {"use": u.use, "effect": u.effect, "mechanism": u.mechanism, "detail": u.detail}
            for u in image.uses
        ],
        "original_url": image.original_url,
        "stripped": None if image.stripped is None else list(image.stripped),
    }


def image_row(base: Mapping[str, Any], image: ImageReport) -> dict[str, Any]:
    """The ``images`` table row of one image object."""
    mining = image["data_mining"]
    c2pa = image["c2pa"]
    return {
        **base,
        "url": image["url"],
        "kind": image["kind"],
        "page_url": image["page_url"],
        "fetch_id": _fetch_id(image["fetch_id"]),
        "tail_fetch_id": _fetch_id(image["tail_fetch_id"]),
        "format": image["format"],
        "complete": int(image["complete"]),
        "data_mining_raw": mining["raw"] if mining else None,
        "data_mining_code": mining["code"] if mining else None,
        "other_constraints": _json(mining["other_constraints"]) if mining else None,
        "c2pa_present": int(c2pa is not None),
        "c2pa_validation": c2pa["validation"] if c2pa else None,
        "c2pa_training": _json(c2pa["training"]) if c2pa else None,
        "c2pa_link": image["c2pa_link"],
        "reservations": _json(image["reservations"]),
        "reserves_train": int(
            any(r["use"] == "train" and r["effect"] == "reserved" for r in image["reservations"])
        ),
        "original_url": image["original_url"],
        "stripped": None if image["stripped"] is None else _json(image["stripped"]),
    }


def builder_object(audit: SiteAudit) -> BuilderReport | None:
    """The site's builder or host and who set its training opt-out, for the report."""
    builder = audit.builder
    attribution: list[AttributionReport] = []
    for a in audit.opt_out_authors:
        item: AttributionReport = {"mechanism": a.mechanism, "author": a.author, "detail": a.detail}
        if a.vendor is not None:  # an edge rule's vendor (schema 1.3); no key otherwise
            item["vendor"] = a.vendor
        attribution.append(item)
    if builder is None and not attribution:
        return None
    return {
        "builder": builder.builder if builder else None,
        "name": builder.name if builder else None,
        "how": builder.how if builder else None,
        "matched": builder.matched if builder else None,
        "offers_toggle": builder.offers_toggle if builder else False,
        "toggle_on": builder.toggle_on if builder else None,
        "attribution": attribution,
    }


def _train_author(audit: SiteAudit, builder: BuilderReport | None) -> str | None:
    """Who set the first mechanism that reserves training (None when nothing reserves it)."""
    if builder is None:
        return None
    reserving = {c.mechanism for c in audit.verdict("train").contributions if c.effect != "allowed"}
    return next((a["author"] for a in builder["attribution"] if a["mechanism"] in reserving), None)


def site_extras(
    evidence: SiteEvidence,
    audit: SiteAudit,
    *,
    registry: Registry | None = None,
    population: int | None = None,
) -> SiteExtras:
    """Summarise the site if it is a platform."""
    images = audit.images
    platform = (
        summarise_platform(
            evidence,
            images,
            default_train=platform_default(evidence, registry),
            population=population,
        )
        if is_platform(evidence)
        else None
    )
    builder = builder_object(audit)
    toggle = builder["toggle_on"] if builder else None
    return SiteExtras(
        audit=audit,
        images=images,
        platform=platform,
        report_keys={"images": [image_object(i) for i in images], "builder": builder},
        summary_columns={
            "builder": builder["builder"] if builder else None,
            "builder_name": builder["name"] if builder else None,
            "builder_how": builder["how"] if builder else None,
            "builder_offers_toggle": int(builder["offers_toggle"]) if builder else None,
            "builder_toggle": None if toggle is None else int(toggle),
            "opt_out_author": _train_author(audit, builder),
        },
    )


def platform_object(summary: PlatformSummary, name: str | None) -> dict[str, Any]:
    """A platform summary as the export carries it (and the table stores it)."""
    return {
        "origin": summary.origin,
        "name": name,
        "profiles": len(summary.profiles),
        "sampled": summary.sampled,
        "population": summary.population,
        "opted_out": summary.opted_out,
        "share": _round(summary.share),
        "ci_low": _round(summary.ci_low),
        "ci_high": _round(summary.ci_high),
        "offers_per_profile": summary.offers_per_profile,
        "mechanisms": list(summary.mechanisms_offered),
        "default_train": summary.default_train,
        "rendered_only": summary.rendered_only,
        "renditions_compared": summary.renditions_compared,
        "strips_metadata": summary.strips_metadata,
        "stripped": [
            {
                "displayed": s.displayed.url,
                "fetch_id": s.displayed.fetch_id,
                "original": s.original_url,
                "page_url": s.page_url,
                "lost": list(s.lost),
            }
            for s in summary.stripped
        ],
    }


def _round(value: float | None) -> float | None:
    """Six decimals: enough for any share, and stable across platforms' float printing."""
    return None if value is None else round(value, 6)


def platform_rows(
    base: Mapping[str, Any], summary: PlatformSummary, name: str | None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The ``platform_summary`` row and the ``profiles`` rows of one platform."""
    item = platform_object(summary, name)
    row = {
        **base,
        **{k: item[k] for k in ("name", "profiles", "sampled", "population", "opted_out")},
        "share": item["share"],
        "ci_low": item["ci_low"],
        "ci_high": item["ci_high"],
        "offers_per_profile": int(item["offers_per_profile"]),
        "mechanisms": _json(item["mechanisms"]),
        "default_train": item["default_train"],
        "rendered_only": item["rendered_only"],
        "renditions_compared": item["renditions_compared"],
        "renditions_stripped": len(item["stripped"]),
        "strips_metadata": int(item["strips_metadata"]),
        "stripped": _json(item["stripped"]),
    }
    profiles = [
        {
            **base,
            "profile_url": p.profile_url,
            "readable": int(p.readable),
            "opted_out_train": int(p.opted_out("train")),
            "mechanisms": _json(list(p.mechanisms("train"))),
            "rendered_only": int(p.rendered_only("train")),
            "pages": len(p.pages),
            "images": len(p.images),
            "evidence": _json(
                [
                    {
                        "use": s.use,
                        "mechanism": s.mechanism,
                        "rendered_only": s.rendered_only,
                        "url": s.evidence.url,
                        "fetch_id": s.evidence.fetch_id,
                    }
                    for s in p.signals
                ]
            ),
        }
        for p in summary.profiles
    ]
    return row, profiles
