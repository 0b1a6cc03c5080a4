"""``audits/`` is pure: it imports neither Scrapy nor any network code."""

from __future__ import annotations

import ast

import pytest

from tests.conftest import ROOT

FORBIDDEN = (
    "scrapy",
    "twisted",
    "socket",
    "urllib.request",
    "http.client",
    "requests",
    "httpx",
    "aiohttp",
    "playwright",
    "sqlite3",
    "sqlite_utils",
    "crawler",
    "results",
)
MODULES = sorted((ROOT / "audits").rglob("*.py"))


def _imports(path) -> set[str]:  # type: ignore[no-untyped-def]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize(
    "path", MODULES, ids=[str(p.relative_to(ROOT / "audits")) for p in MODULES]
)
def test_audits_module_imports_nothing_impure(path) -> None:  # type: ignore[no-untyped-def]
    bad = {n for n in _imports(path) if any(n == f or n.startswith(f + ".") for f in FORBIDDEN)}
    assert bad == set()
