"""The operators' published IP ranges: parsing their formats, the verified / impersonator /
unverifiable answer for IPv4 and IPv6, and the bundled snapshot's consistency."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from audits.core.agents import load_registry
from audits.logs.ranges import (
    MANIFEST_NAME,
    MAX_LIST_BYTES,
    MAX_PREFIXES,
    ListEntry,
    RangeList,
    RangeListError,
    RangeSet,
    bundled_folder,
    bundled_ranges,
    load_ranges,
    parse_cidr_lines,
    parse_manifest,
    parse_prefixes_json,
    read_manifest,
    sha256_hex,
)
from tests.conftest import ROOT

SNAPSHOT = ROOT / "audits" / "data" / "ip_ranges"


def _json(*prefixes: str, created: str | None = "2026-11-01T10:00:00.000000") -> bytes:
    items = [{"ipv6Prefix" if ":" in p else "ipv4Prefix": p} for p in prefixes]
    data: dict[str, object] = {"prefixes": items}
    if created is not None:
        data["creationTime"] = created
    return json.dumps(data).encode()


def _entry(name: str, agents: tuple[str, ...], **fields: object) -> ListEntry:
    values: dict[str, object] = {
        "name": name,
        "operator": "Example",
        "url": f"https://ops.example/{name}.json",
        "agents": agents,
        "file": f"{name}.json",
        "format": "json-prefixes",
        "created": "2026-11-01T10:00:00Z",
        "taken": "2026-12-01",
        "sha256": "0" * 64,
    }
    values.update(fields)
    return ListEntry(**values)  # type: ignore[arg-type]


def _set(*lists: tuple[ListEntry, bytes]) -> RangeSet:
    return RangeSet([(entry, parse_prefixes_json(body)) for entry, body in lists])


# --- Parsing ------------------------------------------------------------------------------


def test_the_json_shape_operators_publish() -> None:
    body = (
        b'{"creationTime": "2026-09-15T10:00:00.000000", "prefixes": ['
        b'{"ipv4Prefix": "17.241.208.160/27"}, {"ipv6Prefix": "2001:4860:4801:10::/64"},'
        b'{"service": "a field an operator added"}, {"ipv4Prefix": "17.241.208.161/27"}]}'
    )
    parsed = parse_prefixes_json(body)
    assert parsed.created == "2026-09-15T10:00:00.000000"
    # host bits are cleared, and the duplicate they make is dropped
    assert parsed.prefixes() == {"17.241.208.160/27", "2001:4860:4801:10::/64"}
    assert len(parsed.networks) == 2


def test_the_amazon_spelling_and_a_missing_creation_time() -> None:
    parsed = parse_prefixes_json(
        '{"prefixes": [{"ip_prefix": "52.94.0.0/22"}, {"ipv6_prefix": "2600:1f28::/48"}]}'
    )
    assert parsed.created is None
    assert parsed.prefixes() == {"52.94.0.0/22", "2600:1f28::/48"}


def test_a_utf8_byte_order_mark_is_accepted() -> None:
    assert parse_prefixes_json(b"\xef\xbb\xbf" + _json("1.2.3.0/24")).prefixes() == {"1.2.3.0/24"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>Service unavailable</html>", "not JSON"),
        (b'{"prefixes": {}}', "'prefixes' list"),
        (b"[]", "'prefixes' list"),
        (b'{"prefixes": []}', "no prefixes"),
        (b'{"prefixes": [{"other": "x"}]}', "no prefixes"),
        (b'{"prefixes": ["1.2.3.0/24"]}', "not an object"),
        (b'{"prefixes": [{"ipv4Prefix": "1.2.3.0/33"}]}', "not a prefix"),
        (b'{"prefixes": [{"ipv4Prefix": 17}]}', "not a prefix"),
        (b'{"prefixes": [{"ipv4Prefix": "2001:db8::/32"}]}', "ipv4Prefix holds"),
        (b'{"prefixes": [{"ipv6Prefix": "1.2.3.0/24"}]}', "ipv6Prefix holds"),
        (b'{"prefixes": [{"ipv4Prefix": "0.0.0.0/0"}]}', "wider than"),
        (b'{"prefixes": [{"ipv6Prefix": "2000::/3"}]}', "wider than"),
        (b'{"creationTime": 5, "prefixes": [{"ipv4Prefix": "1.2.3.0/24"}]}', "creationTime"),
        (b"\xff\xfe{}", "UTF-8"),
    ],
)
def test_a_broken_answer_is_refused(body: bytes, message: str) -> None:
    with pytest.raises(RangeListError, match=message):
        parse_prefixes_json(body)


def test_sizes_are_bounded() -> None:
    with pytest.raises(RangeListError, match="larger than"):
        parse_prefixes_json(b" " * (MAX_LIST_BYTES + 1))
    many = [f"10.{i >> 8 & 255}.{i & 255}.0/24" for i in range(MAX_PREFIXES + 1)]
    with pytest.raises(RangeListError, match="more than"):
        parse_prefixes_json(_json(*many))
    with pytest.raises(RangeListError, match="more than"):
        parse_cidr_lines("\n".join(many))


def test_plain_cidr_lines() -> None:
    parsed = parse_cidr_lines(
        "# CCBot\n18.97.9.168/29\n\n  18.97.14.80/29  # with a comment\n98.85.178.216\n"
        "2600:1f28:365:80b0::/60\n"
    )
    assert parsed.created is None
    assert parsed.prefixes() == {
        "18.97.9.168/29",
        "18.97.14.80/29",
        "98.85.178.216/32",
        "2600:1f28:365:80b0::/60",
    }
    with pytest.raises(RangeListError, match="line 2"):
        parse_cidr_lines("18.97.9.168/29\nnot an address\n")
    with pytest.raises(RangeListError, match="no prefixes"):
        parse_cidr_lines("# nothing\n")


# --- Verification -------------------------------------------------------------------------

GPTBOT = _entry("openai-gptbot", ("GPTBot",), created="2025-10-30T11:00:00Z")
CLAUDE = _entry("anthropic-bots", ("ClaudeBot", "Claude-User"), created=None, taken="2026-12-06")
GOOGLE = _entry("google-common", ("GoogleOther",), also_covers=("Googlebot",))
RANGES = _set(
    (GPTBOT, _json("20.171.206.0/24", "74.7.228.0/25")),
    (CLAUDE, _json("216.73.216.0/22", created=None)),
    (GOOGLE, _json("66.249.64.0/27", "2001:4860:4801:10::/64", "2001:4860:4801:2::/64")),
)


@pytest.mark.parametrize(
    ("agent", "address", "expected"),
    [
        ("GPTBot", "20.171.206.7", ("verified", "openai-gptbot (2025-10-30)")),
        ("GPTBot", "74.7.228.127", ("verified", "openai-gptbot (2025-10-30)")),
        ("GPTBot", "74.7.228.128", ("impersonator", None)),  # one past the /25
        ("GPTBot", "20.171.205.255", ("impersonator", None)),
        ("gptbot", "20.171.206.7", ("verified", "openai-gptbot (2025-10-30)")),  # RFC 9309 case
        ("GPTBot", "::ffff:20.171.206.7", ("verified", "openai-gptbot (2025-10-30)")),
        ("ClaudeBot", "216.73.219.255", ("verified", "anthropic-bots (copied 2026-12-06)")),
        ("Claude-User", "216.73.220.0", ("impersonator", None)),
        # an address in another operator's list does not verify this agent
        ("ClaudeBot", "20.171.206.7", ("impersonator", None)),
        ("GoogleOther", "2001:4860:4801:10::1", ("verified", "google-common (2026-11-01)")),
        (
            "GoogleOther",
            "2001:4860:4801:2:ffff:ffff:ffff:ffff",
            ("verified", "google-common (2026-11-01)"),
        ),
        ("GoogleOther", "[2001:4860:4801:10::1]", ("verified", "google-common (2026-11-01)")),
        ("GoogleOther", "2001:4860:4801:11::1", ("impersonator", None)),
        ("GoogleOther", "66.249.64.31", ("verified", "google-common (2026-11-01)")),
        ("Googlebot", "66.249.64.32", ("impersonator", None)),  # also_covers counts
        # no list covers the agent
        ("meta-externalagent", "20.171.206.7", ("unverifiable", None)),
        ("Google-Extended", "66.249.64.1", ("unverifiable", None)),
        # an address that cannot be parsed proves nothing either way
        ("GPTBot", "-", ("unverifiable", None)),
        ("GPTBot", "crawler.example", ("unverifiable", None)),
        ("GPTBot", "", ("unverifiable", None)),
        ("GPTBot", "20.171.206.999", ("unverifiable", None)),
    ],
)
def test_verify(agent: str, address: str, expected: tuple[str, str | None]) -> None:
    assert RANGES.verify(agent, address) == expected
    assert RANGES.verify(agent, address) == expected  # and again, from the cache


def test_overlapping_lists_verify_each_of_their_agents() -> None:
    searchbot = _entry("openai-searchbot", ("OAI-SearchBot",), created="2026-01-02T11:00:00Z")
    ranges = _set((GPTBOT, _json("4.227.36.0/25")), (searchbot, _json("4.227.36.0/25")))
    assert ranges.verify("GPTBot", "4.227.36.1") == ("verified", "openai-gptbot (2025-10-30)")
    assert ranges.verify("OAI-SearchBot", "4.227.36.1") == (
        "verified",
        "openai-searchbot (2026-01-02)",
    )
    assert [e.name for e in ranges.lists_for("oai-searchbot")] == ["openai-searchbot"]
    assert ranges.covers("GPTBot") and not ranges.covers("CCBot")


def test_an_agent_in_several_lists_is_verified_by_any_of_them() -> None:
    second = _entry("google-special", ("GoogleOther",), created="2026-11-02T00:00:00Z")
    ranges = _set((GOOGLE, _json("66.249.64.0/27")), (second, _json("66.249.87.0/27")))
    assert ranges.verify("GoogleOther", "66.249.87.5") == (
        "verified",
        "google-special (2026-11-02)",
    )
    assert ranges.verify("GoogleOther", "66.249.90.5") == ("impersonator", None)


def test_many_addresses_stay_within_the_cache_bound() -> None:
    ranges = _set((GPTBOT, _json("20.171.206.0/24")))
    for n in range(120_000):
        ranges.verify("GPTBot", f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}")
    assert len(ranges._cache) <= 100_000
    assert ranges.verify("GPTBot", "20.171.206.1")[0] == "verified"


# --- The manifest -------------------------------------------------------------------------


def _manifest(**overrides: object) -> dict[str, object]:
    item: dict[str, object] = {
        "name": "openai-gptbot",
        "operator": "OpenAI",
        "url": "https://openai.com/gptbot.json",
        "agents": ["GPTBot"],
        "file": "openai-gptbot.json",
        "format": "json-prefixes",
        "created": None,
        "taken": "2026-12-06",
        "sha256": "a" * 64,
    }
    item.update(overrides)
    return {"schema": 1, "lists": [item]}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"url": "http://openai.com/gptbot.json"}, "https"),
        ({"file": "../escape.json"}, "plain .json"),
        ({"format": "yaml"}, "format"),
        ({"taken": "06/12/2026"}, "ISO date"),
        ({"sha256": "abc"}, "sha256"),
        ({"agents": "GPTBot"}, "list of tokens"),
        ({"name": "Has Spaces"}, "name"),
    ],
)
def test_a_malformed_manifest_is_refused(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(RangeListError, match=message):
        parse_manifest(json.dumps(_manifest(**overrides)))


def test_names_and_files_are_unique() -> None:
    data = _manifest()
    lists = data["lists"]
    assert isinstance(lists, list)
    data["lists"] = [lists[0], {**lists[0], "file": "other.json"}]
    with pytest.raises(RangeListError, match="name used twice"):
        parse_manifest(json.dumps(data))


def test_a_copy_edited_by_hand_is_refused(tmp_path: Path) -> None:
    body = _json("20.171.206.0/24")
    data = _manifest(sha256=sha256_hex(body))
    (tmp_path / MANIFEST_NAME).write_text(json.dumps(data))
    (tmp_path / "openai-gptbot.json").write_bytes(body)
    assert load_ranges(tmp_path).verify("GPTBot", "20.171.206.1")[0] == "verified"
    (tmp_path / "openai-gptbot.json").write_bytes(_json("0.0.0.0/8"))
    with pytest.raises(RangeListError, match="sha256"):
        load_ranges(tmp_path)
    (tmp_path / "openai-gptbot.json").unlink()
    with pytest.raises(RangeListError, match="cannot read"):
        load_ranges(tmp_path)


# --- The bundled snapshot -----------------------------------------------------------------


def test_every_listed_file_exists_and_matches_its_hash() -> None:
    entries = read_manifest(SNAPSHOT)
    assert entries
    for entry in entries:
        body = (SNAPSHOT / entry.file).read_bytes()
        assert sha256_hex(body) == entry.sha256, entry.file
        parsed: RangeList = parse_prefixes_json(body)
        assert parsed.created == entry.created, entry.name
    on_disk = {p.name for p in SNAPSHOT.iterdir()} - {MANIFEST_NAME}
    assert on_disk == {e.file for e in entries}


def test_every_covered_token_is_a_registry_token() -> None:
    registry = load_registry()
    for entry in read_manifest(SNAPSHOT):
        for token in entry.agents:
            agent = registry.get(token)
            assert agent is not None and agent.token == token, (entry.name, token)
        for token in entry.also_covers:  # once the registry has it, it belongs in agents
            assert registry.get(token) is None, (entry.name, token)


def test_every_copy_says_where_it_came_from() -> None:
    for entry in read_manifest(SNAPSHOT):
        assert entry.copied_from or entry.checked, entry.name
        assert entry.url.startswith("https://")


def test_the_manifest_names_the_operators_it_lacks() -> None:
    data = json.loads((SNAPSHOT / MANIFEST_NAME).read_text())
    missing = {m["operator"] for m in data["missing"]}
    assert {"Amazon", "DuckDuckGo", "Mistral AI"} <= missing


def test_the_bundled_snapshot_checks_addresses() -> None:
    ranges = bundled_ranges()
    assert ranges.verify("GPTBot", "20.171.206.7")[0] == "verified"
    assert ranges.verify("GPTBot", "203.0.113.7") == ("impersonator", None)
    assert ranges.verify("GoogleOther", "2001:4860:4801:10::1")[0] == "verified"
    assert ranges.verify("Bytespider", "203.0.113.7") == ("unverifiable", None)
    assert Path(str(bundled_folder())).resolve() == SNAPSHOT.resolve()


def test_the_snapshot_ships_with_the_package() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["audits"]
    assert "data/ip_ranges/*.json" in patterns
