"""Who came (issue 16, point 2): a User-Agent matched to the registry by whole product token."""

from __future__ import annotations

import json
import re

import pytest

from audits.core.agents import Agent, Registry, load_registry, parse_registry
from audits.logs.agents import CACHED_CHARS, EVERYDAY_WORDS, AgentMatcher
from tests.conftest import FIXTURES

REGISTRY = load_registry()
MATCHER = AgentMatcher(REGISTRY)
SAMPLES = [
    tuple(line.split("\t", 1))
    for line in (FIXTURES / "logs" / "formats" / "user-agents.tsv")
    .read_text(encoding="utf-8")
    .splitlines()
    if line and not line.startswith("#")
]


def token(user_agent: str, matcher: AgentMatcher = MATCHER) -> str | None:
    agent = matcher.match(user_agent)
    return agent.token if agent else None


def tiny_registry(*spellings: tuple[str, ...]) -> Registry:
    """A registry of agents, one per tuple: its token first, then its other spellings."""
    agents = [
        {
            "token": names[0],
            "spellings": list(names),
            "operator": None,
            "docs_url": None,
            "purpose": "train",
            "class_source": "reviewed",
            "legacy": False,
            "respects_robots": "unclear",
            "category": None,
            "rfc9309_valid": True,
            "matchable_as": None,
            "sources": [],
            "checked": "2026-12-01",
        }
        for names in spellings
    ]
    return parse_registry(json.dumps({"version": "2026.12.01-1", "agents": agents}))


@pytest.mark.parametrize(("expected", "user_agent"), SAMPLES, ids=[s[1][:60] for s in SAMPLES])
def test_sample_user_agents_name_their_agent(expected: str, user_agent: str) -> None:
    assert token(user_agent) == (None if expected == "-" else expected)


@pytest.mark.parametrize("agent", REGISTRY.probeable(), ids=[a.token for a in REGISTRY.probeable()])
def test_each_published_user_agent_names_its_own_agent(agent: Agent) -> None:
    assert agent.user_agent is not None
    assert MATCHER.match(agent.user_agent) is agent


def expected_owner(spelling: str, owner: str) -> str:
    """The agent a spelling names: a version-suffixed spelling of another agent names it."""
    versioned = re.fullmatch(r"(.+?)[/ ]v?[0-9][0-9.]*", spelling)
    base = REGISTRY.get(versioned.group(1)) if versioned else None
    return base.token if base else owner


SPELLINGS = sorted({(s, a.token) for a in REGISTRY.agents for s in (a.token, *a.spellings)})


@pytest.mark.parametrize(("spelling", "owner"), SPELLINGS, ids=[s for s, _ in SPELLINGS])
def test_every_spelling_matches_as_a_product_in_a_comment(spelling: str, owner: str) -> None:
    # An everyday word counts only as a product token (EVERYDAY_WORDS).
    product = f"{spelling}/1.0" if spelling.lower() in EVERYDAY_WORDS else spelling
    found = MATCHER.match(f"Mozilla/5.0 (compatible; {product}; +https://example.org/)")
    assert found is not None and found.token == expected_owner(spelling, owner)


def test_claude_user_is_not_claudebot() -> None:
    assert token("Mozilla/5.0 (compatible; Claude-User/1.0)") == "Claude-User"


def test_amzn_searchbot_is_not_amazonbot() -> None:
    assert token("Mozilla/5.0 (compatible; Amzn-SearchBot/0.1)") == "Amzn-SearchBot"


def test_gptbot_inside_a_longer_token_is_not_gptbot() -> None:
    assert token("Mozilla/5.0 (compatible; ChatGPTBot-User/1.0)") is None


def test_a_token_in_a_url_is_not_a_product() -> None:
    assert token("Mozilla/5.0 (compatible; ChatGPT-User/1.0; +https://openai.com/gptbot)") == (
        "ChatGPT-User"
    )


def test_a_url_alone_names_no_agent() -> None:
    assert token("Mozilla/5.0 (compatible; +https://openai.com/gptbot)") is None


def test_an_email_address_names_no_agent() -> None:
    assert token("Mozilla/5.0 (compatible; crawler; mailto:gptbot@example.org)") is None


def test_a_run_after_a_slash_is_a_version_not_a_product() -> None:
    assert token("Mozilla/GPTBot") is None


def test_matching_ignores_case() -> None:
    assert token("gptbot/1.3") == "GPTBot"


def test_a_suffixed_token_is_another_product() -> None:
    assert token("Applebot-Extended/1.0") == "Applebot-Extended"


def test_a_word_inside_a_hyphenated_token_is_not_a_product() -> None:
    assert token("Mozilla/5.0 (compatible; Claude-Code/1.0)") == "Claude-Code"


def test_a_trailing_full_stop_ends_the_token() -> None:
    assert token("I am GPTBot.") == "GPTBot"


def test_an_inner_dot_continues_the_token() -> None:
    assert token("Mozilla/5.0 (compatible; bigsur.aim)") is None


def test_a_two_word_spelling_continued_by_letters_is_no_match() -> None:
    assert token("Mozilla/5.0 (compatible; ChatGPT Agentur/2.0)") is None


def test_a_two_word_spelling_continued_by_an_inner_dot_is_no_match() -> None:
    assert token("Mozilla/5.0 (compatible; ChatGPT Agent.io)") is None


def test_a_dotted_spelling_matches_whole() -> None:
    assert token("Mozilla/5.0 (compatible; bigsur.ai)") == "bigsur.ai"


def test_a_spelling_of_two_words_matches_whole() -> None:
    assert token("Mozilla/5.0 (compatible; ChatGPT Agent)") == "ChatGPT Agent"


def test_the_first_word_of_a_two_word_spelling_alone_is_no_match() -> None:
    matcher = AgentMatcher(tiny_registry(("Echobot Bot",)))
    assert token("Mozilla/5.0 (compatible; Echobot/1.0)", matcher) is None


def test_a_versioned_spelling_goes_to_the_agent_without_the_version() -> None:
    assert token("iaskspider/2.0(+http://iask.com/help/help_index.html)") == "iaskspider"


def test_a_registry_spelling_other_than_the_token_names_the_agent() -> None:
    assert token("Meta-ExternalAgent/1.1") == "meta-externalagent"


def test_the_leftmost_agent_wins() -> None:
    assert token("Mozilla/5.0 (compatible; PerplexityBot/1.0; GPTBot/1.3)") == "PerplexityBot"


def test_the_longest_spelling_wins_at_one_place() -> None:
    matcher = AgentMatcher(tiny_registry(("Kangaroo",), ("Kangaroo Bot",)))
    assert token("Mozilla/5.0 (compatible; Kangaroo Bot)", matcher) == "Kangaroo Bot"


def test_a_search_engine_is_not_an_ai_agent() -> None:
    assert token("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)") is None


def test_the_match_carries_the_purpose_class() -> None:
    agent = MATCHER.match("Mozilla/5.0 (compatible; Claude-User/1.0)")
    assert agent is not None and agent.purpose == "user"


def test_an_empty_user_agent_names_no_agent() -> None:
    assert token("") is None


def test_a_repeated_string_is_answered_from_the_cache() -> None:
    matcher = AgentMatcher(REGISTRY)
    matcher.match("CCBot/2.0 (https://commoncrawl.org/faq/)")
    matcher.match("CCBot/2.0 (https://commoncrawl.org/faq/)")
    assert (matcher.cache_info().hits, matcher.cache_info().misses) == (1, 1)


def test_the_cache_is_bounded() -> None:
    matcher = AgentMatcher(REGISTRY, cache_size=2)
    for version in range(5):
        matcher.match(f"CCBot/2.{version}")
    assert matcher.cache_info().currsize == 2


def test_a_very_long_string_is_matched_but_not_cached() -> None:
    matcher = AgentMatcher(REGISTRY)
    long_string = "Mozilla/5.0 (" + "x; " * CACHED_CHARS + "GPTBot/1.3)"
    assert (token(long_string, matcher), matcher.cache_info().currsize) == ("GPTBot", 0)


@pytest.mark.parametrize(
    "user_agent",
    [
        "Sogou web spider/4.0(+http://www.sogou.com/docs/help/webmasters.htm#07)",
        "Mozilla/5.0 (X11; Linux x86_64) my code editor preview",
        "operator console 2.1",
        "Mozilla/5.0 cursor/1.2",  # not the registry's own capitalisation
    ],
)
def test_an_everyday_word_is_no_agent_outside_the_product_token_form(user_agent: str) -> None:
    assert MATCHER.match(user_agent) is None


def test_an_everyday_word_token_in_product_form_is_its_agent() -> None:
    found = MATCHER.match("Mozilla/5.0 Cursor/1.2 (compatible)")
    assert found is not None and found.token == "Cursor"
