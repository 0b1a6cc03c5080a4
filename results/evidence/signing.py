"""Signing a pack's digest with a key the user holds, and checking such a signature.

This follows the "anonymous signature" of Webrecorder's WACZ Signing and Verification
specification (0.1.0): ``datapackage-digest.json`` gets a ``signedData`` object holding the
signed ``hash`` (the ``sha256:…`` digest of ``datapackage.json``), ``created``, ``software``,
``version``, the ``signature`` (base64) and the ``publicKey`` (base64 of the DER
SubjectPublicKeyInfo). The signed message is the UTF-8 text of ``hash``. An ECDSA P-256
signature is the raw 64-byte ``r || s`` that WebCrypto (and so ArchiveWeb.page and
ReplayWeb.page) uses; a DER-encoded one is accepted when checking. RSA keys sign with
PKCS #1 v1.5 and SHA-256 (WebCrypto's RSASSA-PKCS1-v1_5); other WACZ tools may accept only
ECDSA.

Written here rather than taken from the ``wacz-signing`` package: that package pins
``cryptography<45``, and the Scrapy we crawl with needs a newer pyOpenSSL, which needs a
newer ``cryptography``; the few calls needed are all in ``cryptography`` itself. Nothing here
touches the network: a trusted timestamp (RFC 3161) is obtained separately, see
docs/evidence.md.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from audits import TOOL, TOOL_VERSION

SIGNATURE_SPEC: Final = "https://specs.webrecorder.net/wacz-auth/0.1.0/"
MAX_KEY_BYTES: Final = 64 * 1024
"""A PEM key or certificate larger than this is no key file."""
MIN_RSA_BITS: Final = 2048
_P256_BYTES: Final = 32

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey


class SigningError(ValueError):
    """A key cannot be used (unreadable, encrypted, of an unsupported kind)."""


def load_private_key(path: Path) -> PrivateKey:
    """An unencrypted PEM private key: ECDSA on P-256, or RSA of at least 2048 bits."""
    data = _read_key_file(path)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError as err:
        raise SigningError(
            f"{path}: the key is encrypted; write an unencrypted copy with"
            " `openssl pkey -in KEY -out PLAIN.pem` and keep it safe"
        ) from err
    except (ValueError, UnsupportedAlgorithm) as err:
        raise SigningError(f"{path}: not a PEM private key ({err})") from err
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise SigningError(f"{path}: not an ECDSA or RSA key")
    _check_kind(key.public_key(), path)
    return key


def load_public_key(path: Path) -> PublicKey:
    """A PEM public key, or the public key of a PEM certificate."""
    data = _read_key_file(path)
    try:
        if b"-----BEGIN CERTIFICATE-----" in data:
            key: Any = x509.load_pem_x509_certificate(data).public_key()
        else:
            key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm) as err:
        raise SigningError(f"{path}: not a PEM public key or certificate ({err})") from err
    if not isinstance(key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
        raise SigningError(f"{path}: not an ECDSA or RSA key")
    _check_kind(key, path)
    return key


def public_key_text(key: PublicKey) -> str:
    """The ``publicKey`` field: base64 of the key's DER SubjectPublicKeyInfo."""
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode("ascii")


def fingerprint(key: PublicKey) -> str:
    """How messages name a key: SHA-256 of its DER SubjectPublicKeyInfo."""
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return "sha256:" + hashlib.sha256(der).hexdigest()


def signed_data(digest: str, key: PrivateKey, created: datetime) -> dict[str, str]:
    """The ``signedData`` object for a ``datapackage.json`` of this ``sha256:…`` digest."""
    message = digest.encode("utf-8")
    if isinstance(key, ec.EllipticCurvePrivateKey):
        r, s = decode_dss_signature(key.sign(message, ec.ECDSA(hashes.SHA256())))
        signature = r.to_bytes(_P256_BYTES, "big") + s.to_bytes(_P256_BYTES, "big")
    else:
        signature = key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    return {
        "hash": digest,
        "created": created.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "software": TOOL,
        "version": TOOL_VERSION,
        "signature": base64.b64encode(signature).decode("ascii"),
        "publicKey": public_key_text(key.public_key()),
    }


def signature_problems(
    signed: Mapping[str, Any], digest: str, trusted: PublicKey | None
) -> list[str]:
    """What is wrong with a ``signedData`` object that should sign ``digest``: one line each,
    none when it is a valid signature by its embedded key (and that key is ``trusted``,
    when given)."""
    if signed.get("hash") != digest:
        return ["signedData: its hash is not the digest of datapackage.json"]
    try:
        embedded = _embedded_key(signed)
        signature = base64.b64decode(str(signed.get("signature", "")), validate=True)
    except (ValueError, binascii.Error, UnsupportedAlgorithm) as err:
        return [f"signedData: unreadable key or signature ({err})"]
    problems = []
    if trusted is not None and public_key_text(trusted) != public_key_text(embedded):
        problems.append(
            f"signedData: signed with key {fingerprint(embedded)}, not the given public key"
            f" {fingerprint(trusted)}"
        )
    if not _valid(embedded, signature, digest.encode("utf-8")):
        problems.append("signedData: the signature does not match its hash and public key")
    return problems


def embedded_fingerprint(signed: Mapping[str, Any]) -> str | None:
    """The fingerprint of the key a ``signedData`` object names, None when unreadable."""
    try:
        return fingerprint(_embedded_key(signed))
    except (ValueError, binascii.Error, UnsupportedAlgorithm):
        return None


def _embedded_key(signed: Mapping[str, Any]) -> PublicKey:
    der = base64.b64decode(str(signed.get("publicKey", "")), validate=True)
    key = serialization.load_der_public_key(der)
    if not isinstance(key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
        raise ValueError("not an ECDSA or RSA key")
    return key


def _valid(key: PublicKey, signature: bytes, message: bytes) -> bool:
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            if len(signature) == 2 * _P256_BYTES:  # WebCrypto's raw r || s
                r = int.from_bytes(signature[:_P256_BYTES], "big")
                s = int.from_bytes(signature[_P256_BYTES:], "big")
                signature = encode_dss_signature(r, s)
            key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
        else:
            key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def _check_kind(key: PublicKey, path: Path) -> None:
    if isinstance(key, ec.EllipticCurvePublicKey) and not isinstance(key.curve, ec.SECP256R1):
        raise SigningError(
            f"{path}: an ECDSA key must be on P-256 (prime256v1), not {key.curve.name}"
        )
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < MIN_RSA_BITS:
        raise SigningError(f"{path}: an RSA key needs at least {MIN_RSA_BITS} bits")


def _read_key_file(path: Path) -> bytes:
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_KEY_BYTES + 1)
    except OSError as err:
        raise SigningError(f"{path}: cannot be read ({err.strerror or err})") from err
    if len(data) > MAX_KEY_BYTES:
        raise SigningError(f"{path}: larger than {MAX_KEY_BYTES} bytes, not a key file")
    return data
