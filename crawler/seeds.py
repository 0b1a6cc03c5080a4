"""Seed lists: the sites a crawl starts from, read from CSV or YAML one record at a time.

Fields (CSV columns or YAML keys; names are case-insensitive):

- ``origin`` or ``domain``: ``scheme://host[:port]`` (http or https) or a bare host name,
  which means ``https://host``. Normalised: scheme and host lower-cased, the host IDNA-encoded
  with Python's ``idna`` codec (as w3lib and so Scrapy encode it), the default port dropped.
- ``name``; ``kind`` (one of ``KINDS``, empty means ``other``); ``platform`` (the origin of
  the platform that hosts a creator site, normalised like ``origin``); ``country`` (ISO
  3166-1 alpha-2, upper-cased); ``tags`` (CSV: ``;``-separated; YAML: a list);
  ``render`` (true/false/yes/no/1/0, empty means false); ``profile_pattern`` and
  ``artwork_pattern`` (URL paths with ``*``, such as ``/u/*`` and ``/u/*/art/*``).

Files are streamed: memory stays flat in the number of seeds. Duplicate origins are skipped,
not errors. To keep memory bounded on a million-seed file they are looked for only among
recent origins: a duplicate is always caught when fewer than ``DUPLICATE_WINDOW`` distinct
origins lie between it and the first, and may be missed further apart (the store keys sites
by origin anyway). Recent origins are kept as 16-byte BLAKE2b digests, at most
2 x ``DUPLICATE_WINDOW`` of them (about 13 MB). Skipped duplicates are counted in a
``SeedReport`` when the caller passes one; else one ``SeedWarning`` per file sums them up.

Errors name the file and line: in CSV the line where the record ends (a quoted field may
span lines), in YAML the line of the offending key. Blank CSV rows, rows whose fields are
all empty, and empty files yield nothing.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import hashlib
import ipaddress
import re
import warnings
import zoneinfo
from collections.abc import Generator, Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Protocol, cast
from urllib.parse import urlsplit

import yaml

KINDS = (
    "platform",
    "creator-site",
    "portfolio-builder",
    "site-builder",
    "stock-agency",
    "marketplace",
    "community",
    "social",
    "blog",
    "print-on-demand",
    "other",
)
FIELDS = (
    "origin",
    "domain",
    "name",
    "kind",
    "platform",
    "country",
    "tags",
    "render",
    "profile_pattern",
    "artwork_pattern",
)
DUPLICATE_WINDOW = 50_000
ERROR_LIMIT = 100

# The 249 officially assigned ISO 3166-1 alpha-2 codes. Written out rather than taken from
# pycountry: one fixed set does not justify a dependency that ships every ISO database.
_ISO_3166_ALPHA2 = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
    GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW
"""
COUNTRIES = frozenset(_ISO_3166_ALPHA2.split())

_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0", ""})
# The idna codec passes ASCII labels through unchecked, so host characters are checked here.
_LABEL_RE = re.compile(r"[a-z0-9_-]{1,63}")
_PATTERN_RE = re.compile(r"/[^\s?#]*")
_YAML_NULL = "tag:yaml.org,2002:null"

_Value = str | list[str] | None
_Fields = dict[str, tuple[_Value, int]]


@dataclass(frozen=True)
class Seed:
    """One site to crawl, as a seed file describes it (``line``: where in the file)."""

    origin: str
    name: str | None = None
    kind: str = "other"
    platform: str | None = None
    country: str | None = None
    tags: tuple[str, ...] = ()
    render: bool = False
    profile_pattern: str | None = None
    artwork_pattern: str | None = None
    line: int = 0


class SeedError(ValueError):
    """A seed file that cannot be read as it is, naming the file and line to fix."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        super().__init__(path, line, message)
        self.path = Path(path)
        self.line = line
        self.message = message

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.message}"


class SeedWarning(UserWarning):
    """Seeds were skipped (duplicate origins) and the caller passed no report."""


@dataclass(frozen=True)
class DuplicateSeed:
    """A seed skipped because an earlier line has the same origin."""

    path: Path
    line: int
    origin: str
    first_line: int

    def __str__(self) -> str:
        return (
            f"{self.path}:{self.line}: duplicate origin {self.origin} "
            f"(first at line {self.first_line}), skipped"
        )


@dataclass
class SeedReport:
    """What reading a seed file yielded and skipped, filled in as the file is read."""

    seeds: int = 0
    duplicates: int = 0
    bad: int = 0
    """Invalid records skipped (only when reading with ``skip_bad``)."""
    bad_examples: list[SeedError] = field(default_factory=list)
    """The first ``ERROR_LIMIT`` of them."""
    examples: list[DuplicateSeed] = field(default_factory=list)
    """The first ``ERROR_LIMIT`` duplicates."""

    def add_duplicate(self, duplicate: DuplicateSeed) -> None:
        self.duplicates += 1
        if len(self.examples) < ERROR_LIMIT:
            self.examples.append(duplicate)

    def add_bad(self, error: SeedError) -> None:
        self.bad += 1
        if len(self.bad_examples) < ERROR_LIMIT:
            self.bad_examples.append(error)


class _FieldError(Exception):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def read_seeds(
    path: Path,
    *,
    report: SeedReport | None = None,
    duplicate_window: int = DUPLICATE_WINDOW,
    skip_bad: bool = False,
) -> Iterator[Seed]:
    """Each seed of a .csv/.yaml/.yml file in file order; raises SeedError at the first bad one,
    or with ``skip_bad`` passes over invalid records (counted in ``report.bad``). An unreadable
    file or a bad header still raises: no record of such a file can be trusted."""
    path = Path(path)
    _check_suffix(path)
    return _read(path, report, duplicate_window, skip_bad)


def validate_seeds(
    path: Path, *, limit: int = ERROR_LIMIT, report: SeedReport | None = None
) -> list[SeedError]:
    """Every error of a seed file, up to ``limit``, instead of stopping at the first."""
    path = Path(path)
    errors: list[SeedError] = []
    tally = SeedReport() if report is None else report
    try:
        _check_suffix(path)
        with closing(_checked(path, DUPLICATE_WINDOW, tally)) as items:
            for item in items:
                if isinstance(item, SeedError):
                    errors.append(item)
                    if len(errors) >= limit:
                        break
    except SeedError as fatal:
        errors.append(fatal)
    return errors[:limit]


def normalise_origin(value: str) -> str:
    """``scheme://host[:port]`` for an origin or a bare host; ValueError says what is wrong."""
    text = value.strip()
    if not text:
        raise ValueError("is empty")
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"is not an origin ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ValueError(f"scheme {scheme!r} is not http or https")
    if parts.username is not None or parts.password is not None:
        raise ValueError("carries a user name or password")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError("has a path, query or fragment; an origin is scheme://host[:port]")
    host = _ascii_host(parts.hostname or "")
    if port is None or port == (443 if scheme == "https" else 80):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def _ascii_host(host: str) -> str:
    if not host:
        raise ValueError("has no host")
    if ":" in host or host.replace(".", "").isdigit():
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            raise ValueError(f"host {host!r} is not a valid IP address") from None
        return f"[{address.compressed}]" if address.version == 6 else address.compressed
    ascii_host = host.removesuffix(".")
    if not ascii_host.isascii():
        try:
            ascii_host = ascii_host.encode("idna").decode("ascii").lower()
        except UnicodeError:
            raise ValueError(f"host {host!r} is not a valid domain name") from None
    labels = ascii_host.split(".")
    if len(ascii_host) > 253 or not all(_LABEL_RE.fullmatch(label) for label in labels):
        raise ValueError(f"host {host!r} is not a valid domain name")
    return ascii_host


def _check_suffix(path: Path) -> None:
    if path.suffix.lower() not in (".csv", ".yaml", ".yml"):
        shown = path.suffix or "(none)"
        raise SeedError(path, None, f"unsupported seed file type {shown}: use .csv, .yaml or .yml")


def _read(path: Path, report: SeedReport | None, window: int, skip_bad: bool) -> Iterator[Seed]:
    tally = SeedReport() if report is None else report
    for item in _checked(path, window, tally):
        if isinstance(item, SeedError):
            if not skip_bad:
                raise item
            tally.add_bad(item)
            continue
        yield item
    if report is None and tally.duplicates:
        warnings.warn(
            f"{tally.examples[0]}; {tally.duplicates} duplicate origin(s) skipped in all",
            SeedWarning,
            stacklevel=2,
        )


def _checked(
    path: Path, window: int, report: SeedReport
) -> Generator[Seed | SeedError, None, None]:
    """Seeds and per-record errors; fatal errors (unreadable file, bad header) raise."""
    recent = _RecentOrigins(window)
    records = _csv_records(path) if path.suffix.lower() == ".csv" else _yaml_records(path)
    for record in records:
        if isinstance(record, SeedError):
            yield record
            continue
        line, fields = record
        try:
            seed = _seed(fields, line)
        except _FieldError as exc:
            yield SeedError(path, exc.line, exc.message)
            continue
        first_line = recent.first_line(seed.origin, line)
        if first_line is not None:
            report.add_duplicate(DuplicateSeed(path, line, seed.origin, first_line))
            continue
        report.seeds += 1
        yield seed


class _RecentOrigins:
    """Two generations of ``window`` digests each: the older is dropped when the newer fills.

    Written by hand because a bounded "seen lately" set is a few lines; an LRU (deque plus
    dict) would cost twice the memory per origin through its deletions and bookkeeping.
    """

    def __init__(self, window: int) -> None:
        self.window = window
        self.current: dict[bytes, int] = {}
        self.previous: dict[bytes, int] = {}

    def first_line(self, origin: str, line: int) -> int | None:
        """The line where ``origin`` was seen lately, else None (and remember it at ``line``)."""
        digest = hashlib.blake2b(origin.encode("ascii"), digest_size=16).digest()
        found = self.current.get(digest, self.previous.get(digest))
        if found is not None or self.window <= 0:
            return found
        self.current[digest] = line
        if len(self.current) >= self.window:
            self.previous, self.current = self.current, {}
        return None


def _csv_records(path: Path) -> Iterator[tuple[int, _Fields] | SeedError]:
    try:
        stream = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise SeedError(path, None, f"cannot read the file: {exc.strerror or exc}") from None
    with stream:
        reader = csv.DictReader(stream)
        try:
            header = reader.fieldnames
            if header is None:
                return
            names = [name.strip().lower() for name in header]
            _check_columns(path, reader.line_num, names)
            reader.fieldnames = names
            for row in reader:
                extra = row.pop(None, None)
                if extra:
                    message = f"{len(extra)} more field(s) than the header has columns"
                    yield SeedError(path, reader.line_num, message)
                elif any(value and value.strip() for value in row.values()):
                    yield reader.line_num, {k: (v, reader.line_num) for k, v in row.items()}
        except csv.Error as exc:
            raise SeedError(path, reader.line_num, f"CSV: {exc}") from None
        except UnicodeDecodeError:
            raise SeedError(path, reader.line_num + 1, "not UTF-8 text near here") from None


def _check_columns(path: Path, line: int, names: list[str]) -> None:
    for number, name in enumerate(names, start=1):
        if not name:
            raise SeedError(path, line, f"column {number} has no name")
        if names.index(name) != number - 1:
            raise SeedError(path, line, f"column {name!r} appears twice")
    unknown = [name for name in names if name not in FIELDS]
    if unknown:
        shown = ", ".join(repr(name) for name in unknown)
        raise SeedError(path, line, f"unknown column(s) {shown}; known: {', '.join(FIELDS)}")
    if "origin" not in names and "domain" not in names:
        raise SeedError(path, line, "no 'origin' or 'domain' column")


def _yaml_records(path: Path) -> Iterator[tuple[int, _Fields] | SeedError]:
    try:
        stream = path.open("rb")
    except OSError as exc:
        raise SeedError(path, None, f"cannot read the file: {exc.strerror or exc}") from None
    with stream:
        loader = yaml.SafeLoader(stream)
        try:
            yield from _yaml_items(path, loader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else None
            raise SeedError(path, line, f"YAML: {exc.problem or exc.context}") from None
        except yaml.YAMLError as exc:
            raise SeedError(path, None, f"YAML: {exc}") from None
        finally:
            loader.dispose()


class _Marked(Protocol):
    start_mark: yaml.error.Mark


class _EventStream(Protocol):
    """The loader as ``_yaml_items`` reads it. types-PyYAML leaves the parser's event methods
    unannotated and types ``compose_node``'s index as int, while PyYAML's own callers pass None;
    a parser event and a composed node always carry a start mark."""

    def check_event(self, *choices: type[yaml.Event]) -> bool: ...
    def get_event(self) -> yaml.Event: ...
    def peek_event(self) -> _Marked: ...
    def compose_node(self, parent: yaml.Node | None, index: int | None) -> yaml.Node: ...


def _yaml_items(
    path: Path, yaml_loader: yaml.SafeLoader
) -> Iterator[tuple[int, _Fields] | SeedError]:
    """Compose one list item at a time from the event stream, never the whole document."""
    loader = cast(_EventStream, yaml_loader)  # see _EventStream
    loader.get_event()  # StreamStartEvent
    if loader.check_event(yaml.StreamEndEvent):
        return
    loader.get_event()  # DocumentStartEvent
    if loader.check_event(yaml.ScalarEvent):
        node = loader.compose_node(None, None)
        if node.tag == _YAML_NULL:
            return
        raise SeedError(path, node.start_mark.line + 1, "the top level must be a list of seeds")
    if not loader.check_event(yaml.SequenceStartEvent):
        line = loader.peek_event().start_mark.line + 1
        raise SeedError(path, line, "the top level must be a list of seeds")
    loader.get_event()
    while not loader.check_event(yaml.SequenceEndEvent):
        yield _yaml_fields(path, loader.compose_node(None, None))
    loader.get_event()  # SequenceEndEvent
    loader.get_event()  # DocumentEndEvent
    if not loader.check_event(yaml.StreamEndEvent):
        line = loader.peek_event().start_mark.line + 1
        raise SeedError(path, line, "a seed file holds one YAML document")


def _yaml_fields(path: Path, node: yaml.Node) -> tuple[int, _Fields] | SeedError:
    line = node.start_mark.line + 1
    if not isinstance(node, yaml.MappingNode):
        return SeedError(path, line, "each seed must be a mapping such as '- origin: ...'")
    fields: _Fields = {}
    for key_node, value_node in node.value:
        key_line = key_node.start_mark.line + 1
        if not isinstance(key_node, yaml.ScalarNode):
            return SeedError(path, key_line, "a key must be a plain name")
        key = key_node.value.strip().lower()
        if key in fields:
            return SeedError(path, key_line, f"key {key!r} appears twice")
        try:
            fields[key] = (_yaml_value(key, value_node, key_line), key_line)
        except _FieldError as exc:
            return SeedError(path, exc.line, exc.message)
    return line, fields


def _yaml_value(key: str, node: yaml.Node, line: int) -> _Value:
    # Scalars are read as written, not as YAML 1.1 resolves them: `country: NO` would
    # otherwise become False and `render: yes` True by different rules than CSV's.
    if isinstance(node, yaml.ScalarNode):
        return None if node.tag == _YAML_NULL else str(node.value)
    if isinstance(node, yaml.SequenceNode):
        items = []
        for item in node.value:
            if not isinstance(item, yaml.ScalarNode):
                raise _FieldError(f"{key} must be a list of plain values", line)
            if item.tag != _YAML_NULL:
                items.append(str(item.value))
        return items
    raise _FieldError(f"{key} must be a value or a list, not a mapping", line)


def _seed(fields: Mapping[str, tuple[_Value, int]], line: int) -> Seed:
    unknown = [name for name in fields if name not in FIELDS]
    if unknown:
        shown = ", ".join(repr(name) for name in unknown)
        raise _FieldError(f"unknown field(s) {shown}; known: {', '.join(FIELDS)}", line)
    origin, origin_line = _scalar(fields, "origin", line)
    domain, domain_line = _scalar(fields, "domain", line)
    if origin and domain:
        raise _FieldError("give origin or domain, not both", line)
    if not origin and not domain:
        raise _FieldError("missing origin (or domain)", line)
    if origin:
        normalised = _origin("origin", origin, origin_line)
    else:
        normalised = _origin("domain", domain, domain_line)
    platform, platform_line = _scalar(fields, "platform", line)
    return Seed(
        origin=normalised,
        name=_scalar(fields, "name", line)[0] or None,
        kind=_kind(*_scalar(fields, "kind", line)),
        platform=_origin("platform", platform, platform_line) if platform else None,
        country=_country(*_scalar(fields, "country", line)),
        tags=_tags(fields, line),
        render=_render(*_scalar(fields, "render", line)),
        profile_pattern=_pattern("profile_pattern", *_scalar(fields, "profile_pattern", line)),
        artwork_pattern=_pattern("artwork_pattern", *_scalar(fields, "artwork_pattern", line)),
        line=line,
    )


def _scalar(fields: Mapping[str, tuple[_Value, int]], name: str, line: int) -> tuple[str, int]:
    value, where = fields.get(name, (None, line))
    if isinstance(value, list):
        raise _FieldError(f"{name} must be a single value, not a list", where)
    return (value or "").strip(), where


def _origin(name: str, text: str, line: int) -> str:
    try:
        return normalise_origin(text)
    except ValueError as exc:
        raise _FieldError(f"{name} {text!r} {exc}", line) from None


def _kind(text: str, line: int) -> str:
    kind = text.lower() or "other"
    if kind not in KINDS:
        raise _FieldError(f"kind {text!r} is not one of {', '.join(KINDS)}", line)
    return kind


def _country(text: str, line: int) -> str | None:
    if not text:
        return None
    if text.upper() not in COUNTRIES:
        code = _code_of_country_name(text)
        hint = f": use {code}" if code else " (two letters, such as DE or FR)"
        raise _FieldError(f"country {text!r} is not an ISO 3166-1 alpha-2 code{hint}", line)
    return text.upper()


def _code_of_country_name(name: str) -> str | None:
    """The code of a country written out ("Germany" -> DE), when the time zone database's
    table of ISO 3166 codes and English names can be found (tzdata, else the system's)."""
    wanted = name.strip().casefold()
    return next((code for code, known in _country_names() if known.casefold() == wanted), None)


@functools.cache
def _country_names() -> tuple[tuple[str, str], ...]:
    sources: list[Traversable] = [Path(folder) / "iso3166.tab" for folder in zoneinfo.TZPATH]
    with contextlib.suppress(ImportError):
        sources.insert(0, resources.files("tzdata") / "zoneinfo" / "iso3166.tab")
    for source in sources:
        try:
            text = source.read_text(encoding="utf-8")
        except OSError:
            continue
        rows = (line.split("\t") for line in text.splitlines() if not line.startswith("#"))
        return tuple((row[0], row[1]) for row in rows if len(row) == 2)
    return ()


def _tags(fields: Mapping[str, tuple[_Value, int]], line: int) -> tuple[str, ...]:
    value, _ = fields.get("tags", (None, line))
    items = value.split(";") if isinstance(value, str) else value or []
    return tuple(tag.strip() for tag in items if tag.strip())


def _render(text: str, line: int) -> bool:
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    raise _FieldError(f"render {text!r} is not one of true, false, yes, no, 1, 0", line)


def _pattern(name: str, text: str, line: int) -> str | None:
    if not text:
        return None
    if not _PATTERN_RE.fullmatch(text):
        raise _FieldError(f"{name} {text!r} must be a URL path starting with '/'", line)
    return text
