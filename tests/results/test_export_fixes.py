"""`optout export --fixes`: each site carries its fixes to paste, bounded, valid against the
schema, and saying the same as the per-site computation (results/site_fixes.py)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from optout_cli.main import cli
from results.site_fixes import FIX_TEXT_CHARS, fixes_object, site_fixes
from tests.results.test_export import export_json, schema_errors


@pytest.fixture(scope="module")
def with_fixes(sample_db: Path) -> dict[str, Any]:
    return export_json(sample_db, "--fixes")


def test_every_site_has_its_fixes_and_the_document_is_valid(
    with_fixes: dict[str, Any], sample_db: Path
) -> None:
    assert schema_errors(with_fixes) == []
    assert with_fixes["methodology"]["fixes"] is True
    sites = with_fixes["sites"]
    assert sites and all(site["fixes"]["origin"] == site["origin"] for site in sites)
    statuses = {site["fixes"]["status"] for site in sites}
    assert statuses == {"fix", "works", "optional"}  # the sample web has all three
    conn = sqlite3.connect(sample_db)
    try:
        for site in sites[:10]:
            found = site_fixes(conn, 1, site["origin"])
            assert found is not None and site["fixes"] == json.loads(
                json.dumps(fixes_object(found))
            )
    finally:
        conn.close()


def test_a_long_suggested_file_is_left_out_but_its_changes_stay(
    with_fixes: dict[str, Any],
) -> None:
    robots = [s["fixes"]["robots"] for s in with_fixes["sites"]]
    long = [r for r in robots if r["text_chars"] > FIX_TEXT_CHARS]
    assert long, "the sample web has a site with a huge robots.txt"
    assert all(r["text"] is None and (r["changes"] or r["added"]) for r in long)
    assert all(len(r["text"]) == r["text_chars"] for r in robots if r["text"] is not None)


def test_without_the_flag_no_site_has_fixes(sample_db: Path) -> None:
    document = export_json(sample_db, "--site", "http://plain-sam.example")
    assert document["methodology"]["fixes"] is False
    assert all("fixes" not in site for site in document["sites"])


def test_fixes_need_a_format_with_site_objects(sample_db: Path) -> None:
    result = CliRunner().invoke(
        cli, ["export", "--db", str(sample_db), "--format", "csv", "--fixes"]
    )
    assert result.exit_code == 2 and "--fixes applies to json and ndjson" in result.output
