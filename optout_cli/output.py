"""Where a command's ``-o`` output goes, shared by every command that writes a file.

Three cases, told apart before anything is opened:

- ``-`` (or no ``-o``): standard output, as UTF-8 whatever the locale.
- A path that exists and is not a regular file (a character device such as ``/dev/null``, a
  FIFO, a terminal): written into directly. Replacing it would turn ``/dev/full`` into a
  regular file as root, or leave the reader of a FIFO waiting forever, so it is never
  replaced; its write errors (``/dev/full`` gives ENOSPC) reach the caller as ``OSError``.
- Anything else: a regular file, written beside the target and renamed over it only when
  complete, so a failed or interrupted write never leaves half a file behind. A symbolic link
  is followed first: the file it names is replaced, the link stays.
"""

from __future__ import annotations

import io
import os
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final, TextIO

import click

STDOUT: Final = "-"

output_path = click.Path(dir_okay=False, writable=True, allow_dash=True, path_type=Path)
"""The click type of an ``-o`` option: a file path, or ``-`` for standard output."""


def is_stdout(target: Path | None) -> bool:
    """Whether ``target`` means standard output (no ``-o``, or ``-o -``)."""
    return target is None or str(target) == STDOUT


def describe(target: Path | None) -> str:
    """How messages name the output."""
    return "standard output" if is_stdout(target) else str(target)


@contextmanager
def open_output(target: Path | None) -> Iterator[TextIO]:
    """A UTF-8 text stream (LF line ends kept as written) onto ``target``; see the module."""
    if is_stdout(target):
        with _stdout() as stream:
            yield stream
        return
    assert target is not None
    if _is_special(target):
        with target.open("w", encoding="utf-8", newline="") as stream:
            yield stream
        return
    with _replaced_when_complete(Path(os.path.realpath(target))) as stream:
        yield stream


def _is_special(path: Path) -> bool:
    """Whether ``path`` exists and is not a regular file (following symbolic links)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return False
    return not stat.S_ISREG(mode)


@contextmanager
def _stdout() -> Iterator[TextIO]:
    stream = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
    try:
        yield stream
        stream.flush()
    finally:
        stream.detach()


@contextmanager
def _replaced_when_complete(path: Path) -> Iterator[TextIO]:
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with partial.open("w", encoding="utf-8", newline="") as stream:
            yield stream
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def write_failed(target: Path | None, err: OSError) -> click.ClickException:
    """The one-line error for an output that could not be written (ENOSPC, EPIPE, EACCES…)."""
    return click.ClickException(f"cannot write {describe(target)}: {err.strerror or err}")


@contextmanager
def write_errors_reported(target: Path | None) -> Iterator[None]:
    """Around writing ``target``: a write failure becomes one line (``write_failed``), and a
    reader that stops early (``| head``) is no error at all."""
    try:
        yield
    except BrokenPipeError:
        # Keep Python from reporting the broken pipe again when it flushes at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except OSError as err:
        raise write_failed(target, err) from err
