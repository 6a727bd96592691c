"""Grading throughput: notebooks per minute with 1 and 2 workers, and the overhead of grading (sandbox,
rebuilding, recording, comparing, gradebook) against plain execution of the same notebooks with nbclient.

Run: ``.venv/bin/python benchmarks/bench_grading.py`` (or ``make bench``, which runs every bench_*.py).
The notebooks are the test fixture course's (tests/autograder/fixtures: two small NumPy assignments), so
the numbers measure the grader's own cost rather than the course's computations. ``BENCH_GRADING_N``
sets the number of submissions per assignment (default 8).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIXTURE = ROOT / "tests" / "autograder" / "fixtures" / "solutions"


def _make_class(course, per_assignment: int) -> list[Path]:
    """Honest and blank submissions, alternating; returns the submitted notebook paths."""
    from autograder import notebooks as nbs
    from autograder.course import notebook_path

    paths = []
    for assignment in course.assignments():
        honest = nbs.read(course.source_notebook(assignment))
        blank = notebook_path(course.release, assignment)
        for i in range(per_assignment):
            path = notebook_path(course.submitted / f"student{i:03d}", assignment)
            folder = path.parent
            folder.mkdir(parents=True, exist_ok=True)
            if i % 2:
                shutil.copy(blank, path)
            else:
                import nbformat

                nbformat.write(honest, str(path))
            for extra in (course.release / assignment).iterdir():
                if extra.suffix != ".ipynb" and extra.is_file():
                    shutil.copy(extra, folder / extra.name)
            paths.append(path)
    return paths


def _plain(paths: list[Path]) -> float:
    """Execute every notebook with nbclient in a fresh kernel, one after another (errors allowed, as a
    blank submission raises), the way nbgrader's autograde runs them."""
    import nbformat
    from nbclient import NotebookClient

    saved = os.dup(2)  # the kernels' start-up warnings go to stderr: keep the table readable
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        return _plain_runs(paths, nbformat, NotebookClient)
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _plain_runs(paths, nbformat, NotebookClient) -> float:
    start = time.perf_counter()
    for path in paths:
        nb = nbformat.read(str(path), as_version=4)
        NotebookClient(
            nb,
            timeout=120,
            kernel_name="python3",
            allow_errors=True,
            resources={"metadata": {"path": str(path.parent)}},
        ).execute()
    return time.perf_counter() - start


def main() -> dict:
    from autograder.config import Course
    from autograder.pipeline import grade
    from autograder.release import release
    from autograder.sandbox import Limits

    per_assignment = int(os.environ.get("BENCH_GRADING_N", "8"))
    os.environ.setdefault("PYTHONHASHSEED", "0")
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        tmp = Path(tmp)
        base = Course(solutions=FIXTURE, release=tmp / "course", grading=tmp / "g0")
        release(course=base)
        paths = _make_class(base, per_assignment)
        limits = Limits()
        grade(
            base, workers=1, limits=limits, progress=False, assignments=None, students=["student000"]
        )  # warm-up
        plain = _plain(paths)
        rows = [("plain execution (nbclient, 1 kernel at a time)", plain)]
        for workers in (1, 2):
            course = Course(solutions=FIXTURE, release=base.release, grading=tmp / f"g{workers}")
            shutil.copytree(base.submitted, course.submitted)
            shutil.copytree(base.cache, course.cache)  # the solution runs are cached per solution hash
            shutil.copy(base.db_path, course.db_path)  # the gradebook already knows the assignments
            start = time.perf_counter()
            summary = grade(course, workers=workers, limits=limits, progress=False)
            elapsed = time.perf_counter() - start
            assert summary["graded"] == len(paths) and not summary["failures"]
            rows.append((f"autograder grade --workers {workers}", elapsed))
    n = len(paths)
    print(
        f"\nGrading throughput: {n} notebooks (fixture course, {per_assignment} submissions per assignment), "
        f"{os.cpu_count()} CPU cores"
    )
    print(f"{'mode':<50} {'seconds':>8} {'notebooks/min':>14} {'time vs plain':>14}")
    out = {}
    for name, seconds in rows:
        print(f"{name:<50} {seconds:>8.1f} {60 * n / seconds:>14.1f} {seconds / plain:>13.2f}x")
        out[name] = {
            "seconds": seconds,
            "notebooks_per_minute": 60 * n / seconds,
            "vs_plain": seconds / plain,
        }
    return out


if __name__ == "__main__":
    main()
