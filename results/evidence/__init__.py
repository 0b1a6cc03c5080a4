"""Evidence packs: one site's stored fetches of one crawl as a WACZ web archive.

``capture`` reads what the database holds for the site, ``warc`` writes it as WARC records
(what is original and what is reconstructed is said there and in docs/evidence.md), ``wacz``
packages the WARC with its index, page list and digests, ``signing`` signs the package's
digest with a key the user holds, and ``verify`` checks a pack. ``pack`` ties them together.
"""
