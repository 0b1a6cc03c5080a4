"""The shard files a check reads, from what the user gave (files, folders, globs), and the
name of the dataset they make up."""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Final

MAX_FILES: Final = 100_000
"""More shards than any published dataset has (DataComp-12.8B: about 23,000)."""
SHARD_SUFFIXES: Final = (
    ".parquet",
    ".pq",
    ".parq",
    ".csv",
    ".tsv",
    ".csv.gz",
    ".tsv.gz",
    ".csv.zst",
    ".tsv.zst",
)
"""What a folder given to ``--urls`` is searched for (a file given by name is read whatever
its name)."""
GENERIC_STEMS: Final = frozenset({"", "part", "parts", "shard", "data", "train", "file", "urls"})
"""A common stem that names no dataset: the folder's name is used instead."""


class ShardListError(Exception):
    """What was given to ``--urls`` names no readable shard; one line."""


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (".gz", ".zst", ".snappy"):
        name = name.removesuffix(suffix)
    return name.rsplit(".", 1)[0] if "." in name else name


def _is_shard(path: Path) -> bool:
    return path.is_file() and path.name.lower().endswith(SHARD_SUFFIXES)


def _expand_one(given: str) -> list[Path]:
    path = Path(given).expanduser()
    if path.is_file():
        return [path]
    if path.is_dir():
        found = sorted(p for p in path.rglob("*") if _is_shard(p))
        if not found:
            raise ShardListError(f"{given}: a folder with no Parquet or CSV file in it")
        return found
    if glob.has_magic(given):
        matched = sorted(Path(p) for p in glob.iglob(os.path.expanduser(given), recursive=True))
        files = [p for p in matched if p.is_file()]
        if not files:
            raise ShardListError(f"{given}: no file matches")
        return files
    raise ShardListError(f"{given}: no such file or folder")


def expand_shards(given: Sequence[str]) -> list[Path]:
    """The files to scan, in the order given (a folder's and a glob's sorted), each once;
    ShardListError for a name that matches nothing or more than MAX_FILES files."""
    seen: set[Path] = set()
    out: list[Path] = []
    for item in given:
        for path in _expand_one(item):
            resolved = path.resolve()
            if resolved not in seen:
                seen.add(resolved)
                out.append(resolved)
            if len(out) > MAX_FILES:
                raise ShardListError(f"more than {MAX_FILES:,} files to scan: check fewer at once")
    if not out:
        raise ShardListError("no file to scan")
    return out


def dataset_name(files: Sequence[Path]) -> str:
    """The files' common stem without its shard number (``laion2B-en-0001.parquet`` and
    ``laion2B-en-0002.parquet``: ``laion2B-en``), else the name of their folder."""
    stems = [_stem(p) for p in files]
    common = os.path.commonprefix(stems) if len(stems) > 1 else stems[0]
    name = common.rstrip("-_. 0123456789") if len(stems) > 1 else common
    if name.lower() in GENERIC_STEMS:
        folders = {p.parent for p in files}
        if len(folders) == 1:
            return next(iter(folders)).name or name or "dataset"
    return name or "dataset"
