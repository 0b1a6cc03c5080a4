"""``optout evidence``: what a site said, and when, as a web archive a creator can keep.

``optout evidence ORIGIN …`` (the same as ``optout evidence pack ORIGIN …``) writes a WACZ of
the site's stored fetches and audit report; ``optout evidence verify FILE`` checks one.
"""

from __future__ import annotations

from pathlib import Path

import click

from crawler.words import counted
from optout_cli.options import crawl_option, db_option
from results.evidence.pack import EvidenceError, open_pack_db, pack_site
from results.evidence.signing import PublicKey, SigningError, load_public_key
from results.evidence.verify import verify_wacz

DEFAULT_COMMAND = "pack"


class _PackByDefault(click.Group):
    """A group whose first argument, when it names no subcommand, is the site to pack:
    ``optout evidence ORIGIN`` runs ``pack``. (A site whose bare host is ``verify`` or
    ``pack`` is written with its scheme, or after ``pack``.)"""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        help_asked = any(arg in ctx.help_option_names for arg in args[:1])
        if args and args[0] not in self.commands and not help_asked:
            args = [DEFAULT_COMMAND, *args]
        return super().parse_args(ctx, args)


@click.group(cls=_PackByDefault)
def evidence() -> None:
    """Evidence packs: what the tool received from a site, and when, as a WACZ web archive
    (docs/evidence.md).

    \b
    optout evidence ORIGIN --db crawl.db -o site.wacz   build a pack (same as `pack`)
    optout evidence verify site.wacz                    check one

    Open a pack in ReplayWeb.page or pywb. It shows what the crawl received; it is no
    notarised record unless signed and timestamped (docs/evidence.md says how).
    """


@evidence.command(DEFAULT_COMMAND)
@click.argument("site", metavar="ORIGIN")
@db_option("The SQLite file a crawl wrote and `optout audit` derived.", must_exist=True)
@crawl_option()
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The pack to write (a .wacz file), replaced only once it is complete.",
)
@click.option(
    "--sign-key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="KEY.pem",
    help="Sign the pack with this PEM private key (ECDSA P-256 or RSA, unencrypted).",
)
def pack(site: str, db_path: Path, crawl: str, output: Path, sign_key: Path | None) -> None:
    """Pack the stored fetches of ORIGIN (any address on the site) and its audit report.

    Every fetch of the crawl becomes WARC records: request and response (status, headers and
    body as stored, at the time they were fetched), redirect hops, errors and skipped
    requests; the audit report is a record of its own. docs/evidence.md lists what is
    original and what is reconstructed.

    \b
    Examples:
      optout evidence artist-anna.example --db crawl.db -o anna.wacz
      openssl ecparam -name prime256v1 -genkey -noout -out key.pem
      optout evidence artist-anna.example --db crawl.db -o anna.wacz --sign-key key.pem
    """
    if str(output) == "-":
        raise click.ClickException("a pack is a zip file: give -o a file name, not '-'")
    try:
        db, crawl_id = open_pack_db(db_path, crawl)
    except EvidenceError as err:
        raise click.ClickException(str(err)) from err
    try:
        summary = pack_site(db, crawl_id, site, output, key_path=sign_key)
    except EvidenceError as err:
        raise click.ClickException(str(err)) from err
    except OSError as err:
        raise click.ClickException(f"cannot write {output}: {err.strerror or err}") from err
    finally:
        db.close()
    signed = f", signed by {summary.key_fingerprint}" if summary.key_fingerprint else ""
    click.echo(
        f"wrote {output}: {counted(summary.fetches, 'fetch', 'fetches')} of crawl {crawl_id} as"
        f" {counted(summary.records, 'WARC record')}, {counted(summary.pages, 'page')}{signed}",
        err=True,
    )


@evidence.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--public-key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="KEY.pem",
    help="The signer's PEM public key (or certificate): the pack must be signed by it."
    " Without it a signature is checked against the key the pack names.",
)
def verify(file: Path, public_key: Path | None) -> None:
    """Check a pack: every file against datapackage.json, that against
    datapackage-digest.json, and the signature when there is one.

    Prints one line per problem and exits with status 1 when there is any.

    \b
    Example:
      openssl pkey -in key.pem -pubout -out key.pub.pem
      optout evidence verify anna.wacz --public-key key.pub.pem
    """
    trusted: PublicKey | None = None
    if public_key is not None:
        try:
            trusted = load_public_key(public_key)
        except SigningError as err:
            raise click.ClickException(str(err)) from err
    result = verify_wacz(file, trusted)
    for problem in result.problems:
        click.echo(problem)
    if not result.ok:
        click.echo(f"{file}: {counted(len(result.problems), 'problem')}", err=True)
        raise SystemExit(1)
    signed = f", signed by {result.key_fingerprint}" if result.signed else ", not signed"
    click.echo(f"{file}: ok, {counted(result.files, 'file')} match datapackage.json{signed}")
