"""``python -m sampleweb serve|seeds|logs``: run the sample web, print its seed list, or write
access logs of its sites with their ground truth."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType

from sampleweb.access_logs import DEFAULT_HOSTS, FORMATS, default_sites, write_logs
from sampleweb.seeds import write_seeds
from sampleweb.server import start_server
from sampleweb.sites import SiteError, load_sites


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sampleweb", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the sites as an HTTP proxy on 127.0.0.1")
    serve.add_argument("--port", type=int, default=8899, help="port (0: any free port)")
    serve.add_argument("--sites", type=Path, default=None, help="folder of site folders")
    serve.add_argument("--quiet", action="store_true", help="do not log each request")
    serve.add_argument("--variant", default=None, help="serve a variant (see sampleweb/variants)")
    seeds = commands.add_parser("seeds", help="print the seeds CSV of the sites")
    seeds.add_argument("--sites", type=Path, default=None, help="folder of site folders")
    logs = commands.add_parser(
        "logs",
        help="write access logs of the sites (people, search engines, AI crawlers) and truth.json",
        description="Write realistic access logs of sample-web sites between two moments, and "
        "truth.json: what every AI crawler line is and how it must be judged. The same "
        "arguments always give the same files.",
    )
    logs.add_argument("--out", type=Path, required=True, help="folder to write into")
    logs.add_argument(
        "--start", type=_moment, default=LOGS_START, help="ISO 8601 (UTC if no offset)"
    )
    logs.add_argument(
        "--end", type=_moment, default=None, help="ISO 8601 (default: start + 5 days)"
    )
    logs.add_argument("--seed", type=int, default=0)
    logs.add_argument(
        "--format",
        dest="formats",
        action="append",
        choices=FORMATS,
        help="a format to write (repeat; default: combined)",
    )
    logs.add_argument(
        "--site", dest="hosts", action="append", help="a site host (repeat; default: six sites)"
    )
    logs.add_argument(
        "--change", type=_moment, default=None, help="when robots.txt changes (default: mid-span)"
    )
    logs.add_argument(
        "--variant", default="next-week", help="the variant whose robots.txt files take over"
    )
    logs.add_argument("--visitors", type=float, default=25.0, help="people per site and day")
    logs.add_argument("--one-file", action="store_true", help="one log of every site per format")
    return parser


LOGS_START = datetime(2026, 11, 1, tzinfo=UTC)


def _moment(text: str) -> datetime:
    """An ISO 8601 date or time; UTC when it names no offset."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _logs(args: argparse.Namespace) -> None:
    end = args.end or args.start + timedelta(days=5)
    sites = default_sites(
        args.start,
        end,
        hosts=args.hosts or DEFAULT_HOSTS,
        variant=args.variant or None,
        changed_at=args.change,
    )
    truth = write_logs(
        args.out,
        sites,
        args.start,
        end,
        seed=args.seed,
        formats=args.formats or ("combined",),
        visitors_per_day=args.visitors,
        one_file=args.one_file,
    )
    for file in truth.files:
        print(f"{args.out / file['name']}: {file['lines']} lines")
    counts = truth.data["counts"]
    print(
        f"{args.out / 'truth.json'}: {counts['ai']} AI crawler lines, "
        f"{sum(h['violation'] for h in truth.hits)} violations"
    )


def _serve(port: int, sites_dir: Path | None, quiet: bool, variant: str | None = None) -> None:
    logging.basicConfig(
        level=logging.WARNING if quiet else logging.INFO,
        format="%(asctime)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    done = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    web = start_server(sites_dir, port, variant)
    print(f"sampleweb listening on {web.proxy_url} ({len(web.sites)} sites)", flush=True)
    try:
        while not done.wait(0.5):
            pass
    finally:
        web.stop()


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand; a broken site folder is reported in one line, exit status 2."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "serve":
            _serve(args.port, args.sites, args.quiet, args.variant)
        elif args.command == "logs":
            _logs(args)
        else:
            write_seeds(load_sites(args.sites).values(), sys.stdout)
    except SiteError as error:
        print(f"sampleweb: {error}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as error:
        print(f"sampleweb: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
