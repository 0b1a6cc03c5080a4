"""Generate the sample web's images: every local ``<img src>`` of every site's HTML pages.

Run ``python -m sampleweb.make_images`` after adding or renaming an image in a page, and commit
the files it writes. Pictures are small, deterministic drawings (a sky, a hill, a sun) so the
whole sample web stays small. Images listed in ``DATA_MINING`` get an XMP packet with an IPTC
``plus:DataMining`` value (JPEG: APP1 segment, PNG: ``iTXt`` chunk, WebP: ``XMP`` chunk); the
others carry no XMP at all, except those mapped to ``""``, which carry XMP without the property.

Needs Pillow (``pip install 'pillow>=11,<13'``); the server and the tests do not.
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
    "folio-platform.example/media/anna/1.jpg": "DMI-PROHIBITED-AIMLTRAINING",
}
"""``host/path`` -> PLUS Data Mining code; ``""`` writes XMP without ``plus:DataMining``."""

SIZE = (160, 120)
_IMG_RE = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*["']([^"']+)["']""", re.I)
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


def make_site_images(site_dir: Path) -> list[Path]:
    """Write every image the site shows; returns the files that changed."""
    creator = json.loads((site_dir / "site.json").read_text(encoding="utf-8"))["name"]
    changed = []
    for path in referenced_images(site_dir):
        key = f"{site_dir.name}{path}"
        code = DATA_MINING.get(key)
        xmp = xmp_packet(creator, code or None) if code is not None else None
        data = encode(draw(key), Path(path).suffix.lower(), xmp)
        target = site_dir / "files" / path.lstrip("/")
        if not target.exists() or target.read_bytes() != data:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            changed.append(target)
    return changed


def main(sites_dir: Path = SITES_DIR) -> int:
    """Generate the images of every site folder and say how many changed."""
    total = 0
    for spec in sorted(sites_dir.glob("*/site.json")):
        total += len(make_site_images(spec.parent))
    unknown = [k for k in DATA_MINING if not (sites_dir / k.replace("/", "/files/", 1)).exists()]
    for key in unknown:
        print(f"make_images: DATA_MINING names {key}, which no page shows", file=sys.stderr)
    print(f"make_images: {total} image(s) written")
    return 1 if unknown else 0


if __name__ == "__main__":
    sys.exit(main())
