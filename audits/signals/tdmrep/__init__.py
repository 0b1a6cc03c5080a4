"""W3C TDM Reservation Protocol (TDMRep, Community Group Final Report, 10 May 2024).

Public API: :func:`parse_tdmrep_json` and :meth:`TdmrepFile.evaluate` for
``/.well-known/tdmrep.json``. The per-response techniques (headers, HTML meta) and the
precedence of §4.3 live in :mod:`audits.signals.tdmrep.layers`.

A reservation is ``1`` (reserved), ``0`` (not reserved) or ``None`` (unset: no statement,
or a protocol error). Unset is never folded into "not reserved".

Leniencies, each reported as a finding: a string ``"0"``/``"1"`` reservation is read as the
number; a UTF-8 byte order mark is skipped; bytes that are not UTF-8 are replaced; JSON sent
with an HTML media type is still read. A single object without brackets leaves the file
"not implemented", but its one-rule reading is kept (``evaluate(..., lenient=True)``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from audits.core.findings import Finding, Severity, make_finding
from audits.core.pathmatch import PathPattern, compile_pattern, normalise, path_of

__all__ = [
    "CODES",
    "Reservation",
    "TdmrepDecision",
    "TdmrepFile",
    "TdmrepRule",
    "is_absolute_url",
    "parse_tdmrep_json",
]

Reservation = Literal[0, 1]
ReservationForm = Literal["number", "string", "invalid", "missing"]
NotImplementedReason = Literal[
    "no-file",
    "error-status",
    "html",
    "invalid-json",
    "not-an-array",
    "empty",
    "too-large",
    "too-deep",
]
_FlagFn = Callable[[str, str], None]

MAX_FILE_BYTES = 1 << 20
MAX_JSON_DEPTH = 32
MAX_RULES = 10_000
MAX_SHADOW_CHECK_RULES = 256
RAW_MAX_CHARS = 300

_KNOWN_KEYS = frozenset({"location", "tdm-reservation", "tdm-policy"})
_JSON_WS = " \t\n\r"

CODES: dict[str, Severity] = {
    "tdmrep-error-status": "warning",
    "tdmrep-html-soft-404": "info",
    "tdmrep-wrong-content-type": "info",
    "tdmrep-not-utf8": "warning",
    "tdmrep-bom": "info",
    "tdmrep-too-large": "error",
    "tdmrep-too-deep": "error",
    "tdmrep-invalid-json": "error",
    "tdmrep-not-an-array": "error",
    "tdmrep-empty": "info",
    "tdmrep-too-many-rules": "warning",
    "tdmrep-rule-not-object": "error",
    "tdmrep-duplicate-key": "warning",
    "tdmrep-missing-location": "error",
    "tdmrep-invalid-location": "error",
    "tdmrep-missing-reservation": "error",
    "tdmrep-invalid-reservation": "error",
    "tdmrep-string-reservation": "warning",
    "tdmrep-invalid-policy": "warning",
    "tdmrep-policy-not-processed": "info",
    "tdmrep-unknown-key": "info",
    "tdmrep-first-longest-differ": "warning",
}


@dataclass(frozen=True)
class TdmrepRule:
    """One object of the tdmrep.json array, as written and as understood."""

    index: int
    """0-based position in the array."""
    line: int
    """1-based line where the object starts."""
    location: str | None
    pattern: PathPattern | None
    """Compiled ``location``; ``None`` when missing or invalid, so the rule never matches."""
    reservation: Reservation | None
    """``None`` when missing or a protocol error (§4.1: treated as unset)."""
    reservation_form: ReservationForm
    reservation_raw: str | None
    """The value as JSON text, bounded; ``None`` when the key is missing."""
    policy: str | None
    unknown_keys: tuple[tuple[str, str], ...] = ()
    """Keys outside the spec with their values as JSON text, bounded."""


@dataclass(frozen=True)
class TdmrepDecision:
    """The file's answer for one path, with the rule that decided it."""

    path: str
    reservation: Reservation | None
    policy: str | None = None
    rule_index: int | None = None
    location: str | None = None
    basis: Literal["rule", "no-match", "not-implemented"] = "no-match"
    longest_match_index: int | None = None
    longest_match_reservation: Reservation | None = None
    longest_match_differs: bool = False
    """Whether a longest-match reading (robots.txt style) would answer otherwise."""
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True)
class TdmrepFile:
    """A fetched ``/.well-known/tdmrep.json``: whether TDMRep is implemented, and its rules."""

    state: Literal["implemented", "not-implemented"]
    reason: NotImplementedReason | None
    status: int | None
    rules: tuple[TdmrepRule, ...]
    """For ``not-an-array`` holding one object, the lenient one-rule reading of it."""
    findings: tuple[Finding, ...]
    truncated: bool = False

    @property
    def implemented(self) -> bool:
        return self.state == "implemented"

    def evaluate(self, url_or_path: str, *, lenient: bool = False) -> TdmrepDecision:
        """The reservation for a URL or path: first matching rule in array order (§4.2)."""
        path = normalise(path_of(url_or_path))
        if not self.implemented and not lenient:
            return TdmrepDecision(path=path, reservation=None, basis="not-implemented")
        first, longest = _first_and_longest(self.rules, path)
        if first is None or longest is None:
            return TdmrepDecision(path=path, reservation=None, basis="no-match")
        differs = _answer(first) != _answer(longest)
        return TdmrepDecision(
            path=path,
            reservation=first.reservation,
            policy=first.policy,
            rule_index=first.index,
            location=first.location,
            basis="rule",
            longest_match_index=longest.index,
            longest_match_reservation=longest.reservation,
            longest_match_differs=differs,
            findings=(_differ_finding(first, longest, path),) if differs else (),
        )


# --- tdmrep.json -----------------------------------------------------------------------


class _JsonObject(dict[str, object]):
    """A JSON object remembering keys written twice (``json`` silently keeps the last)."""

    duplicate_keys: tuple[str, ...] = ()


def _object_pairs(pairs: list[tuple[str, object]]) -> _JsonObject:
    obj = _JsonObject(pairs)
    if len(obj) < len(pairs):
        seen: set[str] = set()
        duplicates: dict[str, None] = {}
        for key, _ in pairs:
            if key in seen:
                duplicates[key] = None
            seen.add(key)
        obj.duplicate_keys = tuple(duplicates)
    return obj


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not valid JSON")


def _finding(
    code: str, message: str, *, line: int | None = None, evidence: str | None = None
) -> Finding:
    return make_finding(CODES, code, message, line=line, evidence=evidence)


_DECODER = json.JSONDecoder(object_pairs_hook=_object_pairs, parse_constant=_reject_constant)


def parse_tdmrep_json(
    body: bytes | str, *, status: int | None = 200, content_type: str | None = None
) -> TdmrepFile:
    """Parse a fetched tdmrep.json; ``status=None`` means the status is unknown (read body)."""
    if status is not None and not 200 <= status < 300:
        return _status_file(status)
    if len(body) > MAX_FILE_BYTES:
        msg = f"tdmrep.json is larger than {MAX_FILE_BYTES} bytes; not parsed"
        finding = _finding("tdmrep-too-large", msg, evidence=f"{len(body)} bytes")
        return _not_implemented(status, "too-large", [finding], truncated=True)
    text, findings = _decode(body)
    if _looks_like_html(text, content_type):
        msg = "tdmrep.json answered with an HTML page (soft 404): TDMRep not implemented"
        findings.append(_finding("tdmrep-html-soft-404", msg, evidence=text[:80]))
        return _not_implemented(status, "html", findings)
    if not text.strip(_JSON_WS):
        findings.append(_finding("tdmrep-empty", "tdmrep.json is empty"))
        return _not_implemented(status, "empty", findings)
    findings.extend(_content_type_findings(content_type))
    return _parse_json_text(text, status, findings)


def _status_file(status: int) -> TdmrepFile:
    # §4.2: anything but a success (after redirects) means TDMRep is not implemented.
    if 400 <= status < 500:
        return _not_implemented(status, "no-file", [])
    msg = f"tdmrep.json answered with status {status}: TDMRep not implemented"
    finding = _finding("tdmrep-error-status", msg, evidence=str(status))
    return _not_implemented(status, "error-status", [finding])


def _not_implemented(
    status: int | None,
    reason: NotImplementedReason,
    findings: list[Finding],
    *,
    rules: tuple[TdmrepRule, ...] = (),
    truncated: bool = False,
) -> TdmrepFile:
    return TdmrepFile("not-implemented", reason, status, rules, tuple(findings), truncated)


def _decode(body: bytes | str) -> tuple[str, list[Finding]]:
    findings: list[Finding] = []
    if isinstance(body, bytes):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            msg = f"tdmrep.json is not valid UTF-8 (RFC 8259 §8.1) at byte {exc.start}"
            findings.append(_finding("tdmrep-not-utf8", msg))
            text = body.decode("utf-8", "replace")
    else:
        text = body
    if text.startswith("\ufeff"):
        msg = "tdmrep.json starts with a byte order mark; strict JSON parsers may reject it"
        findings.append(_finding("tdmrep-bom", msg, line=1))
        text = text[1:]
    return text, findings


def _mime(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _looks_like_html(text: str, content_type: str | None) -> bool:
    head = text[:1024].lstrip(_JSON_WS + "\ufeff").lower()
    if head.startswith(("[", "{")):
        return False
    if _mime(content_type) in ("text/html", "application/xhtml+xml"):
        return True
    return head.startswith("<") and any(t in head for t in ("<html", "<!doctype", "<head"))


def _content_type_findings(content_type: str | None) -> list[Finding]:
    mime = _mime(content_type)
    if content_type is None or mime == "application/json" or mime.endswith("+json"):
        return []
    msg = f"tdmrep.json is served as {mime or 'no media type'}, not application/json"
    return [_finding("tdmrep-wrong-content-type", msg, evidence=content_type)]


def _parse_json_text(text: str, status: int | None, findings: list[Finding]) -> TdmrepFile:
    try:
        value = _DECODER.decode(text)
    except RecursionError:
        return _too_deep(status, findings)
    except ValueError as exc:
        line = exc.lineno if isinstance(exc, json.JSONDecodeError) else None
        msg = f"tdmrep.json is not valid JSON: {exc}"
        findings.append(_finding("tdmrep-invalid-json", msg, line=line))
        return _not_implemented(status, "invalid-json", findings)
    if _deeper_than(value, MAX_JSON_DEPTH):
        return _too_deep(status, findings)
    if isinstance(value, dict):
        return _single_object_file(text, value, status, findings)
    if not isinstance(value, list):
        msg = f"tdmrep.json must be a JSON array of rules, not a {type(value).__name__}"
        evidence = text.strip(_JSON_WS)[:80]
        findings.append(_finding("tdmrep-not-an-array", msg, evidence=evidence))
        return _not_implemented(status, "not-an-array", findings)
    if not value:
        findings.append(_finding("tdmrep-empty", "tdmrep.json is an empty array"))
        return _not_implemented(status, "empty", findings)
    rules = _parse_rules(text, value, findings)
    findings.extend(_shadow_findings(rules))
    return TdmrepFile("implemented", None, status, rules, tuple(findings))


def _too_deep(status: int | None, findings: list[Finding]) -> TdmrepFile:
    msg = f"tdmrep.json nests deeper than {MAX_JSON_DEPTH} levels; not parsed"
    findings.append(_finding("tdmrep-too-deep", msg))
    return _not_implemented(status, "too-deep", findings)


def _deeper_than(value: object, limit: int) -> bool:
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            if depth > limit:
                return True
            stack.extend((child, depth + 1) for child in item)
    return False


def _single_object_file(
    text: str, value: dict[str, object], status: int | None, findings: list[Finding]
) -> TdmrepFile:
    # §4.2 requires the brackets even for one rule. We keep a one-rule reading so a report
    # can show what was meant, but the file stays "not implemented" (evaluate(lenient=True)).
    line = _line_at(text, len(text) - len(text.lstrip(_JSON_WS)))
    rule_findings: list[Finding] = []
    rule = _parse_rule(0, line, value, rule_findings)
    msg = "tdmrep.json is a single object, not an array: the [ ] brackets are required"
    evidence = _json_text(value)
    findings.append(_finding("tdmrep-not-an-array", msg, line=line, evidence=evidence))
    findings.extend(rule_findings)
    rules = (rule,) if rule is not None else ()
    return _not_implemented(status, "not-an-array", findings, rules=rules)


def _parse_rules(text: str, items: list[object], findings: list[Finding]) -> tuple[TdmrepRule, ...]:
    if len(items) > MAX_RULES:
        msg = f"tdmrep.json has {len(items)} rules; only the first {MAX_RULES} are read"
        findings.append(_finding("tdmrep-too-many-rules", msg))
    rules: list[TdmrepRule] = []
    lines = _element_lines(text, min(len(items), MAX_RULES))
    for index, (item, line) in enumerate(zip(items, lines, strict=False)):
        rule = _parse_rule(index, line, item, findings)
        if rule is not None:
            rules.append(rule)
    return tuple(rules)


def _element_lines(text: str, count: int) -> list[int]:
    """1-based start line of each top-level array element (the text is known to be valid)."""
    lines: list[int] = []
    pos = text.index("[") + 1
    line, counted = 1, 0
    while len(lines) < count:
        while text[pos] in _JSON_WS:
            pos += 1
        line += text.count("\n", counted, pos)
        counted = pos
        lines.append(line)
        _, pos = _DECODER.raw_decode(text, pos)
        while text[pos] in _JSON_WS:
            pos += 1
        pos += 1  # the "," (or the closing "]" after the last element)
    return lines


def _line_at(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _json_text(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)[:RAW_MAX_CHARS]


def _parse_rule(index: int, line: int, item: object, findings: list[Finding]) -> TdmrepRule | None:
    if not isinstance(item, dict):
        msg = f"rule {index} is not a JSON object and is ignored"
        findings.append(
            _finding("tdmrep-rule-not-object", msg, line=line, evidence=_json_text(item))
        )
        return None

    def flag(code: str, message: str) -> None:
        findings.append(
            _finding(code, f"rule {index}: {message}", line=line, evidence=_json_text(item))
        )

    location, pattern = _rule_location(item, flag)
    reservation, form, raw = _rule_reservation(item, flag)
    policy = _rule_policy(item, flag)
    if reservation == 0 and policy is not None:
        flag(
            "tdmrep-policy-not-processed",
            "tdm-policy is given with reservation 0, so agents do not process it (§4.1)",
        )
    unknown = tuple((k, _json_text(v)) for k, v in item.items() if k not in _KNOWN_KEYS)
    if unknown:
        flag("tdmrep-unknown-key", "unknown keys ignored: " + ", ".join(k for k, _ in unknown))
    duplicates = getattr(item, "duplicate_keys", ())
    if duplicates:
        flag(
            "tdmrep-duplicate-key",
            "keys written twice (parsers differ on which one wins): " + ", ".join(duplicates),
        )
    return TdmrepRule(index, line, location, pattern, reservation, form, raw, policy, unknown)


def _rule_location(
    item: Mapping[str, object], flag: _FlagFn
) -> tuple[str | None, PathPattern | None]:
    if "location" not in item:
        flag("tdmrep-missing-location", "no location (mandatory, §4.2); the rule never applies")
        return None, None
    value = item["location"]
    if not isinstance(value, str):
        flag("tdmrep-invalid-location", "location is not a string; the rule never applies")
        return None, None
    if not value.strip().startswith(("/", "*")):
        flag(
            "tdmrep-invalid-location",
            "location must be a path pattern starting with / or "
            "*, not a full URL or relative path; the rule never applies",
        )
        return value, None
    return value, compile_pattern(value)


def _rule_reservation(
    item: Mapping[str, object], flag: _FlagFn
) -> tuple[Reservation | None, ReservationForm, str | None]:
    if "tdm-reservation" not in item:
        flag("tdmrep-missing-reservation", "no tdm-reservation (mandatory, §4.2); unset")
        return None, "missing", None
    value = item["tdm-reservation"]
    raw = _json_text(value)
    if isinstance(value, int | float) and not isinstance(value, bool) and value in (0, 1):
        return (1 if value == 1 else 0), "number", raw
    if value in ("0", "1"):
        flag(
            "tdmrep-string-reservation",
            f"tdm-reservation is the string {raw}, not the "
            "number; read leniently, but strict agents treat it as unset",
        )
        return (1 if value == "1" else 0), "string", raw
    flag(
        "tdmrep-invalid-reservation",
        f"tdm-reservation {raw} is not 0 or 1: a protocol error, treated as unset (§4.1)",
    )
    return None, "invalid", raw


def _rule_policy(item: Mapping[str, object], flag: _FlagFn) -> str | None:
    if "tdm-policy" not in item:
        return None
    value = item["tdm-policy"]
    if not isinstance(value, str):
        flag("tdmrep-invalid-policy", "tdm-policy is not a string URL; ignored")
        return None
    if not is_absolute_url(value):
        flag("tdmrep-invalid-policy", "tdm-policy is not an absolute http(s) URL")
    return value


def is_absolute_url(value: str) -> bool:
    """Whether a ``tdm-policy`` value is an absolute http(s) URL."""
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


# --- first match versus longest match --------------------------------------------------


def _first_and_longest(
    rules: Iterable[TdmrepRule], path: str
) -> tuple[TdmrepRule | None, TdmrepRule | None]:
    # §4.2: "the most specific match is the first in sequence", so the first match decides.
    # The longest match (RFC 9309 style, earliest on a tie) is computed only to compare.
    first: TdmrepRule | None = None
    longest: TdmrepRule | None = None
    longest_priority = -1
    for rule in rules:
        if rule.pattern is None or not rule.pattern.matches(path):
            continue
        if first is None:
            first = rule
        if rule.pattern.priority > longest_priority:
            longest, longest_priority = rule, rule.pattern.priority
    return first, longest


def _answer(rule: TdmrepRule) -> tuple[Reservation | None, str | None]:
    return rule.reservation, rule.policy


def _describe(rule: TdmrepRule) -> str:
    value = "unset" if rule.reservation is None else rule.reservation
    policy = f", tdm-policy={rule.policy}" if rule.policy is not None else ""
    return f"rule {rule.index} ({rule.location}): tdm-reservation={value}{policy}"


def _differ_finding(first: TdmrepRule, longest: TdmrepRule, path: str) -> Finding:
    msg = (
        f"for {path} the first matching {_describe(first)} decides (§4.2), but agents using "
        f"robots.txt-style longest match apply the more specific {_describe(longest)}. "
        "List specific rules before general ones."
    )
    return _finding("tdmrep-first-longest-differ", msg, line=first.line, evidence=path)


def _shadow_findings(rules: tuple[TdmrepRule, ...]) -> list[Finding]:
    """Flag each rule made unreachable for some path by an earlier, broader rule."""
    findings: list[Finding] = []
    seen: set[tuple[int, int]] = set()
    checked = rules[:MAX_SHADOW_CHECK_RULES]
    for rule in checked:
        if rule.pattern is None:
            continue
        # A path the rule certainly matches: its pattern with every "*" matching nothing.
        path = "".join(rule.pattern.pieces)
        path = path if path.startswith("/") else "/" + path
        first, longest = _first_and_longest(checked, path)
        if first is None or longest is None or _answer(first) == _answer(longest):
            continue
        if (first.index, longest.index) not in seen:
            seen.add((first.index, longest.index))
            findings.append(_differ_finding(first, longest, path))
    return findings
