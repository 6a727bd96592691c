"""Rules a test cell states about an answer, checked on its source: ``check_rules``.

A rule says how an answer may compute its value, not which value: ``forbid`` (names it may not use,
such as ``numpy.broadcast_shapes``), ``loops=False`` (vectorise: no Python loop), ``mutate_args=False``
(leave the arguments unchanged). They are checked statically, on the source of the answer cell that
defines the answer and of every other answer cell whose names it uses (transitively), by
:func:`~.analyser.analyse`, the one analyser both sides share. The package has one module per job:

* :mod:`.syntax`: reading a cell (IPython's magics, the names it binds and imports);
* :mod:`.analyser`: the static analysis (and the rules as data: :class:`Break`, :class:`RuleError`);
* :mod:`.kernel`: in the student's kernel, :func:`check_rules` finds the cells through the live objects
  (IPython keeps every cell's source in ``linecache``) and prints ``✓`` or raises
  :class:`~autograder.checks.CheckFailed` with one line per break; inside the grading sandbox it does
  nothing;
* :mod:`.grader`: the trusted grader reads the ``check_rules(...)`` calls of each instructor test cell
  (:func:`notebook_rules`, literal arguments only) and checks the student's rebuilt answer cells with
  :func:`verdicts`. A break scores the test cell zero, whatever the values.

Indirect access (``getattr`` with a computed name, ``__import__``, ``importlib``, ``eval``, ``exec``,
``globals()``, ``__dict__``, ``sys.modules``, ...) breaks ``forbid`` whenever ``forbid`` is non-empty:
through it any name can be reached without being written.
"""

from .analyser import STANDARD_ALIASES, Break, RuleError, analyse, describe, report, validate
from .grader import breaks_in, notebook_rules, rule_calls, solution_problems, verdicts
from .kernel import check_rules, kernel_cells
from .syntax import parse_cell

__all__ = ["STANDARD_ALIASES", "Break", "RuleError", "analyse", "breaks_in", "check_rules", "describe",
           "kernel_cells", "notebook_rules", "parse_cell", "report", "rule_calls", "solution_problems",
           "validate", "verdicts"]
