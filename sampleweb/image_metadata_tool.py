"""Write image metadata with real tools: XMP via Pillow, C2PA manifests via c2pa-python.

Used by ``sampleweb.make_images`` for the sample web and by ``tests/fixtures/images/make.py``
for the test fixtures. Each image is described by an :class:`ImageSpec`:

- ``XmpSpec``: a ``plus:DataMining`` value written as given (full URI, bare code, ExifTool
  label), in attribute, element or ``rdf:resource`` form, under any namespace prefix, with
  ``plus:OtherConstraints``, ``Iptc4xmpExt`` rights expressions, and (JPEG) Extended XMP; or
  only a ``dc:rights`` copyright text (a reservation written in words, no Data Mining value).
- ``C2paSpec``: a ``c2pa.training-mining`` or ``cawg.training-mining`` assertion, with entries
  under ``entries`` or at the top level, signed by a throwaway test certificate
  (``sampleweb/c2pa-test-keys/``, TEST ONLY: C2PA validation reports it as untrusted).

Needs Pillow, c2pa-python and cryptography (the ``test`` extra).
"""

from __future__ import annotations

import datetime
import hashlib
import io
import struct
import zlib
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any, Literal

KEYS_DIR = Path(__file__).parent / "c2pa-test-keys"
PLUS_VOCAB = "http://ns.useplus.org/ldf/vocab/"
EXTENDED_NS = b"http://ns.adobe.com/xmp/extension/\x00"
_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


@dataclass(frozen=True)
class XmpSpec:
    """What the XMP packet says and how it is written."""

    data_mining: str | None = None
    """Written as given: ``DMI-…`` codes are expanded to the full URI unless ``bare``."""
    form: Literal["attribute", "element", "resource"] = "attribute"
    prefix: str = "plus"
    bare: bool = False
    other_constraints: tuple[tuple[str, str], ...] = ()
    rights: tuple[tuple[str, str], ...] = ()
    """``dc:rights`` as (``xml:lang``, text) items of an ``rdf:Alt`` (``x-default`` first)."""
    embedded_expr: bool = False
    linked_expr: bool = False
    extended: bool = False
    """JPEG only: put the Data Mining fields in Extended XMP (APP1 extension segments)."""
    extended_chunk: int = 65_000
    raw: str | None = None
    """A packet to write verbatim instead (malformed XML, entity declarations, …)."""


@dataclass(frozen=True)
class C2paSpec:
    """A training-and-data-mining assertion to sign into the image."""

    label: Literal["c2pa.training-mining", "cawg.training-mining"]
    entries: dict[str, dict[str, str]] = field(default_factory=dict)
    layout: Literal["entries", "top-level"] = "entries"
    compress: bool = False
    """Ask c2pa-python for a Brotli-compressed manifest (``brob`` box, C2PA 2.x)."""


Damage = Literal["truncate", "bad-crc", "tamper", "bad-jumbf", "drop-extended-part"]


@dataclass(frozen=True)
class ImageSpec:
    xmp: XmpSpec | None = None
    c2pa: C2paSpec | None = None
    damage: Damage | None = None
    """Break the finished file on purpose (see :func:`damage`)."""


def _value(spec: XmpSpec) -> str:
    value = spec.data_mining or ""
    if value.startswith("DMI-") and not spec.bare:
        return PLUS_VOCAB + value
    return value


def _fields(spec: XmpSpec) -> tuple[str, str]:
    """(attributes, child elements) carrying the Data Mining fields."""
    p = spec.prefix
    attrs, elements = "", []
    if spec.data_mining is not None:
        value = escape(_value(spec))
        if spec.form == "attribute":
            attrs = f'\n    {p}:DataMining="{value}"'
        elif spec.form == "element":
            elements.append(f"   <{p}:DataMining>{value}</{p}:DataMining>")
        else:
            elements.append(f'   <{p}:DataMining rdf:resource="{value}"/>')
    if spec.rights:
        elements.append(f"   <dc:rights><rdf:Alt>{_alt_items(spec.rights)}</rdf:Alt></dc:rights>")
    if spec.other_constraints:
        items = _alt_items(spec.other_constraints)
        elements.append(
            f"   <{p}:OtherConstraints><rdf:Alt>{items}</rdf:Alt></{p}:OtherConstraints>"
        )
    if spec.embedded_expr:
        elements.append(
            '   <Iptc4xmpExt:EmbdEncRightsExpr><rdf:Bag><rdf:li rdf:parseType="Resource">'
            "<Iptc4xmpExt:EncRightsExpr>{&quot;permission&quot;: []}</Iptc4xmpExt:EncRightsExpr>"
            "<Iptc4xmpExt:RightsExprEncType>application/json</Iptc4xmpExt:RightsExprEncType>"
            "</rdf:li></rdf:Bag></Iptc4xmpExt:EmbdEncRightsExpr>"
        )
    if spec.linked_expr:
        elements.append(
            '   <Iptc4xmpExt:LinkedEncRightsExpr><rdf:Bag><rdf:li rdf:parseType="Resource">'
            "<Iptc4xmpExt:LinkedRightsExpr>https://rights.example/policy.json"
            "</Iptc4xmpExt:LinkedRightsExpr></rdf:li></rdf:Bag></Iptc4xmpExt:LinkedEncRightsExpr>"
        )
    return attrs, "\n".join(elements)


def _alt_items(texts: tuple[tuple[str, str], ...]) -> str:
    return "".join(
        f'<rdf:li xml:lang="{escape(lang)}">{escape(text)}</rdf:li>' for lang, text in texts
    )


def _packet(creator: str, attrs: str, body: str, *, wrapper: bool = True) -> str:
    description = (
        '  <rdf:Description rdf:about=""\n'
        '    xmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        '    xmlns:xmpNote="http://ns.adobe.com/xmp/note/"\n'
        '    xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"\n'
        f"    {attrs}>\n"
        f"   <dc:creator><rdf:Seq><rdf:li>{escape(creator)}</rdf:li></rdf:Seq></dc:creator>\n"
        f"{body}\n"
        "  </rdf:Description>\n"
    )
    xml = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        f"{description}"
        " </rdf:RDF>\n"
        "</x:xmpmeta>\n"
    )
    if not wrapper:
        return xml
    return f'<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n{xml}<?xpacket end="w"?>'


def xmp_packets(creator: str, spec: XmpSpec) -> tuple[bytes, bytes | None]:
    """The standard packet and, when ``spec.extended``, the Extended XMP it points to."""
    if spec.raw is not None:
        return spec.raw.encode(), None
    attrs, body = _fields(spec)
    namespace = f'xmlns:{spec.prefix}="http://ns.useplus.org/ldf/xmp/1.0/"'
    if not spec.extended:
        return _packet(creator, f"{namespace}{attrs}", body).encode(), None
    extended = _packet(creator, f"{namespace}{attrs}", body, wrapper=False).encode()
    guid = hashlib.md5(extended, usedforsecurity=False).hexdigest().upper()
    standard = _packet(creator, f'xmpNote:HasExtendedXMP="{guid}"', "")
    return standard.encode(), extended


def _extended_segments(extended: bytes, chunk: int) -> bytes:
    """APP1 segments carrying Extended XMP (XMP Part 3): GUID, full length, offset, data.

    Written by hand: Pillow writes only the standard XMP packet.
    """
    guid = hashlib.md5(extended, usedforsecurity=False).hexdigest().upper().encode()
    out = b""
    for offset in range(0, len(extended), chunk):
        payload = EXTENDED_NS + guid + struct.pack(">II", len(extended), offset)
        payload += extended[offset : offset + chunk]
        out += b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    return out


def _after_first_app1(jpeg: bytes) -> int:
    """Offset just after the JPEG's first APP1 segment (Pillow's XMP), or after SOI."""
    pos = 2
    while jpeg[pos] == 0xFF and jpeg[pos + 1] not in (0xDA, 0xD9):
        size = struct.unpack(">H", jpeg[pos + 2 : pos + 4])[0]
        if jpeg[pos + 1] == 0xE1:
            return pos + 2 + size
        pos += 2 + size
    return 2


def encode_image(image: Any, kind: str, creator: str, spec: ImageSpec) -> bytes:
    """Encode ``image`` (a Pillow image) as ``kind`` (JPEG/PNG/WEBP) with the spec's metadata."""
    from PIL import PngImagePlugin

    standard, extended = xmp_packets(creator, spec.xmp) if spec.xmp else (None, None)
    out = io.BytesIO()
    if kind == "PNG":
        info = PngImagePlugin.PngInfo()
        if standard is not None:
            info.add_itxt("XML:com.adobe.xmp", standard.decode())
        image.quantize(64).save(out, "PNG", optimize=True, pnginfo=info)
    else:
        options: dict[str, object] = {"quality": 70}
        if standard is not None:
            options["xmp"] = standard
        image.save(out, kind, **options)
    data = out.getvalue()
    if extended is not None and kind == "JPEG":
        assert spec.xmp is not None
        at = _after_first_app1(data)
        data = data[:at] + _extended_segments(extended, spec.xmp.extended_chunk) + data[at:]
    if spec.c2pa is not None:
        data = sign_c2pa(data, _MIME[kind], spec.c2pa)
    return damage(data, spec.damage) if spec.damage else data


def damage(data: bytes, how: Damage) -> bytes:
    """A real file broken in one way, for the audit's damaged-input findings.

    ``truncate``: cut inside the first metadata (XMP or JUMBF); ``bad-crc``: change one byte
    of a PNG's XMP without fixing its CRC; ``tamper``: flip a bit of JPEG scan data after
    signing (the C2PA hard binding breaks); ``bad-jumbf``: make a PNG ``caBX`` box claim more
    bytes than the chunk holds, CRC kept right; ``drop-extended-part``: remove the second
    Extended XMP segment of a JPEG.
    """
    if how == "truncate":
        marker = b"DataMining" if b"DataMining" in data else b"jumb"
        return data[: data.index(marker) + 10]
    if how == "bad-crc":
        at = data.index(b"x:xmpmeta") + 1
        return data[:at] + bytes([data[at] ^ 0x20]) + data[at + 1 :]
    if how == "tamper":
        at = data.index(b"\xff\xda") + 20
        return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]
    if how == "bad-jumbf":
        start = data.index(b"caBX") - 4
        size = struct.unpack(">I", data[start : start + 4])[0]
        body = bytearray(data[start + 8 : start + 8 + size])
        body[0:4] = struct.pack(">I", size + 1000)
        crc = struct.pack(">I", zlib.crc32(b"caBX" + bytes(body)))
        return data[: start + 8] + bytes(body) + crc + data[start + 12 + size :]
    first = data.index(EXTENDED_NS) - 4
    second = data.index(b"\xff\xe1", first + 4)
    size = struct.unpack(">H", data[second + 2 : second + 4])[0]
    return data[:second] + data[second + 2 + size :]


def signing_keys(directory: Path = KEYS_DIR) -> tuple[bytes, bytes]:
    """The TEST-ONLY ES256 certificate chain and key, made with ``cryptography`` if missing."""
    chain_file, key_file = (
        directory / "test-only-es256-chain.pem",
        directory / "test-only-es256.key",
    )
    if not chain_file.exists() or not key_file.exists():
        chain, key = _make_test_keys()
        directory.mkdir(parents=True, exist_ok=True)
        chain_file.write_bytes(chain)
        key_file.write_bytes(key)
    return chain_file.read_bytes(), key_file.read_bytes()


def _make_test_keys() -> tuple[bytes, bytes]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    def name(common: str) -> x509.Name:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, common),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "optout sample web TEST ONLY"),
            ]
        )

    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    end = start + datetime.timedelta(days=20 * 365)

    def usage(*, sign: bool) -> x509.KeyUsage:
        return x509.KeyUsage(
            digital_signature=not sign, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=sign, crl_sign=sign,
            encipher_only=False, decipher_only=False,
        )  # fmt: skip

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("optout TEST-ONLY C2PA CA"))
        .issuer_name(name("optout TEST-ONLY C2PA CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage(sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(name("optout TEST-ONLY C2PA signer"))
        .issuer_name(ca.subject)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage(sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    chain = leaf.public_bytes(pem) + ca.public_bytes(pem)
    key = leaf_key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return chain, key


def manifest_definition(spec: C2paSpec) -> dict[str, Any]:
    """The c2pa-python manifest JSON: a ``c2pa.created`` action and the training assertion."""
    family = spec.label.split(".", 1)[0]
    entries = {k if "." in k else f"{family}.{k}": v for k, v in spec.entries.items()}
    data: dict[str, Any] = {"entries": entries} if spec.layout == "entries" else entries
    return {
        "claim_generator_info": [{"name": "optout sampleweb image_metadata_tool", "version": "1"}],
        "title": "optout sample image",
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {
                    "actions": [
                        {
                            "action": "c2pa.created",
                            "digitalSourceType": "http://cv.iptc.org/newscodes/"
                            "digitalsourcetype/digitalCapture",
                        }
                    ]
                },
            },
            {"label": spec.label, "data": data},
        ],
    }


def sign_c2pa(data: bytes, mime: str, spec: C2paSpec) -> bytes:
    """Sign a C2PA manifest with the spec's assertion into the image bytes (c2pa-python)."""
    import c2pa

    chain, key = signing_keys()
    settings: dict[str, Any] = {"builder": {"thumbnail": {"enabled": False}}}
    if spec.compress:
        settings["core"] = {"prefer_compress_manifests": True}
    context = c2pa.Context(settings=c2pa.Settings.from_dict(settings))
    signer = c2pa.Signer.from_info(c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, chain, key, None))
    out = io.BytesIO()
    with c2pa.Builder.from_json(manifest_definition(spec), context) as builder:
        builder.sign(signer, mime, io.BytesIO(data), out)
    return out.getvalue()
