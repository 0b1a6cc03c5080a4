"""Training-set membership (``optout datasets check``) on real files: three sample sites crawled
and audited, dataset shards written by DuckDB itself (two Parquet, one CSV) holding some of
those sites' real page and image URLs among other sites' URLs, and every match checked per site
and shard: exact URLs, http/https and host-case spellings, trailing-slash variants (origin
matches only), other URLs on a site's origin, corrupt files and missing columns."""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from audits import INTERPRETER_VERSION, TOOL_VERSION
from crawler.storage import finish_crawl, open_db, start_crawl
from optout_cli.datasets_cmd import datasets
from results.datasets.check import CheckReport, check_dataset
from results.datasets.shards import dataset_name
from results.datasets.site_urls import DatasetError
from results.derive import audit_crawl
from sampleweb.server import SampleWeb
from tests.crawler.conftest import run_crawl, sample_web  # noqa: F401

ANNA = "http://artist-anna.example"
SAM = "http://plain-sam.example"
MARTA = "http://photo-marta.example"
LONG_CAPTION = "a fox in the snow, " * 40  # 760 characters: stored cut to 500


@dataclass(frozen=True)
class Shards:
    db: Path
    first: Path
    second: Path
    third: Path
    anna_image: str
    anna_page: str
    sam_image: str
    marta_page: str


def _write(path: Path, columns: tuple[str, str], rows: list[tuple[str | None, str | None]]) -> Path:
    """A shard written by DuckDB: Parquet or CSV after the file's suffix."""
    con = duckdb.connect()
    con.execute(f'CREATE TABLE t ("{columns[0]}" VARCHAR, "{columns[1]}" VARCHAR)')
    con.executemany("INSERT INTO t VALUES (?, ?)", rows)
    fmt = "parquet" if path.suffix == ".parquet" else "csv, header true"
    con.execute(f"COPY t TO '{path}' (FORMAT {fmt})")
    con.close()
    return path


def _damaged(path: Path, url: str) -> Path:
    """A Parquet file whose footer reads well and whose data pages do not: bytes flipped in
    the middle of its column chunk, found only when the scan decompresses it."""
    con = duckdb.connect()
    con.execute(
        "COPY (SELECT ? || '?v=' || i::VARCHAR AS url FROM range(5000) t(i)) TO ? (FORMAT parquet)",
        [url, str(path)],
    )
    con.close()
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 200] = bytes(b ^ 0x5A for b in data[middle : middle + 200])
    path.write_bytes(bytes(data))
    return path


def _crawled(db: Path, origin: str, kind: str, contains: str = "") -> str:
    with sqlite3.connect(db) as conn:
        row = conn.execute(
            "SELECT requested_url FROM fetches WHERE origin = ? AND kind = ?"
            " AND requested_url LIKE ? ORDER BY requested_url LIMIT 1",
            [origin, kind, f"%{contains}%"],
        ).fetchone()
    assert row is not None, (origin, kind, contains)
    return str(row[0])


@pytest.fixture(scope="module")
def shards(tmp_path_factory: pytest.TempPathFactory, sample_web: SampleWeb) -> Shards:  # noqa: F811
    folder = tmp_path_factory.mktemp("datasets")
    seeds = folder / "seeds.csv"
    with seeds.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["origin", "kind"])
        writer.writerows([origin, "creator-site"] for origin in (ANNA, SAM, MARTA))
    db = folder / "evidence.db"
    run_crawl(seeds, db, sample_web, "--allow-private")
    with open_db(db) as opened:
        audit_crawl(opened, 1)
    anna_image = _crawled(db, ANNA, "image", ".jpg")
    anna_page = _crawled(db, ANNA, "page", ".html")
    sam_image = _crawled(db, SAM, "image", ".jpg")
    marta_page = _crawled(db, MARTA, "page", "/photos/")
    assert marta_page.endswith("/photos/")
    folder = folder / "shards"
    folder.mkdir()
    first = _write(
        folder / "laion-mini-00000.parquet",
        ("URL", "TEXT"),
        [
            (anna_image, LONG_CAPTION),  # exact
            (anna_page, "anna's page"),  # exact
            (anna_image.replace("http://", "https://"), "the same image over https"),
            (anna_image.replace("artist-anna.example", "Artist-Anna.EXAMPLE:80"), "host case"),
            ("https://elsewhere.example/images/fox-in-the-snow.jpg", "another site"),
            ("http://cdn.example/artist-anna.example/a.jpg", "a path naming the site"),
            (None, "no URL"),
        ],
    )
    second = _write(
        folder / "laion-mini-00001.parquet",
        ("url", "caption"),
        [
            (sam_image, None),  # exact, no caption
            (f"{MARTA}/images/never-crawled.jpg", "origin only"),
            (f"{ANNA}/art", "the /art/ index without its slash: origin only"),
            ("https://photo-marta.example:8443/images/x.jpg", "another port: no match"),
            ("ftp://plain-sam.example/images/x.jpg", "another scheme: no match"),
            ("https://not-plain-sam.example/", "another host"),
        ],
    )
    third = _write(
        folder / "laion-mini-00002.csv",
        ("image_url", "text"),
        [
            (marta_page.replace("http://", "https://"), "marta's index over https"),
            ("https://elsewhere.example/", "another site"),
        ],
    )
    return Shards(db, first, second, third, anna_image, anna_page, sam_image, marta_page)


def _copy(shards: Shards, tmp_path: Path) -> Path:
    """A database of its own for a test that records a check (the shared one stays as is)."""
    db = tmp_path / "evidence.db"
    shutil.copy(shards.db, db)
    return db


def _rows(db: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return [tuple(row) for row in conn.execute(sql, params)]


def _all(shards: Shards, db: Path, **options: Any) -> CheckReport:
    files = [str(shards.first), str(shards.second), str(shards.third)]
    return check_dataset(db, files, **options)


def test_matches_per_site(shards: Shards, tmp_path: Path) -> None:
    report = _all(shards, _copy(shards, tmp_path))
    found = {s.origin: (s.url_matches, s.origin_matches, s.stored) for s in report.sites}
    assert found == {ANNA: (4, 1, 5), SAM: (1, 0, 1), MARTA: (1, 1, 2)}
    assert report.sites_checked == 3
    assert report.rows == 7 + 6 + 2
    assert report.errors == ()
    assert report.name == "laion-mini"


def test_matches_per_shard_are_stored(shards: Shards, tmp_path: Path) -> None:
    db = _copy(shards, tmp_path)
    report = _all(shards, db)
    counts = _rows(
        db,
        "SELECT shard, origin, url_matches, origin_matches, stored FROM dataset_site_counts"
        " WHERE check_id = ? ORDER BY file_index, origin",
        (report.check_id,),
    )
    assert counts == [
        ("laion-mini-00000.parquet", ANNA, 4, 0, 4),
        ("laion-mini-00001.parquet", ANNA, 0, 1, 1),
        ("laion-mini-00001.parquet", MARTA, 0, 1, 1),
        ("laion-mini-00001.parquet", SAM, 1, 0, 1),
        ("laion-mini-00002.csv", MARTA, 1, 0, 1),
    ]
    check = _rows(
        db,
        "SELECT name, crawl_id, file_count, errors, rows_scanned, url_matches, origin_matches,"
        " status FROM dataset_checks WHERE id = ?",
        (report.check_id,),
    )
    assert check == [("laion-mini", 1, 3, 0, 15, 6, 2, "finished")]


def test_exact_url_match_records_the_site_url(shards: Shards, tmp_path: Path) -> None:
    db = _copy(shards, tmp_path)
    report = _all(shards, db)
    matches = _rows(
        db,
        "SELECT dataset_url, matched_url, match_kind FROM dataset_matches"
        " WHERE check_id = ? AND origin = ? ORDER BY dataset_url",
        (report.check_id, SAM),
    )
    assert matches == [(shards.sam_image, shards.sam_image, "url")]


def test_http_https_and_host_case_spellings_match_the_url(shards: Shards, tmp_path: Path) -> None:
    db = _copy(shards, tmp_path)
    report = _all(shards, db)
    matched = dict(
        _rows(
            db,
            "SELECT dataset_url, matched_url FROM dataset_matches WHERE check_id = ?"
            " AND match_kind = 'url'",
            (report.check_id,),
        )
    )
    https = shards.anna_image.replace("http://", "https://")
    cased = shards.anna_image.replace("artist-anna.example", "Artist-Anna.EXAMPLE:80")
    assert matched[https] == shards.anna_image
    assert matched[cased] == shards.anna_image
    assert matched[shards.marta_page.replace("http://", "https://")] == shards.marta_page


def test_trailing_slash_variant_is_an_origin_match_only(shards: Shards, tmp_path: Path) -> None:
    db = _copy(shards, tmp_path)
    report = _all(shards, db)
    origin_only = _rows(
        db,
        "SELECT origin, dataset_url, matched_url FROM dataset_matches WHERE check_id = ?"
        " AND match_kind = 'origin' ORDER BY origin",
        (report.check_id,),
    )
    assert origin_only == [
        (ANNA, f"{ANNA}/art", None),
        (MARTA, f"{MARTA}/images/never-crawled.jpg", None),
    ]


def test_other_hosts_ports_and_schemes_do_not_match(shards: Shards, tmp_path: Path) -> None:
    db = _copy(shards, tmp_path)
    report = _all(shards, db)
    stored = {row[0] for row in _rows(db, "SELECT dataset_url FROM dataset_matches")}
    assert report.check_id == 1
    for url in (
        "https://elsewhere.example/images/fox-in-the-snow.jpg",
        "http://cdn.example/artist-anna.example/a.jpg",
        "https://photo-marta.example:8443/images/x.jpg",
        "ftp://plain-sam.example/images/x.jpg",
        "https://not-plain-sam.example/",
    ):
        assert url not in stored


def test_caption_is_kept_and_cut_to_500_characters(shards: Shards, tmp_path: Path) -> None:
    db = _copy(shards, tmp_path)
    _all(shards, db)
    captions = dict(_rows(db, "SELECT dataset_url, caption FROM dataset_matches"))
    assert captions[shards.anna_image] == LONG_CAPTION[:500]
    assert captions[shards.anna_page] == "anna's page"
    assert captions[shards.sam_image] is None
    assert captions[shards.marta_page.replace("http://", "https://")] == "marta's index over https"


def test_cap_bounds_stored_rows_and_counts_the_rest(shards: Shards, tmp_path: Path) -> None:
    db = _copy(shards, tmp_path)
    report = _all(shards, db, cap=2)
    found = {s.origin: (s.url_matches, s.origin_matches, s.stored) for s in report.sites}
    assert found[ANNA] == (4, 1, 2)
    stored = _rows(
        db, "SELECT match_kind, count(*) FROM dataset_matches WHERE origin = ? GROUP BY 1", (ANNA,)
    )
    assert stored == [("url", 2)]  # exact URL matches are kept first


def test_corrupt_parquet_is_reported_and_the_others_scanned(shards: Shards, tmp_path: Path) -> None:
    db = _copy(shards, tmp_path)
    garbage = tmp_path / "garbage.parquet"
    garbage.write_bytes(b"this is no parquet file at all")
    truncated = tmp_path / "truncated.parquet"
    truncated.write_bytes(shards.first.read_bytes()[:-40])
    damaged = _damaged(tmp_path / "damaged.parquet", shards.anna_image)
    files = [str(garbage), str(shards.second), str(truncated), str(damaged), str(shards.third)]
    report = check_dataset(db, files, name="mixed")
    assert [f.shard for f in report.errors] == [
        "garbage.parquet",
        "truncated.parquet",
        "damaged.parquet",
    ]
    assert all(f.error and "\n" not in f.error for f in report.errors)
    found = {s.origin: (s.url_matches, s.origin_matches) for s in report.sites}
    assert found == {ANNA: (0, 1), SAM: (1, 0), MARTA: (1, 1)}
    recorded = _rows(db, "SELECT errors, status, files FROM dataset_checks")
    assert recorded[0][:2] == (3, "finished")
    errors = {f["shard"]: f["error"] for f in json.loads(recorded[0][2]) if f["error"]}
    assert set(errors) == {"garbage.parquet", "truncated.parquet", "damaged.parquet"}
    assert _rows(db, "SELECT count(*) FROM dataset_matches WHERE shard = 'damaged.parquet'") == [
        (0,)
    ]


def test_no_url_column_names_the_columns(shards: Shards, tmp_path: Path) -> None:
    odd = _write(tmp_path / "odd.parquet", ("link", "alt"), [(shards.sam_image, "x")])
    report = check_dataset(_copy(shards, tmp_path), [str(odd)])
    (failed,) = report.errors
    assert failed.error is not None
    assert "no URL column" in failed.error and "link, alt" in failed.error


def test_column_option_picks_the_url_column(shards: Shards, tmp_path: Path) -> None:
    odd = _write(tmp_path / "odd.csv", ("link", "alt"), [(shards.sam_image, "x")])
    report = check_dataset(_copy(shards, tmp_path), [str(odd)], column="link")
    assert [(s.origin, s.url_matches) for s in report.sites] == [(SAM, 1)]


def test_unknown_column_option_is_refused_per_file(shards: Shards, tmp_path: Path) -> None:
    report = check_dataset(_copy(shards, tmp_path), [str(shards.first)], column="nope")
    (failed,) = report.errors
    assert failed.error == "no column 'nope' (its columns: URL, TEXT)"


def test_unaudited_crawl_is_refused(shards: Shards, tmp_path: Path) -> None:
    db = _copy(shards, tmp_path)
    with open_db(db) as opened:
        crawl_id = start_crawl(
            opened, seeds_source="test", settings={}, tool_version=TOOL_VERSION,
            interpreter_version=INTERPRETER_VERSION, registry_version="test",
        )  # fmt: skip
        finish_crawl(opened, crawl_id, "finished", {})
    with pytest.raises(DatasetError, match="crawl 2 has not been audited"):
        check_dataset(db, [str(shards.first)])
    assert check_dataset(db, [str(shards.first)], crawl=1).sites


def test_dataset_name_is_the_common_stem() -> None:
    assert dataset_name([Path("d/laion2B-en-0001.parquet"), Path("d/laion2B-en-0002.parquet")]) == (
        "laion2B-en"
    )
    parts = [Path("relaion/part-00000.snappy.parquet"), Path("relaion/part-00001.snappy.parquet")]
    assert dataset_name(parts) == "relaion"  # "part" names no dataset: the folder does
    assert dataset_name([Path("x/coyo-700m-7.csv.gz")]) == "coyo-700m-7"
    assert dataset_name([Path("x/urls.csv.gz")]) == "x"


def test_folder_and_glob_are_expanded(shards: Shards, tmp_path: Path) -> None:
    db = _copy(shards, tmp_path)
    report = check_dataset(db, [str(shards.first.parent / "laion-mini-*.parquet")])
    assert [f.shard for f in report.files] == [
        "laion-mini-00000.parquet",
        "laion-mini-00001.parquet",
    ]
    report = check_dataset(db, [str(shards.first.parent)])
    assert len(report.files) == 3


def test_cli_prints_the_sites_and_totals(shards: Shards, tmp_path: Path) -> None:
    db = _copy(shards, tmp_path)
    files = [str(shards.first), str(shards.second), str(shards.third)]
    arguments = ["check", "--db", str(db), "--quiet", "--name", "mini"]
    result = CliRunner().invoke(datasets, [*arguments, *[a for f in files for a in ("--urls", f)]])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    anna = next(line for line in lines if ANNA in line)
    assert anna.split() == [ANNA, "4", "1", "5"]
    assert "mini: 3 of 3 sites found" in result.stdout
    assert "rows scanned: 15 in 3 of 3 files" in result.stdout


def test_cli_json(shards: Shards, tmp_path: Path) -> None:
    db = _copy(shards, tmp_path)
    result = CliRunner().invoke(
        datasets, ["check", "--db", str(db), "--urls", str(shards.second), "--json", "--quiet"]
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["rows_scanned"] == 6 and out["dataset"] == "laion-mini-00001"
    assert {s["origin"]: s["url_matches"] for s in out["sites"]} == {ANNA: 0, MARTA: 0, SAM: 1}


def test_cli_corrupt_file_is_one_line_and_exit_1(shards: Shards, tmp_path: Path) -> None:
    db = _copy(shards, tmp_path)
    garbage = tmp_path / "broken.parquet"
    garbage.write_bytes(b"PAR1 and then nothing useful")
    result = CliRunner().invoke(
        datasets,
        ["check", "--db", str(db), "--urls", str(garbage), "--urls", str(shards.second)],
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    (error,) = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert "broken.parquet" in error and "the other files were scanned" in error
    assert f"{SAM}" in result.stdout


def test_cli_missing_file_and_column_errors(shards: Shards, tmp_path: Path) -> None:
    db = _copy(shards, tmp_path)
    missing = CliRunner().invoke(
        datasets, ["check", "--db", str(db), "--urls", str(tmp_path / "nope.parquet")]
    )
    assert missing.exit_code == 1
    assert missing.stderr.strip() == f"Error: {tmp_path / 'nope.parquet'}: no such file or folder"
    column = CliRunner().invoke(
        datasets,
        ["check", "--db", str(db), "--urls", str(shards.third), "--column", "url", "--quiet"],
    )
    assert column.exit_code == 1
    assert "no column 'url' (its columns: image_url, text)" in column.stderr
