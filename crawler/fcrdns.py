"""Forward-confirmed reverse DNS, for the crawlers whose operators document it.

Google, Microsoft, Apple, Common Crawl and Amazon tell site owners to check a crawler's address
this way: look up the address's name (PTR), require it under the operator's domain, then look
that name up and require the same address back. A name alone proves nothing (whoever holds an
address block chooses its PTR names); the forward lookup is what ties it to the operator.

Network lookups are slow and can hang, so this is opt-in (the log ingest's ``--verify-dns``),
each lookup has a timeout, at most a few run at once, results are cached (bounded), and the
checks stop for the run after repeated failures. The resolver is injectable: tests pass plain
functions over a dict and never touch the network.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from audits.logs import Verification
from audits.logs.ranges import RangeSet


class DnsNoAnswer(Exception):
    """The name server answered that there is no such name or record (a definite answer)."""


class DnsUnavailable(Exception):
    """No answer: timed out, refused or failed. Nothing is learnt from it."""


Lookup = Callable[[str], Sequence[str]]
"""Reverse: an address to its PTR names. Forward: a name to its addresses. Raise
:class:`DnsNoAnswer` or :class:`DnsUnavailable`."""


@dataclass(frozen=True)
class Resolver:
    """The two lookups forward-confirmed reverse DNS needs."""

    reverse: Lookup
    forward: Lookup


def _system_reverse(address: str) -> Sequence[str]:
    try:
        name, aliases, _ = socket.gethostbyaddr(address)
    except socket.herror as err:
        if err.errno == 1:  # HOST_NOT_FOUND: the server said there is no such name
            raise DnsNoAnswer(str(err)) from None
        raise DnsUnavailable(str(err)) from None
    except OSError as err:
        raise DnsUnavailable(str(err)) from None
    return [name, *aliases]


def _system_forward(name: str) -> Sequence[str]:
    try:
        infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror as err:
        if err.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)):
            raise DnsNoAnswer(str(err)) from None
        raise DnsUnavailable(str(err)) from None
    except (OSError, UnicodeError) as err:
        raise DnsUnavailable(str(err)) from None
    return [str(info[4][0]) for info in infos]


SYSTEM_RESOLVER: Final = Resolver(_system_reverse, _system_forward)
"""The operating system's resolver (``/etc/hosts``, then DNS)."""


@dataclass(frozen=True)
class DnsRule:
    """An operator's documented reverse DNS domains, and the agents they prove."""

    operator: str
    suffixes: tuple[str, ...]
    """A confirmed name must equal one of these or end in ``.`` + one of these."""
    agents: tuple[str, ...]
    source: str
    """The operator's page that documents it."""

    def matches(self, hostname: str) -> bool:
        name = hostname.lower().rstrip(".")
        return any(name == s or name.endswith("." + s) for s in self.suffixes)


RULES: Final[tuple[DnsRule, ...]] = (
    DnsRule(
        "Google",
        # Only App Engine's names under googleusercontent.com: any Cloud customer's virtual
        # machine gets a forward-confirmed *.googleusercontent.com name of its own.
        ("googlebot.com", "google.com", "gae.googleusercontent.com"),
        (
            "Googlebot",
            "GoogleOther",
            "GoogleOther-Image",
            "GoogleOther-Video",
            "Google-CloudVertexBot",
            "Google-NotebookLM",
            "Google-Agent",
        ),
        "https://developers.google.com/search/docs/crawling-indexing/verifying-googlebot",
    ),
    DnsRule(
        "Microsoft",
        ("search.msn.com",),
        ("bingbot",),
        "https://www.bing.com/webmasters/help/how-to-verify-bingbot-3905dc26",
    ),
    DnsRule(
        "Apple", ("applebot.apple.com",), ("Applebot",), "https://support.apple.com/en-us/119829"
    ),
    DnsRule(
        "Common Crawl", ("crawl.commoncrawl.org",), ("CCBot",), "https://commoncrawl.org/ccbot"
    ),
    DnsRule(
        "Amazon",
        ("crawl.amazonbot.amazon",),
        ("Amazonbot",),
        "https://developer.amazon.com/amazonbot",
    ),
)

DnsVerdict = Literal["confirmed", "refuted", "unknown", "undocumented"]


@dataclass(frozen=True)
class DnsResult:
    """One check: ``confirmed`` (the name is the operator's and resolves back), ``refuted``
    (no name, a name outside the operator's domains, or one that does not resolve back),
    ``unknown`` (the resolver did not answer) or ``undocumented`` (no rule for the agent)."""

    verdict: DnsVerdict
    hostname: str | None = None
    detail: str = ""


DEFAULT_TIMEOUT: Final = 2.0
DEFAULT_CACHE: Final = 20_000
DEFAULT_MAX_FAILURES: Final = 25
_MAX_RUNNING: Final = 8
_MAX_NAMES: Final = 8


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip().strip("[]").split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


class FcrdnsChecker:
    """Checks addresses against the operators' documented reverse DNS domains."""

    def __init__(
        self,
        resolver: Resolver = SYSTEM_RESOLVER,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        cache_size: int = DEFAULT_CACHE,
        max_failures: int = DEFAULT_MAX_FAILURES,
        rules: Sequence[DnsRule] = RULES,
    ) -> None:
        self._resolver = resolver
        self._timeout = timeout
        self._cache_size = max(1, cache_size)
        self._max_failures = max_failures
        self._rules = {agent.casefold(): rule for rule in rules for agent in rule.agents}
        self._cache: OrderedDict[tuple[str, str], DnsResult] = OrderedDict()
        self._running = threading.BoundedSemaphore(_MAX_RUNNING)
        self._failures = 0
        self.stopped: str | None = None
        """Why the checks stopped for this run (too many failures in a row), or None."""
        self.lookups = 0
        """Lookups made (cache misses), for the report."""

    def rule_for(self, agent_token: str) -> DnsRule | None:
        """The rule for an agent, if its operator documents reverse DNS."""
        return self._rules.get(agent_token.casefold())

    def _call(self, lookup: Lookup, value: str) -> Sequence[str]:
        """One lookup in a daemon thread, waited for at most the timeout."""
        if not self._running.acquire(blocking=False):
            raise DnsUnavailable("too many lookups still waiting for an answer")
        box: list[Sequence[str] | BaseException] = []

        def run() -> None:
            try:
                box.append(lookup(value))
            except BaseException as err:  # handed to the waiting thread
                box.append(err)
            finally:
                self._running.release()

        worker = threading.Thread(target=run, name="fcrdns", daemon=True)
        worker.start()
        worker.join(self._timeout)
        if not box:
            raise DnsUnavailable(f"no answer within {self._timeout:g} s")
        result = box[0]
        if isinstance(result, (DnsNoAnswer, DnsUnavailable)):
            raise result
        if isinstance(result, BaseException):
            raise DnsUnavailable(f"{type(result).__name__}: {result}")
        return result

    def _confirm(self, rule: DnsRule, address: str) -> DnsResult:
        parsed = _address(address)
        if parsed is None:
            return DnsResult("unknown", detail="not an IP address")
        text = str(parsed)
        try:
            names = list(self._call(self._resolver.reverse, text))[:_MAX_NAMES]
        except DnsNoAnswer:
            return DnsResult("refuted", detail="the address has no reverse DNS name")
        ours = [n.rstrip(".") for n in names if rule.matches(n)]
        if not ours:
            shown = names[0] if names else "none"
            return DnsResult("refuted", detail=f"reverse name {shown} is not {rule.operator}'s")
        unanswered = False
        for name in ours:
            try:
                forward = self._call(self._resolver.forward, name)
            except DnsNoAnswer:
                continue
            except DnsUnavailable:
                unanswered = True
                continue
            if any(_address(a) == parsed for a in forward):
                return DnsResult("confirmed", name)
        if unanswered:
            return DnsResult("unknown", ours[0], "the forward lookup did not answer")
        return DnsResult("refuted", ours[0], f"{ours[0]} does not resolve back to {text}")

    def check(self, agent_token: str, address: str) -> DnsResult:
        """Forward-confirmed reverse DNS for a request claiming to be ``agent_token``."""
        rule = self.rule_for(agent_token)
        if rule is None:
            return DnsResult("undocumented")
        key = (rule.operator, address)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        if self.stopped is not None:
            return DnsResult("unknown", detail=self.stopped)
        self.lookups += 1
        try:
            result = self._confirm(rule, address)
        except DnsUnavailable as err:
            result = DnsResult("unknown", detail=str(err))
        self._failures = self._failures + 1 if result.verdict == "unknown" else 0
        if self._max_failures and self._failures >= self._max_failures:
            self.stopped = f"DNS checks stopped after {self._failures} failures in a row"
        self._cache[key] = result
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return result


def verify_hit(
    ranges: RangeSet, agent_token: str, address: str, dns: FcrdnsChecker | None = None
) -> tuple[Verification, str | None]:
    """The verification of one hit: the published ranges first, then (when ``dns`` is given,
    the ingest's ``--verify-dns``) forward-confirmed reverse DNS where the operator documents
    it and the ranges did not already verify the address.

    - in a list: ``verified`` by that list, without a lookup;
    - DNS confirms: ``verified``, ``verified_by`` ``fcrdns (HOSTNAME)`` (this also covers an
      operator's new addresses that its published list does not hold yet);
    - DNS refutes: ``impersonator``, also for an agent no list covers;
    - DNS cannot tell, or documents nothing for the agent: the ranges' answer stands.
    """
    verdict, by = ranges.verify(agent_token, address)
    if verdict == "verified" or dns is None:
        return verdict, by
    return _from_dns(dns.check(agent_token, address)) or (verdict, by)


def _from_dns(result: DnsResult) -> tuple[Verification, str | None] | None:
    if result.verdict == "confirmed":
        return "verified", f"fcrdns ({result.hostname})"
    if result.verdict == "refuted":
        return "impersonator", None
    return None


DnsVerification = Callable[[str, str], tuple[Verification, str | None] | None]


def verification_checker(
    resolver: Resolver = SYSTEM_RESOLVER, *, timeout: float = DEFAULT_TIMEOUT
) -> DnsVerification:
    """What the ingest's ``--verify-dns`` calls for a hit the ranges did not verify:
    ``(agent, address)`` to ``("verified", "fcrdns (HOSTNAME)")``, ``("impersonator", None)``,
    or None when DNS says nothing (no documented domain, no answer)."""
    checker = FcrdnsChecker(resolver, timeout=timeout)

    def check(agent_token: str, address: str) -> tuple[Verification, str | None] | None:
        return _from_dns(checker.check(agent_token, address))

    return check
