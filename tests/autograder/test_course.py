"""The course model (autograder/course.py): discovery, the public transform against nbgrader's release,
the public lines, and the fingerprint's inputs."""

from __future__ import annotations

import re
import shutil

import pytest

from autograder import course
from autograder import notebooks as nbs
from autograder.config import Course, nbgrader_config

from . import classroom


def test_discovery_finds_one_notebook_per_assignment(tmp_path):
    root = tmp_path / "solutions"
    (root / "01-a").mkdir(parents=True)
    (root / "01-a" / "01-a.ipynb").write_text("{}")
    (root / "02-b").mkdir()
    (root / "02-b" / "other.ipynb").write_text("{}")  # not named like its folder: not an assignment
    (root / "00-notes.ipynb").write_text("{}")
    assert course.assignments(root) == ["01-a"]
    assert course.assignments(tmp_path / "missing") == []
    assert course.notebook_path(root, "01-a") == root / "01-a" / "01-a.ipynb"
    assert course.require_assignment(root, "01-a") == root / "01-a" / "01-a.ipynb"
    with pytest.raises(course.UnknownAssignment, match=r"no assignment 02-b in .*known: 01-a"):
        course.require_assignment(root, "02-b")


@pytest.mark.parametrize("command", ["release", "grade"])
def test_the_command_line_names_an_unknown_assignment(tmp_path, capsys, command):
    from autograder.__main__ import main

    args = ["--solutions", str(classroom.FIXTURE), "--grading", str(tmp_path / "grading"),
            "--release-dir", str(tmp_path / "course"), command]
    args += ["99-nothing"] if command == "release" else ["--assignment", "99-nothing"]
    if command == "grade":
        (tmp_path / "grading" / "submitted" / "someone").mkdir(parents=True)
    assert main(args) == 1
    assert "no assignment 99-nothing" in capsys.readouterr().err
    assert not (tmp_path / "course").exists()


def test_nbgrader_uses_the_course_stubs():
    clear = nbgrader_config().ClearSolutions
    assert clear.code_stub == {"python": course.CODE_STUB}
    assert clear.text_stub == course.TEXT_STUB


def _folded(text: str) -> str:
    return re.sub(r"\n{3,}", "\n\n", text).rstrip()


def _same_as_release(solutions, release) -> None:
    for name in course.assignments(solutions):
        source = nbs.read(course.notebook_path(solutions, name))
        released = nbs.read(course.notebook_path(release, name))
        public = course.public_notebook(source)
        cells = [c for c in released.cells if not c.metadata.get("course_colab")]
        assert [c.cell_type for c in public.cells] == [c.cell_type for c in cells], name
        for mine, theirs in zip(public.cells, cells):
            # nbgrader leaves the blank lines where hidden tests were; the public copy folds them
            assert mine.source == _folded(theirs.source) or mine.source == theirs.source, (name, mine.source)
            assert "nbgrader" not in mine.metadata


def test_public_notebook_is_the_student_release_of_the_fixture(released):
    _same_as_release(classroom.FIXTURE, released)


def test_public_notebook_is_the_committed_student_release():
    _same_as_release(course.SOLUTIONS, course.COURSE)


def test_public_notebook_hides_solutions_and_hidden_tests_and_their_outputs():
    source = nbs.read(course.notebook_path(classroom.FIXTURE, "01-basics"))
    answer = next(c for c in source.cells if nbs.grade_id(c) == "ex-square")
    test = next(c for c in source.cells if nbs.grade_id(c) == "test-square")
    answer.outputs = test.outputs = [{"output_type": "stream", "name": "stdout", "text": "4\n"}]
    public = course.public_notebook(source)
    text = "\n".join(c.source for c in public.cells)
    assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text and "square_hidden" not in text
    assert course.CODE_STUB in text
    assert all(not c.get("outputs") for c in public.cells if c.cell_type == "code")
    assert answer.outputs, "the source notebook is not changed"


def test_public_lines_hold_public_text_and_the_library_not_secrets():
    lines = course.public_lines(classroom.FIXTURE)
    assert "def square(x):" in lines  # the exercise's signature is public
    assert "return x * x" not in lines  # the solution is not
    assert "class Function:" in lines or any(line.startswith("class Function") for line in lines)
    assert "return x * x" not in course.public_lines(classroom.FIXTURE, library=None)


def test_fingerprint_covers_the_folder_and_nothing_hidden(tmp_path):
    folder = tmp_path / "02-arrays"
    shutil.copytree(classroom.FIXTURE / "02-arrays", folder)
    before = course.fingerprint(folder)
    assert course.fingerprint(folder) == before
    (folder / ".ipynb_checkpoints").mkdir()
    (folder / ".ipynb_checkpoints" / "x.ipynb").write_text("{}")
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "m.pyc").write_bytes(b"\0")
    assert course.fingerprint(folder) == before, "editor and bytecode caches change no grade"
    (folder / "data.csv").write_text("1,3\n")
    assert course.fingerprint(folder) != before
    assert course.fingerprint(folder, code=False) != course.fingerprint(folder)


def test_the_course_folders_are_the_default_course():
    default = Course()
    assert (default.solutions, default.release, default.grading) == (course.SOLUTIONS, course.COURSE,
                                                                      course.GRADING)
    assert default.source_notebook("01-tensors") == course.notebook_path(course.SOLUTIONS, "01-tensors")
