"""Spawning ai.txt (signals.md §3): sniff the format, parse the rules, decide per path.

Spawning never published a specification; the file is robots.txt-like and this module reads
it the way RFC 9309 reads robots.txt (signals.md §3.3): groups by user-agent, longest match,
allow wins ties. Patterns that do not start with ``/`` (``*.jpg``) match anywhere in the path.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import Literal

from audits.core.findings import Finding, FindingLog, Severity, make_finding
from audits.core.pathmatch import PathPattern, compile_pattern, path_of

AiTxtFormat = Literal["spawning", "aitxt-ing", "html", "empty", "unknown", "no-file", "unreachable"]
MatchedGroup = Literal["explicit", "wildcard", "none"]
MediaVerdict = Literal["reserved", "partial", "allowed"]

MAX_BYTES = 500 * 1024
"""Bytes parsed, as RFC 9309 §2.5 requires of robots.txt parsers (signals.md §1.6)."""
MAX_LINES = 10_000
MAX_RULES = 2_000
MAX_LINE_CHARS = 16_384

CODES: dict[str, Severity] = {
    "aitxt-served-as-html": "error",
    "aitxt-html-content-type": "warning",
    "aitxt-not-spawning-format": "info",
    "aitxt-unknown-format": "warning",
    "aitxt-empty-file": "warning",
    "aitxt-unreachable": "warning",
    "aitxt-line-without-colon": "warning",
    "aitxt-rule-before-user-agent": "warning",
    "aitxt-unknown-key": "info",
    "aitxt-allows-everything": "info",
    "aitxt-truncated": "warning",
    "aitxt-decode-error": "info",
}

# Images are the WordPress generator's list (signals.md §3.2); the others are our own choice.
MEDIA_EXTENSIONS: dict[str, tuple[str, ...]] = {
    "image": (
        "bmp", "gif", "ico", "jpeg", "jpg", "png", "svg", "tif", "tiff", "webp",
        "eps", "ai", "indd", "heif", "raw", "psd", "cr2", "nef", "orf", "sr2",
    ),
    "audio": ("mp3", "wav", "flac", "ogg", "m4a", "aac", "opus", "aiff"),
    "video": ("mp4", "mov", "avi", "webm", "mkv", "m4v", "mpeg", "wmv"),
    "text": ("txt", "html", "htm", "md", "pdf", "doc", "docx", "rtf", "odt"),
    "code": ("py", "js", "ts", "java", "c", "cpp", "rb", "go", "rs", "php"),
}  # fmt: skip

_RULE_KEYS = frozenset({"user-agent", "allow", "disallow"})
_LINE_SPLIT_RE = re.compile(r"\r\n|\r|\n")
_SPAWNING_KEY_RE = re.compile(
    r"^[ \t]*(?:user-agent|allow|disallow)[ \t]*(?::|[ \t]\S+[ \t]*$)", re.I | re.M
)
_ROBOTS_LIKE_RE = re.compile(r"\s*(?:#|[A-Za-z][A-Za-z-]*[ \t]*:)")
_GENERATOR_RE = re.compile(r"^\s*#\s*spawning\s+ai\b", re.I)
_MARKDOWN_HEADING_RE = re.compile(r"^#{1,6}[ \t]+\S", re.M)


@dataclass(frozen=True)
class AiTxtRule:
    """One Allow or Disallow line; ``pattern`` is the path as matched (``*`` added if needed)."""

    line: int
    text: str
    allow: bool
    pattern: PathPattern


@dataclass(frozen=True)
class AiTxtGroup:
    """User-agent lines sharing the rules that follow them (RFC 9309 §2.2.1)."""

    line: int
    agents: tuple[str, ...]
    rules: tuple[AiTxtRule, ...]


@dataclass(frozen=True)
class AiTxtDecision:
    """Whether an agent may use a path, and which line decided it (``None``: no rule matched)."""

    allowed: bool
    group: MatchedGroup
    line: int | None
    rule: str | None
    format: AiTxtFormat


@dataclass(frozen=True)
class AiTxt:
    """A parsed ai.txt fetch: its format, groups, generator, bounds and findings."""

    format: AiTxtFormat
    status: int | None
    content_type: str | None
    groups: tuple[AiTxtGroup, ...]
    generator: str | None
    line_count: int
    truncated: bool
    findings: tuple[Finding, ...]

    @property
    def published(self) -> bool:
        """Whether a file is there at all (an HTML page or an error status is not a file)."""
        return self.format in ("spawning", "aitxt-ing", "empty", "unknown")

    @property
    def has_rules(self) -> bool:
        """Whether any group carries an Allow or Disallow rule."""
        return any(group.rules for group in self.groups)

    def evaluate(self, agent: str, url_or_path: str) -> AiTxtDecision:
        """Decide for one agent and URL: longest match wins, allow wins ties (RFC 9309 §2.2.2)."""
        path = path_of(url_or_path)
        rules, group = self._rules_for(agent)
        best: AiTxtRule | None = None
        for rule in rules:
            if not rule.pattern.matches(path):
                continue
            if best is None or _outranks(rule, best):
                best = rule
        if best is None:
            return AiTxtDecision(True, group, None, None, self.format)
        return AiTxtDecision(best.allow, group, best.line, best.text, self.format)

    def media_summary(self, agent: str = "*") -> dict[str, MediaVerdict]:
        """Per media class: every sample path disallowed, some of them, or none."""
        return {media: self._media_verdict(agent, exts) for media, exts in MEDIA_EXTENSIONS.items()}

    def site_reserved(self, agent: str = "*") -> bool:
        """Whether ``/`` and every media class are disallowed for the agent."""
        if self.evaluate(agent, "/").allowed:
            return False
        return all(verdict == "reserved" for verdict in self.media_summary(agent).values())

    def _media_verdict(self, agent: str, extensions: tuple[str, ...]) -> MediaVerdict:
        allowed = [
            self.evaluate(agent, path).allowed
            for ext in extensions
            for path in (f"/file.{ext}", f"/sub/dir/file.{ext}")
        ]
        if not any(allowed):
            return "reserved"
        return "allowed" if all(allowed) else "partial"

    def _rules_for(self, agent: str) -> tuple[list[AiTxtRule], MatchedGroup]:
        wanted = _token(agent)
        if wanted != "*":
            named = [g for g in self.groups if any(_token(a) == wanted for a in g.agents)]
            if named:
                return [rule for g in named for rule in g.rules], "explicit"
        # A named group replaces "*" entirely; "*" applies only when none names the agent.
        wildcard = [g for g in self.groups if any(_token(a) == "*" for a in g.agents)]
        if wildcard:
            return [rule for g in wildcard for rule in g.rules], "wildcard"
        return [], "none"


def parse_aitxt(
    body: bytes | str, *, status: int | None = 200, content_type: str | None = None
) -> AiTxt:
    """Parse an /ai.txt fetch; a 4xx means no file, a 5xx means unreachable."""
    if status is not None and not 200 <= status < 300:
        return _without_file(status, content_type)
    raw, over_size = _bounded_bytes(body)
    text, decode_error = _decode(raw, partial=over_size)
    findings = FindingLog(CODES)
    if over_size:
        findings.add("aitxt-truncated", f"File is over {MAX_BYTES} bytes; the rest was not read.")
    if decode_error:
        findings.add("aitxt-decode-error", "File is not valid UTF-8; bad bytes were replaced.")
    fmt = _sniff(text, content_type)
    if fmt != "spawning":
        _add_format_finding(findings, fmt)
        return AiTxt(fmt, status, content_type, (), None, 0, over_size, findings.frozen())
    if _is_html_type(content_type):
        findings.add(
            "aitxt-html-content-type",
            "Rules are readable but served as text/html; strict readers may skip them.",
            evidence=content_type,
        )
    parser = _SpawningParser(findings)
    parser.feed(text)
    groups = parser.groups()
    if not any(not rule.allow for group in groups for rule in group.rules):
        findings.add("aitxt-allows-everything", "ai.txt is present but disallows nothing.")
    return AiTxt(
        format="spawning",
        status=status,
        content_type=content_type,
        groups=groups,
        generator=parser.generator,
        line_count=parser.line_count,
        truncated=over_size or parser.truncated,
        findings=findings.frozen(),
    )


class _GroupBuilder:
    def __init__(self, line: int) -> None:
        self.line = line
        self.agents: list[str] = []
        self.rules: list[AiTxtRule] = []
        self.saw_rule = False


class _SpawningParser:
    """Line-by-line reader; lenient about form, strict about reporting (STYLE: Protego)."""

    def __init__(self, findings: FindingLog) -> None:
        self.findings = findings
        self.generator: str | None = None
        self.line_count = 0
        self.truncated = False
        self.rule_count = 0
        self.builders: list[_GroupBuilder] = []

    def feed(self, text: str) -> None:
        lines = _LINE_SPLIT_RE.split(text)
        if len(lines) > MAX_LINES:
            self.truncated = True
            self.findings.add(
                "aitxt-truncated", f"More than {MAX_LINES} lines; the rest was not read."
            )
            lines = lines[:MAX_LINES]
        self.line_count = len(lines)
        for number, line in enumerate(lines, start=1):
            self._line(number, line[:MAX_LINE_CHARS])

    def groups(self) -> tuple[AiTxtGroup, ...]:
        return tuple(AiTxtGroup(b.line, tuple(b.agents), tuple(b.rules)) for b in self.builders)

    def _line(self, number: int, line: str) -> None:
        if self.generator is None and _GENERATOR_RE.match(line):
            self.generator = "Spawning AI"
        content = line.split("#", 1)[0].strip()
        if not content:
            return
        key, value = self._key_value(number, content)
        if key == "user-agent":
            self._user_agent(number, value)
        elif key in ("allow", "disallow"):
            self._rule(number, content, key == "allow", value)
        elif key is not None:
            self.findings.add(
                "aitxt-unknown-key",
                f"Unknown key {key!r} is ignored.",
                line=number,
                evidence=content,
            )

    def _key_value(self, number: int, content: str) -> tuple[str | None, str]:
        key, colon, value = content.partition(":")
        if colon:
            return key.strip().lower(), value.strip()
        # Google's robots.txt parser accepts whitespace for a missing colon when the line has
        # exactly two parts (signals.md §1.7); the WordPress plugin writes bare "/" lines (§3.2).
        parts = content.split()
        if len(parts) == 2 and parts[0].lower() in _RULE_KEYS:
            message = f"Line has no colon; read as '{parts[0]}: {parts[1]}'."
            self.findings.add("aitxt-line-without-colon", message, line=number, evidence=content)
            return parts[0].lower(), parts[1]
        message = "Line has no colon and is ignored."
        if content == "/":
            message += " Spawning's WordPress plugin writes such stray '/' lines; they do nothing."
        self.findings.add("aitxt-line-without-colon", message, line=number, evidence=content)
        return None, ""

    def _user_agent(self, number: int, value: str) -> None:
        if not self.builders or self.builders[-1].saw_rule:
            self.builders.append(_GroupBuilder(number))
        self.builders[-1].agents.append(value)

    def _rule(self, number: int, content: str, allow: bool, value: str) -> None:
        if not self.builders:
            self.findings.add(
                "aitxt-rule-before-user-agent",
                "Rule before any User-Agent line is ignored (RFC 9309 §2.2.1).",
                line=number,
                evidence=content,
            )
            return
        group = self.builders[-1]
        group.saw_rule = True
        if not value:
            return  # An empty path matches nothing (RFC 9309 §2.2.2).
        if self.rule_count >= MAX_RULES:
            if not self.truncated:
                self.findings.add(
                    "aitxt-truncated", f"More than {MAX_RULES} rules; the rest were not read."
                )
            self.truncated = True
            return
        self.rule_count += 1
        # Spawning's "*.jpg" is not an RFC 9309 path; it is read as matching anywhere (§3.3).
        effective = value if value.startswith(("/", "*")) else "*" + value
        group.rules.append(AiTxtRule(number, content, allow, compile_pattern(effective)))


def _outranks(rule: AiTxtRule, best: AiTxtRule) -> bool:
    if rule.pattern.priority != best.pattern.priority:
        return rule.pattern.priority > best.pattern.priority
    return rule.allow and not best.allow


def _token(agent: str) -> str:
    """Product token of a user-agent value: first word, before any '/', lower-cased."""
    words = agent.strip().split()
    return words[0].split("/", 1)[0].lower() if words else ""


def _without_file(status: int, content_type: str | None) -> AiTxt:
    if status >= 500:
        finding = make_finding(
            CODES,
            "aitxt-unreachable",
            f"/ai.txt answered {status}; nobody can read its rules while the server errors.",
            evidence=str(status),
        )
        return AiTxt("unreachable", status, content_type, (), None, 0, False, (finding,))
    return AiTxt("no-file", status, content_type, (), None, 0, False, ())


def _bounded_bytes(body: bytes | str) -> tuple[bytes, bool]:
    if isinstance(body, str):
        body = body[: MAX_BYTES + 1].encode("utf-8", "replace")
    if body.startswith(codecs.BOM_UTF8):
        body = body[len(codecs.BOM_UTF8) :]
    return body[:MAX_BYTES], len(body) > MAX_BYTES


def _decode(raw: bytes, *, partial: bool) -> tuple[str, bool]:
    # A cut file may end inside a multi-byte character; that is not a decoding error.
    try:
        return codecs.getincrementaldecoder("utf-8")().decode(raw, final=not partial), False
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace"), True


def _is_html_type(content_type: str | None) -> bool:
    return content_type is not None and "html" in content_type.lower()


def _sniff(text: str, content_type: str | None) -> AiTxtFormat:
    """Tell Spawning rules from aitxt.ing Markdown, HTML pages and others (signals.md §10.2)."""
    stripped = text.strip()
    # Markup is an error page or a site shell (an S3 XML error counts too): not published (§0.1).
    if stripped.startswith("<") or "<html" in text[:1024].lower():
        return "html"
    if stripped.startswith("---"):
        return "aitxt-ing"
    if _SPAWNING_KEY_RE.search(text) or _GENERATOR_RE.match(stripped):
        return "spawning"
    if _is_html_type(content_type):
        return "html"
    if not stripped:
        return "empty"
    if all(_ROBOTS_LIKE_RE.match(line) for line in stripped.splitlines() if line.strip()):
        return "spawning"  # comments and "Key: value" lines only: robots-like, but no rules
    if _MARKDOWN_HEADING_RE.search(text):
        return "aitxt-ing"
    return "unknown"


def _add_format_finding(findings: FindingLog, fmt: AiTxtFormat) -> None:
    if fmt == "html":
        findings.add(
            "aitxt-served-as-html",
            "/ai.txt returns an HTML page, not rules; it reserves nothing (soft 404).",
        )
    elif fmt == "aitxt-ing":
        findings.add(
            "aitxt-not-spawning-format",
            "ai.txt is aitxt.ing-style Markdown: it describes the site and blocks nothing.",
        )
    elif fmt == "empty":
        findings.add("aitxt-empty-file", "ai.txt is empty; it reserves nothing.")
    else:
        findings.add(
            "aitxt-unknown-format",
            "ai.txt has no User-Agent, Allow or Disallow lines; it reserves nothing.",
        )
