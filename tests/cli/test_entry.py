"""The ``optout`` executable stays quiet when Ctrl-C arrives while it is still starting."""

from __future__ import annotations

import subprocess
import sys

from optout_cli.entry import INTERRUPTED
from tests.conftest import ROOT

# Ctrl-C lands while the command line is being imported (Scrapy, Twisted, Datasette load for
# a second or two): here made certain by an import hook that raises it at that moment.
_CTRL_C_WHILE_IMPORTING = """
import sys
class CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == "optout_cli.main":
            raise KeyboardInterrupt
        return None
sys.meta_path.insert(0, CtrlC())
sys.argv = ["optout", "--version"]
from optout_cli.entry import main
main()
"""


def test_ctrl_c_during_start_up_prints_one_line_and_no_traceback() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _CTRL_C_WHILE_IMPORTING],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == INTERRUPTED
    assert result.stderr == "optout: interrupted\n"
    assert result.stdout == ""


def test_the_executable_runs_the_command_line() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from optout_cli.entry import main; main()", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("optout ")
