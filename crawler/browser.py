"""Finding the system Chromium for rendering (Playwright cannot download its own here)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome")
_FALLBACKS = (Path("/usr/bin/chromium"), Path("/usr/lib/chromium/chromium"))

CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
"""Background networking off: the crawl host may have no route to Google's services."""


def find_chromium() -> str | None:
    """The Chromium executable: $OPTOUT_CHROMIUM, then PATH, then Debian's location."""
    configured = os.environ.get("OPTOUT_CHROMIUM")
    if configured and Path(configured).is_file():
        return configured
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return next((str(p) for p in _FALLBACKS if p.is_file()), None)
