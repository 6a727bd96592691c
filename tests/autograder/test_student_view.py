"""What students and instructors read: Run All past unsolved exercises, reports without tracebacks,
inputs and exercises named in words, and a grading cache that notices every change that can change a
grade (issue 10, points 2, 3, 4 and 6)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder import grading
from autograder import notebooks as nbs
from autograder.checks import CheckFailed, check, compare, describe_inputs
from autograder.config import ROOT
from autograder.course import fingerprint
from autograder.release import EXPECTED_FAILURE_TAG, tag_expected_failures

from ..notebooks.harness import Kernel
from . import classroom

# ---------------------------------------------------------------- point 2: Run All reaches the end


def test_release_tags_every_cell_that_raises_until_solved(released):
    nb = nbs.read(released / "01-basics" / "01-basics.ipynb")
    expected = [c for c in nb.cells
                if c.cell_type == "code" and (nbs.is_graded_test(c) or nbs.is_solution(c))]
    assert len(expected) == 6
    for cell in nb.cells:
        tagged = EXPECTED_FAILURE_TAG in cell.metadata.get("tags", [])
        assert tagged == (cell in expected), f"{nbs.grade_id(cell)}: tagged={tagged}"


def test_tagging_is_idempotent(tmp_path, released):
    copy = tmp_path / "nb.ipynb"
    shutil.copy(released / "01-basics" / "01-basics.ipynb", copy)
    before = copy.read_bytes()
    assert tag_expected_failures(copy) == 0
    assert copy.read_bytes() == before


@pytest.mark.slow
def test_run_all_reaches_the_end_of_a_blank_notebook_and_validate_still_fails_every_test(tmp_path, released):
    from nbclient import NotebookClient
    from nbgrader.validator import Validator
    from traitlets.config import Config

    work = tmp_path / "01-basics"
    shutil.copytree(released / "01-basics", work)
    nb = nbs.read(work / "01-basics.ipynb")
    # nbclient stops at the first error like JupyterLab's Run All, unless the cell is tagged
    client = NotebookClient(nb, kernel_name="python3", timeout=120,
                            resources={"metadata": {"path": str(work)}})
    client.execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), "Run All stopped before the last code cell"
    errors = {nbs.grade_id(c) for c in code if any(o.output_type == "error" for o in c.outputs)}
    assert {"test-add", "test-square", "test-answer"} <= errors

    config = Config()
    config.Validator.ignore_checksums = False
    results = Validator(config=config).validate(str(work / "01-basics.ipynb"))
    assert "changed" not in results
    failed = {m.group(1) for f in results["failed"] if (m := re.match(r"check\(\"(\w+)\"", f["source"]))}
    assert failed == {"add", "square", "answer"}, results
    reports = [f["error"] for f in results["failed"] if f["error"].startswith("✗ ")]
    assert len(reports) == 2 and not any("Traceback" in r or "checks.py" in r for r in reports)
    # and the grader scores them zero: the graded fixture class includes blank submissions
    assert classroom.ZERO_01 == {"test-add": 0, "test-square": 0, "test-answer": 0}


# ---------------------------------------------------------------- point 3: the report, not a traceback


def test_a_failing_check_renders_as_its_report_alone():
    with pytest.raises(CheckFailed) as info:
        check("double", lambda x: x * 3, cases=[(2.0,)], reference=lambda x: x * 2, hint="twice x")
    lines = info.value._render_traceback_()
    assert lines[0] == "✗ double: 1 of 1 case(s) failed"
    assert "hint: twice x" in lines[-1]
    assert not any("checks.py" in line or "Traceback" in line for line in lines)


@pytest.mark.slow
def test_in_a_kernel_the_error_output_is_the_report(tmp_path):
    with Kernel(ROOT) as kernel:
        kernel.kc.execute("from autograder import check\ndef f(x):\n    return x + 1", store_history=False)
        msg_id = kernel.kc.execute("check('inc', f, cases=[(1,)], expected=[3])", store_history=False)
        while True:
            msg = kernel.kc.get_iopub_msg(timeout=60)
            if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "error":
                break
    traceback = msg["content"]["traceback"]
    assert traceback[0] == "✗ inc: 1 of 1 case(s) failed", traceback
    assert "expected 3, got 2" in "\n".join(traceback)
    assert not any("checks.py" in line or "Traceback" in line for line in traceback)


# ---------------------------------------------------------------- point 4: names in words


def f_poly(x):
    return x


def test_inputs_are_described_in_words():
    text = describe_inputs((f_poly, np.zeros((2, 3), np.float32), lambda x: x, 0.5), {"scale": 2})
    assert text == "the function f_poly, ndarray(2, 3) float32, a lambda, 0.5, scale=2"
    assert "<function" not in text and "0x" not in text


def test_framework_modules_as_inputs_are_described_not_crashed_on():
    import torch

    import tinygrad_ref as tg

    text = describe_inputs((torch.nn.Linear(2, 3), tg.nn.Linear(2, 3), torch.zeros(2)), {})
    assert "Linear" in text and text.endswith("Tensor(2,) float32")


def test_positions_in_answers_are_words():
    assert str(compare((1.0, 2.0), (1.0, 5.0))).startswith("the second item: expected 2.0, got 5.0")
    nested = str(compare((1, (2, 3)), (1, (2, 4))))
    assert nested.startswith("the second item, its second item: expected 3, got 4")
    assert str(compare({"w": 1}, {"w": 2})).startswith("key 'w': ")
    assert str(compare(1.0, f_poly)) == "expected the number 1.0, got the function f_poly"


def test_exercises_are_titled_by_their_headings():
    nb = nbs.read(classroom.FIXTURE / "01-basics" / "01-basics.ipynb")
    assert nbs.cell_titles(nb) == {
        "test-add": "Exercise: add",
        "test-square": "Exercise: square",
        "test-answer": "Exercise: the answer",
        "written-why": "Written answer",
    }
    assert nbs.heading_title("### Exercise 5: `class Value` (3 points)") == "Exercise 5: class Value"
    assert nbs.heading_title("## A written question (graded by hand, 1 point)") == "A written question"
    assert nbs.heading_title("### Exercise 2: `confusion_matrix`") == "Exercise 2: confusion_matrix"
    assert nbs.heading_title("### Exercise 4: a module (3 points, build)") == "Exercise 4: a module"
    assert nbs.heading_title("### Exercise 7 (written, 2 points): *why* __now__") == "Exercise 7: why now"


def test_feedback_export_and_report_use_titles(tmp_path):
    import csv

    from autograder.config import Course
    from autograder.outputs import export, feedback, report
    from autograder.results import write_json_atomic

    course = Course(solutions=classroom.FIXTURE, release=tmp_path / "course", grading=tmp_path / "grading")

    titles = nbs.cell_titles(nbs.read(classroom.FIXTURE / "01-basics" / "01-basics.ipynb"))

    def cell(gid, kind, points, score, index):  # a result carries each cell's title (from expectations)
        return {"kind": kind, "points": points, "score": score, "passed": score == points,
                "reports": [], "reason": "" if score else "wrong", "index": index, "title": titles[gid]}

    cells = {"test-add": cell("test-add", "auto", 1, 1.0, 4),
             "test-square": cell("test-square", "auto", 2, 0.0, 7),
             "test-answer": cell("test-answer", "auto", 1, 1.0, 10),
             "written-why": cell("written-why", "manual", 1, None, 12)}
    notebook = {"status": "graded", "reason": "", "cells": cells, "answers": {}, "faults": [], "notes": []}
    write_json_atomic(course.results / "alice" / "01-basics.json",
                      {"student": "alice", "assignment": "01-basics", "notebooks": {"01-basics": notebook}})

    cells_csv, _ = export(course, tmp_path / "export")
    rows = list(csv.DictReader(open(cells_csv, encoding="utf-8")))
    assert {r["grade_id"]: r["exercise"] for r in rows} == {
        "test-add": "Exercise: add", "test-square": "Exercise: square",
        "test-answer": "Exercise: the answer", "written-why": "Written answer"}
    page = report(course, tmp_path / "report").read_text(encoding="utf-8")
    assert "01-basics/Exercise: square" in page and "test-square" not in page
    text = feedback(course)[0].read_text(encoding="utf-8")
    assert "<h3>Exercise: square: " in text and "test-square" not in text


# ---------------------------------------------------------------- point 6: the cache key


@pytest.fixture
def code_copy(tmp_path):
    """A copy of autograder/ and tinygrad_ref/ that a test may change (fingerprint(code_root=...))."""
    for package in ("autograder", "tinygrad_ref"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


@pytest.mark.parametrize("changed", ["tinygrad_ref/ops/elementwise.py", "autograder/sandbox.py",
                                     "autograder/outputs.py"])
def test_fingerprint_changes_with_the_code_that_can_change_a_grade(code_copy, changed):
    before = fingerprint(code_root=code_copy)
    with open(code_copy / changed, "a", encoding="utf-8") as f:
        f.write("\n# changed\n")
    assert fingerprint(code_root=code_copy) != before


@pytest.mark.parametrize("library", ["torch", "tensorflow-cpu", "numpy"])
def test_fingerprint_changes_with_library_versions(code_copy, monkeypatch, library):
    from importlib import metadata

    before = fingerprint(code_root=code_copy)
    real = metadata.version
    monkeypatch.setattr(metadata, "version", lambda name: "0.0.0-other" if name == library else real(name))
    assert fingerprint(code_root=code_copy) != before


def test_expectations_key_covers_the_solution_folder_data(tmp_path):
    """The key of a solution's cached run changes with its data files (and the notebook itself)."""
    folder = tmp_path / "02-arrays"
    shutil.copytree(classroom.FIXTURE / "02-arrays", folder)
    nb = nbformat.read(str(folder / "02-arrays.ipynb"), as_version=4)
    assert any("data.csv" in c.source for c in nb.cells)
    keys = []
    for content in ("1,2\n", "1,3\n"):
        (folder / "data.csv").write_text(content)
        keys.append(_expectations_key(folder / "02-arrays.ipynb"))
    assert keys[0] != keys[1]


def _expectations_key(notebook: Path) -> str:
    """The cache file name expectations() would look for, without running anything."""
    from autograder.config import Course

    seen = {}

    class Stop(Exception):
        pass

    def fake_load_json(path):
        seen["path"] = path
        raise Stop

    course = Course(solutions=notebook.parent.parent, grading=notebook.parent.parent / "grading")
    original = grading.load_json
    grading.load_json = fake_load_json
    try:
        with pytest.raises(Stop):
            grading.expectations(course, notebook.parent.name, classroom.LIMITS)
    finally:
        grading.load_json = original
    return seen["path"].name
