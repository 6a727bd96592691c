"""Shared fixtures: the fixture course released once per test session, and a graded class."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from autograder.config import Course
from autograder.release import release

from . import classroom


def _shared(tmp_path_factory, worker_id) -> Path:
    """The session's temporary folder shared by all pytest-xdist workers."""
    base = tmp_path_factory.getbasetemp()
    return base if worker_id == "master" else base.parent


@pytest.fixture(scope="session")
def released(tmp_path_factory, worker_id) -> Path:
    """The fixture course's student release (nbgrader generate_assignment), made once per session."""
    from filelock import FileLock

    shared = _shared(tmp_path_factory, worker_id)
    root = shared / "fixture-release"
    with FileLock(str(shared / "fixture-release.lock")):
        if not (root / "done").exists():
            course = Course(solutions=classroom.FIXTURE, release=root / "course", grading=root / "grading")
            release(course=course)
            (root / "done").write_text("ok")
    return root / "course"


def new_course(tmp_path: Path, released: Path) -> Course:
    """A fresh grading workspace over the fixture course (the release is shared, read-only)."""
    return Course(solutions=classroom.FIXTURE, release=released, grading=tmp_path / "grading")


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory, worker_id, released):
    """Every submission of the fixture class graded once with 2 workers (a minute or two).

    Built once per test session even under pytest-xdist: the first worker that needs it grades the class
    in the session's shared temporary folder (under a file lock); the others wait and read the results.
    """
    from filelock import FileLock

    from autograder.results import load_json

    shared = _shared(tmp_path_factory, worker_id)
    root = shared / "graded-class"
    with FileLock(str(shared / "graded-class.lock")):
        done = load_json(root / "done.json")
        if done is None:
            done = _grade_class(root, released)
            from autograder.results import write_json_atomic

            write_json_atomic(root / "done.json", done)
    course = Course(solutions=classroom.FIXTURE, release=released, grading=root / "grading")
    results = {(r["student"], r["assignment"]): r for r in done["summary"]["results"]}
    subs = classroom.submissions(course, done["port"])
    return {
        "course": course,
        "subs": subs,
        "summary": done["summary"],
        "results": results,
        "connection": done["connection"],
        "released": released,
    }


def _grade_class(root: Path, released: Path) -> dict:
    from autograder.pipeline import grade

    course = Course(solutions=classroom.FIXTURE, release=released, grading=root / "grading")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    for sub in classroom.submissions(course, port):
        classroom.write(course, sub)
    before = dict(os.environ)
    os.environ[classroom.SECRET_ENV] = classroom.SECRET_VALUE
    try:
        summary = grade(course, workers=2, limits=classroom.LIMITS, progress=False)
    finally:
        os.environ.clear()
        os.environ.update(before)
    try:
        listener.accept()
        connection = True
    except BlockingIOError:
        connection = False
    listener.close()
    summary["results"] = [r.to_json() for r in summary["results"]]  # as stored: the tests read dicts
    return {"summary": summary, "port": port, "connection": connection}
