"""Autograding, the part that runs things: the solution's run, each submission's runs, the stored results.

The trusted side (this module and :mod:`autograder.scoring`, never the sandbox) does three things:

1. :func:`expectations`: runs the instructor's solution notebook in the sandbox in record mode, once per
   :func:`autograder.course.fingerprint` of its folder (cached under grading/cache/), and notes which
   (check, case) records each graded test cell made and with which tolerance, the cells' titles and
   order. The instructor's cells run as :func:`autograder.notebooks.sandbox_sources` rewrites them (no
   ``reference=``, no ``expected=``, no helper only they use), in the solution's run and in every
   student's: nothing in the process that runs student code contains or computes an expected answer.
2. :func:`grade_submission`: rebuilds the student's notebook from the source (only answer cells are the
   student's, see :func:`autograder.course.rebuild`) and runs it in a fresh sandbox; a cell that stops
   the sandbox (time, memory, output, a dead process) is replaced by a stand-in and the notebook run
   again, so the other exercises still count. :func:`autograder.scoring.score_notebook` turns the records
   into the typed result.
3. It writes the graded notebook formgrader shows (grading/autograded/) and then the result, atomically,
   to grading/results/<student>/<assignment>.json, keyed by :func:`result_key` (the submission's files
   and the assignment's fingerprint; not the limits), so a re-run (after a crash or a kill) skips what
   is done and gives the same grades.
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import nbformat

from . import capstone, rules
from . import notebooks as nbs
from .checks import parse_records
from .config import Course
from .course import HIDDEN_DIR, fingerprint, folder_digest, public_source, rebuild
from .gradebook import write_autograded
from .results import RESULT_VERSION, NotebookResult, Result, load_json, load_result, write_json_atomic
from .sandbox import Limits, SandboxUnavailable, run_cells
from .scoring import Outcome, cell_name, score_notebook, zero_notebook

MAX_ATTEMPTS = 5  # runs of one notebook: the first, and one more after each stopped cell or stand-in


class GradingError(RuntimeError):
    """A problem the instructor must fix (a broken solution notebook, a missing assignment)."""


# ---------------------------------------------------------------- the solution's records


def expectations(course: Course, assignment: str, limits: Limits) -> dict:
    """What each autograded test cell of the assignment's notebook expects, from a (cached) run of the
    solution.

    Returns {"hash", "notebook", "tests": {grade_id: {"index", "points", "checks": [[check, case, status,
    value, tolerance], ...]}}, "manual": {grade_id: {"index", "points"}}, "titles": {grade_id: title},
    "grade_ids": [grade id or None, per cell], "problems": [...], "sandbox": {index: source}}. Raises
    GradingError when the solution notebook does not run to the end.
    """
    notebook = course.source_notebook(assignment)
    raw = notebook.read_bytes()
    key = fingerprint(notebook.parent)
    cache = course.cache / assignment / f"{notebook.stem}-{key}.json"
    cached = load_json(cache)
    if cached and cached.get("hash") == key and "sandbox" in cached:
        return cached
    try:
        nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
    except Exception as exc:  # nbformat raises several kinds
        raise GradingError(f"{notebook}: not a readable notebook ({exc}); fix the solution notebook") from exc
    try:
        sandbox = nbs.sandbox_sources(nb)
    except nbs.SandboxRewriteError as exc:
        raise GradingError(f"{notebook}: {exc}") from exc
    grade_ids = [nbs.grade_id(c) for c in nb.cells]
    try:  # the check_rules calls of the test cells, read from the instructor's source (autograder/rules/)
        rule_calls = rules.notebook_rules(nb)
    except rules.RuleError as exc:
        raise GradingError(f"{notebook}: {exc}") from exc
    try:  # the check_accuracy calls, their hidden splits' labels, the CPU budget (autograder/capstone.py)
        accuracy = capstone.notebook_accuracy(nb)
        labels = {call["hidden"]: capstone.load_split(notebook.parent / HIDDEN_DIR, call["hidden"])
                  for call in accuracy.values()}
        budget = capstone.notebook_budget_of(nb)
    except capstone.AccuracySetupError as exc:
        raise GradingError(f"{notebook}: {exc}") from exc
    cpu_budget = {"seconds": budget, "cells": capstone.budget_cells(nb)} if budget else None
    # the solution runs the same stripped test cells as every student, so both record under the same
    # conditions (the same random draws, the same names defined)
    cells = [(i, sandbox.get(i, c.source)) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    solution_limits = dataclasses.replace(
        limits,
        cell_timeout=max(limits.cell_timeout, 300),
        notebook_timeout=max(limits.notebook_timeout, 1200),
    )
    solution_limits = limits_for({"cpu_budget": cpu_budget}, solution_limits)
    # the solution's folder without hidden/ (the sandbox never copies it), then each split's images only
    run = run_cells(cells, [notebook.parent, *hidden_images(notebook.parent, labels)], solution_limits)
    if not run.completed:
        raise GradingError(
            f"{notebook}: the solution notebook did not run to the end ({run.fault}, in "
            f"{cell_name(grade_ids, run.fault_cell)}); run it in JupyterLab and `make test`, fix it, then "
            f"grade again.\nLast output:\n{run.output_tail[-2000:]}"
        )
    raw_records = run.records_text.encode("utf-8")
    tests, manual, problems = {}, {}, rules.solution_problems(nb, rule_calls)
    for index, cell in enumerate(nb.cells):
        gid = nbs.grade_id(cell)
        if nbs.is_manual(cell):
            manual[gid] = {"index": index, "points": nbs.points(cell)}
            continue
        if not nbs.is_graded_test(cell):
            continue
        before, after = run.cell_records.get(index, (0, 0))
        checks = []
        for line in raw_records[before:after].decode("utf-8", "replace").splitlines():
            try:
                row = json.loads(line)
                checks.append(
                    [str(row["check"]), int(row["case"]), row["status"], row["value"], row["tolerance"]]
                )
            except (ValueError, KeyError, TypeError):
                continue
        if gid in accuracy:
            checks, test = _accuracy_test(gid, accuracy[gid], checks, labels, problems)
            tests[gid] = {"index": index, "points": nbs.points(cell), "checks": checks, "accuracy": test}
            continue
        if not checks:
            problems.append(
                f"{gid}: the solution recorded no check in this test cell; every autograded test "
                "cell must call check(...)"
            )
        for name, case, status, value, _ in checks:
            if status != "ok":
                problems.append(f"{gid}: the solution fails its own check {name} case {case + 1}: {value}")
        tests[gid] = {"index": index, "points": nbs.points(cell), "checks": checks}
    data = {"hash": key, "notebook": notebook.name, "tests": tests, "manual": manual,
            "titles": nbs.cell_titles(nb), "grade_ids": grade_ids, "problems": problems,
            "sandbox": {str(i): src for i, src in sandbox.items()}, "rules": rule_calls,
            "hidden": sorted(labels), "cpu_budget": cpu_budget}
    write_json_atomic(cache, data)
    return data


def _accuracy_test(gid: str, call: dict, checks: list, labels: dict, problems: list) -> tuple[list, dict]:
    """A check_accuracy test cell's expectation: the call (name, hidden split, bands), the split's labels
    (trusted side only: they stay in grading/cache), and the solution's own accuracy, which must reach the
    top band."""
    from .checks import decode
    from .scoring import accuracy_of

    want = labels[call["hidden"]]
    test = {**call, "labels": want.tolist(), "solution_accuracy": None}
    rows = [row for row in checks if row[0] == call["name"] and row[1] == 0]
    if not rows:
        problems.append(f"{gid}: the solution recorded no predictions for check_accuracy {call['name']!r}")
    elif rows[0][2] != "ok":
        problems.append(f"{gid}: the solution's predict fails on the hidden split: {rows[0][3]}")
    else:
        try:
            accuracy = accuracy_of(decode(rows[0][3]), want)
        except ValueError as exc:
            problems.append(f"{gid}: the solution's predictions cannot be scored: {exc}")
        else:
            test["solution_accuracy"] = accuracy
            top = call["bands"][0][0]
            if accuracy < top:
                problems.append(f"{gid}: the solution's hidden-test accuracy {accuracy:.3f} is below the top "
                                f"band (≥ {top:.2f}); improve the solution or lower the bands")
    return [row for row in checks if row[0] != call["name"]], test


def hidden_images(folder: Path, splits) -> list[Path]:
    """The files of the assignment's hidden splits that a sandbox gets: the images only."""
    return [Path(folder) / HIDDEN_DIR / capstone.images_file(h) for h in sorted(splits)]


def limits_for(expected: dict, limits: Limits) -> Limits:
    """``limits`` with the notebook's CPU budget (expectations' "cpu_budget"), if it declares one."""
    budget = expected.get("cpu_budget")
    if not budget:
        return limits
    return dataclasses.replace(limits, cpu_budget=float(budget["seconds"]),
                               budget_cells=tuple(int(i) for i in budget["cells"]))


# ---------------------------------------------------------------- one submission


def result_key(course: Course, student: str, assignment: str) -> dict:
    """What a stored result was graded from: the submission's files and the fingerprint of the
    assignment's folder (:func:`autograder.course.fingerprint`: its notebook and data, the grading code,
    Python and library versions). The limits are not in it: a result stays current when only the limits
    change (``grade --force`` regrades with the new ones)."""
    return {
        "submission": folder_digest(course.submitted / student / assignment)[:20],
        "source": fingerprint(course.solutions / assignment),
        "version": RESULT_VERSION,
    }


def result_path(course: Course, student: str, assignment: str) -> Path:
    return course.results / student / f"{assignment}.json"


def current_result(course: Course, student: str, assignment: str) -> Result | None:
    """The stored result when it is for exactly this submission and :func:`result_key`."""
    result = load_result(result_path(course, student, assignment))
    if result is not None and result.key == result_key(course, student, assignment):
        return result
    return None


@dataclasses.dataclass
class Prepared:
    """One submission made ready to run: everything the trusted side decided before any student code
    runs. ``code`` and ``stand_ins`` (cell index -> source) and ``folders`` are all a run needs, here or on
    another machine (autograder/distributed.py); ``zero`` is the result when there is nothing to run."""

    key: dict
    name: str
    source_nb: object
    rebuilt: object = None
    answers: dict = dataclasses.field(default_factory=dict)
    notes: list = dataclasses.field(default_factory=list)
    code: dict = dataclasses.field(default_factory=dict)
    stand_ins: dict = dataclasses.field(default_factory=dict)
    folders: list = dataclasses.field(default_factory=list)
    zero: NotebookResult | None = None
    start: float = dataclasses.field(default_factory=time.monotonic)


def grade_submission(course: Course, student: str, assignment: str, limits: Limits, expected: dict) -> Result:
    """Grade one student's assignment, write its graded notebook and store the result; ``expected``: the
    assignment's :func:`expectations`. Never raises for anything in the submission."""
    prepared = prepare(course, student, assignment, expected)
    outcome = None
    if prepared.zero is None:
        try:
            outcome = run_prepared(prepared.code, prepared.stand_ins, prepared.folders,
                                   limits_for(expected, limits))
        except SandboxUnavailable:
            raise
        except Exception as exc:  # whatever one submission contains ends as its own zero, with the reason
            prepared.zero = _unreadable(prepared.name, exc, expected)
    return finish(course, student, assignment, prepared, outcome, expected)


def prepare(course: Course, student: str, assignment: str, expected: dict) -> Prepared:
    """Read and rebuild the submitted notebook (:func:`autograder.course.rebuild`), and decide what runs:
    the student's answer cells, the instructor's cells as the sandbox sees them, a stand-in per cell."""
    source_path = course.source_notebook(assignment)
    prepared = Prepared(result_key(course, student, assignment), source_path.name, nbs.read(source_path))
    try:
        _prepare_notebook(prepared, course.submitted / student / assignment, expected,
                          course.release / assignment)
        # after the student's files: a submitted file of the same name cannot replace the grader's
        prepared.folders += hidden_images(course.solutions / assignment, expected.get("hidden", ()))
    except Exception as exc:  # whatever one submission contains ends as its own zero, with the reason
        prepared.zero = _unreadable(prepared.name, exc, expected)
    return prepared


def finish(course: Course, student: str, assignment: str, prepared: Prepared, outcome: Outcome | None,
           expected: dict) -> Result:
    """Score the run's ``outcome`` (None when nothing ran), write the graded notebook and the result."""
    graded = prepared.zero
    if graded is None:
        try:
            # the rules are judged here, outside the sandbox, on the rebuilt sources (autograder/rules/)
            verdicts = rules.verdicts(expected.get("rules", {}), prepared.rebuilt)
            graded = score_notebook(expected, outcome, prepared.answers, prepared.notes, verdicts)
            json.dumps(graded.to_json())  # nothing the submission put in the result may stop it being stored
        except Exception as exc:
            graded = _unreadable(prepared.name, exc, expected)
    rebuilt = prepared.rebuilt if prepared.zero is None else None
    if rebuilt is None:  # not graded: formgrader shows the release's stubs
        rebuilt = rebuild(prepared.source_nb, None)[0]
    elapsed = round(time.monotonic() - prepared.start, 2)
    result = Result(student, assignment, prepared.key, {Path(prepared.name).stem: graded}, elapsed)
    result = result.cleaned()
    write_autograded(course, result, rebuilt)
    result.write(result_path(course, student, assignment))
    return result


def _unreadable(name: str, exc: Exception, expected: dict) -> NotebookResult:
    reason = (
        f"{name} could not be graded ({type(exc).__name__}: {str(exc)[:200]}); "
        "the student must re-save it in JupyterLab and resubmit (instructor: report this if "
        "the notebook looks normal)"
    )
    return zero_notebook(expected, reason, "invalid")


def _prepare_notebook(prepared: Prepared, folder: Path, expected: dict, release_folder: Path) -> None:
    name = prepared.name
    path = folder / name
    if not path.is_file() or path.is_symlink():
        found = sorted(p.name for p in folder.glob("*.ipynb")) if folder.is_dir() else []
        reason = (
            f"notebook {name} was not submitted"
            + (f" (found {', '.join(found)}: was it renamed?)" if found else "")
            + f"; the student must submit it as {name}"
        )
        prepared.zero = zero_notebook(expected, reason, "missing")
        return
    try:
        text = path.read_bytes()[: 64 * 2**20].decode("utf-8-sig", "replace")  # a byte-order mark is harmless
        student_nb = nbformat.reads(text, as_version=4)
        if not isinstance(student_nb.get("cells"), list):
            raise ValueError("no list of cells")
    except Exception as exc:  # invalid JSON, wrong structure: nbformat raises many kinds
        reason = (
            f"{name} is not a valid notebook ({type(exc).__name__}: {str(exc)[:200]}); "
            "the student must re-save it in JupyterLab and resubmit"
        )
        prepared.zero = zero_notebook(expected, reason, "invalid")
        return
    rebuilt, answers, notes = rebuild(prepared.source_nb, student_nb)
    prepared.rebuilt, prepared.notes = rebuilt, notes
    prepared.answers = {
        gid: text if len(text) <= 100_000 else text[:100_000] + "\n... (cut)" for gid, text in answers.items()
    }
    instructor = expected["sandbox"]  # the test cells without reference= / expected= (sandbox_sources)
    prepared.code = {
        i: c.source if nbs.is_solution(c) else instructor.get(str(i), "pass")
        for i, c in enumerate(rebuilt.cells)
        if c.cell_type == "code"
    }
    prepared.stand_ins = {
        i: _stand_in(rebuilt.cells[i], prepared.source_nb.cells[i], src) for i, src in prepared.code.items()
    }
    prepared.folders = [release_folder, folder]


def run_prepared(code: dict[int, str], stand_ins: dict[int, str], folders, limits: Limits) -> Outcome:
    """Run the cells; after a cell stops the sandbox, run the notebook again with its stand-in (up to
    MAX_ATTEMPTS runs, all within the notebook's time limit; a stand-in that stops too becomes `pass`)."""
    raw = run_raw(code, stand_ins, folders, limits)
    return Outcome(
        records=parse_records(raw["records_text"]),
        stopped=raw["stopped"],
        final_fault=tuple(raw["final_fault"]) if raw["final_fault"] else None,
        cell_errors=raw["cell_errors"],
    )


def run_raw(code: dict[int, str], stand_ins: dict[int, str], folders, limits: Limits) -> dict:
    """:func:`run_prepared`'s runs, as plain data (what a Dask worker sends back): the last run's record
    text, the stopped cells, the final fault, each cell's error."""
    stopped: dict[int, str] = {}
    emptied: set[int] = set()  # stopped cells whose stand-in stopped too: run as `pass`
    remaining = limits.notebook_timeout
    run = None
    for _ in range(MAX_ATTEMPTS):
        cells = [(i, ("pass" if i in emptied else stand_ins[i]) if i in stopped else src)
                 for i, src in code.items()]
        run = run_cells(cells, folders, dataclasses.replace(limits, notebook_timeout=max(remaining, 1.0)))
        remaining -= run.elapsed
        if run.completed or run.fault_cell not in code or run.fault_cell in emptied or remaining <= 0:
            break
        if run.fault_cell in stopped:
            emptied.add(run.fault_cell)
        else:
            stopped[run.fault_cell] = run.fault
    return {
        "records_text": run.records_text,
        "stopped": stopped,
        "final_fault": None if run.completed else [run.fault, run.fault_cell],
        "cell_errors": dict(run.cell_errors),
    }


def _stand_in(cell, source_cell, source: str) -> str:
    """What runs instead of a stopped cell, so the cells after it run as they would have: an answer cell
    becomes the release's stub (its names still exist, raising NotImplementedError, as for a student who
    left it blank); a test cell evaluates its checks' arguments (the same random draws) without calling
    the student's code; any other cell is skipped."""
    if nbs.is_solution(cell):
        return public_source(source_cell)
    if nbs.is_graded_test(cell):
        return nbs.skip_checks(source)
    return "pass"
