"""Issue 12's design rules, for every assignment: the student's time is stated, every graded cell says
what kind of thinking it asks, thinking carries at least half of the points, and a rule stated in a task
is enforced by its test cell (``check_rules``)."""

from __future__ import annotations

import re

import pytest

from autograder import notebooks as nbs
from autograder.course import SOLUTIONS, assignments, notebook_path

ASSIGNMENTS = assignments()
KINDS = ("build", "reason", "compute", "written", "open")
THINKING = ("build", "reason", "written", "open")  # open: a target, no recipe
TIME_LINE = re.compile(r"^\*\*Estimated time:\*\* (\d+) minutes\s*$", re.M)
# Words with which a task states a rule; such a task's test cell must call check_rules.
RULE_WORDS = re.compile(
    r"\b(do not|don't|must not|never) (call|use|import|modify|change|mutate)\b|\bno (python )?loops?\b"
    r"|\bwithout (a |any )?(python )?loops?\b|\bwithout (calling|using)\b",
    re.I,
)


def _graded(nb):
    return [c for c in nb.cells if nbs.nbgrader_meta(c).get("grade")]


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_title_states_the_estimated_time(name):
    title = nbs.read(notebook_path(SOLUTIONS, name)).cells[0].source
    found = TIME_LINE.search(title)
    assert found, f"{name}: the title cell needs a line '**Estimated time:** N minutes'"
    assert 15 <= int(found.group(1)) <= 600, f"{name}: an estimate of {found.group(1)} minutes is implausible"
    assert title.index(found.group(0)) < title.lower().index("learning goals"), \
        f"{name}: state the time before the learning goals"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_every_graded_cell_has_a_kind(name):
    for cell in _graded(nbs.read(notebook_path(SOLUTIONS, name))):
        kind = cell.metadata.get("exercise", {}).get("kind")
        assert kind in KINDS, f"{name}: {nbs.grade_id(cell)} has exercise kind {kind!r}; use one of {KINDS}"
        if nbs.is_manual(cell):
            assert kind == "written", f"{name}: {nbs.grade_id(cell)} is graded by hand: its kind is written"


@pytest.mark.parametrize("name", [n for n in ASSIGNMENTS if not n.startswith("00")])
def test_points_follow_thinking(name):
    points = {k: 0.0 for k in KINDS}
    for cell in _graded(nbs.read(notebook_path(SOLUTIONS, name))):
        points[cell.metadata.get("exercise", {}).get("kind", "compute")] += nbs.points(cell)
    total = sum(points.values())
    thinking = sum(points[k] for k in THINKING)
    assert total > 0 and thinking >= total / 2, \
        f"{name}: thinking kinds carry {thinking:g} of {total:g} points; they must carry half"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_rules_stated_in_a_task_are_enforced(name):
    nb = nbs.read(notebook_path(SOLUTIONS, name))
    task = ""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            task = cell.source if not nbs.nbgrader_meta(cell) else task
        elif nbs.is_solution(cell):
            stated = RULE_WORDS.search(task)
            tests = [c for c in nb.cells if nbs.is_graded_test(c)
                     and (nbs.grade_id(c) or "").startswith("test-" + (nbs.grade_id(cell) or "")[3:])]
            if stated and tests:
                assert any("check_rules(" in t.source for t in tests), (
                    f"{name}: the task before {nbs.grade_id(cell)} states a rule ({stated.group(0)!r}) "
                    "that no check_rules in its test cell enforces")
