"""Scoring: the solution's expected records and what one submission's run recorded, in; a typed result
out. Pure: no files, no processes, no clock (grading.py runs things and calls this).

A test cell is scored all-or-nothing: it passes iff every (check, case) the solution recorded in that
cell has a student record that :func:`autograder.checks.compare` accepts with the solution's tolerance,
and no rule of the cell is broken. Every zero carries its reason in words; hidden cases say only what
kind of thing went wrong.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .checks import compare, decode
from .results import CellResult, Fault, NotebookResult


@dataclass
class Outcome:
    """What the sandbox runs of one notebook left: the records of the last run (``checks.parse_records``),
    the cells stopped in earlier runs (they ran as stand-ins afterwards) with the reason, the fault that
    ended the last run if it did not complete, as (reason, cell index), and the error each cell raised
    (words only: the code inside can write these)."""

    records: Mapping[tuple[str, int], tuple]
    stopped: Mapping[int, str] = field(default_factory=dict)
    final_fault: tuple[str, int | None] | None = None
    cell_errors: Mapping[int, str] = field(default_factory=dict)


def cell_name(grade_ids: Sequence[str | None], index: int | None) -> str:
    """A cell in words, "cell 5 (test-square)", from the grade ids of the notebook's cells."""
    if index is None or not 0 <= index < len(grade_ids):
        return "an unknown cell"
    gid = grade_ids[index]
    return f"cell {index + 1}" + (f" ({gid})" if gid else "")


def score_notebook(
    expected: dict,
    outcome: Outcome,
    answers: dict[str, str],
    notes: list[str],
    rules: Mapping[str, Sequence[tuple[str, str | None]]] | None = None,
) -> NotebookResult:
    """The graded notebook. ``expected``: grading.expectations (tests, manual cells, titles, grade ids);
    ``rules``: {test cell grade id: [(report, reason), ...]}, one per rule set of that cell
    (:func:`autograder.rules.verdicts`); a reason (a broken rule in words) scores that cell 0."""
    rules = rules or {}
    grade_ids = expected["grade_ids"]
    cells = {
        gid: score_test(test, outcome, grade_ids, expected["titles"].get(gid, gid), rules.get(gid, ()))
        for gid, test in expected["tests"].items()
    }
    for gid, manual in expected["manual"].items():
        cells[gid] = CellResult(
            kind="manual", points=manual["points"], score=None, passed=None, reports=[], reason=None,
            index=manual["index"], title=expected["titles"].get(gid, gid),
        )
    faults = [Fault(cell_name(grade_ids, i), r) for i, r in sorted(outcome.stopped.items())]
    if outcome.final_fault:
        reason, index = outcome.final_fault
        faults.append(Fault(cell_name(grade_ids, index), reason))
    return NotebookResult(
        status="graded", reason=None, cells=cells, answers=answers, faults=faults, notes=notes
    )


def zero_notebook(expected: dict, reason: str, status: str) -> NotebookResult:
    """A notebook that could not be graded ("missing", "invalid"): every cell 0 with ``reason``."""
    cells = {
        gid: CellResult(
            kind="auto", points=test["points"], score=0.0, passed=False, reports=[], reason=reason,
            index=test["index"], title=expected["titles"].get(gid, gid),
        )
        for gid, test in expected["tests"].items()
    }
    for gid, manual in expected["manual"].items():
        cells[gid] = CellResult(
            kind="manual", points=manual["points"], score=0.0, passed=False, reports=[], reason=reason,
            index=manual["index"], title=expected["titles"].get(gid, gid),
        )
    return NotebookResult(status=status, reason=reason, cells=cells)


def score_test(
    test: dict, outcome: Outcome, grade_ids: Sequence[str | None], title: str,
    rules: Sequence[tuple[str, str | None]] = (),
) -> CellResult:
    """One autograded test cell. ``test``: {"index", "points", "checks": [[check, case, status, value,
    tolerance], ...]} as the solution recorded them."""
    if test.get("accuracy"):
        return score_accuracy(test, outcome, grade_ids, title, rules)
    index, records, stopped = test["index"], outcome.records, outcome.stopped
    reports, first_problem = [], None
    by_check: dict[str, list] = {}
    for row in test["checks"]:
        by_check.setdefault(row[0], []).append(row)
    for name, rows in by_check.items():
        hidden = name.endswith("_hidden")
        failed = []
        for _, case, status, value, tolerance in rows:
            problem = case_problem(name, case, status, value, tolerance, records, hidden)
            if problem:
                failed.append(f"case {case + 1} of {len(rows)}: {problem}")
        if failed:
            reports.append(
                f"✗ {name}: {len(failed)} of {len(rows)} case(s) failed\n    " + "\n    ".join(failed)
            )
            first_problem = first_problem or f"{name}, {failed[0]}"
        else:
            reports.append(f"✓ {name}: {len(rows)} case(s) passed")
    reports += [report for report, _ in rules]
    rule_breaks = [reason for _, reason in rules if reason]
    passed = first_problem is None and bool(test["checks"]) and not rule_breaks
    reason = None
    if not passed:
        final_fault = outcome.final_fault
        if index in stopped:
            reason = f"this test cell was stopped: {stopped[index]}"
        elif not test["checks"]:
            reason = "the solution records no check in this cell (instructor: fix the notebook)"
        elif all((r[0], r[1]) not in records for r in test["checks"]):
            reason = "the test cell's checks did not run"
            if final_fault and (final_fault[1] is None or final_fault[1] <= index):
                reason += (
                    f": the notebook stopped before this cell ({final_fault[0]}, in "
                    f"{cell_name(grade_ids, final_fault[1])})"
                )
            elif index in outcome.cell_errors:
                reason += f": {outcome.cell_errors[index][:300]}"
        else:
            reason = first_problem
        # a broken rule first: it stands whatever the values did
        reason = "; ".join([*rule_breaks, *([reason] if reason else [])])
        stopped_answers = [
            f"{cell_name(grade_ids, i)} was stopped: {r}" for i, r in stopped.items() if i < index
        ]
        if stopped_answers and "stopped" not in reason:
            reason += " (" + "; ".join(stopped_answers) + ")"
    return CellResult(
        kind="auto", points=test["points"], score=test["points"] if passed else 0.0, passed=passed,
        reports=reports, reason=reason, index=index, title=title,
    )


def case_problem(name, case, status, value, tolerance, records, hidden) -> str | None:
    """What is wrong with the student's record of one (check, case), in words; None when it matches."""
    if status != "ok":
        return f"the solution itself fails this case ({value}); instructor: fix the notebook"
    got = records.get((name, case))
    if got is None:
        return "not run (the check was not reached)"
    got_status, got_value, _ = got
    if got_status != "ok":
        return str(got_value)[:300] if not hidden else hidden_error(str(got_value))
    try:
        want = decode(value)
    except ValueError:
        return "the solution's record is unreadable; instructor: grade again"
    mismatch = compare(
        want, got_value, atol=tolerance["atol"], rtol=tolerance["rtol"], check_dtype=tolerance["check_dtype"]
    )
    if mismatch is None:
        return None
    if hidden:
        return "wrong answer on a hidden case" + (
            f" ({mismatch.message.split(':')[0]})" if mismatch.message.startswith(("shape", "dtype")) else ""
        )
    return str(mismatch)[:500]


def hidden_error(message: str) -> str:
    """An error on a hidden case, in words that do not reveal the case."""
    if message.startswith("not implemented yet"):
        return "not implemented yet"
    kind = message.split(":")[0][:60]
    return f"your code raised {kind} on a hidden case" if kind else "error on a hidden case"


# ---------------------------------------------------------------- accuracy on a hidden split


def accuracy_of(predictions, labels) -> float:
    """mean(predictions == labels); ValueError naming what is wrong when the predictions are not one
    integer label per hidden image."""
    want = np.asarray(labels)
    if not isinstance(predictions, np.ndarray):
        raise ValueError(f"the predictions are {type(predictions).__name__}, not an array of integer labels")
    if predictions.dtype.kind not in "iu":
        raise ValueError(f"the predictions have dtype {predictions.dtype}; integer class labels are wanted")
    if predictions.shape != want.shape:
        raise ValueError(f"{predictions.shape} predictions for {want.shape[0]} hidden test images")
    return float(np.mean(predictions == want))


def score_accuracy(
    test: dict, outcome: Outcome, grade_ids: Sequence[str | None], title: str,
    rules: Sequence[tuple[str, str | None]] = (),
) -> CellResult:
    """A test cell graded by check_accuracy (autograder/capstone.py): the student's recorded predictions
    against the hidden split's labels (``test["accuracy"]``: name, bands, labels); the highest band
    reached gives points × its fraction, below every band 0. The reason states the accuracy and band."""
    spec, index, points = test["accuracy"], test["index"], test["points"]
    bands = [(float(a), float(f)) for a, f in spec["bands"]]
    labels = np.asarray(spec["labels"], dtype=np.int64)
    got = outcome.records.get((spec["name"], 0))
    rule_breaks = [reason for _, reason in rules if reason]
    accuracy, fraction, problem, metric = None, 0.0, None, None
    if index in outcome.stopped:
        problem = f"this test cell was stopped: {outcome.stopped[index]}"
    elif got is None:
        problem = "the test cell's check did not run"
        final_fault = outcome.final_fault
        if final_fault and (final_fault[1] is None or final_fault[1] <= index):
            problem += (f": the notebook stopped before this cell ({final_fault[0]}, in "
                        f"{cell_name(grade_ids, final_fault[1])})")
        elif index in outcome.cell_errors:
            problem += f": {outcome.cell_errors[index][:300]}"
    elif got[0] != "ok":
        problem = str(got[1])[:400]
    else:
        try:
            accuracy = accuracy_of(got[1], labels)
        except ValueError as exc:
            problem = f"the predictions cannot be scored: {exc}"
    if accuracy is not None:
        band = next(((a, f) for a, f in bands if accuracy >= a), None)
        metric = {"accuracy": accuracy, "n": int(labels.size), "band": band[0] if band else None,
                  "fraction": band[1] if band else 0.0, "bands": [list(b) for b in bands]}
        if band:
            fraction = band[1]
            summary = (f"hidden-test accuracy {accuracy:.3f}: band ≥ {band[0]:.2f} gives "
                       f"{band[1] * 100:g} % of the points")
        else:
            summary = (f"hidden-test accuracy {accuracy:.3f}: below the lowest band (≥ {bands[-1][0]:.2f}), "
                       "0 points")
    else:
        summary = f"no hidden-test accuracy: {problem}"
        stopped_answers = [f"{cell_name(grade_ids, i)} was stopped: {r}"
                           for i, r in outcome.stopped.items() if i < index]
        if stopped_answers and "stopped" not in summary:
            summary += " (" + "; ".join(stopped_answers) + ")"
    if rule_breaks:
        fraction = 0.0
    score = points * fraction
    reports = [("✓ " if fraction else "✗ ") + f"{spec['name']}: {summary}", *(r for r, _ in rules)]
    reason = "; ".join([*rule_breaks, summary])  # always: the accuracy and band explain any score
    return CellResult(
        kind="auto", points=points, score=score, passed=fraction == 1.0, reports=reports, reason=reason,
        index=index, title=title, metric=metric,
    )
