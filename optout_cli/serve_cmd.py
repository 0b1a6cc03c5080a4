"""``optout serve``: browse an evidence database in Datasette, read-only (results/serve.py)."""

from __future__ import annotations

from pathlib import Path

import click

from optout_cli.options import db_option
from results.serve import ServeError, check_port, check_servable, serve_datasette


@click.command()
@db_option("The SQLite file a crawl wrote (audited or not yet).")
@click.option("--port", default=8001, show_default=True, type=click.IntRange(0, 65535))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
def serve(db_path: Path, port: int, host: str) -> None:
    """Browse the audit in Datasette: landing page, per-site pages, canned queries, Atom feed.

    The database is opened read-only; a crawl or an audit may write to it meanwhile, and
    pages show what they have committed (never half a batch or half an audit). A crawl that
    has not been audited yet can be watched too: the landing page shows its progress, and the
    verdicts appear when the audit has run. Stop with Ctrl-C.

    \b
    Example:
      optout serve --db crawl.db
      optout serve --db crawl.db --port 8080 --host 0.0.0.0
    """
    try:
        crawl = check_servable(db_path)
        check_port(port, host)
        what = (
            f"crawl {crawl} of {db_path}" if crawl is not None else f"{db_path} (not audited yet)"
        )
        click.echo(f"serving {what} at http://{host}:{port}/ (Ctrl-C to stop)")
        serve_datasette(db_path, port=port, host=host)
    except ServeError as err:
        raise click.ClickException(str(err)) from err
