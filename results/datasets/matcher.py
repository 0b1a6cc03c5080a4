"""Matching a dataset's URL lists against the sites' URLs in DuckDB, streaming.

The sites' URLs (a few thousand to a million) are loaded once into DuckDB tables; each shard is
then scanned by one SQL query that never brings its rows into Python. The query works in two
steps, so that the expensive part runs on few rows:

1. every row of the shard: ``lower(split_part(url, '/', 3))`` (the authority of
   ``scheme://authority/…``) is looked up in a hash table of the authorities of the sites'
   origins and URLs (each with its default-port spellings: ``host``, ``host:80``,
   ``host:443``). This projection and one hash probe is all most rows cost;
2. the rows that pass are parsed with a regular expression into scheme, host and the rest, and
   keyed: the exact-URL key is the lower-cased host (default port dropped) followed by the path
   and query exactly as written (an empty path is ``/``, RFC 3986 6.2.3; the fragment is
   dropped). The scheme is left out of the key for default ports, so http and https spellings
   of one URL match (docs/datasets.md, "What is matched").

Matches are counted per site in SQL, and at most ``cap`` rows per site come back (exact-URL
matches first, via ``min_by(…, n)``), so memory is bounded however many rows match.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

import duckdb

ShardFormat = Literal["parquet", "csv"]
MatchKind = Literal["url", "origin"]

URL_COLUMNS: Final = ("url", "URL", "image_url", "page_url")
"""The URL column used when none is named, the first present (LAION: ``URL`` or ``url``)."""
CAPTION_COLUMNS: Final = ("TEXT", "text", "caption", "CAPTION", "alt_text")
"""The caption kept with a match, the first present (LAION: ``TEXT``; COYO, DataComp: ``text``)."""
CAPTION_CHARS: Final = 500
URL_CHARS: Final = 8192
"""A dataset URL longer than this is stored cut (it still matched in full)."""
COLUMNS_SHOWN: Final = 20
PARQUET_MAGIC: Final = b"PAR1"
PARQUET_SUFFIXES: Final = (".parquet", ".pq", ".parq")

_URL_PARTS: Final = r"^([A-Za-z][A-Za-z0-9+.\-]*)://([^/?#]*)([^#]*)"


class ShardError(Exception):
    """A shard cannot be scanned (unreadable, corrupt, no URL column); one line."""


@dataclass(frozen=True)
class Sample:
    """One dataset row that matched a site."""

    dataset_url: str
    matched_url: str | None
    """The site URL it equals; None for an origin-only match."""
    match_kind: MatchKind
    caption: str | None


@dataclass(frozen=True)
class SiteHits:
    """One site's matches in one shard: every one counted, at most ``cap`` of them kept."""

    origin: str
    url_matches: int
    origin_matches: int
    samples: tuple[Sample, ...]


@dataclass(frozen=True)
class ShardColumns:
    """The columns a shard is read by."""

    url: str
    caption: str | None


def shard_format(path: Path) -> ShardFormat:
    """Parquet by its suffix or its magic bytes, else CSV (also TSV, gzip-compressed or not)."""
    if path.name.lower().endswith(PARQUET_SUFFIXES):
        return "parquet"
    try:
        with path.open("rb") as stream:
            head = stream.read(len(PARQUET_MAGIC))
    except OSError:
        return "csv"  # the scan reports why it cannot be read
    return "parquet" if head == PARQUET_MAGIC else "csv"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _reader(path: Path, fmt: ShardFormat) -> str:
    if fmt == "parquet":
        return f"read_parquet({_literal(str(path))})"
    return f"read_csv({_literal(str(path))}, header = true, all_varchar = true)"


def _keyed(source: str, column: str) -> str:
    """``source`` (a query) with the URL in ``column`` keyed: ``_s`` scheme, ``_h`` host,
    ``_key`` the exact-URL key (NULL unless http or https with a host)."""
    parts = f"""
        SELECT *, lower(_p.scheme) AS _s, lower(_p.auth) AS _a, _p.rest AS _rest
        FROM (SELECT *, regexp_extract({column}, {_literal(_URL_PARTS)},
                                       ['scheme', 'auth', 'rest']) AS _p FROM ({source}))"""
    host = f"""
        SELECT *, CASE
            WHEN _s = 'http' AND suffix(_a, ':80') THEN substr(_a, 1, length(_a) - 3)
            WHEN _s = 'https' AND suffix(_a, ':443') THEN substr(_a, 1, length(_a) - 4)
            WHEN suffix(_a, ':') THEN substr(_a, 1, length(_a) - 1)
            ELSE _a END AS _h
        FROM ({parts})"""
    return f"""
        SELECT *, CASE WHEN _s IN ('http', 'https') AND _h <> '' THEN
            (CASE WHEN regexp_matches(_h, ':[0-9]+$') THEN _s || '://' || _h ELSE _h END)
            || (CASE WHEN _rest = '' OR starts_with(_rest, '?') THEN '/' || _rest ELSE _rest END)
            END AS _key
        FROM ({host})"""


def _first_line(err: Exception) -> str:
    text = str(err).strip().splitlines()
    return text[0][:300] if text else type(err).__name__


def choose_columns(names: Sequence[str], wanted: str | None) -> ShardColumns:
    """The URL column (``wanted``, else the first of URL_COLUMNS present) and the caption
    column; ShardError naming the columns there are when there is no URL column."""
    caption = next((c for c in CAPTION_COLUMNS if c in names), None)
    shown = ", ".join(names[:COLUMNS_SHOWN]) + (" …" if len(names) > COLUMNS_SHOWN else "")
    if wanted is not None:
        if wanted in names:
            return ShardColumns(wanted, caption if caption != wanted else None)
        folded = [n for n in names if n.lower() == wanted.lower()]
        if len(folded) == 1:
            return ShardColumns(folded[0], caption if caption != folded[0] else None)
        raise ShardError(f"no column {wanted!r} (its columns: {shown or 'none'})")
    found = next((c for c in URL_COLUMNS if c in names), None)
    if found is None:
        raise ShardError(
            f"no URL column (looked for {', '.join(URL_COLUMNS)}; its columns: {shown or 'none'});"
            " name it with --column"
        )
    return ShardColumns(found, caption)


class DuckMatcher:
    """A DuckDB connection holding the sites' URLs, scanning shards one by one."""

    def __init__(self, workdir: Path, threads: int | None = None) -> None:
        self.workdir = workdir
        self.con = duckdb.connect(":memory:")
        spill = workdir / "duckdb-spill"
        spill.mkdir(exist_ok=True)
        for setting in (
            f"SET threads = {max(1, threads or os.cpu_count() or 1)}",
            "SET preserve_insertion_order = false",
            f"SET temp_directory = {_literal(str(spill))}",
            # Never reach for the network: no extension is downloaded or loaded on its own.
            "SET autoinstall_known_extensions = false",
            "SET autoload_known_extensions = false",
        ):
            self.con.execute(setting)

    def close(self) -> None:
        self.con.close()

    def _load_csv(self, name: str, columns: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
        """A table from rows streamed through a CSV file (no row is kept in Python)."""
        path = self.workdir / f"{name}.csv"
        with path.open("w", newline="", encoding="utf-8") as stream:
            writer = csv.writer(stream)
            writer.writerow(columns)
            writer.writerows(rows)
        spec = ", ".join(f"{_literal(c)}: 'VARCHAR'" for c in columns)
        self.con.execute(
            f"CREATE TABLE {name} AS SELECT * FROM read_csv({_literal(str(path))},"
            f" header = true, delim = ',', quote = '\"', escape = '\"', columns = {{{spec}}})"
        )
        path.unlink()

    def load_sites(self, origins: Iterable[str], urls: Iterable[tuple[str, str]]) -> int:
        """Load the sites' origins and (URL, origin) pairs; the number of distinct URL keys."""
        self._load_csv("raw_origins", ("origin",), ((o,) for o in origins))
        self._load_csv("raw_urls", ("url", "origin"), urls)
        # A site's origin matches either scheme ("flexible") unless it has a port of its own
        # or the database also holds the same host under the other scheme as another site.
        self.con.execute(f"""
            CREATE TABLE origins AS
            SELECT origin, _s AS scheme, _h AS host,
                   NOT regexp_matches(_h, ':[0-9]+$')
                   AND count(*) OVER (PARTITION BY _h) = 1 AS flexible
            FROM ({_keyed("SELECT origin FROM raw_origins", "origin")})
            WHERE _key IS NOT NULL""")
        self.con.execute(f"""
            CREATE TABLE site_urls AS
            SELECT _key AS key, _h AS host, origin, min(url) AS url
            FROM ({_keyed("SELECT url, origin FROM raw_urls", "url")})
            WHERE _key IS NOT NULL GROUP BY ALL""")
        self.con.execute("""
            CREATE TABLE hosts AS
            SELECT DISTINCT unnest(CASE WHEN regexp_matches(h, ':[0-9]+$') THEN [h]
                                   ELSE [h, h || ':80', h || ':443', h || ':'] END) AS authority
            FROM (SELECT host AS h FROM origins UNION SELECT host FROM site_urls)""")
        self.con.execute("DROP TABLE raw_origins")
        self.con.execute("DROP TABLE raw_urls")
        rows = self.con.execute("SELECT count(DISTINCT key) FROM site_urls").fetchall()
        return int(rows[0][0])

    def columns(self, path: Path, fmt: ShardFormat) -> list[str]:
        """The shard's column names (Parquet: from its footer); ShardError when unreadable."""
        try:
            described = self.con.execute(f"DESCRIBE SELECT * FROM {_reader(path, fmt)}")
            return [str(row[0]) for row in described.fetchall()]
        except duckdb.Error as err:
            raise ShardError(_first_line(err)) from err

    def count_rows(self, path: Path, fmt: ShardFormat) -> int:
        """The shard's rows: a Parquet file's footer says; a CSV file is counted."""
        if fmt == "parquet":
            query = f"SELECT sum(num_rows) FROM parquet_file_metadata({_literal(str(path))})"
        else:
            query = f"SELECT count(*) FROM {_reader(path, fmt)}"
        try:
            rows = self.con.execute(query).fetchall()
        except duckdb.Error as err:
            raise ShardError(_first_line(err)) from err
        return int(rows[0][0] or 0)

    def scan(
        self, path: Path, fmt: ShardFormat, columns: ShardColumns, cap: int
    ) -> Iterator[SiteHits]:
        """Each site with a match in the shard, by origin; ShardError when the scan fails."""
        url = f"CAST({_identifier(columns.url)} AS VARCHAR)"
        caption = f"CAST({_identifier(columns.caption)} AS VARCHAR)" if columns.caption else "NULL"
        query = f"""
            WITH cand AS (
                SELECT {url} AS u, {caption} AS caption FROM {_reader(path, fmt)}
                WHERE lower(split_part({url}, '/', 3)) IN (SELECT authority FROM hosts)
            ), k AS ({_keyed("SELECT u, caption FROM cand", "u")}),
            url_m AS (
                SELECT k.u, k.caption, su.origin, su.url AS matched_url, 'url' AS match_kind
                FROM k JOIN site_urls AS su ON su.key = k._key
            ), origin_m AS (
                SELECT k.u, k.caption, o.origin, NULL::VARCHAR AS matched_url,
                       'origin' AS match_kind
                FROM k JOIN origins AS o ON o.host = k._h
                    AND (o.scheme = k._s OR (o.flexible AND k._s IN ('http', 'https')))
                WHERE NOT EXISTS (
                    SELECT 1 FROM site_urls AS su WHERE su.key = k._key AND su.origin = o.origin
                )
            ), m AS (SELECT * FROM url_m UNION ALL SELECT * FROM origin_m)
            SELECT origin,
                   count(*) FILTER (WHERE match_kind = 'url'),
                   count(*) FILTER (WHERE match_kind = 'origin'),
                   min_by(struct_pack(dataset_url := left(u, {URL_CHARS}),
                                      matched_url := matched_url, match_kind := match_kind,
                                      caption := left(caption, {CAPTION_CHARS})),
                          (CASE WHEN match_kind = 'url' THEN '0' ELSE '1' END) || u,
                          {max(1, cap)})
            FROM m GROUP BY origin ORDER BY origin"""
        cursor = self.con.cursor()  # its own result: a consumer that stops early blocks nothing
        try:
            cursor.execute(query)
            while (row := cursor.fetchone()) is not None:
                samples = tuple(
                    Sample(s["dataset_url"], s["matched_url"], s["match_kind"], s["caption"])
                    for s in row[3][:cap]
                )
                yield SiteHits(str(row[0]), int(row[1]), int(row[2]), samples)
        except duckdb.Error as err:
            raise ShardError(_first_line(err)) from err
        finally:
            cursor.close()
