"""The seed list of the sample web, one CSV row per site folder."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TextIO

from crawler.seeds import FIELDS
from sampleweb.sites import Site

COLUMNS = tuple(field for field in FIELDS if field != "domain")
"""The seed CSV columns the sample web writes: every seed field but ``domain`` (the origin
says it)."""


def seed_row(site: Site) -> dict[str, str]:
    """The seed facts of one site as CSV fields (tags joined with ``;``)."""
    return {
        "origin": site.origin,
        "name": site.name,
        "kind": site.kind,
        "platform": site.platform or "",
        "country": site.country or "",
        "tags": ";".join(site.tags),
        "render": "true" if site.render else "false",
        "profile_pattern": site.profile_pattern or "",
        "artwork_pattern": site.artwork_pattern or "",
    }


def write_seeds(sites: Iterable[Site], out: TextIO) -> None:
    """Write the seeds CSV, sorted by origin, with ``\\n`` line ends."""
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for site in sorted(sites, key=lambda s: s.origin):
        writer.writerow(seed_row(site))
