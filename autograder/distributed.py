"""Grading on an existing Dask cluster: ``python -m autograder grade --scheduler tcp://HOST:8786``.

The split is the one the grader already has between data and decisions. The coordinator (the machine
that runs ``grade``) reads each submission, rebuilds it from the source notebook and decides what runs
(:func:`autograder.grading.prepare`); a worker only runs those cells in its own bubblewrap sandbox and
sends back what the run left, as JSON text: the record lines, the stopped cells, the final fault. The
solution's expected records, the comparison, the results and the gradebook never leave the coordinator,
and nothing a worker sends is unpickled into a decision (the records are parsed as text, exactly as
from a local sandbox).

A worker must run the same grading code as the coordinator: before grading, every worker's checkout is
compared file by file (autograder/, tinygrad_ref/, Python and library versions); a worker that differs
is not used, and the message names the files. Each job carries the coordinator's fingerprint too, so a
worker that joins later with other code refuses the job instead of grading it.

Faults: when a worker dies mid-notebook, Dask's scheduler gives its job to another worker (each result is
still stored once, by the coordinator, when the job's answer arrives); when the coordinator dies,
running ``grade`` again resumes from the stored results; a scheduler that cannot be reached is a clear
error before anything is written.
"""

from __future__ import annotations

import base64
import collections
import hashlib
import json
import os
import shutil
import tempfile
import threading
from pathlib import Path

# Light at import: Dask's scheduler unpickles each task, and so imports this module (for run_job) in its
# own process; the grading modules (nbformat alone takes seconds to import) are imported where used.

CONNECT_TIMEOUT_S = 10
BLOB_CACHE_BYTES = 256 * 2**20  # per worker process: the release folders' files, most recently used kept


class ClusterError(RuntimeError):
    """The cluster cannot grade (unreachable scheduler, no worker with the coordinator's code)."""


def connect(address: str, timeout: float = CONNECT_TIMEOUT_S):
    """A ``distributed.Client`` for the scheduler at ``address``; ClusterError says what to do if not."""
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - dask is in requirements.txt
        raise ClusterError("grading on a cluster needs dask[distributed]; run `make install`") from exc
    try:
        return Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(
            f"cannot reach the Dask scheduler at {address} ({type(exc).__name__}: {exc}); start one with "
            "`dask scheduler` and workers with `dask worker ADDRESS` (docs/instructor-guide.md, "
            "'More than one machine'), or grade on this machine without --scheduler"
        ) from exc


# ---------------------------------------------------------------- the code check


def code_manifest(code_root: Path | None = None) -> dict[str, str]:
    """{file: sha256} of the grading code and the library versions: what must be equal on every worker.
    ``code_root``: the checkout (default: the one this code runs from)."""
    from .course import FINGERPRINT_PACKAGES, ROOT, file_digests, library_versions

    code_root = Path(code_root or ROOT)
    key = _code_stat(code_root)  # before the files are read: a file changed meanwhile is read again next time
    manifest = {
        f"{package}/{rel}": digest.hex()
        for package in FINGERPRINT_PACKAGES
        for rel, digest in file_digests(Path(code_root) / package).items()
    }
    for line in library_versions().splitlines():
        manifest[f"version: {line.split('==')[0]}"] = line
    _worker_code.update(key, manifest_digest(manifest), code_root)
    return manifest


def manifest_digest(manifest: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()


def _code_stat(code_root: Path) -> tuple:
    """What changes when a file of the grading code changes (path, size, modification time, inode),
    read without reading the files: the key under which a worker keeps its code's digest."""
    from .course import FINGERPRINT_PACKAGES

    out = []
    for package in FINGERPRINT_PACKAGES:
        for root, dirs, names in os.walk(Path(code_root) / package):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
            for name in sorted(n for n in names if not n.startswith(".") and not n.endswith(".pyc")):
                info = os.stat(os.path.join(root, name), follow_symlinks=False)
                out.append((root, name, info.st_size, info.st_mtime_ns, info.st_ino))
    return tuple(out)


class _CodeDigest:
    """A worker's :func:`manifest_digest`, computed by :func:`code_manifest` (when ``grade`` checks the
    workers, or at the worker's start with ``--preload autograder.distributed``) and reused for each job
    while no file of the code has changed (:func:`_code_stat`); the library versions are read again at
    each ``grade``'s check."""

    def __init__(self):
        self._lock = threading.Lock()
        self._key = self._digest = self._root = None

    def update(self, key, digest, root) -> None:
        with self._lock:
            self._key, self._digest, self._root = key, digest, root

    def get(self, code_root: Path | None = None) -> str:
        from .course import ROOT

        code_root = Path(code_root or ROOT)
        with self._lock:
            if self._key is not None and self._root == code_root and _code_stat(code_root) == self._key:
                return self._digest
        return manifest_digest(code_manifest(code_root))


_worker_code = _CodeDigest()


def differences(ours: dict[str, str], theirs: dict[str, str], limit: int = 8) -> list[str]:
    """The files (and versions) that differ between two manifests, in words."""
    names = sorted(set(ours) | set(theirs))
    out = []
    for name in names:
        if ours.get(name) != theirs.get(name):
            if name.startswith("version: "):
                out.append(f"{theirs.get(name, 'absent')} (coordinator: {ours.get(name, 'absent')})")
            else:
                where = " missing" if name not in theirs else " extra" if name not in ours else ""
                out.append(name + where)
    return out[:limit] + ([f"... and {len(out) - limit} more"] if len(out) > limit else [])


def usable_workers(client, log) -> list[str]:
    """The addresses of the workers whose checkout equals ours; the others are logged and left out.
    Each worker also imports the grading code now (:func:`worker_ready`), before the first job."""
    ours = code_manifest()
    theirs = client.run(worker_ready)
    good = []
    for address, manifest in sorted(theirs.items()):
        diff = differences(ours, manifest)
        if diff:
            log(f"warning: worker {address} is not used: its checkout differs from this one in "
                + ", ".join(diff) + "; check out the same commit and environment there")
        else:
            good.append(address)
    if not good:
        raise ClusterError(
            f"none of the {len(theirs)} worker(s) of the cluster runs this checkout's grading code "
            "(see the warnings above); nothing was graded"
        )
    return good


def worker_ready() -> dict[str, str]:
    """On a worker: import what a job needs (the grading and sandbox modules), and return the worker's
    :func:`code_manifest`."""
    from . import grading, sandbox  # noqa: F401  (imported once per worker process, not in a job)

    return code_manifest()


def dask_setup(worker=None) -> None:
    """``dask worker ... --preload autograder.distributed`` calls this when the worker starts: the
    imports and the code's digest happen then, not in the first ``grade`` that uses the worker."""
    worker_ready()


# ---------------------------------------------------------------- files by digest


class BlobCache:
    """A worker's files by content (sha256 hex digest -> bytes), the most recently used kept up to
    ``max_bytes``. A blob is stored only if its bytes have its digest, so a digest always gives the same
    bytes: a changed file has another digest and is sent again, never served from the cache."""

    def __init__(self, max_bytes: int = BLOB_CACHE_BYTES):
        self.max_bytes = max_bytes
        self._blobs: collections.OrderedDict[str, bytes] = collections.OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def put(self, digest: str, data: bytes) -> None:
        if hashlib.sha256(data).hexdigest() != digest:
            raise ValueError(f"a file sent as {digest[:12]} does not have that digest")
        with self._lock:
            if digest in self._blobs:
                self._blobs.move_to_end(digest)
                return
            self._blobs[digest] = data
            self._size += len(data)
            while self._size > self.max_bytes and len(self._blobs) > 1:
                _, old = self._blobs.popitem(last=False)
                self._size -= len(old)

    def get(self, digest: str) -> bytes | None:
        with self._lock:
            data = self._blobs.get(digest)
            if data is not None:
                self._blobs.move_to_end(digest)
            return data

    def clear(self) -> None:
        with self._lock:
            self._blobs.clear()
            self._size = 0


blobs = BlobCache()


def store_blobs(sent: dict[str, bytes]) -> int:
    """On a worker: keep ``sent`` ({digest: bytes}, checked) in its cache; returns how many it holds."""
    for digest, data in sent.items():
        blobs.put(digest, data)
    return len(sent)


def run_files(folders) -> dict[str, bytes]:
    """{relative path: bytes} of the files a sandbox run starts with, as the sandbox itself chooses them
    (:func:`autograder.sandbox.input_files`: later entries override earlier ones, no notebooks, no links,
    no ``hidden/`` folder; a single file such as a hidden split's images at the top)."""
    from .sandbox import input_files

    return {rel: path.read_bytes() for rel, path in input_files(folders).items()}


def shared_blobs(folders) -> dict[str, bytes]:
    """{digest: bytes} of the files of ``folders`` (an assignment's release folder): the same for every
    student, so each worker gets them once (:func:`store_blobs`) and jobs name them by digest."""
    return {hashlib.sha256(data).hexdigest(): data for data in run_files(folders).values()}


def job_text(prepared, limits, digest: str, shared: set[str] = frozenset()) -> str:
    """What a worker needs to run one prepared submission, as JSON: the cells, the stand-ins, the limits,
    the coordinator's code digest, and the starting files as {path: digest}; the bytes of each file go
    along ("blobs", base64) unless its digest is in ``shared`` (the worker has it in its cache)."""
    import dataclasses

    files = run_files(prepared.folders)
    digests = {rel: hashlib.sha256(data).hexdigest() for rel, data in files.items()}
    return json.dumps({
        "code": [[i, src] for i, src in prepared.code.items()],
        "stand_ins": {str(i): src for i, src in prepared.stand_ins.items()},
        "files": digests,
        "blobs": {digests[rel]: base64.b64encode(data).decode() for rel, data in files.items()
                  if digests[rel] not in shared},
        "limits": dataclasses.asdict(limits),
        "code_digest": digest,
    })


def with_blobs(text: str, sent: dict[str, bytes]) -> str | None:
    """The job ``text`` with the bytes of every file it names by digest that ``sent`` holds; None when
    it has all of them already."""
    job = json.loads(text)
    added = (set(job["files"].values()) - set(job["blobs"])) & set(sent)
    if not added:
        return None
    for digest in added:
        job["blobs"][digest] = base64.b64encode(sent[digest]).decode()
    return json.dumps(job)


def run_job(text: str) -> str:
    """On a worker: run one job's cells in a sandbox, return the run as JSON text (or an error, or the
    digests of the files it names that this worker does not have: {"missing": [...]})."""
    from .grading import run_raw
    from .sandbox import Limits, SandboxUnavailable

    job = json.loads(text)
    if job["code_digest"] != _worker_code.get():
        return json.dumps({"error": "this worker's checkout differs from the coordinator's; "
                                    "check out the same commit and environment on it"})
    sent = {}
    try:
        for digest, data in job["blobs"].items():
            sent[digest] = base64.b64decode(data)
            blobs.put(digest, sent[digest])
    except ValueError as exc:
        return json.dumps({"error": f"a job's file was damaged on the way ({exc})"})
    contents = {rel: sent[digest] if digest in sent else blobs.get(digest)
                for rel, digest in job["files"].items()}
    missing = sorted({job["files"][rel] for rel, data in contents.items() if data is None})
    if missing:
        return json.dumps({"missing": missing})
    work = Path(tempfile.mkdtemp(prefix="autograder-remote-"))
    try:
        for rel, data in contents.items():
            if ".." in Path(rel).parts or Path(rel).is_absolute():
                continue
            target = work / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        code = {int(i): src for i, src in job["code"]}
        stand_ins = {int(i): src for i, src in job["stand_ins"].items()}
        try:
            limits = {**job["limits"], "budget_cells": tuple(job["limits"].get("budget_cells", ()))}
            raw = run_raw(code, stand_ins, [work], Limits(**limits))
        except SandboxUnavailable as exc:
            return json.dumps({"error": f"the sandbox cannot run on worker {os.uname().nodename}: {exc}"})
        raw["stopped"] = {str(i): r for i, r in raw["stopped"].items()}
        raw["cell_errors"] = {str(i): e for i, e in raw["cell_errors"].items()}
        return json.dumps(raw)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def outcome_from(raw: dict):
    """A worker's answer (:func:`run_job`'s JSON, parsed) as the scoring's Outcome, or a ClusterError with
    the worker's reason."""
    from .checks import parse_records
    from .scoring import Outcome

    if not isinstance(raw, dict):
        raise ClusterError("a worker sent something that is not a run")
    if "error" in raw:
        raise ClusterError(str(raw["error"])[:500])
    return Outcome(
        records=parse_records(str(raw["records_text"])),
        stopped={int(i): str(r) for i, r in raw["stopped"].items()},
        final_fault=(str(raw["final_fault"][0]), raw["final_fault"][1]) if raw["final_fault"] else None,
        cell_errors={int(i): str(e) for i, e in raw["cell_errors"].items()},
    )


def grade_on_cluster(client, good: list[str], course, todo, limits, expected, failures: list[str],
                     progress: bool, log):
    """Grade ``todo`` ((student, assignment) pairs) with the ``good`` workers of the cluster
    (:func:`usable_workers`, checked before anything was written); yields each stored Result
    as its run comes back. A submission that cannot be graded there is added to ``failures`` (a re-run
    retries it); a submission with nothing to run (missing, invalid) is scored here at once.

    The release folders' files go to each worker once (:func:`store_blobs`) and jobs name them by
    digest; a worker that lacks one (it joined or restarted since) answers with the missing digests and
    gets the job again with their bytes."""
    from distributed import as_completed

    from .grading import finish, limits_for, prepare
    from .pipeline import _progress

    digest = manifest_digest(code_manifest())
    shared: dict[str, bytes] = {}
    for assignment in sorted({a for _, a in todo}):
        shared.update(shared_blobs([course.release / assignment]))
    if shared:
        client.run(store_blobs, shared, workers=good)
    bar = _progress(len(todo), progress)
    futures, pending = {}, {}

    def submit(student, assignment, text):
        future = client.submit(run_job, text, pure=False, workers=good,
                               key=f"autograder-{student}-{assignment}-{os.urandom(4).hex()}")
        futures[future] = (student, assignment, text)
        return future

    try:
        for student, assignment in todo:
            prepared = prepare(course, student, assignment, expected[assignment])
            if prepared.zero is not None:
                bar.update(1)
                yield finish(course, student, assignment, prepared, None, expected[assignment])
                continue
            submit(student, assignment, job_text(prepared, limits_for(expected[assignment], limits), digest,
                                                 set(shared)))
            pending[(student, assignment)] = prepared
        running = as_completed(list(futures), loop=client.loop)
        for future in running:
            student, assignment, text = futures[future]
            try:
                answer = json.loads(future.result())
                if isinstance(answer, dict) and answer.get("missing"):
                    complete = with_blobs(text, shared)
                    if complete is None:  # nothing more to send: not a cache miss
                        raise ClusterError(f"a worker lacks files the coordinator does not have: {answer}")
                    running.add(submit(student, assignment, complete))
                    continue
                outcome = outcome_from(answer)
            except Exception as exc:  # a job that failed on every worker it was given: a re-run retries it
                bar.update(1)
                failures.append(f"{student}/{assignment}: not graded on the cluster ({type(exc).__name__}: "
                                f"{str(exc)[:300]}); run `python -m autograder grade` again to retry it")
                continue
            bar.update(1)
            yield finish(course, student, assignment, pending[(student, assignment)], outcome,
                         expected[assignment])
    finally:
        bar.close()
        for future in futures:
            future.cancel()
