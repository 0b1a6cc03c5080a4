"""The whole site audit on generated evidence: any mix of bodies, statuses, headers and
network errors gives a verdict for every use, and the same evidence the same audit."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from audits.core.agents import load_registry
from audits.core.evidence import Fetch, SiteEvidence
from audits.core.uses import USES
from audits.site.audit import audit_site
from tests.properties.strategies import HEADERS, JSON_BODIES, STATUSES, html_pages, robots_files

ORIGIN = "https://anna.example"
REGISTRY = load_registry()
ERRORS = st.none() | st.sampled_from(["timeout", "dns", "reset", "tls", "too-large"])


def _fetch(kind: str, path: str, bodies: st.SearchStrategy[bytes]) -> st.SearchStrategy[Fetch]:
    return st.builds(
        lambda status, headers, body, error: Fetch(
            url=ORIGIN + path,
            kind=kind,  # type: ignore[arg-type]
            status=None if error else status,
            headers=tuple(headers),
            body=None if error else body,
            error=error,
        ),
        STATUSES,
        HEADERS,
        bodies,
        ERRORS,
    )


EVIDENCE = st.builds(
    lambda fetches: SiteEvidence(ORIGIN, tuple(fetches)),
    st.tuples(
        _fetch("robots", "/robots.txt", robots_files()),
        _fetch("aitxt", "/ai.txt", robots_files()),
        _fetch("tdmrep", "/.well-known/tdmrep.json", JSON_BODIES),
        _fetch("home", "/", html_pages()),
        _fetch("page", "/art/1", html_pages()),
        _fetch("image", "/art/1.jpg", st.binary(max_size=200)),
    ).map(list),
)


@settings(max_examples=40)
@given(EVIDENCE)
def test_every_use_gets_a_verdict_and_the_audit_is_repeatable(evidence: SiteEvidence) -> None:
    audit = audit_site(evidence, REGISTRY)
    assert {v.use for v in audit.verdicts} == set(USES)
    for verdict in audit.verdicts:
        assert verdict.state in ("reserved", "partial", "allowed", "unstated", "unknown")
    again = audit_site(evidence, REGISTRY)
    assert again.verdicts == audit.verdicts
    assert [f.finding.code for f in again.findings] == [f.finding.code for f in audit.findings]


@settings(max_examples=25)
@given(EVIDENCE)
def test_an_unreachable_robots_txt_never_reads_as_unstated_training(
    evidence: SiteEvidence,
) -> None:
    fetches = list(evidence.fetches)
    fetches[0] = Fetch(url=ORIGIN + "/robots.txt", kind="robots", error="timeout")
    audit = audit_site(SiteEvidence(ORIGIN, tuple(fetches)), REGISTRY)
    assert audit.verdict("train").state != "unstated"
