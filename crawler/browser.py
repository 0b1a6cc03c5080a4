"""Finding the system Chromium for rendering (Playwright cannot download its own here)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

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


# Chromium listens on a Unix socket at <TMPDIR>/.org.chromium.Chromium.XXXXXX/SingletonSocket,
# and a socket path holds at most 107 bytes (sun_path): under a long TMPDIR the browser dies at
# start ("Target page, context or browser has been closed"). 45 bytes are Chromium's own.
_MAX_TMPDIR = 60
_SHORT_TMPDIRS = ("/tmp", "/var/tmp", "/dev/shm")


def chromium_env() -> dict[str, str] | None:
    """The environment to start Chromium in when TMPDIR is too long for its socket (ours with
    a short TMPDIR); None when ours will do."""
    if len(tempfile.gettempdir()) <= _MAX_TMPDIR:
        return None
    for folder in _SHORT_TMPDIRS:
        if os.path.isdir(folder) and os.access(folder, os.W_OK | os.X_OK):
            return {**os.environ, "TMPDIR": folder}
    return None


def chromium_launch_options() -> dict[str, Any]:
    """Playwright's launch options for the system Chromium (crawl rendering and tests alike)."""
    options: dict[str, Any] = {
        "executable_path": find_chromium(),
        "headless": True,
        "args": CHROMIUM_FLAGS,
    }
    env = chromium_env()
    if env is not None:
        options["env"] = env
    return options
