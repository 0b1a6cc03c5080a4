"""Generate the sample web's images: every local ``<img src>`` of every site's HTML pages, and
every local image file a page links to (``<a href=…jpg>``).

Run ``python -m sampleweb.make_images`` after adding or renaming an image in a page, and commit
the files it writes. Pictures are small, deterministic drawings (a sky, a hill, a sun) so the
whole sample web stays small. Images listed in ``DATA_MINING`` get an XMP packet with an IPTC
``plus:DataMining`` value (JPEG: APP1 segment, PNG: ``iTXt`` chunk, WebP: ``XMP`` chunk); the
others carry no XMP at all, except those mapped to ``""``, which carry XMP without the property.

Images listed in ``METADATA`` get richer metadata from ``sampleweb.image_metadata_tool``: every
PLUS value in its various written forms, a ``dc:rights`` copyright text, C2PA/CAWG manifests
signed with c2pa-python, and deliberately damaged files. Signed images are rewritten only when
what the audit reads from them changes (signatures differ on every run).

Needs Pillow, c2pa-python and cryptography (the ``test`` extra); the server and the tests do
not.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import sys
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

from sampleweb.image_metadata_tool import C2paSpec, ImageSpec, XmpSpec, encode_image
from sampleweb.sites import SITES_DIR

DMI = "http://ns.useplus.org/ldf/vocab/"

DATA_MINING: dict[str, str] = {
    "photo-marta.example/images/harbour-at-dawn.jpg": "DMI-PROHIBITED-AIMLTRAINING",
    "photo-marta.example/images/tatra-ridge.jpg": "DMI-PROHIBITED-AIMLTRAINING",
    "photo-sol.example/images/atacama-night.png": "DMI-PROHIBITED-AIMLTRAINING",
    "stockhouse.example/media/lighthouse-at-dusk.webp": "DMI-PROHIBITED-AIMLTRAINING",
    "stockhouse.example/media/city-cyclist.jpg": "DMI-PROHIBITED-GENAIMLTRAINING",
    "stockhouse.example/media/market-spices.jpg": "DMI-ALLOWED",
    "stockhouse.example/media/alpine-lake.webp": "",
}
"""``host/path`` -> PLUS Data Mining code; ``""`` writes XMP without ``plus:DataMining``."""

# Folio keeps the XMP of the originals its opted-out creators upload and strips the resized
# images it displays (those have no entry, so no XMP).
DATA_MINING.update(
    {
        f"folio-platform.example/media/{name}/{n}-original.{ext}": "DMI-PROHIBITED-AIMLTRAINING"
        for name, ext in (
            ("anna", "jpg"),
            ("chiara", "jpg"),
            ("emeka", "jpg"),
            ("gabriel", "jpg"),
            ("hana", "jpg"),
            ("ivan", "jpg"),
            ("kofi", "jpg"),
            ("lena", "webp"),
            ("nora", "jpg"),
            ("omar", "jpg"),
            ("rosa", "jpg"),
            ("sven", "jpg"),
        )
        for n in (1, 2)
    }
)

_NO = {"use": "notAllowed"}
_TOMAS = "© 2026 Tomáš Novák. All rights reserved. Use of this image for AI training is prohibited."
METADATA: dict[str, ImageSpec] = {
    # One PLUS value per picture, in the forms tools write (stockhouse.example has ALLOWED).
    "photo-ines.example/photos/fog-bridge.jpg": ImageSpec(
        XmpSpec("DMI-PROHIBITED", form="element")
    ),
    "photo-ines.example/photos/salt-flats.png": ImageSpec(
        XmpSpec("DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING", form="resource")
    ),
    "photo-ines.example/photos/night-tram.webp": ImageSpec(
        XmpSpec(
            "DMI-PROHIBITED-SEECONSTRAINT",
            other_constraints=(("en", "No AI training without a licence."),),
        )
    ),
    "photo-ines.example/photos/olive-grove.jpg": ImageSpec(XmpSpec("DMI-UNSPECIFIED")),
    "photo-ines.example/photos/cliffs.png": ImageSpec(
        XmpSpec("DMI-PROHIBITED-SEEEMBEDDEDRIGHTSEXPR", embedded_expr=True)
    ),
    "photo-ines.example/photos/harbour-lights.webp": ImageSpec(
        XmpSpec("DMI-PROHIBITED-SEELINKEDRIGHTSEXPR", linked_expr=True, prefix="dm")
    ),
    "photo-ines.example/photos/old-town.jpg": ImageSpec(
        XmpSpec("Prohibited for AI/ML training", extended=True, extended_chunk=400)
    ),
    "photo-ines.example/photos/river.png": ImageSpec(
        XmpSpec("dmi-prohibited-GenAIMLTraining", bare=True)
    ),
    # C2PA / CAWG, signed with c2pa-python and the TEST-ONLY key (untrusted).
    "photo-oren.example/img/market.jpg": ImageSpec(
        c2pa=C2paSpec("cawg.training-mining", {"ai_training": _NO, "ai_generative_training": _NO})
    ),
    "photo-oren.example/img/desert.png": ImageSpec(
        c2pa=C2paSpec(
            "c2pa.training-mining",
            {"data_mining": {"use": "constrained", "constraint_info": "ask for a licence"}},
            layout="top-level",
        )
    ),
    "photo-oren.example/img/lagoon.webp": ImageSpec(
        c2pa=C2paSpec("cawg.training-mining", {"ai_inference": _NO}, layout="top-level")
    ),
    "photo-oren.example/img/bazaar.jpg": ImageSpec(
        c2pa=C2paSpec("cawg.training-mining", {"ai_training": _NO}), damage="tamper"
    ),
    "photo-oren.example/img/dunes.png": ImageSpec(
        c2pa=C2paSpec("cawg.training-mining", {"ai_training": _NO}), damage="bad-jumbf"
    ),
    "photo-oren.example/img/tram.jpg": ImageSpec(
        c2pa=C2paSpec("cawg.training-mining", {"ai_generative_training": _NO}, compress=True)
    ),
    "photo-oren.example/img/archive.jpg": ImageSpec(XmpSpec("DMI-PROHIBITED-AIMLTRAINING")),
    # A reservation written in words in the copyright text (dc:rights), no plus:DataMining.
    **{
        f"photo-tomas.example/images/{name}": ImageSpec(XmpSpec(rights=(("x-default", _TOMAS),)))
        for name in ("snezka-at-dawn.jpg", "vltava-in-fog.jpg", "moravian-fields.webp")
    },
    # Damaged metadata from an old export plug-in.
    "photo-quill.example/pics/birches.jpg": ImageSpec(XmpSpec("DMI-PROHIBITED"), damage="truncate"),
    "photo-quill.example/pics/ice.png": ImageSpec(XmpSpec("DMI-PROHIBITED"), damage="bad-crc"),
    "photo-quill.example/pics/fjord.webp": ImageSpec(
        XmpSpec(raw='<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description')
    ),
    "photo-quill.example/pics/aurora.jpg": ImageSpec(
        XmpSpec(
            raw='<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "DMI-PROHIBITED">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><x:xmpmeta xmlns:x="adobe:ns:meta/">'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            '<rdf:Description xmlns:plus="http://ns.useplus.org/ldf/xmp/1.0/" '
            'plus:DataMining="&b;"/></rdf:RDF></x:xmpmeta>'
        )
    ),
    "photo-quill.example/pics/cabin.jpg": ImageSpec(
        XmpSpec("DMI-PROHIBITED", extended=True, extended_chunk=300),
        damage="drop-extended-part",
    ),
    "photo-quill.example/pics/moss.png": ImageSpec(XmpSpec("DMI-NO-ROBOTS-PLEASE", bare=True)),
    "photo-quill.example/pics/lake.jpg": ImageSpec(
        XmpSpec(
            raw='<x:xmpmeta xmlns:x="adobe:ns:meta/">'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            '<rdf:Description xmlns:plus="http://ns.useplus.org/ldf/xmp/1.0/" '
            'plus:DataMining="http://ns.useplus.org/ldf/vocab/DMI-ALLOWED"/>'
            '<rdf:Description xmlns:plus="http://ns.useplus.org/ldf/xmp/1.0/">'
            "<plus:DataMining>http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED</plus:DataMining>"
            "</rdf:Description></rdf:RDF></x:xmpmeta>"
        )
    ),
}
"""``host/path`` -> richer metadata written by ``sampleweb.image_metadata_tool``."""

PADDED: dict[str, int] = {"photo-oren.example/img/archive.jpg": 9}
"""JPEGs served (by a ``repeat_file`` route) with this many 64 KiB COM segments before their
metadata, so that it lies past what the crawler reads; the parts go in the site's parts/."""

SIZE = (160, 120)
_IMG_RE = re.compile(
    r"""<(?:img\b[^>]*?\bsrc|a\b[^>]*?\bhref)\s*=\s*["']([^"']+)["']""", re.I
)  # images shown, and image files linked to (an original behind a download link)
_FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP"}


def xmp_packet(creator: str, code: str | None) -> bytes:
    """An XMP packet naming the creator, with ``plus:DataMining`` when ``code`` is given."""
    mining = f'\n    plus:DataMining="{DMI}{code}"' if code else ""
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '  <rdf:Description rdf:about=""\n'
        '    xmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        f'    xmlns:plus="http://ns.useplus.org/ldf/xmp/1.0/"{mining}>\n'
        f"   <dc:creator><rdf:Seq><rdf:li>{escape(creator)}</rdf:li></rdf:Seq></dc:creator>\n"
        '   <dc:rights><rdf:Alt><rdf:li xml:lang="x-default">'
        f"(c) 2026 {escape(creator)}. All rights reserved.</rdf:li></rdf:Alt></dc:rights>\n"
        "  </rdf:Description>\n"
        " </rdf:RDF>\n"
        "</x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    ).encode()


def referenced_images(site_dir: Path) -> list[str]:
    """URL paths of the local images the site's HTML files show, sorted."""
    host = site_dir.name
    found: set[str] = set()
    for page in sorted((site_dir / "files").rglob("*.html")):
        page_path = "/" + page.relative_to(site_dir / "files").as_posix()
        for src in _IMG_RE.findall(page.read_text(encoding="utf-8", errors="replace")):
            parts = urlsplit(src)
            if parts.netloc and parts.netloc != host:
                continue
            path = parts.path if parts.path.startswith("/") else _join(page_path, parts.path)
            if Path(path).suffix.lower() in _FORMATS:
                found.add(path)
    return sorted(found)


def _join(page_path: str, relative: str) -> str:
    base = page_path.rsplit("/", 1)[0]
    return f"{base}/{relative}"


def draw(seed: str) -> object:
    """A small landscape whose colours and shapes follow from ``seed``."""
    from PIL import Image, ImageDraw

    digest = hashlib.sha256(seed.encode()).digest()
    sky = (digest[0] // 2 + 60, digest[1] // 2 + 90, digest[2] // 3 + 160)
    land = (digest[3] // 3 + 40, digest[4] // 2 + 80, digest[5] // 4 + 30)
    image = Image.new("RGB", SIZE, sky)
    pen = ImageDraw.Draw(image)
    for row in range(SIZE[1] // 2):
        shade = tuple(max(0, c - row) for c in sky)
        pen.line([(0, row), (SIZE[0], row)], fill=shade)
    horizon = 60 + digest[6] % 30
    peak = 20 + digest[7] % 120
    pen.polygon([(0, SIZE[1]), (0, horizon), (peak, horizon - 25), (SIZE[0], horizon + 5),
                 (SIZE[0], SIZE[1])], fill=land)  # fmt: skip
    sun_x, sun_y = 20 + digest[8] % 120, 12 + digest[9] % 25
    pen.ellipse([sun_x, sun_y, sun_x + 16, sun_y + 16], fill=(250, 220, 120))
    return image


def encode(image: object, suffix: str, xmp: bytes | None) -> bytes:
    """The image in the format its suffix names, with the XMP packet embedded when given."""
    from PIL import Image, PngImagePlugin

    assert isinstance(image, Image.Image)
    out = io.BytesIO()
    kind = _FORMATS[suffix]
    if kind == "JPEG":
        options: dict[str, object] = {"quality": 70, "optimize": True}
        if xmp:
            options["xmp"] = xmp
        image.save(out, "JPEG", **options)
    elif kind == "PNG":
        info = PngImagePlugin.PngInfo()
        if xmp:
            info.add_itxt("XML:com.adobe.xmp", xmp.decode())
        image.quantize(64).save(out, "PNG", optimize=True, pnginfo=info)
    else:
        options = {"quality": 70, "method": 6}
        if xmp:
            options["xmp"] = xmp
        image.save(out, "WEBP", **options)
    return out.getvalue()


def _metadata_facts(data: bytes) -> tuple[object, ...]:
    """What the audit reads from an image: equal facts mean an unchanged signed image."""
    from audits.signals.images import read_image_metadata

    meta = read_image_metadata(data)
    c2pa = meta.c2pa
    return (
        meta.data_mining,
        c2pa and (c2pa.validation, c2pa.assertions),
        tuple(sorted({f.code for f in meta.findings})),
    )


def _image(key: str, creator: str) -> bytes:
    suffix = Path(key).suffix.lower()
    spec = METADATA.get(key)
    if spec is not None:
        return encode_image(draw(key), _FORMATS[suffix], creator, spec)
    code = DATA_MINING.get(key)
    xmp = xmp_packet(creator, code or None) if code is not None else None
    return encode(draw(key), suffix, xmp)


def _unchanged(target: Path, data: bytes, key: str) -> bool:
    if not target.exists():
        return False
    old = target.read_bytes()
    spec = METADATA.get(key)
    if old == data or spec is None or spec.c2pa is None:
        return old == data
    # Signatures and manifest ids differ on every signing: compare what the audit reads.
    return _metadata_facts(old) == _metadata_facts(data)


def _padded_parts(site_dir: Path, key: str, jpeg: bytes) -> None:
    """Split a JPEG after SOI/APP0 and write the parts a ``repeat_file`` route joins with
    64 KiB COM (comment) segments in between."""
    cut = 2 + 2 + int.from_bytes(jpeg[4:6], "big") if jpeg[2:4] == b"\xff\xe0" else 2
    padding = b"\xff\xfe\xff\xff" + b" " * 65533
    parts = site_dir / "parts"
    parts.mkdir(exist_ok=True)
    stem = Path(key).stem
    for name, data in (("head", jpeg[:cut]), ("padding", padding), ("tail", jpeg[cut:])):
        target = parts / f"{stem}-{name}.jpg"
        if not target.exists() or target.read_bytes() != data:
            target.write_bytes(data)


def make_site_images(site_dir: Path) -> list[Path]:
    """Write every image the site shows; returns the files that changed."""
    creator = json.loads((site_dir / "site.json").read_text(encoding="utf-8"))["name"]
    changed = []
    for path in referenced_images(site_dir):
        key = f"{site_dir.name}{path}"
        data = _image(key, creator)
        target = site_dir / "files" / path.lstrip("/")
        if not _unchanged(target, data, key):
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            changed.append(target)
        if key in PADDED:
            _padded_parts(site_dir, key, target.read_bytes())
    return changed


def main(sites_dir: Path = SITES_DIR) -> int:
    """Generate the images of every site folder and say how many changed."""
    total = 0
    for spec in sorted(sites_dir.glob("*/site.json")):
        total += len(make_site_images(spec.parent))
    listed = [*DATA_MINING, *METADATA]
    unknown = [k for k in listed if not (sites_dir / k.replace("/", "/files/", 1)).exists()]
    for key in unknown:
        print(f"make_images: DATA_MINING names {key}, which no page shows", file=sys.stderr)
    print(f"make_images: {total} image(s) written")
    return 1 if unknown else 0


if __name__ == "__main__":
    sys.exit(main())
