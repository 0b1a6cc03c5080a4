"""pywb for the tests, from its own venv (``make pywb``; ``.venv-pywb`` beside ``.venv``).

pywb pins redis 2, which would break the project's Redis queue, so it never goes into the
project's venv. ``make test`` (and ``.ci/run``) create ``.venv-pywb``; a test that needs it and
finds it missing creates it the same way (one ``pip install``, from the package registry).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv-pywb"
PACKAGES = ("pywb==2.10.0", "cdxj-indexer>=1.4,<2")


def pywb_bin(name: str) -> Path:
    """A command of pywb's venv (``wayback``, ``cdx-server``, ``wb-manager``, ``cdxj-indexer``),
    creating the venv first when it is missing."""
    marker = VENV / ".installed"
    if not marker.exists():
        if not (VENV / "bin" / "python").exists():
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [str(VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", *PACKAGES],
            check=True,
            timeout=900,
        )
        marker.touch()
    command = VENV / "bin" / name
    if not command.exists():
        raise FileNotFoundError(f"{command} is missing: run `make pywb`")
    return command
