"""One package per opt-out signal, and the registry the site audit runs them from.

Each package parses its own evidence (a tiny public surface, private ``_`` helpers) and
exposes its face to the audit in ``signal.py``: a :class:`audits.core.signal.Signal` that
says which fetch kinds it reads, which finding codes it declares, which other readings it
needs, and what it contributes per use. Signals carried inside another's evidence have their
face beside the reading they use: the lines of robots.txt in ``robots/signal.py``, the
page-carried signals (directives, Content-Usage header, TDMRep layers) in
``pages/signal.py``; their parsers stay in their own packages.

``SIGNALS`` is the audit's order: readings are made, findings reported and contributions
collected in this order, so a verdict lists its mechanisms in it too. A signal that needs
another's reading to *read* comes after it. Adding a signal: docs/adding-a-signal.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from audits.core.signal import Signal

    SIGNALS: tuple[Signal[Any], ...]


def _registry() -> tuple[Signal[Any], ...]:
    # Imported when the registry is first asked for, not with the package: a command that
    # reads one signal's file (``optout explain robots``) need not load every other signal.
    from audits.signals.aitxt.signal import AITXT
    from audits.signals.botwall.signal import BOT_WALLS
    from audits.signals.builders.signal import BUILDERS
    from audits.signals.http_equiv.signal import HTTP_EQUIV
    from audits.signals.images.signal import IMAGES
    from audits.signals.llms_txt.signal import LLMS_TXT
    from audits.signals.pages.signal import CONTENT_USAGE_HEADER, DIRECTIVES, PAGES, TDMREP
    from audits.signals.probes.signal import PROBES
    from audits.signals.robots.signal import (
        AI_TRAINING_LINES,
        CONTENT_SIGNAL,
        CONTENT_USAGE_LINES,
        ROBOTS,
    )
    from audits.signals.rsl.signal import RSL
    from audits.signals.words.signal import WORDS

    return (
        BOT_WALLS,  # declares the wall codes; each reader below reports the wall it met
        ROBOTS,  # robots.txt: access, parse, per-agent verdicts
        CONTENT_SIGNAL,  # Content-Signal lines (in ROBOTS's reading)
        CONTENT_USAGE_LINES,  # aipref Content-Usage lines (in ROBOTS's reading)
        AI_TRAINING_LINES,  # draft DisallowAITraining lines (in ROBOTS's reading)
        AITXT,  # /ai.txt
        TDMREP,  # tdmrep.json, layered with each page's TDM headers and meta (PAGES)
        LLMS_TXT,  # /llms.txt: findings only
        PAGES,  # every sampled page and image, read once for the page-level signals
        DIRECTIVES,  # noai, noimageai, noarchive, noindex (PAGES)
        CONTENT_USAGE_HEADER,  # aipref Content-Usage header (PAGES)
        HTTP_EQUIV,  # opt-out headers written as <meta http-equiv>: findings only
        RSL,  # RSL licence documents
        IMAGES,  # embedded image metadata
        WORDS,  # reservations written in words (pages, footers, image rights text): not counted
        BUILDERS,  # the site builder and its AI toggle (ROBOTS, PAGES)
        PROBES,  # what the edge does to AI agents' User-Agents, against robots.txt (ROBOTS)
    )


def __getattr__(name: str) -> Any:
    if name == "SIGNALS":
        globals()["SIGNALS"] = signals = _registry()
        return signals
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
