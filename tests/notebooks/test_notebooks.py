"""The authoring pipeline's guarantees, for every assignment in solutions/.

* course/ is exactly what the release produces from solutions/, and holds no solution or hidden test;
* every solution notebook passes all its tests (nbgrader's Validator) in under 60 seconds;
* every autograded test fails on the blank student release (Validator with invert=True);
* every autograded exercise has plausible wrong answers (tests/wrong_answers/) that fail its tests.
"""

from __future__ import annotations

import importlib.util
import json
import re
import resource
import time
from pathlib import Path

import pytest
from traitlets.config import Config

from autograder import notebooks as nbs
from autograder.course import COURSE, FRAMEWORKS, ROOT, SOLUTIONS, assignments, notebook_path
from autograder.release import release

from .harness import Kernel

ASSIGNMENTS = assignments()
WRONG_ANSWERS_DIR = ROOT / "tests" / "wrong_answers"
SOLUTION_TIME_LIMIT_S = 60
CHECK_CALL = re.compile(r"""\bcheck(?:_accuracy)?\(\s*["']([A-Za-z0-9_]+)["']""")


def _volatile_free(nb) -> str:
    """A notebook as JSON without fields that change from run to run."""
    for cell in nb.cells:
        cell.pop("id", None)
        cell.pop("execution_count", None)
        cell.pop("outputs", None)
    return json.dumps(nb, sort_keys=True, indent=1)


@pytest.fixture(scope="session")
def fresh_release(tmp_path_factory):
    dest = tmp_path_factory.mktemp("release")
    release(dest=dest / "course", db_url=f"sqlite:///{dest / 'gradebook.db'}")
    return dest / "course"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_course_matches_a_fresh_release(name, fresh_release):
    ours = sorted(p.relative_to(COURSE / name) for p in (COURSE / name).rglob("*") if p.is_file())
    fresh_dir = fresh_release / name
    fresh = sorted(p.relative_to(fresh_dir) for p in fresh_dir.rglob("*") if p.is_file())
    assert ours == fresh, f"course/{name} has other files than a fresh release; run `make release`"
    for rel in ours:
        if rel.suffix == ".ipynb":
            same = _volatile_free(nbs.read(COURSE / name / rel)) == _volatile_free(nbs.read(fresh_dir / rel))
        else:
            same = (COURSE / name / rel).read_bytes() == (fresh_dir / rel).read_bytes()
        assert same, f"course/{name}/{rel} differs from a fresh release of solutions/; run `make release`"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_course_holds_no_solution_or_hidden_test(name):
    source = nbs.read(notebook_path(SOLUTIONS, name))
    public = {line.strip() for line in nbs.public_text(source).splitlines()}
    secret_lines = {line.strip() for cell in source.cells for part in nbs.secret_text(cell)
                    for line in part.splitlines()}
    # A line that also appears in the public part of the source (a blank, an `import`) reveals nothing.
    revealing = {line for line in secret_lines - public if len(line) >= 4}
    assert revealing, f"{name}: no solution lines found; are the solution regions marked?"
    leaked = sorted(revealing & _released_lines(COURSE / name))
    assert not leaked, f"course/{name} contains solution or hidden-test lines: {leaked[:5]}"


def _released_lines(folder: Path) -> set[str]:
    """Every stripped line of every cell of every released notebook, and of every other text file."""
    lines = set()
    for path in folder.rglob("*"):
        if path.suffix == ".ipynb":
            text = "\n".join(cell.source for cell in nbs.read(path).cells)
        elif path.suffix in (".py", ".md", ".txt", ".csv", ".json"):
            text = path.read_text(errors="replace")
        else:
            continue
        lines.update(line.strip() for line in text.splitlines())
    return lines


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_notebook_structure(name):
    nb = nbs.read(notebook_path(SOLUTIONS, name))
    markdown = [c for c in nb.cells if c.cell_type == "markdown"]
    assert "learning goals" in markdown[0].source.lower(), f"{name}: state the learning goals first"
    assert any("summary" in c.source.lower()[:200] for c in markdown[-3:]), f"{name}: end with a Summary"
    for cell in nb.cells:
        framework = cell.metadata.get("framework")
        assert framework in (None, *FRAMEWORKS), f"{name}: unknown framework label {framework!r}"
    exercises = nbs.exercises(nb)
    if not name.startswith("99"):
        assert 2 <= len(exercises) <= 8 if name.startswith("00") else 4 <= len(exercises) <= 8, \
            f"{name}: {len(exercises)} autograded exercises; the course asks for 4 to 8"
    names = []
    for ex_name, ex in exercises.items():
        assert ex["tests"], f"{name}: exercise {ex_name} has no test cell test-{ex_name}"
        for test in ex["tests"]:
            assert nbs.nbgrader_meta(test).get("points", 0) > 0, f"{name}: {nbs.grade_id(test)} has no points"
            assert not re.search(r"^\s*assert\b", test.source, re.M), \
                f"{name}: {nbs.grade_id(test)} uses a bare assert; call autograder's check() instead"
            calls = CHECK_CALL.findall(test.source)
            assert calls, f"{name}: {nbs.grade_id(test)} calls no check() or check_accuracy()"
            hidden = "".join(nbs.HIDDEN_REGION.findall(test.source))
            for check_name in CHECK_CALL.findall(hidden):
                assert check_name.endswith("_hidden"), f"{name}: hidden check {check_name} lacks _hidden"
            names += calls
    assert len(names) == len(set(names)), f"{name}: check names must be unique in a notebook"


def _validator(invert: bool):
    from nbgrader.validator import Validator

    config = Config()
    config.Validator.invert = invert
    config.Validator.ignore_checksums = not invert
    config.Execute.timeout = 180
    return Validator(config=config)


@pytest.mark.notebooks
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_solution_passes_all_tests_quickly(name):
    """The solution passes, and its kernel needs under a minute of CPU time. CPU time (the kernel and the
    processes it started, counted once they are reaped) is what a notebook costs on a quiet 2-core
    machine; the wall clock of a test run also counts the other tests running beside it (under
    `pytest -n 2`, a site build executing notebooks took 14's 32 s to 92 s). A wall-clock bound three
    times as long still catches a notebook that waits instead of computing."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    results = _validator(invert=False).validate(str(notebook_path(SOLUTIONS, name)))
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    failed = results.get("failed", []) + results.get("type_changed", [])
    assert not failed, f"{name}: solution fails\n" + "\n\n".join(f.get("raw_error", str(f)) for f in failed)
    assert 0 < cpu < SOLUTION_TIME_LIMIT_S, f"{name}: needs {cpu:.0f} s of CPU (limit: 60)"
    assert elapsed < 3 * SOLUTION_TIME_LIMIT_S, f"{name}: took {elapsed:.0f} s of wall-clock time"
    print(f"{name}: {cpu:.1f} s CPU, {elapsed:.1f} s wall")


@pytest.mark.notebooks
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_blank_release_fails_every_autograded_test(name):
    results = _validator(invert=True).validate(str(notebook_path(COURSE, name)))
    assert "changed" not in results, f"{name}: checksums in course/ do not match; run `make release`"
    passed = results.get("passed", [])
    assert not passed, f"{name}: {len(passed)} test cell(s) pass on the blank release:\n" + \
        "\n\n".join(p["source"][:300] for p in passed)


def _wrong_answers(name: str) -> dict[str, list[str]]:
    path = WRONG_ANSWERS_DIR / f"{name.replace('-', '_')}.py"
    if not path.exists():
        return {}
    spec = importlib.util.spec_from_file_location(f"wrong_answers_{name.replace('-', '_')}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.WRONG_ANSWERS


@pytest.mark.notebooks
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_plausible_wrong_answers_fail(name):
    nb = nbs.read(notebook_path(SOLUTIONS, name))
    exercises = nbs.exercises(nb)
    wrong = _wrong_answers(name)
    missing = sorted(set(exercises) - set(wrong))
    assert not missing, f"{name}: no wrong answers in tests/wrong_answers/ for {missing}"
    unknown = sorted(set(wrong) - set(exercises))
    assert not unknown, f"{name}: wrong answers for unknown exercises {unknown}"
    with Kernel(notebook_path(SOLUTIONS, name).parent) as kernel:
        for cell in nb.cells:
            if cell.cell_type == "code":
                error = kernel.run(cell.source)
                where = nbs.grade_id(cell) or cell.source[:80]
                assert error is None, f"{name}: solution cell {where!r} failed: {error}"
        for ex_name, sources in wrong.items():
            tests = exercises[ex_name]["tests"]
            for source in sources:
                error = kernel.run(source)
                assert error is None, f"{name}/{ex_name}: the wrong answer itself fails to run: {error}"
                outcomes = [kernel.run(t.source) for t in tests]
                assert any(outcomes), f"{name}/{ex_name}: this wrong answer passes the tests:\n{source}"
            assert kernel.run(exercises[ex_name]["solution"].source) is None
            for test in tests:
                error = kernel.run(test.source)
                assert error is None, f"{name}/{ex_name}: the solution fails {nbs.grade_id(test)}: {error}"
