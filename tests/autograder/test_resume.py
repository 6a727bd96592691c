"""Same grades after the grader is killed mid-run and started again (serial = parallel: test_class)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from autograder.config import ROOT

from . import classroom
from .conftest import new_course

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("autograder-resume")]

SUBSET = {"honest", "blank", "partial_square", "attack_always_equal", "attack_os_exit", "attack_invalid_json"}


def _populate(course):
    subs = [s for s in classroom.submissions(course, 0) if s.student in SUBSET]
    for sub in subs:
        classroom.write(course, sub)
    return subs


def test_killed_grader_resumes_with_the_same_grades(tmp_path, released):
    from nbgrader.api import Gradebook

    course = new_course(tmp_path, released)
    subs = _populate(course)
    command = [
        sys.executable,
        "-m",
        "autograder",
        "--solutions",
        str(course.solutions),
        "--release-dir",
        str(course.release),
        "--grading",
        str(course.grading),
        "grade",
        "--workers",
        "2",
        "--no-progress",
        "--cell-timeout",
        str(classroom.LIMITS.cell_timeout),
        "--memory-mb",
        "1024",
        "--max-output-mb",
        "1",
    ]
    proc = subprocess.Popen(
        command, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if len(list(course.results.glob("*/*.json"))) >= 2:
            break
        time.sleep(0.05)
    assert proc.poll() is None, f"finished before it could be killed: {proc.stderr.read().decode()[-2000:]}"
    from autograder.sandbox import _descendants

    workers = _descendants(proc.pid)  # its workers and their sandboxes
    assert workers, "no worker was running"
    os.kill(proc.pid, signal.SIGKILL)  # the grader alone, mid-run
    proc.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and [pid for pid in workers if _alive(pid)]:
        time.sleep(0.1)
    survivors = [pid for pid in workers if _alive(pid)]
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # clean up whatever a failure left
    except OSError:
        pass
    assert not survivors, "workers or sandboxes outlived the grader killed with SIGKILL"
    done_before = len(list(course.results.glob("*/*.json")))
    assert done_before < len(subs), "everything finished before the kill"

    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    assert f"{done_before} unchanged since the last run" in again.stdout or done_before == 0, again.stdout
    from autograder.results import load_json

    results = [load_json(p) for p in sorted(course.results.glob("*/*.json"))]
    assert {
        (r["student"], r["assignment"]): classroom.scores(r) for r in results
    } == classroom.expected_scores(subs)
    with Gradebook(course.db_url) as gb:
        assert sum(len(a.submissions) for a in gb.assignments) == len(subs)
        for r in results:
            assert gb.find_submission(r["assignment"], r["student"]).score == r["auto_score"]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited
    except (OSError, IndexError):
        return False
