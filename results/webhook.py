"""Tell the user's own endpoint what an audit found: one JSON POST per finished audit.

The delivery runs after the audit and can never fail the crawl: each try has a timeout, a
failed try is retried a bounded number of times with a growing pause, and whatever happens is
recorded in ``webhook_deliveries`` and logged. The private-address rule of the crawler does not
apply here: the webhook is the user's own endpoint (often on their own network), not a site
being audited. The stored and logged URL keeps only the scheme, host and port, because webhook
URLs often carry a secret in their path and the database is meant to be published.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import asdict, dataclass
from http.client import HTTPException
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from audits import TOOL, TOOL_VERSION
from crawler.storage import now_iso, open_db
from results.completeness import unfinished_reason
from results.history import list_changes

log = logging.getLogger("optout.webhook")

MAX_CHANGES: Final = 10_000
"""At most this many change objects go in one document (``changes_total`` has the count)."""
_RETRY_STATUSES: Final = frozenset({408, 425, 429})


class WebhookError(ValueError):
    """The webhook URL cannot be used (not http or https, no host)."""


@dataclass(frozen=True)
class RetryPolicy:
    """How long one try may take, how many tries, and the first pause (doubled each time)."""

    timeout: float = 10.0
    tries: int = 3
    backoff: float = 1.0

    def pauses(self) -> list[float]:
        """The pause before each retry: backoff, 2 × backoff, 4 × backoff, …"""
        return [self.backoff * 2**i for i in range(max(self.tries, 1) - 1)]


@dataclass(frozen=True)
class Delivery:
    """What happened to one audit's webhook document."""

    crawl_id: int
    url: str
    status: str
    http_status: int | None
    attempts: int
    error: str | None
    delivered_at: str
    seconds: float

    def describe(self) -> str:
        """One line for the console."""
        tries = f"{self.attempts} attempt{'s' if self.attempts != 1 else ''}"
        if self.status == "delivered":
            return f"webhook: delivered to {self.url} (HTTP {self.http_status}, {tries})"
        return f"webhook: delivery to {self.url} failed after {tries}: {self.error}"


def check_webhook_url(url: str) -> str:
    """The URL stripped, or WebhookError when it is not an http(s) URL with a host."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookError(f"webhook URL must be http:// or https:// with a host, not {url!r}")
    return url


def redact(url: str) -> str:
    """Scheme, host and port only: the path and query of a webhook URL are often its secret."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}/…"


@dataclass(frozen=True)
class WebhookTarget:
    url: str
    policy: RetryPolicy


def take_webhook_settings(
    url: str | None, settings: MutableMapping[str, Any]
) -> WebhookTarget | None:
    """The webhook from ``--webhook`` or ``OPTOUT_WEBHOOK``, its ``OPTOUT_WEBHOOK_*`` settings
    taken out of ``settings`` so the URL's secret is never stored with the crawl's settings."""
    names = [name for name in settings if name.startswith("OPTOUT_WEBHOOK")]
    given = {name: settings.pop(name) for name in names}
    url = url or given.get("OPTOUT_WEBHOOK")
    if not url:
        return None
    return WebhookTarget(check_webhook_url(str(url)), retry_policy(given))


def retry_policy(settings: Mapping[str, Any]) -> RetryPolicy:
    """The policy from ``OPTOUT_WEBHOOK_TIMEOUT``, ``_TRIES`` and ``_BACKOFF`` (defaults else)."""
    default = RetryPolicy()
    try:
        policy = RetryPolicy(
            timeout=float(settings.get("OPTOUT_WEBHOOK_TIMEOUT") or default.timeout),
            tries=int(settings.get("OPTOUT_WEBHOOK_TRIES") or default.tries),
            backoff=float(settings.get("OPTOUT_WEBHOOK_BACKOFF") or default.backoff),
        )
    except ValueError as err:
        raise WebhookError(f"OPTOUT_WEBHOOK_* settings must be numbers ({err})") from err
    if not (0 < policy.timeout <= 120 and 1 <= policy.tries <= 10 and 0 <= policy.backoff <= 60):
        raise WebhookError("webhook timeout must be 0-120 s, tries 1-10, backoff 0-60 s")
    return policy


def audit_document(conn: sqlite3.Connection, crawl_id: int) -> dict[str, Any]:
    """The JSON document of one audited crawl: the crawl, the counts and its changes."""
    crawl = conn.execute(
        "SELECT started_at, finished_at, status FROM crawls WHERE id = ?", [crawl_id]
    ).fetchone() or (None, None, None)
    audit = conn.execute(
        "SELECT audited_at, interpreter_version, registry_version FROM audits WHERE crawl_id = ?",
        [crawl_id],
    ).fetchone() or (None, None, None)
    sites, opted_out = conn.execute(
        "SELECT count(*), coalesce(sum(train IN ('reserved', 'partial')), 0)"
        " FROM site_summary WHERE crawl_id = ?",
        [crawl_id],
    ).fetchone()
    errors = conn.execute(
        "SELECT count(*) FROM findings WHERE crawl_id = ? AND severity = 'error'", [crawl_id]
    ).fetchone()[0]
    changes = list_changes(conn, [crawl_id])
    return {
        "event": "audit-finished",
        "crawl": {
            "id": crawl_id,
            "started_at": crawl[0],
            "finished_at": crawl[1],
            "status": crawl[2],
        },
        "audit": {
            "audited_at": audit[0],
            "interpreter_version": audit[1],
            "registry_version": audit[2],
        },
        "counts": {
            "sites": sites,
            "opted_out": opted_out,
            "error_findings": errors,
            "changes": len(changes),
            "changed_sites": len({c.origin for c in changes}),
        },
        "changes": [c.as_json() for c in changes[:MAX_CHANGES]],
        "changes_truncated": len(changes) > MAX_CHANGES,
    }


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a delivery: urllib would re-send a POST as a GET."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


# No proxy from the environment: the endpoint is named by the user, and a proxy variable set
# for the crawl must not capture a webhook on the user's own network.
_OPENER: Final = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


def _try_once(url: str, body: bytes, timeout: float) -> tuple[int | None, str | None, bool]:
    """One POST: (HTTP status, error or None when delivered, whether a retry may help)."""
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": f"{TOOL}/{TOOL_VERSION} (webhook)",
        },
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            status = int(response.status)
    except urllib.error.HTTPError as err:
        retry = err.code >= 500 or err.code in _RETRY_STATUSES
        return err.code, f"HTTP {err.code} {err.reason}", retry
    except (urllib.error.URLError, OSError, HTTPException) as err:
        reason = getattr(err, "reason", None) or err
        return None, f"{type(err).__name__}: {reason}", True
    if 200 <= status < 300:
        return status, None, False
    return status, f"HTTP {status}", status >= 500


def post_json(
    url: str,
    document: Mapping[str, Any],
    policy: RetryPolicy,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[int | None, int, str | None]:
    """POST the document, retrying as the policy says: (HTTP status, attempts, last error)."""
    body = json.dumps(document, ensure_ascii=False, sort_keys=True).encode("utf-8")
    pauses = policy.pauses()
    status: int | None = None
    error: str | None = None
    for attempt in range(1, policy.tries + 1):
        status, error, retry = _try_once(url, body, policy.timeout)
        if error is None or not retry or attempt == policy.tries:
            return status, attempt, error
        log.info("webhook try %d to %s failed (%s); retrying", attempt, redact(url), error)
        sleep(pauses[attempt - 1])
    return status, policy.tries, error


def record_delivery(conn: sqlite3.Connection, delivery: Delivery) -> None:
    """Append the delivery to ``webhook_deliveries`` (created on first use)."""
    row = asdict(delivery)
    with conn:
        conn.execute(
            f"INSERT INTO webhook_deliveries ({', '.join(row)})"
            f" VALUES ({', '.join('?' for _ in row)})",
            list(row.values()),
        )


def deliver(
    db_path: str | Path,
    crawl_id: int,
    url: str,
    policy: RetryPolicy = RetryPolicy(),
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> Delivery:
    """Send one audit's document to ``url`` and record the outcome; never raises."""
    started = time.monotonic()
    status: int | None = None
    attempts = 0
    error: str | None = None
    db = None
    try:
        db = open_db(db_path)
        unfinished = unfinished_reason(db.conn, crawl_id)
        if unfinished is not None:  # never audited, so never announced
            raise WebhookError(f"not sent: {unfinished}")
        document = audit_document(db.conn, crawl_id)
        status, attempts, error = post_json(check_webhook_url(url), document, policy, sleep=sleep)
    # The crawl and its audit are done and stored: nothing here may turn that into a failure.
    except Exception as err:  # noqa: BLE001
        error = f"{type(err).__name__}: {err}"
    delivery = Delivery(
        crawl_id=crawl_id,
        url=redact(url),
        status="delivered" if error is None else "failed",
        http_status=status,
        attempts=attempts,
        error=error,
        delivered_at=now_iso(),
        seconds=round(time.monotonic() - started, 3),
    )
    if error is not None:
        log.warning("%s", delivery.describe())
    try:
        if db is not None:
            record_delivery(db.conn, delivery)
    except sqlite3.Error as err:
        log.warning("webhook delivery could not be recorded in %s: %s", db_path, err)
    finally:
        if db is not None:
            db.close()
    return delivery
