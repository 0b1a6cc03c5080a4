"""Pure interpreters of AI opt-out signals: bytes, statuses and headers in, facts out.

Nothing here touches the network or imports Scrapy.
"""

INTERPRETER_VERSION = "0.1.0"
"""Recorded with every verdict; bump it when an interpretation changes."""
