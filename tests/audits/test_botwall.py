"""Bot walls: vendor challenge, CAPTCHA, block and rate-limit answers are not policies."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import FrozenInstanceError
from pathlib import Path
from typing import TypeVar

import pytest

from audits.signals.botwall import (
    CODES,
    MAX_EVIDENCE_CHARS,
    BotWall,
    detect_bot_wall,
    finding_for,
)
from audits.signals.botwall._answer import MAX_BODY_BYTES, MAX_HEADER_FIELDS

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "botwall"
T = TypeVar("T")


def load_http(case: str) -> tuple[int, list[tuple[str, str]], bytes]:
    """Read ``<case>.http``: a status line, header lines, a blank line, then the body."""
    raw = (FIXTURES / f"{case}.http").read_bytes()
    head, _, body = raw.partition(b"\n\n")
    lines = head.decode("utf-8").splitlines()
    status = int(lines[0].split(None, 2)[1])
    headers = [(name.strip(), value.strip()) for name, _, value in
               (line.partition(":") for line in lines[1:])]  # fmt: skip
    return status, headers, body


def wall(case: str) -> BotWall | None:
    return detect_bot_wall(*load_http(case))


def assert_fast(call: Callable[[], T], seconds: float = 1.0) -> T:
    start = time.perf_counter()
    result = call()
    assert time.perf_counter() - start < seconds
    return result


# --- vendors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "vendor", "kind"),
    [
        ("cloudflare_cf_mitigated_challenge", "cloudflare", "challenge"),
        ("cloudflare_managed_challenge_no_header", "cloudflare", "challenge"),
        ("cloudflare_under_attack_503", "cloudflare", "challenge"),
        ("cloudflare_block_1020", "cloudflare", "block"),
        ("cloudflare_rate_limit_1015", "cloudflare", "rate-limit"),
        ("akamai_access_denied", "akamai", "block"),
        ("datadome_captcha_page", "datadome", "captcha"),
        ("datadome_json_block", "datadome", "captcha"),
        ("perimeterx_press_and_hold", "perimeterx", "captcha"),
        ("imperva_incident_block", "imperva", "block"),
        ("imperva_js_challenge_200", "imperva", "challenge"),
        ("sucuri_access_denied", "sucuri", "block"),
        ("sucuri_js_challenge", "sucuri", "challenge"),
        ("aws_waf_challenge_202", "aws-waf", "challenge"),
        ("aws_waf_captcha_405", "aws-waf", "captcha"),
        ("aws_cloudfront_request_blocked", "aws-waf", "block"),
        ("vercel_checkpoint_429", "vercel", "challenge"),
        ("vercel_deny_403", "vercel", "block"),
        ("fastly_interstitial_challenge", "fastly", "challenge"),
        ("generic_429_retry_after", "generic", "rate-limit"),
        ("generic_recaptcha_403", "generic", "captcha"),
    ],
)
def test_vendor_wall_recognised(case: str, vendor: str, kind: str) -> None:
    found = wall(case)
    assert found is not None
    assert (found.vendor, found.kind) == (vendor, kind)


@pytest.mark.parametrize(
    "case",
    [
        "cloudflare_normal_page_200",
        "cloudflare_not_found_404",
        "robots_txt_mentions_cloudflare",
        "cloudflare_403_s3_access_denied",
        "cloudflare_origin_down_522",
        "article_about_cloudflare_challenges_200",
        "datadome_protected_200",
        "imperva_normal_page_200",
        "perimeterx_normal_page_200",
        "aws_waf_sdk_on_normal_page_200",
        "fastly_embedded_challenge_200",
        "akamai_not_found_404",
    ],
)
def test_real_answer_is_not_a_wall(case: str) -> None:
    assert wall(case) is None


def test_cloudflare_normal_200_page_with_injected_challenge_script_is_not_a_wall() -> None:
    status, headers, body = load_http("cloudflare_normal_page_200")
    assert b"challenge-platform" in body and ("Server", "cloudflare") in headers
    assert detect_bot_wall(status, headers, body) is None


def test_robots_txt_mentioning_cloudflare_markers_in_comments_is_not_a_wall() -> None:
    status, headers, body = load_http("robots_txt_mentions_cloudflare")
    assert b"cf-chl" in body and b"Attention Required! | Cloudflare" in body
    assert detect_bot_wall(status, headers, body) is None


def test_cf_mitigated_header_decides_whatever_the_body() -> None:
    found = detect_bot_wall(200, {"CF-Mitigated": "challenge"}, b"User-agent: *\nAllow: /\n")
    assert found == BotWall("cloudflare", "challenge", "status 200; cf-mitigated: challenge")


def test_cloudflare_body_markers_need_a_refusal_status() -> None:
    status, headers, body = load_http("cloudflare_managed_challenge_no_header")
    assert detect_bot_wall(status, headers, body) is not None
    assert detect_bot_wall(200, headers, body) is None


def test_cloudflare_strong_marker_counts_without_cloudflare_headers() -> None:
    _, _, body = load_http("cloudflare_block_1020")
    found = detect_bot_wall(403, [("Content-Type", "text/html")], body)
    assert found is not None and (found.vendor, found.kind) == ("cloudflare", "block")


def test_cloudflare_plain_403_without_markers_is_not_a_wall() -> None:
    headers = {"Server": "cloudflare", "CF-RAY": "1-CDG"}
    assert detect_bot_wall(403, headers, b"<html><body>Forbidden</body></html>") is None


def test_datadome_header_on_refusal_is_a_captcha() -> None:
    found = detect_bot_wall(403, {"X-DataDome": "protected"}, b"")
    assert found is not None and (found.vendor, found.kind) == ("datadome", "captcha")
    assert "x-datadome: protected" in found.evidence


def test_datadome_cookie_on_refusal_is_a_captcha() -> None:
    found = detect_bot_wall(403, [("Set-Cookie", "datadome=abc; Path=/")], None)
    assert found is not None and found.vendor == "datadome"


def test_perimeterx_cookie_on_refusal_is_a_captcha() -> None:
    found = detect_bot_wall(403, [("Set-Cookie", "_pxhd=abc:def; path=/")], b"")
    assert found is not None and found.vendor == "perimeterx"
    assert "_pxhd=" in found.evidence


def test_imperva_challenge_needs_a_small_framing_page_on_200() -> None:
    status, headers, body = load_http("imperva_js_challenge_200")
    assert detect_bot_wall(status, headers, body) is not None
    padded = body + b"<!-- " + b"x" * 20_000 + b" -->"
    assert detect_bot_wall(status, headers, padded) is None


def test_sucuri_identity_on_403_needs_sucuri_in_body() -> None:
    headers = {"Server": "Sucuri/Cloudproxy", "X-Sucuri-ID": "11005"}
    assert detect_bot_wall(403, headers, b"<Error><Code>AccessDenied</Code></Error>") is None
    found = detect_bot_wall(403, headers, b"<html>Blocked by Sucuri</html>")
    assert found is not None and (found.vendor, found.kind) == ("sucuri", "block")


def test_aws_waf_header_values_map_to_kinds() -> None:
    challenge = detect_bot_wall(202, {"x-amzn-waf-action": "challenge"}, b"")
    captcha = detect_bot_wall(405, {"x-amzn-waf-action": "captcha"}, b"")
    assert challenge is not None and challenge.kind == "challenge"
    assert captcha is not None and captcha.kind == "captcha"


def test_rate_limit_is_credited_to_the_cdn_that_sent_it() -> None:
    found = detect_bot_wall(429, {"x-served-by": "cache-par-1-PAR"}, b"")
    assert found is not None and (found.vendor, found.kind) == ("fastly", "rate-limit")


def test_rate_limit_without_retry_after_is_still_a_rate_limit() -> None:
    found = detect_bot_wall(429, {}, None)
    assert found == BotWall("generic", "rate-limit", "status 429")


def test_recaptcha_on_200_page_is_not_a_wall() -> None:
    _, headers, body = load_http("generic_recaptcha_403")
    assert detect_bot_wall(200, headers, body) is None


def test_no_response_is_not_a_wall() -> None:
    assert detect_bot_wall(None, {"cf-mitigated": "challenge"}, b"Just a moment...") is None


# --- evidence and inputs ---------------------------------------------------------------------


def test_evidence_names_the_header_that_matched() -> None:
    found = wall("cloudflare_cf_mitigated_challenge")
    assert found is not None and found.evidence == "status 403; cf-mitigated: challenge"


def test_evidence_names_the_body_marker_that_matched() -> None:
    found = wall("akamai_access_denied")
    assert found is not None
    assert found.evidence == "status 403; server: AkamaiGHost; body: reference&#32;&#35;"


def test_evidence_is_bounded() -> None:
    found = detect_bot_wall(403, {"x-vercel-mitigated": "deny" + "x" * 100_000}, None)
    assert found is not None and len(found.evidence) <= MAX_EVIDENCE_CHARS


def test_header_names_are_case_insensitive_and_sequences_accepted() -> None:
    as_mapping = detect_bot_wall(429, {"X-VERCEL-MITIGATED": "Challenge"}, None)
    as_pairs = detect_bot_wall(429, [("x-Vercel-Mitigated", "challenge")], None)
    assert as_mapping is not None and as_pairs is not None
    assert (as_mapping.vendor, as_mapping.kind) == (as_pairs.vendor, as_pairs.kind)
    assert as_mapping.kind == "challenge"


def test_marker_after_first_64_kib_is_not_read() -> None:
    headers = {"Server": "cloudflare"}
    body = b"<html>" + b" " * MAX_BODY_BYTES + b"<title>Just a moment...</title>"
    assert detect_bot_wall(403, headers, body) is None
    assert detect_bot_wall(403, headers, b"<html><title>Just a moment...</title>") is not None


def test_bot_wall_is_frozen() -> None:
    found = wall("vercel_deny_403")
    assert found is not None
    with pytest.raises(FrozenInstanceError):
        found.vendor = "generic"  # type: ignore[misc]


# --- findings --------------------------------------------------------------------------------


def test_challenge_finding_says_verdict_is_unknown() -> None:
    found = wall("cloudflare_cf_mitigated_challenge")
    assert found is not None
    finding = finding_for(found)
    assert (finding.code, finding.severity) == ("botwall-challenge", "warning")
    assert finding.message.startswith("The site answered with a Cloudflare bot challenge")
    assert "the verdict is unknown, not 'not opted out'" in finding.message
    assert finding.evidence == found.evidence


def test_captcha_finding_uses_challenge_code() -> None:
    found = wall("aws_waf_captcha_405")
    assert found is not None
    finding = finding_for(found)
    assert finding.code == "botwall-challenge"
    assert "an AWS WAF CAPTCHA" in finding.message


def test_block_finding_uses_blocked_code() -> None:
    found = wall("akamai_access_denied")
    assert found is not None
    finding = finding_for(found)
    assert (finding.code, finding.severity) == ("botwall-blocked", "warning")
    assert "an Akamai bot block" in finding.message


def test_generic_rate_limit_finding_names_no_vendor() -> None:
    finding = finding_for(BotWall("generic", "rate-limit", "status 429"))
    assert finding.code == "botwall-blocked"
    assert "with a rate limit," in finding.message


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_code_is_produced(code: str) -> None:
    cases = ["cloudflare_cf_mitigated_challenge", "sucuri_access_denied"]
    produced = set()
    for case in cases:
        found = wall(case)
        assert found is not None
        produced.add(finding_for(found).code)
    assert code in produced


# --- hostile input ---------------------------------------------------------------------------


def test_ten_megabyte_body_is_fast() -> None:
    body = b"<html>" + b"Just a moment" * 800_000
    found = assert_fast(lambda: detect_bot_wall(403, {"Server": "cloudflare"}, body))
    assert found is None


def test_binary_body_never_raises() -> None:
    body = os.urandom(10 * 1024 * 1024)
    assert_fast(lambda: detect_bot_wall(403, {"Server": "cloudflare"}, body))


def test_invalid_utf8_body_is_read() -> None:
    body = b"\xff\xfe<html>\xc3\x28<title>Just a moment...</title>\x80"
    found = detect_bot_wall(503, {"Server": "cloudflare"}, body)
    assert found is not None and found.kind == "challenge"


def test_hundred_thousand_header_fields_are_fast_and_bounded() -> None:
    headers = [(f"x-junk-{i}", "v" * 50) for i in range(100_000)]
    late = [*headers, ("cf-mitigated", "challenge")]
    assert assert_fast(lambda: detect_bot_wall(403, late, b"")) is None
    early = [("cf-mitigated", "challenge"), *headers]
    assert assert_fast(lambda: detect_bot_wall(403, early, b"")) is not None
    assert MAX_HEADER_FIELDS < 100_000


def test_huge_header_names_and_values_are_fast() -> None:
    headers = {"Set-Cookie": "a=" + "b" * 10_000_000, "Server": "x" * 10_000_000}
    assert assert_fast(lambda: detect_bot_wall(403, headers, b"")) is None
    names = [("n" * 10_000_000, "v")] * 1_000
    assert assert_fast(lambda: detect_bot_wall(403, names, b"")) is None
