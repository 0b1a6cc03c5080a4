"""What changed for each site since its previous audited crawl.

A change is only computed between two finished crawls that both marked the site done: a site
a crawl did not reach was "not checked this time", and comparing it would invent opt-outs
that disappeared (docs/history.md).

Subjects: ``verdict:<use>`` (the state per use), ``mechanism:<use>:<name>`` (a mechanism
appearing or disappearing for a use), ``agent:<token>`` (a training agent newly blocked
or unblocked at ``/``) and ``edge:<token>`` (what the edge does to a probed agent: a block
appearing or disappearing, or its kind changing). Kinds: appeared, disappeared, changed,
became-unknown.

An edge change needs the agent probed in both crawls: probing is opt-in, so an agent that one
of the two crawls did not probe was "not checked", never a block that disappeared.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from results.probe_rows import EDGE_BLOCKS

_OPTED_OUT = ("reserved", "partial")


def _kind(before: str, after: str) -> str:
    if after == "unknown":
        return "became-unknown"
    if before not in _OPTED_OUT and after in _OPTED_OUT:
        return "appeared"
    if before in _OPTED_OUT and after not in _OPTED_OUT:
        return "disappeared"
    return "changed"


def _verdicts(
    conn: sqlite3.Connection, crawl_id: int, origin: str
) -> dict[str, tuple[str, set[str]]]:
    rows = conn.execute(
        "SELECT use, state, mechanisms FROM site_verdicts WHERE crawl_id = ? AND origin = ?",
        [crawl_id, origin],
    )
    return {use: (state, set(json.loads(mechanisms or "[]"))) for use, state, mechanisms in rows}


def _edge_kind(before: str, after: str) -> str:
    if before not in EDGE_BLOCKS and after in EDGE_BLOCKS:
        return "appeared"
    if before in EDGE_BLOCKS and after not in EDGE_BLOCKS:
        return "disappeared"
    return "changed"


def _enforced(conn: sqlite3.Connection, crawl_id: int, origin: str) -> dict[str, str]:
    """What the edge did to each probed agent (none when the crawl did not probe the site)."""
    rows = conn.execute(
        "SELECT agent, enforced FROM probe_agents WHERE crawl_id = ? AND origin = ?",
        [crawl_id, origin],
    )
    return {agent: enforced for agent, enforced in rows}


def _blocked(conn: sqlite3.Connection, crawl_id: int, origin: str) -> set[str]:
    rows = conn.execute(
        "SELECT r.agent FROM robots_verdicts r JOIN agents a ON a.token = r.agent "
        "WHERE r.crawl_id = ? AND r.origin = ? AND r.path = '/' AND r.allowed = 0 "
        "AND a.purpose IN ('train', 'control') AND a.legacy = 0",
        [crawl_id, origin],
    )
    return {agent for (agent,) in rows}


# The summaries of sites done in finished crawls: the only ones a change may compare.
_CHECKED = """
SELECT {what} FROM site_summary s
JOIN crawls c ON c.id = s.crawl_id AND c.status = 'finished'
JOIN site_status d ON d.crawl_id = s.crawl_id AND d.origin = s.origin AND d.status = 'done'
WHERE {where}
"""
_ORIGINS = _CHECKED.format(what="s.origin", where="s.crawl_id = ?") + " ORDER BY s.origin"
_PREVIOUS = _CHECKED.format(what="MAX(s.crawl_id)", where="s.origin = ? AND s.crawl_id < ?")


def site_changes(conn: sqlite3.Connection, crawl_id: int) -> Iterator[dict[str, Any]]:
    """Change rows for every site checked by ``crawl_id`` and by an earlier audited crawl
    (both finished, the site done in both); nothing for a crawl that did not finish."""
    detected = datetime.now(UTC).isoformat(timespec="seconds")
    origins = [o for (o,) in conn.execute(_ORIGINS, [crawl_id])]
    for origin in origins:
        row = conn.execute(_PREVIOUS, [origin, crawl_id]).fetchone()
        previous = row[0] if row else None
        if previous is None:
            continue
        base = {
            "crawl_id": crawl_id,
            "previous_crawl_id": previous,
            "origin": origin,
            "detected_at": detected,
        }
        before, after = _verdicts(conn, previous, origin), _verdicts(conn, crawl_id, origin)
        for use in sorted(set(before) | set(after)):
            old_state, old_mech = before.get(use, ("unstated", set()))
            new_state, new_mech = after.get(use, ("unstated", set()))
            if old_state != new_state:
                yield {
                    **base,
                    "subject": f"verdict:{use}",
                    "change": _kind(old_state, new_state),
                    "before": old_state,
                    "after": new_state,
                }
            for name in sorted(new_mech - old_mech):
                yield {
                    **base,
                    "subject": f"mechanism:{use}:{name}",
                    "change": "appeared",
                    "before": None,
                    "after": name,
                }
            for name in sorted(old_mech - new_mech):
                yield {
                    **base,
                    "subject": f"mechanism:{use}:{name}",
                    "change": "disappeared",
                    "before": name,
                    "after": None,
                }
        old_blocked, new_blocked = (
            _blocked(conn, previous, origin),
            _blocked(conn, crawl_id, origin),
        )
        for agent in sorted(new_blocked - old_blocked):
            yield {
                **base,
                "subject": f"agent:{agent}",
                "change": "appeared",
                "before": "allowed",
                "after": "disallowed",
            }
        for agent in sorted(old_blocked - new_blocked):
            yield {
                **base,
                "subject": f"agent:{agent}",
                "change": "disappeared",
                "before": "disallowed",
                "after": "allowed",
            }
        old_edge, new_edge = _enforced(conn, previous, origin), _enforced(conn, crawl_id, origin)
        for agent in sorted(set(old_edge) & set(new_edge)):
            if old_edge[agent] != new_edge[agent]:
                yield {
                    **base,
                    "subject": f"edge:{agent}",
                    "change": _edge_kind(old_edge[agent], new_edge[agent]),
                    "before": old_edge[agent],
                    "after": new_edge[agent],
                }
