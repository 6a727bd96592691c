"""Shared fixtures: the fixture course released once per test process, and a graded class."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

from autograder.config import Course
from autograder.release import release

from . import classroom


@pytest.fixture(scope="session")
def released(tmp_path_factory) -> Path:
    """The fixture course's student release (nbgrader generate_assignment), made once."""
    root = tmp_path_factory.mktemp("fixture-course")
    course = Course(solutions=classroom.FIXTURE, release=root / "course", grading=root / "grading")
    release(course=course)
    return root / "course"


def new_course(tmp_path: Path, released: Path) -> Course:
    """A fresh grading workspace over the fixture course (the release is shared, read-only)."""
    return Course(solutions=classroom.FIXTURE, release=released, grading=tmp_path / "grading")


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory, released):
    """Every submission of the fixture class graded once with 2 workers (about a minute)."""
    from autograder.pipeline import grade

    course = new_course(tmp_path_factory.mktemp("class"), released)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    subs = classroom.submissions(course, port)
    for sub in subs:
        classroom.write(course, sub)
    before = dict(os.environ)
    os.environ[classroom.SECRET_ENV] = classroom.SECRET_VALUE
    try:
        summary = grade(course, workers=2, limits=classroom.LIMITS, progress=False)
    finally:
        os.environ.clear()
        os.environ.update(before)
    try:
        connection = listener.accept()
    except BlockingIOError:
        connection = None
    listener.close()
    results = {(r["student"], r["assignment"]): r for r in summary["results"]}
    yield {"course": course, "subs": subs, "summary": summary, "results": results, "connection": connection}
    shutil.rmtree(course.grading, ignore_errors=True)
