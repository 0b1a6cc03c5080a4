"""Input strategies shaped like the files and headers the parsers read, plus raw noise.

Pure noise rarely gets past a parser's first check; these mix real keywords, separators and
awkward characters (NUL, BOM, CR, surrogates, non-ASCII) so deeper code paths are reached.
"""

from __future__ import annotations

import json

from hypothesis import strategies as st

AWKWARD = st.sampled_from(["\x00", "\ufeff", "\r", "\u2028", "é", "\U0001f600", "%", "*", "$", "#"])
WORD = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12
) | st.sampled_from(["GPTBot", "*", "ClaudeBot", "CCBot", "/", "/*", "/a*b$", "%2F", "/%E2%82"])

ROBOTS_KEYS = st.sampled_from(
    [
        "User-agent",
        "user-agent",
        "Disallow",
        "Allow",
        "Sitemap",
        "Crawl-delay",
        "Content-Signal",
        "Content-Usage",
        "License",
        "DisallowAITraining",
        "Noindex",
        "useragent",
        "",
    ]
)
SEPARATORS = st.sampled_from([":", ": ", " :", "", "=", ":\t"])


@st.composite
def robots_lines(draw: st.DrawFn) -> str:
    key, sep = draw(ROBOTS_KEYS), draw(SEPARATORS)
    value = "".join(draw(st.lists(WORD | AWKWARD, max_size=4)))
    comment = draw(st.sampled_from(["", " # note", "#"]))
    return f"{key}{sep}{value}{comment}"


@st.composite
def robots_files(draw: st.DrawFn) -> bytes:
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = newline.join(draw(st.lists(robots_lines(), max_size=30)))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"]))
    return text.encode(encoding, "replace")


def key_value_lists(keys: list[str], values: list[str]) -> st.SearchStrategy[str]:
    """Comma-separated ``key=value`` items as structured-field-like headers use."""
    item = st.builds(
        lambda k, sep, v: f"{k}{sep}{v}",
        st.sampled_from(keys) | WORD,
        st.sampled_from(["=", "", " = ", ";"]),
        st.sampled_from(values) | WORD,
    )
    return st.lists(item, max_size=8).map(", ".join)


JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | WORD
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(
            st.sampled_from(["location", "tdm-reservation", "tdm-policy", "x"]) | WORD,
            inner,
            max_size=5,
        )
    ),
    max_leaves=30,
)
JSON_BODIES = JSON_VALUES.map(lambda v: json.dumps(v).encode()) | st.binary(max_size=200)

META_NAMES = st.sampled_from(["robots", "googlebot", "GPTBot", "tdm-reservation", "generator", "x"])
META_CONTENT = key_value_lists(["noai", "noimageai", "noindex", "max-snippet"], ["1", "0", "-1"])


@st.composite
def html_pages(draw: st.DrawFn) -> bytes:
    metas = draw(
        st.lists(
            st.builds(lambda n, c: f'<meta name="{n}" content="{c}">', META_NAMES, META_CONTENT),
            max_size=10,
        )
    )
    links = draw(
        st.lists(st.builds(lambda r, h: f'<link rel="{r}" href="{h}">', WORD, WORD), max_size=3)
    )
    noise = draw(st.text(max_size=50))
    head = "".join(metas + links)
    return f"<html><head>{head}</head><body>{noise}</body></html>".encode("utf-8", "replace")


HEADER_NAMES = st.sampled_from(
    ["X-Robots-Tag", "Robots-Tag", "tdm-reservation", "tdm-policy", "Content-Usage", "Link", "X"]
)
HEADER_VALUES = key_value_lists(
    ["noai", "GPTBot: noai", "train-ai", "ai-train", "rel"], ["y", "n", "1"]
) | st.text(max_size=60)
HEADERS = st.lists(st.tuples(HEADER_NAMES, HEADER_VALUES), max_size=8)
STATUSES = st.none() | st.sampled_from([200, 204, 206, 301, 401, 403, 404, 429, 500, 503])
