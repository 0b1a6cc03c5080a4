"""Results: what the audit derives from the stored evidence, and what is published from it.

``derive`` writes the derived tables (schema in ``schema``) for one finished crawl; ``changes``
compares a site with its previous finished crawl; ``report``, ``export``, ``report_doc`` and
``webhook`` publish. Every derived row can be rebuilt from the raw fetches."""
