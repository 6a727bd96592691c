"""Autograding: rebuild each submission from the source, run it sandboxed, compare records outside.

The trusted side (this module, never the sandbox) does three things:

1. :func:`expectations`: runs the instructor's solution notebook in the sandbox in record mode, once per
   version of the notebook (cached under grading/cache/, keyed by the notebook's hash), and notes which
   (check, case) records each graded test cell made and with which tolerance. The instructor's cells run
   as :func:`autograder.notebooks.sandbox_sources` rewrites them (no ``reference=``, no ``expected=``,
   no helper only they use), in the solution's run and in every student's: nothing in the process that
   runs student code contains or computes an expected answer.
2. :func:`grade_submission`: rebuilds the student's notebook from the source (only answer cells are the
   student's, see :func:`autograder.notebooks.rebuild`), runs it in a fresh sandbox, and scores every
   autograded test cell all-or-nothing: it passes iff every (check, case) the solution recorded in that
   cell has a student record that :func:`autograder.checks.compare` accepts with the solution's
   tolerance. A cell that stops the sandbox (time, memory, output, a dead process) scores zero with the
   reason, and the notebook is run again without that cell so the other exercises still count.
3. The result is written atomically to grading/results/<student>/<assignment>.json, keyed by the hashes
   of the submission, the source notebooks, the grader and the limits, so a re-run (after a crash or a
   kill) skips what is done and gives the same grades.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
import time
from pathlib import Path

import nbformat

from . import notebooks as nbs
from . import rules
from .checks import compare, decode, parse_records
from .config import Course
from .sandbox import Limits, SandboxUnavailable, run_cells

RESULT_VERSION = 2
MAX_ATTEMPTS = 5  # runs of one notebook: the first, and one more after each stopped cell or stand-in
_HERE = Path(__file__).resolve().parent


class GradingError(RuntimeError):
    """A problem the instructor must fix (a broken solution notebook, a missing assignment)."""


def _sha(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


# Libraries whose version can change what a solution or a student's code returns.
GRADE_LIBRARIES = ("numpy", "torch", "tensorflow", "tensorflow-cpu", "keras", "scipy", "scikit-learn",
                   "mlxtend", "nbformat", "ipython")


def grader_hash() -> str:
    """Changes when anything that can change a grade changes: the grading code (every file of
    autograder/), the framework the notebooks import (every file of tinygrad_ref/), the Python version
    and the installed versions of the numerical libraries. (The solution notebook and its folder's data
    are in the expectations key; the submission in the result key.)"""
    import sys
    from importlib import metadata

    parts = []
    for package in (_HERE, _HERE.parent / "tinygrad_ref"):
        for path in sorted(package.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                parts.append(str(path.relative_to(_HERE.parent)).encode() + b"\0" + path.read_bytes())
    versions = [sys.version]
    for name in GRADE_LIBRARIES:
        try:
            versions.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} absent")
    parts.append("\n".join(versions).encode())
    return _sha(*parts)[:16]


def write_json_atomic(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load_json(path: Path):
    """The JSON in ``path``, with any lone surrogate replaced (see :func:`clean`); None when unreadable
    (missing, invalid, nested too deep)."""
    try:
        with open(path, encoding="utf-8") as f:
            return clean(json.load(f))
    except (OSError, ValueError, RecursionError):
        return None


def clean(data):
    """``data`` with every string made encodable as UTF-8: a lone UTF-16 surrogate (which JSON can carry
    as an escape, and a student's exception message or answer cell can contain) becomes "?". Every
    result passes through this before it is stored, so no writer downstream (notebook, HTML, CSV,
    gradebook) can fail on it."""
    if isinstance(data, str):
        try:
            data.encode("utf-8")
            return data
        except UnicodeEncodeError:
            return data.encode("utf-8", "replace").decode("utf-8")
    if isinstance(data, dict):
        return {clean(k): clean(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [clean(v) for v in data]
    return data


# ---------------------------------------------------------------- the solution's records


def expectations(course: Course, assignment: str, notebook: Path, limits: Limits) -> dict:
    """What each autograded test cell of ``notebook`` expects, from a (cached) run of the solution.

    Returns {"hash", "tests": {grade_id: {"index", "points", "checks": [[check, case, status, value,
    tolerance], ...]}}, "manual": {grade_id: points}, "problems": [...]}. Raises GradingError when the
    solution notebook does not run to the end.
    """
    raw = notebook.read_bytes()
    data_files = [
        p
        for p in sorted(notebook.parent.rglob("*"))
        if p.is_file()
        and p.suffix != ".ipynb"
        and ".ipynb_checkpoints" not in p.parts
        and "__pycache__" not in p.parts
    ]
    key = _sha(
        raw,
        grader_hash().encode(),
        *(str(p.relative_to(notebook.parent)).encode() + p.read_bytes() for p in data_files),
    )[:20]
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
    # --- rules (autograder/rules.py): the check_rules calls of the test cells, read from the source
    try:
        rule_calls = rules.notebook_rules(nb)
    except rules.RuleError as exc:
        raise GradingError(f"{notebook}: {exc}") from exc
    # --- end rules
    # the solution runs the same stripped test cells as every student, so both record under the same
    # conditions (the same random draws, the same names defined)
    cells = [(i, sandbox.get(i, c.source)) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    solution_limits = dataclasses.replace(
        limits,
        cell_timeout=max(limits.cell_timeout, 300),
        notebook_timeout=max(limits.notebook_timeout, 1200),
    )
    run = run_cells(cells, notebook.parent, solution_limits, exclude_notebooks=True)
    if not run.completed:
        where = _cell_name(nb, run.fault_cell)
        raise GradingError(
            f"{notebook}: the solution notebook did not run to the end ({run.fault}, in {where}); "
            f"run it in JupyterLab and `make test`, fix it, then grade again.\n"
            f"Last output:\n{run.output_tail[-2000:]}"
        )
    raw_records = run.records_text.encode("utf-8")
    tests, manual, problems = {}, {}, rules.solution_problems(nb, rule_calls)
    for index, cell in enumerate(nb.cells):
        gid = nbs.grade_id(cell)
        if nbs.is_manual(cell):
            manual[gid] = nbs.points(cell)
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
        if not checks:
            problems.append(
                f"{gid}: the solution recorded no check in this test cell; every autograded test "
                "cell must call check(...)"
            )
        for name, case, status, value, _ in checks:
            if status != "ok":
                problems.append(f"{gid}: the solution fails its own check {name} case {case + 1}: {value}")
        tests[gid] = {"index": index, "points": nbs.points(cell), "checks": checks}
    data = {"hash": key, "notebook": notebook.name, "tests": tests, "manual": manual, "problems": problems,
            "sandbox": {str(i): src for i, src in sandbox.items()}, "rules": rule_calls}
    write_json_atomic(cache, data)
    return data


def _cell_name(nb, index) -> str:
    if index is None or not 0 <= index < len(nb.cells):
        return "an unknown cell"
    gid = nbs.grade_id(nb.cells[index])
    return f"cell {index + 1}" + (f" ({gid})" if gid else "")


# ---------------------------------------------------------------- one submission


def submission_hash(folder: Path) -> str:
    parts = []
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.is_symlink() and "/." not in "/" + str(path.relative_to(folder)):
                parts += [str(path.relative_to(folder)).encode(), path.read_bytes()]
    return _sha(*parts)[:20]


def result_key(course: Course, student: str, assignment: str, limits: Limits) -> dict:
    sources = [p.read_bytes() for p in course.source_notebooks(assignment)]
    return {
        "submission": submission_hash(course.submitted / student / assignment),
        "source": _sha(*sources)[:20],
        "grader": grader_hash(),
        "version": RESULT_VERSION,
    }


def result_path(course: Course, student: str, assignment: str) -> Path:
    return course.results / student / f"{assignment}.json"


def current_result(course: Course, student: str, assignment: str, limits: Limits) -> dict | None:
    """The stored result when it is for exactly this submission, source notebooks and grader version
    (changing only the limits does not regrade; use ``grade --force``)."""
    result = load_json(result_path(course, student, assignment))
    if isinstance(result, dict) and result.get("key") == result_key(course, student, assignment, limits):
        return result
    return None


def grade_submission(
    course: Course, student: str, assignment: str, limits: Limits, expected: dict[str, dict]
) -> dict:
    """Grade one student's assignment and store the result; ``expected`` maps notebook name to
    :func:`expectations`. Never raises for anything in the submission."""
    start = time.monotonic()
    key = result_key(course, student, assignment, limits)
    folder = course.submitted / student / assignment
    result = {"student": student, "assignment": assignment, "key": key, "notebooks": {}}
    for source_path in course.source_notebooks(assignment):
        exp = expected[source_path.name]
        try:
            graded = _grade_notebook(source_path, folder, limits, exp, course.release / assignment)
            json.dumps(graded)  # nothing the submission put in the result may stop it being stored
        except SandboxUnavailable:
            raise
        except Exception as exc:  # whatever one submission contains ends as its own zero, with the reason
            reason = (
                f"{source_path.name} could not be graded ({type(exc).__name__}: {str(exc)[:200]}); "
                "the student must re-save it in JupyterLab and resubmit (instructor: report this if "
                "the notebook looks normal)"
            )
            graded = _zero_all(exp, reason, "invalid")
        result["notebooks"][source_path.stem] = graded
    cells = [c for nb in result["notebooks"].values() for c in nb["cells"].values()]
    result["score"] = sum(c["score"] or 0 for c in cells)
    result["max_score"] = sum(c["points"] for c in cells)
    result["auto_score"] = sum(c["score"] or 0 for c in cells if c["kind"] == "auto")
    result["seconds"] = round(time.monotonic() - start, 2)
    result = clean(result)
    write_json_atomic(result_path(course, student, assignment), result)
    return result


def _zero_all(expected: dict, reason: str, status: str) -> dict:
    cells = {
        gid: {
            "kind": "auto",
            "points": t["points"],
            "score": 0.0,
            "passed": False,
            "reports": [],
            "reason": reason,
            "index": t["index"],
        }
        for gid, t in expected["tests"].items()
    }
    for gid, pts in expected["manual"].items():
        cells[gid] = {
            "kind": "manual",
            "points": pts,
            "score": 0.0,
            "passed": False,
            "reports": [],
            "reason": reason,
            "index": None,
        }
    return {"status": status, "reason": reason, "cells": cells, "answers": {}, "faults": [], "notes": []}


def _grade_notebook(
    source_path: Path, folder: Path, limits: Limits, expected: dict, release_folder: Path
) -> dict:
    path = folder / source_path.name
    if not path.is_file() or path.is_symlink():
        found = sorted(p.name for p in folder.glob("*.ipynb")) if folder.is_dir() else []
        reason = (
            f"notebook {source_path.name} was not submitted"
            + (f" (found {', '.join(found)}: was it renamed?)" if found else "")
            + f"; the student must submit it as {source_path.name}"
        )
        return _zero_all(expected, reason, "missing")
    try:
        text = path.read_bytes()[: 64 * 2**20].decode("utf-8-sig", "replace")  # a byte-order mark is harmless
        student_nb = nbformat.reads(text, as_version=4)
        if not isinstance(student_nb.get("cells"), list):
            raise ValueError("no list of cells")
    except Exception as exc:  # invalid JSON, wrong structure: nbformat raises many kinds
        reason = (
            f"{source_path.name} is not a valid notebook ({type(exc).__name__}: {str(exc)[:200]}); "
            "the student must re-save it in JupyterLab and resubmit"
        )
        return _zero_all(expected, reason, "invalid")
    source_nb = nbs.read(source_path)
    rebuilt, answers, notes = nbs.rebuild(source_nb, student_nb)
    answers = {
        gid: text if len(text) <= 100_000 else text[:100_000] + "\n... (cut)" for gid, text in answers.items()
    }
    instructor = expected["sandbox"]  # the test cells without reference= / expected= (sandbox_sources)
    code = {
        i: c.source if nbs.is_solution(c) else instructor.get(str(i), "pass")
        for i, c in enumerate(rebuilt.cells)
        if c.cell_type == "code"
    }

    stopped: dict[int, str] = {}
    emptied: set[int] = set()  # stopped cells whose stand-in stopped too: run as `pass`
    remaining = limits.notebook_timeout
    run = None
    for _ in range(MAX_ATTEMPTS):
        cells = [
            (i, _stand_in(rebuilt.cells[i], source_nb.cells[i], src, i in emptied) if i in stopped else src)
            for i, src in code.items()
        ]
        run = run_cells(
            cells,
            [release_folder, folder],
            dataclasses.replace(limits, notebook_timeout=max(remaining, 1.0)),
            exclude_notebooks=True,
        )
        remaining -= run.elapsed
        if run.completed or run.fault_cell not in code or run.fault_cell in emptied or remaining <= 0:
            break
        if run.fault_cell in stopped:
            emptied.add(run.fault_cell)
        else:
            stopped[run.fault_cell] = run.fault
    final_fault = None if run.completed else (run.fault, run.fault_cell)
    records = parse_records(run.records_text)

    cells_out = {}
    for gid, test in expected["tests"].items():
        cells_out[gid] = _score_test(gid, test, records, rebuilt, stopped, final_fault, run.cell_errors)
    rules.enforce(cells_out, expected.get("rules", {}), rebuilt)  # a broken rule scores its test cell 0
    for gid, pts in expected["manual"].items():
        cells_out[gid] = {
            "kind": "manual",
            "points": pts,
            "score": None,
            "passed": None,
            "reports": [],
            "reason": None,
            "index": None,
        }
    faults = [{"cell": _cell_name(rebuilt, i), "reason": r} for i, r in sorted(stopped.items())]
    if final_fault:
        faults.append({"cell": _cell_name(rebuilt, final_fault[1]), "reason": final_fault[0]})
    return {
        "status": "graded",
        "reason": None,
        "cells": cells_out,
        "answers": answers,
        "faults": faults,
        "notes": notes,
    }


def _stand_in(cell, source_cell, source: str, empty: bool) -> str:
    """What runs instead of a stopped cell, so the cells after it run as they would have: an answer cell
    becomes the release's stub (its names still exist, raising NotImplementedError, as for a student who
    left it blank); a test cell evaluates its checks' arguments (the same random draws) without calling
    the student's code; any other cell, or a stand-in that was stopped too, is skipped."""
    if empty:
        return "pass"
    if nbs.is_solution(cell):
        return nbs.answer_stub(source_cell)
    if nbs.is_graded_test(cell):
        return nbs.skip_checks(source)
    return "pass"


def _score_test(gid, test, records, rebuilt, stopped, final_fault, cell_errors) -> dict:
    index = test["index"]
    reports, first_problem = [], None
    by_check: dict[str, list] = {}
    for row in test["checks"]:
        by_check.setdefault(row[0], []).append(row)
    for name, rows in by_check.items():
        hidden = name.endswith("_hidden")
        failed = []
        for _, case, status, value, tolerance in rows:
            problem = _case_problem(name, case, status, value, tolerance, records, hidden)
            if problem:
                failed.append(f"case {case + 1} of {len(rows)}: {problem}")
        if failed:
            reports.append(
                f"✗ {name}: {len(failed)} of {len(rows)} case(s) failed\n    " + "\n    ".join(failed)
            )
            first_problem = first_problem or f"{name}, {failed[0]}"
        else:
            reports.append(f"✓ {name}: {len(rows)} case(s) passed")
    passed = first_problem is None and bool(test["checks"])
    reason = None
    if not passed:
        if index in stopped:
            reason = f"this test cell was stopped: {stopped[index]}"
        elif not test["checks"]:
            reason = "the solution records no check in this cell (instructor: fix the notebook)"
        elif all((r[0], r[1]) not in records for r in test["checks"]):
            reason = "the test cell's checks did not run"
            if final_fault and (final_fault[1] is None or final_fault[1] <= index):
                reason += (
                    f": the notebook stopped before this cell ({final_fault[0]}, in "
                    f"{_cell_name(rebuilt, final_fault[1])})"
                )
            elif index in cell_errors:
                reason += f": {cell_errors[index][:300]}"
        else:
            reason = first_problem
        stopped_answers = [
            f"{_cell_name(rebuilt, i)} was stopped: {r}" for i, r in stopped.items() if i < index
        ]
        if stopped_answers and "stopped" not in reason:
            reason += " (" + "; ".join(stopped_answers) + ")"
    return {
        "kind": "auto",
        "points": test["points"],
        "score": test["points"] if passed else 0.0,
        "passed": passed,
        "reports": reports,
        "reason": reason,
        "index": index,
    }


def _case_problem(name, case, status, value, tolerance, records, hidden) -> str | None:
    if status != "ok":
        return f"the solution itself fails this case ({value}); instructor: fix the notebook"
    got = records.get((name, case))
    if got is None:
        return "not run (the check was not reached)"
    got_status, got_value, _ = got
    if got_status != "ok":
        return str(got_value)[:300] if not hidden else _hidden_error(str(got_value))
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


def _hidden_error(message: str) -> str:
    if message.startswith("not implemented yet"):
        return "not implemented yet"
    kind = message.split(":")[0][:60]
    return f"your code raised {kind} on a hidden case" if kind else "error on a hidden case"
