"""check_rules enforced by the trusted grader: a submission whose values are right but which breaks a
rule gets 0 on that test cell, with the rule and the line as the reason; without the break, full marks."""

from __future__ import annotations

import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell

from autograder import notebooks as nbs
from autograder.config import Course
from autograder.course import public_source
from autograder.grading import GradingError, expectations, grade_submission

from . import classroom
from .fixtures import make_fixture as mf

ASSIGNMENT = "03-rules"
RULES = 'check_rules("total_rules", total, forbid=["numpy.sum", "sum"], loops=False, mutate_args=False)'
SOURCE = [
    new_markdown_cell("# 03 Rules\n\n**Learning goals**\n\n- sum without loops"),
    new_code_cell("import numpy as np\nfrom autograder import check, check_rules",
                  metadata=mf.meta("imports", locked=True)),
    new_markdown_cell("## Exercise: total\n\n`total(x)`: the sum of a 1-D array; no loops, no `np.sum`."),
    mf.answer("ex-total", "def total(x):\n    ### BEGIN SOLUTION\n    return float(x @ np.ones(len(x)))\n"
                       "    ### END SOLUTION"),
    mf.test("test-total", 2,
            'check("total", total, cases=[(np.arange(4.0),), (np.ones(3),)], reference=np.sum)\n' + RULES),
    new_markdown_cell("## Exercise: double"),
    mf.answer("ex-double", "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION"),
    mf.test("test-double", 1, 'check("double", double, cases=[(3.0,)], reference=lambda x: 2 * x)'),
    new_markdown_cell("## Summary\n\nDone."),
]
HONEST = {"ex-total": "def total(x):\n    return float(np.add.reduce(x))",
          "ex-double": "def double(x):\n    return x + x"}
SUBMISSIONS = {
    "honest": (HONEST, 2, None),
    "loop": ({**HONEST, "ex-total": "def total(x):\n    s = 0.0\n    for v in x:\n        s += v\n"
                                    "    return s"},
             0, "rule total_rules broken: loops: a `for` loop; vectorise instead "
                "(line 3 of answer cell ex-total)"),
    "alias": ({**HONEST, "ex-total": "from numpy import sum as add_up\ndef total(x):\n"
                                     "    return float(add_up(x))"},
              0, "rule total_rules broken: forbid: imports numpy.sum"),
    "helper": ({"ex-total": "def total(x):\n    return double(x) / 2",
                "ex-double": "def double(x):\n    return 2 * getattr(np, 'su' + 'm')(x)"},
               0, "line 2 of answer cell ex-double"),
    "mutates": ({**HONEST, "ex-total": "def total(x):\n    x[:] = np.cumsum(x)\n    return float(x[-1])"},
                0, "rule total_rules broken: mutate_args: assigning to `x[:]` changes the argument `x`"),
    "switch_off": ({**HONEST, "ex-total": "check_rules = lambda *a, **k: None\nimport autograder\n"
                                          "autograder.check_rules = check_rules\n"
                                          "def total(x):\n    return float(np.sum(x))"},
                   0, "total_rules broken: source: `autograder.check_rules` can define or replace names"),
    "syntax": ({**HONEST, "ex-total": "def total(x):\n    return float(np.add.reduce(x)"},
               0, "source: the cell does not parse"),
}


def _course(tmp_path, cells) -> Course:
    course = Course(solutions=tmp_path / "solutions", release=tmp_path / "release",
                    grading=tmp_path / "grading")
    folder = course.solutions / ASSIGNMENT
    folder.mkdir(parents=True)
    (course.release / ASSIGNMENT).mkdir(parents=True)
    nbformat.write(mf.notebook(cells), str(folder / f"{ASSIGNMENT}.ipynb"))
    return course


def _submit(course: Course, student: str, answers: dict[str, str]) -> None:
    nb = nbs.read(course.source_notebook(ASSIGNMENT))
    for cell in nb.cells:
        if nbs.is_solution(cell):
            cell.source = answers.get(nbs.grade_id(cell), public_source(cell))
    folder = course.submitted / student / ASSIGNMENT
    folder.mkdir(parents=True)
    (folder / f"{ASSIGNMENT}.ipynb").write_text(json.dumps(nb))


def test_a_broken_rule_scores_the_test_cell_zero_with_the_rule_and_the_line(tmp_path):
    course = _course(tmp_path, SOURCE)
    exp = expectations(course, ASSIGNMENT, classroom.LIMITS)
    assert exp["problems"] == [] and exp["rules"]["test-total"][0]["forbid"] == ["numpy.sum", "sum"]
    for student, (answers, points, reason) in SUBMISSIONS.items():
        _submit(course, student, answers)
        result = grade_submission(course, student, ASSIGNMENT, classroom.LIMITS, exp).to_json()
        cells = result["notebooks"][ASSIGNMENT]["cells"]
        total = cells["test-total"]
        assert total["score"] == points, (student, total)
        if reason is None:
            assert total["passed"] and "✓ total_rules: follows the rules" in "\n".join(total["reports"])
        else:
            assert reason in total["reason"], (student, total["reason"])
            assert any(r.startswith("✗ total_rules") for r in total["reports"])
        if student in ("loop", "alias", "mutates"):  # the values were right: only the rule failed
            assert "✓ total: 2 case(s) passed" in total["reports"], total["reports"]
        assert cells["test-double"]["score"] == 1, (student, cells)  # no rules there: unaffected


def test_the_solution_breaking_its_own_rule_is_a_problem_for_the_instructor(tmp_path):
    cells = [*SOURCE]
    cells[3] = mf.answer("ex-total", "def total(x):\n    ### BEGIN SOLUTION\n    return float(sum(x))\n"
                                  "    ### END SOLUTION")
    course = _course(tmp_path, cells)
    exp = expectations(course, ASSIGNMENT, classroom.LIMITS)
    assert any("the solution breaks its own rule total_rules" in p and "line 3" in p for p in exp["problems"])


@pytest.mark.parametrize("call, message", [
    ('check_rules("r", total, forbid=FORBIDDEN)', "forbid must be written as a literal"),
    ('check_rules("r", lambda x: total(x))', "the answer must be a plain name"),
    ('check_rules("r", total, loops=0)', "loops must be True or False"),
    ('check_rules("r", total, **opts)', "*args or **kwargs"),
    ('check_rules("r", total, forbid="numpy.sum")', "forbid must be a list"),
])
def test_a_check_rules_call_the_grader_cannot_read_is_an_instructor_error(tmp_path, call, message):
    cells = [*SOURCE]
    visible = 'check("total", total, cases=[(np.ones(2),)], reference=np.sum)\n'
    cells[4] = mf.test("test-total", 2, visible + call)
    course = _course(tmp_path, cells)
    with pytest.raises(GradingError, match="test-total") as info:
        expectations(course, ASSIGNMENT, classroom.LIMITS)
    assert message in str(info.value)


def test_a_tf_function_answer_is_judged_on_the_function_it_decorates():
    """The trusted grader reads the decorated function's source: a forbidden name inside a
    ``@tf.function`` is a break with its line, and the same function without it follows the rules."""
    from autograder import rules

    def notebook(body: str):
        return nbformat.v4.new_notebook(cells=[
            new_code_cell("import tensorflow as tf\nfrom autograder import check_rules",
                          metadata=mf.meta("imports", locked=True)),
            mf.answer("ex-lse", f"@tf.function\ndef lse(x):\n    return {body}"),
            mf.test("test-lse", 1, "check_rules('lse_rules', lse, forbid=['tensorflow.reduce_logsumexp', "
                                   "'tensorflow.math.reduce_logsumexp'])"),
        ])

    broken = notebook("tf.reduce_logsumexp(x)")
    [(report, reason)] = rules.verdicts(rules.notebook_rules(broken), broken)["test-lse"]
    assert reason and "tensorflow.reduce_logsumexp" in reason and "line 3 of answer cell ex-lse" in reason
    fine = notebook("tf.reduce_max(x) + tf.math.log(tf.reduce_sum(tf.exp(x - tf.reduce_max(x))))")
    assert rules.verdicts(rules.notebook_rules(fine), fine)["test-lse"][0][1] is None
