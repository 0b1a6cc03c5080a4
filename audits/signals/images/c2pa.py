"""C2PA manifest stores: the active manifest's training-and-data-mining assertions.

Reads ``c2pa.training-mining`` (C2PA 1.x, removed in 2.0) and its successor
``cawg.training-mining`` (CAWG 1.1) from the assertion store, accepting both entry layouts
(under ``entries`` and at the top level, C2PA 1.4's CDDL slip) and both ``constraint_info``
and ``constraints_info``. The signature is checked separately
(:mod:`audits.signals.images.validate`).
"""

from __future__ import annotations

import re
from typing import Any, cast

import cbor2

from audits.core.findings import FindingLog
from audits.signals.images.jumbf import Box, JumbfError, parse_box_payload, parse_jumbf
from audits.signals.images.model import TrainingAssertion, TrainingEntry, TrainingLabel

MAX_CBOR_BYTES = 256 * 1024
MAX_BROTLI_OUTPUT = 4 * 1024 * 1024
MAX_ENTRIES = 64
TRAINING_LABELS: tuple[TrainingLabel, ...] = ("c2pa.training-mining", "cawg.training-mining")
_INSTANCE = re.compile(r"__\d+$")


def _brotli(payload: bytes, log: FindingLog) -> bytes | None:
    """Brotli-decompress a ``brob`` box's payload, bounded, when ``brotli`` is importable."""
    try:
        import brotli  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:
        log.add(
            "image-metadata-unread",
            "the C2PA manifest is Brotli-compressed and no Brotli decoder is installed",
        )
        return None
    try:
        inflater = brotli.Decompressor()
        out: bytes = inflater.process(payload, output_buffer_limit=MAX_BROTLI_OUTPUT)
        # The limit is honoured per output buffer, so check the size as well.
        if not inflater.is_finished() or len(out) > MAX_BROTLI_OUTPUT:
            raise ValueError(f"more than {MAX_BROTLI_OUTPUT} bytes")
    except (brotli.error, TypeError, ValueError) as exc:
        log.add("c2pa-malformed", f"a Brotli-compressed box does not decode: {exc}")
        return None
    return out


def _unpacked(children: list[Box], log: FindingLog, depth: int) -> list[Box]:
    """Children with each ``brob`` box (C2PA 2.x compressed manifest) replaced by its boxes."""
    out: list[Box] = []
    for box in children:
        if box.kind != b"brob":
            out.append(box)
            continue
        data = _brotli(box.payload, log)
        if data is None:
            continue
        try:
            out.extend(parse_jumbf(data))
        except JumbfError:
            # Some writers put the original box type first (as JPEG XL's brob does).
            out.append(
                parse_box_payload(box.payload[:4], _brotli(box.payload[4:], log) or b"", depth)
            )
    return out


def _entry(key: str, value: Any) -> TrainingEntry | None:
    if not isinstance(value, dict) or not isinstance(value.get("use"), str):
        return None
    info = value.get("constraint_info", value.get("constraints_info"))
    return TrainingEntry(key, value["use"], info if isinstance(info, str) else None)


def training_assertion(
    label: TrainingLabel, value: Any, log: FindingLog
) -> TrainingAssertion | None:
    """Interpret a decoded assertion (CBOR map, or JSON from the C2PA SDK's report)."""
    if not isinstance(value, dict):
        log.add("c2pa-malformed", f"the {label} assertion is not a map")
        return None
    wrapped = isinstance(value.get("entries"), dict)
    source = cast(dict[Any, Any], value["entries"] if wrapped else value)
    entries = []
    for key, item in list(source.items())[:MAX_ENTRIES]:
        entry = _entry(str(key), item)
        if entry is not None:
            entries.append(entry)
    if label == "c2pa.training-mining":
        log.add(
            "c2pa-training-mining-deprecated",
            "c2pa.training-mining was removed in C2PA 2.0; cawg.training-mining replaces it",
        )
    if any(e.use == "constrained" for e in entries):
        log.add("c2pa-constrained", f"the {label} assertion has 'constrained' entries")
    return TrainingAssertion(label, tuple(entries), "entries" if wrapped else "top-level")


def _assertion(label: TrainingLabel, box: Box, log: FindingLog) -> TrainingAssertion | None:
    content = next((b for b in box.children if b.kind == b"cbor"), None)
    if content is None or len(content.payload) > MAX_CBOR_BYTES:
        log.add("c2pa-malformed", f"the {label} assertion has no readable CBOR content")
        return None
    try:
        value = cbor2.loads(content.payload)
    except (cbor2.CBORDecodeError, RecursionError, ValueError, MemoryError) as exc:
        log.add("c2pa-malformed", f"the {label} assertion is not valid CBOR: {exc}")
        return None
    return training_assertion(label, value, log)


def training_label(label: str) -> TrainingLabel | None:
    """The training label an assertion label names, without its ``__N`` instance suffix."""
    bare = _INSTANCE.sub("", label)
    for known in TRAINING_LABELS:
        if bare == known:
            return known
    return None


def read_manifest_store(
    stores: list[bytes], log: FindingLog
) -> tuple[str | None, tuple[TrainingAssertion, ...]] | None:
    """The active manifest's label and training assertions; None when no store is found."""
    for data in stores:
        try:
            top = parse_jumbf(data)
            store = next((b for b in top if b.kind == b"jumb" and b.label == "c2pa"), None)
            if store is None:
                continue
            manifests = _unpacked(store.children, log, 1)
            active = [b for b in manifests if b.kind == b"jumb"]
            if not active:
                log.add("c2pa-malformed", "the C2PA manifest store holds no manifest")
                return None, ()
            manifest = active[-1]
            content = _unpacked(manifest.children, log, 2)
            if len(content) == 1 and content[0].label == manifest.label:
                content = content[0].children  # a compressed manifest holds the whole superbox
            assertions_box = next((b for b in content if b.label == "c2pa.assertions"), None)
            found: list[TrainingAssertion] = []
            if assertions_box is not None:
                for box in _unpacked(assertions_box.children, log, 3):
                    label = training_label(box.label or "")
                    if box.kind == b"jumb" and label is not None:
                        read = _assertion(label, box, log)
                        if read is not None:
                            found.append(read)
            return manifest.label, tuple(found)
        except JumbfError as exc:
            log.add("c2pa-malformed", f"the C2PA manifest store is not valid JUMBF: {exc}")
            return None, ()
    return None
