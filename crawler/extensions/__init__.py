"""Scrapy extensions, one job each, listed in crawler/settings.py: the response size limit and
the fast stop on Ctrl-C / SIGTERM."""
