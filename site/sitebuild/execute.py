"""Running the solution notebooks top to bottom with nbclient, several at a time, through the cache."""

from __future__ import annotations

import os
import re
import shutil
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import nbformat

from autograder.course import notebook_path
from autograder.notebooks import read

from . import BuildError, log
from .cache import Cache, notebook_key

# hidden/: an assignment's hidden test splits; a notebook never reads them, the grader alone does
IGNORE = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc", ".pytest_cache", "hidden")


def _execute(name: str, folder: str, workdir: str, timeout: int) -> tuple[str, str | None, float]:
    """Run one notebook top to bottom in a scratch copy of its folder. Returns (json, error, seconds).

    The kernel talks over Unix sockets (ZMQ's IPC transport) in a private folder, never TCP ports, so a
    build does not depend on free ports. Its stderr goes to a file whose last lines, without TensorFlow's
    start-up noise, are part of the error when the kernel dies, does not start or does not answer: the
    real cause (a ZMQ error, a failed import) is there, not in nbclient's exception."""
    import atexit
    import tempfile

    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError
    from traitlets.config import Config

    start = time.perf_counter()
    work = Path(workdir)
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(folder, work, ignore=IGNORE)
    # the notebook's place in its folder, in the scratch copy of that folder (whatever its name)
    nb = read(work / notebook_path(Path(folder).parent, name).relative_to(folder))
    sockets = tempfile.mkdtemp(prefix="site-kernel-")  # short: Unix socket paths are limited to ~100 bytes
    stderr_path = Path(sockets) / "stderr.txt"
    config = Config()
    config.KernelManager.transport = "ipc"
    config.KernelManager.ip = os.path.join(sockets, "k")
    client = NotebookClient(nb, config=config, kernel_name="python3", timeout=timeout,
                            resources={"metadata": {"path": workdir}},
                            extra_arguments=["--IPKernelApp.log_level=ERROR"])
    error = None
    try:
        with open(stderr_path, "wb") as stderr:
            client.execute(stderr=stderr)
    except (CellExecutionError, CellTimeoutError) as err:
        error = f"{type(err).__name__}: {err}"
    except Exception as err:  # the kernel died, did not start or did not answer; its stderr says why
        error = f"{type(err).__name__}: {err}\n{kernel_stderr(stderr_path)}"
        try:  # stop a kernel that started but never answered; nbclient leaves its exit hook behind
            client._cleanup_kernel()
        except Exception:  # nothing left to stop
            pass
        atexit.unregister(client._cleanup_kernel)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(sockets, ignore_errors=True)
    if error:
        return "", error, time.perf_counter() - start
    return nbformat.writes(nb), None, time.perf_counter() - start


# Lines TensorFlow and XLA print on every start; they hide the line that says what went wrong.
_KERNEL_NOISE = re.compile(r"absl::InitializeLog|cpu_feature_guard|oneDNN custom operations|"
                           r"rebuild TensorFlow with|TF_ENABLE_ONEDNN_OPTS|^\s*$")


def kernel_stderr(path: Path, lines: int = 40) -> str:
    """The last ``lines`` a kernel wrote to stderr, TensorFlow's start-up lines left out."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(the kernel wrote nothing to stderr)"
    kept = [line for line in text.splitlines() if not _KERNEL_NOISE.search(line)]
    if not kept:
        return "(the kernel wrote nothing to stderr but TensorFlow's start-up lines)"
    return "the kernel's stderr (last lines):\n" + "\n".join(kept[-lines:])


def _kernel_environment(workers: int) -> None:
    """What the kernels inherit: threads shared out between the workers, quiet TensorFlow, figures inline."""
    env_threads = str(max(1, (os.cpu_count() or 2) // workers))
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "TF_NUM_INTRAOP_THREADS"):
        os.environ.setdefault(var, env_threads)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    os.environ.setdefault("PYTHONHASHSEED", "0")
    # figures must come out as inline PNGs even when the caller set Agg (the test suite does)
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"


def execute_all(solutions: Path, names: list[str], out: Path, jobs: int, timeout: int) -> dict:
    """Executed notebooks by name (from the cache where the folder and the libraries are unchanged)."""
    cache = Cache(out / "cache")
    keys = {n: notebook_key(solutions / n) for n in names}
    result, executed, cached, failures = {}, [], [], []
    todo = []
    for n in names:
        hit = cache.get(n, keys[n])
        if hit is not None:
            result[n] = hit
            cached.append(n)
        else:
            todo.append(n)
    seconds = {}
    if todo:
        workers = max(1, min(jobs, len(todo)))
        _kernel_environment(workers)
        log(f"executing {len(todo)} notebook(s) with {min(jobs, len(todo))} worker(s): {', '.join(todo)}")
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {
                pool.submit(_execute, n, str(solutions / n), str(out / "work" / n), timeout): n for n in todo
            }
            for fut in as_completed(futures):
                n = futures[fut]
                text, error, secs = fut.result()
                seconds[n] = round(secs, 1)
                if error:
                    failures.append((n, error))
                    log(f"  FAILED {n} after {secs:.1f} s")
                    continue
                cache.put(n, keys[n], text)
                result[n] = nbformat.reads(text, as_version=4)
                executed.append(n)
                log(f"  executed {n} in {secs:.1f} s")
        executed.sort()
        shutil.rmtree(out / "work", ignore_errors=True)
    if failures:
        lines = [f"error: {len(failures)} notebook(s) failed to execute: {', '.join(n for n, _ in failures)}"]
        for n, error in failures:
            lines.append(f"\n===== {n} ({notebook_path(solutions, n)}) =====\n{_tail(error)}")
        raise BuildError("\n".join(lines))
    return {"notebooks": result, "executed": executed, "cached": cached, "seconds": seconds}


def _tail(text: str, limit: int = 4000) -> str:
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)  # ANSI colours of IPython tracebacks
    return text if len(text) <= limit else "...\n" + text[-limit:]
