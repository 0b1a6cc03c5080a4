"""Access-log line formats: one line in, a :class:`LogLine` or a :class:`Malformed` out.

Built in (see :data:`FORMATS`):

- ``combined`` and ``common``: the NCSA formats Apache and nginx write by default
  (``%h %l %u %t "%r" %>s %b`` and, for combined, ``"%{Referer}i" "%{User-Agent}i"``).
  Combined also reads lines with more fields after the User-Agent (nginx formats that append
  ``$request_time`` and the like); those fields are ignored. Apache's ``\\"`` and nginx's
  ``\\x22`` escapes are undone in the request line and the User-Agent.
- ``vhost_combined`` and ``vhost_common``: the same with the virtual host (and an optional
  ``:port``) in front, as Apache's ``vhost_combined`` writes it.
- ``nginx-json``: a ``log_format ... escape=json`` object using nginx's own variable names as
  keys: ``time_iso8601``, ``time_local`` or ``msec``; ``remote_addr``; ``request`` or
  ``request_method`` with ``request_uri``; ``status``; ``body_bytes_sent`` (or
  ``bytes_sent``); ``http_user_agent``; ``host`` (or ``http_host``, ``server_name``).
- ``caddy``: Caddy's structured access log: ``ts``, ``request.client_ip`` (else
  ``request.remote_ip``, else the older ``request.remote_addr``), ``request.method``,
  ``request.uri``, ``request.host``, ``request.headers.User-Agent`` (a list), ``status`` and
  ``size``.
- ``cloudflare``: Cloudflare Logpush HTTP request records: ``ClientIP``, ``ClientRequestHost``,
  ``ClientRequestMethod``, ``ClientRequestURI``, ``ClientRequestUserAgent``,
  ``EdgeResponseStatus``, ``EdgeResponseBytes`` and ``EdgeStartTimestamp`` (RFC 3339, or Unix
  time in seconds, milliseconds or nanoseconds).

Anything else through :func:`parse_format_spec`: ``json:time=ts,client=ip,target=uri`` names
the JSON key (a dotted path reaches into nested objects) of each field, ``regex:PATTERN``
reads text lines with a pattern whose named groups are the fields.

A line never raises: what does not fit is a :class:`Malformed` with the reason. Lines over
:data:`MAX_LINE_CHARS` are malformed unread, and a malformed line keeps only its first
:data:`MALFORMED_RAW_CHARS` characters. Times are timezone-aware: the offset the log gives,
UTC when it gives none.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Final

from audits.logs import LogLine

MAX_LINE_CHARS: Final = 16 * 1024
"""A longer line is malformed without being read (16 KiB of text)."""
MALFORMED_RAW_CHARS: Final = 1024
"""How much of a malformed line is kept as its sample."""
DETECT_SAMPLE_LINES: Final = 50
"""How many non-empty lines :func:`detect_format` reads."""


@dataclass(frozen=True)
class Malformed:
    """A line that does not fit the format: counted and sampled, never fatal."""

    number: int
    """1-based line number in its file."""
    reason: str
    raw: str
    """The start of the line (at most :data:`MALFORMED_RAW_CHARS` characters)."""


Parsed = LogLine | Malformed
LineParser = Callable[[str, int], Parsed]


@dataclass(frozen=True)
class LogFormat:
    """A named way of reading lines: ``parse(line, number)``."""

    name: str
    parse: LineParser


LineBuilder = Callable[
    [datetime, str, str, str, int | None, int | None, str, str | None, int, str], LogLine
]
_LINE_FIELDS: Final = (
    "time",
    "client",
    "method",
    "target",
    "status",
    "size",
    "user_agent",
    "host",
    "number",
    "raw",
)


def _line_factory() -> LineBuilder:
    """A LogLine builder taking the fields in :data:`_LINE_FIELDS` order, positionally.

    A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``, which
    is a third of the cost of parsing a combined line. While LogLine is a plain frozen
    dataclass with exactly these fields (no slots, no ``__post_init__``), the builder fills the
    instance's ``__dict__`` at once: the same object, equal and hashing alike. Any other
    shape (a field added at the end, say) falls back to the constructor.
    """
    names = tuple(f.name for f in dataclasses.fields(LogLine))
    plain = (
        names == _LINE_FIELDS
        and "__slots__" not in vars(LogLine)
        and not hasattr(LogLine, "__post_init__")
    )
    if not plain:
        return LogLine
    new = object.__new__
    set_dict = object.__setattr__

    def build(
        time: datetime,
        client: str,
        method: str,
        target: str,
        status: int | None,
        size: int | None,
        user_agent: str,
        host: str | None,
        number: int,
        raw: str,
    ) -> LogLine:
        line = new(LogLine)
        set_dict(
            line,
            "__dict__",
            {
                "time": time,
                "client": client,
                "method": method,
                "target": target,
                "status": status,
                "size": size,
                "user_agent": user_agent,
                "host": host,
                "number": number,
                "raw": raw,
            },
        )
        return line

    return build


_LINE_FACTORY: Final = _line_factory()


FIELDS: Final = (
    "time",
    "client",
    "method",
    "target",
    "request",
    "status",
    "size",
    "user_agent",
    "host",
)
"""The fields a custom format can name. ``request`` is a whole request line
(``GET /path HTTP/1.1``), read for the method and target when those are not named."""


def _malformed(number: int, reason: str, line: str) -> Malformed:
    return Malformed(number, reason, line[:MALFORMED_RAW_CHARS])


def _clean(line: str, number: int) -> str | Malformed:
    """The line without its line break; malformed when empty or too long."""
    if len(line) > MAX_LINE_CHARS:
        return _malformed(number, f"line longer than {MAX_LINE_CHARS} characters", line)
    line = line.rstrip("\r\n")
    if not line.strip():
        return _malformed(number, "empty line", line)
    return line


# --- Times -------------------------------------------------------------------------------

_MONTHS: Final = {
    name: index
    for index, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_CLF_TIME: Final = re.compile(
    r"(\d{2})/([A-Za-z]{3})/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})", re.ASCII
)
_NUMBER: Final = re.compile(r"-?\d+(?:\.\d+)?", re.ASCII)
_TIME_CACHE_SIZE: Final = 4096
_zones: dict[str, timezone] = {"+0000": UTC, "-0000": UTC}
_clf_times: dict[str, datetime] = {}


def _zone(sign: str, hours: str, minutes: str) -> timezone:
    key = sign + hours + minutes
    zone = _zones.get(key)
    if zone is None:
        offset = timedelta(hours=int(hours), minutes=int(minutes))
        zone = timezone(-offset if sign == "-" else offset)
        _zones[key] = zone
    return zone


def clf_time(text: str) -> datetime:
    """``10/Oct/2000:13:55:36 -0700`` as an aware datetime; ValueError if it is not one."""
    cached = _clf_times.get(text)
    if cached is not None:
        return cached
    match = _CLF_TIME.fullmatch(text)
    if match is None:
        raise ValueError(f"not a [day/Mon/year:hh:mm:ss +zone] time: {text[:40]!r}")
    day, month, year, hour, minute, second, sign, zh, zm = match.groups()
    number = _MONTHS.get(month.lower())
    if number is None:
        raise ValueError(f"unknown month {month!r}")
    value = datetime(
        int(year),
        number,
        int(day),
        int(hour),
        int(minute),
        int(second),
        tzinfo=_zone(sign, zh, zm),
    )
    if len(_clf_times) >= _TIME_CACHE_SIZE:
        _clf_times.clear()
    _clf_times[text] = value
    return value


def unix_time(value: float | int) -> datetime:
    """Unix time in seconds, milliseconds, microseconds or nanoseconds (told by magnitude)."""
    if isinstance(value, int):
        size = abs(value)
        divisor = 10**9 if size >= 10**17 else 10**6 if size >= 10**14 else 10**3
        if size < 10**11:
            return datetime.fromtimestamp(value, UTC)
        seconds, rest = divmod(value, divisor)
        micro = rest * 10**6 // divisor
        return datetime.fromtimestamp(seconds, UTC) + timedelta(microseconds=micro)
    magnitude = abs(value)
    scale = (
        1e9
        if magnitude >= 1e17
        else 1e6
        if magnitude >= 1e14
        else 1e3
        if magnitude >= 1e11
        else 1.0
    )
    return datetime.fromtimestamp(value / scale, UTC)


def time_value(value: object) -> datetime:
    """A time as JSON or a text log writes it: Unix time (number or digits), RFC 3339 /
    ISO 8601, or the common log format's; naive times are UTC. ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError("a boolean is not a time")
    if isinstance(value, int | float):
        return unix_time(value)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"not a time: {str(value)[:40]!r}")
    text = value.strip()
    if _NUMBER.fullmatch(text):
        return unix_time(float(text) if "." in text else int(text))
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if len(text) == 26 and text[2] == "/":
        return clf_time(text)
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


# --- Common and combined -----------------------------------------------------------------

# A quoted field: the fast form has no backslash in it (nearly every line); the slow form
# steps over escapes, for lines that have one.
_FAST_QUOTED: Final = r'"([^"]*)"'
_SLOW_QUOTED: Final = r'"([^"\\]*(?:\\.[^"\\]*)*)"'
_CLF_HEAD: Final = r"([^ \ufeff]+) [^ ]+ [^ ]+ \[([^\]]*)\] {q} ([0-9]{{3}}|-) ([0-9]+|-)"
_VHOST: Final = r"([^ \ufeff]+?)(?::[0-9]+)? "
_ESCAPE: Final = re.compile(r"\\(x[0-9A-Fa-f]{2}|.)")
_SIMPLE_ESCAPES: Final = {"n": "\n", "t": "\t", "r": "\r", "v": "\v", "b": "\b"}


def _clf_pattern(quoted: str, *, vhost: bool, combined: bool) -> re.Pattern[str]:
    """Eight groups whatever the variant: host, client, time, request, status, size,
    referer, User-Agent (empty groups stand in for the fields a variant lacks)."""
    head = (_VHOST if vhost else "()") + _CLF_HEAD.format(q=quoted)
    tail = f" {quoted} {quoted}(?: .*)?" if combined else r"()()[ \t]*"
    return re.compile(head + tail, re.ASCII)


def unescape(text: str) -> str:
    r"""Undo the escapes Apache (``\"``, ``\\``, ``\n``, ``\xhh``) and nginx (``\xHH``)
    write in quoted fields; ``\xHH`` runs are UTF-8 bytes."""
    if "\\" not in text:
        return text
    out = bytearray()
    position = 0
    for match in _ESCAPE.finditer(text):
        out += text[position : match.start()].encode("utf-8", "surrogatepass")
        code = match.group(1)
        if code[0] == "x" and len(code) == 3:
            out.append(int(code[1:], 16))
        else:
            out += _SIMPLE_ESCAPES.get(code, code).encode("utf-8", "surrogatepass")
        position = match.end()
    out += text[position:].encode("utf-8", "surrogatepass")
    return out.decode("utf-8", "replace")


def split_request(request: str) -> tuple[str, str]:
    """``GET /a?b HTTP/1.1`` as (method, target). A request line that is not
    ``METHOD TARGET [PROTOCOL]`` (a TLS handshake sent to a plain port, ``-``) gives an empty
    method and the text as logged for the target."""
    parts = request.split(" ")
    count = len(parts)
    if count == 3 or (count == 2 and not parts[1].startswith("HTTP/")):
        method, target = parts[0], parts[1]
    elif count > 3 and parts[-1].startswith("HTTP/"):
        method, target = parts[0], " ".join(parts[1:-1])
    else:
        return "", request
    if not method.isalpha() or not target:
        return "", request
    return method, target


def _make_clf(name: str, *, vhost: bool, combined: bool) -> LogFormat:
    fast = _clf_pattern(_FAST_QUOTED, vhost=vhost, combined=combined).fullmatch
    slow = _clf_pattern(_SLOW_QUOTED, vhost=vhost, combined=combined).fullmatch
    what = ("vhost " if vhost else "") + ("combined" if combined else "common")
    cached_time = _clf_times.get
    new_line = _LINE_FACTORY

    # The hot path of every text log: kept flat, one call per line where it can be.
    def parse(line: str, number: int) -> Parsed:
        if len(line) > MAX_LINE_CHARS:
            return _malformed(number, f"line longer than {MAX_LINE_CHARS} characters", line)
        line = line.rstrip("\r\n")
        escaped = "\\" in line
        match = slow(line) if escaped else fast(line)
        if match is None:
            if line.startswith("\ufeff"):
                return parse(line[1:], number)
            reason = "empty line" if not line.strip() else f"not the {what} log format"
            return _malformed(number, reason, line)
        host, client, stamp, request, status, size, _, user_agent = match.groups()
        time = cached_time(stamp)
        if time is None:
            try:
                time = clf_time(stamp)
            except ValueError as error:
                return _malformed(number, f"bad time: {error}", line)
        parts = request.split(" ")
        if len(parts) == 3 and parts[1] and parts[0].isalpha() and not escaped:
            method, target = parts[0], parts[1]
        else:
            method, target = split_request(unescape(request))
            if not method:
                target = request  # not a request line: kept as logged, escapes and all
            user_agent = unescape(user_agent)
        return new_line(
            time,
            client,
            method,
            target,
            None if status == "-" else int(status),
            # Apache's %b writes '-' for a body of no bytes.
            0 if size == "-" else int(size),
            "" if user_agent == "-" else user_agent,
            host or None,
            number,
            line,
        )

    return LogFormat(name, parse)


# --- JSON lines ---------------------------------------------------------------------------

Getter = Callable[[Mapping[str, Any]], object]


def _path_getter(path: str) -> Getter:
    """A value by key, else by dotted path into nested objects; a list gives its first item."""
    keys = tuple(path.split("."))

    def get(record: Mapping[str, Any]) -> object:
        value: object = record.get(path)
        if value is None and len(keys) > 1:
            value = record
            for key in keys:
                if not isinstance(value, Mapping):
                    return None
                value = value.get(key)
        if isinstance(value, list):
            return value[0] if value else None
        return value

    return get


def _first_of(*paths: str) -> Getter:
    getters = tuple(_path_getter(p) for p in paths)

    def get(record: Mapping[str, Any]) -> object:
        for getter in getters:
            value = getter(record)
            if value is not None and value != "":
                return value
        return None

    return get


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value) if isinstance(value, list | dict) else str(value)


def _count(value: object, name: str) -> int | None:
    """A status or byte count written as a number or as digits; None when absent or '-'."""
    if value is None or value == "" or value == "-":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise ValueError(f"{name} is not a number: {str(value)[:40]!r}")


def _strip_port(address: str) -> str:
    """``1.2.3.4:5678`` or ``[2001:db8::1]:5678`` without the port."""
    if address.startswith("["):
        end = address.find("]")
        return address[1:end] if end > 0 else address
    if address.count(":") == 1:
        return address.split(":", 1)[0]
    return address


@dataclass(frozen=True)
class _Fields:
    """Where each LogLine field comes from in one record."""

    time: Getter
    client: Getter
    target: Getter | None = None
    method: Getter | None = None
    request: Getter | None = None
    status: Getter | None = None
    size: Getter | None = None
    user_agent: Getter | None = None
    host: Getter | None = None
    client_has_port: bool = False


def _from_record(record: Mapping[str, Any], fields: _Fields, number: int, line: str) -> Parsed:
    """A LogLine from one decoded record; Malformed naming the missing or bad field."""
    time_raw = fields.time(record)
    if time_raw is None or time_raw == "":
        return _malformed(number, "no time", line)
    client = _text(fields.client(record)).strip()
    if not client or client == "-":
        return _malformed(number, "no client address", line)
    if fields.client_has_port:
        client = _strip_port(client)
    method = _text(fields.method(record)) if fields.method else ""
    target = _text(fields.target(record)) if fields.target else ""
    if fields.request and (not target or not method):
        request = _text(fields.request(record))
        if request:
            method_in, target_in = split_request(request)
            method, target = method or method_in, target or target_in
    if not target:
        return _malformed(number, "no request target", line)
    try:
        time = time_value(time_raw)
        status = _count(fields.status(record), "status") if fields.status else None
        size = _count(fields.size(record), "size") if fields.size else None
    except (ValueError, OverflowError, OSError) as error:
        return _malformed(number, str(error), line)
    host = _text(fields.host(record)) if fields.host else ""
    user_agent = _text(fields.user_agent(record)) if fields.user_agent else ""
    return _LINE_FACTORY(
        time, client, method, target, status, size, user_agent, host or None, number, line
    )


def _make_json(name: str, fields: _Fields, required_key: str | None = None) -> LogFormat:
    """A JSON-lines format; ``required_key`` is a top-level key its records always have."""

    def parse(line: str, number: int) -> Parsed:
        cleaned = _clean(line, number)
        if isinstance(cleaned, Malformed):
            return cleaned
        text = cleaned.lstrip("\ufeff")
        try:
            record = json.loads(text)
        except (ValueError, RecursionError):
            return _malformed(number, "not a JSON object", cleaned)
        if not isinstance(record, dict):
            return _malformed(number, "not a JSON object", cleaned)
        if required_key is not None and required_key not in record:
            return _malformed(number, f"not a {name} record (no {required_key!r})", cleaned)
        return _from_record(record, fields, number, cleaned)

    return LogFormat(name, parse)


NGINX_JSON: Final = _make_json(
    "nginx-json",
    _Fields(
        time=_first_of("time_iso8601", "time_local", "msec"),
        client=_path_getter("remote_addr"),
        target=_path_getter("request_uri"),
        method=_path_getter("request_method"),
        request=_path_getter("request"),
        status=_path_getter("status"),
        size=_first_of("body_bytes_sent", "bytes_sent"),
        user_agent=_path_getter("http_user_agent"),
        host=_first_of("host", "http_host", "server_name"),
    ),
    required_key="remote_addr",
)
CADDY: Final = _make_json(
    "caddy",
    _Fields(
        time=_path_getter("ts"),
        client=_first_of("request.client_ip", "request.remote_ip", "request.remote_addr"),
        client_has_port=True,
        target=_path_getter("request.uri"),
        method=_path_getter("request.method"),
        status=_path_getter("status"),
        size=_path_getter("size"),
        user_agent=_path_getter("request.headers.User-Agent"),
        host=_path_getter("request.host"),
    ),
    required_key="request",
)
CLOUDFLARE: Final = _make_json(
    "cloudflare",
    _Fields(
        time=_path_getter("EdgeStartTimestamp"),
        client=_path_getter("ClientIP"),
        target=_path_getter("ClientRequestURI"),
        method=_path_getter("ClientRequestMethod"),
        status=_path_getter("EdgeResponseStatus"),
        size=_path_getter("EdgeResponseBytes"),
        user_agent=_path_getter("ClientRequestUserAgent"),
        host=_path_getter("ClientRequestHost"),
    ),
    required_key="ClientIP",
)
COMBINED: Final = _make_clf("combined", vhost=False, combined=True)
COMMON: Final = _make_clf("common", vhost=False, combined=False)
VHOST_COMBINED: Final = _make_clf("vhost_combined", vhost=True, combined=True)
VHOST_COMMON: Final = _make_clf("vhost_common", vhost=True, combined=False)

FORMATS: Final[Mapping[str, LogFormat]] = {
    f.name: f
    for f in (COMBINED, VHOST_COMBINED, COMMON, VHOST_COMMON, CADDY, CLOUDFLARE, NGINX_JSON)
}
"""The built-in formats by name, in the order :func:`detect_format` prefers them."""


# --- Custom formats -----------------------------------------------------------------------

_SPEC_HELP: Final = (
    "a format is a built-in name ({names}), 'json:FIELD=KEY,...' or 'regex:PATTERN' with "
    "named groups; fields: {fields}; time, client and target (or request) are required"
)


def _spec_error(problem: str) -> ValueError:
    return ValueError(
        f"bad log format: {problem}; "
        + _SPEC_HELP.format(names=", ".join(FORMATS), fields=", ".join(FIELDS))
    )


def _require(named: Iterable[str]) -> None:
    names = set(named)
    missing = [n for n in ("time", "client") if n not in names]
    if "target" not in names and "request" not in names:
        missing.append("target (or request)")
    if missing:
        raise _spec_error("missing " + ", ".join(missing))


def _json_spec(body: str) -> LogFormat:
    mapping: dict[str, str] = {}
    for item in body.split(","):
        field, equals, key = (part.strip() for part in item.partition("="))
        if not equals or not field or not key:
            raise _spec_error(f"{item.strip()!r} is not FIELD=KEY")
        if field not in FIELDS:
            raise _spec_error(f"unknown field {field!r}")
        if field in mapping:
            raise _spec_error(f"field {field!r} given twice")
        if any(not part for part in key.split(".")):
            raise _spec_error(f"{key!r} is not a key or dotted path")
        mapping[field] = key
    _require(mapping)
    fields = _fields_from({field: _path_getter(key) for field, key in mapping.items()})
    return _make_json("json:" + body, fields)


def _fields_from(getters: Mapping[str, Getter]) -> _Fields:
    """Fields from getters by field name (time and client present)."""
    return _Fields(
        time=getters["time"],
        client=getters["client"],
        target=getters.get("target"),
        method=getters.get("method"),
        request=getters.get("request"),
        status=getters.get("status"),
        size=getters.get("size"),
        user_agent=getters.get("user_agent"),
        host=getters.get("host"),
    )


def _regex_spec(pattern: str) -> LogFormat:
    try:
        compiled = re.compile(pattern)
    except re.error as error:
        raise _spec_error(f"the pattern does not compile: {error}") from None
    unknown = [g for g in compiled.groupindex if g not in FIELDS and not g.startswith("_")]
    if unknown:
        raise _spec_error(
            "unknown group " + ", ".join(map(repr, unknown)) + " (prefix a group with _ to skip it)"
        )
    _require(compiled.groupindex)
    names = tuple(g for g in compiled.groupindex if g in FIELDS)

    def parse(line: str, number: int) -> Parsed:
        cleaned = _clean(line, number)
        if isinstance(cleaned, Malformed):
            return cleaned
        match = compiled.match(cleaned)
        if match is None:
            return _malformed(number, "does not match the pattern", cleaned)
        found = {n: match.group(n) for n in names}
        record = {n: v for n, v in found.items() if v is not None}
        return _from_record(record, _REGEX_FIELDS, number, cleaned)

    return LogFormat("regex:" + pattern, parse)


_REGEX_FIELDS: Final = _fields_from({name: _path_getter(name) for name in FIELDS})


def parse_format_spec(spec: str) -> LogFormat:
    """A format by built-in name, ``json:FIELD=KEY,...`` or ``regex:PATTERN``.

    ``json:time=ts,client=ip,target=uri,user_agent=headers.ua`` reads JSON lines whose keys
    are given per field (a dotted path reaches into nested objects; a list gives its first
    item). ``regex:`` reads text lines with a pattern matched from the start of the line,
    whose named groups are the fields (groups starting with ``_`` are ignored). The fields are
    :data:`FIELDS`; time, client and target (or a request line) are required. ValueError
    says what is wrong with a bad spec.
    """
    text = spec.strip()
    if text in FORMATS:
        return FORMATS[text]
    kind, colon, body = text.partition(":")
    if colon and kind == "json":
        if not body.strip():
            raise _spec_error("'json:' names no fields")
        return _json_spec(body)
    if colon and kind == "regex":
        if not body:
            raise _spec_error("'regex:' has no pattern")
        return _regex_spec(body)
    raise _spec_error(f"unknown format {spec[:80]!r}")


def detect_format(lines: Iterable[str], sample: int = DETECT_SAMPLE_LINES) -> LogFormat | None:
    """The built-in format that reads most of the first ``sample`` non-empty lines.

    Reads at most that many non-empty lines from ``lines``. Ties go to the earlier format of
    :data:`FORMATS`; None when no format reads any of them.
    """
    taken: list[str] = []
    for line in lines:
        if line.strip():
            taken.append(line)
            if len(taken) >= sample:
                break
    best: LogFormat | None = None
    best_count = 0
    for candidate in FORMATS.values():
        count = sum(
            1
            for number, line in enumerate(taken, 1)
            if isinstance(candidate.parse(line, number), LogLine)
        )
        if count > best_count:
            best, best_count = candidate, count
    return best


def parse_line(line: str, number: int, log_format: LogFormat = COMBINED) -> Parsed:
    """One line read as ``log_format``."""
    return log_format.parse(line, number)
