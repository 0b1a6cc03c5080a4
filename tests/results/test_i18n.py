"""The language a person asked for (results/i18n.py), and the verdict sentence told again in it
(results/report.py ``told_sentence``)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from results.i18n import (
    UnsupportedLanguage,
    lang_from_env,
    negotiate,
    parse_lang,
    translator,
)
from results.report import USE_WORDS, told_sentence, use_words
from tests.conftest import FIXTURES


@pytest.mark.parametrize(
    ("text", "lang"),
    [("fr", "fr"), ("FR", "fr"), ("fr-CA", "fr"), ("fr_BE.UTF-8", "fr"), ("en-GB", "en")],
)
def test_a_language_is_read_from_its_tag(text: str, lang: str) -> None:
    assert parse_lang(text) == lang


@pytest.mark.parametrize("text", ["de", "", "C", "français", "fr-", "x" * 300])
def test_an_unsupported_language_is_an_error_listing_ours(text: str) -> None:
    with pytest.raises(
        UnsupportedLanguage, match=r"choose one of: en \(English\), fr \(français\)"
    ):
        parse_lang(text)


@pytest.mark.parametrize(
    ("environ", "lang"),
    [
        ({}, "en"),
        ({"LANG": "fr_FR.UTF-8"}, "fr"),
        ({"LANG": "de_DE.UTF-8"}, "en"),  # a locale we do not have: English, no error
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LC_MESSAGES": "fr_CH.UTF-8", "LANG": "en_US.UTF-8"}, "fr"),
        ({"LC_ALL": "en_US.UTF-8", "LC_MESSAGES": "fr_FR.UTF-8"}, "en"),
        ({"LC_ALL": "", "LANG": "fr_CA.UTF-8"}, "fr"),  # empty is unset
        ({"OPTOUT_LANG": "fr", "LC_ALL": "en_US.UTF-8"}, "fr"),
        ({"OPTOUT_LANG": "en", "LANG": "fr_FR.UTF-8"}, "en"),
    ],
)
def test_the_environment_chooses_the_language(environ: dict[str, str], lang: str) -> None:
    assert lang_from_env(environ) == lang


def test_optout_lang_naming_a_language_we_lack_is_an_error() -> None:
    with pytest.raises(UnsupportedLanguage, match="'de' is not a supported language"):
        lang_from_env({"OPTOUT_LANG": "de", "LANG": "fr_FR.UTF-8"})


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7", "fr"),
        ("de-DE,fr;q=0.8,en;q=0.5", "fr"),
        ("en-US,en;q=0.9,fr;q=0.8", "en"),
        ("fr-CA", "fr"),
        ("en;q=0.5, fr;q=0.5", "en"),  # equal weights: the first written
        ("fr;q=0", "en"),  # q=0: not acceptable
        ("fr;q=abc", "en"),
        ("de, *", "en"),
        ("", "en"),
        (None, "en"),
        ("x" * 5000 + ",fr", "en"),  # read up to a bound
    ],
)
def test_a_browser_gets_its_best_language(header: str | None, lang: str) -> None:
    assert negotiate(header) == lang


def test_english_needs_no_catalogue_and_french_has_one() -> None:
    assert translator("en").gettext("Per use") == "Per use"
    assert translator("fr").gettext("Per use") == "Par usage"
    assert translator("fr") is translator("fr")  # compiled once per process
    with pytest.raises(UnsupportedLanguage):
        translator("de")


def test_french_plurals_count_zero_and_one_as_one() -> None:
    tr = translator("fr")
    forms = [
        tr.ngettext("{count} fetch.", "{count} fetches.", n).format(count=n) for n in (0, 1, 2)
    ]
    assert forms == ["0 requête.", "1 requête.", "2 requêtes."]


def _verdicts() -> list[tuple[str, Any]]:
    sites = json.loads((FIXTURES / "export" / "export.full.json").read_text())["sites"]
    return [(use, verdict) for site in sites for use, verdict in site["verdicts"].items()]


def test_the_golden_export_has_every_state() -> None:
    states = {verdict["state"] for _, verdict in _verdicts()}
    assert states == {"reserved", "partial", "allowed", "unstated", "unknown"}


@pytest.mark.parametrize(("use", "verdict"), _verdicts())
def test_the_sentence_told_in_english_is_the_stored_one(use: str, verdict: Any) -> None:
    assert told_sentence(use, verdict, translator("en")) == verdict["sentence"]


@pytest.mark.parametrize(("use", "verdict"), _verdicts())
def test_the_sentence_told_in_french_keeps_the_audits_details(use: str, verdict: Any) -> None:
    french = told_sentence(use, verdict, translator("fr"))
    assert french != verdict["sentence"]
    assert use_words(use, translator("fr")) in french
    for contribution in verdict["contributions"]:
        if contribution["effect"] != "allowed":
            assert f"({contribution['detail']})" in french
    for reason in verdict["unknown_because"]:
        assert reason in french


def test_the_stored_use_words_stay_english() -> None:
    assert USE_WORDS == {
        "train": "AI training",
        "ai-use": "use in AI answers",
        "search": "search indexing",
        "tdm": "text and data mining",
    }
    assert use_words("tdm", translator("fr")) == "la fouille de textes et de données"
