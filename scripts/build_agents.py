#!/usr/bin/env python3
"""Build ``audits/data/agents.json``, the project's AI agent registry.

Input: ``robots.json`` of the ai-robots-txt/ai.robots.txt list (MIT). Only facts are taken
from it: the token, the operator's name and link, whether the agent respects robots.txt and
its knownagents.com category. Its prose (``description``, ``frequency``, free-text
``function``) is never copied. The purpose class of each token is the project's own: the
hand-reviewed table below, else a fallback derived from the category. So are the full
User-Agent strings a probe sends and the robots.txt exemptions (``USER_AGENTS`` and
``ROBOTS_EXEMPTIONS``): each read on the operator's own page, kept with that page's URL.

Usage: ``python scripts/build_agents.py [SOURCE_JSON] [--out PATH]``
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPO.parent / "shared" / "data" / "ai-robots-txt.robots.json"
DEFAULT_OUT = REPO / "audits" / "data" / "agents.json"

# Bump the date to the review date and reset the counter, or bump the counter for a
# second build on the same day.
REGISTRY_VERSION = "2026.12.06-1"
REVIEW_DATE = "2026-11-25"
"""When the purpose classes were last reviewed (``checked`` of reviewed entries)."""
PROBE_REVIEW_DATE = "2026-12-06"
"""When the User-Agent strings and robots.txt exemptions below were last checked."""
SNAPSHOT_DATE = "2026-08-22"

SOURCES = [
    {
        "name": "ai.robots.txt",
        "url": "https://github.com/ai-robots-txt/ai.robots.txt",
        "commit": "738c80df",
        "date": SNAPSHOT_DATE,
        "licence": "MIT",
    },
    {
        "name": "project",
        "url": None,
        "commit": None,
        "date": PROBE_REVIEW_DATE,
        "licence": "MIT",
    },
]

MAX_SOURCE_BYTES = 5_000_000
MAX_ENTRIES = 10_000

# The categories knownagents.com uses; any other `function` value is prose.
KNOWNAGENTS_CATEGORIES = frozenset(
    {
        "AI Agents",
        "AI Assistants",
        "AI Coding Agents",
        "AI Data Providers",
        "AI Data Scrapers",
        "AI Search Crawlers",
        "Undocumented AI Agents",
    }
)

# Fallback purpose for tokens that were not reviewed by hand.
CATEGORY_PURPOSE = {
    "AI Data Scrapers": "train",
    "AI Data Providers": "train",
    "AI Search Crawlers": "search",
    "AI Assistants": "user",
    "AI Agents": "user",
    "AI Coding Agents": "user",
}

# Our purpose classes, reviewed by hand (reference/signals.md §2.1 and the list's facts).
# train: training or dataset collection; control: an opt-out token that never crawls;
# search: AI search or answer index; user: fetches on a user's request; other.
PURPOSES: dict[str, str] = {
    # OpenAI
    "GPTBot": "train",
    "OAI-SearchBot": "search",
    "ChatGPT-User": "user",
    "ChatGPT Agent": "user",
    "OAI-AdsBot": "other",
    "OpenAI": "other",
    # Anthropic (anthropic-ai and Claude-Web are retired, see LEGACY)
    "ClaudeBot": "train",
    "Claude-SearchBot": "search",
    "Claude-User": "user",
    "Claude-Code": "user",
    "anthropic-ai": "train",
    "Claude-Web": "train",
    # Google: Google-Extended has no user-agent string of its own
    "Google-Extended": "control",
    "GoogleOther": "other",
    "GoogleOther-Image": "other",
    "GoogleOther-Video": "other",
    "Google-CloudVertexBot": "other",
    "Google-Agent": "user",
    "Google-Firebase": "user",
    "Google-Gemini-CLI": "user",
    "Google-NotebookLM": "user",
    "GoogleAgent-Mariner": "user",
    "GoogleAgent-URLContext": "user",
    "Gemini-Deep-Research": "user",
    "NotebookLM": "user",
    # Apple: Applebot-Extended is read from robots.txt only, Applebot does the crawling
    "Applebot": "search",
    "Applebot-Extended": "control",
    # Meta
    "meta-externalagent": "train",
    "meta-externalfetcher": "user",
    "meta-webindexer": "search",
    "FacebookBot": "train",
    "facebookexternalhit": "other",
    # Amazon
    "Amazonbot": "search",
    "amazon-kendra": "search",
    "bedrockbot": "search",
    "Amzn-SearchBot": "search",
    "Amzn-User": "user",
    "AmazonBuyForMe": "user",
    "amazon-QBusiness": "user",
    "NovaAct": "user",
    # ByteDance
    "Bytespider": "train",
    "TikTokSpider": "train",
    # Perplexity
    "PerplexityBot": "search",
    "Perplexity-User": "user",
    # Cohere
    "cohere-ai": "user",
    "cohere-training-data-crawler": "train",
    # Webz.io: Webzio-Extended is an opt-out token, omgili/omgilibot crawl for resale
    "omgili": "train",
    "omgilibot": "train",
    "Webzio-Extended": "control",
    # Yandex: YandexAdditional is the robots.txt control for YandexGPT use
    "YandexAdditional": "control",
    "YandexAdditionalBot": "train",
    # Mistral
    "MistralAI-User": "user",
    "MistralAI-User/1.0": "user",
    # Dataset builders and training crawlers
    "CCBot": "train",
    "Diffbot": "train",
    "img2dataset": "train",
    "LAIONDownloader": "train",
    "laion-huggingface-processor": "train",
    "AI2Bot": "train",
    "Ai2Bot-Dolma": "train",
    "aiHitBot": "train",
    "Brightbot 1.0": "train",
    "Cotoyogi": "train",
    "DeepSeekBot": "train",
    "Factset_spyderbot": "train",
    "FriendlyCrawler": "train",
    "ICC-Crawler": "train",
    "ISSCyberRiskCrawler": "train",
    "Kangaroo Bot": "train",
    "MyCentralAIScraperBot": "train",
    "NagetBot": "train",
    "newsai": "train",
    "PanguBot": "train",
    "SBIntuitionsBot": "train",
    "Sidetrade indexer bot": "train",
    "Timpibot": "train",
    "VelenPublicWebCrawler": "train",
    # AI search and answer engines
    "Andibot": "search",
    "Anomura": "search",
    "atlassian-bot": "search",
    "Bravebot": "search",
    "Cloudflare-AutoRAG": "search",
    "iaskspider": "search",
    "iaskspider/2.0": "search",
    "PetalBot": "search",
    "YouBot": "search",
    # Fetchers acting for a user or a customer's tool
    "DuckAssistBot": "user",
    "Mozilla-Tabstack": "user",
    "BuddyBot": "user",
    "SemrushBot-OCOB": "user",
    "SemrushBot-SWA": "user",
    "wpbot": "user",
    # Not an AI use we can name, or a general-purpose tool
    "ImagesiftBot": "other",
    "EchoboxBot": "other",
    "Linguee Bot": "other",
    "Lightpanda": "other",
    "Panscient": "other",
    "panscient.com": "other",
    "QuillBot": "other",
    "quillbot.com": "other",
    "Scrapy": "other",
    "Thinkbot": "other",
    "YaK": "other",
}

# Retired tokens: no longer documented by their operator, still found in robots.txt files.
LEGACY = frozenset({"anthropic-ai", "Claude-Web"})

# Tokens catalogued in reference/signals.md §2.1, with their operator (None: take the list's).
# Any missing from the list is added with source "project".
PROJECT_AGENTS: dict[str, str | None] = {
    "GPTBot": "OpenAI",
    "OAI-SearchBot": "OpenAI",
    "ChatGPT-User": "OpenAI",
    "OAI-AdsBot": "OpenAI",
    "ClaudeBot": "Anthropic",
    "Claude-SearchBot": "Anthropic",
    "Claude-User": "Anthropic",
    "anthropic-ai": "Anthropic",
    "Claude-Web": "Anthropic",
    "Google-Extended": "Google",
    "GoogleOther": "Google",
    "Google-CloudVertexBot": "Google",
    "Google-NotebookLM": "Google",
    "Applebot": "Apple",
    "Applebot-Extended": "Apple",
    "CCBot": "Common Crawl Foundation",
    "PerplexityBot": "Perplexity",
    "Perplexity-User": "Perplexity",
    "Bytespider": "ByteDance",
    "TikTokSpider": "ByteDance",
    "meta-externalagent": "Meta",
    "Meta-ExternalFetcher": "Meta",
    "FacebookBot": "Meta",
    "cohere-ai": "Cohere",
    "cohere-training-data-crawler": "Cohere",
    "Diffbot": "Diffbot",
    "Amazonbot": "Amazon",
    "omgili": "Webz.io",
    "Webzio-Extended": "Webz.io",
    "ImagesiftBot": "ImageSift",
    "img2dataset": "img2dataset",
    "PanguBot": "Huawei",
    "Timpibot": "Timpi",
    "Kangaroo Bot": None,
    "YouBot": "You.com",
    "DuckAssistBot": "DuckDuckGo",
    "MistralAI-User": "Mistral AI",
}

# Operator names where the list has none, a bare URL, prose, or a variant spelling.
OPERATOR_FIXES: dict[str, str | None] = {
    "Bravebot": "Brave",
    "Brightbot 1.0": "Bright Data",
    "facebookexternalhit": "Meta",
    "meta-webindexer": "Meta",
    "MistralAI-User/1.0": "Mistral AI",
    "Lightpanda": None,
    "Google-Agent": "Google",
    "Google-Gemini-CLI": "Google",
    "Gemini-Deep-Research": "Google",
    "Claude-Code": "Anthropic",
    "ChatGPT Agent": "OpenAI",
    "Amzn-SearchBot": "Amazon",
    "amazon-QBusiness": "Amazon",
    "NovaAct": "Amazon",
}

# Documentation pages for the major operators (each URL appears in the list's own links).
_OPENAI_DOCS = "https://platform.openai.com/docs/bots"
_ANTHROPIC_DOCS = (
    "https://support.anthropic.com/en/articles/8896518-does-anthropic-crawl-data-from-the-web-"
    "and-how-can-site-owners-block-the-crawler"
)
_GOOGLE_DOCS = (
    "https://developers.google.com/search/docs/crawling-indexing/overview-google-crawlers"
)
_META_DOCS = "https://developers.facebook.com/docs/sharing/webmasters/web-crawlers/"
_APPLE_DOCS = "https://support.apple.com/en-us/119829"
_PERPLEXITY_DOCS = "https://docs.perplexity.ai/guides/bots"
DOCS_URLS: dict[str, str] = {
    "GPTBot": _OPENAI_DOCS,
    "OAI-SearchBot": _OPENAI_DOCS,
    "ChatGPT-User": _OPENAI_DOCS,
    "OAI-AdsBot": _OPENAI_DOCS,
    "ClaudeBot": _ANTHROPIC_DOCS,
    "Claude-SearchBot": _ANTHROPIC_DOCS,
    "Claude-User": _ANTHROPIC_DOCS,
    "Google-Extended": _GOOGLE_DOCS,
    "GoogleOther": _GOOGLE_DOCS,
    "Google-CloudVertexBot": _GOOGLE_DOCS,
    "Applebot": _APPLE_DOCS,
    "Applebot-Extended": _APPLE_DOCS,
    "meta-externalagent": _META_DOCS,
    "meta-externalfetcher": _META_DOCS,
    "facebookexternalhit": _META_DOCS,
    "PerplexityBot": _PERPLEXITY_DOCS,
    "Perplexity-User": _PERPLEXITY_DOCS,
}

# Where the list spells one RFC 9309 token in two cases, the spelling the entry keeps
# (the operator's documented spelling); the other spellings are kept in `spellings`.
PREFERRED_SPELLINGS = frozenset({"meta-externalagent", "meta-externalfetcher", "Webzio-Extended"})

# The full User-Agent string each operator publishes for its agent, exactly as its page
# prints it, and that page (checked on PROBE_REVIEW_DATE). A probe sends this string, so
# only strings an operator publishes are kept. None for: control tokens, which never crawl
# (Google-Extended, Applebot-Extended, Webzio-Extended, YandexAdditional); Anthropic's
# agents, whose page names the tokens but gives no full string; Bytespider, whose operator
# publishes no page. Amazon's page later replaced the Chrome version with a placeholder
# ("Chrome/W.X.Y.Z"); the strings below are the last concrete ones it printed (April 2026).
_OPENAI_BOTS = "https://developers.openai.com/api/docs/bots"
_PERPLEXITY_BOTS = "https://docs.perplexity.ai/docs/resources/perplexity-crawlers"
_AMAZON_BOTS = "https://developer.amazon.com/amazonbot"
_COMMON_CRAWL_FAQ = "https://commoncrawl.org/faq"
_MISTRAL_BOTS = "https://docs.mistral.ai/robots"
_GOOGLE_USER_FETCHERS = (
    "https://developers.google.com/crawling/docs/crawlers-fetchers/google-user-triggered-fetchers"
)
_META_CRAWLER_UA = "(+https://developers.facebook.com/docs/sharing/webmasters/crawler)"
_WEBKIT = "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko"
_AMAZON_CHROME = "Chrome/119.0.6045.214 Safari/537.36"
USER_AGENTS: dict[str, tuple[str, str]] = {
    # training
    "GPTBot": (f"{_WEBKIT}); compatible; GPTBot/1.3; +https://openai.com/gptbot", _OPENAI_BOTS),
    "CCBot": ("CCBot/2.0 (https://commoncrawl.org/faq/)", _COMMON_CRAWL_FAQ),
    "meta-externalagent": (f"meta-externalagent/1.1 {_META_CRAWLER_UA}", _META_DOCS),
    # AI search
    "OAI-SearchBot": (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko)"
        " Chrome/131.0.0.0 Safari/537.36; compatible; OAI-SearchBot/1.3;"
        " +https://openai.com/searchbot",
        _OPENAI_BOTS,
    ),
    "PerplexityBot": (
        f"{_WEBKIT}; compatible; PerplexityBot/1.0; +https://perplexity.ai/perplexitybot)",
        _PERPLEXITY_BOTS,
    ),
    "meta-webindexer": (f"meta-webindexer/1.1 {_META_CRAWLER_UA}", _META_DOCS),
    "Amazonbot": (
        f"{_WEBKIT}; compatible; Amazonbot/0.1; +https://developer.amazon.com/support/amazonbot)"
        f" {_AMAZON_CHROME}",
        _AMAZON_BOTS,
    ),
    # fetches on a user's request
    "ChatGPT-User": (
        f"{_WEBKIT}); compatible; ChatGPT-User/1.0; +https://openai.com/bot",
        _OPENAI_BOTS,
    ),
    "Perplexity-User": (
        f"{_WEBKIT}; compatible; Perplexity-User/1.0; +https://perplexity.ai/perplexity-user)",
        _PERPLEXITY_BOTS,
    ),
    "meta-externalfetcher": (f"meta-externalfetcher/1.1 {_META_CRAWLER_UA}", _META_DOCS),
    "MistralAI-User": (
        f"{_WEBKIT}; compatible; MistralAI-User/1.0; +https://docs.mistral.ai/robots)",
        _MISTRAL_BOTS,
    ),
    "Amzn-User": (f"{_WEBKIT}; compatible; Amzn-User/0.1) {_AMAZON_CHROME}", _AMAZON_BOTS),
}

# Agents a robots.txt rule cannot bind, with the page that says so (checked on
# PROBE_REVIEW_DATE). "user-action": the operator says its user-triggered fetcher may not
# apply robots.txt. "ignores" and "own-group" need a published measurement or statement
# naming the agent; none is recorded yet (ai.robots.txt's "No" for Bytespider cites none).
# Anthropic says Claude-User obeys robots.txt, so it has no entry.
ROBOTS_EXEMPTIONS: dict[str, tuple[str, str]] = {
    "ChatGPT-User": ("user-action", _OPENAI_BOTS),
    "Perplexity-User": ("user-action", _PERPLEXITY_BOTS),
    "meta-externalfetcher": ("user-action", _META_DOCS),
    "Amzn-User": ("user-action", _AMAZON_BOTS),
    "Google-Agent": ("user-action", _GOOGLE_USER_FETCHERS),
    "Google-NotebookLM": ("user-action", _GOOGLE_USER_FETCHERS),
}
ROBOTS_EXEMPTION_KINDS = frozenset({"ignores", "own-group", "user-action"})
# RFC 9110 §5.5: a field value is visible ASCII and single spaces, no control characters.
_HEADER_VALUE = re.compile(r"[!-~]+(?: [!-~]+)*")
MAX_USER_AGENT_CHARS = 512

_LINK_ONLY = re.compile(r"\[([^\]]*)\]\((https?://[^)\s]+)\)")
_INLINE_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_BARE_URL = re.compile(r"https?://\S+")
_UNKNOWN = re.compile(r"(unclear|unknown|no information)\b", re.IGNORECASE)
_PROSE_BREAK = re.compile(r",\s| that | to | who | \(|\.\s")
# RFC 9309 §2.2: identifier = 1*(%x2D / %x41-5A / %x5F / %x61-7A)
_RFC_TOKEN = re.compile(r"[A-Za-z_-]+")
MAX_OPERATOR_CHARS = 40


def clean_operator(raw: str) -> tuple[str | None, str | None]:
    """The operator's plain name and its link, from the list's `operator` field."""
    text = raw.strip()
    link = _LINK_ONLY.fullmatch(text)
    if link:
        return link.group(1).strip() or None, link.group(2)
    if _BARE_URL.fullmatch(text):
        return None, text
    if _UNKNOWN.match(text):
        return None, None
    name = _PROSE_BREAK.split(_INLINE_LINK.sub(r"\1", text), maxsplit=1)[0].strip().rstrip(".")
    if not name or len(name) > MAX_OPERATOR_CHARS or "http" in name:
        return None, None
    return name, None


def normalise_respect(raw: str) -> tuple[str, str | None]:
    """'yes', 'no' or 'unclear', plus the evidence link when the answer is a link."""
    text = raw.strip()
    link = _LINK_ONLY.fullmatch(text)
    word = (link.group(1) if link else text).strip().rstrip(".").casefold()
    answer = {"yes": "yes", "no": "no"}.get(word, "unclear")
    return answer, (link.group(2) if link and answer != "unclear" else None)


def matchable_as(token: str) -> str | None:
    """The leading run of letters, '-' and '_' that Google's parser keeps of a UA value."""
    found = _RFC_TOKEN.match(token)
    return found.group(0) if found else None


def _facts(token: str, entry: Mapping[str, Any]) -> dict[str, Any]:
    """The facts of one list entry, without its prose."""
    operator, operator_url = clean_operator(str(entry.get("operator", "")))
    respects, respect_url = normalise_respect(str(entry.get("respect", "")))
    function = entry.get("function")
    category = function if function in KNOWNAGENTS_CATEGORIES else None
    return {
        "token": token,
        "operator": operator,
        "docs_url": operator_url or respect_url,
        "respects_robots": respects,
        "category": category,
    }


def _merge_spellings(group: list[dict[str, Any]]) -> dict[str, Any]:
    """One entry for tokens that differ only by case (RFC 9309 §2.2.1 matches them alike)."""
    preferred = [f for f in group if f["token"] in PREFERRED_SPELLINGS]
    ordered = preferred + [f for f in group if f not in preferred]
    merged = dict(ordered[0])
    for key in ("operator", "docs_url", "category"):
        merged[key] = next((f[key] for f in ordered if f[key] is not None), None)
    known = {f["respects_robots"] for f in ordered} - {"unclear"}
    merged["respects_robots"] = known.pop() if len(known) == 1 else "unclear"
    merged["spellings"] = sorted(f["token"] for f in group)
    return merged


def _lookup(table: Mapping[str, Any], spellings: Iterable[str]) -> Any:
    """The table value for the first of the spellings it holds, else None."""
    return next((table[s] for s in spellings if s in table), None)


def _finish(facts: dict[str, Any], sources: list[str]) -> dict[str, Any]:
    """A registry entry: the facts plus the project's classification."""
    token = facts["token"]
    spellings = facts.get("spellings", [token])
    purpose = _lookup(PURPOSES, spellings)
    reviewed = purpose is not None
    if purpose is None:
        purpose = CATEGORY_PURPOSE.get(facts["category"] or "", "other")
    operator = _lookup(PROJECT_AGENTS, spellings)
    if operator is None:
        fixed = [OPERATOR_FIXES[s] for s in spellings if s in OPERATOR_FIXES]
        operator = fixed[0] if fixed else facts["operator"]
    in_catalogue = any(s in PROJECT_AGENTS for s in spellings)
    probe = _probe_facts(token, spellings, purpose)
    probed = any(value is not None for value in probe.values())
    checked = PROBE_REVIEW_DATE if probed else (REVIEW_DATE if reviewed else SNAPSHOT_DATE)
    return {
        "token": token,
        "spellings": spellings,
        "operator": operator,
        "docs_url": _lookup(DOCS_URLS, spellings) or facts["docs_url"],
        "purpose": purpose,
        "class_source": "reviewed" if reviewed else "derived",
        "legacy": any(s in LEGACY for s in spellings),
        "respects_robots": facts["respects_robots"],
        "category": facts["category"],
        "rfc9309_valid": _RFC_TOKEN.fullmatch(token) is not None,
        "matchable_as": matchable_as(token),
        "sources": sources + (["project"] if in_catalogue or probed else []),
        "checked": checked,
        **probe,
    }


def _probe_facts(token: str, spellings: list[str], purpose: str) -> dict[str, str | None]:
    """The reviewed User-Agent string and robots.txt exemption of a token, checked."""
    user_agent, ua_source = _lookup(USER_AGENTS, spellings) or (None, None)
    exemption, exemption_source = _lookup(ROBOTS_EXEMPTIONS, spellings) or (None, None)
    if user_agent is not None:
        _check_user_agent(token, spellings, purpose, user_agent)
    if exemption is not None and exemption not in ROBOTS_EXEMPTION_KINDS:
        raise ValueError(f"{token}: unknown robots.txt exemption {exemption!r}")
    if exemption == "user-action" and purpose != "user":
        raise ValueError(f"{token}: a user-action exemption needs purpose user, not {purpose}")
    return {
        "user_agent": user_agent,
        "user_agent_source": ua_source,
        "robots_exemption": exemption,
        "robots_exemption_source": exemption_source,
    }


def _check_user_agent(token: str, spellings: list[str], purpose: str, user_agent: str) -> None:
    """A reviewed User-Agent string is a clean header value that names its own agent."""
    if purpose == "control":
        raise ValueError(f"{token}: a control token never crawls, so has no User-Agent string")
    if len(user_agent) > MAX_USER_AGENT_CHARS or not _HEADER_VALUE.fullmatch(user_agent):
        raise ValueError(f"{token}: User-Agent string is not a plain header value")
    if not any(s.casefold() in user_agent.casefold() for s in spellings):
        raise ValueError(f"{token}: User-Agent string {user_agent!r} does not name the agent")


def build_agents(source: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Registry entries from the parsed robots.json, plus the project's own tokens."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for raw_token, entry in source.items():
        token = raw_token.strip()
        if not token or not isinstance(entry, Mapping):
            raise ValueError(f"entry {raw_token!r} is not a token with an object")
        groups.setdefault(token.casefold(), []).append(_facts(token, entry))
    agents = [_finish(_merge_spellings(group), ["ai.robots.txt"]) for group in groups.values()]
    for token in PROJECT_AGENTS:
        if token.casefold() not in groups:
            empty = {"operator": "", "respect": "", "function": None}
            agents.append(_finish(_facts(token, empty), []))
    return sorted(agents, key=lambda a: (a["token"].casefold(), a["token"]))


def _unused_table_keys(source: Mapping[str, Any]) -> list[str]:
    """Keys of the hand-written tables that name no token (a stale review)."""
    known = {t.casefold() for t in source} | {t.casefold() for t in PROJECT_AGENTS}
    tables: list[Iterable[str]] = [
        PURPOSES,
        LEGACY,
        OPERATOR_FIXES,
        DOCS_URLS,
        USER_AGENTS,
        ROBOTS_EXEMPTIONS,
    ]
    return sorted({k for t in tables for k in t if k.casefold() not in known})


def read_source(path: Path) -> dict[str, Any]:
    """The parsed robots.json, with its size and entry count bounded."""
    data = path.read_bytes()
    if len(data) > MAX_SOURCE_BYTES:
        raise ValueError(f"{path}: larger than {MAX_SOURCE_BYTES} bytes")
    parsed = json.loads(data)
    if not isinstance(parsed, dict) or len(parsed) > MAX_ENTRIES:
        raise ValueError(f"{path}: expected an object of at most {MAX_ENTRIES} entries")
    return parsed


def render(agents: list[dict[str, Any]]) -> str:
    """The registry file's text."""
    document = {"version": REGISTRY_VERSION, "sources": SOURCES, "agents": agents}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Build the AI agent registry.")
    parser.add_argument("source", nargs="?", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    source = read_source(args.source)
    for key in _unused_table_keys(source):
        print(f"warning: reviewed table names {key!r}, which is not in the list", file=sys.stderr)
    agents = build_agents(source)
    args.out.write_text(render(agents), encoding="utf-8")
    print(f"wrote {len(agents)} agents to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
