"""Absolute links in Atom feeds: an entry's link is the instance's address plus its path.

The audit stores each feed entry's link as a path on the instance (``/-/site?origin=…``,
results/rollups.py), since the database cannot know where it will be served; datasette-atom
writes ``atom_link`` as given, and a feed reader resolves a relative link against the feed's
own address only if it honours ``xml:base``, which many do not. So every ``.atom`` answer's
relative links are made absolute here, with the scheme and host the request came to (as
``Datasette.absolute_url`` does, honouring ``force_https_urls``) and the ``base_url`` setting.
"""

import contextlib
from typing import Any
from xml.etree import ElementTree

from datasette.utils.asgi import Request

from datasette import hookimpl

ATOM = "http://www.w3.org/2005/Atom"
MAX_FEED_BYTES = 32 * 1024 * 1024
"""A feed larger than this is passed on as it is (Datasette caps a query at 1,000 rows)."""


def absolute_links(feed: bytes, absolute: Any) -> bytes:
    """The feed with every ``<link href>`` that is a path replaced by ``absolute(path)``."""
    ElementTree.register_namespace("", ATOM)
    root = ElementTree.fromstring(feed)
    for link in root.iter(f"{{{ATOM}}}link"):
        href = link.get("href") or ""
        if href.startswith("/") and not href.startswith("//"):
            link.set("href", absolute(href))
    written: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return written


def _wrap(app: Any, datasette: Any) -> Any:
    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("type") != "http" or not scope.get("path", "").endswith(".atom"):
            await app(scope, receive, send)
            return
        request = Request(scope, receive)
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            if start.get("status") == 200 and len(body) <= MAX_FEED_BYTES:
                with contextlib.suppress(ElementTree.ParseError):  # not a feed: as it is
                    body = absolute_links(
                        body,
                        lambda path: datasette.absolute_url(
                            request, datasette.urls.path(path.lstrip("/"))
                        ),
                    )
            headers = [
                (k, str(len(body)).encode() if k.lower() == b"content-length" else v)
                for k, v in start.get("headers", [])
            ]
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await app(scope, receive, capture)

    return wrapped


@hookimpl
def asgi_wrapper(datasette: Any) -> Any:
    """Rewrite the links of ``.atom`` answers (see the module docstring)."""
    return lambda app: _wrap(app, datasette)
