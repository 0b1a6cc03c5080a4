"""The access-log generator of the sample web (issue 16, point 6): the same seed gives the same
bytes, every file reads as the format it claims, and the ground truth agrees with the lines and
with the robots.txt in force. Lines are read here with regular expressions and the json module,
never with the project's log parsers (they are what these logs test)."""

from __future__ import annotations

import gzip
import hashlib
import ipaddress
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from protego import Protego

from audits.core.agents import load_registry
from sampleweb.__main__ import main
from sampleweb.access_logs import (
    BROWSERS,
    FORMATS,
    HUMAN_NETWORKS,
    SPOOF_NETWORK,
    Actor,
    LogSite,
    MalformedKind,
    Truth,
    default_sites,
    published_ranges,
    sample_site,
    write_logs,
)

START = datetime(2026, 11, 1, tzinfo=UTC)
END = datetime(2026, 11, 6, tzinfo=UTC)
SEED = 11
TOO_LONG = 16 * 1024
"""A line longer than this is malformed, however it looks (what a bounded reader keeps)."""
MALFORMED: dict[MalformedKind, int] = {"truncated": 3, "binary": 1, "overlong": 2}

CLF_TIME = r"\[(?P<time>\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\]"
COMBINED = re.compile(
    r"(?P<client>[0-9a-f.:]+) - - " + CLF_TIME + r' "(?P<method>[A-Z]+) (?P<target>/\S*)'
    r' (?P<protocol>HTTP/[0-9.]+)" (?P<status>\d{3}) (?P<size>\d+|-)'
    r' "(?P<referer>[^"]*)" "(?P<user_agent>[^"]*)"'
)
VHOST_COMBINED = re.compile(r"(?P<host>[a-z0-9.-]+):(?P<port>\d+) " + COMBINED.pattern)


@dataclass(frozen=True)
class Request:
    """What every format records of one request, read independently of the project."""

    time: datetime
    client: str
    method: str
    target: str
    status: int
    user_agent: str
    host: str | None


# --- the logs under test ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Truth]:
    out = tmp_path_factory.mktemp("logs")
    truth = write_logs(
        out, None, START, END, seed=SEED, formats=FORMATS, visitors_per_day=8, malformed=MALFORMED
    )
    return out, truth


@pytest.fixture(scope="module")
def read(logs: tuple[Path, Truth]) -> dict[str, dict[int, Request | None]]:
    """Every file, line by line: the request, or None for a line that does not parse."""
    out, truth = logs
    return {f["name"]: dict(_read(out / f["name"], f["format"])) for f in truth.files}


def _lines(path: Path) -> Iterator[bytes]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as stream:
        for raw in stream:
            yield raw.rstrip(b"\n")


def _read(path: Path, fmt: str) -> Iterator[tuple[int, Request | None]]:
    for number, raw in enumerate(_lines(path), 1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            yield number, None
            continue
        yield number, None if len(text) > TOO_LONG else _parse(text, fmt)


def _clf_time(text: str) -> datetime:
    return datetime.strptime(text, "%d/%b/%Y:%H:%M:%S %z")


def _parse(text: str, fmt: str) -> Request | None:
    if fmt in ("combined", "vhost_combined"):
        match = (COMBINED if fmt == "combined" else VHOST_COMBINED).fullmatch(text)
        if match is None:
            return None
        return Request(
            _clf_time(match["time"]),
            match["client"],
            match["method"],
            match["target"],
            int(match["status"]),
            match["user_agent"],
            match.groupdict().get("host"),
        )
    try:
        record = json.loads(text)
    except json.JSONDecodeError:
        return None
    assert isinstance(record, dict), text[:200]
    if fmt == "nginx-json":
        method, target, protocol = record["request"].split(" ")
        assert (method, target) == (record["request_method"], record["request_uri"])
        assert protocol.startswith("HTTP/") and record["body_bytes_sent"].isdigit()
        moment = datetime.fromisoformat(record["time_iso8601"])
        assert moment == _clf_time(record["time_local"])
        return Request(
            moment,
            record["remote_addr"],
            method,
            target,
            int(record["status"]),
            record["http_user_agent"],
            record["host"],
        )
    if fmt == "caddy":
        request = record["request"]
        assert record["msg"] == "handled request" and isinstance(record["size"], int)
        (user_agent,) = request["headers"]["User-Agent"]
        assert request["client_ip"] == request["remote_ip"]
        return Request(
            datetime.fromtimestamp(int(record["ts"]), UTC),
            request["client_ip"],
            request["method"],
            request["uri"],
            record["status"],
            user_agent,
            request["host"],
        )
    assert fmt == "cloudflare", fmt
    stamp = record["EdgeStartTimestamp"]
    assert isinstance(stamp, int) and stamp > 10**18  # Logpush's default: Unix nanoseconds
    assert isinstance(record["EdgeResponseBytes"], int)
    return Request(
        datetime.fromtimestamp(stamp // 10**9, UTC),
        record["ClientIP"],
        record["ClientRequestMethod"],
        record["ClientRequestURI"],
        record["EdgeResponseStatus"],
        record["ClientRequestUserAgent"],
        record["ClientRequestHost"],
    )


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _hits_of(truth: Truth, **fields: Any) -> list[dict[str, Any]]:
    return [h for h in truth.hits if all(h[k] == v for k, v in fields.items())]


# --- determinism, files and formats -------------------------------------------------------------


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_the_same_seed_gives_the_same_bytes(logs: tuple[Path, Truth], tmp_path: Path) -> None:
    out, _ = logs
    again = tmp_path / "again"
    write_logs(
        again, None, START, END, seed=SEED, formats=FORMATS, visitors_per_day=8, malformed=MALFORMED
    )
    assert _digests(again) == _digests(out)
    other = tmp_path / "other"
    write_logs(other, None, START, END, seed=SEED + 1, formats=("combined",), visitors_per_day=8)
    some = next(n for n in _digests(other) if n.endswith(".access.log"))
    assert (other / some).read_bytes() != (out / some).read_bytes()


def test_one_file_per_site_and_format_with_the_truth_beside(logs: tuple[Path, Truth]) -> None:
    out, truth = logs
    sites = {f["site"] for f in truth.files}
    assert len(sites) == 6 and len(truth.files) == 6 * len(FORMATS)
    assert {p.name for p in out.iterdir()} == {f["name"] for f in truth.files} | {"truth.json"}
    assert json.loads((out / "truth.json").read_text()) == truth.data


def test_every_line_reads_as_its_format_except_the_malformed_ones(
    logs: tuple[Path, Truth], read: dict[str, dict[int, Request | None]]
) -> None:
    _, truth = logs
    for file in truth.files:
        lines = read[file["name"]]
        assert len(lines) == file["lines"]
        unreadable = {n for n, request in lines.items() if request is None}
        listed = {n for numbers in file["malformed"].values() for n in numbers}
        assert unreadable == listed, file["name"]
        hosts = {r.host for r in lines.values() if r is not None} - {None}
        assert hosts <= {file["site"]}


def test_every_format_of_a_site_logs_the_same_requests_line_for_line(
    logs: tuple[Path, Truth], read: dict[str, dict[int, Request | None]]
) -> None:
    _, truth = logs
    by_site: dict[str, list[dict[int, Request | None]]] = {}
    for file in truth.files:
        by_site.setdefault(file["site"], []).append(read[file["name"]])
    for site, files in by_site.items():
        first, *others = files
        for other in others:
            for number, request in first.items():
                if request is not None:
                    assert other[number] is not None
                    assert request == other[number] or request == _with_host(other[number], None), (
                        site,
                        number,
                    )


def _with_host(request: Request | None, host: str | None) -> Request | None:
    if request is None:
        return None
    return Request(
        request.time,
        request.client,
        request.method,
        request.target,
        request.status,
        request.user_agent,
        host,
    )


def test_lines_are_in_time_order_within_the_span(
    logs: tuple[Path, Truth], read: dict[str, dict[int, Request | None]]
) -> None:
    _, truth = logs
    for file in truth.files:
        times = [r.time for _, r in sorted(read[file["name"]].items()) if r is not None]
        assert times == sorted(times)
        assert times[0] >= START and times[-1] < END


def test_the_gzip_log_is_the_plain_log_compressed(logs: tuple[Path, Truth]) -> None:
    out, truth = logs
    for file in truth.files:
        if file["compression"] == "gzip":
            packed = (out / file["name"]).read_bytes()
            assert packed[:2] == b"\x1f\x8b" and packed[4:8] == b"\0\0\0\0"  # no mtime
            plain = out / file["name"].removesuffix(".gz")
            assert gzip.decompress(packed) == plain.read_bytes()


def test_malformed_lines_come_in_the_numbers_asked(logs: tuple[Path, Truth]) -> None:
    out, truth = logs
    for file in truth.files:
        assert {k: len(v) for k, v in file["malformed"].items()} == MALFORMED
        lines = dict(enumerate(_lines(out / file["name"]), 1))
        for number in file["malformed"]["binary"]:
            with pytest.raises(UnicodeDecodeError):
                lines[number].decode("utf-8")
            assert b"\0" in lines[number]
        for number in file["malformed"]["overlong"]:
            assert len(lines[number]) > 64 * 1024
        for number in file["malformed"]["truncated"]:
            text = lines[number].decode("utf-8")
            assert 20 < len(text) < 600
            assert not text.endswith(('"', "}"))
    assert truth.data["counts"]["malformed"] == sum(MALFORMED.values()) * len(truth.files) // len(
        FORMATS
    )


def test_one_log_of_every_site_carries_the_host(tmp_path: Path) -> None:
    sites = default_sites(
        START, START + timedelta(days=2), hosts=("plain-sam.example", "artist-anna.example")
    )
    truth = write_logs(
        tmp_path,
        sites,
        START,
        START + timedelta(days=2),
        seed=1,
        formats=("combined", "cloudflare"),
        visitors_per_day=5,
        one_file=True,
    )
    assert [f["name"] for f in truth.files] == [
        "all-sites.access.log",
        "all-sites.cloudflare.jsonl",
    ]
    assert truth.files[0]["format"] == "vhost_combined" and truth.files[0]["site"] is None
    lines = dict(_read(tmp_path / "all-sites.access.log", "vhost_combined"))
    assert {r.host for r in lines.values() if r} == {"plain-sam.example", "artist-anna.example"}
    for hit in truth.hits:
        assert hit["log"] == "all-sites"
        request = lines[hit["line"]]
        assert request is not None and request.host == hit["site"]


# --- the ground truth against the lines ---------------------------------------------------------


def _request(
    truth: Truth, read: dict[str, dict[int, Request | None]], hit: dict[str, Any], fmt: str
) -> Request | None:
    name = next(f["name"] for f in truth.files if f["site"] == hit["site"] and f["format"] == fmt)
    return read[name][hit["line"]]


def test_each_hit_is_the_line_it_names(
    logs: tuple[Path, Truth], read: dict[str, dict[int, Request | None]]
) -> None:
    _, truth = logs
    registry = load_registry()
    assert len(truth.hits) > 1000
    for hit in truth.hits:
        request = _request(truth, read, hit, "combined")
        assert request is not None
        agent = registry.get(hit["agent"])
        assert agent is not None and agent.user_agent == request.user_agent
        assert agent.purpose == hit["purpose"]
        assert (request.client, request.target, request.status) == (
            hit["client"],
            hit["target"],
            hit["status"],
        )
        assert request.time == _moment(hit["time"])


def _product_tokens(user_agent: str) -> set[str]:
    """Every word a User-Agent could name an agent by (products and words in comments)."""
    return {t.casefold() for t in re.findall(r"[A-Za-z][\w.-]*", user_agent)}


def test_lines_not_in_the_truth_name_no_ai_agent(
    logs: tuple[Path, Truth], read: dict[str, dict[int, Request | None]]
) -> None:
    _, truth = logs
    tokens = {t.casefold() for a in load_registry().agents for t in (a.token, *a.spellings)}
    named = {(h["site"], h["line"]) for h in truth.hits}
    others: Counter[str] = Counter()
    for file in truth.files:
        if file["format"] != "combined":
            continue
        for number, request in read[file["name"]].items():
            if request is None or (file["site"], number) in named:
                continue
            assert not _product_tokens(request.user_agent) & tokens, request.user_agent
            others[request.user_agent.split("/")[0]] += 1
    assert others["Mozilla"] > 1000  # people, Googlebot and Bingbot
    assert others["Googlebot-Image"] > 0 and others["python-requests"] + others["curl"] > 0


def test_verified_from_inside_the_ranges_used_impersonators_from_outside(
    logs: tuple[Path, Truth],
) -> None:
    _, truth = logs
    ranges = {
        agent: [ipaddress.ip_network(c) for c in cidrs]
        for agent, cidrs in truth.data["ranges"].items()
    }
    assert truth.data["ranges"] == {k: list(v) for k, v in sorted(published_ranges().items())}
    spoofed = ipaddress.ip_network(SPOOF_NETWORK)
    seen: Counter[str] = Counter()
    for hit in truth.hits:
        address = ipaddress.ip_address(hit["client"])
        inside = any(address in n for n in ranges.get(hit["agent"], []))
        seen[hit["verification"]] += 1
        if hit["verification"] == "verified":
            assert inside and not hit["spoofed"]
        elif hit["verification"] == "impersonator":
            assert hit["agent"] in ranges and not inside and address in spoofed
            assert hit["spoofed"]
        else:
            assert hit["agent"] not in ranges
        assert not any(address in ipaddress.ip_network(n) for n in HUMAN_NETWORKS)
    assert min(seen.values()) > 50 and len(seen) == 3


def test_people_browse_from_documentation_ranges(
    logs: tuple[Path, Truth], read: dict[str, dict[int, Request | None]]
) -> None:
    _, truth = logs
    networks = [ipaddress.ip_network(n) for n in HUMAN_NETWORKS]
    statuses: Counter[int] = Counter()
    for file in truth.files:
        if file["format"] == "combined":
            for request in read[file["name"]].values():
                if request is not None and request.user_agent in BROWSERS:
                    assert any(ipaddress.ip_address(request.client) in n for n in networks)
                    statuses[request.status] += 1
    assert statuses[200] > 500 and statuses[404] > 0 and statuses[304] > 0


# --- the ground truth against robots.txt --------------------------------------------------------


def _allowed(body: str | None, agent: str, site: str, target: str) -> bool:
    """Protego's answer: a matcher the generator does not use."""
    return body is None or Protego.parse(body).can_fetch(f"http://{site}{target}", agent)


def test_every_judgement_follows_from_the_robots_txt_in_force(logs: tuple[Path, Truth]) -> None:
    _, truth = logs
    judged: Counter[str] = Counter()
    for hit in truth.hits:
        site = truth.data["sites"][hit["site"]]
        moment = _moment(hit["time"])
        old = _allowed(site["robots"], hit["agent"], hit["site"], hit["target"])
        new = old
        changed = seen = None
        if site["changed_at"] is not None:
            changed, seen = _moment(site["changed_at"]), _moment(site["last_seen_old"])
            new = _allowed(site["new_robots"], hit["agent"], hit["site"], hit["target"])
        assert (hit["allowed_old"], hit["allowed_new"]) == (old, new if changed else None)
        after = changed is not None and moment >= changed
        in_force = new if after else old
        unseen = changed is not None and seen is not None and seen < moment < changed
        judgement = hit["judgement"]
        judged[judgement] += 1
        assert hit["violation"] == (judgement == "disallowed")
        if judgement == "allowed":
            assert in_force and not (unseen and old != new)
        elif judgement == "changed-between":
            assert unseen and old != new
        elif judgement == "within-cache-allowance":
            assert changed is not None and changed <= moment < changed + timedelta(hours=24)
            assert old and not new
        else:
            assert judgement == "disallowed", judgement
            assert not in_force and not (unseen and old != new)
            if after and changed is not None and moment < changed + timedelta(hours=24):
                assert not old  # the old file disallowed it too: no cache excuses it
    assert set(judged) == {"allowed", "disallowed", "within-cache-allowance", "changed-between"}


def test_robots_txt_is_allowed_and_never_a_violation(logs: tuple[Path, Truth]) -> None:
    _, truth = logs
    for hit in truth.hits:
        if hit["robots_txt"]:
            assert hit["judgement"] in ("allowed", "unknown") and hit["followed"] is None


def test_the_obeying_crawler_follows_old_rules_before_and_new_after(
    logs: tuple[Path, Truth],
) -> None:
    _, truth = logs
    hits = _hits_of(truth, actor="gptbot-obeys")
    assert not [h for h in hits if h["judgement"] in ("disallowed", "within-cache-allowance")]
    pages = [h for h in hits if not h["robots_txt"]]
    assert all(h["robots_read_before"] for h in pages)
    for hit in pages:
        site = truth.data["sites"][hit["site"]]
        after = site["changed_at"] is not None and _moment(hit["time"]) >= _moment(
            site["changed_at"]
        )
        assert hit["followed"] == ("new" if after else "old")
        assert hit["allowed_new" if after else "allowed_old"]
    # artist-anna fixed its GPTBot typo: pages before the change, only robots.txt after it
    anna = [h for h in pages if h["site"] == "artist-anna.example"]
    assert {h["followed"] for h in anna} == {"old"}
    anna_robots = _hits_of(truth, actor="gptbot-obeys", site="artist-anna.example", robots_txt=True)
    changed = _moment(truth.data["sites"]["artist-anna.example"]["changed_at"])
    assert any(_moment(h["time"]) > changed for h in anna_robots)
    # photo-marta dropped its /images/ block: GPTBot's images come after the change only
    marta = [h for h in pages if h["site"] == "photo-marta.example" and h["image"]]
    assert marta and all(h["followed"] == "new" for h in marta)


def _after_change(truth: Truth, hit: dict[str, Any]) -> timedelta:
    return _moment(hit["time"]) - _moment(truth.data["sites"][hit["site"]]["changed_at"])


def test_the_short_cache_stays_within_the_allowance_the_long_one_does_not(
    logs: tuple[Path, Truth],
) -> None:
    _, truth = logs
    short = _hits_of(truth, actor="meta-cache-20h")
    long = _hits_of(truth, actor="amazonbot-cache-40h")
    day = timedelta(hours=24)
    stale_short = [h for h in short if h["followed"] == "old" and h["allowed_new"] is False]
    assert stale_short and all(
        _after_change(truth, h) < day for h in stale_short if h["judgement"] != "changed-between"
    )
    assert not [h for h in short if h["judgement"] == "disallowed"]
    assert {h["judgement"] for h in stale_short} >= {"within-cache-allowance"}
    late = [h for h in long if h["judgement"] == "disallowed"]
    assert late and all(h["followed"] == "old" and h["allowed_old"] for h in late)
    assert all(day < _after_change(truth, h) < timedelta(hours=41) for h in late)
    assert [h for h in long if h["judgement"] == "within-cache-allowance"]


def test_a_crawler_that_ignores_robots_txt_takes_a_flood_of_images(
    logs: tuple[Path, Truth],
) -> None:
    _, truth = logs
    floods = [b for b in truth.behaviour if b["flood_images"]]
    assert floods and all(b["agent"] == "CCBot" and b["verification"] == "verified" for b in floods)
    for summary in floods:
        hits = _hits_of(truth, site=summary["site"], actor="ccbot-ignores", flood=True)
        assert len(hits) == summary["flood_images"] == 240
        assert {h["time"][:10] for h in hits} == {summary["flood_day"]}
        assert all(h["image"] and h["judgement"] == "disallowed" for h in hits)
        assert {h["target"].split("/")[1] for h in hits} == {summary["flood_prefix"].strip("/")}
        assert summary["images_disallowed"] >= 240
    assert "plain-sam.example" in {b["site"] for b in floods}  # after Cloudflare's block


def test_who_keeps_coming_after_403_and_402(logs: tuple[Path, Truth]) -> None:
    _, truth = logs
    summaries = {(b["site"], b["agent"]): b for b in truth.behaviour}
    for site, status in (("illustrator-cleo.example", 403), ("printmaker-paz.example", 402)):
        for agent in ("CCBot", "PerplexityBot"):
            summary = summaries[(site, agent)]
            assert summary["refused_status"] == status and summary["kept_coming"]
            assert summary["hits_after_refusal"] > 10
        for agent in ("GPTBot", "meta-externalagent", "Amazonbot"):
            summary = summaries[(site, agent)]
            assert summary["refused_status"] == status
            assert not summary["kept_coming"] and summary["hits_after_refusal"] == 0
    for hit in truth.hits:
        if hit["after_refusal"]:
            assert hit["actor"] in ("ccbot-ignores", "perplexitybot-spoofed")


def test_robots_txt_read_first_or_never(logs: tuple[Path, Truth]) -> None:
    _, truth = logs
    for summary in truth.behaviour:
        (actor,) = summary["actors"]
        if actor in ("perplexitybot-spoofed", "gptbot-spoofed", "chatgpt-user"):
            assert summary["robots_reads"] == 0 and not summary["robots_read_first"]
            assert summary["requests_before_robots"] == summary["hits"]
        else:
            assert summary["robots_read_first"] and summary["requests_before_robots"] == 0


def test_an_impersonator_is_judged_apart(logs: tuple[Path, Truth]) -> None:
    _, truth = logs
    reza = _hits_of(truth, site="lino-reza.example", agent="GPTBot")
    assert reza and {h["verification"] for h in reza} == {"impersonator"}
    assert all(h["judgement"] == "disallowed" for h in reza)  # lino-reza blocks GPTBot


# --- options ------------------------------------------------------------------------------------


def test_ranges_given_by_the_caller_are_the_ones_used(tmp_path: Path) -> None:
    ranges = {"GPTBot": ["100.64.1.0/24"], "PerplexityBot": ["100.64.2.0/24"]}
    site = sample_site("plain-sam.example")
    truth = write_logs(tmp_path, [site], START, START + timedelta(days=2), seed=2, ranges=ranges)
    hits = truth.hits
    assert truth.data["ranges"] == ranges
    gpt = [h for h in hits if h["agent"] == "GPTBot"]
    assert gpt and all(h["client"].startswith("100.64.1.") for h in gpt)
    assert all(h["verification"] == "verified" for h in gpt)
    assert {h["verification"] for h in hits if h["agent"] == "PerplexityBot"} == {"impersonator"}
    assert {h["verification"] for h in hits if h["agent"] == "CCBot"} == {"unverifiable"}


def test_ranges_that_cover_our_documentation_networks_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="overlap"):
        write_logs(
            tmp_path,
            [sample_site("plain-sam.example")],
            START,
            END,
            ranges={"GPTBot": ["203.0.0.0/8"]},
        )


def test_quiet_spans_and_unknown_history(tmp_path: Path) -> None:
    """No crawler comes in a quiet span; before ``known_since`` nothing can be judged, and for a
    day after it a disallowed hit is excused (an earlier file may have allowed it)."""
    known = START + timedelta(hours=36)
    quiet = (START + timedelta(hours=50), START + timedelta(hours=54))
    site = LogSite(
        host="shop.example",
        robots=b"User-agent: GPTBot\nDisallow: /private/\n",
        pages=("/", "/about.html", "/private/", "/private/a.html"),
        known_since=known,
    )
    cast = (
        Actor("careless", "GPTBot", "ignores", persists=True, visits_per_day=6, pages_per_visit=3),
    )
    truth = write_logs(
        tmp_path, [site], START, END, seed=4, cast=cast, quiet=[quiet], visitors_per_day=3
    )
    for hit in truth.hits:
        moment = _moment(hit["time"])
        assert not quiet[0] <= moment <= quiet[1]
        if moment < known:
            assert hit["judgement"] == "unknown"
        elif not hit["allowed_old"]:
            expected = (
                "within-cache-allowance" if moment < known + timedelta(hours=24) else "disallowed"
            )
            assert hit["judgement"] == expected
    judgements = {h["judgement"] for h in truth.hits}
    assert judgements == {"unknown", "allowed", "within-cache-allowance", "disallowed"}


def test_the_command_writes_logs_and_truth(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "logs",
            "--out",
            str(tmp_path),
            "--start",
            "2026-11-01",
            "--end",
            "2026-11-03T00:00:00+00:00",
            "--seed",
            "5",
            "--format",
            "combined-gz",
            "--format",
            "caddy",
            "--site",
            "artist-anna.example",
            "--visitors",
            "4",
        ]
    )
    assert code == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "artist-anna.example.access.log.gz",
        "artist-anna.example.caddy.jsonl",
        "truth.json",
    ]
    truth = json.loads((tmp_path / "truth.json").read_text())
    assert truth["seed"] == 5 and truth["start"] == "2026-11-01T00:00:00Z"
    assert truth["sites"]["artist-anna.example"]["changed_at"] == "2026-11-02T00:00:00Z"
    assert "truth.json" in capsys.readouterr().out
    assert main(["logs", "--out", str(tmp_path / "x"), "--site", "nowhere.example"]) == 1
