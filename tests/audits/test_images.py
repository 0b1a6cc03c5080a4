"""Image metadata: IPTC/PLUS Data Mining in XMP, C2PA/CAWG training assertions, containers.

Each case is a real file in tests/fixtures/images/, made by tests/fixtures/images/make.py with
Pillow and c2pa-python (damaged ones are cut or edited copies of real files).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from audits.signals.images import (
    PLUS_CODES,
    ImageMetadata,
    image_reservations,
    next_range,
    read_image_metadata,
    stripped,
)

IMAGES = Path(__file__).resolve().parents[1] / "fixtures" / "images"
CONTAINERS = ("jpg", "png", "webp")
FORMAT = {"jpg": "jpeg", "png": "png", "webp": "webp"}


def read(name: str, **kwargs: object) -> ImageMetadata:
    return read_image_metadata((IMAGES / name).read_bytes(), **kwargs)  # type: ignore[arg-type]


def codes(meta: ImageMetadata) -> set[str]:
    return {f.code for f in meta.findings}


def uses(meta: ImageMetadata) -> set[tuple[str, str, str]]:
    return {(u.use, u.effect, u.mechanism) for u in image_reservations(meta)}


# --- IPTC / PLUS Data Mining ----------------------------------------------------------------

EXPECTED_USES: dict[str, set[tuple[str, str]]] = {
    "DMI-UNSPECIFIED": set(),
    "DMI-ALLOWED": {("train", "allowed"), ("ai-use", "allowed"), ("tdm", "allowed")},
    "DMI-PROHIBITED-AIMLTRAINING": {("train", "reserved")},
    "DMI-PROHIBITED-GENAIMLTRAINING": {("train", "reserved")},
    "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING": {
        ("train", "reserved"),
        ("ai-use", "reserved"),
        ("tdm", "reserved"),
    },
    "DMI-PROHIBITED": {("train", "reserved"), ("ai-use", "reserved"), ("tdm", "reserved")},
    "DMI-PROHIBITED-SEECONSTRAINT": {
        ("train", "reserved"),
        ("ai-use", "reserved"),
        ("tdm", "reserved"),
    },
    "DMI-PROHIBITED-SEEEMBEDDEDRIGHTSEXPR": {
        ("train", "reserved"),
        ("ai-use", "reserved"),
        ("tdm", "reserved"),
    },
    "DMI-PROHIBITED-SEELINKEDRIGHTSEXPR": {
        ("train", "reserved"),
        ("ai-use", "reserved"),
        ("tdm", "reserved"),
    },
}


def test_the_nine_plus_codes_are_all_mapped() -> None:
    assert set(EXPECTED_USES) == set(PLUS_CODES) and len(PLUS_CODES) == 9


@pytest.mark.parametrize("container", CONTAINERS)
@pytest.mark.parametrize("code", PLUS_CODES)
def test_each_plus_value_is_read_from_each_container(code: str, container: str) -> None:
    meta = read(f"plus-{code.lower()}.{container}")
    assert meta.format == FORMAT[container] and meta.complete
    assert meta.data_mining is not None
    assert meta.data_mining.code == code
    assert meta.data_mining.raw == f"http://ns.useplus.org/ldf/vocab/{code}"
    assert {(u, e) for u, e, _ in uses(meta)} == EXPECTED_USES[code]
    assert not codes(meta)


def test_generative_only_reservation_is_marked_as_part_of_train() -> None:
    (use,) = image_reservations(read("plus-dmi-prohibited-genaimltraining.png"))
    assert use.use == "train" and use.effect == "reserved" and not use.whole
    assert "generative" in use.detail


def test_other_constraints_lang_alt_is_kept() -> None:
    meta = read("plus-dmi-prohibited-seeconstraint.webp")
    assert meta.data_mining is not None
    assert meta.data_mining.other_constraints == (("en", "No training."), ("de", "Kein Training."))


def test_embedded_and_linked_rights_expressions_are_noticed() -> None:
    meta = read("plus-rights-exprs.png")
    assert meta.data_mining is not None
    assert meta.data_mining.embedded_rights_expr and meta.data_mining.linked_rights_expr


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("plus-element.jpg", "DMI-PROHIBITED"),
        ("plus-resource.png", "DMI-PROHIBITED"),
        ("plus-prefix-rebound.webp", "DMI-PROHIBITED-AIMLTRAINING"),
    ],
)
def test_element_resource_and_rebound_prefix_forms(name: str, code: str) -> None:
    meta = read(name)
    assert meta.data_mining is not None and meta.data_mining.code == code


def test_a_plus_prefix_bound_to_another_namespace_is_not_data_mining() -> None:
    meta = read("plus-wrong-namespace.jpg")
    assert meta.has_xmp and meta.data_mining is None


@pytest.mark.parametrize(
    ("name", "raw", "code"),
    [
        ("plus-bare-mixed-case.jpg", "DMI-Allowed", "DMI-ALLOWED"),
        (
            "plus-exiftool-label.png",
            "Prohibited for Generative AI/ML training",
            "DMI-PROHIBITED-GENAIMLTRAINING",
        ),
    ],
)
def test_bare_codes_and_exiftool_labels_are_normalised_and_raw_kept(
    name: str, raw: str, code: str
) -> None:
    meta = read(name)
    assert meta.data_mining is not None
    assert (meta.data_mining.raw, meta.data_mining.code) == (raw, code)


def test_an_unknown_value_is_a_finding_and_reserves_nothing() -> None:
    meta = read("plus-unknown-value.jpg")
    assert meta.data_mining is not None and meta.data_mining.code is None
    assert "iptc-data-mining-unknown-value" in codes(meta)
    assert not image_reservations(meta)


@pytest.mark.parametrize("name", ["no-metadata.jpg", "xmp-without-data-mining.png"])
def test_images_without_the_property_say_nothing(name: str) -> None:
    meta = read(name)
    assert meta.data_mining is None and meta.c2pa is None and not codes(meta)


def test_extended_xmp_is_reassembled_from_several_segments() -> None:
    data = (IMAGES / "extended-xmp.jpg").read_bytes()
    assert data.count(b"http://ns.adobe.com/xmp/extension/") >= 2
    meta = read_image_metadata(data)
    assert meta.data_mining is not None
    assert meta.data_mining.code == "DMI-PROHIBITED-AIMLTRAINING"
    assert not codes(meta)


def test_extended_xmp_with_a_missing_part_is_a_finding() -> None:
    meta = read("extended-xmp-missing-part.jpg")
    assert meta.data_mining is None
    assert "xmp-extended-incomplete" in codes(meta)


def test_compressed_itxt_and_xmp_after_idat_are_read() -> None:
    for name in ("png-compressed-itxt.png", "png-xmp-after-idat.png"):
        meta = read(name)
        assert meta.data_mining is not None and meta.data_mining.code == "DMI-PROHIBITED"


# --- hardened XML ---------------------------------------------------------------------------


def test_billion_laughs_is_reported_not_expanded() -> None:
    meta = read("xmp-billion-laughs.jpg")
    assert "xmp-entities" in codes(meta)
    assert meta.data_mining is None


def test_external_entity_is_never_read(tmp_path: Path) -> None:
    from PIL import Image

    from sampleweb.image_metadata_tool import ImageSpec, XmpSpec, encode_image
    from tests.fixtures.images.make import external_entity

    secret = tmp_path / "secret.txt"
    secret.write_text("CANARY-7f3a")
    image = Image.new("RGB", (8, 8))
    data = encode_image(image, "PNG", "x", ImageSpec(xmp=XmpSpec(raw=external_entity(str(secret)))))
    meta = read_image_metadata(data)
    assert "xmp-entities" in codes(meta)
    assert meta.data_mining is None
    assert "CANARY" not in repr(meta)


def test_committed_external_entity_fixture_is_reported() -> None:
    meta = read("xmp-external-entity.png")
    assert "xmp-entities" in codes(meta) and "root:" not in repr(meta)


def test_malformed_xmp_is_a_finding() -> None:
    assert "xmp-malformed" in codes(read("xmp-malformed.webp"))


# --- C2PA / CAWG ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "label", "layout", "container"),
    [
        ("c2pa-training-mining.jpg", "c2pa.training-mining", "entries", "jpeg-app11"),
        ("c2pa-training-mining.png", "c2pa.training-mining", "top-level", "png-cabx"),
        ("c2pa-training-mining.webp", "c2pa.training-mining", "entries", "webp-c2pa"),
        ("cawg-training-mining.jpg", "cawg.training-mining", "top-level", "jpeg-app11"),
        ("cawg-training-mining.png", "cawg.training-mining", "entries", "png-cabx"),
        ("cawg-training-mining.webp", "cawg.training-mining", "entries", "webp-c2pa"),
    ],
)
def test_training_assertions_in_each_container_and_layout(
    name: str, label: str, layout: str, container: str
) -> None:
    meta = read(name)
    assert meta.c2pa is not None
    assert meta.c2pa.container == container
    (assertion,) = meta.c2pa.assertions
    assert (assertion.label, assertion.layout) == (label, layout)
    assert meta.c2pa.validation == "untrusted"
    assert "c2pa-untrusted" in codes(meta)
    assert ("c2pa-training-mining-deprecated" in codes(meta)) == label.startswith("c2pa.")


def test_entries_map_to_uses() -> None:
    assert uses(read("c2pa-training-mining.jpg")) == {
        ("train", "reserved", "c2pa-training-mining"),
        ("ai-use", "allowed", "c2pa-training-mining"),
    }
    assert uses(read("c2pa-training-mining.png")) == {("tdm", "reserved", "c2pa-training-mining")}
    assert uses(read("cawg-training-mining.png")) == {
        ("train", "reserved", "cawg-training-mining"),
        ("tdm", "allowed", "cawg-training-mining"),
    }


def test_one_training_entry_alone_reserves_part_of_train() -> None:
    (use,) = image_reservations(read("cawg-training-mining.jpg"))
    assert use.use == "train" and use.effect == "reserved" and not use.whole


def test_constrained_counts_as_not_allowed_with_either_info_spelling() -> None:
    meta = read("cawg-training-mining.webp")
    assert meta.c2pa is not None
    infos = {e.kind: e.constraint_info for e in meta.c2pa.entries("cawg.training-mining")}
    assert infos == {"ai_inference": "only with a licence", "data_mining": "ask first"}
    assert uses(meta) == {
        ("ai-use", "reserved", "cawg-training-mining"),
        ("tdm", "reserved", "cawg-training-mining"),
    }
    assert "c2pa-constrained" in codes(meta)


def test_brotli_compressed_manifest_is_read() -> None:
    assert b"brob" in (IMAGES / "c2pa-compressed.jpg").read_bytes()
    meta = read("c2pa-compressed.jpg")
    assert uses(meta) == {("train", "reserved", "cawg-training-mining")}


def test_tampered_image_is_invalid_and_still_recorded() -> None:
    meta = read("c2pa-tampered.jpg")
    assert meta.c2pa is not None and meta.c2pa.validation == "invalid"
    assert "c2pa-invalid-signature" in codes(meta)
    assert ("train", "reserved", "cawg-training-mining") in uses(meta)


def test_iptc_and_cawg_in_one_image() -> None:
    mechanisms = {m for _, _, m in uses(read("cawg-and-plus.jpg"))}
    assert mechanisms == {"iptc-data-mining", "cawg-training-mining"}


def test_partial_file_is_unvalidated() -> None:
    data = (IMAGES / "cawg-training-mining.png").read_bytes()
    meta = read_image_metadata(data[: len(data) - 10], total_length=len(data))
    assert meta.c2pa is not None and meta.c2pa.validation == "unvalidated"
    assert meta.c2pa.assertions


def test_link_header_names_a_remote_manifest() -> None:
    meta = read(
        "no-metadata.jpg",
        headers=(("Link", '<https://cdn.example/m.c2pa>; rel="c2pa-manifest"'),),
    )
    assert meta.c2pa_link == "https://cdn.example/m.c2pa"
    assert "c2pa-remote-manifest" in codes(meta)


# --- damaged files: a finding, never an exception ---------------------------------------------


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("truncated.jpg", "image-truncated"),
        ("truncated.png", "image-truncated"),
        ("truncated.webp", "image-truncated"),
        ("malformed.jpg", "image-malformed"),
        ("malformed-crc.png", "image-malformed"),
        ("malformed.webp", "image-malformed"),
        ("c2pa-truncated.jpg", "image-truncated"),
        ("c2pa-bad-jumbf.png", "c2pa-malformed"),
    ],
)
def test_damaged_files_give_findings(name: str, code: str) -> None:
    assert code in codes(read(name))


def test_bad_jumbf_is_not_validated() -> None:
    meta = read("c2pa-bad-jumbf.png")
    assert meta.c2pa is not None and meta.c2pa.validation == "unvalidated"


def test_not_an_image() -> None:
    meta = read("not-an-image.jpg")
    assert meta.format == "other" and meta.data_mining is None and not meta.findings


@pytest.mark.parametrize("name", sorted(p.name for p in IMAGES.glob("*.*") if p.suffix != ".py"))
def test_every_prefix_of_every_fixture_reads_without_an_exception(name: str) -> None:
    data = (IMAGES / name).read_bytes()
    for end in range(0, len(data), max(1, len(data) // 23)):
        read_image_metadata(data[:end])
        read_image_metadata(data[:end], total_length=len(data))


def test_random_bytes_inside_metadata_never_raise() -> None:
    import random

    rng = random.Random(5)
    for name in ("cawg-training-mining.png", "extended-xmp.jpg", "webp-metadata-at-end.webp"):
        data = bytearray((IMAGES / name).read_bytes())
        for _ in range(40):
            copy = bytearray(data)
            for _ in range(8):
                copy[rng.randrange(12, len(copy))] = rng.randrange(256)
            read_image_metadata(bytes(copy))


# --- Range requests ---------------------------------------------------------------------------


def test_webp_metadata_past_the_head_asks_for_a_tail() -> None:
    data = (IMAGES / "webp-metadata-at-end.webp").read_bytes()
    xmp_at = data.index(b"XMP ")
    assert xmp_at > 2048
    start, end = next_range(data[:2048], len(data), 64 * 1024) or (0, 0)
    assert start == xmp_at and end == len(data) - 1
    assert next_range(data[:2048], len(data), 100) == (xmp_at, xmp_at + 99)
    tail = data[start : end + 1]
    meta = read_image_metadata(data[:2048], tail=tail, tail_offset=start, total_length=len(data))
    assert meta.complete
    assert meta.data_mining is not None and meta.c2pa is not None
    assert meta.c2pa.validation == "unvalidated"  # only parts of the file were fetched


def test_head_only_reports_metadata_not_read() -> None:
    data = (IMAGES / "webp-metadata-at-end.webp").read_bytes()
    meta = read_image_metadata(data[:2048], total_length=len(data))
    assert not meta.complete and meta.data_mining is None
    assert "image-metadata-unread" in codes(meta)


@pytest.mark.parametrize(
    "name", ["plus-dmi-prohibited.jpg", "c2pa-training-mining.png", "plus-dmi-allowed.webp"]
)
def test_no_tail_when_the_head_is_the_whole_file(name: str) -> None:
    data = (IMAGES / name).read_bytes()
    assert next_range(data, len(data), 4096) is None


def test_no_tail_for_jpeg_once_sos_is_reached() -> None:
    data = (IMAGES / "plus-dmi-prohibited.jpg").read_bytes()
    sos = data.index(b"\xff\xda")
    assert next_range(data[: sos + 10], len(data) + 10_000, 4096) is None
    assert next_range(data[:40], len(data), 4096) is not None


def test_png_tail_is_the_end_of_the_file_when_no_xmp_before_idat() -> None:
    data = (IMAGES / "png-xmp-after-idat.png").read_bytes()
    idat = data.index(b"IDAT")
    itxt = data.index(b"iTXt") - 4
    assert next_range(data[: idat + 8], len(data), 16) == (len(data) - 16, len(data) - 1)
    start, end = next_range(data[: idat + 8], len(data), 4096) or (0, 0)
    assert (start, end) == (itxt, len(data) - 1)
    meta = read_image_metadata(
        data[: idat + 8], tail=data[start:], tail_offset=start, total_length=len(data)
    )
    assert meta.data_mining is not None and meta.complete


# --- stripping --------------------------------------------------------------------------------


def test_stripped_names_what_the_displayed_rendition_lost() -> None:
    original = read("cawg-and-plus.jpg")
    assert stripped(original, read("no-metadata.jpg")) == ("iptc-data-mining", "c2pa-manifest")
    assert stripped(original, original) == ()
    data = (IMAGES / "no-metadata.jpg").read_bytes()
    partial = read_image_metadata(data[:20], total_length=len(data))
    assert stripped(original, partial) == ()


# --- hostile JUMBF and CBOR (built here: no tool writes these) --------------------------------


def _box(kind: bytes, payload: bytes) -> bytes:
    return (8 + len(payload)).to_bytes(4, "big") + kind + payload


def _superbox(label: str, *children: bytes) -> bytes:
    description = bytes(16) + b"\x03" + label.encode() + b"\x00"
    return _box(b"jumb", _box(b"jumd", description) + b"".join(children))


def _store(assertion_payload: bytes) -> bytes:
    assertion = _superbox("cawg.training-mining", _box(b"cbor", assertion_payload))
    manifest = _superbox("urn:c2pa:test", _superbox("c2pa.assertions", assertion))
    return _superbox("c2pa", manifest)


def test_deeply_nested_cbor_is_a_finding() -> None:
    from audits.core.findings import FindingLog
    from audits.signals.images import CODES
    from audits.signals.images.c2pa import read_manifest_store

    log = FindingLog(CODES)
    read_manifest_store([_store(b"\x81" * 200_000 + b"\x00")], log)
    assert {f.code for f in log.items} == {"c2pa-malformed"}


def test_deeply_nested_jumbf_is_a_finding() -> None:
    from audits.core.findings import FindingLog
    from audits.signals.images import CODES
    from audits.signals.images.c2pa import read_manifest_store

    nested = _box(b"cbor", b"\xa0")
    for depth in range(30):
        nested = _superbox(f"level{depth}", nested)
    log = FindingLog(CODES)
    assert read_manifest_store([_superbox("c2pa", nested)], log) == (None, ())
    assert {f.code for f in log.items} == {"c2pa-malformed"}


def test_hand_built_store_reads_entries() -> None:
    import cbor2

    from audits.core.findings import FindingLog
    from audits.signals.images import CODES
    from audits.signals.images.c2pa import read_manifest_store

    payload = cbor2.dumps({"cawg.ai_training": {"use": "notAllowed"}, "cawg.x": 5})
    log = FindingLog(CODES)
    active, (assertion,) = read_manifest_store([_store(payload)], log) or (None, ())
    assert active == "urn:c2pa:test" and assertion.layout == "top-level"
    assert [(e.key, e.use) for e in assertion.entries] == [("cawg.ai_training", "notAllowed")]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("bytes 0-1023/5000", (0, 1023, 5000)),
        ("bytes 100-199/*", (100, 199, None)),
        ("items 0-1/2", None),
        ("bytes 0-x/10", None),
    ],
)
def test_content_range_is_read_as_rfc_9110_writes_it(
    value: str, expected: tuple[int, int, int | None] | None
) -> None:
    from audits.signals.images import content_range

    assert content_range([("Content-Range", value)]) == expected
