"""Execution is cached: a rebuild re-executes only the notebook that changed; a failing notebook fails."""

from __future__ import annotations

import shutil

import nbformat
import pytest

from .conftest import FIXTURE_SOLUTIONS, report, run_build

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("site")]


def _notebooks(paths):
    return [p for p in paths if p.startswith("notebooks/")]


def test_rebuild_after_a_one_notebook_change_executes_that_notebook_only(fixture_site, tmp_path):
    solutions = tmp_path / "solutions"
    shutil.copytree(FIXTURE_SOLUTIONS, solutions)
    try:
        run_build(fixture_site, solutions=solutions)  # the same notebooks elsewhere: all from the cache
        r = report(fixture_site)
        assert r["executed"] == [] and sorted(r["cached"]) == ["01-alpha", "02-beta"]
        assert _notebooks(r["changed_sources"]) == []

        path = solutions / "02-beta" / "02-beta.ipynb"
        nb = nbformat.read(str(path), as_version=4)
        nb.cells.insert(3, nbformat.v4.new_code_cell("print('rebuilt', 6 * 7)"))
        nbformat.write(nb, str(path))
        run_build(fixture_site, solutions=solutions)
        r = report(fixture_site)
        assert r["executed"] == ["02-beta"] and r["cached"] == ["01-alpha"]
        assert _notebooks(r["changed_sources"]) == ["notebooks/02-beta.ipynb"]
        assert "rebuilt 42" in (fixture_site / "html" / "notebooks" / "02-beta.html").read_text()
        print(f"rebuild after a change to one notebook: {r['time_total_s']} s")
    finally:  # back to the fixtures as they are; the cache still holds their run
        run_build(fixture_site)
    r = report(fixture_site)
    assert r["executed"] == [] and _notebooks(r["changed_sources"]) == ["notebooks/02-beta.ipynb"]
    assert "rebuilt 42" not in (fixture_site / "html" / "notebooks" / "02-beta.html").read_text()


def test_a_failing_notebook_fails_the_build_naming_it(tmp_path):
    solutions = tmp_path / "solutions"
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# Broken"),
            nbformat.v4.new_code_cell("x = 1\nraise ValueError('broken on purpose')"),
        ]
    )
    (solutions / "03-broken").mkdir(parents=True)
    nbformat.write(nb, str(solutions / "03-broken" / "03-broken.ipynb"))
    proc = run_build(tmp_path / "out", solutions=solutions, check=False)
    assert proc.returncode == 1
    assert "03-broken" in proc.stderr and "broken on purpose" in proc.stderr
    assert not (tmp_path / "out" / "html").exists()


def test_a_notebook_runs_in_a_scratch_folder_of_any_name(tmp_path):
    """The scratch copy is read at the notebook's place within its folder, not through the copy's name."""
    from sitebuild.execute import _execute

    text, error, _ = _execute("01-alpha", str(FIXTURE_SOLUTIONS / "01-alpha"), str(tmp_path / "scratch"), 120)
    assert error is None, error
    executed = nbformat.reads(text, as_version=4)
    assert any(cell.get("outputs") for cell in executed.cells if cell.cell_type == "code")
    assert not (tmp_path / "scratch").exists()  # the scratch copy goes
