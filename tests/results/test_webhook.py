"""The webhook: one JSON document per audit, POSTed to a real endpoint on 127.0.0.1, retried
with bounded backoff, and every outcome recorded without ever raising."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from crawler.storage import open_db
from results.webhook import (
    RetryPolicy,
    WebhookError,
    check_webhook_url,
    deliver,
    redact,
    retry_policy,
    take_webhook_settings,
)
from tests.results.history_db import FOLIO, build_history
from tests.webhook_receiver import dead_url, webhook_receiver

FAST = RetryPolicy(timeout=2.0, tries=3, backoff=0.01)


@pytest.fixture
def history_db(tmp_path: Path) -> Path:
    path = tmp_path / "crawl.db"
    db = open_db(path)
    build_history(db)
    db.close()
    return path


def deliveries(db_path: Path) -> list[tuple]:  # type: ignore[type-arg]
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(
            "select crawl_id, url, status, http_status, attempts, error from webhook_deliveries"
        ).fetchall()
    finally:
        conn.close()


def test_document_is_posted_with_counts_and_changes(history_db: Path) -> None:
    with webhook_receiver() as receiver:
        delivery = deliver(history_db, 3, receiver.url, FAST)
    assert delivery.status == "delivered" and delivery.attempts == 1
    (post,) = receiver.posts
    assert post.path == "/hooks/T0KEN-s3cret"
    assert post.headers["Content-Type"].startswith("application/json")
    document = post.document
    assert document["crawl"]["id"] == 3
    conn = sqlite3.connect(history_db)
    errors = conn.execute(
        "select count(*) from findings where crawl_id = 3 and severity = 'error'"
    ).fetchone()[0]
    conn.close()
    assert document["counts"] == {
        "sites": 3,
        "opted_out": 2,
        "error_findings": errors,
        "changes": 4,
        "changed_sites": 1,
    }
    assert {c["origin"] for c in document["changes"]} == {FOLIO}


def test_document_changes_are_the_objects_of_changes_json(history_db: Path) -> None:
    from results.history import list_changes

    with webhook_receiver() as receiver:
        deliver(history_db, 3, receiver.url, FAST)
    conn = sqlite3.connect(history_db)
    expected = [c.as_json() for c in list_changes(conn, [3])]
    conn.close()
    assert receiver.posts[0].document["changes"] == expected


def test_delivery_is_recorded_without_the_secret_path(history_db: Path) -> None:
    with webhook_receiver() as receiver:
        deliver(history_db, 3, receiver.url, FAST)
    ((crawl_id, url, status, http_status, attempts, error),) = deliveries(history_db)
    assert (crawl_id, status, http_status, attempts, error) == (3, "delivered", 204, 1, None)
    assert "s3cret" not in url and url.startswith("http://127.0.0.1:")


def test_server_failing_twice_then_succeeding_gets_it_on_the_third_try(history_db: Path) -> None:
    with webhook_receiver(statuses=(500, 503, 200)) as receiver:
        delivery = deliver(history_db, 3, receiver.url, FAST)
    assert (delivery.status, delivery.attempts, delivery.http_status) == ("delivered", 3, 200)
    assert len(receiver.posts) == 3
    assert receiver.posts[0].document == receiver.posts[2].document


def test_pauses_between_tries_double(history_db: Path) -> None:
    pauses: list[float] = []
    with webhook_receiver(statuses=(500,)) as receiver:
        policy = RetryPolicy(timeout=2.0, tries=3, backoff=1.0)
        deliver(history_db, 3, receiver.url, policy, sleep=pauses.append)
    assert pauses == [1.0, 2.0]


def test_server_that_keeps_failing_is_tried_a_bounded_number_of_times(history_db: Path) -> None:
    with webhook_receiver(statuses=(502,)) as receiver:
        delivery = deliver(history_db, 3, receiver.url, FAST)
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    assert len(receiver.posts) == 3
    assert deliveries(history_db)[0][2:6] == ("failed", 502, 3, "HTTP 502 Bad Gateway")


def test_client_error_is_not_retried(history_db: Path) -> None:
    with webhook_receiver(statuses=(404,)) as receiver:
        delivery = deliver(history_db, 3, receiver.url, FAST)
    assert (delivery.status, delivery.attempts, len(receiver.posts)) == ("failed", 1, 1)


def test_redirect_is_not_followed(history_db: Path) -> None:
    with webhook_receiver(statuses=(302,)) as receiver:
        delivery = deliver(history_db, 3, receiver.url, FAST)
    assert delivery.status == "failed" and delivery.http_status == 302


def test_dead_url_fails_quietly_and_is_recorded(history_db: Path) -> None:
    delivery = deliver(history_db, 3, dead_url(), FAST)
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    ((_, url, status, http_status, attempts, error),) = deliveries(history_db)
    assert (status, http_status, attempts) == ("failed", None, 3)
    assert "refused" in error.lower()
    assert "s3cret" not in url


def test_silent_server_is_abandoned_after_the_timeout(history_db: Path) -> None:
    with webhook_receiver(delay=1.5) as receiver:
        started = time.monotonic()
        delivery = deliver(history_db, 3, receiver.url, RetryPolicy(timeout=0.3, tries=1))
    assert delivery.status == "failed" and "timed out" in (delivery.error or "")
    assert time.monotonic() - started < 1.4


@pytest.mark.parametrize("url", ["ftp://example.org/x", "file:///etc/passwd", "http://", "hook"])
def test_only_http_urls_are_accepted(url: str) -> None:
    with pytest.raises(WebhookError, match="http:// or https://"):
        check_webhook_url(url)


def test_bad_url_is_recorded_not_raised(history_db: Path) -> None:
    delivery = deliver(history_db, 3, "ftp://example.org/hook", FAST)
    assert delivery.status == "failed" and delivery.attempts == 0


def test_redact_keeps_scheme_host_and_port_only() -> None:
    assert redact("https://user:pw@hooks.example.org:8443/T0/B1/s3cret?x=1") == (
        "https://hooks.example.org:8443/…"
    )


def test_settings_give_the_url_and_policy_and_are_taken_out() -> None:
    settings = {
        "OPTOUT_WEBHOOK": "http://127.0.0.1:9/hook",
        "OPTOUT_WEBHOOK_TRIES": "2",
        "OPTOUT_WEBHOOK_BACKOFF": "0.5",
        "OPTOUT_LIMIT": 3,
    }
    target = take_webhook_settings(None, settings)
    assert target is not None and target.url == "http://127.0.0.1:9/hook"
    assert target.policy == RetryPolicy(timeout=10.0, tries=2, backoff=0.5)
    assert settings == {"OPTOUT_LIMIT": 3}


def test_no_webhook_configured_gives_none() -> None:
    assert take_webhook_settings(None, {"OPTOUT_LIMIT": 3}) is None


@pytest.mark.parametrize(
    "settings",
    [
        {"OPTOUT_WEBHOOK_TRIES": "many"},
        {"OPTOUT_WEBHOOK_TRIES": "50"},
        {"OPTOUT_WEBHOOK_TIMEOUT": "0"},
    ],
)
def test_unreasonable_policy_is_refused(settings: dict[str, str]) -> None:
    with pytest.raises(WebhookError):
        retry_policy(settings)
