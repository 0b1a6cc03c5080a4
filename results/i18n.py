"""The languages a person can read the results in, and their translations (docs/translating.md).

English is the source: every message is written in English in the code, marked for
extraction (``_("…")``, ``ngettext``, ``pgettext``; ``N_("…")`` for a constant translated
later), and English needs no catalogue. Each other language has one gettext catalogue,
``locale/<lang>/LC_MESSAGES/optout.po``, kept up to date by ``make messages``.

The ``.po`` file is the only form in the repository: it is compiled in memory with Babel the
first time a process asks for its language (a few milliseconds, cached), so there is no
build step and no compiled ``.mo`` that could lag behind its source. Babel is imported only
then: English output never loads it.

What a person asked for is read once, by ``parse_lang`` (an option or ``OPTOUT_LANG``: an
unknown language is an error) or ``lang_from_env`` (the POSIX locale, which only picks a
language we have and otherwise falls back to English), or ``negotiate`` (a browser's
Accept-Language header).
"""

from __future__ import annotations

import gettext
import io
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

LANGUAGES: Final = {"en": "English", "fr": "français"}
"""The languages we write in, by code, each named in itself."""
SOURCE_LANG: Final = "en"
DOMAIN: Final = "optout"
LOCALE_DIR: Final = Path(__file__).parent / "locale"
LANG_ENV: Final = "OPTOUT_LANG"
POSIX_ENV: Final = ("LC_ALL", "LC_MESSAGES", "LANG")
"""The POSIX locale variables that choose the language of messages, the first set winning."""
MAX_ACCEPT_CHARS: Final = 1000
_TAG = re.compile(r"([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*(?:\.[\w-]+)?(?:@\w+)?")


class UnsupportedLanguage(ValueError):
    """A language we have no catalogue for."""

    def __init__(self, text: str) -> None:
        choices = ", ".join(f"{code} ({name})" for code, name in LANGUAGES.items())
        super().__init__(f"{text!r} is not a supported language; choose one of: {choices}")


def _base(text: str) -> str | None:
    """The language code of a tag or a POSIX locale ('fr-CA', 'fr_BE.UTF-8' → 'fr')."""
    match = _TAG.fullmatch(text.strip())
    return match.group(1).lower() if match else None


def parse_lang(text: str) -> str:
    """The language of ``text`` ('fr', 'fr-CA', 'FR_be'…); raises UnsupportedLanguage."""
    base = _base(text)
    if base not in LANGUAGES:
        raise UnsupportedLanguage(text)
    return base


def lang_from_env(environ: Mapping[str, str] | None = None) -> str:
    """The language the environment asks for: ``OPTOUT_LANG`` (an unsupported one raises
    UnsupportedLanguage), else the first POSIX locale variable set (a language we do not
    have, 'C' or 'POSIX' give English), else English."""
    env = os.environ if environ is None else environ
    chosen = env.get(LANG_ENV, "").strip()
    if chosen:
        return parse_lang(chosen)
    for name in POSIX_ENV:
        value = env.get(name, "").strip()
        if value:
            base = _base(value)
            return base if base in LANGUAGES else SOURCE_LANG
    return SOURCE_LANG


def negotiate(accept_language: str | None) -> str:
    """The best of our languages for a browser's Accept-Language header (RFC 9110 §12.5.4);
    English when it names none of them."""
    best, best_q = SOURCE_LANG, 0.0
    for item in (accept_language or "")[:MAX_ACCEPT_CHARS].split(","):
        tag, _, params = item.partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                continue
        base = _base(tag)
        if base in LANGUAGES and q > best_q:  # on equal weights, the one written first
            best, best_q = base, q
    return best


@dataclass(frozen=True)
class Translator:
    """The message functions of one language: call them where the message is written, so
    ``make messages`` finds it (``_ = tr.gettext`` at the top of a function is enough)."""

    lang: str
    gettext: Callable[[str], str]
    ngettext: Callable[[str, str, int], str]
    pgettext: Callable[[str, str], str]


def catalogue_path(lang: str) -> Path:
    """Where the catalogue of ``lang`` is kept."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def _compiled(lang: str) -> gettext.NullTranslations:
    """The catalogue of ``lang`` compiled in memory (fuzzy entries left out, as msgfmt does)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with catalogue_path(lang).open("rb") as po:
        catalog = read_po(po, locale=lang, domain=DOMAIN)
    mo = io.BytesIO()
    write_mo(mo, catalog, use_fuzzy=False)
    mo.seek(0)
    return gettext.GNUTranslations(mo)


@cache
def translator(lang: str = SOURCE_LANG) -> Translator:
    """The message functions of ``lang`` (one of ``LANGUAGES``; raises UnsupportedLanguage)."""
    if lang not in LANGUAGES:
        raise UnsupportedLanguage(lang)
    found = gettext.NullTranslations() if lang == SOURCE_LANG else _compiled(lang)
    return Translator(lang, found.gettext, found.ngettext, found.pgettext)


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it now (a table of constants);
    the name is the one gettext's tools look for."""
    return message
