"""Grading for the course: the checks test cells call, and the instructor's command line.

Test cells use ``from autograder import check, check_rules``; see :mod:`autograder.checks` and
:mod:`autograder.rules`.
"""

from .checks import CheckFailed, check, compare
from .rules import check_rules

__all__ = ["check", "check_rules", "compare", "CheckFailed"]
