"""``optout export``: deterministic, schema-valid JSON, CSV and NDJSON of an audited crawl.

``export.json`` and ``export.ndjson`` hold the default (compact) level, ``export.full.json``
the full one. The golden files come from a small fixed database: five fixture sites written as fetch
records with fixed times and audited with a fixed agent registry. Regenerate them with
``UPDATE_GOLDEN=1 .venv/bin/pytest tests/results/test_export.py`` after an intended change.
"""

from __future__ import annotations

import copy
import csv
import json
import os
import sqlite3
import subprocess
from collections import Counter
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any, get_args

import jsonschema  # type: ignore[import-untyped]
import pytest
from click.testing import CliRunner

from audits.core.agents import Registry, parse_registry
from audits.core.evidence import FetchKind
from audits.core.findings import Severity
from audits.core.uses import USES, Effect, State
from audits.signals.robots import Matched
from audits.signals.robots.access import AccessState
from audits.signals.robots.audit import Author
from audits.site.audit import audit_site
from crawler.seeds import KINDS
from crawler.storage import finish_crawl, open_db, start_crawl
from optout_cli.main import cli
from results.derive import audit_crawl
from results.derive_platforms import site_extras
from results.export import (
    CSV_COLUMNS,
    SCHEMA_ID,
    SCHEMA_VERSION,
    Detail,
    export_site,
    open_export_db,
    write_export,
    write_json,
)
from results.report import site_report
from results.robots_rows import full_report
from sampleweb.server import SampleWeb
from tests.conftest import FIXTURES, ROOT
from tests.crawler.conftest import FAST, OPTOUT, sample_web  # noqa: F401
from tests.results.evidence_db import store_crawl
from tests.site_fixture import load_site

GOLDEN = FIXTURES / "export"
SCHEMA = json.loads((ROOT / "schemas" / "export.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
SITE_VALIDATOR = jsonschema.Draft202012Validator({"$defs": SCHEMA["$defs"], "$ref": "#/$defs/site"})
COMPACT_VALIDATOR = jsonschema.Draft202012Validator(
    {"$defs": SCHEMA["$defs"], "$ref": "#/$defs/site_compact"}
)
FULL = ("--detail", "full")
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
REGISTRY: Registry = parse_registry((GOLDEN / "agents.json").read_text(encoding="utf-8"))
STARTED = "2026-01-05T09:00:00.000+00:00"
FINISHED = "2026-01-05T09:05:00.000+00:00"
AUDITED = "2026-01-05T09:06:00.000+00:00"
SETTINGS = {
    "USER_AGENT": "optout-audit/0.1.0 (+https://example.org/contact)",
    "OPTOUT_AGENT_TOKEN": "optout-audit",
    "OPTOUT_PAGE_SAMPLE": "2",  # as `-s OPTOUT_PAGE_SAMPLE=2` stores it
    "OPTOUT_IMAGE_SAMPLE": 4,
    "OPTOUT_LICENSE_SAMPLE": 10,
    "OPTOUT_POLICY_MAXBYTES": 1048577,
    "OPTOUT_PAGE_MAXBYTES": 2097153,
    "OPTOUT_IMAGE_MAXBYTES": 262144,
    "OPTOUT_RENDER": "false",
    "OPTOUT_PROXY": "http://127.0.0.1:1",
}
# (fixture case, seed facts): three kinds, four countries and a site without a country; the
# platform has sampled profiles, images and a stripped rendition; one site runs on a builder.
CASES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("blanket_block", {"name": "Blanket Block", "kind": "creator-site", "country": "FR"}),
    ("legacy_only", {"name": "Legacy Only", "kind": "creator-site", "country": "DE"}),
    ("robots_unreachable", {"name": "Robots Unreachable", "kind": "blog", "country": None}),
    ("signals_conflict", {"name": "Signals Conflict", "kind": "blog", "country": "FR"}),
    ("token_typo", {"name": "Token Typo", "kind": "creator-site", "country": "FR"}),
    (
        "builder_html_squarespace_toggle_on",
        {"name": "Squarespace Site", "kind": "creator-site", "country": "GB"},
    ),
    (
        "platform_profiles",
        {
            "name": "Folio",
            "kind": "platform",
            "country": "US",
            "profile_pattern": "/u/*",
            "artwork_pattern": "/u/*/art/*",
        },
    ),
)


def build_fixed_db(path: Path) -> Path:
    """The golden input: five fixture sites with fixed times, audited with a fixed registry."""
    db = open_db(path)
    crawl_id = store_crawl(db, [(load_site(case).origin, case) for case, _ in CASES])
    for case, facts in CASES:
        tags = json.dumps([case.split("_")[0]])
        db.table("sites").update(load_site(case).origin, {**facts, "tags": tags})
    db.execute(
        "UPDATE crawls SET started_at = ?, finished_at = ?, seeds_source = ?, settings = ?,"
        " tool_version = '0.1.0' WHERE id = ?",
        [STARTED, FINISHED, "tests/fixtures/sites", json.dumps(SETTINGS), crawl_id],
    )
    audit_crawl(db, crawl_id, registry=REGISTRY)
    db.execute(
        "UPDATE audits SET audited_at = ?, seconds = 0 WHERE crawl_id = ?", [AUDITED, crawl_id]
    )
    db.close()
    return path


@pytest.fixture(scope="module")
def fixed_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_fixed_db(tmp_path_factory.mktemp("export") / "fixed.db")


def export_text(db_path: Path, fmt: str = "json", *args: str) -> str:
    """Run ``optout export`` in-process and return standard output (fail on an error)."""
    result = CliRunner().invoke(cli, ["export", "--db", str(db_path), "--format", fmt, *args])
    assert result.exit_code == 0, result.output
    return result.stdout_bytes.decode("utf-8")


def export_json(db_path: Path, *args: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(export_text(db_path, "json", *args))
    return document


def library_export(db_path: Path, fmt: str) -> str:
    """The export the golden files hold: pretty JSON, with a fixed tool version."""
    db, crawl_id = open_export_db(db_path, "latest")
    out = StringIO(newline="")
    try:
        if fmt in ("json", "full.json"):
            detail: Detail = "full" if fmt == "full.json" else "compact"
            write_json(out, db, crawl_id, pretty=True, tool_version="0.0.0-golden", detail=detail)
        else:
            write_export(out, fmt, db, crawl_id)
    finally:
        db.close()
    return out.getvalue()


def schema_errors(document: Any, validator: jsonschema.Validator = VALIDATOR) -> list[str]:
    return [f"{e.json_path}: {e.message[:200]}" for e in validator.iter_errors(document)]


# --- Golden files ----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "full.json", "csv", "ndjson"])
def test_export_matches_the_golden_file(fixed_db: Path, fmt: str) -> None:
    golden = GOLDEN / f"export.{fmt}"
    actual = library_export(fixed_db, fmt).encode("utf-8")
    if UPDATE:
        golden.write_bytes(actual)
    assert golden.exists(), f"{golden} is missing: run with UPDATE_GOLDEN=1 to write it"
    assert actual == golden.read_bytes(), (
        f"the {fmt} export differs from {golden.relative_to(ROOT)}; if the change is intended, "
        "regenerate it with UPDATE_GOLDEN=1 .venv/bin/pytest tests/results/test_export.py"
    )


@pytest.mark.parametrize("name", ["export.json", "export.full.json"])
def test_golden_json_is_valid_against_the_schema(name: str) -> None:
    document = json.loads((GOLDEN / name).read_text(encoding="utf-8"))
    assert schema_errors(document) == []
    assert len(document["sites"]) == len(CASES)


# --- Determinism and layout ------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "csv", "ndjson"])
def test_two_exports_of_one_crawl_are_byte_identical(fixed_db: Path, fmt: str) -> None:
    runner = CliRunner()
    args = ["export", "--db", str(fixed_db), "--format", fmt]
    first, second = runner.invoke(cli, args), runner.invoke(cli, args)
    assert first.exit_code == second.exit_code == 0, first.output
    assert first.stdout_bytes and first.stdout_bytes == second.stdout_bytes


def test_pretty_json_is_exactly_a_one_shot_sorted_dump(fixed_db: Path) -> None:
    text = export_text(fixed_db, "json", "--pretty")
    expected = json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False)
    assert text == expected + "\n"


def test_compact_json_holds_the_same_document_one_site_per_line(fixed_db: Path) -> None:
    compact = export_text(fixed_db, "json")
    assert json.loads(compact) == json.loads(export_text(fixed_db, "json", "--pretty"))
    site_lines = [line for line in compact.splitlines() if line.startswith('{"builder"')]
    assert len(site_lines) == len(CASES)


def test_sites_are_sorted_by_origin(sample_db: Path) -> None:
    origins = [site["origin"] for site in export_json(sample_db)["sites"]]
    assert origins == sorted(origins) and len(origins) > 50


def test_output_file_holds_what_standard_output_shows(fixed_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "export.csv"
    args = ["export", "--db", str(fixed_db), "--format", "csv", "-o", str(target)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert f"exported {len(CASES)} sites of crawl 1" in result.stderr
    assert target.read_bytes() == export_text(fixed_db, "csv").encode("utf-8")
    assert [p.name for p in target.parent.iterdir()] == ["export.csv"]


# --- The site objects --------------------------------------------------------------------


def test_json_sites_are_the_stored_site_reports(fixed_db: Path) -> None:
    # The stored report keeps robots.txt verdicts in their table (results.robots_rows).
    with sqlite3.connect(fixed_db) as conn:
        stored = [
            full_report(conn, 1, json.loads(r))
            for (r,) in conn.execute("SELECT report FROM site_summary")
        ]
    stored.sort(key=lambda report: report["origin"])
    assert export_json(fixed_db, *FULL)["sites"] == stored


def test_ndjson_lines_are_the_json_sites(fixed_db: Path) -> None:
    lines = export_text(fixed_db, "ndjson").splitlines()
    assert [json.loads(line) for line in lines] == export_json(fixed_db)["sites"]


def test_export_site_keeps_a_live_site_report_as_it_is(tmp_path: Path) -> None:
    evidence = load_site("platform_profiles")
    extras = site_extras(evidence, audit_site(evidence, REGISTRY))
    report = site_report(extras.audit, evidence, {"kind": "platform"})
    site = export_site({**report, **extras.report_keys})
    report = {**report, **extras.report_keys}
    assert site == json.loads(json.dumps(report))
    assert schema_errors(site, SITE_VALIDATOR) == []


def test_a_report_stored_before_schema_1_1_exports_images_as_unknown() -> None:
    evidence = load_site("signals_conflict")
    report = site_report(audit_site(evidence, REGISTRY), evidence, {"kind": "blog"})
    site = export_site(report)
    assert site["images"] is None and site["builder"] is None
    assert schema_errors(site, SITE_VALIDATOR) == []


def test_check_json_prints_the_site_object_of_the_export(
    tmp_path: Path,
    sample_web: SampleWeb,  # noqa: F811
) -> None:
    db = tmp_path / "check.db"
    command = [str(OPTOUT), "check", "http://artist-anna.example", "--json", "--db", str(db)]
    command += ["--proxy", sample_web.proxy_url, "--allow-private", *FAST]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=120, cwd=ROOT, stdin=subprocess.DEVNULL
    )
    assert result.returncode == 0, result.stderr[-2000:]
    checked = json.loads(result.stdout)
    assert export_json(db, "--site", "artist-anna.example", "--fixes")["sites"] == [checked]
    assert schema_errors(checked, COMPACT_VALIDATOR) == []


def test_export_site_refuses_an_object_that_is_not_a_site_report() -> None:
    with pytest.raises(ValueError, match="missing \\['country', 'evidence'"):
        export_site({"origin": "https://a.example", "summary": "x"})  # type: ignore[typeddict-item]


def test_csv_has_one_row_per_site_with_the_key_columns(fixed_db: Path) -> None:
    rows = list(csv.reader(export_text(fixed_db, "csv").splitlines()))
    assert tuple(rows[0]) == CSV_COLUMNS
    sites = export_json(fixed_db)["sites"]
    assert [r[0] for r in rows[1:]] == [s["origin"] for s in sites]
    assert [r[5] for r in rows[1:]] == [s["verdicts"]["train"]["state"] for s in sites]
    assert [r[15] for r in rows[1:]] == [s["summary"] for s in sites]


# --- Summary -------------------------------------------------------------------------------


def _from_sites(sites: list[dict[str, Any]], agents: list[str]) -> dict[str, Any]:
    """The summary numbers recounted from the site objects, the slow way."""
    by_use = {u: Counter(s["verdicts"][u]["state"] for s in sites) for u in USES}
    severities = Counter(f["severity"] for s in sites for f in s["findings"])
    blocked = Counter(
        v["agent"]
        for s in sites
        for v in s["robots"]["verdicts"]
        if v["path"] == "/" and not v["allowed"] and v["agent"] in agents
    )
    return {"by_use": by_use, "severities": severities, "blocked": blocked}


@pytest.mark.parametrize("db_name", ["fixed_db", "sample_db"])
def test_summary_agrees_with_the_sites(db_name: str, request: pytest.FixtureRequest) -> None:
    document = export_json(request.getfixturevalue(db_name), *FULL)
    summary, sites = document["summary"], document["sites"]
    recount = _from_sites(sites, document["methodology"]["training_agents"])
    assert summary["sites"] == len(sites)
    for use in USES:
        assert {k: v for k, v in summary["by_use"][use].items() if v} == recount["by_use"][use]
    by_severity = summary["findings"]["by_severity"]
    assert {s: c["findings"] for s, c in by_severity.items() if c["findings"]} == dict(
        recount["severities"]
    )
    for entry in summary["training_agents"]["most_blocked"]:
        assert entry["blocked"] == recount["blocked"][entry["agent"]]


def test_summary_counts_mechanisms_per_site_for_training(fixed_db: Path) -> None:
    document = export_json(fixed_db)
    expected = Counter(m for s in document["sites"] for m in s["verdicts"]["train"]["mechanisms"])
    train = document["summary"]["by_mechanism"]["train"]
    assert {e["mechanism"]: e["sites"] for e in train} == dict(expected)


def test_methodology_records_versions_crawl_times_and_settings(fixed_db: Path) -> None:
    methodology = export_json(fixed_db)["methodology"]
    assert methodology["registry_version"] == REGISTRY.version
    assert methodology["registry_source"] is None  # not the bundled registry
    assert methodology["aipref"]["vocab"].startswith("draft-ietf-aipref-vocab-")
    assert methodology["crawl"]["started_at"] == STARTED
    assert methodology["crawl"]["finished_at"] == FINISHED
    assert methodology["audited_at"] == AUDITED
    assert methodology["settings"]["page_sample"] == 2
    assert methodology["settings"]["render"] is False
    assert "OPTOUT_PROXY" not in json.dumps(methodology)


def test_methodology_names_the_ai_robots_txt_commit_of_the_bundled_registry(
    sample_db: Path,
) -> None:
    source = export_json(sample_db)["methodology"]["registry_source"]
    assert source["name"] == "ai.robots.txt" and source["commit"]


# --- Filters -------------------------------------------------------------------------------


def _selected(document: dict[str, Any]) -> set[str]:
    return {site["origin"] for site in document["sites"]}


def test_kind_filter_narrows_sites_and_summary(fixed_db: Path) -> None:
    document = export_json(fixed_db, "--kind", "blog")
    assert _selected(document) == {
        "https://robots-unreachable.example",
        "https://signals-conflict.example",
    }
    assert document["summary"]["sites"] == 2
    assert [k["kind"] for k in document["summary"]["by_kind"]] == ["blog"]
    assert document["methodology"]["selection"]["kinds"] == ["blog"]


def test_country_filter_narrows_sites_and_summary(fixed_db: Path) -> None:
    document = export_json(fixed_db, "--country", "de", "--country", "FR")
    assert len(document["sites"]) == 4
    assert [c["country"] for c in document["summary"]["by_country"]] == ["DE", "FR"]
    assert sum(document["summary"]["by_use"]["train"].values()) == 4


def test_site_filter_narrows_sites_and_summary(fixed_db: Path) -> None:
    document = export_json(fixed_db, "--site", "token-typo.example")
    assert _selected(document) == {"https://token-typo.example"}
    findings = document["summary"]["findings"]
    assert sum(c["findings"] for c in findings["by_code"]) == len(document["sites"][0]["findings"])
    assert {c["code"] for c in findings["by_code"]} >= {"robots-token-typo"}


def test_site_filter_takes_a_full_origin_with_its_scheme(fixed_db: Path) -> None:
    document = export_json(fixed_db, "--site", "https://legacy-only.example/")
    assert _selected(document) == {"https://legacy-only.example"}


@pytest.mark.parametrize(
    "typed",
    [
        "HTTPS://Legacy-Only.Example",
        "https://legacy-only.example/gallery/1?x=1",
        "http://legacy-only.example",  # only the https origin exists: the scheme gives way
        "legacy-only.example:443",
    ],
)
def test_site_filter_finds_the_site_however_it_is_typed(fixed_db: Path, typed: str) -> None:
    assert _selected(export_json(fixed_db, "--site", typed)) == {"https://legacy-only.example"}


def test_filters_of_different_options_must_all_hold(fixed_db: Path) -> None:
    document = export_json(fixed_db, "--kind", "blog", "--country", "FR")
    assert _selected(document) == {"https://signals-conflict.example"}
    assert document["summary"]["sites"] == 1


def test_filters_apply_to_csv_and_ndjson(fixed_db: Path) -> None:
    assert len(export_text(fixed_db, "csv", "--kind", "blog").splitlines()) == 3
    assert len(export_text(fixed_db, "ndjson", "--country", "DE").splitlines()) == 1


def test_filters_that_leave_no_site_give_a_valid_empty_export(fixed_db: Path) -> None:
    document = export_json(fixed_db, "--kind", "blog", "--country", "DE")
    assert document["sites"] == [] and document["summary"]["sites"] == 0
    assert schema_errors(document) == []


# --- Errors --------------------------------------------------------------------------------


def _fails(args: list[str]) -> str:
    result = CliRunner().invoke(cli, ["export", *args])
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    return result.output


def test_missing_database_is_named(tmp_path: Path) -> None:
    output = _fails(["--db", str(tmp_path / "none.db")])
    assert "none.db" in output and "does not exist" in output


def test_a_file_that_is_not_a_database_is_named(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_text("not sqlite at all, but long enough to have a header" * 4)
    assert "junk.db: not an optout database (not a SQLite file)" in _fails(["--db", str(junk)])


def test_unknown_crawl_is_named(fixed_db: Path) -> None:
    assert "there is no crawl 42" in _fails(["--db", str(fixed_db), "--crawl", "42"])


def test_crawl_never_audited_suggests_optout_audit(tmp_path: Path) -> None:
    db_path = build_fixed_db(tmp_path / "two.db")
    db = open_db(db_path)
    crawl = start_crawl(
        db,
        seeds_source=None,
        settings={},
        tool_version="0",
        interpreter_version="0",
        registry_version=REGISTRY.version,
    )
    finish_crawl(db, crawl, "finished", {})  # an unfinished one is refused as such instead
    db.close()
    output = _fails(["--db", str(db_path)])
    assert "crawl 2" in output and "has not been audited" in output
    assert f"optout audit --db {db_path} --crawl 2" in output
    assert export_json(db_path, "--crawl", "1")["methodology"]["crawl"]["id"] == 1


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--kind", "gallery", "--kind gallery: no site of that kind in crawl 1 (kinds present:"),
        ("--country", "JP", "--country JP: no site in that country in crawl 1 (countries"),
        ("--site", "nobody.example", "--site nobody.example: not a site of crawl 1"),
    ],
)
def test_a_filter_value_matching_no_site_is_named(
    fixed_db: Path, option: str, value: str, message: str
) -> None:
    assert message in _fails(["--db", str(fixed_db), option, value])


# --- Schema --------------------------------------------------------------------------------


def test_schema_is_valid_draft_2020_12_with_a_versioned_id() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$id"] == SCHEMA_ID and SCHEMA_VERSION in SCHEMA_ID
    assert SCHEMA["properties"]["schema_version"] == {"const": SCHEMA_VERSION}


@pytest.mark.parametrize(
    ("definition", "values"),
    [
        ("state", get_args(State)),
        ("effect", get_args(Effect)),
        ("severity", get_args(Severity)),
        ("use", USES),
        ("kind", (*KINDS, None)),
    ],
)
def test_schema_enums_follow_the_code(definition: str, values: tuple[Any, ...]) -> None:
    assert SCHEMA["$defs"][definition]["enum"] == list(values)


def test_schema_enums_of_robots_and_fetches_follow_the_code() -> None:
    defs = SCHEMA["$defs"]
    assert defs["robots"]["properties"]["state"]["enum"] == [*get_args(AccessState), "not-fetched"]
    assert defs["robots"]["properties"]["authorship"]["enum"] == [*get_args(Author), None]
    assert defs["robots_verdict"]["properties"]["matched"]["enum"] == list(get_args(Matched))
    assert defs["fetch"]["properties"]["kind"]["enum"] == list(get_args(FetchKind))


def _site(document: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in document["sites"] if s["findings"] and s["robots"]["verdicts"])


def _compact_site(document: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in document["sites"] if s["findings"] and s["robots"]["differing"])


MUTATIONS: dict[str, Callable[[dict[str, Any]], None]] = {
    "unknown state": lambda d: _site(d)["verdicts"]["train"].update(state="maybe"),
    "unknown severity": lambda d: _site(d)["findings"][0].update(severity="fatal"),
    "missing use": lambda d: _site(d)["verdicts"].pop("tdm"),
    "extra use": lambda d: _site(d)["verdicts"].update(other=_site(d)["verdicts"]["train"]),
    "extra site field": lambda d: _site(d).update(score=1),
    "missing evidence": lambda d: _site(d).pop("evidence"),
    "bad sha256": lambda d: _site(d)["evidence"][0].update(sha256="xyz"),
    "allowed as text": lambda d: _site(d)["robots"]["verdicts"][0].update(allowed="yes"),
    "negative count": lambda d: d["summary"]["by_use"]["train"].update(reserved=-1),
    "missing summary": lambda d: d.pop("summary"),
    "wrong schema version": lambda d: d.update(schema_version="0.9"),
    "extra methodology field": lambda d: d["methodology"].update(generated_at="now"),
    "verdict without its group": lambda d: _site(d)["robots"]["verdicts"][0].pop("group_lines"),
    "group line as text": lambda d: _site(d)["robots"]["verdicts"][0].update(group_lines=["1"]),
    "level not named": lambda d: d["methodology"].pop("detail"),
    "full sites said to be compact": lambda d: d["methodology"].update(detail="compact"),
}
COMPACT_MUTATIONS: dict[str, Callable[[dict[str, Any]], None]] = {
    "agent table kept": lambda d: _compact_site(d)["robots"].update(verdicts=[]),
    "nothing omitted said": lambda d: _compact_site(d).pop("omitted"),
    "negative omitted": lambda d: _compact_site(d)["omitted"].update(evidence=-1),
    "differing without agents": lambda d: _compact_site(d)["robots"]["differing"][0].pop("agents"),
    "differing without lines": lambda d: _compact_site(d)["robots"]["differing"][0].pop(
        "group_lines"
    ),
    "rule line as text": lambda d: _compact_site(d)["robots"]["differing"][0]["verdicts"][0].update(
        rule_line="4"
    ),
    "compact sites said to be full": lambda d: d["methodology"].update(detail="full"),
    "unknown level": lambda d: d["methodology"].update(detail="medium"),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_schema_rejects_a_broken_export(fixed_db: Path, mutation: str) -> None:
    document = copy.deepcopy(export_json(fixed_db, *FULL))
    assert schema_errors(document) == []
    MUTATIONS[mutation](document)
    assert schema_errors(document) != []


@pytest.mark.parametrize("mutation", sorted(COMPACT_MUTATIONS))
def test_schema_rejects_a_broken_compact_export(fixed_db: Path, mutation: str) -> None:
    document = copy.deepcopy(export_json(fixed_db))
    assert schema_errors(document) == []
    COMPACT_MUTATIONS[mutation](document)
    assert schema_errors(document) != []


@pytest.mark.parametrize("detail", ["compact", "full"])
def test_real_sample_web_export_is_valid_against_the_schema(sample_db: Path, detail: str) -> None:
    document = export_json(sample_db, "--detail", detail)
    assert document["methodology"]["detail"] == detail
    assert schema_errors(document) == []
    assert document["summary"]["sites"] == len(document["sites"]) > 50


@pytest.mark.parametrize(
    ("detail", "validator"), [("compact", COMPACT_VALIDATOR), ("full", SITE_VALIDATOR)]
)
def test_real_sample_web_ndjson_lines_are_valid_sites(
    sample_db: Path, detail: str, validator: jsonschema.Validator
) -> None:
    lines = export_text(sample_db, "ndjson", "--country", "US", "--detail", detail).splitlines()
    assert lines
    for line in lines:
        assert schema_errors(json.loads(line), validator) == []


# --- The deciding group of each robots.txt verdict (schema 1.2) -----------------------------


def _stored_groups(db_path: Path, crawl_id: int) -> dict[tuple[str, str, str], tuple[Any, ...]]:
    """(matched, group_lines, group_text) per (origin, agent, path), as the Datasette table
    ``robots_verdicts`` shows them."""
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute(
            "SELECT origin, agent, path, matched, group_lines, group_text FROM robots_verdicts"
            " WHERE crawl_id = ?",
            [crawl_id],
        ).fetchall()
    return {(o, a, p): (m, lines, text) for o, a, p, m, lines, text in rows}


def _group_checks(db_path: Path) -> Counter[str]:
    """Check every exported verdict's group against the derived table; count by ``matched``."""
    document = export_json(db_path, *FULL)
    stored = _stored_groups(db_path, document["methodology"]["crawl"]["id"])
    seen: Counter[str] = Counter()
    for site in document["sites"]:
        for v in site["robots"]["verdicts"]:
            matched, lines, text = stored.pop((site["origin"], v["agent"], v["path"]))
            where = (site["origin"], v["agent"], v["path"])
            assert (v["matched"], v["group_text"]) == (matched, text), where
            # The table keeps the list as JSON text; the export holds that very list.
            assert json.dumps(v["group_lines"]) == lines, where
            if v["matched"] == "none":  # no group applied: nothing to name
                assert (v["group_lines"], v["group_text"]) == ([], None), where
            else:
                assert v["group_lines"] and v["group_text"], where
                parts = v["group_text"].split(" / ")
                assert len(parts) == len(v["group_lines"]), where
                if v["matched"] == "wildcard":
                    assert "*" in parts, where
                else:
                    assert v["agent"].casefold() in v["group_text"].casefold(), where
            seen[v["matched"]] += 1
    # Only sites without a parsed robots.txt have table rows and no exported verdicts.
    assert {(m, lines) for m, lines, _ in stored.values()} <= {("no-file", None), ("unknown", None)}
    return seen


def test_every_exported_verdict_names_the_group_the_derived_table_holds(fixed_db: Path) -> None:
    seen = _group_checks(fixed_db)
    assert seen["explicit"] and seen["wildcard"] and seen["none"], seen


def test_every_verdict_of_the_sample_web_names_the_group_the_derived_table_holds(
    sample_db: Path,
) -> None:
    seen = _group_checks(sample_db)
    assert seen["explicit"] and seen["wildcard"] and seen["none"], seen


def _verdict(site: dict[str, Any], agent: str, path: str = "/") -> dict[str, Any]:
    return next(v for v in site["robots"]["verdicts"] if (v["agent"], v["path"]) == (agent, path))


def test_group_lines_point_at_the_user_agent_lines_of_the_robots_txt(fixed_db: Path) -> None:
    sites = {s["origin"]: s for s in export_json(fixed_db, *FULL)["sites"]}
    checked = 0
    for case, _ in CASES:
        evidence = load_site(case)
        robots = evidence.first("robots")
        verdicts = sites[evidence.origin]["robots"]["verdicts"]
        if robots is None or robots.body is None or not verdicts:
            continue
        lines = robots.body.decode("utf-8").splitlines()
        for v in verdicts:
            values = v["group_text"].split(" / ") if v["group_text"] else []
            for number, value in zip(v["group_lines"], values, strict=True):
                field, _, written = lines[number - 1].partition(":")
                assert field.strip().casefold() == "user-agent", (case, v)
                assert written.strip().startswith(value), (case, v)
            checked += 1
    assert checked > 100


def test_agents_decided_by_their_own_group_by_star_and_by_none_in_the_golden_export() -> None:
    document = json.loads((GOLDEN / "export.full.json").read_text(encoding="utf-8"))
    sites = {s["origin"]: s for s in document["sites"]}
    legacy = sites["https://legacy-only.example"]
    own = _verdict(legacy, "anthropic-ai")
    assert (own["matched"], own["group_text"], own["group_lines"]) == (
        "explicit",
        "anthropic-ai",
        [1],
    )
    star = _verdict(sites["https://blanket-block.example"], "GPTBot")
    assert (star["matched"], star["group_text"], star["group_lines"]) == ("wildcard", "*", [1])
    nobody = _verdict(legacy, "GPTBot")
    assert (nobody["matched"], nobody["group_text"], nobody["group_lines"]) == ("none", None, [])


def test_a_report_stored_with_inline_verdicts_gets_the_groups_from_the_table(
    fixed_db: Path, tmp_path: Path
) -> None:
    """Reports stored before the compact verdict table held their verdicts without groups."""
    old = tmp_path / "inline.db"
    old.write_bytes(fixed_db.read_bytes())
    expected = export_json(fixed_db, *FULL)["sites"]
    with sqlite3.connect(old) as conn:
        for site in expected:
            verdicts = [
                {k: v for k, v in verdict.items() if k not in ("group_lines", "group_text")}
                for verdict in site["robots"]["verdicts"]
            ]
            report = {**site, "robots": {**site["robots"], "verdicts": verdicts}}
            conn.execute(
                "UPDATE site_summary SET report = ? WHERE origin = ?",
                [json.dumps(report), site["origin"]],
            )
    assert export_json(old, *FULL)["sites"] == expected


# --- Platforms, images and builders (schema 1.1) -------------------------------------------

FOLIO = "https://folio.example"


def test_platforms_hold_the_sampled_share_and_its_interval(fixed_db: Path) -> None:
    (folio,) = export_json(fixed_db)["platforms"]
    assert folio["origin"] == FOLIO and folio["name"] == "Folio"
    assert (folio["sampled"], folio["opted_out"], folio["population"]) == (9, 7, 12)
    assert folio["ci_low"] < folio["share"] < folio["ci_high"]
    assert folio["offers_per_profile"] and "noai" in folio["mechanisms"]
    assert folio["strips_metadata"] and folio["stripped"][0]["lost"] == ["iptc-data-mining"]
    assert folio["rendered_only"] == 1 and folio["default_train"] == "unstated"


def test_platforms_follow_the_selection(fixed_db: Path) -> None:
    assert export_json(fixed_db, "--kind", "blog")["platforms"] == []
    assert len(export_json(fixed_db, "--kind", "platform")["platforms"]) == 1


def test_each_site_carries_its_images(fixed_db: Path) -> None:
    sites = {s["origin"]: s for s in export_json(fixed_db)["sites"]}
    images = {i["url"]: i for i in sites[FOLIO]["images"]}
    original = images[f"{FOLIO}/media/anna/1-original.jpg"]
    assert original["data_mining"]["code"] == "DMI-PROHIBITED-AIMLTRAINING"
    assert original["reservations"][0]["mechanism"] == "iptc-data-mining"
    assert images[f"{FOLIO}/media/anna/1-display.jpg"]["stripped"] == ["iptc-data-mining"]
    assert sites["https://token-typo.example"]["images"] == []


def test_each_site_carries_its_builder_and_the_summary_counts_them(fixed_db: Path) -> None:
    document = export_json(fixed_db)
    builders = {s["origin"]: s["builder"] for s in document["sites"]}
    squarespace = next(b for b in builders.values() if b and b["builder"] == "squarespace")
    assert squarespace["toggle_on"] is True
    (entry,) = document["summary"]["by_builder"]
    assert entry["builder"] == "squarespace"
    assert (entry["sites"], entry["toggle_on"]) == (1, 1)
    with_builder = [b for b in builders.values() if b and b["builder"]]
    assert len(with_builder) == entry["sites"]


def test_csv_names_the_builder_of_each_site(fixed_db: Path) -> None:
    rows = list(csv.DictReader(export_text(fixed_db, "csv").splitlines()))
    assert {r["builder"] for r in rows} == {"", "squarespace"}


def test_a_database_from_before_schema_1_1_still_exports(fixed_db: Path, tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    old.write_bytes(fixed_db.read_bytes())
    with sqlite3.connect(old) as conn:
        conn.execute("DROP INDEX site_summary_builder")
        for column in ("builder", "builder_name", "builder_how", "builder_offers_toggle"):
            conn.execute(f"ALTER TABLE site_summary DROP COLUMN {column}")
        conn.execute("ALTER TABLE site_summary DROP COLUMN builder_toggle")
        conn.execute("ALTER TABLE site_summary DROP COLUMN opt_out_author")
        conn.execute("DROP TABLE platform_summary")
    document = export_json(old)
    assert document["platforms"] == [] and document["summary"]["by_builder"] == []
    rows = list(csv.DictReader(export_text(old, "csv").splitlines()))
    assert len(rows) == len(CASES) and {r["builder"] for r in rows} == {""}
