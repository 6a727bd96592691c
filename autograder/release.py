"""The student release: nbgrader's generate_assignment from solutions/ into course/."""

from __future__ import annotations

import logging
from pathlib import Path

import nbformat

from . import notebooks as nbs
from .config import Course
from .course import notebook_path
from .launch import COLAB_CELL_MARK, colab_install_source, colab_ready, repository

# JupyterLab's Run All and nbclient go on past a cell with this tag when it raises (a blank exercise or
# a failing check), so a student sees the whole notebook run; the cell's error is still shown, and
# nbgrader's Validator and our grader still count it (they read outputs and records, not tags).
EXPECTED_FAILURE_TAG = "raises-exception"


class ReleaseError(RuntimeError):
    pass


def release(
    names: list[str] | None = None,
    dest: Path | None = None,
    db_url: str | None = None,
    course: Course | None = None,
) -> list[Path]:
    """Write the student version of each assignment (all by default) into course/ or ``dest``.

    Returns the released notebook paths. Raises UnknownAssignment for a name that is not an assignment,
    and ReleaseError naming the assignment and nbgrader's message when nbgrader fails.
    The sources, release folder and gradebook are those of ``course`` (the repository's by default);
    ``dest`` and ``db_url`` override the last two.
    """
    from nbgrader.apps import NbGraderAPI

    course = course or Course()
    names = names or course.assignments()
    course.require(names)
    config = course.nbgrader_config()
    if dest is not None:
        config.CourseDirectory.release_directory = str(Path(dest).resolve())
    if db_url is not None:
        config.CourseDirectory.db_url = db_url
    else:  # the course's own gradebook records the release; only then does grading/ need to exist
        course.grading.mkdir(parents=True, exist_ok=True)
    api = NbGraderAPI(config=config)
    api.log.setLevel(logging.ERROR)
    out = []
    for name in names:
        result = api.generate_assignment(name, force=True, create=True)
        if not result["success"]:
            raise ReleaseError(f"releasing {name} failed:\n{result['error']}\n{result['log']}")
        notebook = notebook_path(Path(api.coursedir.root, api.coursedir.release_directory), name)
        tag_expected_failures(notebook)
        if colab_ready(course.source_notebook(name)):
            add_colab_install_cell(notebook)
        out.append(notebook)
    return out


def tag_expected_failures(path: Path) -> int:
    """Tag every cell of a released notebook that raises until the student has solved an exercise:
    autograded test cells and code answer cells (their stub raises NotImplementedError). Returns how
    many cells were tagged; rewrites the file only when something changed."""
    nb = nbs.read(path)
    tagged = 0
    for cell in nb.cells:
        if cell.cell_type != "code" or not (nbs.is_graded_test(cell) or nbs.is_solution(cell)):
            continue
        tags = cell.metadata.setdefault("tags", [])
        if EXPECTED_FAILURE_TAG not in tags:
            tags.append(EXPECTED_FAILURE_TAG)
            tagged += 1
    if tagged:
        nbformat.write(nb, str(path))
    return tagged


def add_colab_install_cell(path: Path) -> None:
    """Put the cell that installs the course's packages on Colab after the title cell (once)."""
    nb = nbs.read(path)
    if any(COLAB_CELL_MARK in c.source for c in nb.cells if c.cell_type == "code"):
        return
    cell = nbformat.v4.new_code_cell(colab_install_source(repository()))
    cell.metadata["course_colab"] = True
    cell.id = "course-colab-install"  # fixed, so that releasing again changes nothing
    nb.cells.insert(1 if nb.cells else 0, cell)
    nbformat.write(nb, str(path))
