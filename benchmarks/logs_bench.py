"""Benchmark: read a combined access log and name the AI crawlers in it (issue 16, Speed).

Generates a combined log of the largest size asked (10,000,000 lines by default, about
2.2 GB; the smaller sizes are its first lines, written alongside) in a temporary directory:
mostly people (browsers of many versions) and search engines, about 3.5% lines from AI
crawlers with the User-Agent strings their operators publish, one line in 10,000 cut short.
Then, for each size and one after the other, each a child process measured with ``wait4``
(its own CPU time and peak RSS, nothing else's):

1. ours: ``audits.logs.formats.COMBINED`` parses every line into a LogLine and
   ``audits.logs.agents.AgentMatcher`` names the agent in its User-Agent, streaming;
2. ours, parsing alone (the same without the agent match);
3. ai-crawler-logs (PyPI) through its library, streamed in 10,000-line batches
   (``parse_log`` and ``identify`` for every line): the same work as 1, at its speed;
4. ai-crawler-logs as its command line ships (``ai-crawler-logs FILE --no-verify``): it
   reads the whole file into memory and analyses only its first 200,000 lines;
5. GoAccess (Debian's ``goaccess``) with ``--log-format=COMBINED --process-and-exit``:
   parsing alone (its own aggregation included, no report written).

ai-crawler-logs is installed into ``benchmarks/.cache/logs/venv`` (never into the project's
environment); a tool that cannot be installed is reported unavailable with the reason.

    .venv/bin/python benchmarks/logs_bench.py [--sizes 1000000,10000000] [--workdir DIR]

Writes ``benchmarks/results/logs.json`` and ``logs.md``. The log is deleted afterwards
unless ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.machine import cpu_model  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
TOOLS = ROOT / "benchmarks" / ".cache" / "logs"
ACL_PACKAGE = "ai-crawler-logs==1.0.1"
ACL_CLI_LINES = 200_000  # parse_log's max_lines default, which its command line keeps
BYTES_PER_LINE = 260  # a little over the generated average, for the disk check
BATCH = 10_000

# --- The generated log -------------------------------------------------------------------

AI_CRAWLERS = {
    # token: the User-Agent string its operator publishes
    "GPTBot": "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; GPTBot/1.3; "
    "+https://openai.com/gptbot",
    "ChatGPT-User": "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; "
    "ChatGPT-User/1.0; +https://openai.com/bot",
    "OAI-SearchBot": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36; compatible; OAI-SearchBot/1.3; "
    "robots.txt; +https://openai.com/searchbot",
    "ClaudeBot": "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; "
    "+claudebot@anthropic.com)",
    "Claude-User": "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; "
    "Claude-User/1.0; +Claude-User@anthropic.com)",
    "PerplexityBot": "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; "
    "PerplexityBot/1.0; +https://perplexity.ai/perplexitybot)",
    "CCBot": "CCBot/2.0 (https://commoncrawl.org/faq/)",
    "Amazonbot": "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Amazonbot/0.1; "
    "+https://developer.amazon.com/support/amazonbot) Chrome/119.0.6045.214 Safari/537.36",
    "Bytespider": "Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Mobile Safari/537.36 (compatible; Bytespider; spider-feedback@bytedance.com)",
    "meta-externalagent": "meta-externalagent/1.1 "
    "(+https://developers.facebook.com/docs/sharing/webmasters/crawler)",
    "Applebot": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, "
    "like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)",
}
SEARCH_ENGINES = (
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like "
    "Gecko) Chrome/131.0.6778.69 Mobile Safari/537.36 (compatible; Googlebot/2.1; "
    "+http://www.google.com/bot.html)",
    "Googlebot-Image/1.0",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; "
    "+http://www.bing.com/bingbot.htm) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
    "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
    "DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
)
SCRIPTS = (
    "curl/8.5.0",
    "python-requests/2.32.3",
    "Go-http-client/1.1",
    "Wget/1.21.4",
    "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)",
)
SHARES = {"human": 0.875, "search": 0.085, "ai": 0.035, "script": 0.005}
TAILS = 60_000
LINES_PER_SECOND = 12


def browser_agents(rng: random.Random) -> list[str]:
    """A few hundred browser User-Agent strings, as many versions as a real log has."""
    agents = []
    for version in range(100, 132):
        for system in (
            "Windows NT 10.0; Win64; x64",
            "Macintosh; Intel Mac OS X 10_15_7",
            "X11; Linux x86_64",
            "Linux; Android 10; K",
        ):
            mobile = " Mobile" if "Android" in system else ""
            agents.append(
                f"Mozilla/5.0 ({system}) AppleWebKit/537.36 (KHTML, like Gecko) "
                f"Chrome/{version}.0.0.0{mobile} Safari/537.36"
            )
    for version in range(110, 134):
        for system in (
            "Windows NT 10.0; Win64; x64",
            "X11; Linux x86_64",
            "Macintosh; Intel Mac OS X 14.5",
        ):
            agents.append(
                f"Mozilla/5.0 ({system}; rv:{version}.0) Gecko/20100101 Firefox/{version}.0"
            )
    for major in range(15, 19):
        for minor in range(0, 7):
            agents.append(
                f"Mozilla/5.0 (iPhone; CPU iPhone OS {major}_{minor} like Mac OS X) "
                f"AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{major}.{minor} "
                "Mobile/15E148 Safari/604.1"
            )
    rng.shuffle(agents)
    return agents


def paths(rng: random.Random) -> list[str]:
    """Pages, gallery images, feeds and the odd scanner probe of an artist's site."""
    words = ("sunset", "heron", "koi", "moth", "fox", "owl", "tide", "ember", "fern", "lark")
    found = ["/", "/robots.txt", "/favicon.ico", "/about/", "/contact/", "/feed.xml"]
    for year in range(2018, 2027):
        for number in range(120):
            word = rng.choice(words)
            found.append(f"/gallery/{year}/{word}-{number}.jpg")
            if number % 4 == 0:
                found.append(
                    f"/gallery/{year}/{word}-{number}.webp?w={rng.choice((400, 800, 1600))}"
                )
        for number in range(30):
            found.append(f"/blog/{year}/{rng.choice(words)}-{rng.choice(words)}-{number}/")
    found += ["/shop/", "/shop/prints/?page=2", "/wp-login.php", "/.env", "/xmlrpc.php"]
    return found


def line_tails(rng: random.Random) -> tuple[list[str], list[str | None]]:
    """Request-to-User-Agent parts of lines, and the AI token of each (None for others)."""
    browsers = browser_agents(rng)
    targets = paths(rng)
    statuses = (200,) * 16 + (304, 304, 404, 301)
    kinds = rng.choices(list(SHARES), weights=list(SHARES.values()), k=TAILS)
    tails: list[str] = []
    tokens: list[str | None] = []
    for kind in kinds:
        token: str | None = None
        if kind == "ai":
            token, agent = rng.choice(list(AI_CRAWLERS.items()))
        elif kind == "search":
            agent = rng.choice(SEARCH_ENGINES)
        elif kind == "script":
            agent = rng.choice(SCRIPTS)
        else:
            agent = rng.choice(browsers)
        target = rng.choice(targets)
        status = rng.choice(statuses)
        size = 0 if status == 304 else rng.randint(200, 400_000)
        referer = (
            "-" if kind != "human" or rng.random() < 0.4 else "https://studio.example/gallery/"
        )
        tails.append(f'"GET {target} HTTP/1.1" {status} {size} "{referer}" "{agent}"\n')
        tokens.append(token)
    return tails, tokens


def clients(rng: random.Random, count: int = 40_000) -> list[str]:
    found = []
    for _ in range(count):
        if rng.random() < 0.1:
            found.append(f"2001:db8:{rng.randrange(1 << 16):x}::{rng.randrange(1 << 16):x}")
        else:
            found.append(".".join(str(rng.randrange(1, 255)) for _ in range(4)))
    return found


def generate(sizes: list[int], workdir: Path, seed: int = 16) -> dict[int, dict[str, Any]]:
    """Write ``access-N.log`` for each size (each the first N lines of the largest) and
    return, per size, its path, bytes and the expected AI lines per token."""
    rng = random.Random(seed)
    tails, tokens = line_tails(rng)
    addresses = clients(rng)
    total = max(sizes)
    handles = {n: (workdir / f"access-{n}.log").open("w", encoding="utf-8") for n in sizes}
    expected: dict[int, Counter[str]] = {n: Counter() for n in sizes}
    malformed = dict.fromkeys(sizes, 0)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    stamp_second, stamp = -1, ""
    written = 0
    try:
        while written < total:
            count = min(BATCH, total - written)
            picks = rng.choices(range(TAILS), k=count)
            chunk = []
            for offset, pick in enumerate(picks):
                number = written + offset + 1
                second = (number - 1) // LINES_PER_SECOND
                if second != stamp_second:
                    stamp_second = second
                    stamp = (start + timedelta(seconds=second)).strftime("%d/%b/%Y:%H:%M:%S +0000")
                address = addresses[(pick + number // 64) % len(addresses)]
                line = f"{address} - - [{stamp}] {tails[pick]}"
                if number % 10_000 == 0:
                    line = line[: len(line) // 2] + "\n"  # cut short: malformed
                    for n in sizes:
                        malformed[n] += number <= n
                else:
                    token = tokens[pick]
                    if token is not None:
                        for n in sizes:
                            if number <= n:
                                expected[n][token] += 1
                chunk.append(line)
            text = "".join(chunk)
            for n, handle in handles.items():
                if written < n:
                    handle.write(text)
            written += count
    finally:
        for handle in handles.values():
            handle.close()
    return {
        n: {
            "path": str(workdir / f"access-{n}.log"),
            "bytes": (workdir / f"access-{n}.log").stat().st_size,
            "expected_ai_lines": dict(sorted(expected[n].items())),
            "expected_malformed": malformed[n],
        }
        for n in sizes
    }


# --- The measured children ---------------------------------------------------------------


def run_ours(path: str, match: bool) -> dict[str, Any]:
    """Child: our combined parser (and agent matcher) over the file, streaming."""
    sys.path.insert(0, str(ROOT))
    from audits.core.agents import load_registry
    from audits.logs import LogLine
    from audits.logs.agents import AgentMatcher
    from audits.logs.formats import COMBINED

    parse = COMBINED.parse
    matcher = AgentMatcher(load_registry())
    name = matcher.match
    agents: Counter[str] = Counter()
    lines = malformed = 0
    with open(path, encoding="utf-8", errors="replace", newline="\n") as handle:
        for number, raw in enumerate(handle, 1):
            parsed = parse(raw, number)
            if parsed.__class__ is not LogLine:
                malformed += 1
            elif match:
                agent = name(parsed.user_agent)  # type: ignore[union-attr]
                if agent is not None:
                    agents[agent.token] += 1
            lines = number
    return {"lines": lines, "malformed": malformed, "agent_lines": dict(sorted(agents.items()))}


def run_acl_stream(path: str) -> dict[str, Any]:
    """Child (in ai-crawler-logs' own venv): its parse_log and identify, in batches."""
    import ai_crawler_logs as acl  # type: ignore[import-not-found]

    lines = rows = identified = 0
    names: Counter[str] = Counter()
    batch: list[str] = []

    def flush() -> None:
        nonlocal rows, identified
        for row in acl.parse_log("".join(batch), max_lines=len(batch) + 1):
            rows += 1
            record = acl.identify(row.get("ua"))
            if record is not None:
                identified += 1
                names[record["name"]] += 1
        batch.clear()

    with open(path, encoding="utf-8", errors="replace", newline="\n") as handle:
        for raw in handle:
            lines += 1
            batch.append(raw)
            if len(batch) == BATCH:
                flush()
    flush()
    return {"lines": lines, "rows": rows, "identified": identified, "by_name": dict(names)}


@dataclass(frozen=True)
class Run:
    """One measured child process."""

    tool: str
    size: int
    wall_seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    lines_analysed: int
    lines_per_second: float
    lines_per_cpu_second: float
    note: str = ""
    output: dict[str, Any] | None = None


def measure(command: list[str], workdir: Path) -> tuple[float, float, float, str]:
    """Run a child to completion: wall time, CPU time, peak RSS (MB) and its output."""
    out_path = workdir / "child.out"
    with open(out_path, "wb") as out:
        started = time.monotonic()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.PIPE)
        assert process.stderr is not None
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.monotonic() - started
    errors = process.stderr.read().decode("utf-8", "replace")
    process.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"{command[:3]} failed ({code}):\n{errors[-2000:]}")
    output = out_path.read_text(encoding="utf-8", errors="replace")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, output


def make_run(
    tool: str,
    size: int,
    measured: tuple[float, float, float, str],
    lines: int,
    note: str = "",
    output: dict[str, Any] | None = None,
) -> Run:
    wall, cpu, rss, _ = measured
    return Run(
        tool,
        size,
        round(wall, 2),
        round(cpu, 2),
        round(rss, 1),
        lines,
        round(lines / wall),
        round(lines / max(cpu, 1e-9)),
        note,
        output,
    )


# --- The tools beside ours ---------------------------------------------------------------


def acl_tool() -> tuple[Path | None, str]:
    """ai-crawler-logs in its own venv under benchmarks/.cache: (python, '') or (None, why)."""
    venv = TOOLS / "venv"
    python = venv / "bin" / "python"
    try:
        if not python.exists():
            subprocess.run(
                [sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True
            )
        found = subprocess.run(
            [str(python), "-c", "import ai_crawler_logs; print(ai_crawler_logs.__version__)"],
            capture_output=True,
            text=True,
        )
        if found.returncode != 0:
            subprocess.run(
                [str(python), "-m", "pip", "install", "--quiet", ACL_PACKAGE],
                check=True,
                capture_output=True,
                text=True,
            )
    except subprocess.CalledProcessError as error:
        detail = (error.stderr or "").strip().splitlines()[-1:] if error.stderr else []
        return None, f"could not install {ACL_PACKAGE} from PyPI: {' '.join(detail) or error}"
    return python, ""


def goaccess_tool() -> tuple[str | None, str]:
    found = shutil.which("goaccess")
    if found:
        return found, ""
    return (
        None,
        "goaccess is not installed (Debian package 'goaccess'; "
        "make bench-logs installs it when run as root)",
    )


def available_memory() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable"):
            return int(line.split()[1]) * 1024
    return 0


def rss_floor(workdir: Path) -> float:
    """The peak RSS a child that does nothing reports: what this parent hands every child."""
    true = shutil.which("true") or "/bin/true"
    return round(measure([true], workdir)[2], 1)


def machine() -> dict[str, object]:
    model = cpu_model()
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_available_gb": round(available_memory() / 2**30, 1),
        "python": platform.python_version(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


# --- The run -----------------------------------------------------------------------------


def bench_size(
    size: int, info: dict[str, Any], workdir: Path, acl: Path | None, goaccess: str | None
) -> list[Run]:
    path = info["path"]
    me = [sys.executable, str(Path(__file__).resolve())]
    runs = []
    print(f"[{size:,} lines] ours: parse + agent match", file=sys.stderr)
    measured = measure([*me, "--child-ours", path], workdir)
    output = json.loads(measured[3])
    if output["agent_lines"] != info["expected_ai_lines"]:
        raise RuntimeError(
            f"agent lines {output['agent_lines']} != expected {info['expected_ai_lines']}"
        )
    if output["malformed"] != info["expected_malformed"]:
        raise RuntimeError(f"malformed {output['malformed']} != {info['expected_malformed']}")
    runs.append(
        make_run("ours: parse + agent match", size, measured, output["lines"], output=output)
    )

    print(f"[{size:,} lines] ours: parse only", file=sys.stderr)
    measured = measure([*me, "--child-ours", path, "--no-match"], workdir)
    runs.append(make_run("ours: parse only", size, measured, json.loads(measured[3])["lines"]))

    if acl is not None:
        print(f"[{size:,} lines] ai-crawler-logs library, streamed", file=sys.stderr)
        measured = measure([str(acl), str(Path(__file__).resolve()), "--child-acl", path], workdir)
        output = json.loads(measured[3])
        runs.append(
            make_run(
                "ai-crawler-logs library (parse_log + identify, 10,000-line batches)",
                size,
                measured,
                output["lines"],
                "counts search engines too: 'identified' is every crawler in its table",
                output,
            )
        )
        cli = acl.parent / "ai-crawler-logs"
        need = info["bytes"] * 4
        if available_memory() < need * 1.5:
            runs.append(
                Run(
                    "ai-crawler-logs command line",
                    size,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    f"skipped: reads the whole file into memory (about {need / 2**30:.1f} GB)",
                )
            )
        else:
            print(f"[{size:,} lines] ai-crawler-logs command line", file=sys.stderr)
            measured = measure([str(cli), path, "--no-verify"], workdir)
            first = measured[3].splitlines()[0] if measured[3] else ""
            analysed = int(first.split()[0]) if first.split() and first.split()[0].isdigit() else 0
            runs.append(
                make_run(
                    "ai-crawler-logs command line",
                    size,
                    measured,
                    analysed,
                    f"reads the whole file, analyses its first {ACL_CLI_LINES:,} lines; "
                    f"it said: {first}",
                )
            )
    if goaccess is not None:
        print(f"[{size:,} lines] GoAccess, parsing alone", file=sys.stderr)
        measured = measure(
            [
                goaccess,
                path,
                "--log-format=COMBINED",
                "--process-and-exit",
                "--no-global-config",
                "--no-progress",
            ],
            workdir,
        )
        runs.append(
            make_run(
                "GoAccess 1.7 (--process-and-exit)",
                size,
                measured,
                size,
                "C; parses and aggregates, writes no report",
            )
        )
    return runs


def markdown(runs: list[Run], data: dict[str, Any]) -> str:
    info = data["machine"]
    lines = [
        "# Access-log benchmark",
        "",
        f"Machine: {info['cpus']} CPUs ({info['cpu_model']}), Python {info['python']}; load "
        f"average at start {info['load_average_at_start']}, at end {data['load_average_at_end']}.",
        f"Peak RSS is each child's own (wait4); a child that does nothing reports "
        f"{data['child_rss_floor_mb']} MB, carried over from this parent.",
        f"Log: generated combined format, {data['ai_share']:.1%} AI-crawler lines, one line in "
        "10,000 cut short; sizes are the first N lines of one file.",
        "",
        "| tool | lines | lines analysed | wall s | CPU s | lines/s | lines/CPU s "
        "| peak RSS MB | note |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        lines.append(
            f"| {r.tool} | {r.size:,} | {r.lines_analysed:,} | {r.wall_seconds} | {r.cpu_seconds} "
            f"| {r.lines_per_second:,} | {r.lines_per_cpu_second:,} | {r.peak_rss_mb} | {r.note} |"
        )
    for name, why in data["unavailable"].items():
        lines.append(f"\n{name}: unavailable ({why}).")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the generated log")
    parser.add_argument("--child-ours", metavar="FILE", help=argparse.SUPPRESS)
    parser.add_argument("--no-match", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child-acl", metavar="FILE", help=argparse.SUPPRESS)
    parser.add_argument("--child-generate", metavar="DIR", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    if args.child_generate:
        print(json.dumps(generate(sizes, args.child_generate)))
        return
    if args.child_ours:
        print(json.dumps(run_ours(args.child_ours, match=not args.no_match)))
        return
    if args.child_acl:
        print(json.dumps(run_acl_stream(args.child_acl)))
        return

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="optout-logs-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    need = sum(sizes) * BYTES_PER_LINE
    free = shutil.disk_usage(workdir).free
    if free < need + 2**30:
        sys.exit(
            f"need {need / 2**30:.1f} GB free in {workdir} (plus 1 GB), have {free / 2**30:.1f}"
        )
    info = machine()
    unavailable = {}
    acl, why = acl_tool()
    if acl is None:
        unavailable["ai-crawler-logs"] = why
    goaccess, why = goaccess_tool()
    if goaccess is None:
        unavailable["GoAccess"] = why
    try:
        print(f"generating {max(sizes):,} lines in {workdir}", file=sys.stderr)
        started = time.monotonic()
        # In a child: a child's peak RSS starts at its parent's, so the parent stays small.
        made = subprocess.run(
            [sys.executable, __file__, "--child-generate", str(workdir), "--sizes", args.sizes],
            check=True,
            capture_output=True,
            text=True,
        )
        logs = {int(n): entry for n, entry in json.loads(made.stdout).items()}
        generated = time.monotonic() - started
        floor = rss_floor(workdir)
        runs = [
            run for size in sizes for run in bench_size(size, logs[size], workdir, acl, goaccess)
        ]
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    largest = logs[max(sizes)]
    data = {
        "machine": info,
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "generated_seconds": round(generated, 1),
        "child_rss_floor_mb": floor,
        "ai_share": sum(largest["expected_ai_lines"].values()) / max(sizes),
        "logs": {str(n): {k: v for k, v in logs[n].items() if k != "path"} for n in sizes},
        "unavailable": unavailable,
        "runs": [asdict(r) for r in runs],
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "logs.json").write_text(json.dumps(data, indent=2) + "\n")
    (RESULTS / "logs.md").write_text(markdown(runs, data))
    print(markdown(runs, data))


if __name__ == "__main__":
    main()
