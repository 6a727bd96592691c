"""The fixture site: no secrets, tabs, figures and math, downloads, API reference, guides, instructor site."""

from __future__ import annotations

import html as html_lib
import re

import nbformat
import pytest
from leaks import find_leaks, secret_lines

from .conftest import FIXTURE_SOLUTIONS, report, run_build

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("site")]


def test_public_site_holds_no_line_of_solutions_or_hidden_tests(fixture_site):
    html = fixture_site / "html"
    secrets = secret_lines(FIXTURE_SOLUTIONS)
    # the fixtures' secret lines, each with a marker word that appears nowhere else
    assert {s for s in secrets if "secret" in s or "hidden" in s} and len(secrets) >= 9
    assert find_leaks(html, FIXTURE_SOLUTIONS) == []
    # the course's pages (not docs/authoring.md, which explains the markers)
    everything = "\n".join(
        f.read_text(errors="replace")
        for d in ("notebooks", "downloads")
        for f in (html / d).rglob("*")
        if f.is_file()
    )
    for word in (
        "squared_alpha_secret",
        "w_hidden_alpha",
        "sum_of_squares_hidden",
        "beta_mean_secret",
        "beta_hidden_cases",
        "model answer secret",
        "BEGIN SOLUTION",
        "BEGIN HIDDEN TESTS",
    ):
        assert word not in everything
    # the release's stubs stand where the solutions were
    page = (html / "notebooks" / "01-alpha.html").read_text()
    assert "YOUR CODE HERE" in page and "NotImplementedError" in page and "YOUR ANSWER HERE" in page


def test_leak_finder_finds_solutions_in_a_page(fixture_site, tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<pre><span>    beta_mean_secret</span> = v.mean()</pre>")
    assert [line for _, _, line in find_leaks(tmp_path, FIXTURE_SOLUTIONS)] == ["beta_mean_secret = v.mean()"]


def test_framework_cells_become_synced_tab_sets_with_their_outputs(fixture_site):
    page = (fixture_site / "html" / "notebooks" / "01-alpha.html").read_text()
    sets = re.split(r'class="sd-tab-set[^"]*course-framework-tabs', page)[1:]
    assert len(sets) == 2
    labels = re.findall(
        r'data-sync-group="framework" data-sync-id="(\w+)"|data-sync-id="(\w+)" '
        r'data-sync-group="framework"',
        page,
    )
    assert [a or b for a, b in labels] == ["tinygrad_ref", "pytorch", "tensorflow"] * 2
    for text in ("tinygrad_ref 14.0", "pytorch 14.0", "tensorflow 14.0"):
        assert text in sets[0]  # each output sits in its own tab
    beta = (fixture_site / "html" / "notebooks" / "02-beta.html").read_text()
    assert beta.count('data-sync-group="framework"') == 2


def test_pages_have_math_figures_and_outputs(fixture_site):
    html = fixture_site / "html"
    page = (html / "notebooks" / "01-alpha.html").read_text()
    assert 'class="math' in page and "_static/mathjax/tex-chtml.js" in page
    images = re.findall(r'<img[^>]+src="\.\./(_images/[^"]+\.png)"', page)
    assert images and all((html / img).is_file() for img in images)
    assert (html / "_static" / "mathjax" / "tex-chtml.js").is_file()
    assert "cdn.jsdelivr" not in page and "https://" not in re.sub(r'href="https://[^"]*"', "", page)


def test_each_notebook_has_a_download_of_the_student_version(fixture_site):
    html = fixture_site / "html"
    for name in ("01-alpha", "02-beta"):
        page = (html / "notebooks" / f"{name}.html").read_text()
        assert f'href="../downloads/{name}.ipynb"' in page
        nb = nbformat.read(str(html / "downloads" / f"{name}.ipynb"), as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert code and all(not c.outputs for c in code)
        assert "raise NotImplementedError()" in "\n".join(c.source for c in code)
    assert 'href="downloads/01-alpha.ipynb"' in (html / "index.html").read_text()


def test_home_page_has_syllabus_and_how_to_start(fixture_site):
    raw = (fixture_site / "html" / "index.html").read_text()
    index = raw + html_lib.unescape(re.sub(r"<[^>]+>", "", raw))  # links, and the text as shown
    for text in (
        "How to start",
        "make lab",
        "Syllabus",
        "Alpha: squares and sums",
        "Plot a parabola",
        "Beta: means",
        "Implement",
        "notebooks/01-alpha.html",
        "api/index.html",
        "instructor-guide.html",
    ):
        assert text in index
    assert (fixture_site / "html" / "search.html").is_file()
    assert "parabola" in (fixture_site / "html" / "searchindex.js").read_text()


def test_api_reference_from_docstrings(fixture_site):
    api = fixture_site / "html" / "api"
    ops = (api / "tinygrad_ref.ops.elementwise.html").read_text()
    assert 'id="tinygrad_ref.ops.elementwise.Mul"' in ops and 'class="math' in ops  # $...$ is math
    assert (api / "tinygrad_ref.tensor.html").is_file() and (
        api / "tinygrad_ref.nn.functional.html"
    ).is_file()
    assert 'id="tinygrad_ref.tensor.Tensor"' in (api / "tinygrad_ref.tensor.html").read_text()


def test_guides_are_pages(fixture_site):
    assert (fixture_site / "html" / "instructor-guide.html").is_file()
    assert "Writing a course notebook" in (fixture_site / "html" / "authoring.html").read_text()


def test_instructor_build_goes_to_its_own_folder_and_shows_solutions(fixture_site):
    before = {p: p.stat().st_mtime_ns for p in (fixture_site / "html").rglob("*.html")}
    run_build(fixture_site, "--instructor")
    r = report(fixture_site, "instructor")
    assert r["executed"] == [] and r["html"] == str(fixture_site / "instructor")
    page = (fixture_site / "instructor" / "notebooks" / "01-alpha.html").read_text()
    assert "squared_alpha_secret" in page and "sum_of_squares_hidden" in page and "Instructor edition" in page
    assert {p: p.stat().st_mtime_ns for p in (fixture_site / "html").rglob("*.html")} == before
    assert find_leaks(fixture_site / "html", FIXTURE_SOLUTIONS) == []
