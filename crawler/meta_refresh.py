"""``<meta http-equiv="refresh">`` treated as a redirect that keeps the refreshing page.

Scrapy's MetaRefreshMiddleware replaces a refreshing page with its target, so the page's own
meta tags (a creator's ``noai`` or ``tdm-reservation``) were never stored. It is switched off
(``METAREFRESH_ENABLED = False``) and the spider uses this module instead: the refreshing page
is recorded like any page, and its target is requested as one more hop of the same redirect
chain, under the limits of an HTTP redirect (``REDIRECT_MAX_TIMES``, shared with the HTTP
hops before it; http and https only). Which tags count as a refresh is Scrapy's own reading
(``scrapy.utils.response.get_meta_refresh``, the first 4 KiB of the page,
``METAREFRESH_IGNORE_TAGS``, ``METAREFRESH_MAXDELAY``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from scrapy.http import Response, TextResponse
from scrapy.settings import BaseSettings
from scrapy.utils.response import get_meta_refresh

REASON = "meta refresh"
"""What Scrapy itself puts in ``redirect_reasons`` for a refresh."""


@dataclass(frozen=True)
class Hop:
    """A refresh from a page to ``url``.

    ``chain`` is the redirect chain the target's fetch record carries (every URL before it,
    the refreshing page last); ``error`` is None when the hop may be followed, else the error
    class an HTTP redirect would have ended with (``bad-redirect``, ``too-many-redirects``,
    ``redirect-loop``).
    """

    url: str
    chain: tuple[str, ...]
    error: str | None = None
    meta: Mapping[str, Any] | None = None
    """The redirect bookkeeping of the target's request, as RedirectMiddleware keeps it."""

    @property
    def message(self) -> str:
        """A one-line description of why the hop was not followed."""
        reasons = {
            "bad-redirect": f"meta refresh to a location that is not http(s): {self.url[:400]}",
            "too-many-redirects": "meta refresh after the last redirect allowed "
            "(REDIRECT_MAX_TIMES)",
            "redirect-loop": f"meta refresh back to a URL already in the chain: {self.url[:400]}",
        }
        return reasons.get(self.error or "", "")


def refresh_target(response: Response, settings: BaseSettings) -> str | None:
    """The absolute URL a page refreshes to, or None (no refresh, a delay of
    ``METAREFRESH_MAXDELAY`` or more, redirects switched off, or not a text response)."""
    if not isinstance(response, TextResponse) or not settings.getbool("REDIRECT_ENABLED", True):
        return None
    if response.meta.get("dont_redirect"):
        return None
    ignore = settings.getlist("METAREFRESH_IGNORE_TAGS")
    interval, url = get_meta_refresh(response, ignore_tags=ignore)
    if url is None or interval is None:
        return None
    if interval >= settings.getint("METAREFRESH_MAXDELAY", 100):
        return None
    return url


def next_hop(url: str, page_url: str, meta: Mapping[str, Any], max_times: int) -> Hop:
    """Whether a refresh from ``page_url`` (fetched with request ``meta``) to ``url`` is
    followed, by the rules of Scrapy's RedirectMiddleware: the same counter and time-to-live,
    so an HTTP redirect and a refresh count alike."""
    chain = (*meta.get("redirect_urls", ()), page_url)
    if urlsplit(url).scheme not in ("http", "https"):
        return Hop(url, chain, "bad-redirect")
    if url in chain:
        return Hop(url, chain, "redirect-loop")
    ttl = int(meta.get("redirect_ttl", max_times))
    hops = int(meta.get("redirect_times", 0)) + 1
    if not ttl or hops > max_times:
        return Hop(url, chain, "too-many-redirects")
    follow = {
        "redirect_urls": list(chain),
        "redirect_times": hops,
        "redirect_ttl": ttl - 1,
        "redirect_reasons": [*meta.get("redirect_reasons", ()), REASON],
    }
    return Hop(url, chain, meta=follow)
