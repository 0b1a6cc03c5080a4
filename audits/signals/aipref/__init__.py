"""IETF AI preferences (aipref): the usage-preference vocabulary and its attachments.

Follows draft-ietf-aipref-vocab-08 (labels ``train-ai``, ``ai-use``, ``search``) and
draft-ietf-aipref-attach-05 (the ``Content-Usage`` HTTP field, §2, and robots.txt rule,
§3). A preference is an RFC 9651 Dictionary parsed with ``http_sf``; each category ends up
``allow``, ``disallow`` or ``unknown`` and nothing else (vocab-07 §6).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

import http_sf
from http_sf.innerlist import ser_item_or_inner_list
from http_sf.types import ItemOrInnerListType

from audits.core.findings import Finding, Severity, make_finding
from audits.core.uses import Use

VOCAB_REVISION = "draft-ietf-aipref-vocab-08"
ATTACH_REVISION = "draft-ietf-aipref-attach-05"

Preference = Literal["allow", "disallow", "unknown"]

CATEGORIES: tuple[str, ...] = ("train-ai", "ai-use", "search")
USES_BY_CATEGORY: Mapping[str, Use] = MappingProxyType(
    {"train-ai": "train", "ai-use": "ai-use", "search": "search"}
)
"""The use each category speaks for in the site verdict."""
"""Current labels (vocab-08); every other label is ignored by conforming readers."""

LEGACY_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "ai": "vocab-01 / attach-00",
        "tdm": "vocab-01",
        "genai": "vocab-01",
        "inference": "vocab-01",
        "all": "vocab-02",
        "train-genai": "vocab-02 and -03",
        "bots": "vocab-03 and -04",
        "ai-output": "vocab-04",
    }
)
"""Labels of earlier drafts, with the revisions that defined them (signals.md §5.2)."""

MAX_PREFERENCE_BYTES = 8 * 1024

CODES: dict[str, Severity] = {
    "aipref-parse-failed": "error",
    "aipref-oversized": "error",
    "aipref-invalid-value": "error",
    "aipref-legacy-label": "warning",
    "aipref-unknown-label": "warning",
    "aipref-bare-key": "warning",
    "aipref-duplicate-key": "warning",
}

_ALL_UNKNOWN: Mapping[str, Preference] = MappingProxyType(dict.fromkeys(CATEGORIES, "unknown"))
_EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True)
class UsagePreference:
    """One statement of usage preferences, as a conforming reader processes it."""

    raw: str
    """The value as received (cut to the size bound when oversized)."""
    parsed: bool
    """False when the value is not a valid Dictionary: then every category is unknown."""
    error: str | None
    categories: Mapping[str, Preference]
    """``train-ai``, ``ai-use`` and ``search`` mapped to allow, disallow or unknown."""
    legacy: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    """Legacy and unknown labels with their value serialised (``ai`` -> ``n``); all ignored."""
    findings: tuple[Finding, ...] = ()


def _failed(raw: str, code: str, error: str) -> UsagePreference:
    message = {
        "aipref-parse-failed": (
            f"Not a valid Structured Field Dictionary ({error}); conforming readers ignore "
            "the whole preference, so every category is unknown."
        ),
        "aipref-oversized": (
            f"Preference longer than {MAX_PREFERENCE_BYTES} bytes; not parsed, so every "
            "category is unknown."
        ),
    }[code]
    finding = make_finding(CODES, code, message, evidence=raw)
    return UsagePreference(raw, False, error, _ALL_UNKNOWN, _EMPTY, (finding,))


def _value_text(value: ItemOrInnerListType) -> str:
    """The member's value serialised without its parameters (``n``, ``"n"``, ``?1``)."""
    bare = value[0] if isinstance(value, tuple) else value
    try:
        return ser_item_or_inner_list((bare, {}))  # type: ignore[arg-type]
    except (ValueError, TypeError):
        return repr(bare)


def _reading(value: ItemOrInnerListType) -> Preference:
    """vocab-07 §6: Token ``y`` allows, Token ``n`` disallows, anything else is unknown."""
    bare = value[0] if isinstance(value, tuple) else value
    # http_sf Tokens compare equal to plain strings, so the type check must come first.
    if isinstance(bare, http_sf.Token):
        if str(bare) == "y":
            return "allow"
        if str(bare) == "n":
            return "disallow"
    return "unknown"


def _is_bare_true(value: ItemOrInnerListType) -> bool:
    bare = value[0] if isinstance(value, tuple) else value
    return bare is True


def _category_finding(label: str, value: ItemOrInnerListType) -> Finding | None:
    if _reading(value) != "unknown":
        return None
    text = _value_text(value)
    if _is_bare_true(value):
        return make_finding(
            CODES,
            "aipref-bare-key",
            f"`{label}` has no value (Boolean true), which reads as unknown; write "
            f"`{label}=n` or `{label}=y`.",
            evidence=label,
        )
    return make_finding(
        CODES,
        "aipref-invalid-value",
        f"`{label}={text}` is not the Token y or n, so it reads as unknown, not as a "
        f"disallow; write `{label}=n` without quotes.",
        evidence=f"{label}={text}",
    )


def _label_finding(label: str, text: str) -> Finding:
    if label in LEGACY_LABELS:
        return make_finding(
            CODES,
            "aipref-legacy-label",
            f"`{label}` is a label from {LEGACY_LABELS[label]}; {VOCAB_REVISION} ignores it, "
            f"so `{label}={text}` expresses nothing. Use train-ai, ai-use or search.",
            evidence=f"{label}={text}",
        )
    return make_finding(
        CODES,
        "aipref-unknown-label",
        f"`{label}` is not a vocabulary label and is ignored; current labels are "
        "train-ai, ai-use and search.",
        evidence=f"{label}={text}",
    )


def _interpret(
    raw: str, members: Mapping[str, ItemOrInnerListType], duplicates: Sequence[str]
) -> UsagePreference:
    categories: dict[str, Preference] = dict(_ALL_UNKNOWN)
    legacy: dict[str, str] = {}
    findings = _duplicate_findings(duplicates)
    for label, value in members.items():
        if label in categories:
            categories[label] = _reading(value)
            finding = _category_finding(label, value)
            if finding is not None:
                findings.append(finding)
        else:
            legacy[label] = _value_text(value)
            findings.append(_label_finding(label, legacy[label]))
    return UsagePreference(
        raw,
        True,
        None,
        MappingProxyType(categories),
        MappingProxyType(legacy),
        tuple(findings),
    )


def _duplicate_findings(duplicates: Iterable[str]) -> list[Finding]:
    return [
        make_finding(
            CODES,
            "aipref-duplicate-key",
            f"`{label}` is given more than once; only the last occurrence counts "
            "(RFC 9651 §4.2.2).",
            evidence=label,
        )
        for label in dict.fromkeys(duplicates)
    ]


def parse_usage_preference(value: str | bytes) -> UsagePreference:
    """Parse one usage-preference Dictionary the way the vocabulary's processing rules say."""
    # vocab-07 §6: strings are encoded before parsing; surrogates become non-ASCII bytes.
    data = value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")
    raw = data[: MAX_PREFERENCE_BYTES + 1].decode("utf-8", "replace")
    if len(data) > MAX_PREFERENCE_BYTES:
        return _failed(raw[:MAX_PREFERENCE_BYTES], "aipref-oversized", "too long")
    duplicates: list[str] = []

    def on_duplicate(key: str, where: str) -> None:
        if where == "dictionary":
            duplicates.append(key)

    try:
        members = http_sf.parse(data, tltype="dictionary", on_duplicate_key=on_duplicate)
    except (ValueError, OverflowError) as exc:
        return _failed(raw, "aipref-parse-failed", str(exc))
    if not isinstance(members, dict):  # pragma: no cover - tltype guarantees a dict
        return _failed(raw, "aipref-parse-failed", "not a dictionary")
    return _interpret(raw, members, duplicates)


def parse_content_usage_header(values: Sequence[str]) -> UsagePreference:
    """Parse every ``Content-Usage`` field line of a response, joined as RFC 9110 §5.3 does."""
    total = 0
    for count, line in enumerate(values):
        total += len(line) + (2 if count else 0)
        if total > MAX_PREFERENCE_BYTES:
            joined = ", ".join(values[: count + 1])
            return _failed(joined[:MAX_PREFERENCE_BYTES], "aipref-oversized", "too long")
    return parse_usage_preference(", ".join(values))


def combine_most_restrictive(prefs: Iterable[UsagePreference]) -> Mapping[str, Preference]:
    """Combine statements per category: any disallow, else any allow, else unknown (§4)."""
    seen: dict[str, set[Preference]] = {label: set() for label in CATEGORIES}
    for pref in prefs:
        for label in CATEGORIES:
            seen[label].add(pref.categories.get(label, "unknown"))
    combined: dict[str, Preference] = {}
    for label, readings in seen.items():
        if "disallow" in readings:
            combined[label] = "disallow"
        elif "allow" in readings:
            combined[label] = "allow"
        else:
            combined[label] = "unknown"
    return MappingProxyType(combined)


def split_robots_content_usage(value: str) -> tuple[str | None, str]:
    """Split a robots.txt ``Content-Usage`` value into an optional path and the preference."""
    # attach-05 §3: only a value starting with "/" has a path, which ends at the first
    # SP or HTAB; "*.pdf train-ai=n" is therefore all preference (and fails to parse).
    text = value.strip(" \t")
    if not text.startswith("/"):
        return None, text
    for pos, char in enumerate(text):
        if char in " \t":
            return text[:pos], text[pos:].lstrip(" \t")
    return text, ""
