"""``python -m sampleweb serve|seeds``: run the sample web, or print its seed list."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

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
    return parser


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
        else:
            write_seeds(load_sites(args.sites).values(), sys.stdout)
    except SiteError as error:
        print(f"sampleweb: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"sampleweb: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
