"""Grading on a real Dask cluster on 127.0.0.1: a `dask scheduler` and `dask worker` processes, no mocks.

The cluster's grades must equal the local grades of the same submissions (the fixture class, graded
locally by the `graded_class` fixture), also when a worker is killed while the class is being graded.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.config import ROOT, Course

from ..clients.lab import free_port
from . import classroom

pytestmark = pytest.mark.skipif(shutil.which("dask", path=str(Path(sys.executable).parent)) is None,
                                reason="dask is not installed (make install)")
DASK = str(Path(sys.executable).parent / "dask")
# honest work, a blank one, a hidden-case failure, a stopped cell (stand-ins), forged records, a
# notebook that is not JSON (scored on the coordinator, nothing to run), a big print
CHOSEN = [("honest", "01-basics"), ("honest", "02-arrays"), ("blank", "01-basics"),
          ("partial_hidden", "01-basics"), ("attack_infinite_loop", "01-basics"),
          ("attack_forged_records", "01-basics"), ("attack_invalid_json", "01-basics"),
          ("honest_big_print", "01-basics")]




def _free_port() -> int:
    # AUTOGRADER_DASK_PORTS=8790-8799 keeps the scheduler in that range (a machine shared with other servers)
    return free_port("AUTOGRADER_DASK_PORTS")


def _start(args, env=None, cwd=None) -> subprocess.Popen:
    return subprocess.Popen([DASK, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, env=env, cwd=cwd)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


def _wait_for_workers(address: str, count: int, timeout: float = 120) -> None:
    from distributed import Client

    with Client(address, timeout=30, set_as_default=False) as client:
        client.wait_for_workers(count, timeout=timeout)


def _worker(address: str, name: str, env=None, cwd=None) -> subprocess.Popen:
    # --preload: the grading code is imported when the worker starts (as docs/instructor-guide.md says)
    return _start(["worker", address, "--name", name, "--nworkers", "1", "--nthreads", "1",
                   "--no-dashboard", "--host", "127.0.0.1", "--preload", "autograder.distributed"],
                  env=env, cwd=cwd)


@pytest.fixture
def scheduler():
    port = _free_port()
    proc = _start(["scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"])
    workers: list[subprocess.Popen] = []
    try:
        yield f"tcp://127.0.0.1:{port}", workers
    finally:
        for worker in workers:
            _stop(worker)
        _stop(proc)


def _scores(result: dict) -> dict:
    cells = [(gid, c) for nb in result["notebooks"].values() for gid, c in nb["cells"].items()]
    return {gid: (c["score"], c["passed"], c["reason"]) for gid, c in cells}


def test_cluster_grades_equal_local_grades_when_a_worker_dies(scheduler, graded_class, tmp_path):
    address, workers = scheduler
    workers += [_worker(address, "w1"), _worker(address, "w2")]
    _wait_for_workers(address, 2)
    local = graded_class["course"]
    course = Course(solutions=local.solutions, release=local.release, grading=tmp_path / "grading")
    subs = {(s.student, s.assignment): s for s in graded_class["subs"]}
    for key in CHOSEN:
        classroom.write(course, subs[key])
    limits = classroom.LIMITS
    command = [sys.executable, "-m", "autograder", "--solutions", str(course.solutions), "--release-dir",
               str(course.release), "--grading", str(course.grading), "grade", "--scheduler", address,
               "--no-progress", "--cell-timeout", str(limits.cell_timeout), "--notebook-timeout",
               str(limits.notebook_timeout), "--memory-mb", str(limits.memory // 2**20), "--max-output-mb",
               str(limits.output / 2**20)]
    grading = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    # kill the second worker, nanny and all, as soon as the first result is stored
    deadline = time.monotonic() + 600
    while not list(course.results.glob("*/*.json")) and time.monotonic() < deadline \
            and grading.poll() is None:
        time.sleep(0.2)
    _stop(workers[1])
    out, err = grading.communicate(timeout=900)
    assert grading.returncode == 0, err[-3000:]
    for student, assignment in CHOSEN:
        ours = json.loads((course.results / student / f"{assignment}.json").read_text(encoding="utf-8"))
        theirs = graded_class["results"][(student, assignment)]
        assert _scores(ours) == _scores(theirs), (student, assignment)
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url) as gb:  # each result recorded once
        graded = [(s.student.id, a.name) for a in gb.assignments for s in a.submissions]
    assert sorted(graded) == sorted(CHOSEN)


def test_unreachable_scheduler_is_a_clear_error_and_writes_nothing(tmp_path, released):
    grading = tmp_path / "grading"
    run = subprocess.run(
        [sys.executable, "-m", "autograder", "--solutions", str(classroom.FIXTURE), "--release-dir",
         str(released), "--grading", str(grading), "grade", "--scheduler", f"tcp://127.0.0.1:{_free_port()}"],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )
    assert run.returncode == 1
    assert "cannot reach the Dask scheduler" in run.stderr and "dask scheduler" in run.stderr
    assert not grading.exists()


def test_a_worker_with_other_code_is_refused_naming_the_file(scheduler, tmp_path, released):
    address, workers = scheduler
    other = tmp_path / "checkout"
    for package in ("autograder", "tinygrad_ref"):
        shutil.copytree(ROOT / package, other / package, ignore=shutil.ignore_patterns("__pycache__"))
    with open(other / "autograder" / "checks.py", "a", encoding="utf-8") as f:
        f.write("\n# a local edit on the worker\n")
    env = dict(os.environ, PYTHONPATH=str(other))
    workers.append(_worker(address, "other", env=env, cwd=other))
    _wait_for_workers(address, 1)
    grading = tmp_path / "grading"
    run = subprocess.run(
        [sys.executable, "-m", "autograder", "--solutions", str(classroom.FIXTURE), "--release-dir",
         str(released), "--grading", str(grading), "grade", "--scheduler", address],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )
    assert run.returncode == 1, run.stderr[-2000:]
    assert "autograder/checks.py" in run.stderr and "not used" in run.stderr
    assert "none of the 1 worker(s)" in run.stderr
    assert not grading.exists()


def _reading_job(release: Path, digest: str, shared):
    """A job whose one cell records the first number of the release file data.csv."""
    from types import SimpleNamespace

    from autograder import distributed
    from autograder.sandbox import Limits

    prepared = SimpleNamespace(
        code={0: "from autograder import check\n"
                 "check('first', float(open('data.csv').read().split(',')[0]))"},
        stand_ins={0: "pass"}, folders=[release, release.parent / "no-submission-folder"])
    return distributed.job_text(prepared, Limits(), digest, set(shared))


def _first_number(answer: str) -> float:
    from autograder.checks import parse_records

    return parse_records(json.loads(answer)["records_text"])[("first", 0)][1]


def test_a_changed_release_file_is_never_served_from_a_workers_cache(tmp_path):
    """Run on this process as a worker would (run_job): files travel by digest, the worker keeps the
    release's files by content, and a file whose bytes changed is asked for again, not taken from the
    cache; bytes that do not match their digest are refused."""
    from autograder import distributed

    distributed.blobs.clear()
    release = tmp_path / "release"
    release.mkdir()
    (release / "data.csv").write_text("1.5,2\n")
    digest = distributed.manifest_digest(distributed.code_manifest())
    old = distributed.shared_blobs([release])
    distributed.store_blobs(old)  # what grade_on_cluster sends each worker once
    job = _reading_job(release, digest, old)
    assert json.loads(job)["blobs"] == {}  # named by digest only
    assert _first_number(distributed.run_job(job)) == 1.5

    (release / "data.csv").write_text("3.5,2\n")
    new = distributed.shared_blobs([release])
    job = _reading_job(release, digest, new)  # the coordinator assumes the worker has the new file
    answer = json.loads(distributed.run_job(job))
    assert answer == {"missing": sorted(new)}  # not the cached old bytes
    assert _first_number(distributed.run_job(distributed.with_blobs(job, new))) == 3.5
    assert distributed.with_blobs(distributed.with_blobs(job, new), new) is None

    forged = json.loads(_reading_job(release, digest, set()))
    forged["blobs"] = {d: "MS41LDIK" for d in forged["blobs"]}  # "1.5,2\n" under the new file's digest
    assert "damaged" in json.loads(distributed.run_job(json.dumps(forged)))["error"]
    other_code = _reading_job(release, "0" * 64, new)
    assert "checkout differs" in json.loads(distributed.run_job(other_code))["error"]
    distributed.blobs.clear()


def test_a_workers_code_digest_is_recomputed_when_a_code_file_changes(tmp_path):
    from autograder import distributed

    for package in ("autograder", "tinygrad_ref"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    before = distributed.manifest_digest(distributed.code_manifest(tmp_path))
    assert distributed._worker_code.get(tmp_path) == before
    with open(tmp_path / "autograder" / "checks.py", "a", encoding="utf-8") as f:
        f.write("\n# edited while the worker runs\n")
    after = distributed._worker_code.get(tmp_path)
    assert after != before
    assert after == distributed.manifest_digest(distributed.code_manifest(tmp_path))


def test_a_worker_without_the_release_files_gets_them_with_its_job(scheduler, graded_class, tmp_path,
                                                                    monkeypatch):
    """When a worker lacks a release file (it joined or restarted after the files were sent), it asks
    for it and grades the job with it: the grades equal the local grades."""
    from autograder import distributed
    from autograder.pipeline import grade

    address, workers = scheduler
    workers.append(_worker(address, "w1"))
    _wait_for_workers(address, 1)
    local = graded_class["course"]
    course = Course(solutions=local.solutions, release=local.release, grading=tmp_path / "grading")
    subs = {(s.student, s.assignment): s for s in graded_class["subs"]}
    chosen = [("honest", "02-arrays"), ("blank", "02-arrays"), ("honest", "01-basics")]
    for key in chosen:
        classroom.write(course, subs[key])
    # len takes the files and stores nothing: no worker has them when the jobs arrive
    monkeypatch.setattr(distributed, "store_blobs", len)
    resent = []
    real = distributed.with_blobs
    monkeypatch.setattr(distributed, "with_blobs", lambda text, sent: resent.append(1) or real(text, sent))
    summary = grade(course, scheduler=address, limits=classroom.LIMITS, progress=False)
    assert not summary["failures"], summary["failures"]
    # the 02-arrays jobs need data.csv (01-basics has no release file): the first one asks for it; the
    # other asks too if it reached the worker before the resent job left the file in its cache
    assert 1 <= len(resent) <= 2
    for student, assignment in chosen:
        ours = json.loads((course.results / student / f"{assignment}.json").read_text(encoding="utf-8"))
        assert _scores(ours) == _scores(graded_class["results"][(student, assignment)]), (student, assignment)


def test_a_job_carries_the_files_the_sandbox_would_start_with(tmp_path):
    """run_files chooses as the sandbox does (sandbox.start_files): regular files, the submission's over
    the release's, no notebooks, no timestamp.txt, no links, no hidden folders."""
    from autograder import distributed

    release, submission = tmp_path / "release", tmp_path / "submission"
    for folder in (release, submission):
        (folder / "sub").mkdir(parents=True)
        (folder / "02-arrays.ipynb").write_text("{}")
    (release / "data.csv").write_text("release")
    (release / "sub" / "kept.txt").write_text("kept")
    (submission / "data.csv").write_text("student")
    (submission / "timestamp.txt").write_text("now")
    (submission / ".hidden").mkdir()
    (submission / ".hidden" / "x.txt").write_text("x")
    (submission / "link.txt").symlink_to(release / "data.csv")
    assert distributed.run_files([release, submission]) == {"data.csv": b"student", "sub/kept.txt": b"kept"}
