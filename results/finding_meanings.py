"""The one-line meaning of every finding code, shown beside the code wherever one is shown.

One source of truth for the pages (per-site, ``/-/findings``, ``findings_by_code``), the report
and ``optout check``: each entry of docs/findings.md starts with the code's meaning word for
word after its severity, and a test (tests/results/test_finding_meanings.py) keeps the two and
the audit's code tables in step. The document goes on to say how to fix it.
"""

# ruff: noqa: E501  (a table of sentences, one per line, as docs/findings.md writes them)
from __future__ import annotations

import re
import sqlite3
from typing import Final

from markupsafe import Markup, escape

MEANINGS: Final[dict[str, str]] = {
    "robots-served-as-html": "/robots.txt returns an HTML page (a soft 404 or a site's app shell with status 200).",
    "robots-unreachable": "/robots.txt answered with a server error (5xx), timed out or could not be connected to.",
    "robots-too-many-redirects": "/robots.txt redirects more than five times (or ends on a redirect).",
    "robots-no-file": "There is no robots.txt (a 4xx answer): crawlers may fetch everything.",
    "robots-access-denied": '/robots.txt answers 401 or 403. RFC 9309 reads any 4xx as "no rules at all", so an opt-out written in it is not seen; some older crawlers read it as "disallow everything".',
    "robots-rate-limited": "/robots.txt answers 429 (too many requests).",
    "robots-binary": "The file contains NUL bytes, so it looks like a binary file rather than text.",
    "robots-not-utf8": "The file is not valid UTF-8 (UTF-16, Latin-1 or broken bytes).",
    "robots-truncated": "The file is larger than 500 KiB (512,000 bytes).",
    "robots-line-too-long": "A line is longer than Google's parser reads (about 16 KiB); its end is ignored.",
    "robots-missing-colon": "A line such as `Disallow /` has no colon.",
    "robots-misspelt-key": "A key is misspelt (`Dissallow`, `User agent`).",
    "robots-prefix-key": "A key only starts like a robots.txt key (`Disallowed:`, `User-agents:`).",
    "robots-disallow-ai-training": "`DisallowAITraining:` / `AllowAITraining:` come from an expired Microsoft draft.",
    "robots-rule-outside-group": "An Allow or Disallow line comes before any User-agent line.",
    "robots-invalid-token": "A User-agent value such as `Brightbot 1.0` or `AI2Bot` is not a valid product token (only letters, `-` and `_` are allowed).",
    "robots-pattern-without-slash": "A rule's path does not start with `/` or `*` (`Disallow: images/`), so it matches no URL.",
    "robots-content-signal-outside-group": "A `Content-Signal` line comes before any User-agent line, so it belongs to no group and readers that attach it to groups ignore it.",
    "robots-content-signal-repeated": "One group has several `Content-Signal` lines; readers may take only one.",
    "robots-token-typo": "A User-agent value is not any known crawler's token but looks like a misspelling of one (`GPT-Bot` for `GPTBot`, `meta-external-agent` for `meta-externalagent`).",
    "robots-legacy-only": "Only a retired token is blocked (`anthropic-ai`, `Claude-Web`) and not its successor (`ClaudeBot`).",
    "robots-reopens-wildcard": "`User-agent: *` disallows everything, but a training crawler has its own group.",
    "robots-blanket-block": "`User-agent: *` with `Disallow: /` blocks every crawler, search engines included.",
    "robots-search-not-training": "AI search crawlers are blocked (OAI-SearchBot, PerplexityBot, …) but no training crawler is.",
    "robots-protego-differs": "For this crawler and path, Protego (the parser of Scrapy-based crawlers) answers otherwise than RFC 9309, for example because it matches `User-agent: Google` inside `Google-Extended` or closes a group at an unknown line.",
    "robots-google-differs": "For this crawler and path, Google's reference parser answers otherwise than RFC 9309 (typically because it reads `DisallowAITraining` as `Disallow`, or applies its `index.html` allowance).",
    "robots-cloudflare-policy-only": "The file carries Cloudflare's Content Signals policy text as comments but no `Content-Signal` line: Cloudflare itself says this expresses no preference.",
    "robots-duplicate-group": "An agent (or `*`) is named in more than one group; the finding points at the later group's User-agent line and names the earlier one.",
    "robots-first-group-differs": "For a registry agent (or every agent that follows `*`), the first of its groups alone gives another verdict than all its groups merged, on `/` or on a path the groups' rules name.",
    "robots-crawl-delay": "A `Crawl-delay` line. It is not part of RFC 9309: Bing and Yandex read it, Google ignores it, and it never blocks anything, it only asks for a pause between requests.",
    "robots-noindex": "A `Noindex:` line. It is not part of RFC 9309 and Google stopped reading it in 2019: it does nothing.",
    "robots-host": "A `Host:` line: a legacy Yandex directive naming the preferred mirror.",
    "robots-blank-line-in-group": "A blank line sits between a group's first and last line (the finding points at it).",
    "robots-allow-and-disallow-all": "One group both allows and disallows everything (`Allow: /` beside `Disallow: /`, or `*`, `/*`).",
    "robots-dollar-not-at-end": "A rule's path has `$` before its end (`Disallow: /*.php$?print`).",
    "robots-space-in-path": "A rule's path contains a space or tab (`Disallow: /drafts /old`, often several paths on one line).",
    "robots-sitemap-not-absolute": "A `Sitemap:` line has no URL, or one that is not an absolute http(s) URL (`Sitemap: /sitemap.xml`).",
    "aipref-parse-failed": "The Content-Usage value is not a valid Structured Field Dictionary (uppercase key, trailing comma, non-ASCII, missing comma), so conforming readers ignore all of it.",
    "aipref-oversized": "The preference is longer than 8 KiB and was not read.",
    "aipref-invalid-value": 'A current label has a value other than the Token `y` or `n` (e.g. `train-ai="n"`, `train-ai=no`, `train-ai=0`), which reads as unknown, not as a disallow.',
    "aipref-legacy-label": "A label from an earlier draft (`ai`, `tdm`, `genai`, `train-genai`, `bots`, `all`, `ai-output`, `inference`) is ignored under the current drafts, so e.g. `ai=n` expresses nothing.",
    "aipref-unknown-label": "The label is not in the vocabulary (e.g. `train_ai`) and is ignored.",
    "aipref-bare-key": "A label without a value is Boolean true, which reads as unknown.",
    "aipref-duplicate-key": "A label appears more than once (also across several header lines); only the last occurrence counts.",
    "content-signal-invalid-value": "A known signal has an unrecognised value (e.g. `ai-train=false`, `ai-train=n`), so it states nothing.",
    "content-signal-oversized": "The Content-Signal value is longer than 2048 characters or has more than 32 parts and was not read.",
    "content-signal-unknown-key": "The key is not a Content Signal (e.g. `ai_train`, `aitrain`, `train`) and is ignored.",
    "content-signal-duplicate-key": "A signal is given more than once, possibly with conflicting values; readers may take the last or the most restrictive.",
    "content-signal-empty": "The Content-Signal line has no signals and states nothing.",
    "content-signal-malformed-part": "A part without `=` (e.g. `search`) is ignored.",
    "rsl-invalid-license-url": "The licence URL (robots.txt `License:` or `Link` header) is not an absolute http(s) URL, so crawlers cannot fetch the licence.",
    "rsl-too-large": "The licence is over 1 MiB, nested deeper than 32 levels, or has more than 10,000 elements, and was not read.",
    "rsl-xml-forbidden": "The licence uses a DOCTYPE, entity declarations or external references, which are refused for safety, so it was not read.",
    "rsl-malformed-xml": "The licence is not well-formed XML (empty, binary, unclosed tags, undefined entities).",
    "rsl-wrong-root": "The root element is not `<rsl>` (e.g. an HTML error page or an RSS feed), so this is not an RSL licence.",
    "rsl-wrong-namespace": '`<rsl>` lacks `xmlns="https://rslstandard.org/rsl"` or uses another namespace; we read it anyway, but strict readers will reject it.',
    "rsl-no-content": "The licence has no `<content>` element, so it covers nothing.",
    "rsl-content-missing-url": "A `<content>` element has no `url` attribute, so it applies to nothing.",
    "rsl-missing-type": "A `<permits>` or `<prohibits>` element has no `type`, so readers cannot tell whether it lists usages, users or places.",
    "rsl-unexpected-content-type": "The licence is served with a non-XML content type (text/html usually means an error page).",
    "rsl-link-header-too-long": "The `Link` header values are over 16 KiB; the rest was not read.",
    "rsl-license-link-not-rsl": 'A `rel="license"` link has no `type="application/rsl+xml"` (often a Creative Commons licence); it is recorded but not treated as RSL.',
    "aitxt-served-as-html": "/ai.txt returns an HTML page (a soft 404, site shell or XML error page) instead of rules, so dataset tools find no reservation.",
    "aitxt-html-content-type": "The ai.txt rules are readable, but the server labels them text/html, and strict readers may treat the file as a web page.",
    "aitxt-not-spawning-format": "/ai.txt is aitxt.ing-style Markdown (YAML front matter or headings): it describes the site to AI assistants and blocks nothing.",
    "aitxt-unknown-format": "/ai.txt has no User-Agent, Allow or Disallow lines (for example, plain prose or an error message), so it reserves nothing.",
    "aitxt-empty-file": "/ai.txt exists but is empty, so it reserves nothing.",
    "aitxt-unreachable": "/ai.txt answers with a server error (5xx), so nobody can read its rules.",
    "aitxt-line-without-colon": "A line has no colon. `Disallow /x` is read as `Disallow: /x`; a bare line (like the stray `/` lines Spawning's WordPress plugin writes) is ignored.",
    "aitxt-rule-before-user-agent": "An Allow or Disallow line comes before any User-Agent line and is ignored (RFC 9309 §2.2.1).",
    "aitxt-unknown-key": "A line uses a key other than User-Agent, Allow or Disallow, and ai.txt readers ignore it.",
    "aitxt-allows-everything": '/ai.txt is present but disallows nothing, which is an explicit "allowed", not an absence.',
    "aitxt-truncated": "/ai.txt exceeds the read limits (500 KiB, 10,000 lines or 2,000 rules), and anything past them was not read.",
    "aitxt-decode-error": "/ai.txt is not valid UTF-8; invalid bytes were replaced, so rules containing them may not match.",
    "meta-robots-outside-head": "A robots meta tag sits outside `<head>` (often after body content or inside an SVG), and crawlers ignore it.",
    "meta-ai-directive-typo": "A directive looks like a misspelt `noai` or `noimageai` (for example `no-ai` or `noimageia`), and no tool recognises it.",
    "meta-nonstandard-ai-directive": "An AI-sounding directive such as `noml` or `noai-training` has no known consumer, so it reserves nothing.",
    "meta-nonstandard-ai-name": "A meta tag with an ad-hoc AI name (such as `ai-index` or `llm-training`) has no specification and no known consumer.",
    "meta-unknown-directive": "A robots directive is not one crawlers know, so it is ignored.",
    "meta-bad-separator": "Directives are separated by `;` or spaces, but crawlers and dataset tools split on commas only, so `noai; noimageai` is read as one unknown directive.",
    "meta-too-many-tags": "The page has more than 2,000 meta tags; later tags were not read, and crawlers may skip them too.",
    "meta-html-truncated": "The page is larger than 2 MiB, and only the first 2 MiB was read.",
    "meta-header-too-long": "An X-Robots-Tag or Robots-Tag value is longer than 8 KiB, the minimum that parsers must read; the rest may be dropped.",
    "meta-too-many-header-fields": "The response carries more than 100 X-Robots-Tag/Robots-Tag fields, and the rest were not read.",
    "meta-too-many-directives": "More than 1,000 robots directives were found; the rest were not read.",
    "tdmrep-error-status": "`/.well-known/tdmrep.json` answered with a status that is neither a success nor a 4xx (for example 5xx, or a redirect that was not followed), so TDMRep counts as not implemented.",
    "tdmrep-html-soft-404": 'The tdmrep.json URL returned an HTML page (often a "page not found" page or an app shell with status 200), so TDMRep is not implemented.',
    "tdmrep-wrong-content-type": "The file was read, but it was served with a media type other than `application/json`.",
    "tdmrep-not-utf8": "The file contains bytes that are not UTF-8; they were replaced before parsing, so some values may be garbled.",
    "tdmrep-bom": "The file starts with a byte order mark, which some JSON parsers reject.",
    "tdmrep-too-large": "The file is larger than 1 MiB and was not parsed.",
    "tdmrep-too-deep": "The JSON nests more than 32 levels deep and was not parsed.",
    "tdmrep-invalid-json": "The file is not valid JSON (for example a trailing comma, comments or NaN), so agents treat TDMRep as not implemented.",
    "tdmrep-not-an-array": "The file is not a JSON array. The spec requires `[ … ]` even for a single rule, so agents may ignore it.",
    "tdmrep-empty": "The file is empty or an empty array, so it says nothing and TDMRep counts as not implemented.",
    "tdmrep-too-many-rules": "The file has more than 10,000 rules; only the first 10,000 were read.",
    "tdmrep-rule-not-object": "An element of the array is not an object (for example a bare string) and was ignored.",
    "tdmrep-duplicate-key": "A rule repeats a key; parsers differ on which value wins (ours takes the last).",
    "tdmrep-missing-location": "A rule has no `location`, which is mandatory, so the rule never applies.",
    "tdmrep-invalid-location": "A rule's `location` is not a path pattern (not a string, empty, or a full URL or relative path), so it never matches.",
    "tdmrep-missing-reservation": "A rule has no `tdm-reservation`, which is mandatory, so its paths are unset.",
    "tdmrep-invalid-reservation": 'A rule\'s `tdm-reservation` is not 0 or 1 (for example `true`, `2`, `"yes"` or `null`).',
    "tdmrep-string-reservation": '`tdm-reservation` is the string `"1"` or `"0"` instead of a number.',
    "tdmrep-invalid-policy": "`tdm-policy` is not an absolute http(s) URL, so agents cannot fetch the licensing terms.",
    "tdmrep-policy-not-processed": "A `tdm-policy` is given together with reservation 0.",
    "tdmrep-unknown-key": "A rule has keys outside the spec (often a misspelling such as `tdm_reservation`); agents ignore them.",
    "tdmrep-first-longest-differ": "An earlier, broader rule takes precedence over a later, more specific one.",
    "tdmrep-header-invalid-value": "The `tdm-reservation` response header is not exactly `0` or `1`, so agents treat it as unset.",
    "tdmrep-header-repeated": "`tdm-reservation` or `tdm-policy` is sent more than once.",
    "tdmrep-stale-header": "The response carries the old `TDM-a` header from outdated server snippets, which is not part of TDMRep and is ignored.",
    "tdmrep-meta-invalid-value": '`<meta name="tdm-reservation">` has a content other than `0` or `1` (or none), so agents treat it as unset.',
    "tdmrep-meta-repeated": "The page has more than one `tdm-reservation` or `tdm-policy` meta tag.",
    "tdmrep-meta-outside-head": "A `tdm-reservation` or `tdm-policy` meta tag sits outside `<head>`, where agents do not look.",
    "tdmrep-conflicting-layers": "The file, the headers and the HTML meta disagree on `tdm-reservation`.",
    "botwall-challenge": 'The site answered with a bot challenge or CAPTCHA (Cloudflare, DataDome, HUMAN, Imperva, AWS WAF, Vercel, Fastly…), so its policy could not be read; the verdict is unknown, not "not opted out".',
    "botwall-blocked": 'The site refused the request with a bot block or a rate limit (for example Cloudflare error 1020, Akamai "Access Denied", Sucuri firewall, HTTP 429), so its policy could not be read; the verdict is unknown, not "not opted out".',
    "llms-txt-present": "The site publishes llms.txt, an invitation for LLM tools to read it at answer time; it says nothing about training.",
    "llms-txt-served-as-html": "/llms.txt returns an HTML page (a soft 404), so the site publishes no llms.txt.",
    "llms-txt-missing-title": 'llms.txt has no H1 title ("# Site name"), the only part the format requires.',
    "llms-txt-truncated": "llms.txt is larger than 1 MiB, 100,000 lines or 1,000 sections, and the rest was not read.",
    "http-equiv-header-not-read": 'A page writes an opt-out header as a meta tag, for example `<meta http-equiv="X-Robots-Tag" content="noai">` or `<meta http-equiv="tdm-reservation" content="1">`.',
    "natural-language-only": 'A use (AI training, use by AI systems, text and data mining) is reserved in words — in the terms page, the imprint, a footer, a `<meta name="copyright">`, JSON-LD `copyrightNotice`/`usageInfo`/`license`, or an image\'s `dc:rights`/`xmpRights:UsageTerms`/`plus:OtherConstraints` — and nothing machine-readable on the site reserves it.',
    "natural-language-permission": 'The site expressly permits text and data mining or AI use in words ("Text und Data Mining ist ausdrücklich gestattet").',
    "site-signals-conflict": "One mechanism reserves a use and another explicitly allows it (for example robots.txt blocks GPTBot while `Content-Signal: ai-train=yes`).",
    "site-noai-home-only": "`noai`/`noimageai` is on the home page but not on the content pages where the artwork is.",
    "site-noai-rendered-only": "`noai` appears only in the page rendered by a browser, after JavaScript runs.",
    "site-pages-unreadable": "None of the sampled pages could be read (errors or bot walls), so page-level opt-outs (meta tags, headers) are unknown.",
    "builder-ai-toggle-off": 'The site runs on a builder that can block known AI crawlers for its owners with one setting (Squarespace: Settings › Crawlers › "Block known artificial intelligence crawlers"; WordPress.com: Settings › General › Privacy › "Prevent third-party data sharing"), and robots.txt shows the setting is off.',
    "probe-robots-block-not-enforced": "robots.txt blocks this AI agent on the page probed, but the server handed the agent the same page as everyone else. robots.txt is a request that well-behaved crawlers follow, not a barrier; a crawler that ignores it gets everything.",
    "probe-edge-blocks-ai-search": "robots.txt allows this AI search crawler (PerplexityBot, OAI-SearchBot, Claude-SearchBot…), but the edge refused, charged or challenged it, so the site drops out of that service's answers and citations.",
    "probe-edge-block-undeclared": "The edge refused, charged or challenged this AI training crawler, but robots.txt allows it.",
    "probe-user-fetcher-blocked": "The edge refused, charged or challenged a user-action fetcher (ChatGPT-User, Claude-User, Perplexity-User…), which fetches a page only when a person asks an assistant about it.",
    "probe-robots-refused-to-ai": "/robots.txt itself was refused, charged or challenged when requested as this AI agent.",
    "probe-robots-unenforceable": "robots.txt blocks this agent, but the agent registry records (with its source) that a robots.txt rule cannot bind it: it is documented or measured to ignore robots.txt, it reads only a group that names it and none does, or it is a user-action fetcher whose operator says robots.txt does not apply.",
    "image-truncated": "The image file ends inside a structure that holds (or may hold) metadata: a JPEG segment, a PNG chunk, a WebP chunk, or a RIFF payload shorter than its header says.",
    "image-malformed": "The image's container is damaged: an impossible JPEG segment length, a PNG chunk with a wrong CRC, a WebP chunk that runs past the RIFF payload, or more segments, chunks or metadata bytes than the audit reads.",
    "image-metadata-unread": "Part of the image's metadata was not read: it lies past the bytes fetched (the second Range request was not made or failed), or the C2PA manifest is Brotli-compressed and no Brotli decoder is installed.",
    "xmp-malformed": "The XMP packet is not well-formed XML (or a compressed XMP chunk does not inflate), so `plus:DataMining` cannot be read from it.",
    "xmp-entities": "The XMP packet declares a DTD or entities.",
    "xmp-extended-incomplete": "The JPEG's standard XMP points at Extended XMP (`xmpNote:HasExtendedXMP`), but the extension segments are missing, overlap, leave a gap or do not match their MD5 GUID.",
    "iptc-data-mining-unknown-value": "`plus:DataMining` holds a value that is none of the nine PLUS Data Mining codes (full URI, bare code in any case, or ExifTool's label are all accepted).",
    "iptc-data-mining-conflict": "The image states `plus:DataMining` more than once (for example in the standard and the Extended XMP) with different values.",
    "c2pa-malformed": "The image carries C2PA data (JPEG APP11, PNG `caBX`, WebP `C2PA`) that is not a readable manifest store: broken JUMBF boxes, missing APP11 packets, or a training assertion that is not valid CBOR.",
    "c2pa-invalid-signature": "The C2PA manifest does not validate (c2pa-python reports failures such as a hash mismatch: the image was changed after signing, or the signature is broken).",
    "c2pa-untrusted": "The C2PA manifest's signature is correct but its signer is on no trust list the audit uses (no list is loaded: validation runs offline).",
    "c2pa-unvalidated": "The C2PA manifest could not be validated: only part of the file was fetched, the file or manifest is damaged, or c2pa-python (the C2PA SDK) could not be loaded.",
    "c2pa-training-mining-deprecated": "The image uses the `c2pa.training-mining` assertion, which C2PA 2.0 removed; its successor is CAWG's `cawg.training-mining` (same entries, `cawg.` prefix).",
    "c2pa-constrained": "A training-and-data-mining entry says `constrained`.",
    "c2pa-remote-manifest": 'The image response links a C2PA manifest with `Link: <…>; rel="c2pa-manifest"`.',
    "platform-strips-data-mining": 'The site strips IPTC Data Mining from displayed images: an image it shows on a page has lost the `plus:DataMining` field that the original (the "original size" or largest rendition linked from the same page) carries.',
    "cc-captured-after-block": "Common Crawl captured pages of the site after an audited crawl first saw its robots.txt disallow CCBot at `/`.",
    "cc-captured-before-block": "Common Crawl captured pages of the site before any audited crawl saw it block CCBot.",
    "cc-captured-robots-txt": "Common Crawl captured the site's robots.txt after the block.",
}


def meaning(code: str) -> str:
    """The code's one-line meaning, or an empty string for a code this table does not know."""
    return MEANINGS.get(code, "")


_CODE_SPAN: Final = re.compile(r"`([^`]+)`")


def meaning_plain(code: str) -> str:
    """The meaning without its code-span backticks (for Markdown, which escapes them)."""
    return meaning(code).replace("`", "")


def meaning_html(code: str) -> Markup:
    """The meaning as escaped HTML, its `code` spans as ``<code>`` elements."""
    return Markup(_CODE_SPAN.sub(r"<code>\1</code>", str(escape(meaning(code)))))


def register_sql_functions(conn: sqlite3.Connection) -> None:
    """``optout_finding_meaning(code)`` on a connection, for canned queries."""
    conn.create_function(
        "optout_finding_meaning", 1, lambda code: meaning(code) if code else "", deterministic=True
    )
