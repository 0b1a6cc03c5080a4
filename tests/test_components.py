"""Every component named in the settings imports, so a typo there fails fast."""

from __future__ import annotations

import pytest
from scrapy.settings import Settings
from scrapy.utils.misc import load_object

SETTINGS = Settings()
SETTINGS.setmodule("crawler.settings")
_KEYED_BY_PATH = ("DOWNLOADER_MIDDLEWARES", "SPIDER_MIDDLEWARES", "EXTENSIONS", "ITEM_PIPELINES")
COMPONENTS = [
    path
    for name in _KEYED_BY_PATH
    for path, value in SETTINGS.getdict(name).items()
    if value is not None
] + list(SETTINGS.getdict("DOWNLOAD_HANDLERS").values())


@pytest.mark.parametrize("path", COMPONENTS)
def test_component_imports(path: str) -> None:
    assert load_object(path) is not None


def test_the_spiders_are_registered() -> None:
    from scrapy.spiderloader import SpiderLoader

    # optout-redis is the same spider as a worker of a distributed crawl (docs/scaling.md).
    assert SpiderLoader.from_settings(SETTINGS).list() == ["optout", "optout-redis"]
