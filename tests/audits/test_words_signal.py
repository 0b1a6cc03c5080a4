"""Reservations written in words as a signal of the site audit: where it reads, what it shows
beside the verdicts, and that it never changes them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from audits.core.evidence import Fetch, FetchKind, SiteEvidence
from audits.core.uses import Contribution, Effect, State, combine
from audits.signals import SIGNALS
from audits.signals.images import read_image_metadata
from audits.signals.words.passages import MAX_PASSAGES, page_passages
from audits.signals.words.signal import WORDS
from audits.site.audit import SiteAudit, audit_site

PAGES = Path(__file__).parents[1] / "fixtures" / "words" / "pages"
SAMPLEWEB = Path(__file__).parents[2] / "sampleweb" / "sites"
ORIGIN = "http://site.example"
HTML = (("Content-Type", "text/html; charset=utf-8"),)
ALLOW_ALL = b"User-agent: *\nAllow: /\n"


def _fetch(kind: FetchKind, path: str, body: bytes, fetch_id: str) -> Fetch:
    content_type = "text/plain" if kind == "robots" else "text/html; charset=utf-8"
    headers = (("Content-Type", content_type),)
    return Fetch(f"{ORIGIN}{path}", kind, 200, headers, body, fetch_id=fetch_id)


def _audit(*pages: tuple[FetchKind, str, str], robots: bytes = ALLOW_ALL) -> SiteAudit:
    fetches = [_fetch("robots", "/robots.txt", robots, "1")]
    for number, (kind, path, fixture) in enumerate(pages, start=2):
        fetches.append(_fetch(kind, path, (PAGES / fixture).read_bytes(), str(number)))
    return audit_site(SiteEvidence(ORIGIN, tuple(fetches)))


def _codes(audit: SiteAudit, code: str) -> list[str]:
    return [f.finding.message for f in audit.findings if f.finding.code == code]


def test_a_footer_reservation_is_shown_beside_the_verdict_and_not_counted() -> None:
    audit = _audit(("home", "/", "footer_reservation.html"))
    train = audit.verdict("train")
    assert train.state == "unstated"
    assert train.state_counting_words == "reserved"
    assert train.words_only
    assert [c.mechanism for c in train.in_words] == ["natural-language"]
    assert "natural-language" not in train.mechanisms
    [message] = _codes(audit, "natural-language-only")
    assert "“No AI training: the works on this site may not be used to train" in message
    assert "footer of /" in message
    assert "OLG Hamburg, 5 U 104/24" in message
    assert "Content-Signal: search=yes, ai-train=no" in message
    assert "tdm-reservation" in message
    [where] = [f.evidence for f in audit.findings if f.finding.code == "natural-language-only"]
    assert where.url == f"{ORIGIN}/" and where.fetch_id == "2"
    assert where.line == 12


def test_the_same_footer_on_many_pages_is_one_statement_with_its_repeats() -> None:
    audit = _audit(
        ("home", "/", "footer_reservation.html"),
        ("page", "/work", "footer_reservation.html"),
        ("page", "/about", "footer_reservation.html"),
    )
    [statement] = [s for s in audit.statements if s.statement.reserves]
    assert statement.repeats == 3 and statement.url == f"{ORIGIN}/"
    assert len(_codes(audit, "natural-language-only")) == 1


def test_an_imprint_is_read_whole_and_the_statute_is_named() -> None:
    audit = _audit(("imprint", "/impressum", "impressum.html"))
    tdm = audit.verdict("tdm")
    assert (tdm.state, tdm.state_counting_words) == ("unstated", "reserved")
    [found] = [s for s in audit.statements if s.statement.reserves]
    assert found.where == "imprint"
    assert found.statement.lang == "de"
    assert found.statement.statutes == ("§ 44b UrhG",)
    assert found.line == 10
    # "Jede Verwertung bedarf der schriftlichen Zustimmung" reserves nothing about mining.
    assert all("Zustimmung" not in s.statement.text for s in audit.statements)


def test_an_imprint_fetched_as_a_content_page_is_read_only_in_its_footer() -> None:
    audit = _audit(("page", "/impressum", "impressum.html"))
    assert audit.statements == ()
    assert audit.verdict("tdm").state_counting_words == "unstated"


def test_cookie_banners_quotations_and_pages_about_ai_art_reserve_nothing() -> None:
    audit = _audit(("home", "/", "banner_and_quote.html"))
    assert not any(s.statement.reserves for s in audit.statements)
    assert all(v.state_counting_words == v.state for v in audit.verdicts)
    assert not _codes(audit, "natural-language-only")


def test_rights_meta_tags_and_json_ld_are_read_on_every_page() -> None:
    audit = _audit(("page", "/harbour", "rights_fields.html"))
    places = {s.where: s.statement for s in audit.statements}
    assert places['<meta name="copyright">'].kind == "reserved"
    assert places["JSON-LD usageInfo"].kind == "reserved"
    assert "Art. 4(3) Directive (EU) 2019/790" in places["JSON-LD usageInfo"].statutes
    assert not any(s.where == '<meta name="description">' for s in audit.statements)
    assert audit.verdict("train").words_only and audit.verdict("tdm").words_only


def test_an_express_permission_is_reported_and_counts_only_when_words_count() -> None:
    audit = _audit(("tos", "/terms", "terms_permission.html"))
    train = audit.verdict("train")
    assert (train.state, train.state_counting_words) == ("unstated", "allowed")
    assert not train.words_only
    [message] = _codes(audit, "natural-language-permission")
    assert "expressly permits" in message and "terms page of /terms" in message


def test_a_service_promise_is_read_and_kept_as_no_reservation() -> None:
    audit = _audit(("tos", "/terms", "service_promise.html"))
    kinds = {s.statement.text: s.statement.kind for s in audit.statements}
    assert kinds["We do not use your uploaded images to train AI models."] == "none"
    assert all(v.state_counting_words == "unstated" for v in audit.verdicts)
    assert not [f for f in audit.findings if f.finding.code.startswith("natural-language")]


def test_words_beside_a_machine_readable_reservation_raise_no_finding() -> None:
    robots = b"User-agent: *\nDisallow: /\n"
    audit = _audit(("home", "/", "footer_reservation.html"), robots=robots)
    train = audit.verdict("train")
    assert train.state == "reserved" and train.in_words and not train.words_only
    assert not _codes(audit, "natural-language-only")


def test_words_never_change_a_verdict_state() -> None:
    """The same site with and without the words signal: every state is the same."""
    evidence = SiteEvidence(
        ORIGIN,
        (
            _fetch("robots", "/robots.txt", ALLOW_ALL, "1"),
            _fetch("home", "/", (PAGES / "footer_reservation.html").read_bytes(), "2"),
            _fetch("imprint", "/impressum", (PAGES / "impressum.html").read_bytes(), "3"),
        ),
    )
    without = audit_site(evidence, signals=tuple(s for s in SIGNALS if s is not WORDS))
    with_words = audit_site(evidence)
    assert [v.state for v in without.verdicts] == [v.state for v in with_words.verdicts]
    assert [v.state_counting_words for v in with_words.verdicts] != [
        v.state for v in with_words.verdicts
    ]


def test_an_image_rights_field_is_read_as_words() -> None:
    image = SAMPLEWEB / "photo-tomas.example" / "files" / "images" / "vltava-in-fog.jpg"
    meta = read_image_metadata(image.read_bytes())
    assert meta.data_mining is None
    [rights] = meta.rights_text
    assert rights.field == "dc:rights" and "AI training is prohibited" in rights.text
    page = b'<html><body><img src="/images/vltava-in-fog.jpg"></body></html>'  # shows the image
    fetches = (
        _fetch("robots", "/robots.txt", ALLOW_ALL, "1"),
        _fetch("home", "/", page, "2"),
        Fetch(
            f"{ORIGIN}/images/vltava-in-fog.jpg",
            "image",
            200,
            (("Content-Type", "image/jpeg"),),
            image.read_bytes(),
            fetch_id="3",
        ),
    )
    audit = audit_site(SiteEvidence(ORIGIN, fetches))
    [found] = [s for s in audit.statements if s.statement.reserves]
    assert found.where == "image dc:rights" and found.fetch.fetch_id == "3"
    assert audit.verdict("train").words_only


@pytest.mark.parametrize(
    ("state", "words", "counting"),
    [
        ("unstated", "reserved", "reserved"),
        ("partial", "reserved", "reserved"),
        ("reserved", "allowed", "reserved"),
        ("unknown", "partial", "partial"),
        ("unknown", "allowed", "unknown"),
        ("unstated", "allowed", "allowed"),
        ("allowed", None, "allowed"),
    ],
)
def test_the_verdict_counting_words_follows_the_rules_of_combine(
    state: State, words: Effect | None, counting: State
) -> None:
    effects: dict[str, Effect] = {
        "reserved": "reserved",
        "partial": "partial",
        "allowed": "allowed",
    }
    machine = [Contribution("train", "robots.txt", effects[state], "x")] if state in effects else []
    verdict = combine(
        "train", machine, unknown_because=["robots.txt: timeout"] * (state == "unknown")
    )
    assert verdict.state == state
    in_words = (Contribution("train", "natural-language", words, "y"),) if words else ()
    counted = replace(verdict, in_words=in_words)
    assert counted.state_counting_words == counting
    assert counted.words_only == (
        state not in ("reserved", "partial") and words in ("reserved", "partial")
    )


def test_passages_are_bounded_and_deep_nesting_does_not_recurse() -> None:
    def nested(depth: int) -> bytes:
        deep = b"<div>" * depth + b"No AI training." + b"</div>" * depth
        return b"<html><body><footer>" + deep + b"</footer></body></html>"

    [passage] = page_passages(nested(1_000), whole=False)
    assert passage.text == "No AI training."
    # Deeper than the HTML parser goes (libxml2 stops at its depth limit): read, nothing found.
    assert page_passages(nested(20_000), whole=False) == ()
    many = b"".join(b"<p>Line %d about nothing.</p>" % i for i in range(MAX_PASSAGES * 2))
    html = b"<html><body>" + many + b"</body></html>"
    assert len(page_passages(html, whole=True)) == MAX_PASSAGES
    assert page_passages(b"", whole=True) == ()
    assert page_passages(b"\xff\xfe<html>\x00", whole=True) == ()
