"""The report ``optout check`` prints on one site: its training verdict in a sentence, the
verdict per use, how each mechanism bears on it, what is broken and how to fix it, and what
could not be checked."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from audits.core.agents import Registry
from audits.fixes import SiteFixes
from optout_cli.check_summary import severity_mark, state_word
from results.i18n import Translator, translator
from results.report import told_sentence
from results.report_types import SiteReport

USES: Final = ("train", "ai-use", "search", "tdm")
"""The uses in the order the report lists them."""
# The registry lists tokens alphabetically; a creator first wants to know about the crawlers
# of the largest AI companies, so these lead every list of agent names.
WELL_KNOWN = (
    "GPTBot",
    "ClaudeBot",
    "Google-Extended",
    "CCBot",
    "meta-externalagent",
    "Applebot-Extended",
    "Bytespider",
)
NAMES_SHOWN = 6


def use_label(use: str, tr: Translator) -> str:
    """A use as the per-use table names it."""
    pgettext = tr.pgettext
    labels = {
        "train": pgettext("a use, as a label", "AI training"),
        "ai-use": pgettext("a use, as a label", "AI answers"),
        "search": pgettext("a use, as a label", "search"),
        "tdm": pgettext("a use, as a label", "text and data mining"),
    }
    return labels.get(use, use)


def _use_object(use: str, tr: Translator) -> str:
    """A use as the object of 'reserves', 'allows' (the French needs its article)."""
    pgettext = tr.pgettext
    objects = {
        "train": pgettext("a use, after a verb", "AI training"),
        "ai-use": pgettext("a use, after a verb", "AI answers"),
        "search": pgettext("a use, after a verb", "search"),
        "tdm": pgettext("a use, after a verb", "text and data mining"),
    }
    return objects.get(use, use)


def _headline(state: str, tr: Translator) -> str:
    _ = tr.gettext
    headlines = {
        "reserved": _("Opted out of AI training"),
        "partial": _("Partly opted out of AI training"),
        "allowed": _("Explicitly allows AI training"),
        "unstated": _("Not opted out of AI training"),
        "unknown": _("Could not tell whether this site opts out of AI training"),
    }
    return headlines.get(state, state)


def _effect_line(mechanism: str, effect: str, uses: str, detail: str, tr: Translator) -> str:
    _ = tr.gettext
    if effect == "reserved":
        line = _("{mechanism} reserves {uses}: {detail}")
    elif effect == "partial":
        line = _("{mechanism} partly reserves {uses}: {detail}")
    elif effect == "allowed":
        line = _("{mechanism} allows {uses}: {detail}")
    else:
        return f"{mechanism} {effect} {uses}: {detail}"
    return line.format(mechanism=mechanism, uses=uses, detail=detail)


def _names(tokens: Sequence[str], tr: Translator) -> str:
    rank = {token: i for i, token in enumerate(WELL_KNOWN)}
    ordered = sorted(tokens, key=lambda token: rank.get(token, len(rank)))
    return _shown(ordered, NAMES_SHOWN, tr)


def _shown(items: Sequence[str], limit: int, tr: Translator) -> str:
    """The first ``limit`` of ``items``, and how many more there are."""
    shown = ", ".join(items[:limit])
    more = len(items) - limit
    if more <= 0:
        return shown
    return shown + tr.ngettext(", … ({count} more)", ", … ({count} more)", more).format(count=more)


def robots_line(report: SiteReport, registry: Registry, tr: Translator | None = None) -> str | None:
    """'robots.txt blocks 8 of 63 training agents (…); open: …' (None when it was not read)."""
    tr = tr or translator()
    _ = tr.gettext
    robots = report["robots"]
    state = robots["state"]
    if state == "no-file":
        return _("There is no robots.txt (status {status}): it blocks no crawler.").format(
            status=robots["status"]
        )
    if state != "parse":
        return None
    # The same count as the verdict sentence: an agent is blocked when robots.txt keeps it out
    # of some sampled path, or names its token exactly as written (see docs/signals.md).
    gaps = set(report["verdicts"]["train"]["gaps"])
    training = [agent.token for agent in registry.training_agents()]
    blocked = [token for token in training if token not in gaps]
    opened = [token for token in training if token in gaps]
    total = len(training)
    if not blocked:
        return _("robots.txt blocks none of the {total} AI training agents we know.").format(
            total=total
        )
    if not opened:
        return _("robots.txt blocks all {total} AI training agents we know.").format(total=total)
    return _(
        "robots.txt blocks {blocked} of {total} training agents ({names}); open: {open}."
    ).format(
        blocked=len(blocked),
        total=total,
        names=_names(blocked, tr),
        open=_names(opened, tr),
    )


def _contributions(report: SiteReport) -> list[tuple[str, str, str, list[str]]]:
    """(mechanism, effect, detail, uses) with the uses each contribution bears on."""
    grouped: dict[tuple[str, str, str], list[str]] = {}
    for use, verdict in report["verdicts"].items():
        for c in verdict["contributions"]:
            if c["mechanism"] == "robots.txt" and use == "train":
                continue  # robots_line says it, with the agents left open
            uses = grouped.setdefault((c["mechanism"], c["effect"], c["detail"] or ""), [])
            if use not in uses:
                uses.append(use)
    order = list(USES)
    return [
        (m, e, d, sorted(uses, key=lambda u: order.index(u) if u in order else len(order)))
        for (m, e, d), uses in grouped.items()
    ]


def _section(title: str, lines: Sequence[RenderableType]) -> Group:
    return Group(
        Text(title, style="bold underline"), Padding(Group(*lines), (0, 0, 1, 2), expand=False)
    )


def _verdict_table(report: SiteReport, tr: Translator) -> Table:
    _ = tr.gettext
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True)
    table.add_column()
    for use in USES:
        verdict = report["verdicts"].get(use)
        if verdict is None:
            continue
        word, style = state_word(verdict["state"], tr)
        how = ", ".join(verdict["mechanisms"])
        if verdict["conflict"]:
            how += _(" (the signals contradict each other)")
        words = verdict.get("state_counting_words")
        if words and words != verdict["state"]:
            said, _style = state_word(words, tr)
            only = _("in words only: {state} (not counted)").format(state=said)
            how = "; ".join(p for p in (how, only) if p)
        table.add_row(use_label(use, tr), Text(word, style=style), how)
    return table


def _how(report: SiteReport, registry: Registry, tr: Translator) -> list[Text]:
    lines = []
    robots = robots_line(report, registry, tr)
    if robots:
        lines.append(Text("• " + robots))
    for mechanism, effect, detail, uses in _contributions(report):
        scope = ", ".join(_use_object(u, tr) for u in uses)
        lines.append(Text("• " + _effect_line(mechanism, effect, scope, detail, tr)))
    return lines or [Text(tr.gettext("No opt-out signal was found on this site."))]


def _broken(report: SiteReport, tr: Translator) -> list[Text]:
    _ = tr.gettext
    lines = []
    for f in report["findings"]:
        if f["severity"] not in ("error", "warning"):
            continue
        mark, style = severity_mark(f["severity"], tr)
        line = Text(f"{mark}  ", style=f"bold {style}")
        line.append(f["message"])
        where = f["url"] or ""
        if f["line"]:
            where += _(" line {line}").format(line=f["line"])
        if f["evidence"]:
            where += _(": {evidence}").format(evidence=f["evidence"])
        if where:
            line.append(f"\n   {where}", style="dim")
        lines.append(line)
    notes = sum(1 for f in report["findings"] if f["severity"] == "info")
    if notes:
        further = tr.ngettext(
            "({count} further note: see --json)", "({count} further notes: see --json)", notes
        )
        lines.append(Text(further.format(count=notes), style="dim"))
    return lines or [Text(_("Nothing broken found."), style="green")]


def _unknowns(report: SiteReport, allow_private: bool, tr: Translator) -> list[Text]:
    _ = tr.gettext
    reasons: list[str] = []
    for verdict in report["verdicts"].values():
        for reason in verdict["unknown_because"]:
            if reason not in reasons:
                reasons.append(reason)
    robots = report["robots"]
    if robots["state"] not in ("parse", "no-file") and not any(
        r.startswith("robots.txt") for r in reasons
    ):
        if robots["status"]:
            reason = _("robots.txt could not be used ({state}, status {status})")
        else:
            reason = _("robots.txt could not be used ({state})")
        reasons.append(reason.format(state=robots["state"], status=robots["status"]))
    lines = [Text("• " + reason) for reason in reasons]
    errors = {e["error"] for e in report["evidence"]}
    if "private-address" in errors and not allow_private:
        refused = _(
            "Private or loopback addresses were refused: add --allow-private to check a "
            "site on your own network."
        )
        lines.append(Text("• " + refused))
    return lines


def render_report(
    report: SiteReport,
    registry: Registry,
    *,
    allow_private: bool = False,
    tr: Translator | None = None,
) -> Group:
    """The human report on one site: verdict, per use, how, what is broken, what is unknown;
    in ``tr``'s language (English by default)."""
    tr = tr or translator()
    _ = tr.gettext
    train = report["verdicts"]["train"]
    title = Text(report["origin"], style="bold")
    if report.get("name"):
        title.append(f"  ({report['name']})")
    _word, style = state_word(train["state"], tr)
    parts: list[Any] = [
        title,
        Text(_headline(train["state"], tr) + ".", style=f"bold {style}"),
        Padding(Text(told_sentence("train", train, tr)), (0, 0, 1, 2), expand=False),
        _section(_("Per use"), [_verdict_table(report, tr)]),
        _section(_("How"), _how(report, registry, tr)),
        _section(_("What is broken, and how to fix it"), _broken(report, tr)),
    ]
    unknowns = _unknowns(report, allow_private, tr)
    if unknowns:
        parts.append(_section(_("Could not be checked"), unknowns))
    return Group(*parts)


FIX_LINES_SHOWN: Final = 80
"""A suggested robots.txt longer than this is shown as its changes; ``--json`` and the
per-site page give the whole file."""


def render_fixes(fixes: SiteFixes, tr: Translator | None = None) -> Group | None:
    """The fixes to paste (docs/fixes.md): every block when the site's opt-out needs one, a
    pointer when it intends none, nothing when it works. The words around the blocks are in
    ``tr``'s language; the blocks, their titles and notes come from ``audits.fixes``."""
    tr = tr or translator()
    _ = tr.gettext
    if fixes.status == "works":
        return None
    if fixes.status == "optional":
        offered = _("{summary} The lines are offered with --json.")
        return _section(
            _("Fixes to paste"), [Text(offered.format(summary=fixes.summary), style="dim")]
        )
    lines: list[RenderableType] = [Text(fixes.summary)]
    for block in fixes.blocks:
        text = block.text.rstrip("\n")
        heading = Text(f"{block.title} — {block.where}", style="bold")
        if block.key.startswith("robots-") and text.count("\n") >= FIX_LINES_SHOWN:
            robots = fixes.robots if block.key == "robots-fixed" else fixes.robots_block_all
            changed = [
                _("line {line}: {why}").format(line=c.line, why=c.why) for c in robots.changes
            ]
            added = ""
            if robots.added:
                count = len(robots.added)
                added = tr.ngettext(
                    "add one group for {count} agent", "add one group for {count} agents", count
                )
                added = added.format(count=count)
            text = "\n".join([*changed, added]).strip() + "\n" + _("(the whole file: --json)")
        lines += [heading, Padding(Text(text), (0, 0, 0, 2), expand=False)]
        if block.note:
            lines.append(Padding(Text(block.note, style="dim"), (0, 0, 1, 2), expand=False))
    for setting in fixes.builders:
        lines.append(Text(f"{setting.name}: {setting.where}", style="bold"))
        lines.append(
            Padding(
                Text(
                    _("{what} Source: {source}").format(what=setting.what, source=setting.source),
                    style="dim",
                ),
                (0, 0, 1, 2),
                expand=False,
            )
        )
    return _section(_("Fixes to paste"), lines)
