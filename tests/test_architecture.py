"""The layout keeps its promises: the import contracts in pyproject.toml hold (import-linter),
and no module of the project imports itself back through others (a cycle), so every module can
be read, tested and moved on its own."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterable, Mapping
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("audits", "crawler", "results", "optout_cli")
PLUGINS = ROOT / "datasette" / "plugins"


def test_import_contracts_hold() -> None:
    lint = [sys.executable, "-c", "from importlinter.cli import lint_imports_command as c; c()"]
    done = subprocess.run(
        [*lint, "--no-cache", "pyproject.toml"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _cycle(edges: Mapping[str, Iterable[str]]) -> list[str] | None:
    """One import cycle among ``edges`` (module -> modules it imports), or None."""
    try:
        TopologicalSorter(edges).prepare()
    except CycleError as err:
        return list(err.args[1])
    return None


def test_no_module_imports_itself_back() -> None:
    # Imports made only for type checking never run, so they make no cycle.
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True)
    edges = {module: graph.find_modules_directly_imported_by(module) for module in graph.modules}
    assert _cycle(edges) is None


def test_the_cycle_finder_finds_a_cycle() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    cycle = _cycle(edges)
    assert cycle is not None and set(cycle) == {"a", "b", "c"}


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            roots.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
    return roots


def test_datasette_plugins_read_results_never_the_command_line() -> None:
    plugins = sorted(PLUGINS.glob("*.py"))
    assert plugins
    for plugin in plugins:
        assert "optout_cli" not in _imported_roots(plugin), plugin.name
