"""Where access logs come from: files, globs and standard input, plain or compressed.

A compressed log is recognised by its first bytes, not its name (a rotated ``access.log.2.gz``
renamed, or gzip piped into standard input, is still read): gzip ``1f 8b``, bzip2 ``BZh``,
zstd ``28 b5 2f fd``; anything else is read as plain text. Every log is read as a stream of
lines of bounded length, so memory stays flat however large the file or its decompressed
content. The SHA-256 of the decompressed content names the log (``log_files.sha256``): the
same log plain, gzipped or zstd-compressed is one log, and ``zcat -f FILE | sha256sum`` gives
the same digest.
"""

from __future__ import annotations

import bz2
import contextlib
import glob
import gzip
import hashlib
import io
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO, Final, Literal, cast

import zstandard

Compression = Literal["plain", "gzip", "bzip2", "zstd"]
STDIN: Final = "-"
STDIN_NAME: Final = "<stdin>"
MAX_LINE_CHARS: Final = 64 * 1024
"""A longer line is not an access-log line: it is counted as malformed and skipped unread."""
CHUNK_BYTES: Final = 1024 * 1024
_MAGIC: Final[tuple[tuple[bytes, Compression], ...]] = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
)
_GLOB_CHARACTERS: Final = frozenset("*?[")


class LogSourceError(Exception):
    """A log cannot be read as asked: a missing file, a directory, a glob matching nothing, a
    damaged compressed stream. One line, naming the file."""


@dataclass(frozen=True)
class LogSource:
    """One log to read: a file, or standard input (``path`` None)."""

    name: str
    """How messages and ``log_files.name`` call it: the path as given, or ``<stdin>``."""
    path: Path | None

    @property
    def is_stdin(self) -> bool:
        return self.path is None


def expand_sources(arguments: Sequence[str]) -> list[LogSource]:
    """The logs named on a command line, in the order given: a glob (``*``, ``?``, ``[``)
    expands to its matches in sorted order; ``-`` is standard input (once). LogSourceError for
    a missing file, a directory or a glob that matches nothing; a file named twice is read
    once."""
    sources: list[LogSource] = []
    seen: set[str] = set()
    for argument in arguments:
        if argument == STDIN:
            if STDIN not in seen:
                seen.add(STDIN)
                sources.append(LogSource(STDIN_NAME, None))
            continue
        if _GLOB_CHARACTERS & set(argument) and not Path(argument).exists():
            matches = sorted(glob.glob(argument))
            files = [m for m in matches if Path(m).is_file()]
            if not files:
                raise LogSourceError(f"{argument}: no file matches this pattern")
        else:
            files = [argument]
        for name in files:
            path = Path(name)
            if not path.exists():
                raise LogSourceError(f"{name}: no such file")
            if path.is_dir():
                raise LogSourceError(f"{name}: is a directory, not a log file")
            key = os.path.realpath(path)
            if key not in seen:
                seen.add(key)
                sources.append(LogSource(name, path))
    return sources


def detect_compression(head: bytes) -> Compression:
    """The compression a stream's first bytes announce; ``plain`` for anything else."""
    for magic, compression in _MAGIC:
        if head.startswith(magic):
            return compression
    return "plain"


class _Prefixed(io.RawIOBase):
    """A stream whose first bytes were already read (to see the magic): they come first."""

    def __init__(self, head: bytes, rest: IO[bytes] | io.RawIOBase) -> None:
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class _Counting(io.RawIOBase):
    """Counts the bytes read from the file itself (compressed), for the progress bar."""

    def __init__(self, inner: IO[bytes]) -> None:
        self._inner = inner
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(len(buffer))
        buffer[: len(data)] = data
        self.consumed += len(data)
        return len(data)


class _Hashing(io.RawIOBase):
    """The decompressed content, hashed (SHA-256) as it is read."""

    def __init__(self, inner: IO[bytes]) -> None:
        self._inner = inner
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(len(buffer))
        buffer[: len(data)] = data
        self.digest.update(data)
        return len(data)


def _decompressed(raw: BinaryIO, compression: Compression) -> BinaryIO:
    if compression == "gzip":
        return cast(BinaryIO, gzip.GzipFile(fileobj=raw, mode="rb"))
    if compression == "bzip2":
        return cast(BinaryIO, bz2.BZ2File(raw, mode="rb"))
    if compression == "zstd":
        reader = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)
        return cast(BinaryIO, io.BufferedReader(reader, CHUNK_BYTES))
    return raw


class OpenLog:
    """An opened log: its lines (``lines()``), where reading is, and its digest so far."""

    def __init__(self, source: LogSource, stream: BinaryIO, total: int | None) -> None:
        self.source = source
        self.total = total
        """The file's size in bytes (compressed), None for standard input."""
        head = stream.read(4)
        self.compression = detect_compression(head)
        self._counting = _Counting(stream)
        raw = io.BufferedReader(_Prefixed(head, self._counting), CHUNK_BYTES)
        self._hashing = _Hashing(_decompressed(raw, self.compression))
        self._reader = io.BufferedReader(self._hashing, CHUNK_BYTES)
        self._head_bytes = len(head)

    @property
    def position(self) -> int:
        """How many bytes of the file (as stored, compressed or not) have been read."""
        return self._counting.consumed + self._head_bytes

    def sha256(self) -> str:
        """The digest of the decompressed content read so far (all of it, once read through)."""
        return self._hashing.digest.hexdigest()

    def lines(self) -> Iterator[str | None]:
        """Each line as text, its line end kept (bytes that are not UTF-8 replaced); None for
        a line longer than ``MAX_LINE_CHARS``, whose text is skipped unkept. A last line
        without a line end counts; an empty file has no line. LogSourceError for a damaged
        compressed stream."""
        text = io.TextIOWrapper(self._reader, encoding="utf-8", errors="replace", newline="\n")
        text._CHUNK_SIZE = CHUNK_BYTES  # type: ignore[attr-defined]  # decode in large steps
        readline = text.readline
        try:
            while True:
                line = readline(MAX_LINE_CHARS + 1)
                if not line:
                    return
                if len(line) > MAX_LINE_CHARS and not line.endswith("\n"):
                    while line and not line.endswith("\n"):  # skip the rest of it, unkept
                        line = readline(CHUNK_BYTES)
                    yield None
                else:
                    yield line
        except (OSError, EOFError, zstandard.ZstdError) as err:
            raise LogSourceError(
                f"{self.source.name}: the {self.compression} stream is damaged ({err})"
            ) from err
        finally:
            # The log may be closed already (an error stopped the ingest before this
            # generator was finished): there is nothing left to hand back then.
            with contextlib.suppress(ValueError):
                text.detach()

    def read_through(self) -> str:
        """Read the rest without looking at it; the content's digest."""
        try:
            while self._reader.read(CHUNK_BYTES):
                pass
        except (OSError, EOFError, zstandard.ZstdError) as err:
            raise LogSourceError(
                f"{self.source.name}: the {self.compression} stream is damaged ({err})"
            ) from err
        return self.sha256()


@contextmanager
def open_log(source: LogSource) -> Iterator[OpenLog]:
    """Open one log for reading (standard input is never closed); LogSourceError when the
    file cannot be opened."""
    if source.path is None:
        yield OpenLog(source, sys.stdin.buffer, None)
        return
    try:
        stream = source.path.open("rb")
    except FileNotFoundError as err:
        raise LogSourceError(f"{source.name}: no such file") from err
    except OSError as err:
        raise LogSourceError(f"{source.name}: cannot be read ({err.strerror or err})") from err
    with stream:
        try:
            total: int | None = os.fstat(stream.fileno()).st_size
        except OSError:
            total = None
        yield OpenLog(source, stream, total)


def content_sha256(source: LogSource) -> str:
    """The SHA-256 of a file's decompressed content, read once through (not for stdin)."""
    if source.path is None:
        raise ValueError("standard input can be read only once")
    with open_log(source) as log:
        return log.read_through()
