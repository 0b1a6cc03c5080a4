"""One site's audit: the signals read from its evidence, combined into a verdict per use.

``audit.audit_site`` reads every signal of one origin's fetch records and combines their
contributions (``mechanisms``) into a verdict per use; ``platforms`` sums sampled profiles per
platform; ``catalogue`` lists every finding code.
"""
