"""The AI agent registry (reference/signals.md §2): bundled data, lookups, typo suggestions."""

from __future__ import annotations

import datetime
import importlib.util
import json
import re
import subprocess
import sys
import time
from dataclasses import FrozenInstanceError
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from audits.core.agents import (
    REGISTRY_VERSION,
    Agent,
    Registry,
    load_registry,
    parse_registry,
    registry_version,
    suggest_token,
)
from tests.conftest import FIXTURES, ROOT, SHARED

SOURCE_FIXTURE = FIXTURES / "agents" / "ai-robots-txt.robots.json"
SHARED_SOURCE = SHARED / "data" / "ai-robots-txt.robots.json"
BUNDLED = ROOT / "audits" / "data" / "agents.json"
BUILD_SCRIPT = ROOT / "scripts" / "build_agents.py"
KNOWNAGENTS_CATEGORIES = {
    "AI Agents",
    "AI Assistants",
    "AI Coding Agents",
    "AI Data Providers",
    "AI Data Scrapers",
    "AI Search Crawlers",
    "Undocumented AI Agents",
}


def source(path: Path = SOURCE_FIXTURE) -> dict[str, dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def shared_source() -> dict[str, dict[str, Any]]:
    if not SHARED_SOURCE.exists():
        pytest.skip(f"../shared not present: no {SHARED_SOURCE} in a standalone clone")
    return source(SHARED_SOURCE)


def bundled_entries() -> list[dict[str, Any]]:
    return json.loads(BUNDLED.read_text(encoding="utf-8"))["agents"]  # type: ignore[no-any-return]


def build_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_agents", BUILD_SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def agent(token: str) -> Agent:
    found = load_registry().get(token)
    assert found is not None, token
    return found


def all_spellings() -> set[str]:
    return {s for a in load_registry().agents for s in a.spellings}


# --- The bundled file -------------------------------------------------------------------


def test_bundled_registry_loads() -> None:
    registry = load_registry()
    assert isinstance(registry, Registry)
    assert len(registry.agents) == 164
    assert registry is load_registry()


def test_registry_version_format() -> None:
    version = load_registry().version
    match = re.fullmatch(r"(\d{4})\.(\d{2})\.(\d{2})-([1-9]\d*)", version)
    assert match, version
    datetime.date(int(match[1]), int(match[2]), int(match[3]))
    assert REGISTRY_VERSION == registry_version() == version == "2026.12.06-1"


def test_registry_credits_ai_robots_txt_source() -> None:
    document = json.loads(BUNDLED.read_text(encoding="utf-8"))
    first = document["sources"][0]
    assert first == {
        "name": "ai.robots.txt",
        "url": "https://github.com/ai-robots-txt/ai.robots.txt",
        "commit": "738c80df",
        "date": "2026-08-22",
        "licence": "MIT",
    }
    licence = (ROOT / "audits" / "data" / "ai-robots-txt.LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License") and "Copyright (c) 2024 ai.robots.txt" in licence


def test_every_source_token_present() -> None:
    assert set(shared_source()) <= all_spellings()


def test_every_fixture_token_present() -> None:
    assert set(source()) <= all_spellings()


def test_fixture_is_the_shared_snapshot() -> None:
    assert source() == shared_source()


def test_bundled_file_matches_build_script_output(tmp_path: Path) -> None:
    out = tmp_path / "agents.json"
    subprocess.run(
        [sys.executable, str(BUILD_SCRIPT), str(SOURCE_FIXTURE), "--out", str(out)],
        check=True,
        capture_output=True,
    )
    assert out.read_text(encoding="utf-8") == BUNDLED.read_text(encoding="utf-8")


def test_no_source_prose_in_registry() -> None:
    entries = bundled_entries()
    values = [v for e in entries for v in e.values() if isinstance(v, str)]
    prose = {
        text
        for entry in source().values()
        for field in ("description", "frequency", "function")
        if (text := entry[field]) not in KNOWNAGENTS_CATEGORIES and len(text) > 25
    }
    assert len(prose) > 150
    assert not [p for p in prose if any(p in value for value in values)]


def test_entries_sorted_case_insensitively() -> None:
    tokens = list(load_registry().tokens())
    assert tokens == sorted(tokens, key=lambda t: (t.casefold(), t))


def test_entries_have_every_field() -> None:
    fields = {
        "token",
        "spellings",
        "operator",
        "docs_url",
        "purpose",
        "class_source",
        "legacy",
        "respects_robots",
        "category",
        "rfc9309_valid",
        "matchable_as",
        "sources",
        "checked",
        "user_agent",
        "user_agent_source",
        "robots_exemption",
        "robots_exemption_source",
    }
    assert all(set(entry) == fields for entry in bundled_entries())


# --- Classification ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "purpose"),
    [
        ("GPTBot", "train"),
        ("Google-Extended", "control"),
        ("Applebot-Extended", "control"),
        ("Webzio-Extended", "control"),
        ("YandexAdditional", "control"),
        ("OAI-SearchBot", "search"),
        ("ChatGPT-User", "user"),
        ("CCBot", "train"),
        ("ClaudeBot", "train"),
        ("Bytespider", "train"),
        ("PerplexityBot", "search"),
        ("Perplexity-User", "user"),
        ("meta-externalagent", "train"),
        ("Applebot", "search"),
        ("OAI-AdsBot", "other"),
    ],
)
def test_key_token_purpose(token: str, purpose: str) -> None:
    found = agent(token)
    assert (found.purpose, found.class_source) == (purpose, "reviewed")


@pytest.mark.parametrize(("token", "legacy"), [("anthropic-ai", True), ("Claude-Web", True)])
def test_retired_tokens_marked_legacy(token: str, legacy: bool) -> None:
    assert agent(token).legacy is legacy


def test_current_anthropic_token_not_legacy() -> None:
    assert agent("ClaudeBot").legacy is False


def test_training_agents_are_current_train_and_control_tokens() -> None:
    training = load_registry().training_agents()
    assert {a.purpose for a in training} == {"train", "control"}
    assert not [a for a in training if a.legacy]
    tokens = {a.token for a in training}
    assert {"GPTBot", "ClaudeBot", "Google-Extended", "CCBot"} <= tokens
    assert not {"anthropic-ai", "OAI-SearchBot", "ChatGPT-User"} & tokens


def test_unreviewed_token_purpose_derived_from_category() -> None:
    found = agent("AddSearchBot")
    assert (found.category, found.purpose, found.class_source) == (
        "AI Search Crawlers",
        "search",
        "derived",
    )
    assert found.checked == "2026-08-22"


def test_undocumented_category_derives_other() -> None:
    found = agent("KunatoCrawler")
    assert (found.purpose, found.class_source) == ("other", "derived")


def test_category_kept_only_when_knownagents_value() -> None:
    categories = {a.category for a in load_registry().agents}
    assert categories - {None} <= KNOWNAGENTS_CATEGORIES
    assert agent("GPTBot").category is None


@pytest.mark.parametrize(
    ("token", "respects"),
    [
        ("GPTBot", "yes"),
        ("ClaudeBot", "yes"),
        ("Bytespider", "no"),
        ("Perplexity-User", "no"),
        ("Diffbot", "unclear"),
        ("wpbot", "unclear"),
        ("anthropic-ai", "unclear"),
    ],
)
def test_respects_robots_normalised(token: str, respects: str) -> None:
    assert agent(token).respects_robots == respects


@pytest.mark.parametrize(
    ("token", "operator", "docs_url"),
    [
        ("CCBot", "Common Crawl Foundation", "https://commoncrawl.org"),
        ("img2dataset", "img2dataset", "https://github.com/rom1504/img2dataset"),
        ("Brightbot 1.0", "Bright Data", "https://brightdata.com/brightbot"),
        ("AIWebIndex", "Lyrenth", None),
        ("AddSearchBot", None, None),
    ],
)
def test_operator_is_plain_name_and_link_is_docs_url(
    token: str, operator: str | None, docs_url: str | None
) -> None:
    found = agent(token)
    assert (found.operator, found.docs_url) == (operator, docs_url)


@pytest.mark.parametrize(
    ("token", "operator"),
    [
        ("GPTBot", "OpenAI"),
        ("OAI-SearchBot", "OpenAI"),
        ("ChatGPT-User", "OpenAI"),
        ("OAI-AdsBot", "OpenAI"),
        ("ClaudeBot", "Anthropic"),
        ("Claude-SearchBot", "Anthropic"),
        ("Claude-User", "Anthropic"),
        ("anthropic-ai", "Anthropic"),
        ("Claude-Web", "Anthropic"),
        ("Google-Extended", "Google"),
        ("GoogleOther", "Google"),
        ("Google-CloudVertexBot", "Google"),
        ("Applebot", "Apple"),
        ("Applebot-Extended", "Apple"),
        ("CCBot", "Common Crawl Foundation"),
        ("PerplexityBot", "Perplexity"),
        ("Perplexity-User", "Perplexity"),
        ("Bytespider", "ByteDance"),
        ("TikTokSpider", "ByteDance"),
        ("meta-externalagent", "Meta"),
        ("Meta-ExternalAgent", "Meta"),
        ("Meta-ExternalFetcher", "Meta"),
        ("FacebookBot", "Meta"),
        ("cohere-ai", "Cohere"),
        ("cohere-training-data-crawler", "Cohere"),
        ("Diffbot", "Diffbot"),
        ("Amazonbot", "Amazon"),
        ("omgili", "Webz.io"),
        ("Webzio-Extended", "Webz.io"),
        ("ImagesiftBot", "ImageSift"),
        ("img2dataset", "img2dataset"),
    ],
)
def test_catalogue_token_present_with_operator(token: str, operator: str) -> None:
    found = agent(token)
    assert found.operator == operator
    assert "project" in found.sources


def test_token_missing_from_list_added_from_project_catalogue() -> None:
    found = agent("OAI-AdsBot")
    assert found.sources == ("project",)
    assert found.checked == "2026-11-25"
    assert "OAI-AdsBot" not in source()


# --- RFC 9309 token validity ------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "matchable_as"),
    [
        ("AI2Bot", "AI"),
        ("Brightbot 1.0", "Brightbot"),
        ("Kangaroo Bot", "Kangaroo"),
        ("MistralAI-User/1.0", "MistralAI-User"),
        ("img2dataset", "img"),
        ("panscient.com", "panscient"),
        ("iaskspider/2.0", "iaskspider"),
        ("ChatGPT Agent", "ChatGPT"),
    ],
)
def test_rfc9309_invalid_token_marked_with_matchable_part(token: str, matchable_as: str) -> None:
    found = agent(token)
    assert (found.rfc9309_valid, found.matchable_as) == (False, matchable_as)


def test_invalid_token_count_matches_reference() -> None:
    invalid = [s for a in load_registry().agents if not a.rfc9309_valid for s in a.spellings]
    assert len(invalid) == 21


@pytest.mark.parametrize("token", ["GPTBot", "Google-Extended", "Factset_spyderbot"])
def test_rfc9309_valid_token_matches_as_itself(token: str) -> None:
    found = agent(token)
    assert (found.rfc9309_valid, found.matchable_as) == (True, token)


# --- Case variants and lookup -----------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "token", "spellings"),
    [
        ("Meta-ExternalAgent", "meta-externalagent", ("Meta-ExternalAgent", "meta-externalagent")),
        (
            "Meta-ExternalFetcher",
            "meta-externalfetcher",
            ("Meta-ExternalFetcher", "meta-externalfetcher"),
        ),
        ("webzio-extended", "Webzio-Extended", ("Webzio-Extended", "webzio-extended")),
    ],
)
def test_case_variants_merged_into_one_entry(
    written: str, token: str, spellings: tuple[str, ...]
) -> None:
    found = agent(written)
    assert (found.token, found.spellings) == (token, spellings)
    assert sum(1 for a in load_registry().agents if a.token.casefold() == token.casefold()) == 1


def test_merged_entry_keeps_known_facts_of_either_spelling() -> None:
    found = agent("meta-externalagent")
    assert (found.category, found.respects_robots) == ("AI Data Scrapers", "yes")


@pytest.mark.parametrize("written", ["gptbot", "GPTBOT", " GPTBot ", "GPTBot"])
def test_get_is_case_insensitive(written: str) -> None:
    assert agent(written).token == "GPTBot"


@pytest.mark.parametrize("written", ["Googlebot", "GPT", "", "*"])
def test_get_unknown_token_is_none(written: str) -> None:
    assert load_registry().get(written) is None


def test_by_purpose_returns_only_that_purpose() -> None:
    controls = load_registry().by_purpose("control")
    assert {a.token for a in controls} == {
        "Applebot-Extended",
        "Google-Extended",
        "Webzio-Extended",
        "YandexAdditional",
    }


def test_agent_is_frozen() -> None:
    with pytest.raises(FrozenInstanceError):
        agent("GPTBot").purpose = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    "text",
    [
        "[]",
        '{"version": "2026.11.25-1"}',
        '{"version": "v1", "agents": []}',
        '{"version": "2026.11.25-1", "agents": [{"token": "X", "purpose": "spy"}]}',
        '{"version": "2026.11.25-1", "agents": [{"token": "X", "purpose": "train",'
        ' "class_source": "reviewed", "respects_robots": "yes", "operator": 3}]}',
    ],
)
def test_parse_registry_rejects_malformed_data(text: str) -> None:
    with pytest.raises(ValueError):
        parse_registry(text)


# --- Build script helpers ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("[OpenAI](https://openai.com)", ("OpenAI", "https://openai.com")),
        ("https://brightdata.com/brightbot", (None, "https://brightdata.com/brightbot")),
        ("Unclear at this time.", (None, None)),
        ("Ai2, a non-profit AI research institute", ("Ai2", None)),
        ("Kagi that fetches web content", ("Kagi", None)),
    ],
)
def test_build_operator_cleaned(raw: str, expected: tuple[str | None, str | None]) -> None:
    assert build_module().clean_operator(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Yes", ("yes", None)),
        ("No", ("no", None)),
        (
            "[Yes](https://platform.openai.com/docs/bots)",
            ("yes", "https://platform.openai.com/docs/bots"),
        ),
        ("Unclear at this time.", ("unclear", None)),
        ("At the discretion of Diffbot users.", ("unclear", None)),
    ],
)
def test_build_respect_normalised(raw: str, expected: tuple[str, str | None]) -> None:
    assert build_module().normalise_respect(raw) == expected


# --- Typo suggestions -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "token"),
    [
        ("GPT-Bot", "GPTBot"),
        ("GTPBot", "GPTBot"),
        ("GPTBots", "GPTBot"),
        ("GPTBot/1.1", "GPTBot"),
        ("Claude-Bot", "ClaudeBot"),
        ("ClaudBot", "ClaudeBot"),
        ("Google-Extend", "Google-Extended"),
        ("Google Extended", "Google-Extended"),
        ("Googel-Extended", "Google-Extended"),
        ("Applebot_Extended", "Applebot-Extended"),
        ("meta-external-agent", "meta-externalagent"),
        ("Meta-ExternalAgents", "meta-externalagent"),
        ("CC-Bot", "CCBot"),
        ("PerpelxityBot", "PerplexityBot"),
        ("Byte-Spider", "Bytespider"),
        ("OAISearchBot", "OAI-SearchBot"),
        ("ChatGPT User", "ChatGPT-User"),
        ("OmigiliBot", "omgilibot"),
        ("Webz.io-Extended", "Webzio-Extended"),
        ("cohere_ai", "cohere-ai"),
        ("Claude-Search-Bot", "Claude-SearchBot"),
    ],
)
def test_typo_suggests_intended_token(written: str, token: str) -> None:
    suggestion = suggest_token(written)
    assert suggestion is not None and suggestion.token == token


@pytest.mark.parametrize(
    "written",
    [
        "*",
        "Googlebot",
        "Googlebot-Image",
        "Googlebot-News",
        "Googlebot-Video",
        "Google",
        "Storebot-Google",
        "Google-InspectionTool",
        "AdsBot-Google",
        "AdsBot-Google-Mobile",
        "Mediapartners-Google",
        "APIs-Google",
        "Bingbot",
        "msnbot",
        "BingPreview",
        "Slurp",
        "DuckDuckBot",
        "Yandex",
        "YandexBot",
        "YandexImages",
        "Baiduspider",
        "Sogou web spider",
        "Twitterbot",
        "facebot",
        "LinkedInBot",
        "Pinterestbot",
        "Slackbot",
        "AhrefsBot",
        "AhrefsSiteAudit",
        "SemrushBot",
        "SemrushBot-SA",
        "SemrushBot-BA",
        "MJ12bot",
        "DotBot",
        "rogerbot",
        "SeznamBot",
        "Yeti",
        "coccocbot",
        "BLEXBot",
        "ia_archiver",
        "archive.org_bot",
        "Aipbot",
        "SBIder",
        "Snapbot",
        "AmazonAdBot",
    ],
)
def test_common_crawler_gets_no_suggestion(written: str) -> None:
    assert suggest_token(written) is None


@pytest.mark.parametrize(
    "written", ["CCbot", "Anthropic-AI", "gptbot", "applebot", "Google-extended", "EXABOT"]
)
def test_registry_token_in_other_case_is_not_a_typo(written: str) -> None:
    assert suggest_token(written) is None


@pytest.mark.parametrize(
    "written",
    [
        "",
        "   ",
        "\x00\x01GPTBot\x7f" * 40,
        "GPTBot" * 1000,
        "ÄÖÜ" * 10,
        "a/b/c/d/e/f/g/h",
    ],
)
def test_hostile_value_gets_no_suggestion(written: str) -> None:
    assert suggest_token(written) is None


def test_suggestion_time_is_bounded() -> None:
    values = [f"Crawler-{n:04d}-Extended-Agent" for n in range(500)]
    start = time.perf_counter()
    for value in values:
        suggest_token(value)
    assert time.perf_counter() - start < 5.0


def test_suggestion_uses_given_registry() -> None:
    registry = Registry("2026.01.01-1", (agent("GPTBot"),))
    assert suggest_token("Claude-Bot", registry) is None
    found = suggest_token("GPT-Bot", registry)
    assert found is not None and found.token == "GPTBot"
