"""Answers by User-Agent: edge rules and agent-only routes, on a real sample web on 127.0.0.1.

A CDN or firewall rule refuses, charges, challenges or misleads AI agents while everyone else
gets the ordinary site; the sample web simulates that per site (``edge`` in site.json, and
``agents`` in a route). The requests here send each agent's full User-Agent string, as a
probe would, and compare with what the crawler's own User-Agent and a browser get.
"""

from __future__ import annotations

import csv
import http.client
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler.settings import USER_AGENT as OUR_AGENT
from sampleweb import SampleWeb, SiteError, load_sites, start_server
from sampleweb.__main__ import main as sampleweb_main
from sampleweb.sites import SITES_DIR, agent_matches
from tests.conftest import ROOT

TIMEOUT = 5.0

# Full User-Agent strings in the forms their operators publish, for the tests only.
AGENTS = {
    "GPTBot": "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.1; "
    "+https://openai.com/gptbot)",
    "OAI-SearchBot": "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; "
    "OAI-SearchBot/1.0; +https://openai.com/searchbot",
    "ChatGPT-User": "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; "
    "ChatGPT-User/1.0; +https://openai.com/bot",
    "ClaudeBot": "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; "
    "+claudebot@anthropic.com)",
    "Claude-User": "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; "
    "Claude-User/1.0; +Claude-User@anthropic.com)",
    "CCBot": "CCBot/2.0 (https://commoncrawl.org/faq/)",
    "PerplexityBot": "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; "
    "PerplexityBot/1.0; +https://perplexity.ai/perplexitybot)",
    "Perplexity-User": "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; "
    "Perplexity-User/1.0; +https://perplexity.ai/perplexity-user)",
    "Bytespider": "Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Mobile Safari/537.36 (compatible; Bytespider; spider-feedback@bytedance.com)",
    "meta-externalagent": "meta-externalagent/1.1 "
    "(+https://developers.facebook.com/docs/sharing/webmasters/crawler)",
    "Amazonbot": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_10_1) AppleWebKit/600.2.5 "
    "(KHTML, like Gecko) Version/8.0.2 Safari/600.2.5 (Amazonbot/0.1; "
    "+https://developer.amazon.com/support/amazonbot)",
}
TRAINING = ("GPTBot", "ClaudeBot", "CCBot", "Bytespider", "meta-externalagent", "Amazonbot")
SEARCH = ("OAI-SearchBot", "PerplexityBot")
USER_ACTION = ("ChatGPT-User", "Claude-User", "Perplexity-User")
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
ORDINARY = {"ours": OUR_AGENT, "browser": BROWSER, "none": None}


def fetch(
    web: SampleWeb, url: str, agent: str | None, method: str = "GET"
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """Status, headers and body of ``url`` through the sample web, with exactly this
    User-Agent header (``None``: no User-Agent header at all)."""
    connection = http.client.HTTPConnection("127.0.0.1", web.port, timeout=TIMEOUT)
    try:
        headers = {} if agent is None else {"User-Agent": agent}
        connection.request(method, url, headers=headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def title(body: bytes) -> str:
    match = re.search(rb"<title>([^<]*)</title>", body)
    assert match, body[:200]
    return match.group(1).decode()


# --- a small site written for these tests ------------------------------------------------------

EDGE_SITE: dict[str, Any] = {
    "name": "Edge Studio",
    "kind": "creator-site",
    "headers": {"Server": "cloudflare", "X-Site": "edge"},
    "edge": [
        {
            "agents": ["GPTBot", "CCBot"],
            "except_paths": ["/robots.txt"],
            "status": 403,
            "file": "parts/blocked.html",
            "headers": {"X-Site": "blocked"},
        },
        {
            "agents": ["ClaudeBot"],
            "paths": ["/art/*"],
            "status": 402,
            "headers": {"crawler-price": "USD 0.01"},
        },
        {"agents": ["ClaudeBot"], "status": 500},
        {
            "agents": ["PerplexityBot"],
            "paths": ["/", "/maze/*"],
            "maze": "/maze/",
            "maze_links": 3,
        },
        {
            "agents": ["Amazonbot"],
            "paths": ["/pay.json"],
            "status": 402,
            "body": '{"resource": "{url}", "path": "{path}", "host": "{host}"}',
            "template": True,
            "headers": {"Content-Type": "application/json"},
        },
    ],
    "routes": {
        "/art/1.html": {"agents": ["Bytespider"], "headers": {"X-Seen": "bytespider"}},
        "/art/*": {"headers": {"X-Seen": "everyone"}},
    },
}


def write_edge_site(root: Path, spec: object = None, host: str = "edge-studio.example") -> Path:
    folder = root / host
    (folder / "files" / "art").mkdir(parents=True)
    (folder / "parts").mkdir()
    (folder / "files" / "index.html").write_text(
        "<!DOCTYPE html><html><head><title>Edge Studio</title></head>"
        '<body><a href="/art/1.html">One</a></body></html>\n',
        encoding="utf-8",
    )
    (folder / "files" / "art" / "1.html").write_text("<p>one</p>\n", encoding="utf-8")
    (folder / "files" / "robots.txt").write_text("User-agent: *\nAllow: /\n", encoding="utf-8")
    (folder / "parts" / "blocked.html").write_text("<p>refused</p>\n", encoding="utf-8")
    (folder / "site.json").write_text(json.dumps(spec or EDGE_SITE), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def edge_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SampleWeb]:
    root = tmp_path_factory.mktemp("edge-sites")
    write_edge_site(root)
    with start_server(root) as running:
        yield running


HOME = "http://edge-studio.example/"
PAGE = "http://edge-studio.example/art/1.html"


@pytest.mark.parametrize("who", sorted(ORDINARY))
def test_ordinary_agents_get_the_ordinary_site(edge_web: SampleWeb, who: str) -> None:
    status, headers, body = fetch(edge_web, HOME, ORDINARY[who])
    assert (status, title(body), headers["X-Site"]) == (200, "Edge Studio", "edge")
    status, headers, body = fetch(edge_web, PAGE, ORDINARY[who])
    assert (status, body, headers["X-Seen"]) == (200, b"<p>one</p>\n", "everyone")


def test_an_edge_rule_answers_its_agents_with_its_status_headers_and_file(
    edge_web: SampleWeb,
) -> None:
    status, headers, body = fetch(edge_web, HOME, AGENTS["GPTBot"])
    assert (status, body) == (403, b"<p>refused</p>\n")
    assert headers["X-Site"] == "blocked"  # the rule's header replaces the site's
    assert headers["Server"] == "cloudflare"  # the other site headers stay
    assert headers["Content-Type"] == "text/html; charset=utf-8"


@pytest.mark.parametrize("agent", ["GPTBot", "gptbot", "GPTBOT/1.1", "x (compatible; ccbot)"])
def test_tokens_match_anywhere_in_the_header_in_any_case(edge_web: SampleWeb, agent: str) -> None:
    assert fetch(edge_web, HOME, agent)[0] == 403


def test_a_token_does_not_match_a_longer_different_name(edge_web: SampleWeb) -> None:
    # ChatGPT-User contains "GPT" but not "GPTBot": it gets the ordinary site.
    assert fetch(edge_web, HOME, AGENTS["ChatGPT-User"])[0] == 200


def test_except_paths_are_left_to_the_ordinary_site(edge_web: SampleWeb) -> None:
    status, _, body = fetch(edge_web, "http://edge-studio.example/robots.txt", AGENTS["GPTBot"])
    assert (status, body) == (200, b"User-agent: *\nAllow: /\n")


def test_the_first_rule_that_applies_answers(edge_web: SampleWeb) -> None:
    claude = AGENTS["ClaudeBot"]
    status, headers, _ = fetch(edge_web, PAGE, claude)
    assert (status, headers["crawler-price"]) == (402, "USD 0.01")
    assert fetch(edge_web, HOME, claude)[0] == 500  # outside the first rule's paths


def test_head_request_gets_the_edge_answer_without_body(edge_web: SampleWeb) -> None:
    status, headers, body = fetch(edge_web, HOME, AGENTS["GPTBot"], method="HEAD")
    assert (status, body) == (403, b"")
    assert headers["Content-Length"] == str(len(b"<p>refused</p>\n"))


def test_a_route_with_agents_applies_to_them_only(edge_web: SampleWeb) -> None:
    status, headers, body = fetch(edge_web, PAGE, AGENTS["Bytespider"])
    assert (status, body, headers["X-Seen"]) == (200, b"<p>one</p>\n", "bytespider")
    # Everyone else falls through to the next matching glob route.
    assert fetch(edge_web, PAGE, AGENTS["CCBot"])[0] == 403
    assert fetch(edge_web, PAGE, BROWSER)[1]["X-Seen"] == "everyone"


def test_a_maze_rule_serves_generated_pages_with_hidden_links(edge_web: SampleWeb) -> None:
    agent = AGENTS["PerplexityBot"]
    status, headers, body = fetch(edge_web, HOME, agent)
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert title(body) != "Edge Studio"
    links = re.findall(rb'<a rel="nofollow" href="(/maze/[0-9a-f]+\.html)"', body)
    assert len(links) == 3 and b'style="display:none"' in body
    again = fetch(edge_web, HOME, agent)[2]
    assert again == body  # the same page for the same path
    status, _, deeper = fetch(edge_web, "http://edge-studio.example" + links[0].decode(), agent)
    assert status == 200 and deeper != body and b"/maze/" in deeper
    # The maze does not exist for anyone else.
    assert fetch(edge_web, "http://edge-studio.example" + links[0].decode(), BROWSER)[0] == 404


def test_a_template_body_names_the_requested_url(edge_web: SampleWeb) -> None:
    url = "http://edge-studio.example/pay.json?x=1"
    status, headers, body = fetch(edge_web, url, AGENTS["Amazonbot"])
    assert (status, headers["Content-Type"]) == (402, "application/json")
    assert json.loads(body) == {
        "resource": "http://edge-studio.example/pay.json",
        "path": "/pay.json",
        "host": "edge-studio.example",
    }


def test_agent_matching_is_a_case_insensitive_substring() -> None:
    assert agent_matches(("GPTBot",), AGENTS["GPTBot"])
    assert agent_matches(("meta-ExternalAgent",), AGENTS["meta-externalagent"])
    assert not agent_matches(("ClaudeBot",), AGENTS["Claude-User"])
    assert not agent_matches(("GPTBot",), "")


# --- bad edge rules fail at load ---------------------------------------------------------------

BAD_RULES = [
    ({"edge": {"agents": ["GPTBot"]}}, r"site\.json: 'edge' must be a list of rules"),
    ({"edge": ["GPTBot"]}, r"site\.json: edge\[0\]: must be an object"),
    ({"edge": [{"status": 403}]}, r"site\.json: edge\[0\]: 'agents' is required"),
    ({"edge": [{"agents": [], "status": 403}]}, r"edge\[0\]: 'agents' must be a non-empty list"),
    ({"edge": [{"agents": "GPTBot"}]}, r"edge\[0\]: 'agents' must be a non-empty list"),
    ({"edge": [{"agents": ["GPT Bot"]}]}, r"edge\[0\]: 'agents' must be .*no spaces or slashes"),
    ({"edge": [{"agents": ["GPTBot/1.1"]}]}, r"edge\[0\]: 'agents' must be"),
    (
        {"edge": [{"agents": ["GPTBot"]}, {"agents": ["CCBot"], "stauts": 403}]},
        r"site\.json: edge\[1\]: unknown key\(s\) 'stauts'",
    ),
    (
        {"edge": [{"agents": ["GPTBot"], "paths": ["art/*"]}]},
        r"edge\[0\]: 'paths' must be a list of paths or globs starting with '/'",
    ),
    ({"edge": [{"agents": ["GPTBot"], "paths": []}]}, r"edge\[0\]: 'paths' must name at least"),
    (
        {"edge": [{"agents": ["GPTBot"], "except_paths": "/robots.txt"}]},
        r"edge\[0\]: 'except_paths' must be a list",
    ),
    ({"edge": [{"agents": ["GPTBot"], "status": 1000}]}, r"edge\[0\]: 'status' must be an HTTP"),
    (
        {"edge": [{"agents": ["GPTBot"], "file": "parts/missing.html"}]},
        r"edge\[0\]: 'file' 'parts/missing\.html' does not exist",
    ),
    (
        {"edge": [{"agents": ["GPTBot"], "maze": "/maze/", "body": "x"}]},
        r"edge\[0\]: 'maze' makes the body",
    ),
    ({"edge": [{"agents": ["GPTBot"], "maze": "maze"}]}, r"edge\[0\]: 'maze' must be a folder"),
    ({"edge": [{"agents": ["GPTBot"], "maze_links": 3}]}, r"'maze_links' only goes with 'maze'"),
    (
        {"edge": [{"agents": ["GPTBot"], "maze": "/m/", "maze_links": 500}]},
        r"'maze_links' must be an integer from 1 to 20",
    ),
    ({"edge": [{"agents": ["GPTBot"], "template": True}]}, r"'template' needs a 'file' or"),
    (
        {"routes": {"/a": {"agents": ["Claude Bot"]}}},
        r"site\.json: routes\['/a'\]: 'agents' must be a non-empty list",
    ),
]


@pytest.mark.parametrize(("extra", "message"), BAD_RULES)
def test_a_bad_edge_rule_fails_at_load_naming_the_file_and_key(
    tmp_path: Path, extra: dict[str, Any], message: str
) -> None:
    write_edge_site(tmp_path, {"name": "x", "kind": "creator-site", **extra})
    with pytest.raises(SiteError, match=message) as caught:
        load_sites(tmp_path)
    assert str(caught.value).startswith(str(tmp_path / "edge-studio.example" / "site.json"))


def test_a_bad_edge_rule_stops_the_command_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_edge_site(tmp_path, {"name": "x", "kind": "creator-site", "edge": [{"status": 403}]})
    assert sampleweb_main(["seeds", "--sites", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "edge-studio.example/site.json: edge[0]: 'agents' is required" in err


# --- the bundled sites that answer AI agents differently ---------------------------------------

EDGE_HOSTS = {
    "illustrator-cleo.example": "edge-ai-refused",
    "printmaker-paz.example": "edge-pay-per-crawl",
    "comics-xavi.example": "edge-x402",
    "potter-vera.example": "edge-ai-challenge",
    "etcher-dario.example": "edge-ai-decoy",
    "collage-nell.example": "edge-robots-refused",
    "lino-reza.example": "robots-request-only",
    "plain-sam.example": "edge-control",
}
BUNDLED = load_sites()


@pytest.fixture(scope="module")
def web() -> Iterator[SampleWeb]:
    with start_server() as running:
        yield running


def _home_page_image(host: str) -> tuple[str, str, str]:
    """The home page, the first content page it links to, and the first image it shows."""
    home = (SITES_DIR / host / "files" / "index.html").read_text(encoding="utf-8")
    page = re.findall(r'href="(/art/[a-z-]+\.html)"', home)[0]
    image = re.findall(r'src="(/images/[a-z-]+\.jpg)"', home)[0]
    return f"http://{host}/", f"http://{host}{page}", f"http://{host}{image}"


def test_every_edge_host_is_a_seed_and_covers_its_case() -> None:
    with (ROOT / "sampleweb" / "seeds.csv").open(encoding="utf-8") as rows:
        origins = {row["origin"] for row in csv.DictReader(rows)}
    for host, case in EDGE_HOSTS.items():
        assert f"http://{host}" in origins
        assert case in BUNDLED[host].covers


@pytest.mark.parametrize("host", sorted(EDGE_HOSTS))
def test_ordinary_agents_fetch_home_page_and_image(web: SampleWeb, host: str) -> None:
    home, page, image = _home_page_image(host)
    for agent in (OUR_AGENT, BROWSER):
        answers = [fetch(web, url, agent) for url in (home, page, image)]
        assert [status for status, _, _ in answers] == [200, 200, 200]
        assert answers[2][1]["Content-Type"] == "image/jpeg"
        assert answers[2][2].startswith(b"\xff\xd8")


def _answers(web: SampleWeb, host: str, agent: str) -> list[tuple[int, Any, bytes]]:
    return [fetch(web, url, AGENTS[agent]) for url in _home_page_image(host)]


def test_cloudflare_refuses_training_and_search_agents_but_not_user_fetchers(
    web: SampleWeb,
) -> None:
    host = "illustrator-cleo.example"
    for agent in TRAINING + SEARCH:
        answers = _answers(web, host, agent)
        assert [status for status, _, _ in answers] == [403, 403, 403], agent
        for _, headers, body in answers:
            assert headers["Server"] == "cloudflare" and headers["CF-RAY"]
            assert b"cf-error-details" in body and b"Cloudflare" in body
    baseline = [(s, b) for s, _, b in _answers(web, host, "ChatGPT-User")]
    assert baseline == [(s, b) for s, _, b in _answers(web, host, "ChatGPT-User")]
    assert [status for status, _ in baseline] == [200, 200, 200]
    for agent in USER_ACTION:
        assert [(s, b) for s, _, b in _answers(web, host, agent)] == baseline, agent
    ours = [(s, b) for s, _, b in (fetch(web, u, OUR_AGENT) for u in _home_page_image(host))]
    assert ours == baseline
    robots = fetch(web, f"http://{host}/robots.txt", AGENTS["GPTBot"])
    assert robots[0] == 200 and robots[2] == b"User-agent: *\nAllow: /\n"
    # The ordinary site is behind the same CDN: its headers say so too.
    assert fetch(web, f"http://{host}/", BROWSER)[1]["Server"] == "cloudflare"


def test_pay_per_crawl_charges_every_ai_agent(web: SampleWeb) -> None:
    host = "printmaker-paz.example"
    for agent in AGENTS:
        for status, headers, _ in _answers(web, host, agent):
            assert (status, headers["crawler-price"]) == (402, "USD 0.01"), agent
    assert fetch(web, f"http://{host}/robots.txt", AGENTS["GPTBot"])[0] == 200
    assert "crawler-price" not in fetch(web, f"http://{host}/", OUR_AGENT)[1]


def test_x402_answers_ai_agents_with_payment_requirements(web: SampleWeb) -> None:
    host = "comics-xavi.example"
    for agent in AGENTS:
        for url, (status, headers, body) in zip(
            _home_page_image(host), _answers(web, host, agent), strict=True
        ):
            assert status == 402, agent
            assert headers["Content-Type"] == "application/json; charset=utf-8"
            payment = json.loads(body)
            assert payment["x402Version"] == 1 and payment["error"]
            (offer,) = payment["accepts"]
            assert offer["scheme"] == "exact" and offer["network"] == "base-sepolia"
            assert offer["maxAmountRequired"] == "10000"
            assert re.fullmatch(r"0x[0-9a-fA-F]{40}", offer["asset"])
            assert re.fullmatch(r"0x[0-9a-fA-F]{40}", offer["payTo"])
            assert offer["resource"] == url
    assert fetch(web, f"http://{host}/robots.txt", AGENTS["ClaudeBot"])[0] == 200


def test_a_javascript_challenge_is_shown_to_ai_agents_only(web: SampleWeb) -> None:
    host = "potter-vera.example"
    for agent in AGENTS:
        for status, headers, body in _answers(web, host, agent):
            assert (status, headers["cf-mitigated"]) == (403, "challenge"), agent
            assert b"<script>" in body and b"<noscript>" in body
    status, headers, body = fetch(web, f"http://{host}/", BROWSER)
    assert status == 200 and "cf-mitigated" not in headers and b"<script>" not in body


def test_training_crawlers_get_decoy_pages_into_a_maze(web: SampleWeb) -> None:
    host = "etcher-dario.example"
    home, page, image = _home_page_image(host)
    real = {url: fetch(web, url, OUR_AGENT)[2] for url in (home, page, image)}
    for agent in TRAINING:
        for url in (home, page):
            status, _, body = fetch(web, url, AGENTS[agent])
            assert status == 200
            assert title(body) != title(real[url]) and body != real[url]
            assert b"/art/" not in body  # none of the real links
            hidden = re.findall(rb'href="(/maze/[0-9a-f]+\.html)"', body)
            assert len(hidden) == 5 and b'style="display:none"' in body
        assert fetch(web, image, AGENTS[agent])[2] == real[image]
    deeper = "http://" + host + hidden[0].decode()
    assert fetch(web, deeper, AGENTS["GPTBot"])[0] == 200
    assert fetch(web, deeper, BROWSER)[0] == 404
    for agent in SEARCH + USER_ACTION:  # not in the rule
        assert fetch(web, home, AGENTS[agent])[2] == real[home]


def test_ai_agents_are_refused_even_robots_txt(web: SampleWeb) -> None:
    host = "collage-nell.example"
    robots = f"http://{host}/robots.txt"
    for agent in AGENTS:
        assert fetch(web, robots, AGENTS[agent])[0] == 403, agent
        assert [s for s, _, _ in _answers(web, host, agent)] == [403, 403, 403]
    status, _, body = fetch(web, robots, OUR_AGENT)
    assert status == 200 and b"User-agent: GPTBot\nDisallow: /" in body


@pytest.mark.parametrize("host", ["lino-reza.example", "plain-sam.example"])
def test_every_agent_gets_the_same_pages(web: SampleWeb, host: str) -> None:
    baseline = [fetch(web, url, OUR_AGENT) for url in _home_page_image(host)]
    for agent in AGENTS:
        answers = _answers(web, host, agent)
        assert [(s, b) for s, _, b in answers] == [(s, b) for s, _, b in baseline], agent
    robots = fetch(web, f"http://{host}/robots.txt", AGENTS["GPTBot"])[2]
    if host == "lino-reza.example":  # a request, not a block
        assert b"User-agent: GPTBot\nDisallow: /" in robots
        assert b"User-agent: ClaudeBot\nDisallow: /" in robots
