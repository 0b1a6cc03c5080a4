"""Tables derived from the raw evidence by ``optout audit``; rebuilt per crawl at will."""

from __future__ import annotations

from typing import Final

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
