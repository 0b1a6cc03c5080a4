"""One crawl at a time per evidence database: an exclusive lock held through ``<db>.lock``.

The lock is ``fcntl.flock`` on the lock file, so the kernel frees it when its holder exits,
crashes or is killed: a stale file never blocks anyone. The file's text (the holder's pid,
command and start time) is only there to say who holds the lock. Written by hand because
``filelock`` truncates the file before it knows whether it got the lock (wiping the holder's
details) and cannot hand a held lock to a child process, which ``optout schedule`` needs.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Final

from crawler.storage import now_iso

LOCK_FD_ENV: Final = "OPTOUT_DB_LOCK_FD"
"""Set for a child process that inherits its parent's held lock as this file descriptor."""
_HOLDER_BYTES: Final = 4096


def lock_path(db_path: Path) -> Path:
    """The lock file of an evidence database: ``<db>.lock`` beside it."""
    return db_path.with_name(db_path.name + ".lock")


@dataclass(frozen=True)
class LockHolder:
    """Who holds a lock, as its file says (every field None when the file says nothing)."""

    pid: int | None
    command: str | None
    since: str | None


class DbLockedError(Exception):
    """Another process holds the lock on the database."""

    def __init__(self, path: Path, holder: LockHolder) -> None:
        self.path = path
        self.holder = holder
        who = f"pid {holder.pid}" if holder.pid else "another process"
        if holder.command:
            who += f" ({holder.command})"
        since = f" since {holder.since}" if holder.since else ""
        super().__init__(
            f"another crawl holds the lock on this database: {who}{since} (lock file {path}). "
            "Wait for it to finish or stop it; a lock frees itself when its holder exits."
        )


def _read_holder(fd: int) -> LockHolder:
    try:
        data = json.loads(os.pread(fd, _HOLDER_BYTES, 0) or b"{}")
    except (OSError, ValueError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    pid = data.get("pid")
    return LockHolder(
        pid=pid if isinstance(pid, int) else None,
        command=str(data["command"]) if data.get("command") else None,
        since=str(data["since"]) if data.get("since") else None,
    )


def _inherited_fd(path: Path) -> int | None:
    """The lock our parent handed us (``OPTOUT_DB_LOCK_FD``), if it is this file's and held."""
    try:
        fd = int(os.environ.get(LOCK_FD_ENV, ""))
        handed, ours = os.fstat(fd), os.stat(path)
    except (ValueError, OSError):
        return None
    if (handed.st_dev, handed.st_ino) != (ours.st_dev, ours.st_ino):
        return None
    try:
        # On the same open file as the parent's lock this succeeds at once: it is one lock.
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return None
    return fd


class DbLock:
    """An exclusive lock on one evidence database; use as a context manager."""

    def __init__(self, db_path: Path, command: str) -> None:
        self.path = lock_path(db_path)
        self.command = command
        self.fd: int | None = None
        self.inherited = False

    def acquire(self) -> None:
        """Take the lock now, or raise DbLockedError naming its holder."""
        if self.fd is not None:
            return
        inherited = _inherited_fd(self.path)
        if inherited is not None:
            self.fd, self.inherited = inherited, True
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise DbLockedError(self.path, holder) from None
        text = json.dumps({"pid": os.getpid(), "command": self.command, "since": now_iso()})
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, text.encode() + b"\n", 0)
        except OSError:
            pass  # a full disk: the lock is held all the same, only its holder goes unnamed
        self.fd = fd

    def release(self) -> None:
        """Let the lock go (a child that still shares it keeps it until that child exits)."""
        if self.fd is None:
            return
        fd, self.fd = self.fd, None
        if not self.inherited:
            os.ftruncate(fd, 0)
        # Closing rather than LOCK_UN: an unlock would also free a child's shared copy.
        os.close(fd)

    def child_env(self) -> dict[str, str]:
        """Environment entries that hand this held lock to a child started with pass_fds."""
        if self.fd is None:
            raise RuntimeError("the lock is not held")
        return {LOCK_FD_ENV: str(self.fd)}

    def __enter__(self) -> DbLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()
