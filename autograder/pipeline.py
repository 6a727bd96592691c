"""`grade`: autograde chosen students and assignments with N worker processes.

Workers run sandboxes and write one result file each (atomically); the main process alone writes the
gradebook, one result at a time, as results arrive. Results that are current (the same submission and the same
fingerprint of the assignment, see grading.result_key; the limits are not part of it) are reused, so a run
that was killed resumes where it stopped and ends with the same grades; `grade --force` regrades.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path

from .config import Course
from .gradebook import ensure_assignment, open_gradebook, write_result
from .grading import GradingError, current_result, expectations, grade_submission
from .results import Result
from .sandbox import Limits, check_available, sandbox_notes


def select(
    course: Course, students: list[str] | None, assignments: list[str] | None
) -> list[tuple[str, str]]:
    """The (student, assignment) pairs to grade; UnknownAssignment or GradingError names what is unknown
    and what to do."""
    names = assignments or course.assignments()
    course.require(names)
    everyone = course.students()
    chosen = students or everyone
    missing = [s for s in chosen if s not in everyone]
    if missing:
        raise GradingError(
            f"no submissions from {', '.join(missing)} in {course.submitted}; "
            "import them with `python -m autograder collect FOLDER_OR_ZIP` first"
        )
    return [(s, a) for s in chosen for a in names if (course.submitted / s / a).is_dir()]


def clean_stale_jobs() -> None:
    """Remove job and zygote folders left by graders that were killed (their process no longer exists)."""
    temp = Path(tempfile.gettempdir())
    for path in [*temp.glob("autograder-job-*"), *temp.glob("autograder-zygote-*")]:
        try:
            pid = int(path.name.split("-")[2])
        except (IndexError, ValueError):
            continue
        if not os.path.exists(f"/proc/{pid}"):
            shutil.rmtree(path, ignore_errors=True)


def log(message: str) -> None:
    print(message, file=sys.stderr)


def grade(
    course: Course,
    students: list[str] | None = None,
    assignments: list[str] | None = None,
    workers: int = 2,
    limits: Limits | None = None,
    progress: bool = True,
    force: bool = False,
    scheduler: str | None = None,
) -> dict:
    """Grade, write the gradebook, log warnings and errors to stderr, and return a summary: {"graded",
    "reused", "results": [Result, ...], "problems": [...], "failures": [...], "seconds"}. With
    ``scheduler`` (a Dask scheduler's address) the sandboxed runs go to that cluster's workers
    (autograder/distributed.py) instead of ``workers`` local processes."""
    limits = limits or Limits()
    client, cluster = None, None
    if scheduler:
        from .distributed import connect, usable_workers

        # before anything is written: an unreachable cluster, or one without this code, changes nothing
        client = connect(scheduler)
        try:
            cluster = (client, usable_workers(client, log))
        except Exception:
            client.close()
            raise
    try:
        return _grade(course, students, assignments, workers, limits, progress, force, cluster)
    finally:
        if client is not None:
            client.close()


def _grade(course, students, assignments, workers, limits, progress, force, cluster) -> dict:
    check_available()
    for note in sandbox_notes():
        log(f"warning: {note}")
    clean_stale_jobs()
    jobs = select(course, students, assignments)
    names = sorted({a for _, a in jobs})
    expected, problems = {}, []
    for assignment in names:
        ensure_assignment(course, assignment)
        expected[assignment] = expectations(course, assignment, limits)
        path = course.source_notebook(assignment)
        problems += [f"{path}: {p}" for p in expected[assignment]["problems"]]
    for problem in problems:
        log(f"warning: {problem}")

    results, todo = [], []
    for student, assignment in jobs:
        done = None if force else current_result(course, student, assignment)
        if done is None:
            todo.append((student, assignment))
        else:
            results.append(done)
    reused = len(results)
    failures: list[str] = []
    with open_gradebook(course) as gb:
        for done in results:
            _store(course, done, gb, failures)  # idempotent: a killed run may have stopped before this
    start = time.monotonic()
    if cluster is not None:
        from .distributed import grade_on_cluster

        with open_gradebook(course) as gb:
            for result in grade_on_cluster(*cluster, course, todo, limits, expected, failures, progress, log):
                _store(course, result, gb, failures)
                results.append(result)
        return _summary(todo, reused, results, problems, failures, start)
    pool, futures = None, {}
    if workers > 1 and len(todo) > 1:
        # fork (no database open at this point): workers inherit the imported modules, and importing
        # nbformat alone takes seconds here
        context = get_context("fork" if sys.platform.startswith("linux") else "spawn")
        pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_die_with_parent, initargs=(os.getpid(),)
        )
        futures = {pool.submit(grade_submission, course, s, a, limits, expected[a]): (s, a) for s, a in todo}
    bar = _progress(len(todo), progress)
    try:
        with open_gradebook(course) as gb:
            if pool is None:
                for student, assignment in todo:
                    result = grade_submission(course, student, assignment, limits, expected[assignment])
                    _store(course, result, gb, failures)
                    results.append(result)
                    bar.update(1)
            for future in as_completed(futures):
                student, assignment = futures[future]
                bar.update(1)
                try:
                    result = future.result()
                except Exception as exc:  # a crashed worker: report it, keep going, a re-run retries it
                    failures.append(
                        f"{student}/{assignment}: grading crashed ({type(exc).__name__}: {exc}); "
                        "run `python -m autograder grade` again to retry it"
                    )
                    continue
                _store(course, result, gb, failures)
                results.append(result)
    finally:
        bar.close()
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return _summary(todo, reused, results, problems, failures, start)


def _summary(todo, reused, results, problems, failures, start) -> dict:
    results.sort(key=lambda r: (r.student, r.assignment))
    for failure in failures:
        log(f"error: {failure}")
    return {
        "graded": len(todo) - len(failures),
        "reused": reused,
        "results": results,
        "problems": problems,
        "failures": failures,
        "seconds": time.monotonic() - start,
    }


def _die_with_parent(parent: int) -> None:
    """In each worker: die when the process that started it dies, even by kill -9 (the kernel sends
    SIGKILL on Linux), instead of grading what was queued and then waiting forever. A worker's sandboxes
    follow it (bubblewrap's --die-with-parent)."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG
    if os.getppid() != parent:  # it died before the line above took effect
        os._exit(1)


def _store(course: Course, result: Result, gb, failures: list[str]) -> None:
    """Write one result into the gradebook; a failure is that submission's alone."""
    try:
        write_result(course, result, gb)
    except Exception as exc:  # e.g. the submission's files changed since grading; the others go on
        gb.db.rollback()
        failures.append(
            f"{result.student}/{result.assignment}: graded, but storing the result in the "
            f"gradebook failed ({type(exc).__name__}: {str(exc)[:200]}); run `python -m autograder grade` "
            "again to retry it"
        )


class _NoBar:
    def update(self, n):
        pass

    def close(self):
        pass


def _progress(total: int, enabled: bool):
    if not enabled or total == 0:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, unit="notebook", desc="grading", file=sys.stderr, dynamic_ncols=True)


def summary_table(summary: dict) -> str:
    """Per assignment: submissions graded, mean score, zeros and stopped cells."""
    by_assignment: dict[str, list[Result]] = {}
    for result in summary["results"]:
        by_assignment.setdefault(result.assignment, []).append(result)
    lines = [
        f"{'assignment':<24} {'graded':>6} {'mean auto score':>16} {'full marks':>10} {'zero':>5} "
        f"{'stopped cells':>13}"
    ]
    for assignment, results in sorted(by_assignment.items()):
        auto_max = sum(c.points for c in results[0].cells() if c.kind == "auto")
        scores = [r.auto_score for r in results]
        faults = sum(len(nb.faults) for r in results for nb in r.notebooks.values())
        lines.append(
            f"{assignment:<24} {len(results):>6} {sum(scores) / len(scores):>10.2f} / {auto_max:<4g}"
            f"{sum(s == auto_max for s in scores):>10} {sum(s == 0 for s in scores):>5} {faults:>13}"
        )
    lines.append(
        f"{summary['graded']} notebook(s) graded now, {summary['reused']} unchanged since the last run "
        f"(reused), in {summary['seconds']:.1f} s"
    )
    return "\n".join(lines)
