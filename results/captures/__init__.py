"""Common Crawl captures of the audited sites (``optout captures``, docs/captures.md).

``index``: the CDX index server, asked politely and within bounds; ``store``: the
``capture_queries`` and ``captures`` tables (their own migration set); ``history``: each site's
CCBot history from the audited crawls; ``run``: a run over sites and crawls, resumable; the
classification itself is pure, in ``audits.captures``.
"""
