"""The real public site, when `make site` has built it (skipped otherwise): no line of any solution region
or hidden-test region of solutions/ appears in it."""

from __future__ import annotations

import json

import pytest
from leaks import find_leaks, secret_lines

from .conftest import ROOT

BUILD = ROOT / "site" / "_build"
HTML = BUILD / "html"

pytestmark = [pytest.mark.xdist_group("site")]


@pytest.mark.skipif(not (HTML / "index.html").is_file(), reason="the site is not built (make site)")
def test_built_site_holds_no_solution_or_hidden_test_line():
    solutions = ROOT / "solutions"
    report = (
        json.loads((BUILD / "report-public.json").read_text())
        if (BUILD / "report-public.json").is_file()
        else {}
    )
    assert secret_lines(solutions)
    leaks = find_leaks(HTML, solutions)
    assert leaks == [], "\n".join(f"{rel}: {nb}: {line}" for rel, nb, line in leaks[:30])
    for name in report.get("notebooks", []):
        assert (HTML / "notebooks" / f"{name}.html").is_file()
        assert (HTML / "downloads" / f"{name}.ipynb").is_file()
