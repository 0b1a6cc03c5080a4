"""The per-crawl rollups (results/rollups.py) give exactly what the queries they replaced gave.

Each old query is kept here as the reference, run on the base tables of a real audited
database, and compared with the rollup's rows, and the pages' new SQL with the old SQL: on the
sample web (two crawls, a change), on crawls with probes, on three crawls of history, after
re-auditing, and after migration m012 filled an existing database.
"""

from __future__ import annotations

import importlib.util
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from crawler.storage import open_db
from results.derive import audit_crawl
from results.history import adoption_over_time
from results.rollups import ROLLUP_TABLES
from results.serve import datasette_dir
from results.site_lookup import register_sql_functions
from tests.datasette.conftest import EDITED_ORIGIN, canned_queries
from tests.results.history_db import ANNA, FOLIO, build_history

# The queries the rollups replaced, as they were (landing page, canned queries) -------------

OLD_BY_STATE = "select train, count(*) as n from site_summary where crawl_id = ? group by 1"
OLD_BY_KIND = (
    "select kind, train, count(*) as n from site_summary where crawl_id = ? group by kind, train"
)
OLD_LANDING_MECHANISMS = """
select mechanism, effect, count(distinct origin) as sites
from contributions where crawl_id = ? and use = 'train'
group by mechanism, effect
"""
OLD_ERRORS = (
    "select coalesce(sum(n), 0), count(*) from (select count(*) as n from findings"
    " where crawl_id = ? and severity = 'error' group by origin)"
)
OLD_CONFLICTS = (
    "select count(*) from (select 1 from site_verdicts"
    " where crawl_id = ? and conflict = 1 group by origin)"
)
OLD_CHANGES = (
    "select coalesce(sum(n), 0), count(*) from (select count(*) as n from changes"
    " where crawl_id = ? group by origin)"
)
OLD_PROBES = """
select count(distinct origin) as probed,
  count(distinct case when enforced = 'refused' then origin end) as refusing,
  count(distinct case when enforced = 'charged' then origin end) as charging,
  count(distinct case when enforced = 'challenged' then origin end) as challenging,
  count(distinct case when declared = 'allowed'
    and enforced in ('refused', 'charged', 'challenged') then origin end) as edge_only,
  count(distinct case when declared = 'blocked' and enforced = 'served' then origin end)
    as robots_only
from probe_agents where crawl_id = ?
"""

OLD_MECHANISMS_IN_USE = """
with latest as (
  select coalesce(cast(nullif(:crawl, '') as integer),
                  (select max(crawl_id) from audits)) as id
)
select c.mechanism,
  count(distinct case when c.effect = 'reserved' then c.origin end) as sites_reserved,
  count(distinct case when c.effect = 'partial' then c.origin end) as sites_partial,
  count(distinct case when c.effect = 'allowed' then c.origin end) as sites_allowing,
  (select count(*) from site_summary s where s.crawl_id = latest.id) as sites_crawled
from contributions c, latest
where c.crawl_id = latest.id and c.use = 'train'
group by c.mechanism
order by sites_reserved + sites_partial desc, c.mechanism
"""

OLD_ADOPTION_OVER_TIME = """
with crawl_sites as (
  select a.crawl_id, substr(c.started_at, 1, 10) as crawl_date,
    (select count(*) from site_summary s where s.crawl_id = a.crawl_id) as sites
  from audits a left join crawls c on c.id = a.crawl_id
)
select * from (
select k.crawl_id, k.crawl_date, 'any mechanism' as mechanism,
  (select count(*) from site_summary s where s.crawl_id = k.crawl_id
     and s.train in ('reserved', 'partial')) as sites_opted_out,
  k.sites,
  round(100.0 * (select count(*) from site_summary s where s.crawl_id = k.crawl_id
     and s.train in ('reserved', 'partial')) / nullif(k.sites, 0), 1)
    as percent_opted_out
from crawl_sites k
union all
select k.crawl_id, k.crawl_date, t.mechanism, count(distinct t.origin),
  k.sites, round(100.0 * count(distinct t.origin) / nullif(k.sites, 0), 1)
from contributions t join crawl_sites k on k.crawl_id = t.crawl_id
where t.use = 'train' and t.effect in ('reserved', 'partial')
group by k.crawl_id, t.mechanism
)
order by crawl_id desc, mechanism != 'any mechanism', percent_opted_out desc, mechanism
"""

OLD_CHANGE_FEED = """
with latest as (
  select coalesce(cast(nullif(:crawl, '') as integer),
                  (select max(crawl_id) from audits)) as id
),
picked as (
  select c.*, coalesce(s.name, si.name) as name, s.summary,
    coalesce(s.kind, si.kind) as site_kind,
    coalesce(s.platform, si.platform) as site_platform,
    case
      when c.subject like 'agent:%' then 'train'
      when c.subject like 'verdict:%' then substr(c.subject, 9)
      when c.subject like 'mechanism:%'
        then substr(c.subject, 11, instr(substr(c.subject, 11), ':') - 1)
      when c.subject like 'edge:%' then (
        select case when a.purpose in ('train', 'control') then 'train'
                    when a.purpose in ('search', 'user') then 'ai-use' end
        from agents a where a.token = substr(c.subject, 6))
    end as use
  from changes c
    left join site_summary s on s.crawl_id = c.crawl_id and s.origin = c.origin
    left join sites si on si.origin = c.origin,
    latest
  where c.crawl_id = latest.id
),
matched as (
  select * from picked c
  where (:site = '' or c.origin = (
          select s.origin from json_each(optout_site_origins(:site)) j
            join sites s on s.origin = j.value
          order by j.key limit 1))
    and (:platform = '' or lower(c.site_platform) = lower(trim(:platform)))
    and (:kind = '' or lower(c.site_kind) = lower(trim(:kind)))
    and (:use = '' or c.use = lower(trim(:use)))
)
select 'urn:optout-audit:crawl:' || c.crawl_id || ':' || c.origin || ':' || c.subject
    as atom_id,
  coalesce(c.name, c.origin) || ': ' ||
    case
      when c.subject like 'verdict:%' then 'verdict on ' || substr(c.subject, 9)
        || ' ' || c.change || ' (' || coalesce(c.before, '-') || ' → '
        || coalesce(c.after, '-') || ')'
      when c.subject like 'mechanism:%' then 'mechanism '
        || substr(c.subject, 11) || ' ' || c.change
      when c.subject like 'edge:%' then 'the edge now ' || coalesce(c.after, '-')
        || ' ' || substr(c.subject, 6) || ' (was ' || coalesce(c.before, '-') || ')'
      else substr(c.subject, 7) || ' ' || coalesce(c.after, c.change)
    end as atom_title,
  c.detected_at as atom_updated,
  c.origin || ' — ' || c.subject || ': ' || c.change || ' (before: '
    || coalesce(c.before, 'none') || ', after: ' || coalesce(c.after, 'none')
    || ', crawl ' || c.previous_crawl_id || ' → ' || c.crawl_id || '). Now: '
    || coalesce(c.summary, '') as atom_content,
  '/-/site?origin=' || c.origin as atom_link
from matched c
union all
select 'urn:optout-audit:crawl:' || a.crawl_id || ':audit' as atom_id,
  'Crawl ' || a.crawl_id || ' audited: ' || a.sites || ' sites, '
    || (select count(*) from matched) || ' changes'
    || case when :site || :platform || :kind || :use = '' then ''
            else ' matching this feed' end
    as atom_title,
  a.audited_at as atom_updated,
  'Interpreter ' || a.interpreter_version || ', agent registry '
    || a.registry_version || '.' as atom_content,
  '/' as atom_link
from audits a, latest
where a.crawl_id = latest.id
order by atom_updated desc, atom_id
"""

FEED_FILTERS = ("site", "platform", "kind", "use")


# Helpers -------------------------------------------------------------------------------------


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    register_sql_functions(conn)
    return conn


def _crawls(conn: sqlite3.Connection) -> list[int]:
    return [c for (c,) in conn.execute("select crawl_id from audits order by crawl_id")]


def _landing_module() -> ModuleType:
    path = datasette_dir() / "plugins" / "optout_landing.py"
    spec = importlib.util.spec_from_file_location("_test_optout_landing", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _feed_params(conn: sqlite3.Connection, crawl: int) -> list[dict[str, str]]:
    """The feed unfiltered, and filtered by each value the crawl's changes have (and a miss)."""
    rows = conn.execute(
        "select distinct c.origin, coalesce(s.kind, si.kind), coalesce(s.platform, si.platform),"
        " c.subject from changes c"
        " left join site_summary s on s.crawl_id = c.crawl_id and s.origin = c.origin"
        " left join sites si on si.origin = c.origin where c.crawl_id = ?",
        [crawl],
    ).fetchall()
    base = dict.fromkeys(FEED_FILTERS, "") | {"crawl": str(crawl)}
    out = [base, base | {"crawl": ""}, base | {"kind": "no-such-kind"}]
    for origin, kind, platform, subject in rows:
        out.append(base | {"site": origin.upper()})
        out.append(base | {"kind": (kind or "").upper()})
        out.append(base | {"platform": f" {platform or ''} "})
        use = subject.split(":")[1] if subject.startswith(("verdict:", "mechanism:")) else "train"
        out.append(base | {"use": use, "kind": kind or ""})
    for use in ("train", "ai-use", "search", "tdm"):
        out.append(base | {"use": use})
    return out


def assert_rollups_match(path: Path) -> None:
    """Every rollup of every audited crawl equals what the old queries give on the rows."""
    conn = _connect(path)
    try:
        crawls = _crawls(conn)
        assert crawls
        for crawl in crawls:
            one = [crawl]
            # Landing page: sites per verdict and per kind and verdict.
            by_state = dict(conn.execute(OLD_BY_STATE, one).fetchall())
            assert by_state == dict(
                conn.execute(
                    "select train, sum(sites) from verdict_counts where crawl_id = ?"
                    " group by train",
                    one,
                ).fetchall()
            )
            assert (
                conn.execute(OLD_BY_KIND, one).fetchall()
                == conn.execute(
                    "select kind, train, sites from verdict_counts where crawl_id = ?"
                    " order by kind, train",
                    one,
                ).fetchall()
            )
            # Landing page: sites per mechanism and effect (effects with no site left out).
            old = {(m, e): n for m, e, n in conn.execute(OLD_LANDING_MECHANISMS, one)}
            new: dict[tuple[str, str], int] = {}
            mechanisms = set()
            for mechanism, reserved, partial, allowing in conn.execute(
                "select mechanism, sites_reserved, sites_partial, sites_allowing"
                " from mechanism_counts where crawl_id = ? and use = 'train'",
                one,
            ):
                mechanisms.add(mechanism)
                for effect, n in (("reserved", reserved), ("partial", partial)):
                    if n:
                        new[(mechanism, effect)] = n
                if allowing:
                    new[(mechanism, "allowed")] = allowing
            assert new == old
            assert mechanisms == {m for m, _ in old}
            # Landing page: errors, conflicts, changes and the edge.
            totals = conn.execute(
                "select error_findings, error_sites, conflict_sites, changes, changed_sites,"
                " probed, refusing, charging, challenging, edge_only, robots_only"
                " from crawl_totals where crawl_id = ?",
                one,
            ).fetchone()
            assert totals == (
                *conn.execute(OLD_ERRORS, one).fetchone(),
                *conn.execute(OLD_CONFLICTS, one).fetchone(),
                *conn.execute(OLD_CHANGES, one).fetchone(),
                *conn.execute(OLD_PROBES, one).fetchone(),
            )
            # Canned queries: the new SQL against the old, for this crawl.
            queries = canned_queries()
            params = {"crawl": str(crawl)}
            assert conn.execute(queries["mechanisms_in_use"]["sql"], params).fetchall() == (
                conn.execute(OLD_MECHANISMS_IN_USE, params).fetchall()
            )
            for feed in _feed_params(conn, crawl):
                expected = conn.execute(OLD_CHANGE_FEED, feed).fetchall()
                assert conn.execute(queries["change_feed"]["sql"], feed).fetchall() == expected
        new_adoption = conn.execute(canned_queries()["adoption_over_time"]["sql"]).fetchall()
        assert new_adoption == conn.execute(OLD_ADOPTION_OVER_TIME).fetchall()
        # The landing page's adoption chart against the function it used to call.
        landing = _landing_module()
        for limit in (60, 1):
            assert landing.adoption_points(conn, limit) == adoption_over_time(conn, limit)
    finally:
        conn.close()


def _rollup_rows(path: Path) -> dict[str, list[Any]]:
    conn = sqlite3.connect(path)
    try:
        return {
            t: conn.execute(f"select * from {t} order by 1, 2, 3, 4").fetchall()
            for t in ROLLUP_TABLES
        }
    finally:
        conn.close()


def _copy(source: Path, target_dir: Path) -> Path:
    target = target_dir / source.name
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{source}{suffix}").is_file():
            shutil.copy(f"{source}{suffix}", f"{target}{suffix}")
    return target


# Tests ----------------------------------------------------------------------------------------


def test_rollups_equal_the_old_queries_on_the_sample_web(audited_db: Path) -> None:
    assert_rollups_match(audited_db)
    rows = _rollup_rows(audited_db)
    assert rows["change_feed_entries"], "the sample web's crawl 2 has a change"
    assert any(r[0] == 2 and r[1] == EDITED_ORIGIN for r in rows["change_feed_entries"])


def test_rollups_equal_the_old_queries_with_probes(probed_db: Path) -> None:
    assert_rollups_match(probed_db)
    with sqlite3.connect(probed_db) as conn:
        assert conn.execute("select sum(probed), sum(edge_only) from crawl_totals").fetchone()[0]
        edge = conn.execute(
            "select count(*) from change_feed_entries where atom_id like '%:edge:%'"
            " and use is not null"
        ).fetchone()[0]
        assert edge, "the probed crawls have edge changes, each with its agent's use"


@pytest.fixture(scope="module")
def history_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Three audited crawls: verdict, mechanism and agent changes, a platform among them."""
    path = tmp_path_factory.mktemp("rollups-history") / "history.db"
    db = open_db(path)
    build_history(db)
    db.close()
    yield path


def test_rollups_equal_the_old_queries_over_three_crawls(history_db: Path) -> None:
    assert_rollups_match(history_db)
    with sqlite3.connect(history_db) as conn:
        subjects = {s.split(":")[0] for (s,) in conn.execute("select subject from changes")}
        assert {"verdict", "mechanism"} <= subjects
        assert conn.execute(
            "select count(*) from change_feed_entries where origin in (?, ?)", [ANNA, FOLIO]
        ).fetchone()[0]


def test_reaudit_rewrites_the_rollups_of_its_crawl_only(audited_db: Path, tmp_path: Path) -> None:
    path = _copy(audited_db, tmp_path)
    before = _rollup_rows(path)
    db = open_db(path)
    try:
        audit_crawl(db, 1)
        audit_crawl(db, 1)
        after_first = _rollup_rows(path)
        audit_crawl(db, 2)
    finally:
        db.close()
    assert after_first == before, "crawl 1 again: same rows, none twice, crawl 2's untouched"
    assert_rollups_match(path)
    after = _rollup_rows(path)
    for table in ROLLUP_TABLES:
        if table != "change_feed_entries":  # its entries carry when the change was found
            assert after[table] == before[table]
    assert len(after["change_feed_entries"]) == len(before["change_feed_entries"])


def test_rollups_of_a_database_audited_before_m012_are_filled_by_the_migration(
    audited_db: Path, tmp_path: Path
) -> None:
    path = _copy(audited_db, tmp_path)
    expected = _rollup_rows(path)
    with sqlite3.connect(path) as conn:
        for table in ROLLUP_TABLES:
            conn.execute(f"drop table {table}")
        conn.execute("delete from _sqlite_migrations where name = 'm012_page_rollups'")
    open_db(path).close()
    assert _rollup_rows(path) == expected
    assert_rollups_match(path)


def test_the_benchmark_generator_writes_the_same_rollups(tmp_path: Path) -> None:
    """benchmarks/generate_db.py copies rows, then sums them with the audit's statements."""
    from benchmarks.generate_db import generate

    path = tmp_path / "generated.db"
    generate(200, path)
    assert_rollups_match(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("select changes from crawl_totals where crawl_id = 2").fetchone()[0]
