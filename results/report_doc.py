"""The advocacy report of one audited crawl: self-contained HTML or Markdown.

Every number comes from ``results.export`` (``methodology``, ``summary``, ``iter_sites``), the
functions behind ``optout export --format json``, so the report and the export of the same
crawl always agree. Only the change counts and the reservations written in words are read here,
from the ``changes``, ``site_verdicts`` and ``statements`` tables, which the export's summary
does not cover, the "Already taken?" numbers (``results.taken.crawl_taken``) and the
per-country numbers (``results.countries.country_rows``, which the ``/-/countries`` page
reads too). Like the
export, the report is deterministic (no time of its own, fixed orders) and reads everything in
one read transaction; sites are streamed into the template.
Crawled text is hostile: HTML is autoescaped, Markdown goes through ``markdown_text``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, TextIO

import jinja2
import sqlite_utils

from audits import TOOL, TOOL_VERSION
from audits.core.uses import USES
from results.countries import FEW_SITES, CountryRow, country_rows
from results.countries import percent as whole_percent
from results.export import (
    Selection,
    iter_sites,
    methodology,
    snapshot,
    summary,
)
from results.export_platforms import platforms as read_platforms
from results.finding_meanings import meaning_html, meaning_plain
from results.logs.publish import top_findings
from results.probe_rows import ENFORCED
from results.report import USE_WORDS
from results.svg_charts import (
    EFFECT_COLOURS,
    STATE_COLOURS,
    STATE_ORDER,
    Chart,
    render_svg,
    stacked_chart,
)
from results.svg_map import WorldMap, render_map, world_map
from results.taken import CrawlTaken, crawl_taken

FORMATS: Final = ("html", "markdown")
STATE_MEANINGS: Final = {
    "reserved": "a signal reserves the use for the whole site and every relevant agent",
    "partial": "reserved for some agents, paths, media types or pages only",
    "allowed": "only explicit permissions were found",
    "unstated": "everything could be read and nothing says either way",
    "unknown": "the evidence could not be obtained (robots.txt unreachable, a bot wall)",
}
AGENT_COLOURS: Final = {
    "blocked": STATE_COLOURS["reserved"],
    "allowed": STATE_COLOURS["allowed"],
    "unknown": STATE_COLOURS["unknown"],
}
CHANGE_COLOURS: Final = {
    "into": STATE_COLOURS["reserved"],
    "out_of": STATE_COLOURS["allowed"],
    "became_unknown": STATE_COLOURS["unknown"],
    "other": STATE_COLOURS["unstated"],
}
CHANGE_WORDS: Final = {
    "into": "into opting out",
    "out_of": "out of opting out",
    "became_unknown": "became unknown",
    "other": "other change",
}
# changes.change for a verdict subject -> the report's column (results/changes.py::_kind).
_CHANGE_KINDS: Final = {
    "appeared": "into",
    "disappeared": "out_of",
    "became-unknown": "became_unknown",
    "changed": "other",
}
LISTED_CHANGES: Final = 50
LISTED_AGENTS: Final = 10
LISTED_WORDS_SITES: Final = 50
WORD_USES: Final = ("train", "ai-use", "tdm")
"""The uses a sentence can reserve (``audits.signals.words.Use``); search is never one."""


class ReportError(Exception):
    """The report cannot be written as asked (unknown format)."""


@dataclass(frozen=True)
class Share:
    state: str
    sites: int
    percent: str


@dataclass(frozen=True)
class UseRow:
    use: str
    words: str
    shares: tuple[Share, ...]
    conflicts: int


@dataclass(frozen=True)
class UseChange:
    use: str
    words: str
    into: int
    out_of: int
    became_unknown: int
    other: int


@dataclass(frozen=True)
class VerdictChange:
    origin: str
    use: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class AgentChange:
    agent: str
    newly_blocked: int
    unblocked: int


@dataclass(frozen=True)
class Changes:
    """What moved since each site's previous audited crawl (``previous`` None: first crawl)."""

    previous: int | None
    compared_sites: int
    changed_sites: int
    by_use: tuple[UseChange, ...]
    verdicts: tuple[VerdictChange, ...]
    verdicts_total: int
    agents: tuple[AgentChange, ...]
    agents_total: int


@dataclass(frozen=True)
class Edge:
    """What the edge did to the probed AI agents (only for a crawl that probed)."""

    sites_probed: int
    sites_blocking: int
    edge_not_robots: int
    robots_not_edge: int
    by_enforced: Mapping[str, int]
    agents: tuple[Mapping[str, Any], ...]
    blocks_appeared: int
    """Sites where the edge newly refuses, charges or challenges a probed agent (``changes``)."""
    blocks_disappeared: int


@dataclass(frozen=True)
class Logs:
    """What the sites' own access logs show (only for a database that had a log ingested)."""

    numbers: Mapping[str, Any]
    """The export summary's ``crawler_logs``."""
    findings: tuple[Mapping[str, Any], ...]
    """The largest violation findings (never impersonators'), with the first line to cite."""


@dataclass(frozen=True)
class WordsUse:
    """Per use: sites reserving it machine-readably, in words only, and either way."""

    use: str
    words: str
    machine_readable: int
    words_only: int
    counting_words: int


@dataclass(frozen=True)
class WordsSite:
    """A site reserving in words only, with the sentence to quote."""

    origin: str
    name: str | None
    uses: tuple[str, ...]
    """The words of the uses reserved in words only (``site_summary.words_only``)."""
    text: str | None
    place: str | None
    url: str | None
    line: int | None


@dataclass(frozen=True)
class Words:
    """Reservations written in words (only for a crawl audited since the words signal)."""

    by_use: tuple[WordsUse, ...]
    sites: tuple[WordsSite, ...]
    sites_total: int
    """Sites reserving some use in words only; ``sites`` lists the first of them."""

    def of(self, use: str) -> WordsUse:
        """The numbers of one use."""
        return next(u for u in self.by_use if u.use == use)


@dataclass(frozen=True)
class SiteRow:
    origin: str
    name: str | None
    kind: str | None
    country: str | None
    verdicts: tuple[str, ...]
    mechanisms: tuple[str, ...]
    findings: int
    summary: str


@dataclass(frozen=True)
class Report:
    """Everything the report shows except the sites, which are streamed."""

    title: str
    tool: str
    tool_version: str
    crawl: Mapping[str, Any]
    methodology: Mapping[str, Any]
    summary: Mapping[str, Any]
    sites: int
    uses: tuple[UseRow, ...]
    train: UseRow
    opted_out: Share
    broken_sites: int
    broken_findings: int
    charts: tuple[Chart, ...]
    changes: Changes
    change_chart: Chart | None
    edge: Edge | None
    """None when the crawl probed no site: the report is then as it was before probes."""
    logs: Logs | None = None
    """None when no access log was ingested: the report is then as it was before logs."""
    words: Words | None = None
    """None for a crawl audited before reservations in words were read."""
    taken: CrawlTaken | None = None
    """Common Crawl captures and dataset matches (results/taken.py); None when neither
    ``optout captures`` nor ``optout datasets check`` ran on the database."""
    platforms: tuple[Mapping[str, Any], ...] = ()
    """Per sampled platform (the export's ``platforms``, as ``/-/platforms`` shows them);
    empty when the crawl sampled no platform."""
    platform_chart: Chart | None = None
    countries: tuple[CountryRow, ...] = ()
    """Per country (``results.countries``, as ``/-/countries`` shows them); empty when no
    site has a country."""
    country_map: WorldMap | None = None


def sites_phrase(n: int) -> str:
    """'1 site', '2 sites'."""
    return f"{n} site" if n == 1 else f"{n} sites"


def percent(part: int, whole: int) -> str:
    """A share as the report prints it: one decimal and a percent sign, a dash for no sites."""
    return f"{100 * part / whole:.1f}%" if whole else "–"


def when(value: str | None) -> str:
    """An ISO 8601 time from the database as 'YYYY-MM-DD HH:MM UTC'; a dash when missing."""
    if not value:
        return "–"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:  # not written by this tool: show it as stored
        return value
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _use_row(use: str, counts: Mapping[str, int], conflicts: int, sites: int) -> UseRow:
    shares = tuple(Share(s, counts[s], percent(counts[s], sites)) for s in STATE_ORDER)
    return UseRow(use, USE_WORDS[use], shares, conflicts)


def build_report(
    db: sqlite_utils.Database, crawl_id: int, *, title: str, tool_version: str = TOOL_VERSION
) -> Report:
    """The report's numbers for one audited crawl (call inside ``export.snapshot``)."""
    method = methodology(db, crawl_id, Selection())
    numbers = summary(db, crawl_id, Selection())
    sites = numbers["sites"]
    uses = tuple(_use_row(u, numbers["by_use"][u], numbers["conflicts"][u], sites) for u in USES)
    train = numbers["by_use"]["train"]
    opted = train["reserved"] + train["partial"]
    errors = numbers["findings"]["by_severity"]["error"]
    changes = read_changes(db, crawl_id)
    where, params = Selection().where(crawl_id)
    platforms = tuple(read_platforms(db, crawl_id, where, params))
    rows = country_rows(db.conn, crawl_id)
    countries = tuple(rows) if any(r.code is not None for r in rows) else ()
    return Report(
        title=title,
        tool=TOOL,
        tool_version=tool_version,
        crawl=method["crawl"],
        methodology=method,
        summary=numbers,
        sites=sites,
        uses=uses,
        train=uses[USES.index("train")],
        opted_out=Share("opted out", opted, percent(opted, sites)),
        broken_sites=errors["sites"],
        broken_findings=errors["findings"],
        charts=summary_charts(numbers),
        changes=changes,
        change_chart=None if changes.previous is None else change_chart(changes),
        edge=read_edge(db, crawl_id, numbers.get("probes")),
        logs=read_logs(db, numbers.get("crawler_logs")),
        words=read_words(db, crawl_id),
        taken=crawl_taken(db, crawl_id),
        platforms=platforms,
        platform_chart=platform_chart(platforms),
        countries=countries,
        country_map=world_map("map-countries", countries) if countries else None,
    )


PLATFORM_COLOURS: Final = {"opted out": STATE_COLOURS["reserved"], "not opted out": "#b4b4b4"}


def platform_chart(platforms: tuple[Mapping[str, Any], ...]) -> Chart | None:
    """Per platform with readable profiles, the sampled creators opting out (as the
    ``/-/platforms`` page draws it); None when no platform had a readable profile."""
    sampled = sorted(
        (p for p in platforms if p["sampled"]), key=lambda p: (-(p["share"] or 0.0), p["origin"])
    )
    if not sampled:
        return None
    return stacked_chart(
        "chart-platform-share",
        "Sampled creators opting out of AI training, per platform",
        "Each bar is one platform's sampled profiles that could be read; the label gives the"
        " count, the share and its 95% interval.",
        [
            (
                str(p["name"] or p["origin"]),
                {"opted out": p["opted_out"], "not opted out": p["sampled"] - p["opted_out"]},
                None,
            )
            for p in sampled
        ],
        tuple(PLATFORM_COLOURS),
        PLATFORM_COLOURS,
        as_share=True,
        value_labels=[
            f"{p['opted_out']} of {p['sampled']} ({whole_percent(p['share'])};"
            f" {whole_percent(p['ci_low'])}–{whole_percent(p['ci_high'])})"
            for p in sampled
        ],
    )


def read_words(db: sqlite_utils.Database, crawl_id: int) -> Words | None:
    """Per use, machine-readable and words-only reservations, and the sites reserving in words
    only with their first reserving sentence about such a use; None before the words signal."""
    if "state_counting_words" not in db["site_verdicts"].columns_dict:
        return None  # a database audited before migration m011, opened read-only
    counted = {
        use: (machine, words_only, either)
        for use, machine, words_only, either in db.execute(
            "SELECT use, SUM(state IN ('reserved', 'partial')),"
            " SUM(state NOT IN ('reserved', 'partial')"
            "     AND state_counting_words IN ('reserved', 'partial')),"
            " SUM(state_counting_words IN ('reserved', 'partial'))"
            " FROM site_verdicts WHERE crawl_id = ? AND state_counting_words IS NOT NULL"
            " GROUP BY use",
            [crawl_id],
        )
    }
    if not counted:
        return None  # audited by an older version: no verdict has its words view
    words_only = "FROM site_summary WHERE crawl_id = ? AND words_only IS NOT NULL"
    total = db.execute(f"SELECT COUNT(*) {words_only}", [crawl_id]).fetchone()[0]
    listed = db.execute(
        f"SELECT origin, name, words_only {words_only} ORDER BY origin LIMIT ?",
        [crawl_id, LISTED_WORDS_SITES],
    ).fetchall()
    return Words(
        by_use=tuple(WordsUse(u, USE_WORDS[u], *counted.get(u, (0, 0, 0))) for u in WORD_USES),
        sites=tuple(_words_site(db, crawl_id, *row) for row in listed),
        sites_total=total,
    )


def _words_site(
    db: sqlite_utils.Database, crawl_id: int, origin: str, name: str | None, words_only: str
) -> WordsSite:
    uses = tuple(u.strip() for u in words_only.split(","))
    statements = db.execute(
        "SELECT text, place, url, line, uses FROM statements"
        " WHERE crawl_id = ? AND origin = ? AND kind IN ('reserved', 'partial') ORDER BY rowid",
        [crawl_id, origin],
    ).fetchall()
    # The first sentence reserving a use reserved in words only (as the canned query words_only
    # picks it), else the first reserving sentence.
    about = [s for s in statements if set(json.loads(s[4] or "[]")) & set(uses)]
    text, place, url, line, _ = next(iter(about or statements), (None,) * 5)
    return WordsSite(
        origin=origin,
        name=name,
        uses=tuple(USE_WORDS.get(u, u) for u in uses),
        text=text,
        place=place,
        url=url,
        line=line,
    )


def read_logs(db: sqlite_utils.Database, numbers: Mapping[str, Any] | None) -> Logs | None:
    """The access-log section: the export summary's ``crawler_logs`` and the findings."""
    if numbers is None:
        return None
    return Logs(numbers=numbers, findings=tuple(top_findings(db.conn)))


def read_edge(
    db: sqlite_utils.Database, crawl_id: int, probes: Mapping[str, Any] | None
) -> Edge | None:
    """The edge section's numbers: the export summary's ``probes`` and the edge changes."""
    if probes is None:
        return None
    moved = dict(
        db.execute(
            "SELECT change, COUNT(DISTINCT origin) FROM changes"
            " WHERE crawl_id = ? AND subject LIKE 'edge:%' GROUP BY change",
            [crawl_id],
        ).fetchall()
    )
    return Edge(
        sites_probed=probes["sites_probed"],
        sites_blocking=probes["sites_blocking_at_edge"],
        edge_not_robots=probes["edge_not_robots"],
        robots_not_edge=probes["robots_not_edge"],
        by_enforced=probes["sites_by_enforced"],
        agents=tuple(probes["agents"]),
        blocks_appeared=moved.get("appeared", 0),
        blocks_disappeared=moved.get("disappeared", 0),
    )


def summary_charts(numbers: Mapping[str, Any]) -> tuple[Chart, ...]:
    """Adoption by mechanism, verdicts by kind of site, the most- and least-blocked agents."""
    mechanisms = numbers["by_mechanism"]["train"]
    adoption = stacked_chart(
        "chart-mechanisms",
        "Adoption by mechanism",
        "Sites whose signals of each mechanism reserve AI training for the whole site, for"
        " part of it, or allow it (a site can count under more than one).",
        [(m["mechanism"], {e: m[e] for e in EFFECT_COLOURS}, None) for m in mechanisms],
        tuple(EFFECT_COLOURS),
        EFFECT_COLOURS,
        as_share=False,
        value_labels=[sites_phrase(m["sites"]) for m in mechanisms],
    )
    kinds = [("All sites", numbers["by_use"]["train"], None)] + [
        (k["kind"] or "no kind recorded", k["train"], None) for k in numbers["by_kind"]
    ]
    by_kind = stacked_chart(
        "chart-kinds",
        "AI training by kind of site",
        "Share of sites in each state; n is the number of sites of that kind.",
        kinds,
        STATE_ORDER,
        STATE_COLOURS,
        as_share=True,
    )
    agents = numbers["training_agents"]
    return (
        adoption,
        by_kind,
        _agent_chart("chart-most-blocked", "Most-blocked training agents", agents["most_blocked"]),
        _agent_chart(
            "chart-least-blocked", "Least-blocked training agents", agents["least_blocked"]
        ),
    )


def _agent_chart(id: str, title: str, entries: list[dict[str, Any]]) -> Chart:
    return stacked_chart(
        id,
        title,
        "Sites whose robots.txt disallows the agent at /, allows it, or could not be read.",
        [(e["agent"], {k: e[k] for k in AGENT_COLOURS}, None) for e in entries],
        tuple(AGENT_COLOURS),
        AGENT_COLOURS,
        as_share=False,
        value_labels=[
            f"{e['blocked']} of {e['blocked'] + e['allowed'] + e['unknown']}" for e in entries
        ],
    )


def change_chart(changes: Changes) -> Chart:
    """Per use, how many sites moved into or out of opting out since their previous crawl."""
    return stacked_chart(
        "chart-changes",
        "Sites whose verdict moved",
        "Per use, since each site's previous audited crawl.",
        [(c.words, {k: getattr(c, k) for k in CHANGE_COLOURS}, None) for c in changes.by_use],
        tuple(CHANGE_COLOURS),
        CHANGE_COLOURS,
        as_share=False,
        value_labels=[
            f"+{c.into} / −{c.out_of}" if c.into or c.out_of else "no move" for c in changes.by_use
        ],
        legend_labels=CHANGE_WORDS,
    )


def read_changes(db: sqlite_utils.Database, crawl_id: int) -> Changes:
    """The ``changes`` rows of one crawl, counted per use and per agent."""
    previous = db.execute(
        "SELECT MAX(crawl_id) FROM audits WHERE crawl_id < ?", [crawl_id]
    ).fetchone()[0]
    compared = db.execute(
        "SELECT COUNT(*) FROM site_summary s WHERE s.crawl_id = ? AND EXISTS"
        " (SELECT 1 FROM site_summary p WHERE p.origin = s.origin AND p.crawl_id < ?)",
        [crawl_id, crawl_id],
    ).fetchone()[0]
    changed = db.execute(
        "SELECT COUNT(DISTINCT origin) FROM changes WHERE crawl_id = ?", [crawl_id]
    ).fetchone()[0]
    counts: dict[str, dict[str, int]] = {u: dict.fromkeys(CHANGE_WORDS, 0) for u in USES}
    for use, kind, n in db.execute(
        "SELECT substr(subject, 9), change, COUNT(DISTINCT origin) FROM changes"
        " WHERE crawl_id = ? AND subject LIKE 'verdict:%' GROUP BY 1, 2",
        [crawl_id],
    ):
        if use in counts and kind in _CHANGE_KINDS:
            counts[use][_CHANGE_KINDS[kind]] += n
    verdict_rows = "FROM changes WHERE crawl_id = ? AND subject LIKE 'verdict:%'"
    total = db.execute(f"SELECT COUNT(*) {verdict_rows}", [crawl_id]).fetchone()[0]
    use_rank = " ".join(f"WHEN 'verdict:{u}' THEN {i}" for i, u in enumerate(USES))
    listed = db.execute(
        f"SELECT origin, substr(subject, 9), before, after {verdict_rows}"
        f" ORDER BY origin, CASE subject {use_rank} ELSE 9 END, subject LIMIT ?",
        [crawl_id, LISTED_CHANGES],
    )
    agents_total = db.execute(
        "SELECT COUNT(DISTINCT subject) FROM changes WHERE crawl_id = ? AND subject LIKE 'agent:%'",
        [crawl_id],
    ).fetchone()[0]
    agents = db.execute(
        "SELECT substr(subject, 7), SUM(change = 'appeared'), SUM(change = 'disappeared')"
        " FROM changes WHERE crawl_id = ? AND subject LIKE 'agent:%' GROUP BY 1"
        " ORDER BY SUM(change = 'appeared') + SUM(change = 'disappeared') DESC,"
        " lower(substr(subject, 7)), substr(subject, 7) LIMIT ?",
        [crawl_id, LISTED_AGENTS],
    )
    return Changes(
        previous=previous,
        compared_sites=compared,
        changed_sites=changed,
        by_use=tuple(UseChange(u, USE_WORDS[u], **counts[u]) for u in USES),
        verdicts=tuple(VerdictChange(*row) for row in listed),
        verdicts_total=total,
        agents=tuple(AgentChange(*row) for row in agents),
        agents_total=agents_total,
    )


def site_rows(db: sqlite_utils.Database, crawl_id: int) -> Iterator[SiteRow]:
    """One table row per site, in origin order, from the export's site objects."""
    for site in iter_sites(db, crawl_id):
        verdicts = site["verdicts"]
        mechanisms = dict.fromkeys(m for u in USES for m in verdicts[u]["mechanisms"])
        yield SiteRow(
            origin=site["origin"],
            name=site["name"],
            kind=site["kind"],
            country=site["country"],
            verdicts=tuple(verdicts[u]["state"] for u in USES),
            mechanisms=tuple(mechanisms),
            findings=len(site["findings"]),
            summary=site["summary"],
        )


# CommonMark has no escaping function in the installed libraries (markdown-it-py parses only),
# so crawled text is made inert by hand: HTML's three specials become entities (no raw tag
# or entity survives) and the characters that start emphasis, links, code or table cells get
# a backslash; line breaks would end a table row, so they become spaces.
_MD_SPECIAL: Final = re.compile(r"([\\`*_\[\]|~])")


def markdown_text(value: Any) -> str:
    """Any value as inert Markdown inline text (used on every ``{{ }}`` of the template)."""
    if value is None:
        return ""
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _environment(fmt: str) -> jinja2.Environment:
    loader = jinja2.PackageLoader("results", "templates")
    common: dict[str, Any] = {
        "loader": loader,
        "undefined": jinja2.StrictUndefined,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "keep_trailing_newline": True,
    }
    if fmt == "html":
        env = jinja2.Environment(autoescape=True, **common)
        env.filters["svg"] = render_svg
        env.filters["map_svg"] = render_map
        env.filters["finding_meaning"] = meaning_html
    else:
        env = jinja2.Environment(autoescape=False, finalize=markdown_text, **common)
        env.filters["finding_meaning"] = meaning_plain
    env.filters["when"] = when
    env.filters["whole_percent"] = whole_percent
    env.globals.update(
        uses=USES,
        use_words=USE_WORDS,
        states=STATE_ORDER,
        state_meanings=STATE_MEANINGS,
        state_colours=STATE_COLOURS,
        change_words=CHANGE_WORDS,
        enforced_states=ENFORCED,
        few_sites=FEW_SITES,
    )
    return env


def write_report(
    out: TextIO,
    fmt: str,
    db: sqlite_utils.Database,
    crawl_id: int,
    *,
    title: str | None = None,
    tool_version: str = TOOL_VERSION,
) -> int:
    """Write the report of an audited crawl as ``html`` or ``markdown``; returns the site count."""
    if fmt not in FORMATS:
        raise ReportError(f"unknown report format {fmt!r} (one of {', '.join(FORMATS)})")
    template = _environment(fmt).get_template("report.html.j2" if fmt == "html" else "report.md.j2")
    count = 0

    def counted(rows: Iterator[SiteRow]) -> Iterator[SiteRow]:
        nonlocal count
        for row in rows:
            count += 1
            yield row

    with snapshot(db):
        report = build_report(
            db,
            crawl_id,
            title=title or f"AI training opt-outs: crawl {crawl_id}",
            tool_version=tool_version,
        )
        for chunk in template.generate(report=report, rows=counted(site_rows(db, crawl_id))):
            out.write(chunk)
    return count


def format_for(path: str | None, fmt: str | None) -> str:
    """The format asked for, else the one the output file's suffix names, else HTML."""
    if fmt:
        return fmt
    if path and path.lower().endswith((".md", ".markdown")):
        return "markdown"
    return "html"
