"""Benchmark: how soon the ``optout`` command line answers (issue 20).

Runs each command below as a fresh child process (``.venv/bin/optout ...``) several times after
one warm-up run and keeps the median wall and CPU time; then lists the packages
``import optout_cli.main`` spends longest on (``python -X importtime``). A command that answers
from the command line alone (help, version, explain of one file, changes of a small database)
should spend its time starting Python, not importing Scrapy or Datasette.

    .venv/bin/python benchmarks/cli_bench.py [--repeat 9]

Writes ``benchmarks/results/cli.json`` and ``cli.md``, beside the baseline in
``benchmarks/results/cli.before.json``: the same measures at commit f5007e7, before the command
line imported its commands lazily, taken with the project's venv over an unpacked copy of that
commit::

    git archive f5007e7 | tar -x -C /tmp/optout_before
    .venv/bin/python benchmarks/cli_bench.py --code /tmp/optout_before --commit f5007e7 \
        --save-before

Wall time depends on the load of the machine: run it on a quiet one.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.machine import cpu_model  # noqa: E402

RESULTS = Path(__file__).parent / "results"
BEFORE = RESULTS / "cli.before.json"
BIN = ROOT / ".venv" / "bin"
ROBOTS_FILE = "tests/fixtures/robots/disallow_ai_training.txt"
COMMANDS: tuple[tuple[str, ...], ...] = (
    ("--version",),
    ("--help",),
    ("explain", "robots", ROBOTS_FILE),
    ("explain", "--help"),
    ("changes", "--help"),
    ("check", "--help"),
)
"""Run as they are; ``optout changes --db DB`` is run too, over the export's golden database."""
IMPORT = "import optout_cli.main"
FIXED_DB = "from tests.results.test_export import build_fixed_db; build_fixed_db"
TOP_IMPORTS = 12


def _env(code: Path) -> dict[str, str]:
    """The environment of a child: the venv's packages, this code first on the path."""
    return {**os.environ, "PYTHONPATH": str(code)}


def _run(argv: list[str], code: Path) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, from ``wait4``) of one child."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, cwd=code, env=_env(code), stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"{' '.join(argv)} exited {child.returncode}")
    return wall, usage.ru_utime + usage.ru_stime


def time_command(argv: list[str], code: Path, repeat: int) -> dict[str, float]:
    """Median and fastest wall seconds, and median CPU seconds, of ``repeat`` runs after one
    warm-up run."""
    _run(argv, code)
    runs = [_run(argv, code) for _ in range(repeat)]
    walls = [wall for wall, _ in runs]
    return {
        "median_s": round(statistics.median(walls), 3),
        "min_s": round(min(walls), 3),
        "cpu_s": round(statistics.median(cpu for _, cpu in runs), 3),
    }


def slowest_imports(code: Path, limit: int) -> list[dict[str, Any]]:
    """The packages ``import optout_cli.main`` spends longest importing: each module's own
    (self) import time summed by top-level package, so Scrapy counts once however deep."""
    done = subprocess.run(
        [str(BIN / "python"), "-X", "importtime", "-c", IMPORT],
        cwd=code,
        env=_env(code),
        check=True,
        capture_output=True,
        text=True,
    )
    totals: dict[str, int] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        own, _, name = line.removeprefix("import time:").split("|")
        package = name.strip().split(".")[0]
        totals[package] = totals.get(package, 0) + int(own)
    ranked = sorted(totals.items(), key=lambda item: -item[1])[:limit]
    return [{"package": name, "self_ms": round(us / 1000, 1)} for name, us in ranked]


def build_changes_db(path: Path) -> None:
    """The export's golden database (five fixture sites, one audited crawl), made by this
    checkout's code whichever code is measured, for ``optout changes`` to read."""
    build = f"from pathlib import Path; {FIXED_DB}(Path({str(path)!r}))"
    subprocess.run([str(BIN / "python"), "-c", build], cwd=ROOT, env=_env(ROOT), check=True)


def measure(code: Path, repeat: int) -> dict[str, Any]:
    """Every command's wall time and the slowest imports, with the machine and the date."""
    python = str(BIN / "python")
    load_before = os.getloadavg()[0]
    commands = {
        "optout " + " ".join(args): time_command([str(BIN / "optout"), *args], code, repeat)
        for args in COMMANDS
    }
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "fixed.db"
        build_changes_db(db)
        changes = [str(BIN / "optout"), "changes", "--db", str(db)]
        commands["optout changes --db DB"] = time_command(changes, code, repeat)
    commands[f'python -c "{IMPORT}"'] = time_command([python, "-c", IMPORT], code, repeat)
    commands['python -c "pass"'] = time_command([python, "-c", "pass"], code, repeat)
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": {
            "cpu": cpu_model(),
            "cpus": os.cpu_count() or 0,
            "python": platform.python_version(),
        },
        "repeat": repeat,
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "commands": commands,
        "slowest_imports": slowest_imports(code, TOP_IMPORTS),
    }


def _commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    return done.stdout.strip() + " with the working tree"


def _load(result: dict[str, Any]) -> str:
    """The one-minute load average as the run started and ended."""
    start, end = result.get("load_average", ("?", "?"))
    return f"{start} to {end}"


def report(after: dict[str, Any], before: dict[str, Any] | None) -> str:
    """The Markdown report: commands before and after, then the slowest imports of each."""
    head = (
        f"{after['date']}, {after['machine']['cpus']} CPUs {after['machine']['cpu']}, "
        f"Python {after['machine']['python']}, commit {after['commit']}, load average "
        f"{_load(after)}; "
        f"`{after['command']}` (median of {after['repeat']} runs after one warm-up: wall "
        "seconds, and CPU seconds of the child from wait4, of a fresh process each time)."
    )
    lines = ["# How soon the command line answers", "", head, ""]
    if before:
        lines += [
            f"Before: {before['date']}, commit {before['commit']}, load average {_load(before)},"
            " same machine and command.",
            "",
            "| command | before: wall s | after: wall s | speed-up | before: CPU s |"
            " after: CPU s |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for name, now in after["commands"].items():
            then = before["commands"].get(name)
            if then is None:
                continue
            ratio = then["median_s"] / now["median_s"] if now["median_s"] else 0.0
            lines.append(
                f"| `{name}` | {then['median_s']} | {now['median_s']} | ×{ratio:.1f}"
                f" | {then['cpu_s']} | {now['cpu_s']} |"
            )
    else:
        lines += ["| command | wall s | fastest wall s | CPU s |", "|---|---:|---:|---:|"]
        lines += [
            f"| `{name}` | {t['median_s']} | {t['min_s']} | {t['cpu_s']} |"
            for name, t in after["commands"].items()
        ]
    for label, data in (("before", before), ("now" if before is None else "after", after)):
        if data is None:
            continue
        lines += [
            "",
            f"Packages `{IMPORT}` spends longest on ({label}; `python -X importtime`, one run,"
            " self time of every module summed by top-level package):",
            "",
            "| package | ms |",
            "|---|---:|",
            *(f"| `{r['package']}` | {r['self_ms']} |" for r in data["slowest_imports"]),
        ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=9, help="runs per command (median kept)")
    parser.add_argument(
        "--save-before",
        action="store_true",
        help=f"write the figures to {BEFORE.relative_to(ROOT)} (the baseline) and stop",
    )
    parser.add_argument(
        "--code", type=Path, default=ROOT, help="the project's code to measure (default: here)"
    )
    parser.add_argument("--commit", help="the commit --code holds (default: git's HEAD here)")
    args = parser.parse_args()
    result = measure(args.code.resolve(), args.repeat)
    result["commit"] = args.commit or _commit()
    result["command"] = " ".join(["benchmarks/cli_bench.py", *sys.argv[1:]])
    RESULTS.mkdir(exist_ok=True)
    if args.save_before:
        BEFORE.write_text(json.dumps(result, indent=2) + "\n")
        print(report(result, None))
        return 0
    before = json.loads(BEFORE.read_text()) if BEFORE.exists() else None
    (RESULTS / "cli.json").write_text(json.dumps({"after": result, "before": before}, indent=2))
    text = report(result, before)
    (RESULTS / "cli.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
