"""Writing results where nbgrader's tools look: the gradebook, so formgrader, nbgrader's feedback and
export keep working, and the graded notebook formgrader shows.

Only the main grading process writes the gradebook, one result at a time (:func:`write_result`). Every
write is an update of the entry for (student, assignment, notebook, cell): running it again changes
nothing, and a manual score given in formgrader is never overwritten. Each grading worker writes the
graded notebook of the submission it graded (:func:`write_autograded`), before its result.
"""

from __future__ import annotations

import logging
import tempfile
import warnings
from pathlib import Path

import nbformat

from . import notebooks as nbs
from .config import Course
from .results import Result, clean


def ensure_assignment(course: Course, assignment: str) -> None:
    """Make sure the gradebook knows the assignment's notebooks and cells, as nbgrader's release records
    them (a release into a temporary folder, so course/ is not touched)."""
    from nbgrader.api import Gradebook, MissingEntry

    path = course.source_notebook(assignment)
    nb = nbs.read(path)
    wanted = {path.stem: {nbs.grade_id(c) for c in nb.cells if nbs.nbgrader_meta(c).get("grade")}}
    with Gradebook(course.db_url) as gb:
        try:
            known = {
                n.name: {g.name for g in n.grade_cells} for n in gb.find_assignment(assignment).notebooks
            }
        except MissingEntry:
            known = {}
    if all(known.get(name) == cells for name, cells in wanted.items()):
        return
    from .release import release

    with tempfile.TemporaryDirectory() as tmp:
        release([assignment], dest=Path(tmp) / "release", course=course)


def open_gradebook(course: Course):
    """nbgrader's Gradebook on the course's database (use it as a context manager)."""
    from nbgrader.api import Gradebook

    logging.getLogger("alembic").setLevel(logging.WARNING)
    course.grading.mkdir(parents=True, exist_ok=True)  # the database lives there; sqlite cannot make it
    return Gradebook(course.db_url)


def write_result(course: Course, result: Result, gb) -> None:
    """Store one graded submission in the open Gradebook ``gb``: the submission, every grade cell's auto
    score, and a comment with the reason for a zero."""
    from nbgrader.api import MissingEntry

    student, assignment = result.student, result.assignment
    gb.update_or_create_student(student)
    try:
        gb.find_submission(assignment, student)
    except MissingEntry:
        timestamp = _timestamp(course, student, assignment)
        with warnings.catch_warnings():  # nbgrader's add_submission triggers SQLAlchemy autoflush warnings
            warnings.simplefilter("ignore")
            gb.add_submission(assignment, student, **({"timestamp": timestamp} if timestamp else {}))
    for nb_name, nb in result.notebooks.items():
        for gid, cell in nb.cells.items():
            try:
                grade = gb.find_grade(gid, nb_name, assignment, student)
            except MissingEntry:
                continue
            if cell.kind == "auto":
                grade.auto_score = float(cell.score)
                grade.needs_manual_grade = False
            else:
                grade.auto_score = None if nb.status == "graded" else 0.0
                grade.needs_manual_grade = grade.manual_score is None and nb.status == "graded"
            try:
                comment = gb.find_comment(gid, nb_name, assignment, student)
            except MissingEntry:
                comment = None
            if comment is not None:
                comment.auto_comment = cell.reason
        gb.db.commit()


def _timestamp(course: Course, student: str, assignment: str) -> str | None:
    path = course.submitted / student / assignment / "timestamp.txt"
    try:
        text = path.read_text()[:64].strip()
    except OSError:
        return None
    from nbgrader.utils import parse_utc

    try:
        parse_utc(text)
    except Exception:  # an unparseable timestamp is ignored, not fatal
        return None
    return text


def write_autograded(course: Course, result: Result, rebuilt) -> None:
    """grading/autograded/<student>/<assignment>/<notebook>.ipynb: the notebook that was graded
    (``rebuilt``, see autograder.course.rebuild) with the trusted report as each test cell's output (what
    formgrader displays next to the scores)."""
    (name, nb_result), = result.notebooks.items()
    rebuilt = nbformat.from_dict(clean(rebuilt))  # a lone surrogate in an answer cannot be written
    for index, cell in enumerate(rebuilt.cells):
        info = nb_result.cells.get(nbs.grade_id(cell))
        if cell.cell_type != "code" or not info or info.kind != "auto":
            continue
        text = "\n".join(info.reports) or ""
        if info.reason:
            text += f"\nscore 0: {info.reason}"
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text.strip() + "\n")]
        cell.execution_count = index + 1
    dest = course.autograded / result.student / result.assignment / f"{name}.ipynb"
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.tmp")
    nbformat.write(rebuilt, str(tmp))
    tmp.replace(dest)
