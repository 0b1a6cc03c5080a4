"""The IP ranges AI crawler operators publish, and checking a client address against them.

Operators publish the addresses their crawlers fetch from, one list per crawler or family of
crawlers: OpenAI ``gptbot.json``, Google ``googlebot.json``, Apple ``applebot.json`` and others
share one JSON shape (``creationTime`` and ``prefixes: [{"ipv4Prefix": …} | {"ipv6Prefix": …}]``);
a few publish plain text, one CIDR a line. The project keeps a dated, sourced copy of each list
in ``audits/data/ip_ranges/`` with a ``manifest.json`` saying, for every list, its operator,
its URL, the registry agents it covers, when the copy was taken and its sha256.
``optout agents update-ranges`` (``crawler/ranges_update.py``) refreshes the copies.

Pure: parsing bytes, reading the snapshot folder and answering
:meth:`RangeSet.verify` for millions of log lines (per-prefix-length sets of integers, and a
bounded cache per address). A list is bound to an agent only where the operator documents that
agent's requests come from it; an agent whose documented lists are not all in the snapshot is
left out, so that it stays ``unverifiable`` rather than wrongly called an impersonator.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Final, Literal, get_args

from audits.logs import Verification

ListFormat = Literal["json-prefixes", "cidr-lines"]
"""How a list is published: the common JSON shape, or plain text with one CIDR a line."""

LIST_FORMATS: Final = frozenset(get_args(ListFormat))
MAX_LIST_BYTES: Final = 4 * 1024 * 1024
"""The largest list accepted (Google's biggest list is well under 200 KiB)."""
MAX_PREFIXES: Final = 50_000
"""The most prefixes one list may hold."""
MAX_LISTS: Final = 200
"""The most lists one snapshot may name."""
MAX_MANIFEST_BYTES: Final = 1024 * 1024
MIN_PREFIX_LENGTH: Final = {4: 8, 6: 16}
"""A prefix wider than this (a /7 of IPv4, a /15 of IPv6) is refused: no crawler operator
publishes such a block, and one in a list would verify a large part of the internet."""
MANIFEST_NAME: Final = "manifest.json"
SCHEMA_VERSION: Final = 1

_MAX_TIME_CHARS: Final = 64
_NAME: Final = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_FILE: Final = re.compile(r"[a-z0-9][a-z0-9-]{0,62}\.(?:json|txt)")
_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_SHA256: Final = re.compile(r"[0-9a-f]{64}")
_V4_KEYS: Final = ("ipv4Prefix", "ip_prefix")
_V6_KEYS: Final = ("ipv6Prefix", "ipv6_prefix")
_CACHE_SIZE: Final = 100_000

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class RangeListError(ValueError):
    """A published list (or a snapshot's manifest) that cannot be trusted as it stands."""


@dataclass(frozen=True)
class RangeList:
    """One parsed list: its networks, and the ``creationTime`` it states (if it does)."""

    networks: tuple[Network, ...]
    created: str | None = None

    def prefixes(self) -> frozenset[str]:
        """The networks as text, for comparing two copies of a list."""
        return frozenset(str(n) for n in self.networks)


def _network(text: object, where: str) -> Network:
    """One CIDR (a bare address is a /32 or /128); host bits set are tolerated and cleared."""
    if not isinstance(text, str) or not text.strip() or len(text) > 64:
        raise RangeListError(f"{where}: not a prefix: {str(text)[:64]!r}")
    try:
        network = ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise RangeListError(f"{where}: not a prefix: {text[:64]!r}") from None
    if network.prefixlen < MIN_PREFIX_LENGTH[network.version]:
        raise RangeListError(f"{where}: {network} is wider than any crawler's range")
    return network


def _checked_size(body: bytes | str) -> str:
    raw = body.encode("utf-8") if isinstance(body, str) else body
    if len(raw) > MAX_LIST_BYTES:
        raise RangeListError(f"larger than {MAX_LIST_BYTES} bytes")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RangeListError("not UTF-8 text") from None


def _finished(networks: list[Network], created: str | None) -> RangeList:
    if not networks:
        raise RangeListError("no prefixes (an empty list would make every claim an impersonator)")
    return RangeList(tuple(dict.fromkeys(networks)), created)


def parse_prefixes_json(body: bytes | str) -> RangeList:
    """A list in the operators' JSON shape: an object with ``prefixes``, a list of objects each
    holding ``ipv4Prefix`` or ``ipv6Prefix`` (Amazon's ``ip_prefix``/``ipv6_prefix`` spelling
    too), and an optional ``creationTime``.

    Entries that carry none of those keys are skipped (operators add fields); a key whose value
    is not a prefix, a list with no prefix at all, or more than :data:`MAX_PREFIXES` raise
    :class:`RangeListError`, so a broken answer never replaces a good copy.
    """
    text = _checked_size(body)
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise RangeListError("not JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("prefixes"), list):
        raise RangeListError("expected an object with a 'prefixes' list")
    created = data.get("creationTime")
    if created is not None and (not isinstance(created, str) or len(created) > _MAX_TIME_CHARS):
        raise RangeListError("creationTime is not a short string")
    entries: list[Any] = data["prefixes"]
    if len(entries) > MAX_PREFIXES:
        raise RangeListError(f"more than {MAX_PREFIXES} prefixes")
    networks: list[Network] = []
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise RangeListError(f"prefix {number}: not an object")
        for keys, version in ((_V4_KEYS, 4), (_V6_KEYS, 6)):
            for key in keys:
                if key in entry:
                    network = _network(entry[key], f"prefix {number}")
                    if network.version != version:
                        raise RangeListError(f"prefix {number}: {key} holds {network}")
                    networks.append(network)
    return _finished(networks, created)


def parse_cidr_lines(body: bytes | str) -> RangeList:
    """A plain list: one CIDR (or bare address) a line; blank lines and ``#`` comments are
    skipped. Any other line raises :class:`RangeListError`."""
    text = _checked_size(body)
    networks: list[Network] = []
    for number, line in enumerate(text.splitlines(), 1):
        value = line.split("#", 1)[0].strip()
        if value:
            networks.append(_network(value, f"line {number}"))
            if len(networks) > MAX_PREFIXES:
                raise RangeListError(f"more than {MAX_PREFIXES} prefixes")
    return _finished(networks, None)


def parse_list(body: bytes | str, fmt: ListFormat) -> RangeList:
    """A list in the format its manifest entry names."""
    if fmt == "json-prefixes":
        return parse_prefixes_json(body)
    return parse_cidr_lines(body)


# --- The manifest ------------------------------------------------------------------------


@dataclass(frozen=True)
class ListEntry:
    """One published list as ``manifest.json`` describes it."""

    name: str
    """A short stable name (``openai-gptbot``): what ``verified_by`` cites."""
    operator: str
    url: str
    """The operator's own address for the list (https), what ``update-ranges`` fetches."""
    agents: tuple[str, ...]
    """The registry tokens whose requests the operator says come from this list."""
    file: str
    format: ListFormat
    created: str | None
    """The list's own ``creationTime``, when the copy states one."""
    taken: str
    """ISO date the copy was taken."""
    sha256: str
    also_covers: tuple[str, ...] = ()
    """Crawlers of the operator that use this list but are not (yet) in the agent registry."""
    copied_from: str | None = None
    """Where the copy was read when it did not come from ``url`` itself (a public mirror)."""
    checked: str | None = None
    """ISO date ``url`` last answered with this copy."""

    def label(self) -> str:
        """The list's name and date, as ``verified_by`` records it: the list's own
        ``creationTime`` date, else the date the copy was taken."""
        if self.created and _DATE.match(self.created):
            return f"{self.name} ({self.created[:10]})"
        return f"{self.name} (copied {self.taken})"


def _str(item: Mapping[str, Any], key: str, where: str, *, optional: bool = False) -> Any:
    value = item.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value or len(value) > 2000:
        raise RangeListError(f"{where}: {key} is not a non-empty string")
    return value


def _tokens(item: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = item.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise RangeListError(f"{where}: {key} is not a list of tokens")
    return tuple(value)


def _entry(item: object, number: int) -> ListEntry:
    if not isinstance(item, dict):
        raise RangeListError(f"list {number}: not an object")
    name = _str(item, "name", f"list {number}")
    where = f"list {name!r}"
    if not _NAME.fullmatch(name):
        raise RangeListError(f"{where}: name must be lower-case letters, digits and '-'")
    url = _str(item, "url", where)
    if not url.startswith("https://"):
        raise RangeListError(f"{where}: url must be https")
    file = _str(item, "file", where)
    if not _FILE.fullmatch(file):
        raise RangeListError(f"{where}: file must be a plain .json or .txt name")
    fmt = item.get("format")
    if fmt != "json-prefixes" and fmt != "cidr-lines":
        raise RangeListError(f"{where}: format must be one of {sorted(LIST_FORMATS)}")
    taken = _str(item, "taken", where)
    checked = _str(item, "checked", where, optional=True)
    for key, value in (("taken", taken), ("checked", checked)):
        if value is not None and not _DATE.fullmatch(value):
            raise RangeListError(f"{where}: {key} is not an ISO date")
    sha = _str(item, "sha256", where)
    if not _SHA256.fullmatch(sha):
        raise RangeListError(f"{where}: sha256 is not 64 lower-case hex digits")
    created = _str(item, "created", where, optional=True)
    return ListEntry(
        name=name,
        operator=_str(item, "operator", where),
        url=url,
        agents=_tokens(item, "agents", where),
        file=file,
        format=fmt,
        created=created,
        taken=taken,
        sha256=sha,
        also_covers=_tokens(item, "also_covers", where),
        copied_from=_str(item, "copied_from", where, optional=True),
        checked=checked,
    )


def parse_manifest(text: str | bytes) -> tuple[ListEntry, ...]:
    """The list entries of a ``manifest.json``; :class:`RangeListError` if it is malformed
    (names and files must be unique, URLs https, dates ISO, hashes sha256)."""
    if len(text) > MAX_MANIFEST_BYTES:
        raise RangeListError(f"{MANIFEST_NAME}: larger than {MAX_MANIFEST_BYTES} bytes")
    try:
        data = json.loads(text)
    except ValueError:
        raise RangeListError(f"{MANIFEST_NAME}: not JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("lists"), list):
        raise RangeListError(f"{MANIFEST_NAME}: expected an object with a 'lists' list")
    if data.get("schema") != SCHEMA_VERSION:
        raise RangeListError(f"{MANIFEST_NAME}: schema must be {SCHEMA_VERSION}")
    if len(data["lists"]) > MAX_LISTS:
        raise RangeListError(f"{MANIFEST_NAME}: more than {MAX_LISTS} lists")
    entries = tuple(_entry(item, n) for n, item in enumerate(data["lists"], 1))
    for attribute in ("name", "file"):
        values = [getattr(e, attribute) for e in entries]
        duplicates = sorted({v for v in values if values.count(v) > 1})
        if duplicates:
            raise RangeListError(f"{MANIFEST_NAME}: {attribute} used twice: {duplicates}")
    return entries


def sha256_hex(body: bytes) -> str:
    """The sha256 of a list's bytes, as the manifest records it."""
    return hashlib.sha256(body).hexdigest()


# --- Looking addresses up ----------------------------------------------------------------


@dataclass
class _Family:
    """The networks of one address family: for each prefix length present, the network
    numbers of that length and the lists (by index) each belongs to."""

    bits: int
    by_length: dict[int, dict[int, frozenset[int]]] = field(default_factory=dict)

    def add(self, network: Network, index: int) -> None:
        numbers = self.by_length.setdefault(network.prefixlen, {})
        key = int(network.network_address) >> (self.bits - network.prefixlen)
        numbers[key] = numbers.get(key, frozenset()) | {index}

    def lookup(self, number: int) -> frozenset[int]:
        found: frozenset[int] = frozenset()
        for length, numbers in self.by_length.items():
            hit = numbers.get(number >> (self.bits - length))
            if hit is not None:
                found |= hit
        return found


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """A logged client address: brackets, an IPv6 zone and IPv4-mapped IPv6 are handled."""
    value = text.strip()
    if value.startswith("[") and value.endswith("]"):
        value = value[1:-1]
    value = value.split("%", 1)[0]
    if not value or len(value) > 45:
        return None
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


class RangeSet:
    """The published lists of a snapshot, ready to check millions of addresses."""

    def __init__(self, lists: Sequence[tuple[ListEntry, RangeList]]) -> None:
        self.entries: tuple[ListEntry, ...] = tuple(entry for entry, _ in lists)
        self._families = {4: _Family(32), 6: _Family(128)}
        self._by_agent: dict[str, tuple[int, ...]] = {}
        for index, (entry, parsed) in enumerate(lists):
            for network in parsed.networks:
                self._families[network.version].add(network, index)
            for token in (*entry.agents, *entry.also_covers):
                key = token.casefold()
                self._by_agent[key] = (*self._by_agent.get(key, ()), index)
        self._cache: dict[str, frozenset[int] | None] = {}

    def lists_for(self, agent_token: str) -> tuple[ListEntry, ...]:
        """The lists that cover an agent (empty: it cannot be checked against ranges)."""
        return tuple(self.entries[i] for i in self._by_agent.get(agent_token.casefold(), ()))

    def covers(self, agent_token: str) -> bool:
        """Whether any list covers the agent."""
        return agent_token.casefold() in self._by_agent

    def _containing(self, address: str) -> frozenset[int] | None:
        """Indexes of the lists holding ``address`` (None: not an address); cached."""
        cache = self._cache
        if address in cache:
            return cache[address]
        parsed = _address(address)
        found = None if parsed is None else self._families[parsed.version].lookup(int(parsed))
        if len(cache) >= _CACHE_SIZE:
            cache.clear()
        cache[address] = found
        return found

    def verify(self, agent_token: str, address: str) -> tuple[Verification, str | None]:
        """Whether a request claiming to be ``agent_token`` came from its operator's ranges.

        - ``("verified", label)``: the address is in a list covering the agent; ``label`` is
          that list's name and date (``openai-gptbot (2025-10-30)``), for
          ``AgentHit.verified_by``;
        - ``("impersonator", None)``: lists cover the agent and the address is in none of them;
        - ``("unverifiable", None)``: no list covers the agent, **or the address cannot be
          parsed** (a log line with ``-`` or a host name where the address belongs proves
          nothing either way, so it is never called an impersonator).
        """
        indexes = self._by_agent.get(agent_token.casefold())
        if not indexes:
            return "unverifiable", None
        containing = self._containing(address)
        if containing is None:
            return "unverifiable", None
        for index in indexes:
            if index in containing:
                return "verified", self.entries[index].label()
        return "impersonator", None


# --- Reading a snapshot folder -----------------------------------------------------------

Folder = Path | Traversable


def read_manifest(folder: Folder) -> tuple[ListEntry, ...]:
    """The entries of ``folder/manifest.json``."""
    path = folder / MANIFEST_NAME
    try:
        text = path.read_bytes()
    except OSError as err:
        raise RangeListError(f"{MANIFEST_NAME}: cannot read ({err})") from None
    return parse_manifest(text)


def read_list(folder: Folder, entry: ListEntry) -> tuple[bytes, RangeList]:
    """A list's bytes and parse, checked against the sha256 its manifest entry records."""
    try:
        body = (folder / entry.file).read_bytes()
    except OSError as err:
        raise RangeListError(f"{entry.file}: cannot read ({err})") from None
    if len(body) > MAX_LIST_BYTES:
        raise RangeListError(f"{entry.file}: larger than {MAX_LIST_BYTES} bytes")
    if sha256_hex(body) != entry.sha256:
        raise RangeListError(
            f"{entry.file}: its sha256 is not the one {MANIFEST_NAME} records"
            " (edited by hand? run `optout agents update-ranges`)"
        )
    try:
        return body, parse_list(body, entry.format)
    except RangeListError as err:
        raise RangeListError(f"{entry.file}: {err}") from None


def load_ranges(folder: Folder) -> RangeSet:
    """The :class:`RangeSet` of a snapshot folder (``manifest.json`` and its files).

    Every file must match the sha256 its entry records; :class:`RangeListError` otherwise.
    """
    return RangeSet([(entry, read_list(folder, entry)[1]) for entry in read_manifest(folder)])


def bundled_folder() -> Traversable:
    """The snapshot shipped with the package: ``audits/data/ip_ranges``."""
    return resources.files("audits") / "data" / "ip_ranges"


@cache
def bundled_ranges() -> RangeSet:
    """The bundled snapshot, read once."""
    return load_ranges(bundled_folder())


def covered_tokens(entries: Iterable[ListEntry]) -> frozenset[str]:
    """Every registry token some list covers."""
    return frozenset(token for entry in entries for token in entry.agents)
