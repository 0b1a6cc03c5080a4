"""Cloudflare Content Signals: the value of a robots.txt ``Content-Signal`` line.

The policy (contentsignals.org, CC0, Sep 2025; ``use`` added Jul 2026) defines
comma-separated ``key=value`` pairs: ``search``, ``ai-input`` and ``ai-train`` take ``yes``
or ``no``; ``use`` takes ``immediate``, ``reference`` or ``full``. A missing signal neither
grants nor restricts. The policy says nothing about duplicates, case or stray text, so this
parser is lenient (keys and values are lower-cased) and reports every deviation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from audits.core.findings import Finding, Severity, make_finding

YesNo = Literal["yes", "no"]
UseLevel = Literal["immediate", "reference", "full"]

KNOWN_VALUES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "search": ("no", "yes"),
        "ai-input": ("no", "yes"),
        "ai-train": ("no", "yes"),
        # Least to most permissive (Cloudflare blog, 1 Jul 2026).
        "use": ("immediate", "reference", "full"),
    }
)
"""Each known key's values, most restrictive first."""

MAX_SIGNAL_CHARS = 2048
MAX_PARTS = 32

CODES: dict[str, Severity] = {
    "content-signal-invalid-value": "error",
    "content-signal-oversized": "error",
    "content-signal-unknown-key": "warning",
    "content-signal-duplicate-key": "warning",
    "content-signal-empty": "warning",
    "content-signal-malformed-part": "warning",
}

# Misspellings seen or likely, compared after dropping everything but letters.
_SUGGESTIONS = {
    "aitrain": "ai-train",
    "aitraining": "ai-train",
    "train": "ai-train",
    "training": "ai-train",
    "aiinput": "ai-input",
    "input": "ai-input",
    "search": "search",
    "use": "use",
}

_EMPTY_VALUES: Mapping[str, tuple[str, ...]] = MappingProxyType({})
_EMPTY_READING: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True)
class ContentSignal:
    """The signals of one ``Content-Signal`` value; ``None`` means not stated."""

    raw: str
    search: YesNo | None = None
    ai_input: YesNo | None = None
    ai_train: YesNo | None = None
    use: UseLevel | None = None
    values: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: _EMPTY_VALUES)
    """Every value given to each known key, lower-cased, in order (duplicates included)."""
    most_restrictive: Mapping[str, str] = field(default_factory=lambda: _EMPTY_READING)
    """Per known key, the most restrictive recognised value: a secondary reading."""
    conflicting_keys: tuple[str, ...] = ()
    """Known keys given more than one distinct value."""
    unknown: tuple[tuple[str, str], ...] = ()
    """Raw ``(key, value)`` pairs with an unknown key or an unrecognised value."""
    malformed: tuple[str, ...] = ()
    """Parts without ``=``."""
    findings: tuple[Finding, ...] = ()


def _suggestion(key: str) -> str:
    known = _SUGGESTIONS.get(re.sub(r"[^a-z]", "", key))
    return f" Did you mean `{known}`?" if known else ""


def _split_parts(value: str) -> list[tuple[str, str | None]]:
    """Split on commas, then each part on its first ``=``; empty parts are skipped."""
    parts: list[tuple[str, str | None]] = []
    for part in value.split(",", MAX_PARTS):
        text = part.strip()
        if not text:
            continue
        key, sep, rest = text.partition("=")
        parts.append((text, None) if not sep else (key.strip(), rest.strip()))
    return parts


def _part_findings(raw_key: str, raw_value: str) -> list[Finding]:
    key, value = raw_key.lower(), raw_value.lower()
    evidence = f"{raw_key}={raw_value}"
    if key not in KNOWN_VALUES:
        return [
            make_finding(
                CODES,
                "content-signal-unknown-key",
                f"`{raw_key}` is not a Content Signal; readers ignore it. Known signals are "
                f"search, ai-input, ai-train and use.{_suggestion(key)}",
                evidence=evidence,
            )
        ]
    if value not in KNOWN_VALUES[key]:
        allowed = ", ".join(KNOWN_VALUES[key])
        return [
            make_finding(
                CODES,
                "content-signal-invalid-value",
                f"`{evidence}` is not a recognised value, so `{key}` states nothing; "
                f"write one of: {allowed}.",
                evidence=evidence,
            )
        ]
    return []


def _duplicate_finding(key: str, seen: tuple[str, ...], strictest: str | None) -> Finding:
    distinct = tuple(dict.fromkeys(seen))
    if len(distinct) > 1:
        detail = (
            f"with conflicting values {', '.join(distinct)}; the last one ({seen[-1]}) is "
            f"taken, the most restrictive reading is {strictest or 'none'}"
        )
    else:
        detail = f"with the same value {seen[0]}"
    return make_finding(
        CODES,
        "content-signal-duplicate-key",
        f"`{key}` is given {len(seen)} times {detail}. State each signal once.",
        evidence=f"{key}: {', '.join(seen)}",
    )


def _strictest(key: str, seen: tuple[str, ...]) -> str | None:
    for candidate in KNOWN_VALUES[key]:
        if candidate in seen:
            return candidate
    return None


def _last(key: str, seen: dict[str, list[str]]) -> str | None:
    """The last value wins, as in an RFC 9651 Dictionary."""
    values = seen.get(key)
    return values[-1] if values else None


def _yes_no(value: str | None) -> YesNo | None:
    if value == "yes":
        return "yes"
    if value == "no":
        return "no"
    return None


def _use_level(value: str | None) -> UseLevel | None:
    if value == "immediate":
        return "immediate"
    if value == "reference":
        return "reference"
    if value == "full":
        return "full"
    return None


def _single_finding(raw: str, code: str, message: str) -> ContentSignal:
    return ContentSignal(raw=raw, findings=(make_finding(CODES, code, message, evidence=raw),))


def parse_content_signal(value: str) -> ContentSignal:
    """Parse a ``Content-Signal`` value such as ``search=yes, ai-train=no``."""
    if len(value) > MAX_SIGNAL_CHARS or value.count(",") >= MAX_PARTS:
        return _single_finding(
            value[:MAX_SIGNAL_CHARS],
            "content-signal-oversized",
            f"Value longer than {MAX_SIGNAL_CHARS} characters or {MAX_PARTS} parts; not read.",
        )
    raw = value.strip()
    if not raw:
        return _single_finding(
            raw, "content-signal-empty", "Content-Signal line without any signal: states nothing."
        )
    seen: dict[str, list[str]] = {}
    unknown: list[tuple[str, str]] = []
    malformed: list[str] = []
    findings: list[Finding] = []
    for raw_key, raw_value in _split_parts(raw):
        if raw_value is None:
            malformed.append(raw_key)
            findings.append(
                make_finding(
                    CODES,
                    "content-signal-malformed-part",
                    f"`{raw_key}` has no `=`, so it is ignored; write key=value.",
                    evidence=raw_key,
                )
            )
            continue
        part_findings = _part_findings(raw_key, raw_value)
        if part_findings:
            unknown.append((raw_key, raw_value))
            findings.extend(part_findings)
        if raw_key.lower() in KNOWN_VALUES:
            seen.setdefault(raw_key.lower(), []).append(raw_value.lower())
    return _build(raw, seen, unknown, malformed, findings)


def _build(
    raw: str,
    seen: dict[str, list[str]],
    unknown: list[tuple[str, str]],
    malformed: list[str],
    findings: list[Finding],
) -> ContentSignal:
    values = {key: tuple(vals) for key, vals in seen.items()}
    strictest = {key: _strictest(key, vals) for key, vals in values.items()}
    for key, vals in values.items():
        if len(vals) > 1:
            findings.append(_duplicate_finding(key, vals, strictest[key]))
    return ContentSignal(
        raw=raw,
        search=_yes_no(_last("search", seen)),
        ai_input=_yes_no(_last("ai-input", seen)),
        ai_train=_yes_no(_last("ai-train", seen)),
        use=_use_level(_last("use", seen)),
        values=MappingProxyType(values),
        most_restrictive=MappingProxyType({k: v for k, v in strictest.items() if v}),
        conflicting_keys=tuple(k for k, v in values.items() if len(set(v)) > 1),
        unknown=tuple(unknown),
        malformed=tuple(malformed),
        findings=tuple(findings),
    )
