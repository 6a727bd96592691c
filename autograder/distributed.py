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
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from .config import ROOT
from .course import FINGERPRINT_PACKAGES, _versions, file_digests

CONNECT_TIMEOUT_S = 10


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


def code_manifest(code_root: Path = ROOT) -> dict[str, str]:
    """{file: sha256} of the grading code and the library versions: what must be equal on every worker."""
    manifest = {
        f"{package}/{rel}": digest.hex()
        for package in FINGERPRINT_PACKAGES
        for rel, digest in file_digests(Path(code_root) / package).items()
    }
    for line in _versions().splitlines():
        manifest[f"version: {line.split('==')[0]}"] = line
    return manifest


def manifest_digest(manifest: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()


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
    """The addresses of the workers whose checkout equals ours; the others are logged and left out."""
    ours = code_manifest()
    theirs = client.run(code_manifest)
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


def pack(folders) -> dict[str, str]:
    """The files a sandbox run starts with (as the sandbox itself copies them: later folders override
    earlier ones, notebooks and links left out), base64-encoded, to send to a worker."""
    from .sandbox import copy_inputs

    with tempfile.TemporaryDirectory(prefix="autograder-pack-") as tmp:
        copy_inputs(folders, Path(tmp))
        return {
            path.relative_to(tmp).as_posix(): base64.b64encode(path.read_bytes()).decode()
            for path in sorted(Path(tmp).rglob("*"))
            if path.is_file()
        }


def job_text(prepared, limits, digest: str) -> str:
    """What a worker needs to run one prepared submission, as JSON."""
    import dataclasses

    return json.dumps({
        "code": [[i, src] for i, src in prepared.code.items()],
        "stand_ins": {str(i): src for i, src in prepared.stand_ins.items()},
        "files": pack(prepared.folders),
        "limits": dataclasses.asdict(limits),
        "code_digest": digest,
    })


def run_job(text: str) -> str:
    """On a worker: run one job's cells in a sandbox, return the run as JSON text (or an error)."""
    from .grading import run_raw
    from .sandbox import Limits, SandboxUnavailable

    job = json.loads(text)
    if job["code_digest"] != manifest_digest(code_manifest()):
        return json.dumps({"error": "this worker's checkout differs from the coordinator's; "
                                    "check out the same commit and environment on it"})
    work = Path(tempfile.mkdtemp(prefix="autograder-remote-"))
    try:
        for rel, data in job["files"].items():
            target = work / rel
            if ".." in Path(rel).parts or Path(rel).is_absolute():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(base64.b64decode(data))
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


def outcome_from(text: str):
    """A worker's answer as the scoring's Outcome, or a ClusterError with the worker's reason."""
    from .checks import parse_records
    from .scoring import Outcome

    raw = json.loads(text)
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
    retries it); a submission with nothing to run (missing, invalid) is scored here at once."""
    from distributed import as_completed

    from .grading import finish, limits_for, prepare
    from .pipeline import _progress

    digest = manifest_digest(code_manifest())
    bar = _progress(len(todo), progress)
    futures, pending = {}, {}
    try:
        for student, assignment in todo:
            prepared = prepare(course, student, assignment, expected[assignment])
            if prepared.zero is not None:
                bar.update(1)
                yield finish(course, student, assignment, prepared, None, expected[assignment])
                continue
            job = job_text(prepared, limits_for(expected[assignment], limits), digest)
            future = client.submit(run_job, job, pure=False, workers=good,
                                   key=f"autograder-{student}-{assignment}-{os.urandom(4).hex()}")
            futures[future] = (student, assignment)
            pending[(student, assignment)] = prepared
        for future in as_completed(list(futures), loop=client.loop):
            student, assignment = futures[future]
            bar.update(1)
            try:
                outcome = outcome_from(future.result())
            except Exception as exc:  # a job that failed on every worker it was given: a re-run retries it
                failures.append(f"{student}/{assignment}: not graded on the cluster ({type(exc).__name__}: "
                                f"{str(exc)[:300]}); run `python -m autograder grade` again to retry it")
                continue
            yield finish(course, student, assignment, pending[(student, assignment)], outcome,
                         expected[assignment])
    finally:
        bar.close()
        for future in futures:
            future.cancel()
