"""The folders of a course (the repository's, or a test's), and nbgrader's configuration as a traitlets
Config. The conventions and discovery are autograder.course's."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from .course import (
    COURSE,
    GRADING,
    ROOT,  # noqa: F401 (the checkout's root, imported from here by tests and deploy/)
    SOLUTIONS,
    assignments,
    notebook_path,
    require_assignment,
)

# nbgrader runs the `alembic` command of the environment it is installed in: make it findable even when
# the interpreter was started by its full path without activating the virtual environment.
_bin = os.path.dirname(os.path.abspath(os.sys.executable))
if _bin not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _bin + os.pathsep + os.environ.get("PATH", "")


def nbgrader_config(**overrides: str) -> Config:
    """The course's nbgrader Config; ``overrides`` replace CourseDirectory settings (for example a
    temporary release_directory and db_url)."""
    loader = PyFileConfigLoader("nbgrader_config.py", path=str(Path(__file__).parent))
    config = loader.load_config()
    for key, value in overrides.items():
        config.CourseDirectory[key] = value
    return config


@dataclass(frozen=True)
class Course:
    """The folders of one course: the repository's by default; tests use a small fixture course.

    ``grading`` is the trusted workspace (submissions, results, gradebook); nothing under it is ever
    visible to student code.
    """

    solutions: Path = SOLUTIONS
    release: Path = COURSE
    grading: Path = GRADING

    @property
    def submitted(self) -> Path:
        return self.grading / "submitted"

    @property
    def autograded(self) -> Path:
        return self.grading / "autograded"

    @property
    def feedback(self) -> Path:
        return self.grading / "feedback"

    @property
    def results(self) -> Path:
        return self.grading / "results"

    @property
    def cache(self) -> Path:
        return self.grading / "cache"

    @property
    def exports(self) -> Path:
        return self.grading / "export"

    @property
    def reports(self) -> Path:
        return self.grading / "report"

    @property
    def db_path(self) -> Path:
        return self.grading / "gradebook.db"

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.db_path}"

    def assignments(self) -> list[str]:
        return assignments(self.solutions)

    def source_notebook(self, assignment: str) -> Path:
        """The instructor's notebook of ``assignment`` (:func:`autograder.course.notebook_path`)."""
        return notebook_path(self.solutions, assignment)

    def require(self, assignments: list[str]) -> None:
        """:class:`autograder.course.UnknownAssignment` for the first name not in this course."""
        for name in assignments:
            require_assignment(self.solutions, name)

    def students(self) -> list[str]:
        if not self.submitted.is_dir():
            return []
        return sorted(p.name for p in self.submitted.iterdir() if p.is_dir())

    def nbgrader_config(self) -> Config:
        """nbgrader's Config pointing at this course's folders and gradebook (creates nothing)."""
        return nbgrader_config(
            root=str(self.solutions.parent),
            source_directory=str(self.solutions),
            release_directory=str(self.release),
            submitted_directory=str(self.submitted),
            autograded_directory=str(self.autograded),
            feedback_directory=str(self.feedback),
            solution_directory=str(self.grading / "solution"),
            source_with_tests_directory=str(self.grading / "source_with_tests"),
            db_url=self.db_url,
        )
