"""``optout check --lang fr``: the report in French, from a real crawl of the sample web; the
language from ``OPTOUT_LANG`` or the locale; an unknown language refused; JSON the same in
every language."""

from __future__ import annotations

import json

from click.testing import CliRunner

from audits.core.agents import load_registry
from optout_cli.main import cli
from sampleweb.server import SampleWeb
from tests.cli.test_batch_check import ANNA, BEN, _summary, run_batch
from tests.cli.test_check import flat, run_check
from tests.crawler.conftest import sample_web  # noqa: F401

TRAINING_AGENTS = len(load_registry().training_agents())


def test_check_in_french_has_french_headings_and_verdicts(sample_web: SampleWeb) -> None:  # noqa: F811
    result = run_check(sample_web, BEN, "--lang", "fr")
    out = flat(result.stdout)
    assert "Opposition à l'entraînement de l'IA." in out
    assert "Opposition à l'entraînement de l'IA exprimée par robots.txt (" in out
    assert "Par usage entraînement de l'IA opposition robots.txt" in out
    assert "Par quels moyens" in out
    assert "robots.txt bloque les" in out and "agents d'entraînement d'IA" in out
    assert "Ce qui ne fonctionne pas, et comment le corriger" in out
    assert "requêtes." in out
    for english in ("Per use", "Opted out", "What is broken", "fetches"):
        assert english not in out
    assert "Vérification de" not in result.stdout  # the spinner is on stderr, never stdout


def test_check_in_french_names_what_is_broken(sample_web: SampleWeb) -> None:  # noqa: F811
    out = flat(run_check(sample_web, ANNA, "--lang", "fr-CA").stdout)
    assert "Opposition partielle à l'entraînement de l'IA." in out
    assert f"robots.txt bloque 1 sur {TRAINING_AGENTS} agents d'entraînement (CCBot)" in out
    assert "non bloqués" in out
    assert "✗ erreur" in out
    # the finding itself comes from the audit, in English (docs/translating.md)
    assert "'GPT-Bot' is not the token of any known crawler" in out
    assert "http://artist-anna.example/robots.txt ligne 7 : GPT-Bot" in out  # flat: NBSP → " "


def test_optout_lang_chooses_french(sample_web: SampleWeb) -> None:  # noqa: F811
    out = flat(run_check(sample_web, BEN, env={"OPTOUT_LANG": "fr"}).stdout)
    assert "Opposition à l'entraînement de l'IA." in out


def test_the_locale_chooses_french_and_the_option_wins(sample_web: SampleWeb) -> None:  # noqa: F811
    french = {"OPTOUT_LANG": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "fr_FR.UTF-8"}
    assert "Par usage" in run_check(sample_web, BEN, env=french).stdout
    assert "Per use" in run_check(sample_web, BEN, "--lang", "en", env=french).stdout


def test_json_is_the_same_in_every_language(sample_web: SampleWeb) -> None:  # noqa: F811
    english = json.loads(run_check(sample_web, BEN, "--json").stdout)
    french = json.loads(run_check(sample_web, BEN, "--json", "--lang", "fr").stdout)
    assert french["summary"] == english["summary"]
    assert french["summary"].startswith("Opted out of AI training")
    assert french["verdicts"] == english["verdicts"]


def test_several_sites_get_a_french_summary(sample_web: SampleWeb) -> None:  # noqa: F811
    result = run_batch(sample_web, BEN, ANNA, "--lang", "fr")
    assert "Vérification de 2 sites en une seule exploration…" in result.stderr
    summary = flat(_summary(result.stdout))
    assert summary.startswith(
        "Synthèse de 2 sites Site Entraînement de l'IA Mécanismes Constat le plus grave"
    )
    assert f"{BEN} opposition robots.txt" in summary
    assert f"{ANNA} opposition partielle robots.txt" in summary
    assert "✗ erreur :" in summary


def test_an_unsupported_language_is_a_usage_error_listing_ours() -> None:
    result = CliRunner().invoke(cli, ["check", "example.com", "--lang", "de"])
    assert result.exit_code == 2
    assert "Invalid value for '--lang'" in result.output
    assert "'de' is not a supported language; choose one of: en (English), fr (français)" in (
        result.output
    )


def test_optout_lang_naming_a_language_we_lack_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["check", "example.com"], env={"OPTOUT_LANG": "de"})
    assert result.exit_code == 2
    assert "OPTOUT_LANG: 'de' is not a supported language" in result.output


def test_help_shows_the_lang_option() -> None:
    result = CliRunner().invoke(cli, ["check", "--help"])
    assert result.exit_code == 0
    assert "--lang CODE" in result.output
    assert "optout check example.com --lang fr" in result.output
