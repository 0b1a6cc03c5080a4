"""``optout check`` takes the site however it is typed and checks its origin.

The rules themselves are tested in tests/results/test_site_lookup.py; here one real check of
the sample web shows that the command applies them (a subprocess: one reactor per process).
"""

from __future__ import annotations

from sampleweb.server import SampleWeb
from tests.cli.test_check import run_check
from tests.crawler.conftest import sample_web  # noqa: F401


def test_check_takes_a_page_address_in_capitals_with_the_default_port(
    sample_web: SampleWeb,  # noqa: F811
) -> None:
    out = run_check(sample_web, "  HTTP://Inkwell-Ben.Example:80/gallery/1/?x=1#top ").stdout
    assert out.startswith("http://inkwell-ben.example\n")
    assert "Opted out of AI training." in out
