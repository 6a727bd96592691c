"""Grading on a Dask cluster against the local process pool, on the same submissions, in one run.

Starts a real ``dask scheduler`` and ``dask worker`` processes on 127.0.0.1 (the same machine, so the
workers compete with the coordinator for its cores: on 2 cores, 2 workers cannot be twice as fast as one
when the coordinator also needs a core). Reports notebooks per minute for the local pool with 1 and 2
workers and for the cluster with 1 and 2 workers, the speed-up of 2 cluster workers over 1 (target >= 1.7
on machines with spare cores), and Dask's overhead per notebook against the local pool with the same
number of workers (target <= 5 %).

Run: ``.venv/bin/python benchmarks/bench_grading_cluster.py`` (``make bench`` runs it too).
``BENCH_GRADING_N`` sets the submissions per assignment (default 8), as in bench_grading.py.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_grading import FIXTURE, _make_class  # noqa: E402  (one way to make the benchmark class)

DASK = str(Path(sys.executable).parent / "dask")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(*args) -> subprocess.Popen:
    return subprocess.Popen([DASK, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def _cluster(workers: int):
    from distributed import Client

    port = _port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [_start("scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard")]
    procs += [_start("worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard",
                     "--host", "127.0.0.1") for _ in range(workers)]
    with Client(address, timeout=60, set_as_default=False) as client:
        client.wait_for_workers(workers, timeout=180)
    return address, procs


def _grade_once(released: Path, n: int, workers: int, scheduler: str | None) -> tuple[float, int]:
    from autograder.config import Course
    from autograder.pipeline import grade

    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as tmp:
        course = Course(solutions=FIXTURE, release=released, grading=Path(tmp) / "grading")
        paths = _make_class(course, n)
        start = time.perf_counter()
        summary = grade(course, workers=workers, progress=False, scheduler=scheduler)
        assert not summary["failures"], summary["failures"]
        return time.perf_counter() - start, len(paths)


def main() -> None:
    from autograder.config import Course
    from autograder.release import release

    n = int(os.environ.get("BENCH_GRADING_N", "8"))
    with tempfile.TemporaryDirectory(prefix="bench-cluster-release-") as tmp:
        course = Course(solutions=FIXTURE, release=Path(tmp) / "course", grading=Path(tmp) / "g")
        release(course=course)
        # warm the solution cache once, so every row measures only the submissions
        _grade_once(course.release, 1, 1, None)
        rows = {}
        for workers in (1, 2):
            rows[f"local pool, {workers} worker(s)"] = _grade_once(course.release, n, workers, None)
        for workers in (1, 2):
            address, procs = _cluster(workers)
            try:
                rows[f"dask, {workers} worker(s)"] = _grade_once(course.release, n, workers, address)
            finally:
                for proc in procs:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
    print(f"{'how':<26} {'notebooks':>9} {'seconds':>8} {'per minute':>10}")
    for how, (seconds, count) in rows.items():
        print(f"{how:<26} {count:>9} {seconds:>8.1f} {60 * count / seconds:>10.1f}")
    local1, dask1, dask2 = (rows[k][0] for k in ("local pool, 1 worker(s)", "dask, 1 worker(s)",
                                                  "dask, 2 worker(s)"))
    count = rows["dask, 1 worker(s)"][1]
    print(f"dask 2 workers vs 1: {dask1 / dask2:.2f}x faster (target >= 1.7 with a core per worker; "
          f"{os.cpu_count()} cores here, shared with the coordinator)")
    print(f"dask overhead per notebook vs the local pool (1 worker): "
          f"{(dask1 - local1) / count:+.2f} s = {100 * (dask1 - local1) / local1:+.1f} % (target <= 5 %)")


if __name__ == "__main__":
    main()
