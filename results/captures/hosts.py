"""Which hosts a site's captures are asked under: its own, and its ``www.`` twin.

A site at ``example.com`` is often captured as ``www.example.com`` (and the reverse): the
crawler followed a link written the other way, or the server redirects one to the other. Both
are the same site unless the database audits the twin as a site of its own.

Common Crawl's index and pywb key captures by SURT, which drops a leading ``www``, ``www2``…
label: there a query for ``example.com/*`` also answers ``www.example.com``'s captures, and a
query for the twin would repeat them. An index keyed otherwise answers each host alone. So the
twin is asked only until an answer shows the server folds them (``folded``), and every capture
is kept under the host its URL names.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Final
from urllib.parse import urlsplit

WWW: Final = "www."
_FOLDED_LABEL: Final = re.compile(r"^www\d*\.")
"""The leading label a SURT key drops (surt's host massage)."""


class SiteAddressError(ValueError):
    """Not a site address; one line."""


def site_host(origin: str) -> tuple[str, int | None]:
    """The site's host (lower case) and port; SiteAddressError for what is not a site."""
    try:
        parts = urlsplit(origin.strip() if "//" in origin else f"http://{origin.strip()}")
        host, port = parts.hostname, parts.port  # a bad port is a ValueError
    except ValueError:
        host = port = None
    if not host or any(c.isspace() for c in host):
        raise SiteAddressError(f"{origin!r} is not a site address (http://example.com)")
    return host, port


def host_pattern(host: str, port: int | None) -> str:
    """The index query for every capture under ``host``: the host (and port) then ``/*``."""
    if ":" in host:
        host = f"[{host}]"
    return f"{host}:{port}/*" if port else f"{host}/*"


def twin_host(host: str) -> str | None:
    """``www.example.com`` for ``example.com`` and the reverse; None for an IP address, a
    name without a dot (``localhost``) or a ``www.`` on a bare suffix (``www.com``)."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return None
    if host.startswith(WWW):
        bare = host[len(WWW) :]
        return bare if "." in bare else None
    return WWW + host if "." in host else None


def url_host(url: str) -> str | None:
    """The host a captured URL names (lower case); None when it names none."""
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def folded(host: str) -> str:
    """The host as a SURT key sees it: without a leading ``www``/``www2``… label."""
    return _FOLDED_LABEL.sub("", host)
