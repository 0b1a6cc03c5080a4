"""Chromium starts however long the temporary folder is (its Unix socket path is bounded)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.browser import chromium_env, chromium_launch_options, find_chromium

_LAUNCH = """
from playwright.sync_api import sync_playwright
from crawler.browser import chromium_launch_options
with sync_playwright() as playwright:
    browser = playwright.chromium.launch(**chromium_launch_options())
    page = browser.new_page()
    page.set_content("<title>started</title>")
    print(page.title())
    browser.close()
"""


def _long_folder(tmp_path: Path) -> Path:
    folder = tmp_path / ("a-long-temporary-folder-" * 5)
    folder.mkdir()
    return folder


def test_a_long_tmpdir_is_replaced_for_chromium_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _long_folder(tmp_path)
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr("tempfile.tempdir", None)
    env = chromium_env()
    assert env is not None and len(env["TMPDIR"]) < 20
    assert os.environ["TMPDIR"] == str(folder)
    assert chromium_launch_options()["env"] == env


def test_a_short_tmpdir_is_left_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", "/tmp")
    monkeypatch.setattr("tempfile.tempdir", None)
    assert chromium_env() is None
    assert "env" not in chromium_launch_options()


@pytest.mark.skipif(find_chromium() is None, reason="no Chromium on this machine")
def test_chromium_starts_under_a_long_tmpdir(tmp_path: Path) -> None:
    folder = _long_folder(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", _LAUNCH],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "TMPDIR": str(folder)},
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 0, result.stderr[-1500:]
    assert result.stdout.strip() == "started"
