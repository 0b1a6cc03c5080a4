"""What other robots.txt readers would answer: Protego (Scrapy's default) and Google's
reference matcher (through the ``robotstxt`` binding of the ``fast-robotstxt`` package).

Site owners need to know when real crawlers read their file otherwise than RFC 9309.
Both readers are optional at run time: when one is missing, its answer is ``None``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from protego import Protego

if TYPE_CHECKING:
    from audits.robots import RobotsTxt

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
