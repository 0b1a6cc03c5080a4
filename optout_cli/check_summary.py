"""The summary ``optout check`` prints first when it checks several sites: one line per site
with its training verdict, the mechanisms that made it and the worst finding.

A terminal narrower than ``TABLE_MIN_WIDTH`` gets one short block per site instead of a table,
so an origin is never folded into a column a few characters wide.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from rich import box
from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from results.batch_check import SummaryRow, short_message
from results.i18n import N_, Translator, translator

STATE_WORDS: Final = {
    "reserved": (N_("opted out"), "green"),
    "partial": (N_("partly opted out"), "yellow"),
    "allowed": (N_("explicitly allowed"), "cyan"),
    "unstated": (N_("no opt-out found"), "red"),
    "unknown": (N_("unknown"), "magenta"),
}
"""A training verdict's words (English: translate them where they are shown) and colour."""
TABLE_MIN_WIDTH: Final = 72


def headers(tr: Translator) -> tuple[str, str, str, str]:
    """The summary's column titles in ``tr``'s language."""
    pgettext = tr.pgettext
    return (
        pgettext("summary column", "Site"),
        pgettext("summary column", "AI training"),
        pgettext("summary column", "Mechanisms"),
        pgettext("summary column", "Worst finding"),
    )


def state_word(state: str, tr: Translator) -> tuple[str, str]:
    """The words of a verdict's state in ``tr``'s language, and its colour."""
    word, style = STATE_WORDS.get(state, (state, ""))
    return (tr.gettext(word) if state in STATE_WORDS else word), style


def severity_mark(severity: str, tr: Translator) -> tuple[str, str]:
    """'✗ error' or '! warning' in ``tr``'s language, and its colour."""
    if severity == "error":
        return "✗ " + tr.gettext("error"), "red"
    return "! " + tr.gettext("warning"), "yellow"


def _verdict(row: SummaryRow, tr: Translator) -> Text:
    word, style = state_word(row.state, tr)
    text = Text(word, style=style)
    if row.unreachable:
        shown = tr.gettext(": not reachable, {reason}").format(reason=row.unreachable)
        text.append(shown, style="dim")
    elif row.unknown_because:
        text.append(tr.gettext(": {reason}").format(reason=row.unknown_because), style="dim")
    return text


def _worst(row: SummaryRow, tr: Translator) -> Text:
    if row.worst is None:
        return Text(tr.gettext("nothing broken"), style="green")
    mark, style = severity_mark(row.worst["severity"], tr)
    text = Text(tr.gettext("{mark}: ").format(mark=mark), style=f"bold {style}")
    text.append(short_message(row.worst))
    return text


def _mechanisms(row: SummaryRow) -> Text:
    return Text(", ".join(row.mechanisms) or "—")


def render_summary(
    rows: Sequence[SummaryRow], width: int, tr: Translator | None = None
) -> RenderableType:
    """The summary of ``rows``: a table, or one block per site below ``TABLE_MIN_WIDTH``; in
    ``tr``'s language (English by default)."""
    tr = tr or translator()
    count = len(rows)
    title = Text(
        tr.ngettext("Summary of {count} site", "Summary of {count} sites", count).format(
            count=count
        ),
        style="bold underline",
    )
    titles = headers(tr)
    if width < TABLE_MIN_WIDTH:
        blocks: list[RenderableType] = [title]
        for row in rows:
            fields = Table.grid(padding=(0, 1))
            fields.add_column(no_wrap=True, style="dim")
            fields.add_column()
            for label, value in zip(
                titles[1:], (_verdict(row, tr), _mechanisms(row), _worst(row, tr)), strict=True
            ):
                fields.add_row(tr.gettext("{label}:").format(label=label), value)
            blocks += [Text(row.origin, style="bold"), Padding(fields, (0, 0, 0, 2))]
        return Group(*blocks)
    table = Table(*titles, title=title, title_justify="left", box=box.SIMPLE)
    for row in rows:
        table.add_row(Text(row.origin), _verdict(row, tr), _mechanisms(row), _worst(row, tr))
    return table
