"""What other robots.txt readers would answer: Protego (Scrapy's default) and Google's
reference matcher (through the ``robotstxt`` binding of the ``fast-robotstxt`` package).

Site owners need to know when real crawlers read their file otherwise than RFC 9309.
Both readers are optional at run time: when one is missing, its answer is ``None``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from protego import Protego

if TYPE_CHECKING:
    from audits.signals.robots import RobotsTxt

log = logging.getLogger(__name__)

try:
    from robotstxt import RobotsMatcher
except ImportError:  # pragma: no cover - optional
    RobotsMatcher = None

_PLACEHOLDER_ORIGIN = "http://robots.invalid"


def build_protego(text: str) -> Any:
    """Parse once with Protego; ``None`` when Protego is missing or fails on the file."""
    try:
        return Protego.parse(text)
    except Exception:  # noqa: BLE001 - a third-party parser failing must not stop an audit
        log.debug("protego failed to parse a robots.txt", exc_info=True)
        return None


def _as_url(url_or_path: str) -> str:
    if "://" in url_or_path:
        return url_or_path
    path = url_or_path if url_or_path.startswith("/") else "/" + url_or_path
    return _PLACEHOLDER_ORIGIN + path


def protego_allowed(parser: Any, agent: str, url_or_path: str) -> bool | None:
    """Protego's answer for one agent and URL."""
    if parser is None:
        return None
    try:
        return bool(parser.can_fetch(_as_url(url_or_path), agent))
    except Exception:  # noqa: BLE001
        return None


def google_allowed(text: str, agent: str, url_or_path: str) -> bool | None:
    """Google's reference matcher's answer for one agent and URL."""
    if RobotsMatcher is None:
        return None
    try:
        return bool(RobotsMatcher().is_allowed(text, agent, _as_url(url_or_path)))
    except Exception:  # noqa: BLE001
        return None


def google_may_differ(robots: RobotsTxt) -> bool:
    """Whether the file uses a construct Google's parser reads otherwise than RFC 9309.

    Google's matcher re-parses the whole file on every question, so it is asked only
    for files with one of its documented differences (robots.cc): keys read by prefix
    (``DisallowAITraining`` read as ``Disallow``), the ``index.html`` allowance,
    Content-Usage rules (an unknown key for Google, so they do not close a group), and
    bytes that are not valid UTF-8.
    """
    if robots.decode_errors or robots.encoding != "utf-8":
        return True
    for line in robots.lines:
        if line.prefix_key_of is not None or line.key in (
            "content-usage",
            "disallow-ai-training",
            "allow-ai-training",
        ):
            return True
    return any(
        rule.allow and rule.pattern.raw.rstrip("$").endswith(("/index.htm", "/index.html"))
        for group in robots.groups
        for rule in group.rules
    )


def differences(
    robots: RobotsTxt,
    agents: Sequence[str],
    urls: Sequence[str],
    paths: Sequence[str],
) -> dict[tuple[str, str], tuple[bool | None, bool | None]]:
    """Where Protego or Google answer otherwise than ``robots``, per (agent, normalised path).

    Each reader is asked once per class of agents it cannot tell apart (see
    ``RobotsTxt.table``); the answer of a class's first agent stands for the class.
    """
    singled_out = _protego_name_matcher(robots)
    ask_google = robots._google_may_differ
    # Agents the readers cannot tell apart share one answer: the class key is the agent
    # itself when a reader could single it out, else "" (the default class).
    classes: dict[tuple[str, str, int], list[str]] = {}
    for agent in agents:
        folded = agent.casefold()
        matched, groups = robots.groups_for(agent)
        protego_class = folded if singled_out(folded) else ""
        google_class = folded if matched == "explicit" else ""
        classes.setdefault((protego_class, google_class, id(groups)), []).append(agent)
    out: dict[tuple[str, str], tuple[bool | None, bool | None]] = {}
    for members in classes.values():
        agent = members[0]
        groups = robots.groups_for(agent)[1]
        for url, path in zip(urls, paths, strict=True):
            ours = robots._decide(groups, path)[0]
            theirs_p = protego_allowed(robots._protego, agent, url)
            theirs_g = google_allowed(robots.text, agent, url) if ask_google else None
            diff = (
                theirs_p if theirs_p is not None and theirs_p != ours else None,
                theirs_g if theirs_g is not None and theirs_g != ours else None,
            )
            if diff != (None, None):
                out.update(((member, path), diff) for member in members)
    return out


def _protego_name_matcher(robots: RobotsTxt) -> Callable[[str], bool]:
    """Whether Protego could match some group name inside a token: a name found where no
    letter, digit, '-' or '_' precedes it (protego's ``_RuleSet.applies_to``). Every
    spelling of a name a substring matcher could hold is included, so it errs towards
    asking Protego."""
    names: set[str] = set()
    for group in robots.groups:
        for line in group.agents:
            if not line.is_global:
                raw = line.raw.casefold().strip()
                names.update(n for n in (raw, raw.replace("*", ""), line.token.casefold()) if n)
    if not names:
        return lambda token: False
    alternation = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    search = re.compile(rf"(?<![\w-])(?:{alternation})").search
    return lambda token: search(token) is not None
