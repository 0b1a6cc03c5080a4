"""Bot walls: challenge, CAPTCHA, block and rate-limit answers from CDNs and bot managers.

A policy file fetched through a bot wall is no evidence at all: the body is the wall's page,
not the site's file, so the verdict for that signal is unknown. It is neither "no file" nor
"an HTML soft 404" (signals.md §0.1: keep "unknown" apart from "allowed").

Markers are the vendors' public ones. Several vendors also put their scripts, cookies and
headers on ordinary pages (Cloudflare's ``/cdn-cgi/challenge-platform/scripts/jsd/``,
DataDome's ``x-datadome: protected``, Incapsula's injected ``_Incapsula_Resource`` script), so
such weak markers count only together with a refusal status. A plain 403 from behind a CDN is
not a wall either: S3 and other origins answer 403 for a missing file.

The detectors read a bounded view of the response (:mod:`audits.signals.botwall._answer`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from audits.core.findings import Finding, Severity, make_finding
from audits.signals.botwall._answer import Answer, read_answer

Vendor = Literal[
    "cloudflare",
    "akamai",
    "datadome",
    "perimeterx",
    "imperva",
    "sucuri",
    "aws-waf",
    "fastly",
    "vercel",
    "generic",
]
WallKind = Literal["challenge", "block", "rate-limit", "captcha"]

MAX_EVIDENCE_CHARS = 200

CODES: dict[str, Severity] = {
    "botwall-challenge": "warning",
    "botwall-blocked": "warning",
}

VENDOR_NAMES: dict[Vendor, str] = {
    "cloudflare": "Cloudflare",
    "akamai": "Akamai",
    "datadome": "DataDome",
    "perimeterx": "PerimeterX (HUMAN)",
    "imperva": "Imperva (Incapsula)",
    "sucuri": "Sucuri",
    "aws-waf": "AWS WAF",
    "fastly": "Fastly",
    "vercel": "Vercel",
    "generic": "",
}

_IDENTITY_HEADERS: tuple[tuple[Vendor, str, str], ...] = (
    ("cloudflare", "server", "cloudflare"),
    ("cloudflare", "cf-ray", ""),
    ("vercel", "server", "vercel"),
    ("vercel", "x-vercel-id", ""),
    ("akamai", "server", "akamaighost"),
    ("sucuri", "server", "sucuri"),
    ("sucuri", "x-sucuri-id", ""),
    ("imperva", "x-iinfo", ""),
    ("fastly", "x-fastly-request-id", ""),
    ("fastly", "x-served-by", "cache-"),
)

_CF_CHALLENGE = (
    b"_cf_chl_opt",
    b"cf-browser-verification",
    b"/cdn-cgi/challenge-platform/h/",
    b"cf-chl-",
    b"cf_chl_",
    b"just a moment...",
    b"checking your browser before accessing",
)
_CF_BLOCK = (
    b"attention required! | cloudflare",
    b"sorry, you have been blocked",
    b"cf-error-details",
)
# Akamai writes its error page with HTML entities ("Reference&#32;&#35;18.1a2b...").
_AKAMAI_EDGE = (b"errors.edgesuite.net", b"errors&#46;edgesuite&#46;net")
_AKAMAI_PAGE = (b"reference&#32;&#35;", b"reference #", b"access denied") + _AKAMAI_EDGE
_PX_MARKERS = (b"px-captcha", b"_pxappid", b"perimeterx", b"px-cdn.net", b"px-cloud.net")
_AWS_MARKERS = (b"awswafintegration", b"aws-waf-token", b".awswaf.com")
_CAPTCHA_WIDGETS = (
    b"g-recaptcha",
    b"google.com/recaptcha",
    b"h-captcha",
    b"hcaptcha.com",
    b"cf-turnstile",
    b"challenges.cloudflare.com/turnstile",
)


@dataclass(frozen=True)
class BotWall:
    """A bot-protection answer: who served it, what kind it is, and what gave it away."""

    vendor: Vendor
    kind: WallKind
    evidence: str
    """The header or body marker that matched, with the status (bounded)."""


def detect_bot_wall(
    status: int | None,
    headers: Mapping[str, str] | Sequence[tuple[str, str]],
    body: bytes | None,
) -> BotWall | None:
    """Recognise a bot challenge, CAPTCHA, block or rate limit; ``None`` for a real answer."""
    if status is None:
        return None
    answer = read_answer(status, headers, body)
    for detector in _DETECTORS:
        wall = detector(answer)
        if wall is not None:
            return wall
    return None


def finding_for(wall: BotWall) -> Finding:
    """The finding that says a policy could not be read because of this wall."""
    name = VENDOR_NAMES[wall.vendor]
    what = {
        "challenge": f"{name} bot challenge",
        "captcha": f"{name} CAPTCHA",
        "block": f"{name} bot block",
        "rate-limit": f"{name} rate limit",
    }[wall.kind].strip()
    article = "an" if what[0].lower() in "aeiou" else "a"
    unknown = "so its policy could not be read; the verdict is unknown, not 'not opted out'."
    if wall.kind in ("challenge", "captcha"):
        message = f"The site answered with {article} {what}, {unknown}"
        return make_finding(CODES, "botwall-challenge", message, evidence=wall.evidence)
    message = f"The site refused the request with {article} {what}, {unknown}"
    return make_finding(CODES, "botwall-blocked", message, evidence=wall.evidence)


def _wall(vendor: Vendor, kind: WallKind, answer: Answer, *clues: str | None) -> BotWall:
    text = "; ".join([f"status {answer.status}", *(clue for clue in clues if clue)])
    if len(text) > MAX_EVIDENCE_CHARS:
        text = text[: MAX_EVIDENCE_CHARS - 1] + "…"
    return BotWall(vendor, kind, text)


def _mitigation_headers(answer: Answer) -> BotWall | None:
    """Headers that vendors set only on mitigated answers, whatever the status."""
    # Cloudflare documents "challenge" as the only value of cf-mitigated.
    clue = answer.header_has("cf-mitigated", "challenge")
    if clue:
        return _wall("cloudflare", "challenge", answer, clue)
    value = answer.header("x-vercel-mitigated")
    if value:
        kind: WallKind = "challenge" if "challenge" in value.lower() else "block"
        return _wall("vercel", kind, answer, f"x-vercel-mitigated: {value}")
    # AWS WAF: challenge comes with 202, CAPTCHA with 405 (AWS WAF developer guide).
    value = answer.header("x-amzn-waf-action")
    if value:
        action = value.lower()
        kind = (
            "captcha" if "captcha" in action else "challenge" if "challenge" in action else "block"
        )
        return _wall("aws-waf", kind, answer, f"x-amzn-waf-action: {value}")
    return None


def _cloudflare(answer: Answer) -> BotWall | None:
    """Challenge pages come as 403 or 503, block pages (error 1020) as 403."""
    if answer.status not in (403, 503):
        return None
    identity = _cloudflare_identity(answer)
    strong = answer.marker((b"_cf_chl_opt", b"attention required! | cloudflare"))
    if identity is None and strong is None:
        return None
    clue = answer.marker(_CF_CHALLENGE)
    if clue:
        return _wall("cloudflare", "challenge", answer, identity, clue)
    clue = answer.marker(_CF_BLOCK)
    if clue and answer.status == 403:
        return _wall("cloudflare", "block", answer, identity, clue)
    return None


def _akamai(answer: Answer) -> BotWall | None:
    if answer.status != 403:
        return None
    identity = answer.header_has("server", "akamaighost") or answer.marker(_AKAMAI_EDGE)
    clue = answer.marker(_AKAMAI_PAGE)
    if identity and clue:
        return _wall("akamai", "block", answer, identity, clue)
    return None


def _datadome(answer: Answer) -> BotWall | None:
    """``x-datadome: protected`` and the ``datadome`` cookie also sit on ordinary pages."""
    identity = _first_header(
        answer, ("x-datadome", "x-datadome-cid", "x-dd-b")
    ) or answer.header_has("set-cookie", "datadome=")
    clue = answer.marker((b"captcha-delivery.com",))
    if clue and (not answer.success or identity):
        return _wall("datadome", "captcha", answer, identity, clue)
    if identity and answer.refused:
        return _wall("datadome", "captcha", answer, identity)
    return None


def _perimeterx(answer: Answer) -> BotWall | None:
    """The HUMAN (PerimeterX) block page is a 403 "Press & Hold" CAPTCHA."""
    if not answer.refused:
        return None
    clue = answer.marker(_PX_MARKERS) or answer.header_has("set-cookie", "_pxhd=")
    return _wall("perimeterx", "captcha", answer, clue) if clue else None


def _imperva(answer: Answer) -> BotWall | None:
    identity = _first_header(answer, ("x-iinfo",)) or answer.header_has("x-cdn", "incapsula")
    identity = identity or answer.header_has("x-cdn", "imperva")
    clue = answer.marker((b"incapsula incident",))
    if clue and (not answer.success or (identity and answer.stub_page)):
        return _wall("imperva", "block", answer, identity, clue)
    clue = answer.marker((b"_incapsula_resource",))
    # The JS challenge is a small 200 page framing /_Incapsula_Resource; ordinary pages
    # carry the same path only as an injected <script>.
    if clue and (answer.refused or (answer.stub_page and b"<iframe" in answer.body)):
        return _wall("imperva", "challenge", answer, identity, clue)
    if identity and answer.status == 403:
        clue = answer.marker((b"incapsula", b"imperva"))
        return _wall("imperva", "block", answer, identity, clue) if clue else None
    return None


def _sucuri(answer: Answer) -> BotWall | None:
    identity = _first_header(answer, ("x-sucuri-id", "x-sucuri-cache")) or answer.header_has(
        "server", "sucuri"
    )
    # The JS challenge is a 200 page whose script sets the sucuri_cloudproxy_uuid_ cookie.
    clue = answer.marker((b"sucuri_cloudproxy_js", b"sucuri_cloudproxy_uuid_"))
    if clue and (not answer.success or answer.stub_page):
        return _wall("sucuri", "challenge", answer, identity, clue)
    if answer.status == 403:
        clue = answer.marker((b"sucuri website firewall", b"cloudproxy@sucuri.net"))
        if clue or (identity and b"sucuri" in answer.body):
            return _wall("sucuri", "block", answer, identity, clue or "body: sucuri")
    return None


def _aws_waf(answer: Answer) -> BotWall | None:
    """Interstitials without their header; the SDK also loads on ordinary 200 pages."""
    if answer.status in (202, 403, 405):
        clue = answer.marker(_AWS_MARKERS)
        if clue:
            kind: WallKind = "captcha" if answer.status == 405 else "challenge"
            return _wall("aws-waf", kind, answer, clue)
    if answer.status == 403 and b"generated by cloudfront" in answer.body:
        clue = answer.marker((b"request blocked.",))
        return _wall("aws-waf", "block", answer, clue) if clue else None
    return None


def _vercel_page(answer: Answer) -> BotWall | None:
    if not answer.refused:
        return None
    clue = answer.marker((b"vercel security checkpoint",))
    return _wall("vercel", "challenge", answer, clue) if clue else None


def _fastly(answer: Answer) -> BotWall | None:
    """Interstitial challenges load /_fs-ch-<id>/; embedded ones sit inside real 200 pages."""
    if answer.status < 400:
        return None
    clue = answer.marker((b"/_fs-ch-",))
    return _wall("fastly", "challenge", answer, clue) if clue else None


def _rate_limited(answer: Answer) -> BotWall | None:
    """429 Too Many Requests (RFC 6585 §4), credited to the CDN that sent it."""
    if answer.status != 429:
        return None
    retry = answer.header("retry-after")
    clue = f"retry-after: {retry}" if retry is not None else None
    vendor, identity = _identity(answer)
    return _wall(vendor, "rate-limit", answer, identity, clue)


def _generic_captcha(answer: Answer) -> BotWall | None:
    """A refusal page carrying a CAPTCHA widget; contact forms on 200 pages do not count."""
    if not (answer.refused or answer.status == 503):
        return None
    clue = answer.marker(_CAPTCHA_WIDGETS)
    return _wall("generic", "captcha", answer, clue) if clue else None


def _first_header(answer: Answer, names: Sequence[str]) -> str | None:
    for name in names:
        clue = answer.header_has(name)
        if clue:
            return clue
    return None


def _identity(answer: Answer, only: Vendor | None = None) -> tuple[Vendor, str | None]:
    """Which CDN answered, from headers it puts on all its responses."""
    for vendor, name, needle in _IDENTITY_HEADERS:
        if only in (None, vendor):
            clue = answer.header_has(name, needle)
            if clue:
                return vendor, clue
    return "generic", None


def _cloudflare_identity(answer: Answer) -> str | None:
    return _identity(answer, "cloudflare")[1]


_DETECTORS: tuple[Callable[[Answer], BotWall | None], ...] = (
    _mitigation_headers,
    _cloudflare,
    _datadome,
    _perimeterx,
    _imperva,
    _sucuri,
    _aws_waf,
    _akamai,
    _vercel_page,
    _fastly,
    _rate_limited,
    _generic_captcha,
)
