"""What a ``402 Payment Required`` answer asks for: Cloudflare's pay per crawl or x402.

Pay per crawl sends the price in a ``crawler-price`` header (``USD 0.01``); it is kept as
sent. x402 describes how to pay in JSON: version 1 puts it in the body
(``{"x402Version": 1, "accepts": [{"maxAmountRequired": …, "asset": …}]}``), version 2 in a
base64 ``PAYMENT-REQUIRED`` header (``amount`` instead of ``maxAmountRequired``). Both are
read leniently and within bounds: a body or header too large, not JSON or of another shape
is simply not a payment request.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from audits.core.evidence import Fetch

MAX_JSON_BYTES = 64 * 1024
"""A payment body or header larger than this is not parsed."""
MAX_OFFERS = 8
"""Only the first offers of an x402 ``accepts`` list are looked at."""
MAX_PRICE_CHARS = 120
MAX_FIELD_CHARS = 64
MAX_JSON_DEPTH = 20

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")

Scheme = Literal["crawler-price", "x402"]


@dataclass(frozen=True)
class Payment:
    """The scheme a 402 names and the price it asks, as text."""

    scheme: Scheme
    price: str | None


def read_payment(fetch: Fetch) -> Payment | None:
    """The payment a 402 answer asks for, or None when it names no known scheme."""
    header = next((v for v in fetch.header_values("crawler-price") if v.strip()), None)
    if header is not None:
        return Payment("crawler-price", _clean(header, MAX_PRICE_CHARS))
    for document in (_body_json(fetch), _header_json(fetch)):
        found = _x402(document)
        if found is not None:
            return found
    return None


def _clean(text: str, limit: int) -> str:
    text = _CONTROL.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _body_json(fetch: Fetch) -> Any:
    body = fetch.body or b""
    if not body or len(body) > MAX_JSON_BYTES:
        return None
    return _loads(body)


def _header_json(fetch: Fetch) -> Any:
    """x402 version 2: the requirements as base64 JSON in ``PAYMENT-REQUIRED``."""
    for value in fetch.header_values("payment-required"):
        raw = value.strip()
        if not raw or len(raw) > MAX_JSON_BYTES:
            continue
        try:
            decoded = base64.b64decode(raw + "=" * (-len(raw) % 4), validate=False)
        except (binascii.Error, ValueError):
            continue
        document = _loads(decoded)
        if document is not None:
            return document
    return None


def _loads(raw: bytes) -> Any:
    head = raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head != b"{":
        return None
    try:
        document = json.loads(raw.decode("utf-8", "replace"))
    except (ValueError, RecursionError):
        return None
    return document if _shallow(document) else None


def _shallow(value: Any, depth: int = 0) -> bool:
    """Nesting within ``MAX_JSON_DEPTH`` (json.loads itself bounds the size)."""
    if depth > MAX_JSON_DEPTH:
        return False
    if isinstance(value, dict):
        return all(_shallow(v, depth + 1) for v in value.values())
    if isinstance(value, list):
        return all(_shallow(v, depth + 1) for v in value)
    return True


def _x402(document: Any) -> Payment | None:
    """An x402 payment-required object: a version number or an ``accepts`` list of offers."""
    if not isinstance(document, Mapping):
        return None
    offers = document.get("accepts")
    versioned = "x402Version" in document or "x402_version" in document
    if not isinstance(offers, list) and not versioned:
        return None
    for offer in (offers if isinstance(offers, list) else [])[:MAX_OFFERS]:
        if isinstance(offer, Mapping):
            price = _offer_price(offer)
            if price is not None:
                return Payment("x402", price)
    return Payment("x402", None)


def _offer_price(offer: Mapping[str, Any]) -> str | None:
    """``<amount> <asset> on <network>``: the amount in the asset's smallest units, as sent."""
    amount = _text(offer.get("maxAmountRequired", offer.get("amount")))
    if amount is None:
        return None
    extra = offer.get("extra")
    asset = _text(extra.get("name")) if isinstance(extra, Mapping) else None
    asset = asset or _text(offer.get("asset"))
    network = _text(offer.get("network"))
    price = amount + (f" {asset}" if asset else "") + (f" on {network}" if network else "")
    return _clean(price, MAX_PRICE_CHARS)


def _text(value: Any) -> str | None:
    """A short string or number as text; anything else is not read."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = _clean(value, MAX_FIELD_CHARS)
    return value or None
