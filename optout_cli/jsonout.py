"""Turning the audits' frozen dataclasses into JSON-ready values."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

_SKIPPED_FIELDS = {"text", "lines", "body", "rendered_body", "pattern"}


def jsonable(value: Any) -> Any:
    """Dataclasses become dicts (private and bulky fields left out), tuples become lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {}
        for field in dataclasses.fields(value):
            if field.name.startswith("_") or field.name in _SKIPPED_FIELDS:
                continue
            out[field.name] = jsonable(getattr(value, field.name))
        if "pattern" in {f.name for f in dataclasses.fields(value)}:
            pattern = getattr(value, "pattern", None)  # a Pattern, shown as its raw text
            out["pattern"] = pattern.raw if pattern else None
        return out
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [jsonable(v) for v in value]
        return sorted(items) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def dumps(value: Any) -> str:
    """Stable, indented JSON."""
    return json.dumps(jsonable(value), indent=2, ensure_ascii=False, sort_keys=True)
