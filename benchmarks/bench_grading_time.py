"""Per-notebook grading time of the course's real notebooks: graded in a fresh sandbox (every run imports
PyTorch and TensorFlow again) and through the grading zygote (autograder/zygote.py: forked from a
pre-imported interpreter), each against the plain run of the same notebook (nbclient, a fresh kernel, no
grading). Issue 14's target: grading cost <= 1.3x the plain run.

Run: ``.venv/bin/python benchmarks/bench_grading_time.py [NN-name ...]`` (or ``make bench``). Default
notebooks: 03, 06, 09 and 13; ``BENCH_NOTEBOOKS=all`` grades every notebook. Each is timed
``BENCH_GRADING_REPEAT`` times (default 2), interleaved, and the best time of each kind is shown. The
submission graded is the solution itself (every cell runs to the end, as in the plain run); the
solution's own record run, which grading caches once per course version, is done before the clock
starts. The zygote's start (once per grading worker) is printed on its own line. Needs root (the
zygote's precondition, as in CI).
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
sys.path.insert(0, str(ROOT / "benchmarks"))

DEFAULT = ("03-autodiff", "06-optimizers", "09-conv-and-sequence", "13-attention-and-transformers")


def _chosen(argv: list[str]) -> list[str]:
    from autograder import course as model

    known = model.assignments(model.SOLUTIONS)
    for name in argv:
        model.require_assignment(model.SOLUTIONS, name)  # an unknown name: the error names the known ones
    if argv:
        return list(argv)
    if os.environ.get("BENCH_NOTEBOOKS") == "all":
        return known
    return [a for a in DEFAULT if a in known]


def _submit(course, assignment: str, student: str) -> None:
    """The solution notebook as ``student``'s submission, with the release's data files beside it."""
    folder = course.submitted / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(course.source_notebook(assignment), folder / f"{assignment}.ipynb")
    for extra in (course.release / assignment).iterdir():
        if extra.suffix != ".ipynb" and extra.is_file():
            shutil.copy(extra, folder / extra.name)


def _plain_seconds(assignment: str, scratch: Path) -> float:
    """The solution run by nbclient in a fresh kernel, in a scratch copy of its folder."""
    from bench_grading import _plain

    from autograder import course as model

    folder = Path(tempfile.mkdtemp(dir=scratch)) / assignment
    shutil.copytree(model.SOLUTIONS / assignment, folder)
    return _plain([folder / f"{assignment}.ipynb"])


def _graded_seconds(course, assignment: str, student: str, limits, expected, zygote: bool) -> float:
    from autograder.grading import grade_submission

    os.environ["AUTOGRADER_ZYGOTE"] = "1" if zygote else "0"
    start = time.perf_counter()
    result = grade_submission(course, student, assignment, limits, expected)
    seconds = time.perf_counter() - start
    nb = next(iter(result.notebooks.values()))
    lost = {gid: c.reason for gid, c in nb.cells.items() if c.kind == "auto" and c.score != c.points}
    assert not nb.faults and not lost, (assignment, "zygote" if zygote else "fresh", nb.faults, lost)
    return seconds


def main(argv: list[str] | None = None) -> dict:
    from autograder import course as model
    from autograder import zygote
    from autograder.config import Course
    from autograder.grading import expectations
    from autograder.sandbox import Limits, check_available, run_cells

    names = _chosen(sys.argv[1:] if argv is None else argv)
    before = os.environ.get("AUTOGRADER_ZYGOTE")
    limits = Limits()
    rows, out = [], {}
    repeat = int(os.environ.get("BENCH_GRADING_REPEAT", "2"))
    try:
        os.environ["AUTOGRADER_ZYGOTE"] = "0"
        check_available()  # in a fresh sandbox: the zygote's start is timed below
        with tempfile.TemporaryDirectory(prefix="bench-grading-time-") as tmp:
            tmp = Path(tmp)
            course = Course(solutions=model.SOLUTIONS, release=model.COURSE, grading=tmp / "grading")
            os.environ["AUTOGRADER_ZYGOTE"] = "1"
            start = time.perf_counter()
            run_cells([], None, limits)  # this worker's zygote: started once, then forked per run
            zygote_start = time.perf_counter() - start
            if not zygote._ZYGOTE:
                raise RuntimeError("the zygote did not start here (it needs root): nothing to compare")
            for assignment in names:
                expected = expectations(course, assignment, limits)  # cached by grading: not timed
                for student in ("fresh", "forked"):
                    _submit(course, assignment, student)
                times = []  # interleaved and repeated: the best of each is the least disturbed by load
                for _ in range(repeat):
                    times.append((
                        _plain_seconds(assignment, tmp),
                        _graded_seconds(course, assignment, "fresh", limits, expected, zygote=False),
                        _graded_seconds(course, assignment, "forked", limits, expected, zygote=True),
                    ))
                plain, fresh, forked = (min(t[i] for t in times) for i in range(3))
                rows.append((assignment, plain, fresh, forked))
                out[assignment] = {"plain": plain, "fresh_sandbox": fresh, "zygote": forked,
                                   "fresh_vs_plain": fresh / plain, "zygote_vs_plain": forked / plain}
    finally:
        zygote.shutdown()
        if before is None:
            os.environ.pop("AUTOGRADER_ZYGOTE", None)
        else:
            os.environ["AUTOGRADER_ZYGOTE"] = before
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nPer-notebook grading time (seconds, best of {repeat}), {os.cpu_count()} CPU cores, "
          f"load average {load}; the submission is the solution")
    print(f"{'notebook':<32} {'plain':>7} {'fresh sandbox':>14} {'zygote':>7} {'fresh/plain':>12} "
          f"{'zygote/plain':>13}")
    for name, plain, fresh, forked in rows:
        print(f"{name:<32} {plain:>7.1f} {fresh:>14.1f} {forked:>7.1f} {fresh / plain:>11.2f}x "
              f"{forked / plain:>12.2f}x")
    if rows:
        plain, fresh, forked = (sum(r[i] for r in rows) for i in (1, 2, 3))
        print(f"{'all':<32} {plain:>7.1f} {fresh:>14.1f} {forked:>7.1f} {fresh / plain:>11.2f}x "
              f"{forked / plain:>12.2f}x")
    print(f"zygote start (once per grading worker): {zygote_start:.1f} s; target: grading <= 1.3x plain")
    out["zygote_start"] = zygote_start
    return out


if __name__ == "__main__":
    main()
