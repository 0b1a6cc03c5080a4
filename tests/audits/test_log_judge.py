"""Judging access-log hits against the robots.txt in force when they were made (issue 16)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from audits.logs import AgentHit, JudgedHit, LogLine, RobotsInForce, Verification
from audits.logs.judge import (
    BehaviourAccumulator,
    CrawledRobots,
    Timeline,
    behaviour,
    is_image_path,
    is_robots_path,
    judge,
    path_prefix,
    spans_from_user,
    violation_findings,
)

OPEN = b"User-agent: *\nAllow: /\n"
GALLERY_CLOSED = b"User-agent: GPTBot\nDisallow: /gallery/\n\nUser-agent: *\nAllow: /\n"
ALL_CLOSED = b"User-agent: GPTBot\nDisallow: /\n"
QUERY_CLOSED = b"User-agent: GPTBot\nDisallow: /*?download=\n"

T0 = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


def hit(
    target: str,
    at: datetime,
    *,
    agent: str = "GPTBot",
    status: int | None = 200,
    number: int = 1,
    verification: Verification = "verified",
) -> AgentHit:
    line = LogLine(
        time=at,
        client="192.0.2.1",
        method="GET",
        target=target,
        status=status,
        size=100,
        user_agent=f"Mozilla/5.0 (compatible; {agent}/1.0)",
        host="anna.example",
        number=number,
        raw=f'192.0.2.1 - - "GET {target} HTTP/1.1" {status}',
    )
    return AgentHit(line, agent, "train", verification)


def crawled(
    body: bytes | None,
    since: datetime,
    until: datetime | None,
    last_seen: datetime | None,
    fetch_id: str,
    *,
    known: bool = True,
) -> CrawledRobots:
    return CrawledRobots(body, since, until, fetch_id, known, last_seen=last_seen)


# A site crawled daily from T0: open for three crawls (T0, T0+1d, T0+2d), then the gallery
# closed to GPTBot at the crawl of T0+3d and after. The change happened between T0+2d and T0+3d.
CHANGE = [
    crawled(OPEN, T0, T0 + 3 * DAY, T0 + 2 * DAY, "1"),
    crawled(GALLERY_CLOSED, T0 + 3 * DAY, None, T0 + 6 * DAY, "4"),
]


def test_allowed_where_the_file_in_force_allows() -> None:
    judged = judge(hit("/gallery/a.jpg", T0 + DAY), CHANGE)
    assert (judged.judgement, judged.rule, judged.robots_fetch_id) == ("allowed", "Allow: /", "1")


def test_disallowed_long_after_a_change_names_the_rule_and_the_fetch() -> None:
    judged = judge(hit("/gallery/a.jpg", T0 + 5 * DAY), CHANGE)
    assert judged.judgement == "disallowed"
    assert judged.rule == "Disallow: /gallery/"
    assert judged.robots_fetch_id == "4"


def test_another_agent_and_another_path_are_allowed_by_the_same_file() -> None:
    assert judge(hit("/gallery/a.jpg", T0 + 5 * DAY, agent="ClaudeBot"), CHANGE).judgement == (
        "allowed"
    )
    assert judge(hit("/about", T0 + 5 * DAY), CHANGE).judgement == "allowed"


@pytest.mark.parametrize(
    ("after", "judgement"),
    [(23 * HOUR, "within-cache-allowance"), (25 * HOUR, "disallowed")],
)
def test_the_caching_allowance_lasts_24_hours_after_the_change(
    after: timedelta, judgement: str
) -> None:
    judged = judge(hit("/gallery/a.jpg", T0 + 3 * DAY + after), CHANGE)
    assert judged.judgement == judgement
    assert judged.rule == "Disallow: /gallery/"
    assert judged.robots_fetch_id == "4"


def test_between_two_crawls_whose_files_disagree_the_answer_is_changed_between() -> None:
    judged = judge(hit("/gallery/a.jpg", T0 + 2 * DAY + 12 * HOUR), CHANGE)
    assert judged.judgement == "changed-between"
    assert judged.rule == "Disallow: /gallery/"
    assert judged.robots_fetch_id == "4"


def test_between_two_crawls_whose_files_agree_on_the_path_the_answer_is_known() -> None:
    judged = judge(hit("/about", T0 + 2 * DAY + 12 * HOUR), CHANGE)
    assert (judged.judgement, judged.robots_fetch_id) == ("allowed", "1")
    closed_twice = [
        crawled(ALL_CLOSED, T0 - 5 * DAY, T0 + 3 * DAY, T0 + 2 * DAY, "1"),
        crawled(GALLERY_CLOSED, T0 + 3 * DAY, None, T0 + 3 * DAY, "4"),
    ]
    judged = judge(hit("/gallery/a.jpg", T0 + 2 * DAY + 12 * HOUR), closed_twice)
    assert (judged.judgement, judged.rule) == ("disallowed", "Disallow: /")


def test_at_the_last_crawl_with_the_old_file_it_is_still_known() -> None:
    assert judge(hit("/gallery/a.jpg", T0 + 2 * DAY), CHANGE).judgement == "allowed"


def test_before_the_first_crawl_nothing_is_known() -> None:
    judged = judge(hit("/gallery/a.jpg", T0 - HOUR), CHANGE)
    assert (judged.judgement, judged.rule, judged.robots_fetch_id) == ("unknown", None, None)


def test_an_unreadable_robots_txt_leaves_its_span_unknown() -> None:
    timeline = [
        crawled(GALLERY_CLOSED, T0, T0 + DAY, T0, "1"),
        crawled(None, T0 + DAY, T0 + 2 * DAY, T0 + DAY, "2", known=False),
        crawled(GALLERY_CLOSED, T0 + 2 * DAY, None, T0 + 5 * DAY, "3"),
    ]
    inside = judge(hit("/gallery/a.jpg", T0 + DAY + HOUR), timeline)
    assert (inside.judgement, inside.robots_fetch_id) == ("unknown", "2")
    # Between the last good crawl and the failed one: the file may have changed unseen.
    assert judge(hit("/gallery/a.jpg", T0 + 12 * HOUR), timeline).judgement == "unknown"
    # Within 24 hours of an unknown stretch a crawler may hold a file nobody saw.
    after = judge(hit("/gallery/a.jpg", T0 + 2 * DAY + 2 * HOUR), timeline)
    assert after.judgement == "within-cache-allowance"
    assert judge(hit("/gallery/a.jpg", T0 + 4 * DAY), timeline).judgement == "disallowed"


def test_an_absent_robots_txt_allows_everything() -> None:
    judged = judge(hit("/gallery/a.jpg", T0 + HOUR), [crawled(None, T0, None, T0, "7")])
    assert (judged.judgement, judged.rule, judged.robots_fetch_id) == ("allowed", None, "7")


def test_the_query_is_part_of_the_path_as_rfc_9309_matches_it() -> None:
    timeline = [crawled(QUERY_CLOSED, T0 - 9 * DAY, None, T0, "1")]
    assert judge(hit("/art/1.png?download=1", T0), timeline).judgement == "disallowed"
    assert judge(hit("/art/1.png", T0), timeline).judgement == "allowed"


def test_robots_txt_itself_is_always_allowed() -> None:
    timeline = [crawled(ALL_CLOSED, T0 - 9 * DAY, None, T0, "1")]
    assert judge(hit("/robots.txt", T0), timeline).judgement == "allowed"
    assert judge(hit("/", T0), timeline).judgement == "disallowed"


def test_a_disallow_in_force_from_the_first_crawl_gets_the_allowance_for_24_hours() -> None:
    # Nobody saw the file before the first crawl: a crawler may have cached an older one.
    timeline = [crawled(ALL_CLOSED, T0, None, T0 + 9 * DAY, "1")]
    assert judge(hit("/x", T0 + HOUR), timeline).judgement == "within-cache-allowance"
    assert judge(hit("/x", T0 + 25 * HOUR), timeline).judgement == "disallowed"


def test_no_allowance_when_the_previous_file_disallowed_it_too() -> None:
    timeline = [
        crawled(ALL_CLOSED, T0 - 9 * DAY, T0, T0 - DAY, "1"),
        crawled(GALLERY_CLOSED, T0, None, T0 + 9 * DAY, "2"),
    ]
    judged = judge(hit("/gallery/a.jpg", T0 + HOUR), timeline)
    assert (judged.judgement, judged.rule) == ("disallowed", "Disallow: /gallery/")


def test_the_allowance_looks_at_every_file_of_the_last_24_hours() -> None:
    # Open, then closed twice in quick succession: the open file is within 24 hours.
    timeline = [
        crawled(OPEN, T0 - 9 * DAY, T0, T0 - 9 * DAY, "1"),
        crawled(ALL_CLOSED, T0, T0 + 6 * HOUR, T0, "2"),
        crawled(GALLERY_CLOSED, T0 + 6 * HOUR, None, T0 + 6 * HOUR, "3"),
    ]
    judged = judge(hit("/gallery/a.jpg", T0 + 20 * HOUR), timeline)
    assert (judged.judgement, judged.robots_fetch_id) == ("within-cache-allowance", "3")
    assert judge(hit("/gallery/a.jpg", T0 + 30 * HOUR), timeline).judgement == "disallowed"


def test_a_user_given_file_decides_where_the_crawl_history_knows_nothing() -> None:
    user = spans_from_user(GALLERY_CLOSED, datetime(2026, 10, 1))
    assert user == [RobotsInForce(GALLERY_CLOSED, datetime(2026, 10, 1, tzinfo=UTC), None, None)]
    judged = judge(hit("/gallery/a.jpg", T0 - 9 * DAY), [*CHANGE, *user])
    assert (judged.judgement, judged.rule, judged.robots_fetch_id) == (
        "disallowed",
        "Disallow: /gallery/",
        None,
    )
    # Where the crawl history knows, it decides.
    assert judge(hit("/gallery/a.jpg", T0 + DAY), [*CHANGE, *user]).judgement == "allowed"
    # Before the user's date nothing is known; in its first 24 hours, the allowance.
    assert judge(hit("/gallery/a.jpg", datetime(2026, 9, 30, tzinfo=UTC)), user).judgement == (
        "unknown"
    )
    first_day = judge(hit("/gallery/a.jpg", datetime(2026, 10, 1, 23, tzinfo=UTC)), user)
    assert first_day.judgement == "within-cache-allowance"


def test_a_user_span_also_covers_an_unreadable_crawl() -> None:
    timeline = [
        crawled(None, T0, None, T0, "2", known=False),
        *spans_from_user(ALL_CLOSED, T0 - 30 * DAY),
    ]
    assert judge(hit("/x", T0 + HOUR), timeline).judgement == "disallowed"


def test_a_prepared_timeline_judges_like_the_plain_list() -> None:
    prepared = Timeline(reversed(CHANGE))
    assert len(prepared) == 2 and prepared[0] == CHANGE[0]
    for at in (T0 - HOUR, T0 + DAY, T0 + 2 * DAY + HOUR, T0 + 3 * DAY + HOUR, T0 + 9 * DAY):
        assert prepared.judge(hit("/gallery/a.jpg", at)) == judge(hit("/gallery/a.jpg", at), CHANGE)


def test_a_naive_hit_time_is_read_as_utc() -> None:
    naive = hit("/gallery/a.jpg", (T0 + 5 * DAY).replace(tzinfo=None))
    assert judge(naive, CHANGE).judgement == "disallowed"


# --- paths ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "image"),
    [
        ("/gallery/a.JPG", True),
        ("/gallery/a.webp?w=800", True),
        ("/_next/image?url=%2Fa.png&w=640", True),
        ("/cdn-cgi/image/width=800/a", True),
        ("/gallery/", False),
        ("/images/index.html", False),
    ],
)
def test_images_are_known_by_extension_or_image_service(target: str, image: bool) -> None:
    assert is_image_path(target) is image


def test_path_prefix_and_robots_path() -> None:
    assert path_prefix("/gallery/2026/a.jpg?x=1") == "/gallery/"
    assert path_prefix("/index.html") == "/"
    assert path_prefix("/") == "/"
    assert is_robots_path("/robots.txt?x") and not is_robots_path("/robots.txt.bak")


# --- behaviour ------------------------------------------------------------------------------


def judged(target: str, at: datetime, judgement: str = "allowed", **kwargs: object) -> JudgedHit:
    return JudgedHit(hit(target, at, **kwargs), judgement, None, None)  # type: ignore[arg-type]


def test_a_crawler_that_reads_robots_txt_first() -> None:
    found = behaviour(
        [
            judged("/robots.txt", T0),
            judged("/", T0 + HOUR),
            judged("/robots.txt", T0 + DAY),
            judged("/about", T0 + 2 * DAY),
        ],
        site="https://anna.example",
    )
    assert found.site == "https://anna.example"
    assert found.robots_read_first and found.requests_before_robots == 0
    assert found.robots_reads == 2
    assert found.robots_reads_per_day == 1.0
    assert (found.first_seen, found.last_seen, found.hits) == (T0, T0 + 2 * DAY, 4)
    assert not found.kept_coming and found.refused_at is None


def test_a_crawler_that_reads_robots_txt_late_or_never() -> None:
    late = behaviour([judged("/", T0), judged("/a", T0 + HOUR), judged("/robots.txt", T0 + HOUR)])
    assert not late.robots_read_first and late.requests_before_robots == 2
    assert late.site == "anna.example"  # from the log's Host when not given
    never = behaviour([judged("/", T0)])
    assert not never.robots_read_first and never.robots_reads == 0
    assert never.robots_reads_per_day == 0.0


def test_images_fetched_on_disallowed_paths_are_counted() -> None:
    found = behaviour(
        [
            judged("/gallery/a.jpg", T0, "disallowed"),
            judged("/gallery/b.png", T0, "disallowed"),
            judged("/gallery/", T0, "disallowed"),
            judged("/gallery/c.jpg", T0, "within-cache-allowance"),
            judged("/blog/d.jpg", T0, "allowed"),
        ]
    )
    assert found.images_disallowed == 2
    assert found.disallowed == 3
    assert dict(found.judgements) == {"allowed": 1, "disallowed": 3, "within-cache-allowance": 1}


@pytest.mark.parametrize("refusal", [403, 402])
def test_a_crawler_that_kept_coming_after_a_refusal(refusal: int) -> None:
    found = behaviour(
        [
            judged("/a", T0, status=200),
            judged("/b", T0 + HOUR, status=refusal),
            judged("/c", T0 + 2 * HOUR, status=refusal),
            judged("/d", T0 + 3 * HOUR, status=refusal),
            judged("/e", T0 + 4 * HOUR, status=200),
        ]
    )
    assert (found.refused_at, found.refused_status) == (T0 + HOUR, refusal)
    assert found.kept_coming and found.hits_after_refusal == 3
    assert found.statuses_after_refusal == ((200, 1), (refusal, 2))


def test_a_crawler_that_stopped_after_a_refusal() -> None:
    found = behaviour([judged("/a", T0, status=200), judged("/b", T0 + HOUR, status=403)])
    assert found.refused_status == 403 and not found.kept_coming


def test_the_accumulator_refuses_another_agent_and_an_empty_result() -> None:
    accumulator = BehaviourAccumulator()
    with pytest.raises(ValueError):
        accumulator.result()
    accumulator.add(judged("/", T0))
    with pytest.raises(ValueError):
        accumulator.add(judged("/", T0, agent="ClaudeBot"))
    assert accumulator.result().hits == 1


# --- findings -------------------------------------------------------------------------------


def test_violations_become_sentences_per_agent_day_and_prefix() -> None:
    at = datetime(2026, 11, 2, 10, tzinfo=UTC)
    hits = [
        JudgedHit(hit(f"/gallery/{n}.jpg", at, number=n), "disallowed", "Disallow: /gallery/", "4")
        for n in range(1, 313)
    ]
    hits += [
        JudgedHit(hit("/gallery/x.jpg", at, number=400), "within-cache-allowance", None, "4"),
        JudgedHit(hit("/blog/post", at, number=401), "disallowed", "Disallow: /", "4"),
        JudgedHit(
            hit("/gallery/y.jpg", at, number=402, verification="impersonator"),
            "disallowed",
            "Disallow: /gallery/",
            "4",
        ),
    ]
    findings = violation_findings(hits, cite=3)
    texts = [f.text for f in findings]
    assert texts == [
        "GPTBot (verified) fetched 1 URL under /blog/ on 2026-11-02 while robots.txt"
        " disallowed it (Disallow: /).",
        "GPTBot (verified) fetched 312 images under /gallery/ on 2026-11-02 while robots.txt"
        " disallowed it (Disallow: /gallery/).",
        "Someone posing as GPTBot (from an address outside its operator's published ranges)"
        " fetched 1 image under /gallery/ on 2026-11-02 while robots.txt disallowed GPTBot"
        " (Disallow: /gallery/).",
    ]
    gallery = findings[1]
    assert (gallery.hits, gallery.images, gallery.lines) == (312, 312, (1, 2, 3))
    assert (gallery.day, gallery.prefix, gallery.robots_fetch_id) == (
        date(2026, 11, 2),
        "/gallery/",
        "4",
    )
    assert gallery.citation == "log lines 1, 2, 3 (3 of 312)"
    assert findings[0].citation == "log line 401"


def test_mixed_images_and_pages_and_unverifiable_agents() -> None:
    at = datetime(2026, 11, 2, 23, 30, tzinfo=UTC)
    hits = [
        JudgedHit(
            hit(t, at, agent="Bytespider", verification="unverifiable"), "disallowed", None, None
        )
        for t in ("/art/a.png", "/art/b.png", "/art/", "/art/c")
    ]
    (finding,) = violation_findings(hits)
    assert finding.text == (
        "Bytespider (not verifiable) fetched 2 images and 2 other URLs under /art/ on"
        " 2026-11-02 while robots.txt disallowed it."
    )
