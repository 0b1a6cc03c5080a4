"""c2pa-python validates offline: no remote manifest or certificate status is ever fetched.

The image points at its manifest on a loopback server (XMP ``dcterms:provenance``, written by
c2pa-python's remote-manifest option) that really serves it and counts requests.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image

from audits.signals.images import read_image_metadata
from audits.signals.images.validate import OFFLINE_SETTINGS, validate_manifest
from sampleweb.image_metadata_tool import C2paSpec, manifest_definition, signing_keys


class _Counting(BaseHTTPRequestHandler):
    manifest = b""
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        type(self).hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "application/c2pa")
        self.send_header("Content-Length", str(len(self.manifest)))
        self.end_headers()
        self.wfile.write(self.manifest)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def manifest_server() -> Iterator[tuple[str, type[_Counting]]]:
    handler = type("Handler", (_Counting,), {"hits": [], "manifest": b""})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/manifest.c2pa", handler
    finally:
        server.shutdown()
        server.server_close()


def _remote_manifest_jpeg(url: str) -> tuple[bytes, bytes]:
    import c2pa

    chain, key = signing_keys()
    source = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 40, 40)).save(source, "JPEG")
    source.seek(0)
    spec = C2paSpec("cawg.training-mining", {"ai_training": {"use": "notAllowed"}})
    signer = c2pa.Signer.from_info(c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, chain, key, None))
    out = io.BytesIO()
    with c2pa.Builder.from_json(manifest_definition(spec)) as builder:
        builder.set_no_embed()
        builder.set_remote_url(url)
        manifest = builder.sign(signer, "image/jpeg", source, out)
    return out.getvalue(), manifest


def test_offline_settings_switch_off_every_fetch() -> None:
    assert OFFLINE_SETTINGS["verify"]["remote_manifest_fetch"] is False
    assert OFFLINE_SETTINGS["verify"]["ocsp_fetch"] is False
    assert OFFLINE_SETTINGS["core"]["allowed_network_hosts"] == []


def test_validation_never_fetches_a_remote_manifest(
    manifest_server: tuple[str, type[_Counting]],
) -> None:
    url, handler = manifest_server
    image, manifest = _remote_manifest_jpeg(url)
    handler.manifest = manifest
    assert url.encode() in image  # the image really points at the server
    report = validate_manifest(image, "jpeg")
    meta = read_image_metadata(image)
    assert handler.hits == []
    assert report.state == "unvalidated"
    assert meta.c2pa is None  # no embedded manifest: nothing to read or validate


def test_the_server_would_be_reached_by_the_sdk_defaults(
    manifest_server: tuple[str, type[_Counting]],
) -> None:
    """Shows the test above can fail: with default settings the SDK does fetch."""
    import c2pa

    url, handler = manifest_server
    image, manifest = _remote_manifest_jpeg(url)
    handler.manifest = manifest
    try:
        with c2pa.Reader("image/jpeg", io.BytesIO(image)) as reader:
            reader.json()
    except c2pa.C2paError:
        pass
    if not handler.hits:
        pytest.skip("this c2pa-python build does not fetch remote manifests by default")
    assert handler.hits == ["/manifest.c2pa"]


def test_without_the_native_library_the_audit_still_reads_the_assertion(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys
    from pathlib import Path

    monkeypatch.setitem(sys.modules, "c2pa", None)  # import c2pa now fails, as a broken lib would
    data = (
        Path(__file__).parents[1] / "fixtures" / "images" / "cawg-training-mining.png"
    ).read_bytes()
    meta = read_image_metadata(data)
    assert meta.c2pa is not None
    assert meta.c2pa.validation == "unvalidated"
    assert "c2pa-python is not available" in meta.c2pa.validation_detail
    assert meta.c2pa.assertions
