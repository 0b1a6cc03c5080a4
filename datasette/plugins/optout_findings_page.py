"""``/-/findings``: every finding code with its severity and explanation, from docs/findings.md.

The document has one shape (``## group``, ``### code``, paragraphs starting ``Severity: x.``),
so it is read with a few lines here rather than a Markdown library: only backtick code spans
become markup, and only after the text is escaped.
"""

import re
import sqlite3
from pathlib import Path
from typing import Any, cast

from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from datasette import hookimpl
from results.finding_meanings import meaning, register_sql_functions

FINDINGS_DOC = Path(__file__).resolve().parents[2] / "docs" / "findings.md"
_CODE_SPAN = re.compile(r"`([^`]+)`")
_STRONG = re.compile(r"\*\*([^*]+)\*\*")
_SEVERITY = re.compile(r"^Severity:\s*(error|warning|info)\.\s*", re.IGNORECASE)


def inline(text: str) -> Markup:
    """Escaped text with `code` spans as <code> and **strong** as <strong>."""
    escaped = str(escape(text))
    escaped = _CODE_SPAN.sub(lambda m: f"<code>{m.group(1)}</code>", escaped)
    return Markup(_STRONG.sub(lambda m: f"<strong>{m.group(1)}</strong>", escaped))


def parse_findings_doc(text: str) -> tuple[list[Markup], list[dict[str, Any]]]:
    """The introduction paragraphs and the groups of codes of docs/findings.md."""
    intro: list[Markup] = []
    groups: list[dict[str, Any]] = []
    paragraph: list[str] = []
    current: dict[str, Any] | None = None

    def close_paragraph() -> None:
        if not paragraph:
            return
        joined = " ".join(paragraph)
        paragraph.clear()
        if current is None:
            (groups[-1]["paragraphs"] if groups else intro).append(inline(joined))
            return
        match = _SEVERITY.match(joined)
        if match and current["severity"] is None:
            current["severity"] = match.group(1).lower()
            joined = joined[match.end() :]
        current["paragraphs"].append(inline(joined))

    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("### "):
            close_paragraph()
            current = {"code": stripped[4:].strip(), "severity": None, "paragraphs": []}
            if not groups:
                groups.append({"title": "Findings", "paragraphs": [], "codes": []})
            groups[-1]["codes"].append(current)
        elif stripped.startswith("## "):
            close_paragraph()
            current = None
            groups.append({"title": stripped[3:].strip(), "paragraphs": [], "codes": []})
        elif stripped.startswith("# ") or not stripped:
            close_paragraph()
        else:
            paragraph.append(stripped)
    close_paragraph()
    return intro, groups


async def findings_page(datasette: Any, request: Any) -> Response:
    """GET /-/findings: the finding codes explained."""
    if FINDINGS_DOC.is_file():
        intro, groups = parse_findings_doc(FINDINGS_DOC.read_text(encoding="utf-8"))
    else:
        intro, groups = [Markup("docs/findings.md is not in this checkout.")], []
    html = await datasette.render_template(
        "findings.html", {"intro": intro, "groups": groups}, request=request
    )
    return cast(Response, Response.html(html))


@hookimpl
def prepare_jinja2_environment(env: Any) -> None:
    """``|code_spans``: escaped text with `code` spans as <code> (finding messages use them);
    ``|finding_meaning``: a finding code's one-line meaning, the same way."""
    env.filters["code_spans"] = inline
    env.filters["finding_meaning"] = lambda code: inline(meaning(str(code)))


@hookimpl
def prepare_connection(conn: sqlite3.Connection) -> None:
    """``optout_finding_meaning(code)``: the one-line meaning, for canned queries."""
    register_sql_functions(conn)


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    """The finding codes page."""
    return [(r"^/-/findings$", findings_page)]
