"""Grading for the course: the checks test cells call, and the instructor's command line.

Test cells use ``from autograder import check, check_rules, check_accuracy``; see
:mod:`autograder.checks`, :mod:`autograder.rules` and :mod:`autograder.capstone` (which also holds
``cpu_clock``, a student's measure of a block's CPU time against the notebook's budget).
"""

from .capstone import BudgetExceeded, check_accuracy, cpu_clock
from .checks import CheckFailed, check, compare
from .rules import check_rules

__all__ = ["check", "check_rules", "check_accuracy", "cpu_clock", "compare", "CheckFailed", "BudgetExceeded"]
