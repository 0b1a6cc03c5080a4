"""Where a site builder's or CDN's own setting lives, from ``audits/data/builder_settings.json``.

Each entry names the setting as the vendor's documentation does and cites that page; a builder
whose setting no vendor page names is not listed, and a site on it gets no such advice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from audits.core.evidence import Fetch
from audits.signals.builders import BuilderDetection
from audits.signals.probes import edge_vendor
from audits.signals.robots.audit import Authorship

_CLOUDFLARE_AUTHORS = frozenset({"cloudflare-managed", "cloudflare-policy-only"})


@dataclass(frozen=True)
class BuilderSetting:
    """One vendor's setting: where it is, what it does, and the page that says so."""

    id: str
    name: str
    where: str
    what: str
    edits_robots: bool
    """Whether the setting lets the owner paste a robots.txt of their own."""
    source: str
    source_title: str
    checked: str
    detected_by: str
    """How the audit saw the vendor: the builder detection, or Cloudflare's answers."""
    also: str | None = None


@cache
def _settings() -> tuple[str, dict[str, dict[str, Any]]]:
    text = resources.files("audits").joinpath("data/builder_settings.json").read_text("utf-8")
    data = json.loads(text)
    return str(data["checked"]), dict(data["settings"])


def _setting(key: str, detected_by: str) -> BuilderSetting | None:
    checked, settings = _settings()
    item = settings.get(key)
    if item is None:
        return None
    return BuilderSetting(
        id=key,
        name=str(item["name"]),
        where=str(item["where"]),
        what=str(item["what"]),
        edits_robots=bool(item["edits_robots"]),
        source=str(item["source"]),
        source_title=str(item["source_title"]),
        checked=checked,
        detected_by=detected_by,
        also=item.get("also"),
    )


def settings_for(
    builder: BuilderDetection | None,
    authorship: Authorship | None,
    fetches: tuple[Fetch, ...],
) -> tuple[BuilderSetting, ...]:
    """The settings of the builder the site runs on and of Cloudflare when it serves the site
    (its managed robots.txt block, its policy comments, or its headers on ``fetches``)."""
    out: list[BuilderSetting] = []
    if builder is not None:
        found = _setting(builder.builder, f"{builder.how}: {builder.matched[:120]}")
        if found is not None:
            out.append(found)
    how = None
    if authorship is not None and authorship.author in _CLOUDFLARE_AUTHORS:
        how = f"robots.txt: {authorship.author}" + (
            f" (line {authorship.line})" if authorship.line else ""
        )
    elif any(edge_vendor(f) == "cloudflare" for f in fetches):
        how = "Cloudflare's headers on the site's answers"
    if how is not None:
        found = _setting("cloudflare", how)
        if found is not None:
            out.append(found)
    return tuple(out)
