"""The typed result (autograder/results.py) and pure scoring (autograder/scoring.py), without a sandbox."""

from __future__ import annotations

import json

import numpy as np

from autograder.checks import encode
from autograder.results import Result, load_result, write_json_atomic
from autograder.scoring import Outcome, score_notebook, zero_notebook

TOLERANCE = {"atol": 1e-6, "rtol": 1e-5, "check_dtype": False}
EXPECTED = {
    "tests": {
        "test-square": {"index": 3, "points": 2.0, "checks": [
            ["square", 0, "ok", encode(np.array([1.0, 4.0])), TOLERANCE],
            ["square_hidden", 0, "ok", encode(np.array([9.0])), TOLERANCE],
        ]},
        "test-add": {"index": 1, "points": 1.0, "checks": [["add", 0, "ok", encode(3), TOLERANCE]]},
    },
    "manual": {"written-why": {"index": 5, "points": 1.0}},
    "titles": {"test-square": "Exercise: square", "test-add": "Exercise: add", "written-why": "Why"},
    "grade_ids": [None, "test-add", "ex-square", "test-square", None, "written-why"],
}


def test_scoring_passes_fails_and_words_hidden_cases():
    records = {("square", 0): ("ok", np.array([1.0, 4.0]), TOLERANCE),
               ("square_hidden", 0): ("ok", np.array([8.0]), TOLERANCE),
               ("add", 0): ("ok", 3, TOLERANCE)}
    nb = score_notebook(EXPECTED, Outcome(records), {"ex-square": "..."}, [])
    add, square, why = nb.cells["test-add"], nb.cells["test-square"], nb.cells["written-why"]
    assert (add.score, add.passed, add.reason) == (1.0, True, None)
    assert square.score == 0.0
    assert square.reason == "square_hidden, case 1 of 1: wrong answer on a hidden case"
    assert "8" not in square.reason and "9" not in " ".join(square.reports)
    assert (why.kind, why.score, why.index, why.title) == ("manual", None, 5, "Why")
    assert [gid for gid, _ in nb.in_order()] == ["test-add", "test-square", "written-why"]
    assert [c.title for _, c in nb.in_order()] == ["Exercise: add", "Exercise: square", "Why"]


def test_a_broken_rule_scores_the_test_cell_zero_with_its_reason():
    records = {("add", 0): ("ok", 3, TOLERANCE)}
    nb = score_notebook(EXPECTED, Outcome(records), {}, [],
                        rule_breaks={"test-add": ["no loops: `for` on line 2"]})
    add = nb.cells["test-add"]
    assert add.score == 0.0 and add.passed is False
    assert add.reason == "rule broken: no loops: `for` on line 2"
    assert "✗ rule broken: no loops: `for` on line 2" in add.reports


def test_a_stopped_cell_is_charged_and_named():
    outcome = Outcome({}, stopped={2: "ran past the 6 s time limit"}, final_fault=None)
    nb = score_notebook(EXPECTED, outcome, {}, [])
    assert [(f.cell, f.reason) for f in nb.faults] == [("cell 3 (ex-square)", "ran past the 6 s time limit")]
    assert "cell 3 (ex-square) was stopped" in nb.cells["test-square"].reason


def test_a_result_reads_and_writes_the_same_json(tmp_path):
    nb = zero_notebook(EXPECTED, "notebook 01.ipynb was not submitted", "missing")
    result = Result("alice", "01-basics", {"submission": "ab", "source": "cd", "version": 3}, {"01": nb}, 1.5)
    path = tmp_path / "alice" / "01-basics.json"
    result.write(path)
    text = path.read_text(encoding="utf-8")
    data = json.loads(text)
    assert (data["score"], data["max_score"], data["auto_score"]) == (0.0, 4.0, 0.0)
    again = load_result(path)
    assert again == result
    write_json_atomic(tmp_path / "again.json", again.to_json())
    assert (tmp_path / "again.json").read_text(encoding="utf-8") == text


def test_a_damaged_result_is_none_and_a_surrogate_is_replaced(tmp_path):
    path = tmp_path / "r.json"
    path.write_text('{"student": 1, "notebooks": []}')
    assert load_result(path) is None
    nb = zero_notebook(EXPECTED, "bad \ud800", "invalid")
    Result("bob", "01", {}, {"01": nb}).write(path)
    assert load_result(path).notebooks["01"].reason == "bad ?"
