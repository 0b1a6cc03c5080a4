"""Downloader middlewares, one job each, listed in crawler/settings.py: retry backoff, the
private-address guard and the sample web's proxy."""
