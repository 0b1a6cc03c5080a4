"""The site's own robots.txt with its AI opt-out made to work, changed as little as it can be.

Every line of the file stays where it was, as written, except three kinds, each recorded as a
:class:`LineChange`:

- a misspelt agent token the audit flags (``robots-token-typo``) is replaced by the token it
  suggests, in place, so the group keeps its rules;
- a target agent named in a group it shares with agents the fix must not change (``*``,
  Googlebot, a search agent) has its ``User-agent`` line commented out there and joins the
  new group: RFC 9309 §2.2.1 merges every group naming an agent, so adding it to a second
  group would leave that group's ``Allow`` lines in force for it, and readers that take the
  first group only (Python's urllib.robotparser) would never see the second;
- a group that names only target agents gets ``Disallow: /`` after its ``User-agent`` lines,
  and an ``Allow`` line of such a group that still opens ``/`` to them is commented out.

The agents left open after that are added as ONE group at the end of the file. A file whose
last group has no rule yet gets an empty ``Disallow:`` (which matches nothing) first, so that
the new group's ``User-agent`` lines do not join it.

Pure: a function from the parsed file, its findings and the registry to a frozen result.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from audits.core.agents import Agent, Registry
from audits.core.findings import Finding
from audits.signals.robots import Group, RobotsTxt, parse_robots
from audits.signals.robots.audit import named_blocks
from audits.signals.words.advice import robots_group

Variant = Literal["fixed", "block-all"]
Mode = Literal["patch", "unchanged", "new-file", "unreadable"]

TYPO_CODE = "robots-token-typo"
_LINE_SPLIT = re.compile(r"\r\n|\r|\n")
_MAX_ROUNDS = 64
"""Bound on the re-check rounds that comment out ``Allow`` lines still opening ``/``."""


@dataclass(frozen=True)
class LineChange:
    """One line of the original file changed, or a line inserted after it (``before`` None)."""

    line: int
    """1-based line number in the original file (the line inserted lines follow; 0 for lines
    put before the first)."""
    before: str | None
    after: tuple[str, ...]
    why: str


@dataclass(frozen=True)
class RobotsFix:
    """One suggested robots.txt: the text to paste and what it claims."""

    variant: Variant
    mode: Mode
    """``patch``: the site's file changed; ``unchanged``: nothing to change; ``new-file``:
    the site has no robots.txt, this is the whole file; ``unreadable``: the site's file could
    not be read, this is a complete file to merge with it."""
    text: str
    original: str | None
    diff: str
    """A unified diff from the original to ``text``; empty when unchanged or no original."""
    changes: tuple[LineChange, ...]
    added: tuple[str, ...]
    """Tokens of the group added at the end."""
    blocked: tuple[str, ...]
    """Every token this file claims to disallow at ``/`` (the variant's targets)."""
    note: str
    kept_open: tuple[str, ...] = ()
    """``Allow`` lines kept that still open some path (not ``/``) to a target agent: the site
    wrote them for these agents, so the fix leaves them; they make the reservation partial."""


def targets_for(variant: Variant, registry: Registry) -> tuple[Agent, ...]:
    """The agents a variant disallows: current training and control agents (``fixed``), or
    every training, control, search and user-action agent, legacy tokens included
    (``block-all``)."""
    if variant == "fixed":
        return registry.training_agents()
    return tuple(a for a in registry.agents if a.purpose in ("train", "control", "search", "user"))


def _owned(variant: Variant, registry: Registry) -> frozenset[str]:
    """Case-folded spellings a group may name and still count as holding only targets: the
    targets, and for ``fixed`` the retired training tokens too (blocking them changes nothing
    a current crawler reads)."""
    agents = targets_for(variant, registry)
    if variant == "fixed":
        agents += tuple(
            a for a in registry.agents if a.legacy and a.purpose in ("train", "control")
        )
    return frozenset(s.casefold() for a in agents for s in (a.token, *a.spellings))


def new_file(variant: Variant, registry: Registry, *, reason: str | None) -> RobotsFix:
    """A whole robots.txt for a site without one (``reason`` None) or whose file could not be
    read (``reason`` says why)."""
    targets = targets_for(variant, registry)
    tokens = tuple(a.token for a in targets)
    text = "\n".join([_header(variant, registry), *robots_group(registry, tokens)]) + "\n"
    if reason is None:
        return RobotsFix(variant, "new-file", text, None, "", (), tokens, tokens, _NO_FILE)
    note = (
        f"robots.txt could not be read ({reason}), so this is a complete file, not a patch: "
        "merge its group into the file the server has rather than replacing that file."
    )
    return RobotsFix(variant, "unreadable", text, None, "", (), tokens, tokens, note)


_NO_FILE = (
    "The site has no robots.txt: this is the whole file. Every other crawler stays allowed, "
    "as it is now."
)


def patch_robots(
    robots: RobotsTxt, findings: Sequence[Finding], registry: Registry, variant: Variant
) -> RobotsFix:
    """The site's robots.txt with typos fixed and every target agent disallowed at ``/``."""
    lines = _LINE_SPLIT.split(robots.text)
    edit = _Editor(lines)
    _fix_typos(edit, robots, findings)
    targets = targets_for(variant, registry)
    owned = _owned(variant, registry)
    current = parse_robots(edit.text())
    open_agents = [a for a in targets if not _blocked(current, a)]
    to_add: list[str] = []
    closed: set[int] = set()
    for agent in open_agents:
        groups = _naming(current, agent)
        mine = [g for g in groups if _only_owned(g, owned)]
        for group in groups:
            if group in mine:
                if group.index not in closed:
                    closed.add(group.index)
                    edit.insert_after(
                        group.agents[-1].line,
                        "Disallow: /",
                        "closes this group of AI crawlers to the whole site",
                    )
            else:
                for line in group.agents:
                    if _names(line.raw, line.token, agent):
                        edit.comment_out(
                            line.line,
                            f"{agent.token} shares this group with other agents: it moves "
                            "to the AI crawler group at the end, so theirs stay as they are",
                        )
        if not mine:
            to_add.append(agent.token)
    _reopen_guard(edit, targets, owned)
    too_long = robots.truncated
    if to_add:
        _append_group(edit, variant, registry, to_add)
        too_long = too_long or parse_robots(edit.text()).truncated
        if too_long:
            edit.drop_appended()
            edit.prepend(
                [_header(variant, registry), *robots_group(registry, to_add), ""],
                f"one group for the {len(to_add)} agents no group disallowed, first: crawlers "
                "stop reading a robots.txt after 500 KiB",
            )
    text = edit.text()
    changes = edit.changes()
    if not changes:
        return RobotsFix(
            variant, "unchanged", robots.text, robots.text, "", (), (), _tokens(targets), _DONE
        )
    diff = "".join(
        difflib.unified_diff(
            [f"{line}\n" for line in file_lines(robots.text)],
            [f"{line}\n" for line in file_lines(text)],
            "robots.txt (now)",
            "robots.txt (fixed)",
        )
    )
    kept = _kept_open(parse_robots(text), targets)
    note = (_PATCHED + _TOO_LONG if too_long else _PATCHED) + (
        f" Kept as the site wrote them, these Allow lines still open some paths to these "
        f"agents: {', '.join(kept)}."
        if kept
        else ""
    )
    return RobotsFix(
        variant,
        "patch",
        text,
        robots.text,
        diff,
        changes,
        tuple(to_add),
        _tokens(targets),
        note,
        kept,
    )


def _kept_open(robots: RobotsTxt, targets: Sequence[Agent]) -> tuple[str, ...]:
    found: dict[int, str] = {}
    for agent in targets:
        for group in robots.groups_for(agent.token)[1]:
            found.update((r.line, r.text.strip()) for r in group.rules if r.allow and r.pattern.raw)
    return tuple(text for _, text in sorted(found.items()))


_DONE = "robots.txt already disallows every one of these agents at /: nothing to change."
_TOO_LONG = (
    " The file is longer than the 500 KiB crawlers read (RFC 9309 §2.5): only the part they "
    "read is shown, and the added group comes first. Shortening the file is the better fix."
)
_PATCHED = (
    "Every line of the current file is kept as written, except the lines listed as changed; "
    "replace the file with this text."
)


def file_lines(text: str) -> list[str]:
    """The lines of a robots.txt as its parser numbers them, without the empty piece a final
    line break leaves."""
    lines = _LINE_SPLIT.split(text)
    return lines[:-1] if len(lines) > 1 and lines[-1] == "" else lines


def _tokens(agents: Sequence[Agent]) -> tuple[str, ...]:
    return tuple(a.token for a in agents)


def _header(variant: Variant, registry: Registry) -> str:
    what = (
        "AI training crawlers (search and answer crawlers stay allowed)"
        if variant == "fixed"
        else "every AI crawler: training, AI search and answers, fetches for users"
    )
    return f"# {what}; agent registry {registry.version}"


def _blocked(robots: RobotsTxt, agent: Agent) -> bool:
    """Disallowed at ``/`` as the site verdict counts it: by RFC 9309, or by a group naming
    an RFC-invalid token exactly as its operator writes it."""
    if not robots.verdict(agent.token, "/", compare=False).allowed:
        return True
    return not agent.rfc9309_valid and (agent.token, "/") in named_blocks(robots, [agent], ["/"])


def _names(raw: str, token: str, agent: Agent) -> bool:
    spellings = {s.casefold() for s in (agent.token, *agent.spellings)}
    return raw.casefold() in spellings or (agent.rfc9309_valid and token.casefold() in spellings)


def _naming(robots: RobotsTxt, agent: Agent) -> list[Group]:
    return [g for g in robots.groups if any(_names(a.raw, a.token, agent) for a in g.agents)]


def _only_owned(group: Group, owned: frozenset[str]) -> bool:
    return all(
        not a.is_global and (a.raw.casefold() in owned or a.token.casefold() in owned)
        for a in group.agents
    )


def _fix_typos(edit: _Editor, robots: RobotsTxt, findings: Sequence[Finding]) -> None:
    """Replace each flagged token on its line by the one the finding suggests."""
    for finding in findings:
        if finding.code != TYPO_CODE or not (finding.line and finding.evidence and finding.agent):
            continue
        line = edit.original(finding.line)
        at = line.rfind(finding.evidence)
        if at < 0:
            continue
        fixed = line[:at] + finding.agent + line[at + len(finding.evidence) :]
        edit.replace(
            finding.line, fixed, f"'{finding.evidence}' is not a token; {finding.agent} is meant"
        )


def _reopen_guard(edit: _Editor, targets: Sequence[Agent], owned: frozenset[str]) -> None:
    """Comment out ``Allow`` lines of all-target groups that still open ``/`` to a target
    (``Allow: /`` ties with ``Disallow: /`` and wins, RFC 9309 §2.2.2)."""
    for _ in range(_MAX_ROUNDS):
        robots = parse_robots(edit.text())
        reopened = None
        for agent in targets:
            verdict = robots.verdict(agent.token, "/", compare=False)
            if verdict.allowed and verdict.rule_line is not None:
                groups = robots.groups_for(agent.token)[1]
                if groups and all(_only_owned(g, owned) for g in groups):
                    reopened = verdict.rule_line
                    break
        if reopened is None:
            return
        number = edit.original_number(reopened)
        if number is None or not edit.comment_out(
            number, "this Allow line would reopen / to the AI crawlers of its group"
        ):
            return


def _append_group(edit: _Editor, variant: Variant, registry: Registry, tokens: list[str]) -> None:
    robots = parse_robots(edit.text())
    if robots.groups:
        last = robots.groups[-1]
        if not last.rules and not last.content_usage:
            number = edit.original_number(last.agents[-1].line)
            if number is not None:
                edit.insert_after(
                    number,
                    "Disallow:",
                    "an empty rule (it matches nothing) ends this group, so that the group "
                    "added below does not join it",
                )
    rows = file_lines(edit.text())
    gap = [""] if rows and rows[-1].strip() else []
    edit.append(
        [*gap, _header(variant, registry), *robots_group(registry, tokens)],
        f"one group for the {len(tokens)} agents no group disallowed",
    )


class _Editor:
    """Edits keyed by the original line numbers, so every finding's line number stays valid."""

    def __init__(self, lines: list[str]) -> None:
        self._lines = lines
        self._replaced: dict[int, tuple[str, str]] = {}
        self._inserted: dict[int, list[tuple[str, str]]] = {}
        self._appended: list[tuple[list[str], str]] = []
        self._prepended: list[tuple[list[str], str]] = []

    def original(self, number: int) -> str:
        return self._lines[number - 1] if 0 < number <= len(self._lines) else ""

    def replace(self, number: int, text: str, why: str) -> None:
        if 0 < number <= len(self._lines) and number not in self._replaced:
            self._replaced[number] = (text, why)

    def comment_out(self, number: int, why: str) -> bool:
        current = self._replaced.get(number, (self.original(number), ""))[0]
        if not current or current.lstrip().startswith("#"):
            return False
        self._replaced[number] = (f"# {current}", why)
        return True

    def insert_after(self, number: int, text: str, why: str) -> None:
        self._inserted.setdefault(number, []).append((text, why))

    def append(self, lines: list[str], why: str) -> None:
        self._appended.append((lines, why))

    def drop_appended(self) -> None:
        self._appended.clear()

    def prepend(self, lines: list[str], why: str) -> None:
        self._prepended.append((lines, why))

    def _rows(self) -> list[tuple[str, int | None]]:
        """The edited file's lines with the original line each comes from (None: new)."""
        rows: list[tuple[str, int | None]] = [
            (text, None) for lines, _ in self._prepended for text in lines
        ]
        kept = len(file_lines("\n".join(self._lines)))
        for number, line in enumerate(self._lines[:kept], start=1):
            rows.append((self._replaced.get(number, (line, ""))[0], number))
            rows += ((text, None) for text, _ in self._inserted.get(number, []))
        for lines, _ in self._appended:
            rows += ((text, None) for text in lines)
        return rows

    def text(self) -> str:
        body = "\n".join(text for text, _ in self._rows())
        return body + "\n" if body else body

    def original_number(self, edited_line: int) -> int | None:
        """The original line number of a line of :meth:`text` (None for an added line)."""
        rows = self._rows()
        return rows[edited_line - 1][1] if 0 < edited_line <= len(rows) else None

    def changes(self) -> tuple[LineChange, ...]:
        out = [
            LineChange(n, self.original(n), (text,), why)
            for n, (text, why) in sorted(self._replaced.items())
        ]
        out += (
            LineChange(n, None, (text,), why)
            for n, items in sorted(self._inserted.items())
            for text, why in items
        )
        out += (
            LineChange(len(self._lines), None, tuple(lines), why) for lines, why in self._appended
        )
        out += (LineChange(0, None, tuple(lines), why) for lines, why in self._prepended)
        return tuple(sorted(out, key=lambda c: c.line))
