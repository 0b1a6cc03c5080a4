"""Every sample-web site's suggested robots.txt files, re-audited: a real crawl of the sample
web, each site audited from its stored fetches, and both variants checked by
``assert_robots_fix`` (tests/audits/test_fixes.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from audits.core.evidence import SiteEvidence
from audits.fixes import SiteFixes, fixes_for
from audits.signals.robots.signal import robots_paths
from audits.site.audit import audit_site
from crawler.storage import iter_site_evidence, open_db, site_evidence
from results.site_fixes import site_fixes
from tests.audits.test_fixes import assert_robots_fix, registry
from tests.crawler.conftest import sample_web  # noqa: F401
from tests.results.conftest import sample_db  # noqa: F401


@pytest.fixture(scope="module")
def sites(sample_db: Path) -> Iterator[list[tuple[SiteEvidence, SiteFixes]]]:  # noqa: F811
    db = open_db(sample_db)
    try:
        yield [
            (evidence, fixes_for(audit_site(evidence, registry()), registry()))
            for evidence in iter_site_evidence(db, 1)
        ]
    finally:
        db.close()


def _robots_text(evidence: SiteEvidence, fixes: SiteFixes) -> str | None:
    if fixes.robots.mode in ("new-file", "unreadable"):
        return None
    fetch = evidence.first("robots")
    assert fetch is not None and fixes.robots.original is not None
    return fixes.robots.original


def test_the_whole_sample_web_is_covered(sites: list[tuple[SiteEvidence, SiteFixes]]) -> None:
    assert len(sites) >= 100
    statuses = Counter(f.status for _, f in sites)
    modes = Counter(f.robots.mode for _, f in sites)
    # The sample web has sites of every kind: broken opt-outs, working ones, none at all.
    assert set(statuses) == {"fix", "works", "optional"}, statuses
    assert {"patch", "unchanged", "new-file", "unreadable"} <= set(modes), modes


@pytest.mark.parametrize("variant", ["fixed", "block-all"])
def test_every_suggested_robots_txt_reserves_what_it_claims(
    sites: list[tuple[SiteEvidence, SiteFixes]], variant: str
) -> None:
    for evidence, fixes in sites:
        fix = fixes.robots if variant == "fixed" else fixes.robots_block_all
        try:
            assert_robots_fix(fix, _robots_text(evidence, fixes), evidence, robots_paths(evidence))
        except AssertionError as err:
            raise AssertionError(f"{evidence.origin}: {err}") from err


def test_the_stored_site_gives_the_same_fixes(
    sample_db: Path,  # noqa: F811
    sites: list[tuple[SiteEvidence, SiteFixes]],
) -> None:
    evidence, expected = next((e, f) for e, f in sites if f.robots.changes)
    db = open_db(sample_db)
    try:
        assert site_evidence(db, 1, evidence.origin) == evidence
        assert site_evidence(db, 1, "http://no-such-site.example") is None
        assert site_fixes(db, 1, evidence.origin) == expected
    finally:
        db.close()
