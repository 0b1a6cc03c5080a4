"""``-o`` of export and report: standard output, devices and FIFOs written in place, files
replaced only when complete (optout_cli/output.py).

The device tests write to private nodes made with mknod for the same devices as /dev/full
and /dev/null, so a regression (these tests run as root) replaces a node in the test's
folder, never the system's device. The system's device is used only by a process that could
not replace it anyway; one that could but cannot make nodes skips, saying why.
"""

from __future__ import annotations

import os
import stat
import subprocess
import threading
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.crawler.conftest import OPTOUT
from tests.results.test_export import build_fixed_db

COMMANDS = (["export"], ["report", "--format", "markdown"])
DEV_FULL = Path("/dev/full")


@pytest.fixture(scope="module")
def audited_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_fixed_db(tmp_path_factory.mktemp("output") / "audited.db")


def run(
    db: Path, command: list[str], *args: str, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(OPTOUT), *command, "--db", str(db), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
    )


def private_device(real: Path, folder: Path) -> Path:
    """A node in ``folder`` for the same device as ``real``, so a regression that replaces
    the output replaces this node and never the system's device; ``real`` itself only where
    this process could not replace it anyway (no write access to its folder)."""
    if not real.exists():
        pytest.skip(f"{real} is absent on this system")
    twin = folder / real.name
    try:
        os.mknod(twin, 0o666 | stat.S_IFCHR, os.stat(real).st_rdev)
        with twin.open("rb"):  # a folder on a nodev file system makes nodes that cannot open
            pass
        return twin
    except OSError:
        twin.unlink(missing_ok=True)
    if os.access(real.parent, os.W_OK):
        pytest.skip(f"cannot make a device node here, and testing on {real} could replace it")
    return real


@pytest.fixture
def full_device(tmp_path: Path) -> Path:
    """A character device whose writes fail with ENOSPC, like /dev/full."""
    return private_device(DEV_FULL, tmp_path)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_a_full_device_is_written_into_and_its_error_reported(
    audited_db: Path, full_device: Path, command: list[str]
) -> None:
    result = run(audited_db, command, "-o", str(full_device))
    assert stat.S_ISCHR(full_device.stat().st_mode), "the device was replaced by a file"
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: cannot write {full_device}: No space left on device"
    ]
    assert not list(full_device.parent.glob(".full.*.partial"))


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_a_device_that_takes_writes_stays_a_device(
    audited_db: Path, tmp_path: Path, command: list[str]
) -> None:
    null = private_device(Path(os.devnull), tmp_path)
    result = run(audited_db, command, "-o", str(null))
    assert stat.S_ISCHR(null.stat().st_mode), "the device was replaced by a file"
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_a_fifo_is_written_into_for_its_reader(
    audited_db: Path, tmp_path: Path, command: list[str]
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def read_all() -> None:
        with fifo.open("rb") as stream:  # blocks until the command opens its end
            received.append(stream.read())

    reader = threading.Thread(target=read_all, daemon=True)
    reader.start()
    result = run(audited_db, command, "-o", str(fifo))
    reader.join(timeout=60)
    if reader.is_alive() and stat.S_ISFIFO(fifo.stat().st_mode):
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))  # release the reader
    assert stat.S_ISFIFO(fifo.stat().st_mode), "the FIFO was replaced by a file"
    assert result.returncode == 0, result.stderr
    expected = run(audited_db, command).stdout.encode("utf-8")
    assert received == [expected]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_dash_is_standard_output(audited_db: Path, tmp_path: Path, command: list[str]) -> None:
    result = run(audited_db, command, "-o", "-", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "-").exists()
    assert result.stdout == run(audited_db, command).stdout
    assert result.stdout and result.stderr == ""


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_a_regular_file_is_replaced_whole(
    audited_db: Path, tmp_path: Path, command: list[str]
) -> None:
    target = tmp_path / "out"
    target.write_text("an older export\n", encoding="utf-8")
    result = run(audited_db, command, "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert target.read_text(encoding="utf-8") == run(audited_db, command).stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_symbolic_link_keeps_pointing_at_the_file_it_names(
    audited_db: Path, tmp_path: Path
) -> None:
    (tmp_path / "reports").mkdir()
    real = tmp_path / "reports" / "latest.json"
    real.write_text("an older export\n", encoding="utf-8")
    link = tmp_path / "latest.json"
    link.symlink_to(real)
    result = run(audited_db, ["export"], "-o", str(link))
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and link.resolve() == real
    assert real.read_text(encoding="utf-8") == run(audited_db, ["export"]).stdout


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_a_reader_that_stops_early_is_no_error(audited_db: Path, command: list[str]) -> None:
    """``optout export --db X | head -c 100``: the pipe closes early, the command stays quiet."""
    writer = subprocess.Popen(
        [str(OPTOUT), *command, "--db", str(audited_db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        cwd=ROOT,
    )
    assert writer.stdout is not None and writer.stderr is not None
    assert writer.stdout.read(100)
    writer.stdout.close()  # as `head` does once it has its bytes
    stderr = writer.stderr.read().decode()
    assert writer.wait(timeout=120) == 0, stderr
    assert "Traceback" not in stderr and "Error" not in stderr
