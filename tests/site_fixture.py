"""Load a site fixture folder (``tests/fixtures/sites/<case>/``) as ``SiteEvidence``.

A case folder holds ``site.json`` plus the body files it names::

    {"origin": "https://anna.example",
     "fetches": [
       {"kind": "robots", "path": "/robots.txt", "status": 200,
        "headers": [["Content-Type", "text/plain"]], "body": "robots.txt"},
       {"kind": "page", "path": "/art/1", "status": 200, "body": "art1.html",
        "rendered": "art1.rendered.html"},
       {"kind": "aitxt", "path": "/ai.txt", "error": "timeout"}
     ]}

Per fetch: ``kind`` (a ``FetchKind``) and ``path`` (joined to ``origin``) are required;
``status``, ``headers`` (a list of ``[name, value]`` pairs), ``body`` and ``rendered``
(file names in the case folder, read as bytes), ``error``, ``redirects`` (a list of URLs),
``final_url`` and ``skipped`` are optional. A fetch's ``fetch_id`` is its index in the list,
as a string, so tests can check that evidence points at the right record. A platform case
may give the seed's ``kind``, ``profile_pattern`` and ``artwork_pattern`` at the top level.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

from audits.core.evidence import Fetch, FetchKind, SiteEvidence, headers_from_pairs

SITES = Path(__file__).resolve().parent / "fixtures" / "sites"


def case_names() -> list[str]:
    """Every case folder that has a ``site.json``, sorted."""
    return sorted(p.parent.name for p in SITES.glob("*/site.json"))


def load_site(case: str) -> SiteEvidence:
    """The evidence described by ``tests/fixtures/sites/<case>/site.json``."""
    folder = SITES / case
    spec = json.loads((folder / "site.json").read_text(encoding="utf-8"))
    origin = str(spec["origin"]).rstrip("/")
    fetches = tuple(
        _fetch(folder, origin, index, item) for index, item in enumerate(spec["fetches"])
    )
    return SiteEvidence(
        origin,
        fetches,
        kind=spec.get("kind"),
        profile_pattern=spec.get("profile_pattern"),
        artwork_pattern=spec.get("artwork_pattern"),
    )


def fetch_url(case: str, path: str) -> str:
    """The URL a case's fetch of ``path`` was recorded under."""
    spec = json.loads((SITES / case / "site.json").read_text(encoding="utf-8"))
    return str(spec["origin"]).rstrip("/") + path


def _fetch(folder: Path, origin: str, index: int, item: dict[str, Any]) -> Fetch:
    def file(key: str) -> bytes | None:
        name = item.get(key)
        return (folder / name).read_bytes() if name is not None else None

    return Fetch(
        url=origin + item["path"],
        kind=cast(FetchKind, item["kind"]),
        status=item.get("status"),
        headers=headers_from_pairs([(k, v) for k, v in item.get("headers", [])]),
        body=file("body"),
        error=item.get("error"),
        redirects=tuple(item.get("redirects", ())),
        final_url=item.get("final_url"),
        fetch_id=str(index),
        rendered_body=file("rendered"),
        skipped=item.get("skipped"),
    )
