"""Which CDN or bot manager answered, from headers it puts on its answers, for refusals that
carry no wall page of their own (a bare ``403`` from an AI-bot rule).

The bot-wall detectors name the vendor when the answer is a wall page; this table only
names the edge an answer came through. Vendor ids are those of ``audits.signals.botwall``
where they overlap.
"""

from __future__ import annotations

from audits.core.evidence import Fetch
from audits.signals.botwall import VENDOR_NAMES

MAX_HEADERS_READ = 200

# (vendor, lower-case header name, lower-case part of its value; "" for present at all)
_IDENTITY: tuple[tuple[str, str, str], ...] = (
    ("cloudflare", "cf-mitigated", ""),
    ("cloudflare", "cf-ray", ""),
    ("cloudflare", "server", "cloudflare"),
    ("vercel", "x-vercel-mitigated", ""),
    ("vercel", "x-vercel-id", ""),
    ("vercel", "server", "vercel"),
    ("netlify", "x-nf-request-id", ""),
    ("netlify", "server", "netlify"),
    ("aws-waf", "x-amzn-waf-action", ""),
    ("aws-cloudfront", "x-amz-cf-id", ""),
    ("datadome", "x-datadome", ""),
    ("datadome", "x-datadome-cid", ""),
    ("akamai", "server", "akamaighost"),
    ("imperva", "x-iinfo", ""),
    ("sucuri", "x-sucuri-id", ""),
    ("sucuri", "server", "sucuri"),
    ("fastly", "x-fastly-request-id", ""),
)

NAMES: dict[str, str] = {
    **{vendor: name for vendor, name in VENDOR_NAMES.items() if name},
    "aws-cloudfront": "Amazon CloudFront",
    "netlify": "Netlify",
}


def edge_vendor(fetch: Fetch) -> str | None:
    """The first vendor whose identifying header the answer carries, or None."""
    headers = [(k.strip().lower(), v[:1024].lower()) for k, v in fetch.headers[:MAX_HEADERS_READ]]
    for vendor, name, needle in _IDENTITY:
        if any(key == name and needle in value for key, value in headers):
            return vendor
    return None


def vendor_name(vendor: str | None) -> str | None:
    """The vendor as people know it."""
    return NAMES.get(vendor, vendor) if vendor else None
