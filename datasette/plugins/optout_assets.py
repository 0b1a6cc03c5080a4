"""The project's stylesheet on every page (served from datasette/static as /assets/)."""

from typing import Any

from datasette import hookimpl

STYLESHEET = "/assets/optout.css"


@hookimpl
def extra_css_urls(datasette: Any) -> list[str]:
    """optout.css: the landing, site and findings pages, and compact column descriptions."""
    return [datasette.urls.path(STYLESHEET)]
