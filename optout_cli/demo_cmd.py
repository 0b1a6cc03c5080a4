"""``optout demo``: the bundled sample web crawled, audited and browsed in Datasette.

The crawl runs in a child process (``optout crawl`` on this same Python). Scrapy's reactor can
start only once per process and leaves its signal handlers and asyncio loop behind; keeping it
out of this process lets the audit and then Datasette's own server run here undisturbed, and
the sample web (a thread here) outlives the crawl so the Datasette pages stay reachable.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
from rich.console import Console

import sampleweb
from crawler.run import count_seeds
from crawler.storage import StorageError, refuse_foreign_db
from crawler.words import counted
from optout_cli.audit_cmd import run_audit
from optout_cli.console import make_console
from optout_cli.options import db_option
from results.crawl_summary import CrawlSummary, latest_crawl_status, summarise_crawl
from results.serve import port_in_use
from sampleweb.server import HOST, SampleWeb, start_server

SAMPLE_SEEDS = Path(sampleweb.__file__).resolve().parent / "seeds.csv"
# The sample web is on loopback: politeness delays protect nobody there, short timeouts suffice.
FAST_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "false",
    "DOWNLOAD_TIMEOUT": "4",
    "OPTOUT_RETRY_MAX_DELAY": "0.5",
}
_RUN_CLI = "from optout_cli.main import cli; cli(prog_name='optout')"
_GRACE_SECONDS = 10


def replace_db(path: Path, console: Console) -> None:
    """Delete an earlier demo database and its WAL files; refuse to delete anything else."""
    if not path.exists():
        return
    try:
        refuse_foreign_db(path)  # only an optout database (or an empty file) is deleted
    except StorageError as err:
        raise click.ClickException(str(err)) from err
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    console.print(f"Deleted the previous {path} (each demo starts afresh).")


def crawl_command(seeds: Path, db_path: Path, proxy: str) -> list[str]:
    """``optout crawl`` of the sample seeds through the sample web, run by this Python."""
    command = [sys.executable, "-c", _RUN_CLI, "crawl", str(seeds), "--db", str(db_path)]
    command += ["--proxy", proxy, "--allow-private", "--no-audit"]
    # The sample web's edge hosts answer AI agents differently: probe as the default agents so
    # the demo shows what each edge does (docs/crawler.md, "Probes").
    command += ["--probe-agents=default"]
    for name, value in FAST_SETTINGS.items():
        command += ["-s", f"{name}={value}"]
    return command


def run_child(command: list[str]) -> int:
    """Run a command to its end; on Ctrl-C let it stop gracefully, then kill it if it lingers."""
    child = subprocess.Popen(command, stdin=subprocess.DEVNULL)
    try:
        return child.wait()
    except KeyboardInterrupt:
        # A terminal's Ctrl-C reaches the child too, and Scrapy then finishes what is in flight.
        for stop in (child.terminate, child.kill):
            try:
                child.wait(timeout=_GRACE_SECONDS)
                break
            except subprocess.TimeoutExpired:
                stop()
        child.wait()
        raise


def _share(n: int, total: int) -> str:
    return f"{n} ({n / total:.0%})" if total else str(n)


def print_summary(console: Console, summary: CrawlSummary, db_path: Path, expected: int) -> None:
    """Where the database is, and the headline numbers."""
    sites, train = summary.sites, summary.train
    console.print(f"\nDemo database: {db_path.resolve()} (crawl {summary.crawl_id})")
    console.print(f"{sites} sample sites audited.")
    if summary.done < expected:
        missing = expected - summary.done
        console.print(f"[yellow]{missing} of the {expected} sample sites did not finish.")
    console.print(
        f"AI training: {_share(train.get('reserved', 0), sites)} opted out, "
        f"{_share(train.get('partial', 0), sites)} partly, "
        f"{train.get('allowed', 0)} explicitly allow it, "
        f"{train.get('unstated', 0)} say nothing, {train.get('unknown', 0)} unknown."
    )
    broken = counted(summary.broken, "site has", "sites have")
    console.print(f"{broken} something broken (at least one error finding).")


def _serve(console: Console, db_path: Path, port: int, web: SampleWeb) -> None:
    # Imported here: Datasette loads only when serving (and --no-serve runs without it).
    from results.serve import ServeError, serve_datasette

    console.print(
        f"\nBrowse the results at http://{HOST}:{port}/ (Ctrl-C stops the demo).\n"
        f"Meanwhile the sample web answers as an HTTP proxy at {web.proxy_url}, e.g.\n"
        f"  optout check http://artist-anna.example --proxy {web.proxy_url} --allow-private"
    )
    try:
        serve_datasette(db_path, port=port, host=HOST)
    except ServeError as err:
        raise click.ClickException(str(err)) from err


@click.command()
@db_option(
    "Where to write the demo database (an earlier demo database there is replaced).",
    default="demo.db",
)
@click.option(
    "--port",
    default=8001,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="Port for Datasette on 127.0.0.1.",
)
@click.option("--no-serve", is_flag=True, help="Crawl and audit, then stop (for scripts).")
@click.pass_context
def demo(ctx: click.Context, db_path: Path, port: int, no_serve: bool) -> None:
    """Crawl the bundled sample web of creator sites, audit it, and browse it in Datasette.

    Everything runs on this machine: the sample sites are served on 127.0.0.1 and no request
    leaves it. Takes well under a minute, then serves http://127.0.0.1:8001/.
    """
    console = make_console(stderr=True)
    out = make_console()
    if not no_serve and port_in_use(port, HOST):
        raise click.ClickException(f"port {port} is already in use: choose another with --port")
    try:
        expected = count_seeds(SAMPLE_SEEDS, 0)[0]
        replace_db(db_path, console)
    except (OSError, ValueError) as err:
        raise click.ClickException(str(err)) from err
    web = start_server()
    try:
        console.print(
            f"The sample web ({len(web.sites)} simulated sites) is up at {web.proxy_url}.\n"
            "Crawling it. Some sites misbehave on purpose (timeouts, resets, redirect loops), "
            "so the errors counted below are expected."
        )
        code = run_child(crawl_command(SAMPLE_SEEDS, db_path, web.proxy_url))
        try:
            if latest_crawl_status(db_path) == "interrupted":  # the crawl alone was signalled
                # Never audited: a crawl that did not finish publishes nothing.
                console.print("\nThe crawl was stopped before it finished: demo stopped.")
                ctx.exit(130)
            if code != 0:
                raise click.ClickException(f"the crawl failed (exit code {code}); see above")
            run_audit(db_path, "latest")
            summary = summarise_crawl(db_path)
        except StorageError as err:
            raise click.ClickException(str(err)) from err
        print_summary(out, summary, db_path, expected)
        if not no_serve:
            _serve(console, db_path, port, web)
            console.print("Demo stopped.")
    except KeyboardInterrupt:
        console.print("\nDemo stopped.")
        ctx.exit(130)
    finally:
        web.stop()
