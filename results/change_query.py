"""Which changes ``optout changes`` lists: the database opened read-only, the audited crawls
asked for, and each typed ``--site`` as its stored origin. Errors are ``ChangeQueryError``
(one line for the user); the command prints.

Light to import (``optout changes`` should answer at once): nothing here loads the audit, and
the storage module only when the file is opened."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path
from urllib.request import pathname2url

from results.completeness import unfinished_reason
from results.history import audited_crawls_since, is_audited, latest_audited_crawl
from results.site_lookup import UnknownSite, resolve_site


class ChangeQueryError(Exception):
    """The changes cannot be listed as asked (not our database, no such audited crawl…)."""


class BadSite(ChangeQueryError):
    """A typed ``--site`` is not a site address at all."""


def open_read_only(path: Path) -> sqlite3.Connection:
    """The evidence database, read-only; ChangeQueryError when it is not one."""
    from crawler.storage import StorageError, refuse_foreign_db

    try:
        refuse_foreign_db(path)
        conn = sqlite3.connect(f"file:{pathname2url(str(path.resolve()))}?mode=ro", uri=True)
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except StorageError as err:
        raise ChangeQueryError(str(err)) from err
    except sqlite3.DatabaseError as err:
        raise ChangeQueryError(f"{path}: not a readable SQLite database ({err})") from err
    if not {"changes", "audits", "crawls"} <= tables:
        conn.close()
        raise ChangeQueryError(
            f"{path}: no audited crawls in it (run `optout crawl` or `optout audit` first)"
        )
    return conn


def crawls_to_show(
    conn: sqlite3.Connection, crawl: int | None, since: datetime | None
) -> list[int]:
    """The audited crawls whose changes are asked for; ChangeQueryError when there are none."""
    if since is not None:
        return audited_crawls_since(conn, since.date())
    if crawl is not None:
        if (unfinished := unfinished_reason(conn, crawl)) is not None:
            raise ChangeQueryError(unfinished)
        if not is_audited(conn, crawl):
            raise ChangeQueryError(
                f"crawl {crawl} has not been audited (or does not exist): "
                f"run `optout audit --crawl {crawl}` first"
            )
        return [crawl]
    latest = latest_audited_crawl(conn)
    if latest is None:
        raise ChangeQueryError("no crawl has been audited yet: run `optout audit` first")
    return [latest]


def stored_sites(conn: sqlite3.Connection, typed: tuple[str, ...]) -> tuple[str, ...]:
    """Each typed site as the origin stored in the database (any address on it, any case)."""
    origins = []
    for text in typed:
        try:
            origins.append(resolve_site(conn, text))
        except UnknownSite as err:
            raise ChangeQueryError(str(err)) from None
        except ValueError as err:
            raise BadSite(f"{text!r} {err}") from None
    return tuple(origins)
