"""Export levels (compact and full), the new filters and the Parquet export, on the sample web.

The compact site object must stay within the size bound, lose nothing a report reads, and say
about robots.txt exactly what the full table says; the Parquet rows must say what the JSON says.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from audits.core.uses import USES
from optout_cli.main import cli
from results.export import site_object
from results.export_compact import SITE_BYTES, compact_site, size
from results.export_parquet import COLUMNS, read_methodology
from tests.results.test_export import (
    COMPACT_VALIDATOR,
    FULL,
    export_json,
    export_text,
    schema_errors,
)


@pytest.fixture(scope="module")
def levels(sample_db: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The compact and the full JSON export of the sample web."""
    return export_json(sample_db), export_json(sample_db, *FULL)


# --- Size ----------------------------------------------------------------------------------


def test_every_compact_site_of_the_sample_web_is_within_the_bound(
    levels: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    compact, _ = levels
    sizes = {s["origin"]: size(s) for s in compact["sites"]}
    assert len(sizes) > 50
    assert max(sizes.values()) <= SITE_BYTES, sorted(sizes.items(), key=lambda i: -i[1])[:3]


def test_the_compact_export_is_a_small_part_of_the_full_one(sample_db: Path) -> None:
    compact = len(export_text(sample_db, "json").encode("utf-8"))
    full = len(export_text(sample_db, "json", *FULL).encode("utf-8"))
    assert compact * 10 < full


def test_an_oversized_site_is_cut_to_the_bound_and_says_what_was_left_out(
    levels: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    _, full = levels
    site = next(s for s in full["sites"] if s["findings"])
    finding = site["findings"][0]
    huge = {**site, "findings": [finding] * 400, "statements": []}
    cut = compact_site(huge)  # type: ignore[arg-type]
    assert size(cut) <= SITE_BYTES
    assert 0 < cut["omitted"]["findings"] < 400
    assert len(cut["findings"]) + cut["omitted"]["findings"] == 400
    assert cut["verdicts"] == site["verdicts"]
    assert schema_errors(cut, COMPACT_VALIDATOR) == []


# --- What the compact level keeps ------------------------------------------------------------


def test_compact_keeps_what_a_report_reads(levels: tuple[dict[str, Any], dict[str, Any]]) -> None:
    compact, full = levels
    assert compact["summary"] == full["summary"] and compact["platforms"] == full["platforms"]
    for small, big in zip(compact["sites"], full["sites"], strict=True):
        for key in ("origin", "summary", "verdicts", "builder", "versions", "tags", "kind"):
            assert small[key] == big[key], (big["origin"], key)
        for key in ("findings", "statements"):
            assert small[key] == big[key] or small["omitted"][key], (big["origin"], key)
        for key in ("probes", "crawler_logs", "taken"):
            assert small.get(key) == big.get(key), (big["origin"], key)
        assert small["omitted"]["evidence"] == len(big["evidence"]) - len(small["evidence"])


def test_compact_evidence_holds_every_fetch_the_object_cites(
    levels: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    """Without the budget every cited fetch is kept; with it, the policy files still are."""
    compact, full = levels
    assert all(any(e["kind"] == "robots" for e in s["evidence"]) for s in compact["sites"])
    checked = 0
    for big in full["sites"]:
        site = compact_site(big, budget=10**9)
        kept = {e["fetch_id"] for e in site["evidence"]}
        cited = {
            ref["fetch_id"]
            for verdict in site["verdicts"].values()
            for c in verdict["contributions"] + verdict.get("in_words", [])
            for ref in c["evidence"]
            if ref["fetch_id"]
        } | {f["fetch_id"] for f in site["findings"] if f["fetch_id"]}
        assert cited <= kept, site["origin"]
        checked += bool(cited)
    assert checked > 20


def _expanded(robots: dict[str, Any], agents: list[str]) -> dict[tuple[str, str], bool]:
    """The compact robots part read back as (agent, path) -> allowed."""

    def per_path(decision: dict[str, Any]) -> dict[str, bool]:
        first = decision["verdicts"][0]["allowed"]
        out = dict.fromkeys(robots["paths"], first)
        out.update({v["path"]: v["allowed"] for v in decision["verdicts"]})
        return out

    own = {a: per_path(d) for d in robots["differing"] for a in d["agents"]}
    default = per_path(robots["wildcard"]) if robots["wildcard"] else {}
    return {(a, p): own.get(a, default)[p] for a in agents for p in robots["paths"]}


def test_compact_robots_says_what_the_full_table_says(
    levels: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    compact, full = levels
    differing = 0
    for small, big in zip(compact["sites"], full["sites"], strict=True):
        table = {(v["agent"], v["path"]): v["allowed"] for v in big["robots"]["verdicts"]}
        agents = list(dict.fromkeys(v["agent"] for v in big["robots"]["verdicts"]))
        robots = small["robots"]
        assert robots["agents"] == len(agents)
        assert _expanded(robots, agents) == table, big["origin"]
        differing += len(robots["differing"])
        if robots["wildcard"] is None:
            continue
        # Every listed agent differs from the * verdict somewhere: nobody is listed in vain.
        star = _expanded({**robots, "differing": []}, ["*"])
        for decision in robots["differing"]:
            for agent in decision["agents"]:
                assert any(table[(agent, p)] != star[("*", p)] for p in robots["paths"]), (
                    big["origin"],
                    agent,
                )
    assert differing > 10


def test_compact_robots_names_the_deciding_lines(
    levels: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    compact, full = levels
    for small, big in zip(compact["sites"], full["sites"], strict=True):
        table = {(v["agent"], v["path"]): v for v in big["robots"]["verdicts"]}
        for decision in small["robots"]["differing"]:
            for agent in decision["agents"]:
                for verdict in decision["verdicts"]:
                    row = table[(agent, verdict["path"])]
                    assert (row["group_lines"], row["group_text"]) == (
                        decision["group_lines"],
                        decision["group_text"],
                    )
                    assert (row["rule_line"], row["rule_text"]) == (
                        verdict["rule_line"],
                        verdict["rule_text"],
                    )


def test_site_object_gives_either_level_of_one_report(
    levels: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    compact, full = levels
    site = full["sites"][0]
    assert site_object(site) == compact["sites"][0]
    assert site_object(site, "full") == site


# --- Filters ---------------------------------------------------------------------------------


def test_verdict_filter_narrows_sites_and_summary(sample_db: Path) -> None:
    document = export_json(sample_db, "--verdict", "reserved", "--verdict", "partial")
    states = {s["verdicts"]["train"]["state"] for s in document["sites"]}
    assert states == {"reserved", "partial"}
    train = document["summary"]["by_use"]["train"]
    assert train["reserved"] + train["partial"] == document["summary"]["sites"]
    assert document["methodology"]["selection"]["verdicts"] == ["reserved", "partial"]
    assert document["methodology"]["selection"]["uses"] == ["train"]


def test_use_chooses_the_verdict_the_filter_reads(sample_db: Path) -> None:
    document = export_json(sample_db, "--use", "tdm", "--verdict", "allowed")
    assert document["sites"]
    assert {s["verdicts"]["tdm"]["state"] for s in document["sites"]} == {"allowed"}
    assert document["methodology"]["selection"]["uses"] == ["tdm"]


def test_platform_filter_narrows_sites_and_summary(sample_db: Path) -> None:
    everything = export_json(sample_db)
    platform = next(s["platform"] for s in everything["sites"] if s["platform"])
    host = platform.split("://", 1)[1]
    document = export_json(sample_db, "--platform", host)
    assert document["sites"] and {s["platform"] for s in document["sites"]} == {platform}
    assert document["summary"]["sites"] == len(document["sites"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--verdict", "maybe"], "'maybe' is not one of 'reserved', 'partial'"),
        (["--use", "cooking", "--verdict", "reserved"], "'cooking' is not one of 'train'"),
        (["--use", "tdm"], "--use names the verdict --verdict reads: give --verdict too"),
        (["--platform", "nowhere.example"], "--platform nowhere.example: no site on that"),
        (["--format", "parquet"], "--format parquet writes a file: give -o FILE"),
        (["--format", "csv", "--detail", "full"], "--detail applies to json and ndjson"),
    ],
)
def test_a_bad_filter_is_one_clear_line(sample_db: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, ["export", "--db", str(sample_db), *args])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert message in result.output


# --- Parquet -------------------------------------------------------------------------------


def test_parquet_rows_say_what_the_json_says(
    sample_db: Path, tmp_path: Path, levels: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    target = tmp_path / "out" / "sites.parquet"
    args = ["export", "--db", str(sample_db), "--format", "parquet", "-o", str(target)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    compact, full = levels
    con = duckdb.connect()
    try:
        described = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(target)])
        names = [r[0] for r in described.fetchall()]
        rows = con.execute(
            "SELECT origin, use, state, state_counting_words, mechanisms, finding_codes,"
            " agents_blocked, errors, summary FROM read_parquet(?)",
            [str(target)],
        ).fetchall()
    finally:
        con.close()
    assert names == [c for c, _ in COLUMNS]
    expected = []
    for site in full["sites"]:
        blocked = sorted(
            {
                v["agent"]
                for v in site["robots"]["verdicts"]
                if v["path"] == "/" and not v["allowed"]
            },
            key=lambda t: (t.casefold(), t),
        )
        for use in USES:
            verdict = site["verdicts"][use]
            expected.append(
                (
                    site["origin"],
                    use,
                    verdict["state"],
                    verdict.get("state_counting_words"),
                    verdict["mechanisms"],
                    sorted({f["code"] for f in site["findings"]}),
                    blocked,
                    sum(f["severity"] == "error" for f in site["findings"]),
                    site["summary"],
                )
            )
    assert rows == expected
    meta = read_methodology(target)
    assert meta["schema_version"] == compact["schema_version"]
    assert meta["methodology"] == compact["methodology"]
    assert [p.name for p in target.parent.iterdir()] == ["sites.parquet"]


def test_parquet_follows_the_filters(sample_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "reserved.parquet"
    args = ["export", "--db", str(sample_db), "--format", "parquet", "-o", str(target)]
    result = CliRunner().invoke(cli, [*args, "--verdict", "reserved"])
    assert result.exit_code == 0, result.output
    sites = export_json(sample_db, "--verdict", "reserved")["sites"]
    con = duckdb.connect()
    try:
        found = con.execute(
            "SELECT DISTINCT origin FROM read_parquet(?) WHERE use = 'train'"
            " AND state = 'reserved' ORDER BY origin",
            [str(target)],
        ).fetchall()
        total = con.execute("SELECT count(*) FROM read_parquet(?)", [str(target)]).fetchone()
    finally:
        con.close()
    assert [o for (o,) in found] == [s["origin"] for s in sites]
    assert total == (len(sites) * len(USES),)
    assert json.loads(json.dumps(read_methodology(target)["methodology"]["selection"]))[
        "verdicts"
    ] == ["reserved"]
