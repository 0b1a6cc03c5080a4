"""A site as a person types it, turned into the origin the database stores.

People type sites as they see them: with a trailing slash, in capitals, as the address of one
of its pages, as a bare host name, or with ``https`` where the crawl saw ``http``.
``typed_origin`` reduces any of these to ``scheme://host[:port]`` with urllib and the seed
list's own normaliser, so a typed site and a seeded one always compare equal. It is pure.

``resolve_site`` then finds the stored origin: the typed scheme when the database has that
origin, else the same host under the other scheme (a bare host tries https, then http). Only
a default port is swapped across schemes: ``http://host:8080`` never becomes an https origin.
The SQL function ``optout_site_origins`` gives Datasette's canned queries the same candidates,
so a feed filter picks the same site as the per-site page and ``optout changes``.
"""

from __future__ import annotations

import difflib
import json
import sqlite3
from urllib.parse import urlsplit

from crawler.seeds import normalise_origin

SQL_FUNCTION = "optout_site_origins"
_SUGGESTIONS = 3
_CUTOFF = 0.75  # difflib's similarity ratio a close match must reach
_NEIGHBOURS = 25  # origins read either side of a typed one when looking for close matches


class UnknownSite(LookupError):
    """No stored origin matches what was typed; ``suggestions`` holds close ones, if any."""

    def __init__(self, typed: str, origin: str, suggestions: list[str]) -> None:
        super().__init__(typed, origin, suggestions)
        self.typed = typed
        self.origin = origin
        self.suggestions = suggestions

    def __str__(self) -> str:
        hint = f" (did you mean {', '.join(self.suggestions)}?)" if self.suggestions else ""
        return f"no site {self.origin} in this database{hint}"


def typed_origin(text: str) -> str:
    """The origin of a typed URL, page address or bare host; ValueError says why there is none."""
    value = text.strip()
    if value and "://" not in value:
        value = "https://" + value
    try:
        parts = urlsplit(value)
    except ValueError as exc:
        raise ValueError(f"is not a URL ({exc})") from None
    if value and not parts.netloc:
        raise ValueError("has no host")
    # Only the origin counts: the policy files and the verdicts belong to the whole site.
    return normalise_origin(f"{parts.scheme}://{parts.netloc}" if value else value)


def site_candidates(text: str) -> tuple[str, ...]:
    """The origins a typed site may mean, the preferred first (empty when it is no site)."""
    try:
        origin = typed_origin(text)
    except ValueError:
        return ()
    scheme, rest = origin.split("://", 1)
    if ":" in rest.rsplit("]", 1)[-1]:  # an explicit, non-default port: no other scheme
        return (origin,)
    other = "http" if scheme == "https" else "https"
    return (origin, f"{other}://{rest}")


def resolve_site(conn: sqlite3.Connection, text: str) -> str:
    """The stored origin a typed site means; ValueError when it is no site, else UnknownSite."""
    origin = typed_origin(text)
    for candidate in site_candidates(text):
        if conn.execute("SELECT 1 FROM sites WHERE origin = ?", [candidate]).fetchone():
            return candidate
    raise UnknownSite(text, origin, close_matches(conn, origin))


def close_matches(conn: sqlite3.Connection, origin: str) -> list[str]:
    """Stored origins whose host is close to this one's, from its neighbours in sorted order.

    A slip late in the name (``artist-ana`` for ``artist-anna``) or a missing ``www.`` sorts
    next to the stored origin, so a few index reads either side of where the typed origin
    would sort find it without reading the whole table; a slip in the first letters is missed.
    """
    bare = urlsplit(origin).netloc.removeprefix("www.")
    hosts: dict[str, set[str]] = {}
    for scheme in ("https", "http"):
        for host in (bare, f"www.{bare}"):
            for stored in _neighbours(conn, f"{scheme}://{host}"):
                hosts.setdefault(urlsplit(stored).netloc.removeprefix("www."), set()).add(stored)
    # Compared without the top-level label, which most hosts share (``.com``, ``.example``).
    names: dict[str, set[str]] = {}
    for host, origins in hosts.items():
        names.setdefault(host.rsplit(".", 1)[0], set()).update(origins)
    near = difflib.get_close_matches(bare.rsplit(".", 1)[0], list(names), _SUGGESTIONS, _CUTOFF)
    return [stored for name in near for stored in sorted(names[name])][:_SUGGESTIONS]


def _neighbours(conn: sqlite3.Connection, origin: str) -> list[str]:
    after = conn.execute(
        "SELECT origin FROM sites WHERE origin >= ? ORDER BY origin LIMIT ?", [origin, _NEIGHBOURS]
    )
    before = conn.execute(
        "SELECT origin FROM sites WHERE origin < ? ORDER BY origin DESC LIMIT ?",
        [origin, _NEIGHBOURS],
    )
    return [row[0] for row in (*after, *before)]


def _sql_site_origins(value: object) -> str:
    """``optout_site_origins(text)``: the candidates as a JSON list, ``[]`` for anything else."""
    return json.dumps(list(site_candidates(value)) if isinstance(value, str) else [])


def register_sql_functions(conn: sqlite3.Connection) -> None:
    """Make ``optout_site_origins`` available to SQL on this connection."""
    conn.create_function(SQL_FUNCTION, 1, _sql_site_origins, deterministic=True)
