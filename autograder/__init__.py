"""Grading for the course: the checks test cells call, and the instructor's command line.

Test cells use ``from autograder import check``; see :mod:`autograder.checks`.
"""

from .checks import CheckFailed, check, compare

__all__ = ["check", "compare", "CheckFailed"]
