"""The crawler: a Scrapy project that fetches each site's policy files, pages and images and keeps
every answer as evidence in SQLite, and the library that runs it (``run``: one crawl in this
process; ``worker`` and ``queue_push``: Redis workers; ``scheduled_runs``: schedules; ``merge``:
worker shards into one database). Interpretation is not here: see ``audits/``."""
