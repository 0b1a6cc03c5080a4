"""Pure interpreters of AI opt-out signals: bytes, statuses and headers in, facts out.

Nothing here touches the network or imports Scrapy.
"""

from importlib.metadata import PackageNotFoundError, version

TOOL = "optout-audit"
try:
    TOOL_VERSION = version(TOOL)
except PackageNotFoundError:  # a checkout that was never installed
    TOOL_VERSION = "0.0.0"
"""The tool's version: written once, in pyproject.toml, and read from the installed package's
metadata. The crawler's User-Agent, the export's ``generated_by`` and ``optout --version`` say
this; it is not the interpreter's version below, which changes only with interpretations."""

INTERPRETER_VERSION = "0.2.0"
"""Recorded with every verdict; bump it when an interpretation changes.

0.2.0: embedded image metadata (IPTC Data Mining, C2PA and CAWG training-mining) contributes to
the training verdict; robots.txt verdicts cover two image paths; platform and builder findings.
"""
