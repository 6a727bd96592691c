"""The fixture site in a real browser: headless Debian Chromium driven by Playwright, from a local server."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from browser_check import CHROMIUM, check_site

from .conftest import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("site")]


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} not installed (make system-deps)")
def test_site_in_headless_chromium(fixture_site, tmp_path):
    pytest.importorskip("playwright")
    shots = tmp_path / "screenshots"
    result = check_site(fixture_site / "html", shots)
    print("\n".join(result["log"]))
    keep = os.environ.get("SITE_SCREENSHOTS", str(ROOT / "site" / "_build" / "screenshots-tests"))
    shutil.copytree(shots, keep, dirs_exist_ok=True)  # to look at after the run
    assert result["errors"] == []
    assert any("switched all" in line for line in result["log"])
    assert any("still selected" in line for line in result["log"])
    assert any(line.startswith("search:") for line in result["log"])
    assert any(line.startswith("dark mode:") for line in result["log"])
    assert len(result["screenshots"]) >= 8 and all(
        Path(s).stat().st_size > 5000 for s in result["screenshots"]
    )
