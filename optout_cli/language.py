"""``--lang``: the language a command writes its report in (``results.i18n``). Light to import:
it loads no catalogue, so ``--help`` stays fast."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from results.i18n import LANG_ENV, LANGUAGES, UnsupportedLanguage, lang_from_env, parse_lang

F = TypeVar("F", bound=Callable[..., Any])


def _resolve(ctx: click.Context, param: click.Parameter, value: str | None) -> str:
    try:
        if value is not None:
            return parse_lang(value)
    except UnsupportedLanguage as err:
        raise click.BadParameter(str(err), ctx=ctx, param=param) from None
    try:
        return lang_from_env()
    except UnsupportedLanguage as err:
        raise click.UsageError(f"{LANG_ENV}: {err}", ctx=ctx) from None


def lang_option() -> Callable[[F], F]:
    """``--lang CODE``, passed to the command as ``lang`` (always one of ``LANGUAGES``)."""
    codes = ", ".join(LANGUAGES)
    return click.option(
        "--lang",
        metavar="CODE",
        callback=_resolve,
        help=f"Language of the report ({codes}; 'fr-CA' and the like are read as 'fr')."
        f" Default: ${LANG_ENV}, else the locale (LC_ALL, LC_MESSAGES, LANG), else English."
        " JSON output is the same in every language.",
    )
