"""Checking a pack: every file against ``datapackage.json``, that against
``datapackage-digest.json``, and the signature when there is one.

Each problem is one line that starts with the file it is about. The checks read each entry
once, in bounded chunks, no further than the size the zip declares for it; a zip with more
entries than ``MAX_ENTRIES``, or a ``datapackage.json`` larger than ``MAX_JSON_BYTES``, is
refused as no pack rather than read.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from results.evidence.signing import PublicKey, embedded_fingerprint, signature_problems
from results.evidence.wacz import DATAPACKAGE, DIGEST

MAX_ENTRIES: Final = 10_000
MAX_JSON_BYTES: Final = 16 * 1024 * 1024
_CHUNK: Final = 1 << 20


@dataclass(frozen=True)
class Verification:
    """The outcome of checking one pack."""

    path: Path
    problems: tuple[str, ...]
    files: int
    """Files whose digest was checked against ``datapackage.json``."""
    signed: bool
    key_fingerprint: str | None
    """The fingerprint of the key the pack names as its signer (None when unsigned)."""

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_wacz(path: Path, public_key: PublicKey | None = None) -> Verification:
    """Check the pack at ``path``; with ``public_key``, it must also be signed by that key."""
    try:
        with zipfile.ZipFile(path) as zf:
            return _Check(path, zf, public_key).run()
    except (zipfile.BadZipFile, zipfile.LargeZipFile) as err:
        problem = f"{path.name}: not a readable zip file ({err})"
    except OSError as err:
        problem = f"{path.name}: cannot be read ({err.strerror or err})"
    return Verification(path, (problem,), 0, False, None)


class _Check:
    def __init__(self, path: Path, zf: zipfile.ZipFile, public_key: PublicKey | None) -> None:
        self.path = path
        self.zf = zf
        self.public_key = public_key
        self.problems: list[str] = []
        self.files = 0

    def _done(self, signed: bool = False, key: str | None = None) -> Verification:
        return Verification(self.path, tuple(self.problems), self.files, signed, key)

    def run(self) -> Verification:
        entries = self.zf.infolist()
        if len(entries) > MAX_ENTRIES:
            self.problems.append(f"{self.path.name}: more than {MAX_ENTRIES} entries, no pack")
            return self._done()
        names = {info.filename: info for info in entries if not info.is_dir()}
        package_bytes = self._read_json_bytes(names, DATAPACKAGE)
        package = _json(package_bytes)
        if package_bytes is not None and not isinstance(package, Mapping):
            self.problems.append(f"{DATAPACKAGE}: not a JSON object")
        if isinstance(package, Mapping):
            self._check_resources(package, names)
        actual = "sha256:" + hashlib.sha256(package_bytes).hexdigest() if package_bytes else None
        return self._check_digest(names, actual)

    def _read_json_bytes(self, names: Mapping[str, zipfile.ZipInfo], name: str) -> bytes | None:
        info = names.get(name)
        if info is None:
            self.problems.append(f"{name}: missing")
            return None
        if info.file_size > MAX_JSON_BYTES:
            self.problems.append(f"{name}: larger than {MAX_JSON_BYTES} bytes")
            return None
        try:
            return self.zf.read(info)
        except (zipfile.BadZipFile, OSError, EOFError) as err:
            self.problems.append(f"{name}: damaged in the zip ({err})")
            return None

    def _check_resources(
        self, package: Mapping[str, Any], names: Mapping[str, zipfile.ZipInfo]
    ) -> None:
        resources = package.get("resources")
        if not isinstance(resources, list):
            self.problems.append(f"{DATAPACKAGE}: no resources list")
            return
        listed: set[str] = set()
        for resource in resources:
            if not isinstance(resource, Mapping) or not isinstance(resource.get("path"), str):
                self.problems.append(f"{DATAPACKAGE}: a resource without a path")
                continue
            listed.add(resource["path"])
            self._check_file(resource, names.get(resource["path"]))
        for name in sorted(set(names) - listed - {DATAPACKAGE, DIGEST}):
            self.problems.append(f"{name}: in the zip but not listed in {DATAPACKAGE}")

    def _check_file(self, resource: Mapping[str, Any], info: zipfile.ZipInfo | None) -> None:
        name = resource["path"]
        if info is None:
            self.problems.append(f"{name}: listed in {DATAPACKAGE} but missing")
            return
        expected = resource.get("hash")
        if not isinstance(expected, str) or not expected.startswith("sha256:"):
            self.problems.append(f"{name}: {DATAPACKAGE} gives no sha256 digest for it")
            return
        size = resource.get("bytes")
        if isinstance(size, int) and size != info.file_size:
            self.problems.append(f"{name}: {info.file_size} bytes, {DATAPACKAGE} says {size}")
            return
        sha = hashlib.sha256()
        try:
            with self.zf.open(info) as stream:
                while chunk := stream.read(_CHUNK):
                    sha.update(chunk)
        except (zipfile.BadZipFile, OSError, EOFError) as err:
            self.problems.append(f"{name}: damaged in the zip ({err})")
            return
        self.files += 1
        if "sha256:" + sha.hexdigest() != expected:
            self.problems.append(f"{name}: sha256 does not match {DATAPACKAGE}")

    def _check_digest(
        self, names: Mapping[str, zipfile.ZipInfo], actual: str | None
    ) -> Verification:
        document = _json(self._read_json_bytes(names, DIGEST))
        if not isinstance(document, Mapping):
            if DIGEST in names:
                self.problems.append(f"{DIGEST}: not a JSON object")
            return self._done()
        if actual is not None and document.get("hash") != actual:
            self.problems.append(f"{DATAPACKAGE}: sha256 does not match {DIGEST}")
        signed = document.get("signedData")
        if signed is None:
            if self.public_key is not None:
                self.problems.append(f"{DIGEST}: not signed, but a public key was given")
            return self._done()
        if not isinstance(signed, Mapping):
            self.problems.append(f"{DIGEST}: signedData is not a JSON object")
            return self._done(signed=True)
        if actual is not None:
            for problem in signature_problems(signed, actual, self.public_key):
                self.problems.append(f"{DIGEST}: {problem}")
        return self._done(signed=True, key=embedded_fingerprint(signed))


def _json(data: bytes | None) -> Any:
    if data is None:
        return None
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return None
