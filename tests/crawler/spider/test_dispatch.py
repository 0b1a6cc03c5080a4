"""The spider's dispatch table: every kind of request it makes has a step that follows its
response, or is listed as recorded only, so a new kind without a step cannot go unseen."""

from __future__ import annotations

import ast
import inspect
from typing import get_args

from audits.core.evidence import FetchKind
from crawler.probes import PROBE_KIND
from crawler.spiders import optout
from crawler.spiders.optout import FETCH_KINDS, RECORDED_ONLY, OptoutSpider

KIND_ARGUMENT = {"_request": 1, "_follow": 1, "_render": 2}
"""Where the kind is among the positional arguments of the spider's request makers."""


def requested_kinds() -> set[str]:
    """The literal kinds the spider's source passes to ``_request``, ``_follow``, ``_render``
    (its policy files besides), and ``probe`` where a call passes ``probe=``."""
    found = {kind for kind, _ in optout.POLICY_FILES}
    for node in ast.walk(ast.parse(inspect.getsource(optout))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        index = KIND_ARGUMENT.get(node.func.attr)
        if index is not None and any(keyword.arg == "probe" for keyword in node.keywords):
            found.add(PROBE_KIND)  # a probe repeats a baseline kind, recorded as "probe"
        if index is not None and len(node.args) > index:
            kind = node.args[index]
            # A computed kind (an f-string…) would escape this check: only names pass on.
            assert isinstance(kind, ast.Constant | ast.Name | ast.Attribute), ast.dump(kind)
            if isinstance(kind, ast.Constant):
                found.add(str(kind.value))
    return found


def test_every_fetch_kind_has_a_step_or_is_recorded_only() -> None:
    assert set(OptoutSpider.AFTER) | RECORDED_ONLY == set(FETCH_KINDS)


def test_no_kind_is_both_followed_and_recorded_only() -> None:
    assert set(OptoutSpider.AFTER) & RECORDED_ONLY == set()


def test_every_kind_the_spider_requests_is_a_fetch_kind() -> None:
    assert requested_kinds() == set(FETCH_KINDS)


def test_fetch_kinds_are_the_kinds_the_audit_reads() -> None:
    assert set(FETCH_KINDS) == set(get_args(FetchKind)) - {"other"}
