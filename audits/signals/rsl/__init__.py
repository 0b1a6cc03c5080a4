"""RSL (Really Simple Licensing 1.0): licence discovery and the licence document.

Discovery (rslstandard.org guides): a robots.txt ``License:`` line with an absolute URL,
not tied to any group; an HTTP ``Link: <url>; rel="license"; type="application/rsl+xml"``
(the field itself is parsed by :mod:`audits.core.http_link`).
The document is XML with root ``<rsl xmlns="https://rslstandard.org/rsl">`` holding
``<content url=…>`` elements, each with ``<license>`` terms (``permits``, ``prohibits``,
``payment``). XML is parsed with defusedxml (no DTD, no entities, no external references)
under size, depth and element-count bounds.
"""

from __future__ import annotations

import contextlib
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

import defusedxml
from defusedxml.ElementTree import DefusedXMLParser

from audits.core.findings import Finding, Severity, make_finding
from audits.core.http_link import MAX_LINK_HEADER_CHARS, Link, bounded_links

RSL_NAMESPACE = "https://rslstandard.org/rsl"
RSL_MEDIA_TYPE = "application/rsl+xml"
AI_TRAINING_USAGES = frozenset({"ai-train", "ai-all", "all"})

MAX_DOCUMENT_BYTES = 1024 * 1024
MAX_DEPTH = 32
MAX_ELEMENTS = 10_000

CODES: dict[str, Severity] = {
    "rsl-invalid-license-url": "error",
    "rsl-too-large": "error",
    "rsl-xml-forbidden": "error",
    "rsl-malformed-xml": "error",
    "rsl-wrong-root": "error",
    "rsl-wrong-namespace": "error",
    "rsl-no-content": "error",
    "rsl-content-missing-url": "error",
    "rsl-missing-type": "warning",
    "rsl-unexpected-content-type": "warning",
    "rsl-link-header-too-long": "warning",
    "rsl-license-link-not-rsl": "info",
}


@dataclass(frozen=True)
class LicenseRef:
    """A pointer to a licence, from robots.txt or a ``Link`` header."""

    raw: str
    url: str | None
    """The absolute http(s) URL, or None when the reference is unusable."""
    source: Literal["robots-txt", "link-header"]
    media_type: str | None = None
    is_rsl: bool = False
    """True for a robots.txt ``License:`` line or a link typed application/rsl+xml."""
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True)
class RslContent:
    """One ``<content>`` element with its licence terms merged over its ``<license>``s."""

    url: str | None
    server: str | None
    permits: Mapping[str, tuple[str, ...]]
    """Per type (``usage``, ``user``, ``geo``; ``""`` when missing), the permitted values."""
    prohibits: Mapping[str, tuple[str, ...]]
    payment_types: tuple[str, ...]
    license_count: int


@dataclass(frozen=True)
class RslDocument:
    """A fetched RSL document: whether it could be read, and its content elements."""

    size: int
    parsed: bool
    """Well-formed XML whose root is ``rsl`` (in any namespace)."""
    root: str | None
    """The root tag in Clark notation (``{namespace}rsl``)."""
    contents: tuple[RslContent, ...] = ()
    findings: tuple[Finding, ...] = ()


def _http_url(value: str) -> str | None:
    """The value if it is an absolute http(s) URL with a host, else None."""
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        return None
    return value if parts.scheme.lower() in ("http", "https") and host else None


def _url_finding(raw: str, where: str) -> Finding:
    return make_finding(
        CODES,
        "rsl-invalid-license-url",
        f"The {where} licence URL `{raw}` is not an absolute http(s) URL, so crawlers cannot "
        "fetch the licence; write it with scheme and host (https://example.com/license.xml).",
        evidence=raw,
    )


def check_license_url(value: str) -> LicenseRef:
    """Check a robots.txt ``License:`` value: RSL requires an absolute URL (any host)."""
    raw = value.strip()
    url = _http_url(raw)
    findings = () if url else (_url_finding(raw, "robots.txt"),)
    return LicenseRef(raw, url, "robots-txt", is_rsl=True, findings=findings)


def _license_from_link(link: Link, base_url: str | None) -> LicenseRef:
    target = link.target
    if base_url is not None:
        with contextlib.suppress(ValueError):
            target = urljoin(base_url, target)
    url = _http_url(target)
    is_rsl = link.media_type == RSL_MEDIA_TYPE
    findings: list[Finding] = [] if url else [_url_finding(link.target, "Link header")]
    if not is_rsl:
        findings.append(
            make_finding(
                CODES,
                "rsl-license-link-not-rsl",
                f'A rel="license" link of type {link.media_type or "(none)"} (often a '
                f"Creative Commons licence); not an RSL licence, which needs "
                f'type="{RSL_MEDIA_TYPE}".',
                evidence=link.target,
            )
        )
    return LicenseRef(link.target, url, "link-header", link.media_type, is_rsl, tuple(findings))


def licenses_from_link_headers(
    values: Sequence[str], *, base_url: str | None = None
) -> tuple[LicenseRef, ...]:
    """Licence links (rel="license") in ``Link`` field values, RSL or not.

    Relative targets are resolved against ``base_url`` when given (RFC 8288 §3.1). When
    the values exceed the size bound, a last reference with no URL carries the finding.
    """
    links, truncated = bounded_links(values)
    refs = [_license_from_link(link, base_url) for link in links if "license" in link.rels]
    if truncated:
        finding = make_finding(
            CODES,
            "rsl-link-header-too-long",
            f"Link header values longer than {MAX_LINK_HEADER_CHARS} characters; the rest "
            "was not read.",
            evidence=values[0][:300],
        )
        refs.append(LicenseRef("", None, "link-header", findings=(finding,)))
    return tuple(refs)


class _TooComplex(Exception):
    """Raised by the tree builder when the document is nested too deep or is too big."""


class _BoundedTreeBuilder:
    """An ElementTree builder that stops at ``MAX_DEPTH`` nesting or ``MAX_ELEMENTS``."""

    def __init__(self) -> None:
        self._builder = ET.TreeBuilder()
        self._depth = 0
        self._count = 0

    def start(self, tag: str, attrs: dict[str, str]) -> ET.Element:
        self._depth += 1
        self._count += 1
        if self._depth > MAX_DEPTH:
            raise _TooComplex(f"elements nested deeper than {MAX_DEPTH}")
        if self._count > MAX_ELEMENTS:
            raise _TooComplex(f"more than {MAX_ELEMENTS} elements")
        return self._builder.start(tag, attrs)

    def end(self, tag: str) -> ET.Element:
        self._depth -= 1
        return self._builder.end(tag)

    def data(self, text: str) -> None:
        self._builder.data(text)

    def close(self) -> ET.Element:
        return self._builder.close()


def _parse_xml(body: bytes) -> tuple[ET.Element | None, Finding | None]:
    """Parse XML safely; on failure, the finding that explains why."""
    parser: Any = DefusedXMLParser(
        target=_BoundedTreeBuilder(), forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    try:
        parser.feed(body)
        root: ET.Element = parser.close()
    except defusedxml.DefusedXmlException as exc:
        message = (
            f"The licence uses a DTD or entities ({type(exc).__name__}); they are refused "
            "for safety, so the licence is not read. Remove the DOCTYPE."
        )
        return None, make_finding(CODES, "rsl-xml-forbidden", message)
    except _TooComplex as exc:
        return None, make_finding(CODES, "rsl-too-large", f"Licence not read: {exc}.")
    except (ET.ParseError, ValueError, LookupError) as exc:
        return None, make_finding(
            CODES, "rsl-malformed-xml", f"The licence is not well-formed XML ({exc})."
        )
    return root, None


def _split_tag(tag: str) -> tuple[str, str]:
    """``{ns}local`` into ``(ns, local)``; no namespace gives ``""``."""
    if tag.startswith("{") and "}" in tag:
        namespace, local = tag[1:].split("}", 1)
        return namespace, local
    return "", tag


def _terms(text: str) -> list[str]:
    return [item.strip().lower() for item in text.split(",") if item.strip()]


def _frozen(mapping: dict[str, dict[str, None]]) -> Mapping[str, tuple[str, ...]]:
    return MappingProxyType({key: tuple(values) for key, values in mapping.items()})


def _read_content(element: ET.Element, namespace: str, findings: list[Finding]) -> RslContent:
    # Dicts keep first-seen order and deduplicate in linear time.
    permits: dict[str, dict[str, None]] = {}
    prohibits: dict[str, dict[str, None]] = {}
    payments: dict[str, None] = {}
    licenses = [child for child in element if child.tag == _qualified(namespace, "license")]
    for license_element in licenses:
        for term in license_element:
            term_ns, local = _split_tag(term.tag)
            if term_ns != namespace:
                continue
            if local == "payment":
                kind = (term.get("type") or "free").strip().lower()  # "free" is the default
                payments[kind] = None
            elif local in ("permits", "prohibits"):
                kind = (term.get("type") or "").strip().lower()
                if not kind:
                    findings.append(_missing_type(local, element.get("url")))
                target = permits if local == "permits" else prohibits
                target.setdefault(kind, {}).update(dict.fromkeys(_terms("".join(term.itertext()))))
    url = element.get("url")
    if url is None:
        findings.append(
            make_finding(
                CODES,
                "rsl-content-missing-url",
                "A <content> element has no url attribute, so it applies to nothing.",
            )
        )
    return RslContent(
        url,
        element.get("server"),
        _frozen(permits),
        _frozen(prohibits),
        tuple(payments),
        len(licenses),
    )


def _missing_type(local: str, url: str | None) -> Finding:
    return make_finding(
        CODES,
        "rsl-missing-type",
        f"<{local}> without a type attribute in content {url!r}; readers cannot tell "
        'whether it lists usages, users or places: add type="usage".',
    )


def _qualified(namespace: str, local: str) -> str:
    return f"{{{namespace}}}{local}" if namespace else local


def _content_type_finding(content_type: str | None) -> Finding | None:
    if content_type is None:
        return None
    media = content_type.split(";", 1)[0].strip().lower()
    if media == RSL_MEDIA_TYPE or media.endswith(("/xml", "+xml")):
        return None
    return make_finding(
        CODES,
        "rsl-unexpected-content-type",
        f"The licence is served as {media or '(empty)'}, not {RSL_MEDIA_TYPE}"
        + (" (an HTML page: probably an error page)." if media == "text/html" else "."),
        evidence=content_type,
    )


def _read_root(root: ET.Element, size: int, findings: list[Finding]) -> RslDocument:
    namespace, local = _split_tag(root.tag)
    if local != "rsl":
        findings.append(
            make_finding(
                CODES,
                "rsl-wrong-root",
                f"The root element is <{local}>, not <rsl>; this is not an RSL licence"
                + (" (RSL terms inside RSS items are not read here)." if local == "rss" else "."),
                evidence=root.tag,
            )
        )
        return RslDocument(size, False, root.tag, (), tuple(findings))
    if namespace != RSL_NAMESPACE:
        findings.append(
            make_finding(
                CODES,
                "rsl-wrong-namespace",
                f"<rsl> is in namespace {namespace or '(none)'}; RSL requires "
                f'xmlns="{RSL_NAMESPACE}". Read anyway, but strict readers will reject it.',
                evidence=root.tag,
            )
        )
    # Lenient: elements are read in the root's own namespace, whatever it is.
    elements = [child for child in root if child.tag == _qualified(namespace, "content")]
    contents = tuple(_read_content(element, namespace, findings) for element in elements)
    if not contents:
        findings.append(
            make_finding(
                CODES, "rsl-no-content", "The licence has no <content> element: it covers nothing."
            )
        )
    return RslDocument(size, True, root.tag, contents, tuple(findings))


def parse_rsl_document(body: bytes, *, content_type: str | None = None) -> RslDocument:
    """Parse an RSL licence document safely and read its content elements."""
    findings: list[Finding] = []
    type_finding = _content_type_finding(content_type)
    if type_finding is not None:
        findings.append(type_finding)
    if len(body) > MAX_DOCUMENT_BYTES:
        findings.append(
            make_finding(
                CODES,
                "rsl-too-large",
                f"Licence of {len(body)} bytes exceeds the {MAX_DOCUMENT_BYTES}-byte bound; "
                "not read.",
            )
        )
        return RslDocument(len(body), False, None, (), tuple(findings))
    root, failure = _parse_xml(body)
    if root is None:
        findings.extend([failure] if failure else [])
        return RslDocument(len(body), False, None, (), tuple(findings))
    return _read_root(root, len(body), findings)


def prohibits_ai_training(content: RslContent) -> bool:
    """Whether the content's prohibited usages include ai-train, ai-all or all."""
    return bool(AI_TRAINING_USAGES.intersection(content.prohibits.get("usage", ())))
