import click

@click.group()
def cli() -> None:
    """Audit AI-training opt-outs."""
