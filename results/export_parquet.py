"""The export as Parquet for researchers: one row per site and use, written with DuckDB.

pandas (``pd.read_parquet``), DuckDB (``FROM 'file.parquet'``), R (``arrow::read_parquet``,
``nanoparquet``) and polars read it without a schema of their own: flat columns, lists of
strings where a site has several values (mechanisms, finding codes, blocked agents). The
methodology (versions, crawl, settings, selection) travels in the file's key-value metadata
under ``optout_export``, as JSON.

DuckDB is already a dependency (``results.datasets``) and writes Parquet itself, so no Arrow
library is added. The rows are streamed as NDJSON into a scratch file next to the target and
DuckDB converts that file, so memory stays flat however many sites there are; the target is
replaced only once the Parquet file is complete.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import duckdb
import sqlite_utils

from audits.core.uses import USES
from results.export import (
    SCHEMA_VERSION,
    ExportError,
    Selection,
    dump,
    export_site,
    iter_reports,
    methodology,
    snapshot,
)

# (column, DuckDB type): the file's columns, in order; docs/export.md describes each.
COLUMNS: Final = (
    ("crawl_id", "INTEGER"),
    ("origin", "VARCHAR"),
    ("name", "VARCHAR"),
    ("kind", "VARCHAR"),
    ("platform", "VARCHAR"),
    ("country", "VARCHAR"),
    ("tags", "VARCHAR[]"),
    ("builder", "VARCHAR"),
    ("robots_state", "VARCHAR"),
    ("robots_authorship", "VARCHAR"),
    ("agents_blocked", "VARCHAR[]"),
    ("errors", "INTEGER"),
    ("warnings", "INTEGER"),
    ("finding_codes", "VARCHAR[]"),
    ("statements", "INTEGER"),
    ("summary", "VARCHAR"),
    ("use", "VARCHAR"),
    ("state", "VARCHAR"),
    ("state_counting_words", "VARCHAR"),
    ("conflict", "BOOLEAN"),
    ("mechanisms", "VARCHAR[]"),
    ("reserving_mechanisms", "VARCHAR[]"),
    ("words_mechanisms", "VARCHAR[]"),
    ("gaps", "VARCHAR[]"),
    ("unknown_because", "VARCHAR[]"),
    ("enforced", "VARCHAR"),
    ("sentence", "VARCHAR"),
)
METADATA_KEY: Final = "optout_export"
_SETTINGS: Final = (
    "SET threads = 1",
    "SET memory_limit = '256MB'",
    "SET preserve_insertion_order = true",
    # Never reach for the network: no extension is downloaded or loaded on its own.
    "SET autoinstall_known_extensions = false",
    "SET autoload_known_extensions = false",
)


def site_rows(site: Any) -> Iterator[dict[str, Any]]:
    """One full site object's rows, one per use in ``USES`` order."""
    builder = site.get("builder") or {}
    statements = site.get("statements")
    common = {
        "origin": site["origin"],
        "name": site["name"],
        "kind": site["kind"],
        "platform": site["platform"],
        "country": site["country"],
        "tags": site["tags"],
        "builder": builder.get("builder"),
        "robots_state": site["robots"]["state"],
        "robots_authorship": site["robots"]["authorship"],
        "agents_blocked": sorted(
            {
                v["agent"]
                for v in site["robots"]["verdicts"]
                if v["path"] == "/" and not v["allowed"]
            },
            key=lambda t: (t.casefold(), t),
        ),
        "errors": sum(f["severity"] == "error" for f in site["findings"]),
        "warnings": sum(f["severity"] == "warning" for f in site["findings"]),
        "finding_codes": sorted({f["code"] for f in site["findings"]}),
        "statements": None if statements is None else len(statements),
        "summary": site["summary"],
    }
    for use in USES:
        verdict = site["verdicts"][use]
        reserving = [c["mechanism"] for c in verdict["contributions"] if c["effect"] != "allowed"]
        yield common | {
            "use": use,
            "state": verdict["state"],
            "state_counting_words": verdict.get("state_counting_words"),
            "conflict": verdict["conflict"],
            "mechanisms": verdict["mechanisms"],
            "reserving_mechanisms": list(dict.fromkeys(reserving)),
            "words_mechanisms": list(
                dict.fromkeys(c["mechanism"] for c in verdict.get("in_words") or [])
            ),
            "gaps": verdict["gaps"],
            "unknown_because": verdict["unknown_because"],
            "enforced": verdict.get("enforced"),
            "sentence": verdict["sentence"],
        }


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def write_parquet(
    target: Path, db: sqlite_utils.Database, crawl_id: int, selection: Selection | None = None
) -> int:
    """Write the Parquet export to ``target``; returns how many sites it holds.

    A regular file (or a new one) is replaced only when complete; a target that exists and is
    not a regular file (``/dev/null``, a FIFO) is written into once the file is complete.
    """
    selection = selection or Selection()
    special = target.exists() and not stat.S_ISREG(target.stat().st_mode)
    final = target if special else Path(os.path.realpath(target))
    if not special:
        final.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(
        tempfile.mkdtemp(prefix=".optout-parquet-", dir=None if special else final.parent)
    )
    try:
        rows, count = scratch / "rows.ndjson", 0
        with snapshot(db):
            meta = {
                "schema_version": SCHEMA_VERSION,
                "methodology": methodology(db, crawl_id, selection, "compact"),
            }
            with rows.open("w", encoding="utf-8") as stream:
                for report in iter_reports(db, crawl_id, selection):
                    for row in site_rows(export_site(report)):
                        stream.write(dump({"crawl_id": crawl_id, **row}) + "\n")
                    count += 1
        written = scratch / "export.parquet"
        _convert(rows, written, scratch, dump(meta))
        if special:
            with written.open("rb") as source, target.open("wb") as sink:
                shutil.copyfileobj(source, sink)
        else:
            os.replace(written, final)
    except duckdb.Error as err:
        raise ExportError(f"cannot write Parquet: {err}") from err
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return count


def _convert(rows: Path, written: Path, scratch: Path, meta: str) -> None:
    """NDJSON rows to a Parquet file with DuckDB, columns typed as ``COLUMNS`` says."""
    columns = "{" + ", ".join(f"{_literal(c)}: {_literal(t)}" for c, t in COLUMNS) + "}"
    names = ", ".join(f'"{c}"' for c, _ in COLUMNS)
    con = duckdb.connect(":memory:")
    try:
        for setting in (*_SETTINGS, f"SET temp_directory = {_literal(str(scratch))}"):
            con.execute(setting)
        con.execute(
            f"COPY (SELECT {names} FROM read_json({_literal(str(rows))},"
            f" format = 'newline_delimited', columns = {columns}))"
            f" TO {_literal(str(written))}"
            f" (FORMAT parquet, KV_METADATA {{{METADATA_KEY}: {_literal(meta)}}})"
        )
    finally:
        con.close()


def read_methodology(path: Path) -> dict[str, Any]:
    """The ``optout_export`` metadata of a Parquet export: schema version and methodology."""
    con = duckdb.connect(":memory:")
    try:
        found = con.execute(
            "SELECT value FROM parquet_kv_metadata(?) WHERE key = ?",
            [str(path), METADATA_KEY.encode()],
        ).fetchone()
    finally:
        con.close()
    if found is None:
        raise ExportError(f"{path}: no {METADATA_KEY} metadata (not an optout Parquet export)")
    meta: dict[str, Any] = json.loads(bytes(found[0]).decode("utf-8"))
    return meta
