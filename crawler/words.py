"""Counted nouns for messages: "1 site", "2 sites", never "1 sites"."""

from __future__ import annotations


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and the noun in the number it needs (``plural``: when adding "s" is wrong)."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"
