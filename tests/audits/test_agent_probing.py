"""The registry's facts for edge probes (issue 15): published User-Agent strings, robots.txt
exemptions, and choosing the agents a probe presents itself as."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from audits.core.agents import (
    DEFAULT_PROBE_AGENTS,
    Agent,
    Registry,
    load_registry,
    parse_registry,
)
from tests.conftest import FIXTURES, ROOT

SOURCE_FIXTURE = FIXTURES / "agents" / "ai-robots-txt.robots.json"
BUILD_SCRIPT = ROOT / "scripts" / "build_agents.py"

OPENAI = "https://developers.openai.com/api/docs/bots"
PERPLEXITY = "https://docs.perplexity.ai/docs/resources/perplexity-crawlers"
META = "https://developers.facebook.com/docs/sharing/webmasters/web-crawlers/"
AMAZON = "https://developer.amazon.com/amazonbot"
GOOGLE_FETCHERS = (
    "https://developers.google.com/crawling/docs/crawlers-fetchers/google-user-triggered-fetchers"
)
UA = "Mozilla/5.0 (compatible; TestBot/1.0; +https://example.org/bot)"


def registry_text(**fields: Any) -> str:
    """An agents.json text with one agent, TestBot, plus the given fields."""
    entry = {
        "token": "TestBot",
        "purpose": "train",
        "class_source": "reviewed",
        "respects_robots": "yes",
        "legacy": False,
        "rfc9309_valid": True,
        **fields,
    }
    return json.dumps({"version": "2026.12.06-1", "agents": [entry]})


def agent(token: str) -> Agent:
    found = load_registry().get(token)
    assert found is not None, token
    return found


def build_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_agents_probing", BUILD_SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fixture_source(module: ModuleType) -> dict[str, Any]:
    return module.read_source(Path(SOURCE_FIXTURE))  # type: ignore[no-any-return]


# --- Parsing the new fields -------------------------------------------------------------


def test_parse_reads_user_agent_and_exemption_with_sources() -> None:
    text = registry_text(
        purpose="user",
        user_agent=UA,
        user_agent_source="https://example.org/bot",
        robots_exemption="user-action",
        robots_exemption_source="https://example.org/robots-policy",
    )
    (parsed,) = parse_registry(text).agents
    assert (parsed.user_agent, parsed.user_agent_source) == (UA, "https://example.org/bot")
    assert (parsed.robots_exemption, parsed.robots_exemption_source) == (
        "user-action",
        "https://example.org/robots-policy",
    )


@pytest.mark.parametrize("exemption", ["ignores", "own-group", "user-action"])
def test_parse_accepts_every_exemption_kind(exemption: str) -> None:
    text = registry_text(robots_exemption=exemption, robots_exemption_source="https://x.test/")
    assert parse_registry(text).agents[0].robots_exemption == exemption


def test_parse_entry_without_new_fields_has_none() -> None:
    (parsed,) = parse_registry(registry_text()).agents
    assert parsed.user_agent is parsed.user_agent_source is None
    assert parsed.robots_exemption is parsed.robots_exemption_source is None


def test_parse_explicit_nulls_are_none() -> None:
    text = registry_text(
        user_agent=None,
        user_agent_source=None,
        robots_exemption=None,
        robots_exemption_source=None,
    )
    assert parse_registry(text).agents[0].user_agent is None


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"user_agent": UA}, "user_agent has no user_agent_source"),
        ({"user_agent_source": "https://x.test/"}, "user_agent_source given without user_agent"),
        ({"robots_exemption": "ignores"}, "robots_exemption has no robots_exemption_source"),
        (
            {"robots_exemption_source": "https://x.test/"},
            "robots_exemption_source given without robots_exemption",
        ),
        (
            {"robots_exemption": "sometimes", "robots_exemption_source": "https://x.test/"},
            "bad robots_exemption 'sometimes'",
        ),
        (
            {"robots_exemption": "Ignores", "robots_exemption_source": "https://x.test/"},
            "bad robots_exemption 'Ignores'",
        ),
        ({"user_agent": 3, "user_agent_source": "https://x.test/"}, "user_agent is not a string"),
        ({"user_agent": UA, "user_agent_source": "the bot page"}, "is not a URL"),
        (
            {"robots_exemption": "ignores", "robots_exemption_source": "ftp://x.test/"},
            "is not a URL",
        ),
        (
            {"user_agent": "TestBot/1.0\r\nX-Injected: 1", "user_agent_source": "https://x.test/"},
            "not a plain header value",
        ),
        ({"user_agent": " TestBot/1.0", "user_agent_source": "https://x.test/"}, "plain header"),
        ({"user_agent": "", "user_agent_source": "https://x.test/"}, "plain header"),
        ({"user_agent": "TestBot/" + "1" * 600, "user_agent_source": "https://x.test/"}, "plain"),
        (
            {"purpose": "control", "user_agent": UA, "user_agent_source": "https://x.test/"},
            "control token never crawls",
        ),
    ],
)
def test_parse_rejects_bad_probe_facts_naming_the_token(
    fields: dict[str, Any], reason: str
) -> None:
    with pytest.raises(ValueError, match="TestBot") as raised:
        parse_registry(registry_text(**fields))
    assert reason in str(raised.value)


# --- The bundled facts -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "user_agent", "source"),
    [
        (
            "GPTBot",
            "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; GPTBot/1.3;"
            " +https://openai.com/gptbot",
            OPENAI,
        ),
        (
            "OAI-SearchBot",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko)"
            " Chrome/131.0.0.0 Safari/537.36; compatible; OAI-SearchBot/1.3;"
            " +https://openai.com/searchbot",
            OPENAI,
        ),
        (
            "ChatGPT-User",
            "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; ChatGPT-User/1.0;"
            " +https://openai.com/bot",
            OPENAI,
        ),
        ("CCBot", "CCBot/2.0 (https://commoncrawl.org/faq/)", "https://commoncrawl.org/faq"),
        (
            "PerplexityBot",
            "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; PerplexityBot/1.0;"
            " +https://perplexity.ai/perplexitybot)",
            PERPLEXITY,
        ),
        (
            "Perplexity-User",
            "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Perplexity-User/1.0;"
            " +https://perplexity.ai/perplexity-user)",
            PERPLEXITY,
        ),
        (
            "meta-externalagent",
            "meta-externalagent/1.1 (+https://developers.facebook.com/docs/sharing/webmasters/crawler)",
            META,
        ),
        (
            "meta-externalfetcher",
            "meta-externalfetcher/1.1"
            " (+https://developers.facebook.com/docs/sharing/webmasters/crawler)",
            META,
        ),
        (
            "meta-webindexer",
            "meta-webindexer/1.1 (+https://developers.facebook.com/docs/sharing/webmasters/crawler)",
            META,
        ),
        (
            "Amazonbot",
            "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Amazonbot/0.1;"
            " +https://developer.amazon.com/support/amazonbot) Chrome/119.0.6045.214 Safari/537.36",
            AMAZON,
        ),
        (
            "Amzn-User",
            "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Amzn-User/0.1)"
            " Chrome/119.0.6045.214 Safari/537.36",
            AMAZON,
        ),
        (
            "MistralAI-User",
            "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; MistralAI-User/1.0;"
            " +https://docs.mistral.ai/robots)",
            "https://docs.mistral.ai/robots",
        ),
    ],
)
def test_bundled_user_agent_is_operators_published_string(
    token: str, user_agent: str, source: str
) -> None:
    found = agent(token)
    assert (found.user_agent, found.user_agent_source) == (user_agent, source)
    assert found.checked == "2026-12-06"


def test_only_reviewed_user_agents_are_bundled() -> None:
    assert len(load_registry().probeable()) == 12


def test_every_bundled_user_agent_names_its_agent_and_cites_https() -> None:
    for found in load_registry().probeable():
        user_agent = (found.user_agent or "").casefold()
        assert found.user_agent_source and found.user_agent_source.startswith("https://")
        assert any(s.casefold() in user_agent for s in found.spellings), found.token


def test_control_tokens_have_no_user_agent() -> None:
    controls = load_registry().by_purpose("control")
    assert {"Google-Extended", "Applebot-Extended"} <= {a.token for a in controls}
    assert not [a.token for a in controls if a.user_agent is not None]


@pytest.mark.parametrize("token", ["ClaudeBot", "Claude-SearchBot", "Claude-User", "Bytespider"])
def test_agent_without_a_published_string_has_none(token: str) -> None:
    assert agent(token).user_agent is None


@pytest.mark.parametrize(
    ("token", "source"),
    [
        ("ChatGPT-User", OPENAI),
        ("Perplexity-User", PERPLEXITY),
        ("meta-externalfetcher", META),
        ("Amzn-User", AMAZON),
        ("Google-Agent", GOOGLE_FETCHERS),
        ("Google-NotebookLM", GOOGLE_FETCHERS),
    ],
)
def test_user_action_fetcher_exemption_is_sourced(token: str, source: str) -> None:
    found = agent(token)
    assert (found.purpose, found.robots_exemption) == ("user", "user-action")
    assert found.robots_exemption_source == source


def test_exemptions_are_only_the_sourced_ones() -> None:
    exempt = {a.token for a in load_registry().agents if a.robots_exemption is not None}
    assert exempt == {
        "ChatGPT-User",
        "Perplexity-User",
        "meta-externalfetcher",
        "Amzn-User",
        "Google-Agent",
        "Google-NotebookLM",
    }


@pytest.mark.parametrize("token", ["Claude-User", "GPTBot", "Bytespider", "PerplexityBot"])
def test_agent_without_a_stated_exemption_has_none(token: str) -> None:
    # Anthropic says Claude-User obeys robots.txt; Bytespider's "No" in ai.robots.txt cites
    # no source, so it stays in respects_robots only.
    found = agent(token)
    assert found.robots_exemption is found.robots_exemption_source is None


# --- Choosing the agents to probe ---------------------------------------------------------


@pytest.mark.parametrize("token", DEFAULT_PROBE_AGENTS)
def test_default_probe_agent_resolves_with_a_sourced_user_agent(token: str) -> None:
    found = load_registry().get(token)
    assert found is not None
    assert found.user_agent and found.user_agent_source


def test_default_probe_agents_cover_training_search_and_user_classes() -> None:
    agents = load_registry().probe_agents()
    assert {a.purpose for a in agents} == {"train", "search", "user"}
    assert 8 <= len(agents) <= 12
    assert len({a.token for a in agents}) == len(DEFAULT_PROBE_AGENTS)


def test_probe_agents_none_is_the_default_set_in_order() -> None:
    agents = load_registry().probe_agents(None)
    assert tuple(a.token for a in agents) == DEFAULT_PROBE_AGENTS


def test_probe_agents_looks_tokens_up_case_insensitively() -> None:
    agents = load_registry().probe_agents(["gptbot", " PERPLEXITY-USER ", "Meta-ExternalAgent"])
    assert [a.token for a in agents] == ["GPTBot", "Perplexity-User", "meta-externalagent"]


def test_probe_agents_drops_duplicates_and_keeps_order() -> None:
    agents = load_registry().probe_agents(("CCBot", "GPTBot", "ccbot", "GPTBOT"))
    assert [a.token for a in agents] == ["CCBot", "GPTBot"]


def test_probe_agents_of_empty_list_is_empty() -> None:
    assert load_registry().probe_agents([]) == ()


def test_probe_agents_unknown_token_is_named_with_the_probeable_list() -> None:
    with pytest.raises(ValueError, match="not in the agent registry: 'NoSuchBot'") as raised:
        load_registry().probe_agents(["GPTBot", "NoSuchBot"])
    message = str(raised.value)
    assert "Agents that can be probed: " in message
    assert all(a.token in message for a in load_registry().probeable())


def test_probe_agents_suggests_the_token_meant() -> None:
    with pytest.raises(ValueError, match="'GPT-Bot' \\(did you mean 'GPTBot'\\?\\)"):
        load_registry().probe_agents(["GPT-Bot"])


@pytest.mark.parametrize("token", ["Google-Extended", "applebot-extended", "ClaudeBot"])
def test_probe_agents_rejects_token_without_published_string(token: str) -> None:
    with pytest.raises(ValueError, match="no published User-Agent string: ") as raised:
        load_registry().probe_agents([token])
    assert agent(token).token in str(raised.value)


def test_probe_agents_reports_every_problem_at_once() -> None:
    with pytest.raises(ValueError) as raised:
        load_registry().probe_agents(["Nope", "CCBot", "Google-Extended", "Nope"])
    message = str(raised.value)
    assert "'Nope'" in message and "'Google-Extended'" in message
    assert message.count("'Nope'") == 1


def test_probe_agents_refuses_a_bare_string() -> None:
    with pytest.raises(TypeError):
        load_registry().probe_agents("GPTBot")


def test_probe_agents_on_a_registry_without_strings_lists_none() -> None:
    (bare,) = parse_registry(registry_text()).agents
    with pytest.raises(ValueError, match="Agents that can be probed: none"):
        Registry("2026.12.06-1", (bare,)).probe_agents(["TestBot"])


def test_probeable_is_every_agent_with_a_user_agent() -> None:
    registry = load_registry()
    assert set(registry.probeable()) == {a for a in registry.agents if a.user_agent}
    assert set(DEFAULT_PROBE_AGENTS) <= {a.token for a in registry.probeable()}


# --- The build script's reviewed tables ---------------------------------------------------


def test_build_tables_name_only_registry_tokens() -> None:
    module = build_module()
    assert module._unused_table_keys(fixture_source(module)) == []
    known = {s for a in load_registry().agents for s in a.spellings}
    assert set(module.USER_AGENTS) <= known
    assert set(module.ROBOTS_EXEMPTIONS) <= known


def test_build_rejects_user_agent_for_a_control_token(monkeypatch: pytest.MonkeyPatch) -> None:
    module = build_module()
    monkeypatch.setattr(
        module, "USER_AGENTS", {"Google-Extended": ("Google-Extended/1.0", "https://x.test/")}
    )
    with pytest.raises(ValueError, match="Google-Extended: a control token never crawls"):
        module.build_agents(fixture_source(module))


def test_build_rejects_user_agent_that_does_not_name_the_agent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    module = build_module()
    monkeypatch.setattr(
        module,
        "USER_AGENTS",
        {"GPTBot": ("Mozilla/5.0 (compatible; OtherBot/1.0)", "https://x.test/")},
    )
    with pytest.raises(ValueError, match="does not name the agent"):
        module.build_agents(fixture_source(module))


def test_build_rejects_unknown_exemption_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    module = build_module()
    monkeypatch.setattr(module, "ROBOTS_EXEMPTIONS", {"Bytespider": ("rude", "https://x.test/")})
    with pytest.raises(ValueError, match="Bytespider: unknown robots.txt exemption 'rude'"):
        module.build_agents(fixture_source(module))


def test_build_rejects_user_action_exemption_for_a_crawler(monkeypatch: pytest.MonkeyPatch) -> None:
    module = build_module()
    monkeypatch.setattr(module, "ROBOTS_EXEMPTIONS", {"GPTBot": ("user-action", "https://x.test/")})
    with pytest.raises(ValueError, match="GPTBot: a user-action exemption needs purpose user"):
        module.build_agents(fixture_source(module))


def test_build_writes_every_probe_field_for_every_entry() -> None:
    module = build_module()
    entries = module.build_agents(fixture_source(module))
    fields = ("user_agent", "user_agent_source", "robots_exemption", "robots_exemption_source")
    assert all(all(f in e for f in fields) for e in entries)
    gptbot = next(e for e in entries if e["token"] == "GPTBot")
    assert "project" in gptbot["sources"] and gptbot["checked"] == module.PROBE_REVIEW_DATE
