"""Bot walls as a signal: challenge pages, blocks and rate limits that stand where a policy
file or page should be. A wall is reported by the reader whose evidence it hid (robots.txt,
a policy file, a page), so each finding points at that fetch and each verdict says the
evidence is missing; this entry declares the codes and the fetches a wall can answer."""

from __future__ import annotations

from audits.core.signal import Signal, SiteContext
from audits.signals import botwall


class BotWallSignal(Signal[None]):
    """Bot-protection answers (Cloudflare, Akamai, DataDome, …) on any fetch."""

    name = "bot walls"
    fetch_kinds = ("robots", "aitxt", "tdmrep", "llms", "home", "page", "image", "license")
    codes = botwall.CODES

    def read(self, site: SiteContext) -> None:
        return None


BOT_WALLS = BotWallSignal()
