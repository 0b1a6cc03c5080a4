"""The compact site object of the export (``--detail compact``, the default): what a report needs.

A full site object holds one robots.txt verdict per registry agent and checked path (~1,000 on
a site, ~200 KB; 95 % of a full export), every fetch record and every image. The compact one
keeps everything a report writer reads (the verdicts per use with their mechanisms and
contributions, the findings, statements, probes, logs and captures) and summarises the rest:

- ``robots``: the verdict an agent the file does not name gets (the ``*`` group's, or none),
  and only the agents whose verdict differs from it, with the lines that decided, agents
  decided alike folded into one entry (the ai.robots.txt boilerplate names 100 agents in one
  group: one entry, not 100 × paths);
- ``evidence``: the policy files' fetch records, then those something in the object cites;
- ``images``: those whose metadata says something.

Then a budget: while the object's JSON is over :data:`SITE_BYTES`, the longest-tolerated lists
are cut to a prefix, in :data:`_TRIM_ORDER`; ``omitted`` counts every item left out, so a
reader knows when to ask for ``--detail full``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from results.report_types import RobotsReport, RobotsVerdictReport, SiteReport

SITE_BYTES: Final = 20_000
"""The budget of one compact site object, in bytes of its JSON (UTF-8, no spaces)."""
POLICY_KINDS: Final = frozenset({"robots", "aitxt", "tdmrep", "llms", "home"})
"""Fetch records a compact object always keeps: the files every verdict starts from."""
OMITTED_KEYS: Final = (
    "evidence",
    "images",
    "statements",
    "findings",
    "probe_results",
    "log_violations",
    "robots_differing",
)
# (omitted key, path to the list): trimmed in this order, the least needed first.
_TRIM_ORDER: Final = (
    ("evidence", ("evidence",)),
    ("images", ("images",)),
    ("probe_results", ("probes", "results")),
    ("log_violations", ("crawler_logs", "violations")),
    ("statements", ("statements",)),
    ("findings", ("findings",)),
    ("robots_differing", ("robots", "differing")),
)
_OUTCOME: Final = ("allowed", "rule_line", "rule_text", "protego_allowed", "google_allowed")
_UNNAMED: Final = frozenset({"wildcard", "none"})


def size(value: Any) -> int:
    """Bytes of ``value`` as the export writes it on one line."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, allow_nan=False)
    return len(text.encode("utf-8"))


def compact_site(site: SiteReport, budget: int = SITE_BYTES) -> dict[str, Any]:
    """The compact object of one full site object (plain JSON values, keys sorted), cut to
    ``budget`` bytes of JSON."""
    out: dict[str, Any] = dict(site)
    omitted = dict.fromkeys(OMITTED_KEYS, 0)
    out["robots"] = compact_robots(site["robots"])
    images = site.get("images")
    if images is not None:
        out["images"] = [i for i in images if _says_something(i)]
        omitted["images"] = len(images) - len(out["images"])
    cited = _cited_fetches(out)
    # Policy files first, so that a cut for the budget keeps them.
    policy = [e for e in site["evidence"] if e["kind"] in POLICY_KINDS]
    others = [e for e in site["evidence"] if e["kind"] not in POLICY_KINDS]
    out["evidence"] = policy + [e for e in others if e["fetch_id"] in cited]
    omitted["evidence"] = len(site["evidence"]) - len(out["evidence"])
    out["omitted"] = omitted
    _within_budget(out, budget)
    return {key: out[key] for key in sorted(out)}


def compact_robots(robots: RobotsReport) -> dict[str, Any]:
    """``robots`` without the agent × path table: the ``*`` verdict and the agents differing."""
    verdicts = robots["verdicts"]
    paths = list(dict.fromkeys(v["path"] for v in verdicts))
    by_agent: dict[str, dict[str, RobotsVerdictReport]] = {}
    for v in verdicts:
        by_agent.setdefault(v["agent"], {})[v["path"]] = v
    default: dict[str, RobotsVerdictReport] = {}
    for v in verdicts:
        if v["matched"] in _UNNAMED:
            default.setdefault(v["path"], v)
    differing = [
        (agent, rows)
        for agent, rows in by_agent.items()
        if not default
        or any(p not in default or rows[p]["allowed"] != default[p]["allowed"] for p in rows)
    ]
    wildcard = _decided(list(default.values()), paths) if default else None
    return {
        "state": robots["state"],
        "status": robots["status"],
        "authorship": robots["authorship"],
        "paths": paths,
        "agents": len(by_agent),
        "wildcard": wildcard,
        "differing": _folded(differing, paths),
    }


def _decided(rows: Sequence[RobotsVerdictReport], paths: Sequence[str]) -> dict[str, Any]:
    """One agent's verdicts (or the ``*`` one's): the group that decided, then per path the
    outcome; paths after the first are listed only where they differ from it."""
    ordered = sorted(rows, key=lambda r: paths.index(r["path"]))
    first = ordered[0]
    listed = [first] + [r for r in ordered[1:] if _outcome(r) != _outcome(first)]
    return {
        "matched": first["matched"],
        "group_lines": list(first["group_lines"]),
        "group_text": first["group_text"],
        "verdicts": [
            {"path": r["path"], **dict(zip(_OUTCOME, _outcome(r), strict=True))} for r in listed
        ],
    }


def _outcome(row: RobotsVerdictReport) -> tuple[Any, ...]:
    return tuple(row[key] for key in _OUTCOME)


def _folded(
    differing: Iterable[tuple[str, Mapping[str, RobotsVerdictReport]]], paths: Sequence[str]
) -> list[dict[str, Any]]:
    """One entry per distinct decision, naming every agent decided that way (in the order the
    verdicts list them, the registry's), entries in order of first appearance."""
    entries: dict[str, dict[str, Any]] = {}
    for agent, rows in differing:
        decided = _decided(list(rows.values()), paths)
        key = json.dumps(decided, sort_keys=True)
        entries.setdefault(key, {"agents": [], **decided})["agents"].append(agent)
    return list(entries.values())


def _says_something(image: Mapping[str, Any]) -> bool:
    """An image whose metadata reserves, allows, carries a rights value or lost one."""
    keys = ("reservations", "data_mining", "c2pa", "c2pa_link", "stripped")
    return any(image.get(key) for key in keys)


def _cited_fetches(site: Mapping[str, Any]) -> set[str]:
    """Every fetch id the object cites outside ``evidence``."""
    cited: set[str] = set()

    def walk(value: Any, key: str) -> None:
        if isinstance(value, Mapping):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for item in value:
                walk(item, key)
        elif key.endswith("fetch_id") and value is not None:
            cited.add(str(value))

    for name, value in site.items():
        if name != "evidence":
            walk(value, name)
    return cited


def _within_budget(site: dict[str, Any], budget: int) -> None:
    """Cut lists to a prefix, in ``_TRIM_ORDER``, until the object fits ``budget`` bytes."""
    for name, path in _TRIM_ORDER:
        if size(site) <= budget:
            return
        parent: Any = site
        for step in path[:-1]:
            parent = parent.get(step) if isinstance(parent, dict) else None
        items = parent.get(path[-1]) if isinstance(parent, dict) else None
        if not items:
            continue
        parent[path[-1]] = kept = list(items)
        # The policy files' records come first in ``evidence`` and are never cut.
        floor = sum(e["kind"] in POLICY_KINDS for e in kept) if name == "evidence" else 0
        while len(kept) > floor and size(site) > budget:
            cut = max(floor, len(kept) // 2)
            site["omitted"][name] += len(kept) - cut
            del kept[cut:]
