"""XMP packets: IPTC ``plus:DataMining`` and related rights fields, bound by namespace URI.

Parsed with defusedxml: a packet that declares a DTD or entities is reported and never
expanded (no billion laughs, no external files or URLs).
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from audits.core.findings import FindingLog
from audits.signals.images.model import DataMining, RightsField, RightsText
from audits.signals.images.plus import plus_code
from audits.signals.images.walk import MAX_METADATA_BYTES

PLUS_NS = "http://ns.useplus.org/ldf/xmp/1.0/"
IPTC_EXT_NS = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
NOTE_NS = "http://ns.adobe.com/xmp/note/"
DC_NS = "http://purl.org/dc/elements/1.1/"
XMP_RIGHTS_NS = "http://ns.adobe.com/xap/1.0/rights/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
MAX_ELEMENTS = 50_000
MAX_RIGHTS_TEXTS = 20
MAX_RIGHTS_CHARS = 2_000

_DATA_MINING = f"{{{PLUS_NS}}}DataMining"
_OTHER_CONSTRAINTS = f"{{{PLUS_NS}}}OtherConstraints"
_EMBEDDED = f"{{{IPTC_EXT_NS}}}EmbdEncRightsExpr"
_LINKED = f"{{{IPTC_EXT_NS}}}LinkedEncRightsExpr"
_HAS_EXTENDED = f"{{{NOTE_NS}}}HasExtendedXMP"
_RESOURCE = f"{{{RDF_NS}}}resource"
_LI = f"{{{RDF_NS}}}li"
_RIGHTS_FIELDS: dict[str, RightsField] = {
    f"{{{DC_NS}}}rights": "dc:rights",
    f"{{{XMP_RIGHTS_NS}}}UsageTerms": "xmpRights:UsageTerms",
    _OTHER_CONSTRAINTS: "plus:OtherConstraints",
}


@dataclass
class _Fields:
    data_mining: list[str] = field(default_factory=list)
    other_constraints: list[tuple[str, str]] = field(default_factory=list)
    embedded: bool = False
    linked: bool = False
    extended_guid: str | None = None
    rights: list[RightsText] = field(default_factory=list)

    def add_rights(self, name: RightsField, lang: str, text: str) -> None:
        text = text.strip()
        if text and len(self.rights) < MAX_RIGHTS_TEXTS:
            self.rights.append(RightsText(name, lang, text[:MAX_RIGHTS_CHARS]))


def _parse(packet: bytes, log: FindingLog, where: str) -> ET.Element | None:
    text = packet.strip(b"\x00 \t\r\n")
    if b"<!doctype" in text.lower() or b"<!entity" in text.lower():
        log.add("xmp-entities", f"the {where} XMP packet declares a DTD or entities; not read")
        return None
    try:
        root: ET.Element = fromstring(
            text, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException as exc:
        log.add("xmp-entities", f"the {where} XMP packet uses entities; not read: {exc}")
        return None
    except (ET.ParseError, ValueError) as exc:
        log.add("xmp-malformed", f"the {where} XMP packet is not well-formed XML: {exc}")
        return None
    return root


def _value(element: ET.Element) -> str | None:
    """A simple property as an element: its text, its rdf:resource, or the first rdf:li."""
    if (resource := element.get(_RESOURCE)) is not None:
        return resource
    if element.text and element.text.strip():
        return element.text.strip()
    for item in element.iter(_LI):
        if item.text and item.text.strip():
            return item.text.strip()
    return None


def _elements(root: ET.Element) -> Iterator[ET.Element]:
    for count, element in enumerate(root.iter()):
        if count >= MAX_ELEMENTS:
            return
        yield element


def _collect(root: ET.Element, found: _Fields) -> None:
    for element in _elements(root):
        attrs = element.attrib
        if _DATA_MINING in attrs:
            found.data_mining.append(attrs[_DATA_MINING])
        if _OTHER_CONSTRAINTS in attrs:
            found.other_constraints.append(("x-default", attrs[_OTHER_CONSTRAINTS]))
        for key, name in _RIGHTS_FIELDS.items():
            if key in attrs:
                found.add_rights(name, "x-default", attrs[key])
        found.embedded |= _EMBEDDED in attrs
        found.linked |= _LINKED in attrs
        if _HAS_EXTENDED in attrs:
            found.extended_guid = attrs[_HAS_EXTENDED].strip()
        tag = element.tag
        if tag == _DATA_MINING and (value := _value(element)) is not None:
            found.data_mining.append(value)
        elif tag == _OTHER_CONSTRAINTS:
            items = [
                (li.get(XML_LANG, "x-default"), (li.text or "").strip()) for li in element.iter(_LI)
            ]
            simple = (element.text or "").strip()
            found.other_constraints += items or ([("x-default", simple)] if simple else [])
        if tag in _RIGHTS_FIELDS:
            items = [(li.get(XML_LANG, "x-default"), li.text or "") for li in element.iter(_LI)]
            for lang, text in items or [("x-default", element.text or "")]:
                found.add_rights(_RIGHTS_FIELDS[tag], lang, text)
        if tag == _EMBEDDED:
            found.embedded = True
        elif tag == _LINKED:
            found.linked = True
        elif tag == _HAS_EXTENDED and element.text:
            found.extended_guid = element.text.strip()


def _extended(
    parts: list[tuple[str, int, int, bytes]], guid: str | None, log: FindingLog
) -> bytes | None:
    """Reassemble the Extended XMP named by the standard packet (XMP Part 3, JPEG)."""
    guids = {p[0] for p in parts}
    if guid is None:
        if len(guids) != 1:
            return None
        guid = next(iter(guids))
    mine = sorted((p for p in parts if p[0] == guid), key=lambda p: p[2])
    if not mine:
        log.add("xmp-extended-incomplete", f"Extended XMP {guid} is announced but absent")
        return None
    full = mine[0][1]
    if full > MAX_METADATA_BYTES:
        log.add("xmp-extended-incomplete", f"Extended XMP of {full} bytes is too large to read")
        return None
    buffer = bytearray(full)
    covered = 0
    for _, _, offset, data in mine:
        if offset != covered or offset + len(data) > full:
            log.add("xmp-extended-incomplete", f"Extended XMP {guid} has a gap or overlap")
            return None
        buffer[offset : offset + len(data)] = data
        covered += len(data)
    if covered != full:
        log.add("xmp-extended-incomplete", f"Extended XMP {guid}: {covered} of {full} bytes")
        return None
    digest = hashlib.md5(bytes(buffer), usedforsecurity=False).hexdigest().upper()
    if digest != guid.upper():
        log.add("xmp-extended-incomplete", f"Extended XMP {guid} does not match its digest")
    return bytes(buffer)


def read_xmp(
    packets: list[bytes], extended: list[tuple[str, int, int, bytes]], log: FindingLog
) -> tuple[DataMining | None, tuple[RightsText, ...]]:
    """The Data Mining facts of a file's XMP (standard packets, then Extended XMP), and its
    rights statements in words."""
    found = _Fields()
    for packet in packets:
        root = _parse(packet, log, "standard")
        if root is not None:
            _collect(root, found)
    if extended:
        whole = _extended(extended, found.extended_guid, log)
        root = _parse(whole, log, "extended") if whole is not None else None
        if root is not None:
            _collect(root, found)
    rights = tuple(dict.fromkeys(found.rights))
    if not found.data_mining:
        return None, rights
    raw = found.data_mining[0]
    codes = {plus_code(value) or value for value in found.data_mining}
    if len(codes) > 1:
        log.add(
            "iptc-data-mining-conflict",
            "the image states plus:DataMining more than once, with different values",
            evidence=" | ".join(sorted(codes)),
        )
    code = plus_code(raw)
    if code is None:
        log.add(
            "iptc-data-mining-unknown-value",
            "plus:DataMining is not one of the nine PLUS values",
            evidence=raw,
        )
    mining = DataMining(
        raw=raw,
        code=code,
        other_constraints=tuple(found.other_constraints),
        embedded_rights_expr=found.embedded,
        linked_rights_expr=found.linked,
    )
    return mining, rights
