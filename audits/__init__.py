"""Pure interpreters of AI opt-out signals: bytes, statuses and headers in, facts out.

Nothing here touches the network or imports Scrapy.
"""

INTERPRETER_VERSION = "0.2.0"
"""Recorded with every verdict; bump it when an interpretation changes.

0.2.0: embedded image metadata (IPTC Data Mining, C2PA and CAWG training-mining) contributes to
the training verdict; robots.txt verdicts cover two image paths; platform and builder findings.
"""
