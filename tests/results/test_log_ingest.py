"""Access logs into the evidence database (results/logs/ingest.py), over real SQLite files and
real plain, gzip, bzip2 and zstd logs: what is stored (AI crawler lines only), what is counted,
re-ingesting, malformed lines, standard input, hosts, progress, and the export and report
keys that follow."""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from results.export import SCHEMA_VERSION, open_export_db, write_json
from results.logs.ingest import IngestError, IngestProgress, ingest
from results.logs.store import has_logs
from results.report_doc import write_report
from tests.conftest import ROOT
from tests.results.log_db import (
    AGENT_LINES,
    ANNA,
    BEN,
    GOOGLEBOT,
    GPTBOT_ADDRESS,
    HUMAN,
    HUMAN_PATH,
    LINES,
    MALFORMED,
    TEST_RANGES,
    UA_CLAUDE,
    UA_GPTBOT,
    UA_HUMAN,
    VIOLATIONS,
    build_crawled_db,
    combined,
    compress,
    log_lines,
    write_log,
)

SCHEMA = json.loads((ROOT / "schemas" / "export.schema.json").read_text(encoding="utf-8"))
COMPRESSIONS = ("plain", "gzip", "bzip2", "zstd")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return build_crawled_db(tmp_path / "crawl.db")


def rows(db: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def count(db: Path, table: str) -> int:
    return int(rows(db, f"SELECT count(*) FROM {table}")[0][0])


def content_sha256() -> str:
    return hashlib.sha256(("\n".join(log_lines()) + "\n").encode()).hexdigest()


def run(db: Path, *paths: Path | str, **options: Any) -> Any:
    options.setdefault("site", ANNA)
    options.setdefault("ranges", TEST_RANGES)
    return ingest([str(p) for p in paths], db, **options)


# --- Reading -------------------------------------------------------------------------------


@pytest.mark.parametrize("compression", COMPRESSIONS)
def test_each_compression_is_read_by_its_magic_bytes(
    db: Path, tmp_path: Path, compression: str
) -> None:
    log = write_log(tmp_path / "access.log", compression=compression)  # the name says nothing
    report = run(db, log)
    [file] = report.files
    assert file.compression == compression
    assert file.format == "combined"
    assert (file.lines, file.malformed, file.agent_lines) == (LINES, MALFORMED, AGENT_LINES)
    assert (file.verified, file.impersonators, file.unverifiable) == (7, 1, 1)
    assert (file.violations, file.impersonator_violations) == (VIOLATIONS, 1)
    # The digest is of the content, whatever the compression: zcat -f FILE | sha256sum.
    assert file.sha256 == content_sha256()
    assert rows(db, "SELECT compression, sha256, status FROM log_files") == [
        (compression, content_sha256(), "done")
    ]
    assert count(db, "crawler_log_lines") == AGENT_LINES


def test_standard_input_is_read_once(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = compress(("\n".join(log_lines()) + "\n").encode(), "gzip")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    report = run(db, "-")
    [file] = report.files
    assert (file.name, file.compression, file.sha256) == ("<stdin>", "gzip", content_sha256())
    assert file.stored == AGENT_LINES
    assert rows(db, "SELECT name FROM log_files") == [("<stdin>",)]
    # The same content again, through standard input: nothing added.
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    again = run(db, "-").files[0]
    assert again.already is not None and again.stored == 0
    assert count(db, "log_files") == 1 and count(db, "crawler_log_lines") == AGENT_LINES


def test_globs_expand_in_order_and_a_file_named_twice_is_read_once(
    db: Path, tmp_path: Path
) -> None:
    write_log(tmp_path / "a.log", log_lines()[:7])
    write_log(tmp_path / "b.log", log_lines()[7:])
    report = run(db, tmp_path / "*.log", tmp_path / "a.log")
    assert [Path(f.name).name for f in report.files] == ["a.log", "b.log"]
    assert sum(f.lines for f in report.files) == LINES
    assert count(db, "crawler_log_lines") == AGENT_LINES


# --- Re-ingesting ------------------------------------------------------------------------


def snapshot(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    tables = ("log_files", "crawler_log_lines", "crawler_hits", "crawler_violations")
    return {t: rows(db, f"SELECT * FROM {t} ORDER BY 1, 2") for t in tables}


def test_re_ingesting_the_same_file_adds_nothing(db: Path, tmp_path: Path) -> None:
    log = write_log(tmp_path / "access.log")
    run(db, log)
    before = snapshot(db)
    report = run(db, log)
    assert report.files[0].already is not None
    assert report.files[0].stored == 0
    assert snapshot(db) == before


def test_the_same_content_compressed_is_the_same_log(db: Path, tmp_path: Path) -> None:
    run(db, write_log(tmp_path / "access.log"))
    before = snapshot(db)
    report = run(db, write_log(tmp_path / "access.log.2.gz", compression="gzip"))
    assert report.files[0].already is not None
    assert snapshot(db) == before


def test_a_grown_log_stores_only_its_new_lines(db: Path, tmp_path: Path) -> None:
    log = write_log(tmp_path / "access.log")
    run(db, log)
    later = combined(GPTBOT_ADDRESS, "13:00:00", "/gallery/f.jpg", UA_GPTBOT)
    report = run(db, write_log(log, [*log_lines(), later]))
    [file] = report.files
    assert file.already is None and file.agent_lines == AGENT_LINES + 1
    assert file.stored == 1
    assert count(db, "crawler_log_lines") == AGENT_LINES + 1
    assert count(db, "crawler_violations") == VIOLATIONS + 1 + 1  # and the impersonator's
    assert count(db, "log_files") == 2


def test_the_same_request_twice_in_one_second_is_two_hits(db: Path, tmp_path: Path) -> None:
    line = combined(GPTBOT_ADDRESS, "10:00:01", "/gallery/a.jpg", UA_GPTBOT)
    run(db, write_log(tmp_path / "twice.log", [line, line]))
    assert count(db, "crawler_log_lines") == 2
    assert rows(db, "SELECT sum(hits), sum(disallowed) FROM crawler_hits") == [(2, 2)]


# --- What is stored, and what is not -------------------------------------------------------


def test_only_ai_crawler_lines_are_stored(db: Path, tmp_path: Path) -> None:
    run(db, write_log(tmp_path / "access.log", compression="gzip"))
    stored = rows(db, "SELECT DISTINCT agent FROM crawler_log_lines ORDER BY agent")
    assert stored == [("ClaudeBot",), ("GPTBot",)]
    raw = {r[0] for r in rows(db, "SELECT raw FROM crawler_log_lines")}
    assert raw == {line for line in log_lines() if UA_GPTBOT in line or UA_CLAUDE in line}
    # Evidence: the file's digest and the line's number, for every stored line.
    numbered = rows(db, "SELECT line_number, raw, file_sha256 FROM crawler_log_lines")
    assert all(log_lines()[n - 1] == text for n, text, _ in numbered)
    assert {sha for _, _, sha in numbered} == {content_sha256()}


def test_no_trace_of_other_visitors_is_in_the_database_file(db: Path, tmp_path: Path) -> None:
    report = run(db, write_log(tmp_path / "access.log"))
    assert report.files[0].malformed == MALFORMED
    for leftover in db.parent.glob(db.name + "-*"):  # -wal, -shm: checkpointed at close
        assert leftover.stat().st_size == 0 or HUMAN.encode() not in leftover.read_bytes()
    data = db.read_bytes()
    for secret in (HUMAN, HUMAN_PATH, UA_HUMAN, GOOGLEBOT, "192.0.2.77", "not a log line"):
        assert secret.encode() not in data, secret
    assert GPTBOT_ADDRESS.encode() in data  # the crawlers' lines are there


def test_malformed_lines_are_counted_and_sampled_never_fatal(db: Path, tmp_path: Path) -> None:
    noise = [f"junk line {n}" for n in range(12)]
    report = run(db, write_log(tmp_path / "noisy.log", [*noise, *log_lines(), "\x00\xff"]))
    [file] = report.files
    assert file.malformed == 12 + MALFORMED + 1
    assert [s.number for s in file.samples] == [1, 2, 3, 4, 5]
    assert file.samples[0].raw == "junk line 0" and file.samples[0].reason
    assert file.agent_lines == AGENT_LINES
    assert rows(db, "SELECT malformed FROM log_files") == [(12 + MALFORMED + 1,)]
    assert b"junk line" not in db.read_bytes()


def test_a_log_of_lines_too_long_is_all_malformed(db: Path, tmp_path: Path) -> None:
    huge = "x" * (70 * 1024)
    report = run(db, write_log(tmp_path / "long.log", [*log_lines(), huge]))
    assert report.files[0].malformed == MALFORMED + 1
    assert report.files[0].agent_lines == AGENT_LINES


# --- Sites ---------------------------------------------------------------------------------


def vhost(host: str, client: str, time: str, target: str, user_agent: str) -> str:
    return f"{host}:443 " + combined(client, time, target, user_agent)


def test_each_line_goes_to_the_site_its_host_names(db: Path, tmp_path: Path) -> None:
    lines = [
        vhost("anna.example", GPTBOT_ADDRESS, "10:00:01", "/gallery/a.jpg", UA_GPTBOT),
        vhost("BEN.example", GPTBOT_ADDRESS, "10:00:02", "/gallery/a.jpg", UA_GPTBOT),
        vhost("www.anna.example", GPTBOT_ADDRESS, "10:00:03", "/gallery/a.jpg", UA_GPTBOT),
        vhost("other.example", GPTBOT_ADDRESS, "10:00:04", "/", UA_GPTBOT),
        vhost("anna.example", HUMAN, "10:00:05", HUMAN_PATH, UA_HUMAN),
    ]
    report = run(db, write_log(tmp_path / "vhosts.log", lines), site=None)
    [file] = report.files
    assert file.format == "vhost_combined"
    assert file.stored == 2 and file.other_host_lines == 2
    assert dict(file.other_hosts) == {"www.anna.example": 1, "other.example": 1}
    assert rows(db, "SELECT origin, judgement FROM crawler_log_lines ORDER BY origin") == [
        (ANNA, "disallowed"),
        (BEN, "allowed"),
    ]
    assert report.sites == (ANNA, BEN)
    assert b"www.anna.example" not in db.read_bytes()


def test_a_log_without_hosts_needs_site(db: Path, tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="give --site ORIGIN"):
        run(db, write_log(tmp_path / "access.log"), site=None)
    assert count(db, "log_files") == 0


def test_site_is_read_as_any_typed_site(db: Path, tmp_path: Path) -> None:
    run(db, write_log(tmp_path / "access.log"), site="ANNA.example/gallery/")
    assert rows(db, "SELECT DISTINCT origin FROM crawler_log_lines") == [(ANNA,)]


def test_an_unknown_site_is_refused_with_close_matches(db: Path, tmp_path: Path) -> None:
    with pytest.raises(IngestError, match=r"did you mean https://anna.example"):
        run(db, write_log(tmp_path / "access.log"), site="https://ana.example")


def test_robots_and_since_judge_a_site_no_crawl_has_seen(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    robots = b"User-agent: *\nDisallow: /gallery/\n"
    report = run(
        db,
        write_log(tmp_path / "access.log"),
        site="https://new.example",
        robots=robots,
        since="2026-11-01",
    )
    [file] = report.files
    assert file.violations == 3 + 1  # ClaudeBot too, under User-agent: *
    assert rows(db, "SELECT origin FROM sites") == [("https://new.example",)]
    source = rows(db, "SELECT robots_source FROM log_files")[0][0]
    assert source.startswith("given: in force since 2026-11-01T00:00:00+00:00, sha256 ")
    # Before --since nothing is known.
    report = run(
        db,
        write_log(tmp_path / "later.log", log_lines()[3:5]),
        site="https://new.example",
        robots=robots,
        since="2026-11-03",
    )
    assert rows(db, "SELECT judgement FROM crawler_log_lines WHERE log_file = 2") == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"fmt": "bogus"}, "--format: bad log format: unknown format 'bogus'"),
        ({"robots": b"User-agent: *\n"}, "--robots FILE and --since DATE go together"),
        ({"since": "2026-11-01"}, "--robots FILE and --since DATE go together"),
        ({"robots": b"", "since": "yesterday"}, "--since 'yesterday': not a date"),
        ({"robots": b"", "since": "2026-11-01", "site": None}, "give --site ORIGIN too"),
    ],
)
def test_bad_options_are_one_line_errors(
    db: Path, tmp_path: Path, options: dict[str, Any], message: str
) -> None:
    log = write_log(tmp_path / "access.log")
    with pytest.raises(IngestError) as caught:
        run(db, log, **options)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_a_missing_file_is_an_error_before_anything_is_written(db: Path, tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="no-such.log: no such file"):
        run(db, write_log(tmp_path / "access.log"), tmp_path / "no-such.log")
    with pytest.raises(IngestError, match="no file matches this pattern"):
        run(db, tmp_path / "*.gz")
    assert not has_logs(sqlite3.connect(db))


def test_a_damaged_file_is_reported_and_the_others_are_read(db: Path, tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.log.gz"
    damaged.write_bytes(compress(b"\n".join(x.encode() for x in log_lines()), "gzip")[:-30])
    good = write_log(tmp_path / "good.log", log_lines()[:7])
    report = run(db, damaged, good)
    assert report.files[0].error and "gzip stream is damaged" in report.files[0].error
    assert report.files[1].error is None and report.files[1].stored == 4
    assert rows(db, "SELECT name FROM log_files") == [(str(good),)]


def test_a_database_another_program_made_is_refused_untouched(tmp_path: Path) -> None:
    other = tmp_path / "recipes.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.close()
    before = other.read_bytes()
    with pytest.raises(IngestError, match="not an optout database"):
        run(other, write_log(tmp_path / "access.log"))
    assert other.read_bytes() == before


def test_a_missing_database_is_not_created_without_a_robots_txt(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="no such database"):
        run(tmp_path / "none.db", write_log(tmp_path / "access.log"))
    assert not (tmp_path / "none.db").exists()


# --- Progress ----------------------------------------------------------------------------


def test_progress_reports_bytes_and_lines_to_the_end(db: Path, tmp_path: Path) -> None:
    log = write_log(tmp_path / "access.log.zst", compression="zstd")
    seen: list[IngestProgress] = []
    run(db, log, progress=seen.append)
    assert seen[0].lines == 0 and not seen[0].done
    last = seen[-1]
    assert last.done and last.total == log.stat().st_size == last.position
    assert (last.lines, last.agent_lines, last.malformed) == (LINES, AGENT_LINES, MALFORMED)


# --- The tables ----------------------------------------------------------------------------


def test_hits_violations_and_behaviour_are_rebuilt_from_the_lines(db: Path, tmp_path: Path) -> None:
    run(db, write_log(tmp_path / "access.log"))
    hits = rows(
        db,
        "SELECT agent, verification, day, path_prefix, hits, images, disallowed, robots_reads"
        " FROM crawler_hits ORDER BY agent, verification, path_prefix",
    )
    assert hits == [
        ("ClaudeBot", "unverifiable", "2026-11-02", "/gallery/", 1, 1, 0, 0),
        ("GPTBot", "impersonator", "2026-11-02", "/gallery/", 1, 1, 1, 0),
        ("GPTBot", "verified", "2026-11-02", "/", 4, 0, 0, 1),
        ("GPTBot", "verified", "2026-11-02", "/gallery/", 3, 3, 3, 0),
    ]
    violations = rows(
        db,
        "SELECT verification, target, line_number, rule, file_sha256, sentence"
        " FROM crawler_violations ORDER BY time",
    )
    assert [v[:3] for v in violations] == [
        ("verified", "/gallery/a.jpg", 5),
        ("verified", "/gallery/b.jpg", 6),
        ("verified", "/gallery/c.jpg", 7),
        ("impersonator", "/gallery/d.jpg", 12),
    ]
    assert {v[3] for v in violations} == {"Disallow: /gallery/"}
    assert violations[0][5] == (
        "GPTBot (verified) fetched 3 images under /gallery/ on 2026-11-02 while robots.txt"
        " disallowed it (Disallow: /gallery/)."
    )
    assert violations[3][5].startswith("Someone posing as GPTBot")
    behaviour = rows(
        db,
        "SELECT robots_read_first, refused_status, hits_after_refusal FROM crawler_behaviour"
        " WHERE agent = 'GPTBot' AND verification = 'verified'",
    )
    assert behaviour == [(1, 403, 1)]


def test_no_log_tables_until_a_log_is_ingested(db: Path, tmp_path: Path) -> None:
    tables = {r[0] for r in rows(db, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "log_files" not in tables and "crawler_hits" not in tables
    run(db, write_log(tmp_path / "access.log"))
    tables = {r[0] for r in rows(db, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"log_files", "crawler_log_lines", "crawler_hits", "crawler_violations"} <= tables
    assert rows(
        db, "SELECT migration_set, name FROM _sqlite_migrations WHERE migration_set = 'optout-logs'"
    ) == [("optout-logs", "m001_access_logs")]


def test_an_ingest_that_died_is_forgotten_by_the_next(db: Path, tmp_path: Path) -> None:
    log = write_log(tmp_path / "access.log")
    run(db, log)
    conn = sqlite3.connect(db)
    conn.execute("UPDATE log_files SET status = 'reading', sha256 = NULL, pid = 999999999")
    conn.commit()
    conn.close()
    report = run(db, log)
    assert report.files[0].stored == AGENT_LINES
    assert count(db, "log_files") == 1 and count(db, "crawler_log_lines") == AGENT_LINES


# --- Export and report ---------------------------------------------------------------------


def export(db: Path) -> dict[str, Any]:
    out = io.StringIO()
    conn, crawl = open_export_db(db, "latest")
    try:
        write_json(out, conn, crawl, tool_version="0.0.0-test")
    finally:
        conn.close()
    document: dict[str, Any] = json.loads(out.getvalue())
    return document


def test_the_export_has_log_keys_only_once_a_log_is_ingested(db: Path, tmp_path: Path) -> None:
    before = export(db)
    assert "crawler_logs" not in before["summary"]
    assert all("crawler_logs" not in site for site in before["sites"])
    run(db, write_log(tmp_path / "access.log"))
    document = export(db)
    jsonschema.validate(document, SCHEMA)
    assert document["schema_version"] == SCHEMA_VERSION
    sites = {s["origin"]: s for s in document["sites"]}
    assert "crawler_logs" not in sites[BEN]  # no AI crawler line of it
    logs = sites[ANNA]["crawler_logs"]
    gptbot = next(a for a in logs["agents"] if a["agent"] == "GPTBot")
    assert (gptbot["verified"], gptbot["impersonators"], gptbot["violations"]) == (7, 1, 3)
    assert gptbot["impersonator_violations"] == 1
    assert (gptbot["read_robots_first"], gptbot["kept_coming_after_refusal"]) == (True, True)
    [verified, posing] = logs["violations"]
    assert (verified["hits"], verified["images"], verified["path_prefix"]) == (3, 3, "/gallery/")
    assert verified["lines"] == [{"file_sha256": content_sha256(), "line": n} for n in (5, 6, 7)]
    assert posing["verification"] == "impersonator"
    summary = document["summary"]["crawler_logs"]
    assert (summary["files"], summary["lines"], summary["agent_hits"]) == (1, LINES, AGENT_LINES)
    assert (summary["violations"], summary["impersonator_violations"]) == (3, 1)
    assert summary["by_operator"][0] == {
        "operator": "OpenAI",
        "agents": ["GPTBot"],
        "verified": 7,
        "unverifiable": 0,
        "impersonators": 1,
        "violations": 3,
        "sites_with_violations": 1,
    }
    # Apart from the new keys, nothing moved.
    for site in document["sites"]:
        site.pop("crawler_logs", None)
    document["summary"].pop("crawler_logs")
    assert document == before


@pytest.mark.parametrize("fmt", ["html", "markdown"])
def test_the_report_has_a_section_only_once_a_log_is_ingested(
    db: Path, tmp_path: Path, fmt: str
) -> None:
    def report() -> str:
        out = io.StringIO()
        conn, crawl = open_export_db(db, "latest")
        try:
            write_report(out, fmt, conn, crawl)
        finally:
            conn.close()
        return out.getvalue()

    assert "Who came, and did they respect the opt-out?" not in report()
    run(db, write_log(tmp_path / "access.log"))
    text = report()
    assert "Who came, and did they respect the opt-out?" in text
    assert "fetched 3 images under /gallery/ on 2026-11-02" in text
    assert "Someone posing as" not in text  # impersonators are never laid at OpenAI's door
    if fmt == "html":
        assert 'data-stat="log-violations">3<' in text
        assert '<tr data-operator="OpenAI">' in text
    else:
        assert "| OpenAI | GPTBot | 7 | 0 | 3 | 1 | 1 |" in text


def test_verify_dns_confirms_or_refutes_what_the_ranges_cannot(db: Path, tmp_path: Path) -> None:
    from crawler.fcrdns import DnsNoAnswer, Resolver

    names = {"198.51.100.30": ["crawl-198-51-100-30.crawl.commoncrawl.org"]}
    addresses = {"crawl-198-51-100-30.crawl.commoncrawl.org": ["198.51.100.30"]}

    def reverse(address: str) -> list[str]:
        if address not in names:
            raise DnsNoAnswer(address)
        return names[address]

    def forward(name: str) -> list[str]:
        if name not in addresses:
            raise DnsNoAnswer(name)
        return addresses[name]

    ccbot = "CCBot/2.0 (https://commoncrawl.org/faq/)"
    lines = [
        combined("198.51.100.30", "10:00:00", "/", ccbot),
        combined("198.51.100.31", "10:00:01", "/", ccbot),
    ]
    report = run(
        db, write_log(tmp_path / "ccbot.log", lines), verify_dns=True,
        resolver=Resolver(reverse, forward),
    )  # fmt: skip
    assert report.dns_lookups == 2
    assert rows(db, "SELECT client, verification, verified_by FROM crawler_log_lines") == [
        ("198.51.100.30", "verified", "fcrdns (crawl-198-51-100-30.crawl.commoncrawl.org)"),
        ("198.51.100.31", "impersonator", None),
    ]
