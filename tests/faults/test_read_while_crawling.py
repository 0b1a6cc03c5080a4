"""Datasette (the real ``optout serve``) serves the database while ``optout crawl`` and then
``optout audit`` write to it, and no page ever fails or shows half of something.

"Half-written" is checked in two ways on every round of polling:

- Evidence: each site that ``site_status`` shows done in the running crawl has exactly the
  fetch records the uninterrupted reference crawl has for it (one SQL query through
  Datasette's JSON API, so one snapshot of the database).
- Derived results: every audited crawl (a row in ``audits``) has all its sites in
  ``site_summary`` and four verdicts per site; no crawl has derived rows without its
  ``audits`` row; the landing page's site count is the full count of the crawl it names; the
  per-site page shows all four verdicts.

``optout serve`` opens the file read-only but not immutable, so pages follow the crawl (see
optout_cli/serve_cmd.py); the test also checks that they do.
"""

from __future__ import annotations

import json
import re
import subprocess
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import pytest

from sampleweb.server import SampleWeb
from tests.crawler.conftest import OPTOUT, SAMPLE_SEEDS, crawl_command
from tests.datasette.server import optout_serve
from tests.faults.conftest import SITES, Reference
from tests.faults.dbcheck import copy_db, integrity, start

SITE = "http://artist-anna.example"
USE_WORDS = ("AI training", "Use in AI answers", "Search indexing", "Text and data mining")

DONE_SQL = """
select s.origin, count(f.id) as records
from site_status s left join fetches f on f.crawl_id = s.crawl_id and f.origin = s.origin
where s.crawl_id = (select max(id) from crawls) and s.status = 'done'
group by s.origin
order by s.origin
limit 100 offset :offset
"""
AUDITS_SQL = """
select a.crawl_id, a.sites,
  (select count(*) from site_summary s where s.crawl_id = a.crawl_id) as summaries,
  (select count(*) from site_verdicts v where v.crawl_id = a.crawl_id) as verdicts,
  (select count(*) from site_summary s where s.crawl_id not in (select crawl_id from audits))
    as orphans
from audits a
"""


def fetch(url: str) -> tuple[int, str]:
    """Status and text of a GET; an HTTP error is an answer too (the caller checks it)."""
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8", "replace")


@dataclass
class Poller:
    """Reads the published pages and checks each against the rules in the module doc."""

    base: str
    name: str
    expected: dict[str, int]
    """Fetch records per origin in the reference crawl."""
    rounds: int = 0
    done_seen: set[int] = field(default_factory=set)
    landing_crawls: set[int] = field(default_factory=set)

    def get(self, path: str) -> str:
        status, text = fetch(self.base + path)
        assert status == 200, f"{path}: HTTP {status}: {text[:500]}"
        return text

    def sql(self, query: str, **params: object) -> list[dict[str, object]]:
        path = f"/{self.name}.json?" + urlencode({"sql": query, "_shape": "array", **params})
        rows = json.loads(self.get(path))
        assert isinstance(rows, list), rows
        return rows

    def poll(self) -> None:
        self.rounds += 1
        # `optout serve` answers at most 100 rows a query (results/serve.py): read in pages
        done: list[dict[str, object]] = []
        while len(page := self.sql(DONE_SQL, offset=len(done))) == 100:
            done += page
        done += page
        for row in done:
            origin, count = str(row["origin"]), row["records"]
            assert count == self.expected[origin], f"{origin} shown done with {count} records"
        self.done_seen.add(len(done))
        for row in self.sql(AUDITS_SQL):
            assert row["summaries"] == row["sites"], f"half an audit shown: {row}"
            assert row["verdicts"] == 4 * row["sites"], f"half an audit shown: {row}"  # type: ignore[operator]
            assert row["orphans"] == 0, f"derived rows without their audit: {row}"
        landing = self.get("/")
        crawl = re.search(r"Crawl (\d+)", landing)
        sites = re.search(r'data-stat="sites">(\d+)<', landing)
        assert crawl and sites, landing[:2000]
        assert int(sites.group(1)) == SITES, f"landing shows {sites.group(1)} sites"
        self.landing_crawls.add(int(crawl.group(1)))
        site = self.get("/-/site?" + urlencode({"origin": SITE}))
        assert all(words in site for words in USE_WORDS), site[:2000]
        self.get(f"/{self.name}/latest_sites")
        self.get(f"/{self.name}/site_summary.json?" + urlencode({"origin": SITE}))

    def poll_while(self, process: subprocess.Popen[str], at_least: int = 3) -> None:
        """Poll until ``process`` ends, at least ``at_least`` times, and once after it ended
        (the last site may finish between a poll and the process's exit)."""
        started = self.rounds
        while process.poll() is None or self.rounds - started < at_least:
            self.poll()
        self.poll()
        _, stderr = process.communicate()
        assert process.returncode == 0, stderr[-3000:]


@pytest.mark.timeout(600)
def test_pages_stay_whole_while_a_crawl_and_an_audit_write(
    tmp_path: Path, sample_web: SampleWeb, reference: Reference
) -> None:
    db = copy_db(reference.audited, tmp_path / "live.db")
    expected = Counter(origin for origin, *_ in reference.records)
    with optout_serve(db) as (base, _):
        poller = Poller(base, "live", dict(expected))
        poller.poll()
        assert poller.landing_crawls == {1}

        crawl = start(crawl_command(SAMPLE_SEEDS, db, sample_web, "--allow-private", "--no-audit"))
        poller.poll_while(crawl)
        assert max(poller.done_seen) == SITES
        partial = {n for n in poller.done_seen if 0 < n < SITES}
        assert partial, f"no poll saw the crawl half-way: {sorted(poller.done_seen)}"
        assert poller.landing_crawls == {1}, "crawl 2 shown before it was audited"

        audit = start([str(OPTOUT), "audit", "--db", str(db), "--quiet"])
        during = poller.rounds
        poller.poll_while(audit)
        assert poller.rounds - during >= 3
        assert 2 in poller.landing_crawls, "the audit of crawl 2 never showed"
    assert integrity(db) == "ok"
