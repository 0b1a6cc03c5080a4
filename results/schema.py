"""Tables derived from the raw evidence by ``optout audit``; rebuilt per crawl at will."""

from __future__ import annotations

from typing import Final

from results.rollups import PAGE_ROLLUPS

SCHEMA_DERIVED: Final = (
    """CREATE TABLE audits (
        crawl_id INTEGER PRIMARY KEY REFERENCES crawls(id),
        audited_at TEXT NOT NULL,
        interpreter_version TEXT NOT NULL,
        registry_version TEXT NOT NULL,
        sites INTEGER NOT NULL,
        seconds REAL
    )""",
    """CREATE TABLE agents (
        token TEXT PRIMARY KEY,
        operator TEXT,
        purpose TEXT,
        legacy INTEGER,
        respects_robots TEXT,
        category TEXT,
        rfc9309_valid INTEGER,
        matchable_as TEXT,
        docs_url TEXT,
        registry_version TEXT
    )""",
    """CREATE TABLE site_verdicts (
        crawl_id INTEGER NOT NULL REFERENCES crawls(id),
        origin TEXT NOT NULL REFERENCES sites(origin),
        use TEXT NOT NULL,
        state TEXT NOT NULL,
        sentence TEXT,
        mechanisms TEXT,
        conflict INTEGER NOT NULL,
        gaps TEXT,
        gap_count INTEGER,
        unknown_because TEXT,
        PRIMARY KEY (crawl_id, origin, use)
    )""",
    """CREATE TABLE contributions (
        crawl_id INTEGER NOT NULL REFERENCES crawls(id),
        origin TEXT NOT NULL REFERENCES sites(origin),
        use TEXT NOT NULL,
        mechanism TEXT NOT NULL,
        effect TEXT NOT NULL,
        detail TEXT,
        evidence TEXT
    )""",
    """CREATE TABLE robots_verdicts (
        crawl_id INTEGER NOT NULL REFERENCES crawls(id),
        origin TEXT NOT NULL REFERENCES sites(origin),
        agent TEXT NOT NULL,
        path TEXT NOT NULL,
        allowed INTEGER,
        matched TEXT NOT NULL,
        group_lines TEXT,
        group_text TEXT,
        rule_line INTEGER,
        rule_text TEXT,
        protego_allowed INTEGER,
        google_allowed INTEGER,
        fetch_id INTEGER,
        PRIMARY KEY (crawl_id, origin, agent, path)
    )""",
    """CREATE TABLE findings (
        id INTEGER PRIMARY KEY,
        crawl_id INTEGER NOT NULL REFERENCES crawls(id),
        origin TEXT NOT NULL REFERENCES sites(origin),
        code TEXT NOT NULL,
        severity TEXT NOT NULL,
        message TEXT NOT NULL,
        line INTEGER,
        evidence TEXT,
        agent TEXT,
        url TEXT,
        fetch_id INTEGER
    )""",
    """CREATE TABLE pages (
        crawl_id INTEGER NOT NULL REFERENCES crawls(id),
        origin TEXT NOT NULL REFERENCES sites(origin),
        url TEXT NOT NULL,
        kind TEXT NOT NULL,
        fetch_id INTEGER,
        readable INTEGER NOT NULL,
        bot_wall TEXT,
        noai INTEGER NOT NULL,
        noimageai INTEGER NOT NULL,
        noai_rendered_only INTEGER NOT NULL,
        tdm_reservation INTEGER,
        content_usage_train TEXT,
        directives TEXT,
        PRIMARY KEY (crawl_id, origin, url, kind)
    )""",
    """CREATE TABLE site_summary (
        crawl_id INTEGER NOT NULL REFERENCES crawls(id),
        origin TEXT NOT NULL REFERENCES sites(origin),
        name TEXT,
        kind TEXT,
        platform TEXT,
        country TEXT,
        train TEXT,
        ai_use TEXT,
        search TEXT,
        tdm TEXT,
        train_mechanisms TEXT,
        robots_state TEXT,
        authorship TEXT,
        training_agents_blocked INTEGER,
        training_agents_total INTEGER,
        errors INTEGER,
        warnings INTEGER,
        conflicts INTEGER,
        summary TEXT,
        report TEXT,
        PRIMARY KEY (crawl_id, origin)
    )""",
    """CREATE TABLE changes (
        id INTEGER PRIMARY KEY,
        crawl_id INTEGER NOT NULL REFERENCES crawls(id),
        previous_crawl_id INTEGER NOT NULL REFERENCES crawls(id),
        origin TEXT NOT NULL REFERENCES sites(origin),
        subject TEXT NOT NULL,
        change TEXT NOT NULL,
        before TEXT,
        after TEXT,
        detected_at TEXT NOT NULL
    )""",
    "CREATE INDEX site_verdicts_use_state ON site_verdicts (crawl_id, use, state)",
    "CREATE INDEX contributions_site ON contributions (crawl_id, origin, use)",
    "CREATE INDEX robots_verdicts_agent ON robots_verdicts (crawl_id, agent, allowed)",
    "CREATE INDEX findings_site ON findings (crawl_id, origin)",
    "CREATE INDEX findings_code ON findings (crawl_id, code)",
    "CREATE INDEX changes_crawl ON changes (crawl_id, origin)",
    "CREATE INDEX site_summary_train ON site_summary (crawl_id, train)",
    """CREATE VIEW latest_sites AS
        SELECT s.* FROM site_summary s
        WHERE s.crawl_id = (
            SELECT MAX(v.crawl_id) FROM site_summary v WHERE v.origin = s.origin
        )""",
)


SCHEMA_WEBHOOKS: Final = (
    """CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    crawl_id INTEGER NOT NULL REFERENCES crawls(id),
    url TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('delivered', 'failed')),
    http_status INTEGER,
    attempts INTEGER NOT NULL,
    error TEXT,
    delivered_at TEXT NOT NULL,
    seconds REAL
)""",
)


# Every column of a robots.txt verdict but its key (crawl, origin, agent, path): what two
# agents must share for one to be stored as the other (results.robots_rows).
ROBOTS_OUTCOME_COLUMNS: Final = (
    "allowed",
    "matched",
    "group_lines",
    "group_text",
    "rule_line",
    "rule_text",
    "protego_allowed",
    "google_allowed",
    "fetch_id",
)
# The agent's own row where it has one, else the `*` row of its site and path.
_EXPANDED: Final = ",\n        ".join(
    f"CASE WHEN o.agent IS NULL THEN w.{c} ELSE o.{c} END AS {c}" for c in ROBOTS_OUTCOME_COLUMNS
)

SCHEMA_SCALE: Final = (
    # robots.txt verdicts are stored compactly (results.robots_rows): a `*` row per site and
    # path plus the agents whose verdict differs from it; the view of the old name gives every
    # registry agent its row again. Rows written before this migration get a `*` row per site
    # and path (any of their rows will do, as every agent there has a row of its own).
    "ALTER TABLE robots_verdicts RENAME TO robots_verdict_rows",
    """INSERT INTO robots_verdict_rows
        SELECT crawl_id, origin, '*', path, allowed, matched, group_lines, group_text,
               rule_line, rule_text, protego_allowed, google_allowed, fetch_id
        FROM robots_verdict_rows GROUP BY crawl_id, origin, path""",
    # One join rather than a UNION, so that SQLite moves a query's conditions on crawl, origin
    # and path into the view and reads the `*` rows by primary key.
    f"""CREATE VIEW robots_verdicts AS
        SELECT w.crawl_id AS crawl_id, w.origin AS origin, a.token AS agent, w.path AS path,
        {_EXPANDED}
        FROM robots_verdict_rows w JOIN agents a
        LEFT JOIN robots_verdict_rows o ON o.crawl_id = w.crawl_id AND o.origin = w.origin
            AND o.agent = a.token AND o.path = w.path
        WHERE w.agent = '*'""",
    # Indexes for the pages and canned queries over one crawl of many sites (see
    # tests/datasette/test_query_plans.py and benchmarks/datasette_load.py).
    "CREATE INDEX robots_verdict_rows_path ON robots_verdict_rows (crawl_id, path, agent, allowed)",
    "CREATE INDEX site_summary_origin ON site_summary (origin, crawl_id)",
    "CREATE INDEX site_summary_train_origin ON site_summary (crawl_id, train, origin)",
    # opted_out lists reserved before partial: train descending, then origin.
    "CREATE INDEX site_summary_train_desc ON site_summary (crawl_id, train DESC, origin)",
    "CREATE INDEX site_summary_kind ON site_summary (crawl_id, kind, train)",
    "CREATE INDEX site_summary_country ON site_summary (crawl_id, country)",
    "CREATE INDEX site_summary_kind_origin ON site_summary (kind, origin, crawl_id)",
    "CREATE INDEX contributions_use ON contributions (crawl_id, use, mechanism, effect, origin)",
    # Covers one site's contributions, so the planner never prefers contributions_use for them.
    "DROP INDEX contributions_site",
    "CREATE INDEX contributions_site ON contributions (crawl_id, origin, use, mechanism, effect)",
    "CREATE INDEX findings_severity ON findings (crawl_id, severity, origin, code, line)",
    "CREATE INDEX findings_code_severity ON findings (crawl_id, code, severity, origin)",
    "CREATE INDEX site_verdicts_conflict ON site_verdicts (crawl_id, conflict, origin, use)",
    "CREATE INDEX changes_origin ON changes (origin, crawl_id)",
    "CREATE INDEX changes_subject ON changes (crawl_id, origin, subject)",
    "CREATE INDEX sites_kind ON sites (kind)",
    "CREATE INDEX sites_profile_pattern ON sites (profile_pattern)",
    # Per crawl and agent, the sites whose robots.txt blocks the agent at /: what the landing
    # page and the most/least-blocked queries show, summed once by the audit (AGENT_COUNTS)
    # because summing the expanded view over a million sites takes minutes.
    """CREATE TABLE agent_counts (
        crawl_id INTEGER NOT NULL REFERENCES crawls(id),
        agent TEXT NOT NULL,
        sites_blocking INTEGER NOT NULL,
        sites_known INTEGER NOT NULL,
        PRIMARY KEY (crawl_id, agent)
    )""",
    # Per crawl, finding code and severity: how many sites and findings, with an example
    # message (findings_by_code); counting a million sites' findings takes seconds.
    """CREATE TABLE finding_counts (
        crawl_id INTEGER NOT NULL REFERENCES crawls(id),
        code TEXT NOT NULL,
        severity TEXT NOT NULL,
        sites INTEGER NOT NULL,
        findings INTEGER NOT NULL,
        example_message TEXT,
        PRIMARY KEY (crawl_id, code, severity)
    )""",
)

AGENT_COUNTS: Final = """
INSERT INTO agent_counts (crawl_id, agent, sites_blocking, sites_known)
WITH star AS (
    SELECT coalesce(sum(allowed = 0), 0) AS blocking, count(allowed) AS known
    FROM robots_verdict_rows WHERE crawl_id = :crawl AND path = '/' AND agent = '*'
),
own AS (
    SELECT o.agent, sum(o.allowed = 0) - coalesce(sum(w.allowed = 0), 0) AS blocking,
        count(o.allowed) - count(w.allowed) AS known
    FROM robots_verdict_rows o LEFT JOIN robots_verdict_rows w
        ON w.crawl_id = o.crawl_id AND w.origin = o.origin AND w.agent = '*' AND w.path = o.path
    WHERE o.crawl_id = :crawl AND o.path = '/' AND o.agent != '*'
    GROUP BY o.agent
)
SELECT :crawl, a.token, star.blocking + coalesce(own.blocking, 0),
    star.known + coalesce(own.known, 0)
FROM agents a JOIN star LEFT JOIN own ON own.agent = a.token
"""
"""Fills ``agent_counts`` for one crawl (``:crawl``) from the compact rows: the ``*`` row's
count, corrected by each agent's own rows (rows from before compaction count as they are)."""

FINDING_COUNTS: Final = """
INSERT INTO finding_counts (crawl_id, code, severity, sites, findings, example_message)
WITH per_site AS (
    SELECT code, severity, origin, count(*) AS n FROM findings
    WHERE crawl_id = :crawl GROUP BY code, severity, origin
),
by_code AS (
    SELECT code, severity, count(*) AS sites, sum(n) AS findings, min(origin) AS first_origin
    FROM per_site GROUP BY code, severity
)
SELECT :crawl, c.code, c.severity, c.sites, c.findings,
    (SELECT min(x.message) FROM findings x WHERE x.crawl_id = :crawl
        AND x.origin = c.first_origin AND x.code = c.code AND x.severity = c.severity)
FROM by_code c
"""
"""Fills ``finding_counts`` for one crawl (``:crawl``); the example is the first site's."""

CRAWL_COUNTS: Final = (AGENT_COUNTS, FINDING_COUNTS)
"""What the audit sums once per crawl, after writing the crawl's rows (each takes ``:crawl``)."""

# site_summary's columns but the report (about 5 KB of JSON per site; the per-site page reads it
# from site_summary), in site_summary's order.
SITE_HEADLINE: Final = (
    "origin",
    "name",
    "kind",
    "platform",
    "country",
    "train",
    "ai_use",
    "search",
    "tdm",
    "train_mechanisms",
)
"""Who the site is and its verdict per use: the first columns of ``latest_sites`` and of the
CSV export alike (``results.export``), so that both read the same way."""
SITE_TALLIES: Final = (
    "training_agents_blocked",
    "training_agents_total",
    "errors",
    "warnings",
    "conflicts",
    "summary",
)
"""The counts and the one-line summary that follow the verdicts in both tables."""
LATEST_COLUMNS_V1: Final = (
    "crawl_id",
    *SITE_HEADLINE,
    "robots_state",
    "authorship",
    *SITE_TALLIES,
    "builder",
    "builder_name",
    "builder_how",
    "builder_offers_toggle",
    "builder_toggle",
    "opt_out_author",
)
"""``latest_sites`` as migration m007 created it (frozen: the migrations up to m010 use it)."""
WORDS_COLUMNS: Final = ("train_counting_words", "words_only")
"""What the site says in words (migration m011): the training verdict a reader who counts
natural-language reservations would give, and the uses reserved in words only."""
LATEST_COLUMNS: Final = (*LATEST_COLUMNS_V1, *WORDS_COLUMNS)


def _latest_sites(columns: tuple[str, ...]) -> str:
    listed = ", ".join(columns)
    return f"""
INSERT OR REPLACE INTO latest_sites ({listed})
SELECT {", ".join(f"s.{c}" for c in columns)}
FROM (SELECT origin, MAX(crawl_id) AS crawl_id FROM site_summary GROUP BY origin) newest
LEFT JOIN latest_sites l ON l.origin = newest.origin
JOIN site_summary s ON s.crawl_id = newest.crawl_id AND s.origin = newest.origin
WHERE l.crawl_id IS NOT newest.crawl_id
"""


LATEST_SITES: Final = _latest_sites(LATEST_COLUMNS)
"""Brings ``latest_sites`` up to date: every site whose row is missing (the audit deleted the
rows of the crawl it re-derives) or older than its newest summary gets that summary. It reads
the (origin, crawl_id) index, not the summaries, so it costs about a second at a million sites
and is right whichever crawl was audited, in whatever order."""
_LATEST_SITES_V1: Final = _latest_sites(LATEST_COLUMNS_V1)

CRAWL_ROLLUPS: Final = (*CRAWL_COUNTS, *PAGE_ROLLUPS, LATEST_SITES)
"""Everything the audit rolls up after writing one crawl's rows (each may use ``:crawl``)."""

_LATEST_TYPES: Final = {
    "crawl_id": "INTEGER NOT NULL REFERENCES crawls(id)",
    "origin": "TEXT PRIMARY KEY REFERENCES sites(origin)",
    "training_agents_blocked": "INTEGER",
    "training_agents_total": "INTEGER",
    "errors": "INTEGER",
    "warnings": "INTEGER",
    "conflicts": "INTEGER",
    "builder_offers_toggle": "INTEGER",
    "builder_toggle": "INTEGER",
}

SCHEMA_LATEST: Final = (
    # Was a view choosing each site's newest summary: at a million sites its facets visited
    # every site's rows through a correlated subquery (1.5 s a page). Now a table of one row per
    # site that the audit keeps current (LATEST_SITES), with an index per facet in metadata.yml.
    "DROP VIEW latest_sites",
    "CREATE TABLE latest_sites (\n"
    + ",\n".join(f"    {c} {_LATEST_TYPES.get(c, 'TEXT')}" for c in LATEST_COLUMNS_V1)
    + "\n)",
    "CREATE INDEX latest_sites_crawl ON latest_sites (crawl_id)",
    "CREATE INDEX latest_sites_train ON latest_sites (train)",
    "CREATE INDEX latest_sites_kind ON latest_sites (kind, train)",
    "CREATE INDEX latest_sites_mechanisms ON latest_sites (train_mechanisms)",
    "CREATE INDEX latest_sites_robots_state ON latest_sites (robots_state)",
    "CREATE INDEX latest_sites_authorship ON latest_sites (authorship)",
    _LATEST_SITES_V1,
)


SCHEMA_PLATFORMS: Final = (
    """CREATE TABLE images (
        crawl_id INTEGER NOT NULL REFERENCES crawls(id),
        origin TEXT NOT NULL REFERENCES sites(origin),
        url TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('displayed', 'original')),
        page_url TEXT,
        fetch_id INTEGER,
        tail_fetch_id INTEGER,
        format TEXT,
        complete INTEGER,
        data_mining_raw TEXT,
        data_mining_code TEXT,
        other_constraints TEXT,
        c2pa_present INTEGER NOT NULL,
        c2pa_validation TEXT,
        c2pa_training TEXT,
        c2pa_link TEXT,
        reservations TEXT,
        reserves_train INTEGER NOT NULL,
        original_url TEXT,
        stripped TEXT,
        PRIMARY KEY (crawl_id, origin, kind, url)
    )""",
    """CREATE TABLE profiles (
        crawl_id INTEGER NOT NULL REFERENCES crawls(id),
        origin TEXT NOT NULL REFERENCES sites(origin),
        profile_url TEXT NOT NULL,
        readable INTEGER NOT NULL,
        opted_out_train INTEGER NOT NULL,
        mechanisms TEXT,
        rendered_only INTEGER NOT NULL,
        pages INTEGER NOT NULL,
        images INTEGER NOT NULL,
        evidence TEXT,
        PRIMARY KEY (crawl_id, origin, profile_url)
    )""",
    """CREATE TABLE platform_summary (
        crawl_id INTEGER NOT NULL REFERENCES crawls(id),
        origin TEXT NOT NULL REFERENCES sites(origin),
        name TEXT,
        profiles INTEGER NOT NULL,
        sampled INTEGER NOT NULL,
        population INTEGER,
        opted_out INTEGER NOT NULL,
        share REAL,
        ci_low REAL,
        ci_high REAL,
        offers_per_profile INTEGER NOT NULL,
        mechanisms TEXT,
        default_train TEXT NOT NULL,
        rendered_only INTEGER NOT NULL,
        renditions_compared INTEGER NOT NULL,
        renditions_stripped INTEGER NOT NULL,
        strips_metadata INTEGER NOT NULL,
        stripped TEXT,
        PRIMARY KEY (crawl_id, origin)
    )""",
    "ALTER TABLE site_summary ADD COLUMN builder TEXT",
    "ALTER TABLE site_summary ADD COLUMN builder_name TEXT",
    "ALTER TABLE site_summary ADD COLUMN builder_how TEXT",
    "ALTER TABLE site_summary ADD COLUMN builder_offers_toggle INTEGER",
    "ALTER TABLE site_summary ADD COLUMN builder_toggle INTEGER",
    "ALTER TABLE site_summary ADD COLUMN opt_out_author TEXT",
    "CREATE INDEX images_site ON images (crawl_id, origin)",
    "CREATE INDEX images_code ON images (crawl_id, data_mining_code)",
    "CREATE INDEX profiles_opted_out ON profiles (crawl_id, origin, opted_out_train)",
    "CREATE INDEX platform_summary_strips ON platform_summary (crawl_id, strips_metadata)",
    "CREATE INDEX site_summary_builder ON site_summary (crawl_id, builder, train)",
)


SCHEMA_PROBES: Final = (
    # What the edge did to each probed AI agent (issue 15). A crawl probes only when asked,
    # so a site that was not probed has no rows here and NULL in site_verdicts.enforced.
    """CREATE TABLE probes (
        crawl_id INTEGER NOT NULL REFERENCES crawls(id),
        origin TEXT NOT NULL REFERENCES sites(origin),
        agent TEXT NOT NULL,
        url TEXT NOT NULL,
        target TEXT NOT NULL,
        outcome TEXT NOT NULL,
        status INTEGER,
        vendor TEXT,
        price TEXT,
        scheme TEXT,
        detail TEXT,
        baseline_fetch_id INTEGER,
        probe_fetch_id INTEGER,
        declared TEXT,
        decoy_links INTEGER
    )""",
    """CREATE TABLE probe_agents (
        crawl_id INTEGER NOT NULL REFERENCES crawls(id),
        origin TEXT NOT NULL REFERENCES sites(origin),
        agent TEXT NOT NULL,
        purpose TEXT,
        declared TEXT NOT NULL,
        enforced TEXT NOT NULL,
        unenforceable INTEGER NOT NULL,
        vendor TEXT,
        exemption TEXT,
        PRIMARY KEY (crawl_id, origin, agent)
    )""",
    "CREATE INDEX probes_site ON probes (crawl_id, origin, agent)",
    "CREATE INDEX probes_outcome ON probes (crawl_id, outcome, origin)",
    "CREATE INDEX probe_agents_enforced ON probe_agents (crawl_id, enforced, declared, origin)",
    "ALTER TABLE site_verdicts ADD COLUMN enforced TEXT",
    # The registry's probe facts beside each agent: the User-Agent string a probe sends, and
    # why a robots.txt rule cannot bind it (audits.core.agents.RobotsExemption), if it cannot.
    "ALTER TABLE agents ADD COLUMN user_agent TEXT",
    "ALTER TABLE agents ADD COLUMN robots_exemption TEXT",
    "ALTER TABLE agents ADD COLUMN robots_exemption_source TEXT",
)
"""The probe tables and columns (``crawler.storage`` applies them as a migration)."""

PROBE_TABLES: Final = ("probes", "probe_agents")
"""The probe tables holding one crawl's derived rows. Kept apart from ``DERIVED_TABLES``
because the migrations before ``SCHEMA_PROBES`` (``UNFINISHED_DERIVED``) run on databases
that do not have them yet; the audit replaces both sets (``results.derive.DERIVED``)."""


DERIVED_TABLES: Final = (
    "site_verdicts",
    "contributions",
    "robots_verdict_rows",
    "agent_counts",
    "finding_counts",
    "findings",
    "pages",
    "latest_sites",
    "site_summary",
    "changes",
    "images",
    "profiles",
    "platform_summary",
)
"""The tables holding one crawl's derived rows (column ``crawl_id``): the audit replaces them."""

UNFINISHED_DERIVED: Final = (
    *(
        f"DELETE FROM {table} WHERE crawl_id IN (SELECT id FROM crawls WHERE status != 'finished')"
        for table in DERIVED_TABLES
    ),
    # Changes a finished crawl computed against an unfinished one compare with sites it never
    # reached; `optout audit --crawl N` computes them again against the previous finished crawl.
    "DELETE FROM changes WHERE previous_crawl_id IN"
    " (SELECT id FROM crawls WHERE status != 'finished')",
    "DELETE FROM audits WHERE crawl_id IN (SELECT id FROM crawls WHERE status != 'finished')",
    _LATEST_SITES_V1,
)
"""Removes what earlier versions derived from unfinished crawls (only finished crawls are
audited now); the raw evidence stays, so nothing is lost that an audit cannot rebuild."""


SCHEMA_LOGS: Final = (
    # Access logs a site owner gave to `optout logs ingest` (issue 16). Not per crawl: a log
    # covers its own span of time and is judged against the robots.txt history of every crawl.
    # Written with IF NOT EXISTS because the tables appear with the first ingest
    # (results/logs/store.py applies them as their own migration set), so a database that
    # never saw a log is exactly as before, and they may join the main chain later unchanged.
    #
    # One row per log read. sha256 is of the decompressed content (``zcat -f FILE | sha256sum``),
    # so the same log plain or compressed is one file; it is NULL while the file is being read.
    # Only counts are kept of the lines: the file's lines themselves are never stored, except
    # those of identified AI crawlers (crawler_log_lines).
    """CREATE TABLE IF NOT EXISTS log_files (
        id INTEGER PRIMARY KEY,
        sha256 TEXT UNIQUE,
        name TEXT NOT NULL,
        compression TEXT NOT NULL,
        format TEXT,
        site TEXT,
        lines INTEGER NOT NULL DEFAULT 0,
        malformed INTEGER NOT NULL DEFAULT 0,
        agent_lines INTEGER NOT NULL DEFAULT 0,
        verified INTEGER NOT NULL DEFAULT 0,
        impersonators INTEGER NOT NULL DEFAULT 0,
        unverifiable INTEGER NOT NULL DEFAULT 0,
        violations INTEGER NOT NULL DEFAULT 0,
        other_host_lines INTEGER NOT NULL DEFAULT 0,
        stored_lines INTEGER NOT NULL DEFAULT 0,
        first_time TEXT,
        last_time TEXT,
        robots_source TEXT,
        ingested_at TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('reading', 'done')),
        pid INTEGER
    )""",
    # The evidence: the lines of identified AI crawlers (and of impersonators of them), as read,
    # with where they were read (file and line) and the judgement against robots.txt in force.
    # line_key identifies a line across files (a digest of the raw line and how many identical
    # lines came before it in its file), so a log read again, grown or rotated into another
    # file, adds no line twice.
    """CREATE TABLE IF NOT EXISTS crawler_log_lines (
        id INTEGER PRIMARY KEY,
        log_file INTEGER NOT NULL REFERENCES log_files(id),
        origin TEXT NOT NULL REFERENCES sites(origin),
        agent TEXT NOT NULL,
        purpose TEXT,
        operator TEXT,
        verification TEXT NOT NULL
            CHECK (verification IN ('verified', 'impersonator', 'unverifiable')),
        verified_by TEXT,
        time TEXT NOT NULL,
        day TEXT NOT NULL,
        client TEXT NOT NULL,
        method TEXT NOT NULL,
        target TEXT NOT NULL,
        path_prefix TEXT NOT NULL,
        image INTEGER NOT NULL,
        robots INTEGER NOT NULL,
        status INTEGER,
        size INTEGER,
        user_agent TEXT NOT NULL,
        file_sha256 TEXT,
        line_number INTEGER NOT NULL,
        raw TEXT NOT NULL,
        judgement TEXT NOT NULL CHECK (judgement IN
            ('allowed', 'disallowed', 'within-cache-allowance', 'changed-between', 'unknown')),
        rule TEXT,
        robots_fetch_id INTEGER,
        line_key TEXT NOT NULL
    )""",
    "CREATE UNIQUE INDEX IF NOT EXISTS crawler_log_lines_once"
    " ON crawler_log_lines (origin, line_key)",
    "CREATE INDEX IF NOT EXISTS crawler_log_lines_agent"
    " ON crawler_log_lines (origin, agent, verification, time)",
    "CREATE INDEX IF NOT EXISTS crawler_log_lines_file ON crawler_log_lines (log_file)",
    "CREATE INDEX IF NOT EXISTS crawler_log_lines_judgement"
    " ON crawler_log_lines (judgement, origin)",
    # Per site, agent, verification, day (UTC) and path prefix: rebuilt from crawler_log_lines
    # for the sites a log touched (results/logs/ingest.py).
    """CREATE TABLE IF NOT EXISTS crawler_hits (
        origin TEXT NOT NULL REFERENCES sites(origin),
        agent TEXT NOT NULL,
        purpose TEXT,
        operator TEXT,
        verification TEXT NOT NULL,
        day TEXT NOT NULL,
        path_prefix TEXT NOT NULL,
        hits INTEGER NOT NULL,
        images INTEGER NOT NULL,
        disallowed INTEGER NOT NULL,
        disallowed_images INTEGER NOT NULL,
        within_cache_allowance INTEGER NOT NULL,
        changed_between INTEGER NOT NULL,
        unknown INTEGER NOT NULL,
        refused INTEGER NOT NULL,
        robots_reads INTEGER NOT NULL,
        first_time TEXT NOT NULL,
        last_time TEXT NOT NULL,
        PRIMARY KEY (origin, agent, verification, day, path_prefix)
    )""",
    "CREATE INDEX IF NOT EXISTS crawler_hits_day ON crawler_hits (day, origin)",
    "CREATE INDEX IF NOT EXISTS crawler_hits_operator ON crawler_hits (operator, verification)",
    # One row per hit judged a violation (disallowed by the robots.txt in force, outside the
    # 24-hour caching allowance), with its evidence and the sentence of its group (agent, day,
    # path prefix). Impersonators' violations are kept, marked, and never counted against the
    # operator whose name they borrowed.
    """CREATE TABLE IF NOT EXISTS crawler_violations (
        line_id INTEGER PRIMARY KEY REFERENCES crawler_log_lines(id),
        origin TEXT NOT NULL REFERENCES sites(origin),
        agent TEXT NOT NULL,
        operator TEXT,
        verification TEXT NOT NULL,
        day TEXT NOT NULL,
        path_prefix TEXT NOT NULL,
        time TEXT NOT NULL,
        method TEXT NOT NULL,
        target TEXT NOT NULL,
        image INTEGER NOT NULL,
        status INTEGER,
        rule TEXT,
        robots_fetch_id INTEGER,
        file_sha256 TEXT,
        line_number INTEGER NOT NULL,
        raw TEXT NOT NULL,
        sentence TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS crawler_violations_site"
    " ON crawler_violations (origin, agent, verification, day, path_prefix)",
    "CREATE INDEX IF NOT EXISTS crawler_violations_operator"
    " ON crawler_violations (operator, verification, origin)",
    # How each agent behaved on each site over all its stored lines, as verified or claimed
    # (audits.logs.judge.AgentBehaviour): did it read robots.txt before anything else, how
    # often, images taken from disallowed paths, whether it kept coming after a 403 or 402.
    """CREATE TABLE IF NOT EXISTS crawler_behaviour (
        origin TEXT NOT NULL REFERENCES sites(origin),
        agent TEXT NOT NULL,
        purpose TEXT,
        operator TEXT,
        verification TEXT NOT NULL,
        hits INTEGER NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        robots_reads INTEGER NOT NULL,
        robots_read_first INTEGER NOT NULL,
        requests_before_robots INTEGER NOT NULL,
        robots_reads_per_day REAL NOT NULL,
        disallowed INTEGER NOT NULL,
        images_disallowed INTEGER NOT NULL,
        judgements TEXT NOT NULL,
        refused_at TEXT,
        refused_status INTEGER,
        hits_after_refusal INTEGER NOT NULL,
        statuses_after_refusal TEXT NOT NULL,
        PRIMARY KEY (origin, agent, verification)
    )""",
)
"""The access-log tables (``results.logs.store`` applies them; see docs/logs.md)."""


SCHEMA_WORDS: Final = (
    # Reservations written in words (issue 18): every statement about mining or AI the audit
    # read on a site, and both views of each verdict (docs/signals.md).
    """CREATE TABLE statements (
        crawl_id INTEGER NOT NULL REFERENCES crawls(id),
        origin TEXT NOT NULL REFERENCES sites(origin),
        url TEXT NOT NULL,
        fetch_id INTEGER,
        place TEXT NOT NULL,
        line INTEGER,
        repeats INTEGER NOT NULL,
        kind TEXT NOT NULL,
        uses TEXT,
        lang TEXT,
        statutes TEXT,
        trigger TEXT,
        reason TEXT,
        text TEXT NOT NULL
    )""",
    "CREATE INDEX statements_site ON statements (crawl_id, origin)",
    "CREATE INDEX statements_kind ON statements (crawl_id, kind, origin)",
    "ALTER TABLE site_verdicts ADD COLUMN state_counting_words TEXT",
    *(f"ALTER TABLE site_summary ADD COLUMN {c} TEXT" for c in WORDS_COLUMNS),
    *(f"ALTER TABLE latest_sites ADD COLUMN {c} TEXT" for c in WORDS_COLUMNS),
    "CREATE INDEX latest_sites_words_only ON latest_sites (words_only)",
)
"""The words tables and columns (``crawler.storage`` applies them as a migration)."""

WORDS_TABLES: Final = ("statements",)
"""Derived per crawl since m011; kept apart from ``DERIVED_TABLES`` for the same reason as
``PROBE_TABLES``."""


SCHEMA_ROLLUPS: Final = (
    # Per-crawl rollups the audit writes after a crawl's rows (results/rollups.py), so that the
    # landing page, mechanisms_in_use, adoption_over_time and change_feed read a few rows
    # instead of summing over every site of the crawl on each request.
    """CREATE TABLE verdict_counts (
        crawl_id INTEGER NOT NULL REFERENCES crawls(id),
        kind TEXT,
        train TEXT,
        sites INTEGER NOT NULL
    )""",
    "CREATE INDEX verdict_counts_crawl ON verdict_counts (crawl_id, kind, train)",
    """CREATE TABLE mechanism_counts (
        crawl_id INTEGER NOT NULL REFERENCES crawls(id),
        use TEXT NOT NULL,
        mechanism TEXT NOT NULL,
        sites_reserved INTEGER NOT NULL,
        sites_partial INTEGER NOT NULL,
        sites_allowing INTEGER NOT NULL,
        sites_opted_out INTEGER NOT NULL,
        PRIMARY KEY (crawl_id, use, mechanism)
    )""",
    """CREATE TABLE crawl_totals (
        crawl_id INTEGER PRIMARY KEY REFERENCES crawls(id),
        error_findings INTEGER NOT NULL,
        error_sites INTEGER NOT NULL,
        conflict_sites INTEGER NOT NULL,
        changes INTEGER NOT NULL,
        changed_sites INTEGER NOT NULL,
        probed INTEGER NOT NULL,
        refusing INTEGER NOT NULL,
        charging INTEGER NOT NULL,
        challenging INTEGER NOT NULL,
        edge_only INTEGER NOT NULL,
        robots_only INTEGER NOT NULL
    )""",
    # One Atom entry per change. The one index gives the feed's order (newest first, then by
    # id) and carries the filter columns, so the feed reads its first 1,000 entries from it
    # instead of sorting every change, and a watch list is filtered without reading entries.
    """CREATE TABLE change_feed_entries (
        crawl_id INTEGER NOT NULL REFERENCES crawls(id),
        origin TEXT NOT NULL REFERENCES sites(origin),
        site_kind TEXT,
        site_platform TEXT,
        use TEXT,
        atom_id TEXT NOT NULL,
        atom_title TEXT,
        atom_updated TEXT,
        atom_content TEXT,
        atom_link TEXT
    )""",
    "CREATE INDEX change_feed_entries_order ON change_feed_entries"
    " (crawl_id, atom_updated DESC, atom_id, origin, site_kind, site_platform, use)",
)
"""The rollup tables (``crawler.storage`` applies them as migration m012 and fills them for
every audited crawl); derived per crawl like the rest (``results.rollups.ROLLUP_TABLES``,
kept apart from ``DERIVED_TABLES`` for the same reason as ``PROBE_TABLES``)."""
