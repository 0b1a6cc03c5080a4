"""Write the hostile web's broken images: ``python -m sampleweb.hostile.make_broken_images``.

Valid Pillow output, then cut or corrupted by hand, one file per case: truncated JPEG, PNG and
WebP; segment and chunk lengths that point past the end; a PNG that claims 100,000 x 100,000
pixels; JUMBF boxes (JPEG APP11) that lie about their size or nest without end; XMP packets
with entity expansion (billion laughs) and external entities. The files are committed; Pillow
is needed only to regenerate them.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

HOSTILE = Path(__file__).resolve().parent
XMP_ID = b"http://ns.adobe.com/xap/1.0/\x00"
LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE x:xmpmeta [\n<!ENTITY lol "lol">\n'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    + "]>\n"
)
EXTERNAL = '<?xml version="1.0"?>\n<!DOCTYPE x:xmpmeta [\n<!ENTITY secret SYSTEM "{target}">\n]>\n'
PACKET = (
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    '<rdf:Description xmlns:plus="http://ns.useplus.org/ldf/xmp/1.0/" '
    'plus:DataMining="{value}"/></rdf:RDF></x:xmpmeta>'
)


def _pillow(fmt: str) -> bytes:
    from PIL import Image

    image = Image.new("RGB", (64, 48), (200, 80, 40))
    out = io.BytesIO()
    image.save(out, fmt, quality=80) if fmt != "PNG" else image.save(out, fmt)
    return out.getvalue()


def _jpeg_with_segment(marker: int, payload: bytes) -> bytes:
    """A valid JPEG with one more segment right after SOI (payload up to 65,533 bytes)."""
    jpeg = _pillow("JPEG")
    return jpeg[:2] + struct.pack(">HH", marker, len(payload) + 2) + payload + jpeg[2:]


def _png_chunk(kind: bytes, data: bytes, *, crc: int | None = None) -> bytes:
    value = zlib.crc32(kind + data) if crc is None else crc
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", value)


def _png_with_xmp(xmp: str) -> bytes:
    png = _pillow("PNG")
    itxt = b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + xmp.encode()
    return png[:33] + _png_chunk(b"iTXt", itxt) + png[33:]


def _webp_with_xmp(xmp: bytes, *, size_lie: int | None = None) -> bytes:
    webp = _pillow("WEBP")
    body = webp[12:]
    xmp_chunk = b"XMP " + struct.pack("<I", size_lie if size_lie else len(xmp)) + xmp
    if len(xmp) % 2:
        xmp_chunk += b"\x00"
    vp8x = b"VP8X" + struct.pack("<I", 10) + bytes([0x04, 0, 0, 0]) + (63).to_bytes(3, "little")
    vp8x += (47).to_bytes(3, "little")
    riff = vp8x + body + xmp_chunk
    return b"RIFF" + struct.pack("<I", len(riff) + 4) + b"WEBP" + riff


def _jumbf(content: bytes, *, lbox: int | None = None) -> bytes:
    """A JPEG APP11 segment holding a JUMBF superbox (as C2PA uses), size as given."""
    description = b"jumd" + b"c2pa" + bytes(12) + b"\x03" + b"c2pa\x00"
    desc_box = struct.pack(">I", 8 + len(description) - 4) + description
    superbox = desc_box + content
    size = lbox if lbox is not None else 8 + len(superbox)
    box = struct.pack(">I", size) + b"jumb" + superbox
    return b"JP" + struct.pack(">HI", 1, 1) + box


def _nested_jumbf(depth: int) -> bytes:
    inner = b""
    for _ in range(depth):
        inner = struct.pack(">I", 8 + len(inner)) + b"jumb" + inner
    return inner


def images() -> dict[str, bytes]:
    jpeg, png, webp = _pillow("JPEG"), _pillow("PNG"), _pillow("WEBP")
    laughs = LAUGHS + PACKET.format(value="&lol9;")
    external = EXTERNAL.format(target="file:///etc/passwd") + PACKET.format(value="&secret;")
    metadata = EXTERNAL.format(target="http://169.254.169.254/latest/meta-data/") + PACKET.format(
        value="&secret;"
    )
    huge_ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    return {
        "broken-images.example/files/images/truncated.jpg": jpeg[: len(jpeg) // 2],
        "broken-images.example/files/images/bad-segment.jpg": jpeg[:2]
        + struct.pack(">HH", 0xFFE1, 0xFFFF)
        + XMP_ID
        + b"<x:xmpmeta",
        "broken-images.example/files/images/truncated.png": png[: len(png) // 2],
        "broken-images.example/files/images/huge.png": png[:8]
        + _png_chunk(b"IHDR", huge_ihdr)
        + _png_chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00<x:", crc=0)
        + png[33:],
        "broken-images.example/files/images/truncated.webp": webp[: len(webp) // 2],
        "broken-images.example/files/images/bad-chunk.webp": _webp_with_xmp(
            b"<x:xmpmeta/>", size_lie=0x7FFFFFF0
        ),
        "broken-images.example/files/images/jumbf-lies.jpg": _jpeg_with_segment(
            0xFFEB, _jumbf(b"\x00\x00\x00\x10json{}", lbox=0xFFFFFFF0)
        ),
        "broken-images.example/files/images/jumbf-deep.jpg": _jpeg_with_segment(
            0xFFEB, _jumbf(_nested_jumbf(5000))
        ),
        "xmp-entities.example/files/images/laughs.jpg": _jpeg_with_segment(
            0xFFE1, XMP_ID + laughs.encode()
        ),
        "xmp-entities.example/files/images/external.jpg": _jpeg_with_segment(
            0xFFE1, XMP_ID + external.encode()
        ),
        "xmp-entities.example/files/images/metadata.png": _png_with_xmp(metadata),
        "xmp-entities.example/files/images/laughs.webp": _webp_with_xmp(laughs.encode()),
    }


def main() -> None:
    for name, data in images().items():
        path = HOSTILE / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"{len(data):>8}  {path.relative_to(HOSTILE)}")


if __name__ == "__main__":
    main()
