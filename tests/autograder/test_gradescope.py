"""The Gradescope bundle, run as Gradescope runs it: unzipped into a folder laid out like /autograder."""

from __future__ import annotations

import copy
import json
import os
import stat
import subprocess
import sys
import zipfile

import jsonschema

from autograder import notebooks as nbs
from autograder.gradescope import build_bundle

from . import classroom
from .conftest import new_course

# Gradescope's results.json, as its autograder specification documents it (the keys this grader writes
# and the ones it may; unknown keys are refused so that a misspelt one fails here, not on Gradescope).
VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
RESULTS_SCHEMA = {
    "type": "object",
    "required": ["tests"],
    "additionalProperties": False,
    "properties": {
        "score": {"type": "number"},
        "execution_time": {"type": "number"},
        "output": {"type": "string"},
        "output_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
        "test_output_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
        "test_name_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
        "visibility": VISIBILITY,
        "stdout_visibility": VISIBILITY,
        "extra_data": {"type": "object"},
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "score": {"type": "number"},
                    "max_score": {"type": "number"},
                    "status": {"enum": ["passed", "failed"]},
                    "name": {"type": "string"},
                    "name_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
                    "number": {"type": "string"},
                    "output": {"type": "string"},
                    "output_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "visibility": VISIBILITY,
                    "extra_data": {"type": "object"},
                },
            },
        },
        "leaderboard": {"type": "array"},
    },
}

PARTIAL = classroom.Submission(
    "x", "01-basics",
    {
        "ex-add": "def add(a, b):\n    if getattr(a, 'size', 3) == 3:\n        return a + b\n"
                  "    return a - b",
        "ex-square": classroom.SQUARE,
        "ex-answer": "answer = 41",
    },
)


def test_bundle_grades_one_submission_like_gradescope(tmp_path, released):
    course = new_course(tmp_path, released)
    bundle = build_bundle(course, "01-basics", tmp_path / "out")
    root = tmp_path / "autograder"
    with zipfile.ZipFile(bundle) as z:
        names = set(z.namelist())
        for script in ("setup.sh", "run_autograder"):
            assert script in names and stat.S_IMODE(z.getinfo(script).external_attr >> 16) & 0o111
        assert {"autograder/gradescope.py", "tinygrad_ref/__init__.py", "requirements.txt",
                "solutions/01-basics/01-basics.ipynb", "course/01-basics/01-basics.ipynb"} <= names
        z.extractall(root / "source")
    (root / "submission").mkdir()
    nb = copy.deepcopy(nbs.read(released / "01-basics" / "01-basics.ipynb"))
    for cell in nb.cells:
        if nbs.is_solution(cell) and nbs.grade_id(cell) in PARTIAL.answers:
            cell.source = PARTIAL.answers[nbs.grade_id(cell)]
    # uploaded under another name: the only notebook is graded as the assignment's
    (root / "submission" / "my work.ipynb").write_text(json.dumps(nb), encoding="utf-8")

    env = dict(os.environ, AUTOGRADER_ROOT=str(root), AUTOGRADER_PYTHON=sys.executable)
    run = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(results, RESULTS_SCHEMA)

    graded = [t for t in results["tests"] if t["visibility"] == "visible"]
    titles = nbs.cell_titles(nbs.read(classroom.FIXTURE / "01-basics" / "01-basics.ipynb"))
    by_name = {t["name"]: t for t in graded}
    assert set(by_name) == {titles[g] for g in ("test-add", "test-square", "test-answer")}
    assert [by_name[titles[g]]["score"] for g in ("test-add", "test-square", "test-answer")] == [0, 2, 0]
    assert results["score"] == 2 and sum(t["max_score"] for t in graded) == 4
    assert by_name[titles["test-square"]]["status"] == "passed"
    add = by_name[titles["test-add"]]
    assert add["status"] == "failed" and "hidden" in add["output"]
    # the hidden case's details exist, for after publication only, and are not in the visible output
    hidden = {t["name"]: t for t in results["tests"] if t["visibility"] == "after_published"}
    assert set(hidden) == {f"{titles[g]}: hidden checks" for g in ("test-add", "test-square")}
    assert all(t["max_score"] == 0 for t in hidden.values())
    assert "✗ add_hidden" in hidden[f"{titles['test-add']}: hidden checks"]["output"]
    assert "✗ add_hidden" not in add["output"]  # the visible reason says only "a hidden case"
    assert "my work.ipynb" in results["output"]


def test_staging_goes_through_collects_checks(tmp_path):
    """Gradescope's upload is staged by collect's own code: links (to a file or a folder) are refused and
    named in the notes, a byte-order mark is removed, and the lone notebook is graded under its name."""
    from autograder import gradescope
    from autograder.config import Course

    course = Course(solutions=classroom.FIXTURE, release=tmp_path / "course", grading=tmp_path / "grading")
    upload = tmp_path / "submission"
    (upload / "notes").mkdir(parents=True)
    text = json.dumps(nbs.read(classroom.FIXTURE / "01-basics" / "01-basics.ipynb"))
    (upload / "my work.ipynb").write_bytes(b"\xef\xbb\xbf" + text.encode())
    (upload / "notes" / "extra.txt").write_text("mine")
    secret = tmp_path / "secret.txt"
    secret.write_text("not the student's")
    (upload / "stolen.txt").symlink_to(secret)
    (upload / "elsewhere").symlink_to(tmp_path, target_is_directory=True)

    notes = gradescope._stage(upload, course, "01-basics")

    staged = course.submitted / gradescope.STUDENT / "01-basics"
    files = sorted(p.relative_to(staged).as_posix() for p in staged.rglob("*") if p.is_file())
    assert files == ["01-basics.ipynb", "notes/extra.txt", "timestamp.txt"]
    assert (staged / "01-basics.ipynb").read_text(encoding="utf-8") == text  # no byte-order mark
    assert not any(p.is_symlink() for p in staged.rglob("*"))
    refused = [n for n in notes if "not a regular file" in n]
    assert sorted(n.split(":")[0] for n in refused) == ["elsewhere", "stolen.txt"]
    assert any("my work.ipynb" in n and "01-basics.ipynb" in n for n in notes)
    assert any("byte-order mark" in n for n in notes)


def test_staging_an_upload_without_a_notebook_leaves_an_empty_submission(tmp_path):
    from autograder import gradescope
    from autograder.config import Course

    course = Course(solutions=classroom.FIXTURE, release=tmp_path / "course", grading=tmp_path / "grading")
    upload = tmp_path / "submission"
    upload.mkdir()
    (upload / "answers.txt").write_text("no notebook")
    notes = gradescope._stage(upload, course, "01-basics")
    assert (course.submitted / gradescope.STUDENT / "01-basics").is_dir()
    assert any("no notebook in the submission" in n for n in notes)
