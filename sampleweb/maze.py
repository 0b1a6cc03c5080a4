"""Decoy pages for a ``maze`` route: what some CDNs show AI crawlers instead of the real site.

Each page is made from its path alone (the same path always gives the same page): a title and
a few paragraphs of plausible, useless prose about craft materials, and links hidden from
people (``display:none``, ``rel="nofollow"``) to further pages under the maze's folder. A
visitor never sees the links; a crawler that follows them walks a maze that never ends.
"""

from __future__ import annotations

import hashlib
import html
import random

_SUBJECTS = (
    "linseed oil grounds",
    "rag paper sizing",
    "cold-pressed watercolour blocks",
    "walnut ink",
    "gesso on birch panel",
    "bone folders",
    "kiln shelf wash",
    "copper etching plates",
    "gum arabic",
    "hog-bristle brushes",
    "lightfast pigments",
    "drying racks",
)
_CLAIMS = (
    "Most workshops keep {a} away from direct heat, although opinions differ on why.",
    "A common rule of thumb pairs {a} with {b}, mainly out of habit.",
    "Records from older studios mention {a} only in passing, usually beside {b}.",
    "Some makers test {a} on an offcut first; others trust the supplier's sheet.",
    "The cost of {a} has changed less over the years than the cost of {b}.",
    "Storage advice for {a} tends to repeat whatever the label on {b} says.",
    "Beginners often confuse {a} with {b}, which rarely matters in practice.",
    "There is no single correct way to clean up after working with {a}.",
    "Humidity affects {a} more than most people expect, and {b} less.",
    "Catalogues list {a} under several names, none of them official.",
)
_OPENERS = ("Notes on", "A short guide to", "Questions about", "Working with", "Caring for")

_STYLE = "body { font-family: sans-serif; margin: 0 auto; max-width: 44rem; padding: 0 1rem; }"


def maze_page(host: str, path: str, folder: str, links: int) -> bytes:
    """The decoy page at ``path``: its title, prose and hidden links follow from the path."""
    seed = hashlib.sha256(f"{host}{path}".encode()).digest()
    subject = _SUBJECTS[seed[0] % len(_SUBJECTS)]
    title = f"{_OPENERS[seed[1] % len(_OPENERS)]} {subject}"
    pick = random.Random(seed)  # seeded from the path: the same page every time
    others = [s for s in _SUBJECTS if s != subject]
    claims = [c.format(a=subject, b=pick.choice(others)) for c in pick.sample(_CLAIMS, 6)]
    paragraphs = [" ".join(claims[:3]), " ".join(claims[3:])]
    hrefs = [
        f"{folder}{hashlib.sha256(seed + bytes([n])).hexdigest()[:10]}.html" for n in range(links)
    ]
    prose = "".join(f"<p>{html.escape(p)}</p>\n" for p in paragraphs)
    hidden = "".join(
        f'  <a rel="nofollow" href="{html.escape(href)}">{html.escape(subject)} {n + 1}</a>\n'
        for n, href in enumerate(hrefs)
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n"
        '<meta name="robots" content="noindex, nofollow">\n'
        f"<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"<main>\n<h1>{html.escape(title)}</h1>\n{prose}</main>\n"
        f'<div style="display:none" aria-hidden="true">\n{hidden}</div>\n'
        "</body>\n</html>\n"
    ).encode()
