"""What each site builder or host leaves in its sites, and what its AI-crawler setting writes.

Every signature below was checked against public material in November 2026. Each entry says
which parts are *confirmed* (seen in the builder's own documentation, its published source, or
files served by its sites) and which are *inferred* (a reasonable reading that no source
showed verbatim). Detection only needs one match; attribution to a builder's setting needs
the setting's output, so only confirmed outputs are used for that.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Toggle:
    """A builder's switch that writes AI-crawler blocks into robots.txt for the site owner."""

    label: str
    """The setting as the builder's interface names it, and where it is."""
    agents: frozenset[str]
    """Case-folded user-agent tokens the setting blocks (every version of its list seen)."""
    min_blocked: int
    """How many of ``agents`` must be blocked from ``/`` to say the setting is on."""
    default_on: bool = False


@dataclass(frozen=True)
class Builder:
    """One site builder or host, and the traces it leaves."""

    id: str
    name: str
    generators: tuple[str, ...] = ()
    """Case-folded prefixes of ``<meta name="generator">`` content."""
    headers: tuple[tuple[str, str], ...] = ()
    """(case-folded header name, case-folded value substring; ``""`` means present at all)."""
    html: tuple[str, ...] = ()
    """Case-folded substrings of served HTML (asset hosts, tell-tale comments)."""
    hosts: tuple[str, ...] = ()
    """Host-name suffixes of the builder's free subdomains (``.cargo.site``)."""
    robots_markers: tuple[str, ...] = ()
    """Case-folded comment text the builder writes into every robots.txt it generates."""
    toggle: Toggle | None = None


# Squarespace. Confirmed: the "# Squarespace Robots Txt" first line of generated robots.txt and
# its default groups (several sites' files); the static1.squarespace.com asset host, the
# "This is Squarespace." HTML comment and a "Server: Squarespace" header (all used by open
# detection tools); the free *.squarespace.com subdomains; and the Settings > Crawlers checkbox
# "Block known artificial intelligence crawlers" with the bots it lists (Squarespace's help
# centre, 2024 list; a 2025 copy lists 26 tokens). Inferred: that the checkbox writes those
# tokens as groups disallowing "/" (the help page says it tells them "not to crawl your site").
# The default file already names some AI tokens in a group shared with "*", which only
# disallows Squarespace's own paths, so that is not counted as the setting being on.
_SQUARESPACE_AGENTS = frozenset(
    a.casefold()
    for a in (
        # 2024 list (help centre).
        "anthropic-ai", "Applebot-Extended", "CCBot", "Claude-Web", "cohere-ai", "FacebookBot",
        "Google-Extended", "GPTBot", "ChatGPT-User", "PerplexityBot",
        # 2025 list.
        "AI2Bot", "Ai2Bot-Dolma", "aiHitBot", "Amazonbot", "Bytespider", "ClaudeBot",
        "cohere-training-data-crawler", "DuckAssistBot", "GoogleOther", "GoogleOther-Image",
        "GoogleOther-Video", "img2dataset", "Meta-ExternalAgent", "MyCentralAIScraperBot",
        "omgili", "omgilibot", "Quora-Bot", "TikTokSpider", "YouBot",
    )
)  # fmt: skip

# WordPress.com. Confirmed: the "Prevent third-party data sharing" setting (Settings > General,
# privacy) and its robots.txt output, from Automattic's published jetpack-mu-wpcom source and its
# tests: one "User-agent: X / Disallow: /" group per token, appended to the file, for the 15
# tokens below; a site that discourages search engines gets the same block. Confirmed: free
# *.wordpress.com subdomains. Inferred: the X-hacker header (seen on Automattic-hosted VIP
# sites) also marks WordPress.com.
_WPCOM_AGENTS = frozenset(
    a.casefold()
    for a in (
        "Amazonbot", "anthropic-ai", "Applebot-Extended", "Bytespider", "CCBot", "ClaudeBot",
        "FacebookBot", "Google-Extended", "GPTBot", "meta-externalagent", "omgili",
        "omgilibot", "PerplexityBot", "SentiBot",
    )
)  # fmt: skip

BUILDERS: tuple[Builder, ...] = (
    # In order: the first builder with any matching trace is the site's, so hosted variants
    # (WordPress.com) come before the software they run (self-hosted WordPress).
    Builder(
        "squarespace",
        "Squarespace",
        generators=("squarespace",),
        headers=(("server", "squarespace"),),
        html=("static1.squarespace.com", "assets.squarespace.com", "<!-- this is squarespace."),
        hosts=(".squarespace.com",),
        robots_markers=("squarespace robots txt",),
        toggle=Toggle(
            "Settings > Crawlers > Block known artificial intelligence crawlers",
            _SQUARESPACE_AGENTS,
            min_blocked=8,
        ),
    ),
    # Wix. Confirmed: the "Wix.com Website Builder" generator, the X-Wix-Request-Id header,
    # the static.wixstatic.com asset host, *.wixsite.com subdomains, and that Wix offers a
    # robots.txt editor (SEO Tools) rather than an AI switch: a block there is written by hand.
    Builder(
        "wix",
        "Wix",
        generators=("wix.com",),
        headers=(("x-wix-request-id", ""),),
        html=("static.wixstatic.com", "static.parastorage.com"),
        hosts=(".wixsite.com",),
    ),
    # Cargo. Confirmed: *.cargo.site subdomains and the freight.cargo.site media host. No AI
    # setting found.
    Builder("cargo", "Cargo", html=("freight.cargo.site",), hosts=(".cargo.site",)),
    # Format. Confirmed only as a host pattern (*.format.com). No AI setting found.
    Builder("format", "Format", hosts=(".format.com",)),
    # Adobe Portfolio. Confirmed: *.myportfolio.com subdomains and its CDN host names
    # (…-cdn-cf.myportfolio.com). No AI setting found.
    Builder(
        "adobe-portfolio",
        "Adobe Portfolio",
        html=("cdn-cf.myportfolio.com",),
        hosts=(".myportfolio.com",),
    ),
    Builder(
        "wordpress-com",
        "WordPress.com",
        headers=(("x-hacker", "automattic.com"),),
        hosts=(".wordpress.com",),
        toggle=Toggle(
            "Settings > General > Privacy > Prevent third-party data sharing",
            _WPCOM_AGENTS,
            min_blocked=12,
        ),
    ),
    # Self-hosted WordPress. Confirmed: the "WordPress x.y" generator and /wp-content/ paths.
    Builder(
        "wordpress",
        "WordPress (self-hosted)",
        generators=("wordpress",),
        html=("/wp-content/", "/wp-includes/"),
    ),
    # Carrd, SmugMug, Pixieset: confirmed as host patterns only. No AI settings found.
    Builder("carrd", "Carrd", hosts=(".carrd.co",)),
    Builder("smugmug", "SmugMug", hosts=(".smugmug.com",)),
    Builder("pixieset", "Pixieset", hosts=(".pixieset.com",)),
    # Webflow. Confirmed: the "Webflow" generator, data-wf-page/data-wf-site attributes and
    # *.webflow.io staging hosts. No AI setting found.
    Builder(
        "webflow",
        "Webflow",
        generators=("webflow",),
        html=("data-wf-page=", "data-wf-site="),
        hosts=(".webflow.io",),
    ),
    # Shopify. Confirmed: X-ShopId / X-Shopify-Stage headers, "powered-by: Shopify", the
    # cdn.shopify.com asset host and *.myshopify.com. No AI setting found (robots.txt is
    # edited through a theme template, i.e. by hand).
    Builder(
        "shopify",
        "Shopify",
        headers=(("x-shopid", ""), ("x-shopify-stage", ""), ("powered-by", "shopify")),
        html=("cdn.shopify.com",),
        hosts=(".myshopify.com",),
    ),
)


# Known templates that are no builder's setting. Confirmed from the plugin's published source:
# the WordPress plugin "Block AI Crawlers" wraps its robots.txt group in these comments and
# prints <meta name="robots" content="noai, noimageai"> on every page.
TEMPLATE_MARKERS: tuple[tuple[str, str], ...] = (
    ("# block ai crawlers - built-in rules", "the WordPress plugin Block AI Crawlers"),
)


def builder_by_id(builder_id: str) -> Builder | None:
    """The signature of one builder, by its id."""
    return next((b for b in BUILDERS if b.id == builder_id), None)
