"""Open-ended exercises: a model graded by its accuracy on a hidden test split, within a CPU budget.

A test cell calls ``check_accuracy(name, predict, images, labels, hidden="glyph_test", bands=[...])``:

* interactive (a student's kernel, nbgrader's Validate, the notebook tests): ``predict`` runs on a copy
  of the public validation split, a report names the validation accuracy, the band it reaches and the
  table of bands, and a result below the lowest band (or a ``predict`` that fails) raises
  :class:`autograder.checks.CheckFailed`;
* record mode (inside the grading sandbox): ``predict`` runs on ``<hidden>_images.npy``, which the grader
  copied into the job's working folder, and its predictions are recorded like any check's answer. The
  labels of the hidden split never enter the sandbox: the trusted side reads them from
  ``solutions/NN-name/hidden/<hidden>_labels.npy`` (:func:`load_split`) and
  :func:`autograder.scoring.score_accuracy` compares outside.

A notebook may declare ``metadata["autograder"]["cpu_budget_seconds"]``: the CPU time the whole notebook
may use when graded (every cell counts, the instructor's too: time spent while an instructor cell runs
would otherwise be free for a student's background thread or a hook into that cell), which the
sandbox's trusted watchdog enforces
(:mod:`autograder.sandbox`). :class:`cpu_clock` lets a student measure (and stop) a block against it.

This module is imported in the sandbox (``from autograder import check_accuracy``): NumPy only at import.
"""

from __future__ import annotations

import ast
import copy
import json
import os
import re
import resource
import signal
import threading
import time
from pathlib import Path

import numpy as np

from .checks import RECORD_ENV, CheckFailed, _record, _tensor_to_numpy

BUDGET_KEY = "cpu_budget_seconds"  # notebook metadata["autograder"][BUDGET_KEY]
_SPLIT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_NO_TOLERANCE = {"atol": 0.0, "rtol": 0.0, "check_dtype": False}  # a record's fields; unused here


class AccuracySetupError(ValueError):
    """A check_accuracy call, band list or hidden split the instructor must fix."""


def images_file(hidden: str) -> str:
    return f"{hidden}_images.npy"


def labels_file(hidden: str) -> str:
    return f"{hidden}_labels.npy"


def validate_split_name(hidden) -> str:
    if not isinstance(hidden, str) or not _SPLIT_NAME.match(hidden):
        raise AccuracySetupError(
            f"hidden={hidden!r}: name the hidden split with letters, digits, '_' or '-' (for example "
            "'glyph_test'); its files are hidden/<name>_images.npy and hidden/<name>_labels.npy"
        )
    return hidden


def validate_bands(bands) -> list[tuple[float, float]]:
    """``bands`` as [(minimum accuracy, fraction of the points)], highest first; AccuracySetupError
    naming what is wrong otherwise."""
    example = "for example bands=[(0.95, 1.0), (0.90, 0.75), (0.85, 0.5)]"
    if not isinstance(bands, (list, tuple)) or not bands:
        raise AccuracySetupError(f"bands must be a non-empty list of (minimum accuracy, fraction of the "
                                 f"points) pairs, {example}; got {bands!r}"[:300])
    out = []
    for i, band in enumerate(bands):
        if (not isinstance(band, (list, tuple)) or len(band) != 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in band)):
            raise AccuracySetupError(f"band {i + 1} is {band!r}: each band is a pair of numbers "
                                     f"(minimum accuracy, fraction of the points), {example}"[:300])
        accuracy, fraction = float(band[0]), float(band[1])
        if not 0 < accuracy <= 1:
            raise AccuracySetupError(f"band {i + 1}: the minimum accuracy {accuracy:g} must be in (0, 1]")
        if not 0 < fraction <= 1:
            raise AccuracySetupError(f"band {i + 1}: the fraction of the points {fraction:g} must be in "
                                     "(0, 1]")
        if out and not (accuracy < out[-1][0] and fraction < out[-1][1]):
            raise AccuracySetupError(
                f"band {i + 1} ({accuracy:g}, {fraction:g}) must have a lower accuracy and a lower fraction "
                f"than band {i} ({out[-1][0]:g}, {out[-1][1]:g}): list the bands from the highest down"
            )
        out.append((accuracy, fraction))
    return out


def band_for(accuracy: float, bands) -> tuple[float, float] | None:
    """The highest band ``accuracy`` reaches, or None below all of them."""
    return next(((a, f) for a, f in bands if accuracy >= a), None)


def band_words(band) -> str:
    """"band ≥ 0.90 gives 75 % of the points"."""
    return f"band ≥ {band[0]:.2f} gives {band[1] * 100:g} % of the points"


def as_labels(returned, n: int) -> np.ndarray:
    """The predictions ``predict`` returned as a 1-D int64 array of length ``n``; TypeError or ValueError
    naming what was returned and what is wanted."""
    want = f"a 1-D array of {n} integer class labels, one per image"
    if isinstance(returned, (list, tuple)):
        integers = (isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))
                    for v in returned)
        if not all(integers):
            kinds = sorted({type(v).__name__ for v in returned})
            raise TypeError(f"predict returned a {type(returned).__name__} of {', '.join(kinds)[:80]}; "
                            f"it must return {want}")
        array = np.asarray(returned, dtype=np.int64).reshape(len(returned))
    else:
        array = _tensor_to_numpy(returned) if not isinstance(returned, np.ndarray) else returned
        if array is None:
            kind = f"{type(returned).__module__}.{type(returned).__qualname__}"
            raise TypeError(f"predict returned {kind}; it must return {want} (a NumPy array, a list or a "
                            "tensor)")
        array = np.asarray(array)
    if array.dtype.kind not in "iu":
        hint = " (take the argmax over the classes)" if array.ndim == 2 else ""
        raise TypeError(f"predict returned an array of dtype {array.dtype} and shape {array.shape}; it must "
                        f"return {want}{hint}")
    if array.shape != (n,):
        hint = " (take the argmax over the classes)" if array.ndim == 2 and array.shape[0] == n else ""
        raise ValueError(f"predict returned an array of shape {array.shape}; it must return {want}, "
                         f"shape ({n},){hint}")
    return array.astype(np.int64)


# ---------------------------------------------------------------- the notebook's CPU budget


def notebook_budget_of(nb) -> float | None:
    """The CPU budget a notebook declares (seconds), None without one; AccuracySetupError when it is not
    a positive number."""
    meta = nb.get("metadata", {}).get("autograder", {})
    if not isinstance(meta, dict) or BUDGET_KEY not in meta:
        return None
    value = meta[BUDGET_KEY]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise AccuracySetupError(f'metadata["autograder"]["{BUDGET_KEY}"] is {value!r}; it must be a '
                                 "positive number of seconds (or absent: no budget)")
    return float(value)


def budget_cells(nb) -> list[int]:
    """The cells whose CPU time counts against the budget: every code cell. Counting only the cells a
    student writes or that call the student's code would leave the instructor's cells as free time for
    whatever the student's code leaves running (a thread, a process, a patched function they call)."""
    return [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]


def _declared_budget(folder: str = ".") -> float | None:
    """In a student's kernel: the budget the notebook in the working folder declares (the kernel's folder
    is its notebook's); None when no notebook there declares one, or they disagree."""
    found = set()
    try:
        paths = sorted(Path(folder).glob("*.ipynb"))[:20]
    except OSError:
        return None
    for path in paths:
        try:
            meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {}).get("autograder", {})
            value = meta.get(BUDGET_KEY)
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            found.add(float(value))
    return found.pop() if len(found) == 1 else None


class BudgetExceeded(RuntimeError):
    """A block measured by :class:`cpu_clock` used more CPU time than its budget."""


def _cpu_now() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


class cpu_clock:
    """Measure the CPU time (user + system, every thread, and child processes that ended) of a block::

        with cpu_clock(budget=60) as clock:
            train(model)
        clock.seconds  # 12.3

    On exit it prints "training used 12.3 s of CPU time of the notebook's 60 s budget". With a budget
    (given, or else the one the notebook declares) the block is stopped with :class:`BudgetExceeded` when
    this process's CPU time passes it (a profiling timer, in the main thread only; the previous handler
    and timer are restored). The grader measures the budget itself, outside the notebook: this clock is
    the student's tool, not the enforcement.
    """

    def __init__(self, budget: float | None = None, what: str = "training"):
        if budget is not None and (isinstance(budget, bool) or not isinstance(budget, (int, float))
                                   or not budget > 0):
            raise ValueError(f"cpu_clock: budget must be a positive number of seconds, got {budget!r}")
        self.budget = float(budget) if budget is not None else _declared_budget()
        self.what = what
        self.seconds = 0.0
        self._start = 0.0
        self._previous = None

    def _on_timer(self, signum, frame):
        raise BudgetExceeded(
            f"{self.what} used more than {self.budget:g} s of CPU time, the notebook's budget: train a "
            "smaller model, for fewer steps or on fewer samples"
        )

    def __enter__(self) -> cpu_clock:
        self._start = _cpu_now()
        if self.budget and threading.current_thread() is threading.main_thread():
            handler = signal.signal(signal.SIGPROF, self._on_timer)
            timer = signal.setitimer(signal.ITIMER_PROF, self.budget)
            self._previous = (handler, timer)
        return self

    def __exit__(self, kind, value, traceback) -> bool:
        if self._previous is not None:
            handler, timer = self._previous
            signal.setitimer(signal.ITIMER_PROF, *timer)
            signal.signal(signal.SIGPROF, handler)
            self._previous = None
        self.seconds = _cpu_now() - self._start
        budget = f" of the notebook's {self.budget:g} s budget" if self.budget else ""
        print(f"{self.what} used {self.seconds:.1f} s of CPU time{budget}")
        return False


# ---------------------------------------------------------------- the check


def check_accuracy(name: str, predict, images, labels, *, hidden: str, bands) -> None:
    """Grade a classifier by its accuracy on the hidden split ``hidden`` (see the module's docstring).

    Args:
        name: unique within the notebook; it keys the record the grader scores.
        predict: the student's function, images (n, ...) -> n integer class labels.
        images, labels: the public validation split (labels: n integers).
        hidden: the name of the hidden split, e.g. "glyph_test".
        bands: [(minimum accuracy, fraction of the cell's points)], highest first.
    """
    bands = validate_bands(bands)
    validate_split_name(hidden)
    record_path = os.environ.get(RECORD_ENV)
    if record_path:
        _record_predictions(record_path, name, predict, hidden)
        return
    want = np.asarray(labels).reshape(-1)
    table = "\n".join(f"    ≥ {a:.2f}  {f * 100:>5g} % of the points" for a, f in bands)
    budget = _declared_budget()
    tail = (f"\n  bands (accuracy on the hidden test split -> share of the cell's points):\n{table}\n"
            "  The grade uses a hidden test split you cannot see (the grader scores it outside your "
            "notebook); the validation accuracy above is your estimate of it.")
    if budget:
        used = sum(getattr(resource.getrusage(who), field) for who in (resource.RUSAGE_SELF,
                   resource.RUSAGE_CHILDREN) for field in ("ru_utime", "ru_stime"))
        tail += (f"\n  CPU budget: the whole notebook (every cell, ours too) may use {budget:g} s of CPU "
                 f"time when graded; over it, the cell running is stopped and scores 0. This kernel has used "
                 f"{used:.0f} s so far (restart it and run all cells to measure the notebook as graded).")
    try:
        got = as_labels(predict(copy.deepcopy(images)), len(want))
    except NotImplementedError:
        raise CheckFailed(f"✗ {name}: not implemented yet (predict still raises NotImplementedError)"
                          + tail) from None
    except Exception as exc:  # the student's code may raise anything; the report says what
        raise CheckFailed(f"✗ {name}: predict failed on the validation images: {type(exc).__name__}: "
                          f"{exc}"[:600] + tail) from None
    accuracy = float(np.mean(got == want)) if len(want) else 0.0
    correct = int(np.sum(got == want))
    band = band_for(accuracy, bands)
    summary = f"validation accuracy {accuracy:.3f} ({correct} of {len(want)})"
    if band is None:
        raise CheckFailed(f"✗ {name}: {summary} is below the lowest band (≥ {bands[-1][0]:.2f}): 0 points"
                          + tail)
    print(f"✓ {name}: {summary}: {band_words(band)}" + tail)


def _record_predictions(record_path: str, name: str, predict, hidden: str) -> None:
    path = Path(images_file(hidden))
    try:
        images = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        _record(record_path, name, 0, "error",
                f"the hidden split's images ({path.name}) could not be read in the working folder "
                f"{os.getcwd()} ({type(exc).__name__}): did the notebook change the working folder or "
                f"that file? (instructor: check that hidden/{path.name} is in the assignment's folder)",
                _NO_TOLERANCE)
        return
    try:
        status, value = "ok", as_labels(predict(images), len(images))
    except NotImplementedError:
        status, value = "error", "not implemented yet (predict still raises NotImplementedError)"
    except Exception as exc:  # whatever predict does ends as this record's error, in words
        status, value = "error", f"predict failed on the hidden test images: {type(exc).__name__}: {exc}"
        value = value[:500]
    _record(record_path, name, 0, status, value, _NO_TOLERANCE)


# ---------------------------------------------------------------- the trusted side


def _is_accuracy_call(node) -> bool:
    func = node.func
    return isinstance(node, ast.Call) and (
        (isinstance(func, ast.Name) and func.id == "check_accuracy")
        or (isinstance(func, ast.Attribute) and func.attr == "check_accuracy")
    )


def accuracy_calls(source: str) -> list[dict]:
    """The ``check_accuracy(...)`` calls of an instructor's test cell: [{"name", "hidden", "bands",
    "line"}], read without running anything (name, hidden and bands must be literals);
    AccuracySetupError otherwise."""
    from .notebooks import _is_check_call, _parse_cell

    tree = _parse_cell(source)
    if tree is None:
        return []  # the cell fails in the solution's run, which reports it
    calls, checks = [], 0
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        checks += _is_check_call(node)
        if not _is_accuracy_call(node):
            continue
        where = f"check_accuracy(...) on line {node.lineno}"
        if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
            raise AccuracySetupError(f"{where} passes *args or **kwargs; write its arguments out")
        given = dict(zip(("name", "predict", "images", "labels"), node.args))
        given.update({k.arg: k.value for k in node.keywords})
        values = {}
        for key in ("name", "hidden", "bands"):
            if key not in given:
                raise AccuracySetupError(f"{where}: give {key}" + ("=" if key != "name" else ""))
            try:
                values[key] = ast.literal_eval(given[key])
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                raise AccuracySetupError(
                    f"{where}: {key} must be written as a literal (the trusted grader reads it without "
                    f"running the notebook), not `{ast.unparse(given[key])[:60]}`") from None
        if not isinstance(values["name"], str) or not values["name"]:
            raise AccuracySetupError(f"{where}: the name must be a non-empty string")
        try:
            bands = validate_bands(values["bands"])
            validate_split_name(values["hidden"])
        except AccuracySetupError as exc:
            raise AccuracySetupError(f"{where}: {exc}") from None
        calls.append({"name": values["name"], "hidden": values["hidden"], "bands": [list(b) for b in bands],
                      "line": node.lineno})
    if len(calls) > 1 or (calls and checks):
        raise AccuracySetupError("a test cell graded by check_accuracy calls it once and no check(...): give "
                                 "each its own test cell")
    return calls


def notebook_accuracy(nb) -> dict[str, dict]:
    """{grade_id: its check_accuracy call} for every autograded test cell that has one;
    AccuracySetupError naming the cell otherwise."""
    from . import notebooks as nbs

    # accuracy_calls allows one call per cell
    return {gid: calls[0] for gid, calls in
            nbs.test_cell_calls(nb, accuracy_calls, AccuracySetupError, "check name").items()}


def load_split(base: Path, hidden: str) -> np.ndarray:
    """The labels of the hidden split ``hidden`` kept in the folder ``base`` (an assignment's
    ``hidden/``: 1-D integers, as many as its images); AccuracySetupError naming the file and what to do.
    Trusted side only."""
    base = Path(base)
    images_path, labels_path = base / images_file(hidden), base / labels_file(hidden)
    how = (f"save the split with np.save('{images_path}', images) and np.save('{labels_path}', "
           "labels.astype(np.int64)) (docs/authoring.md)")
    arrays = {}
    for path in (images_path, labels_path):
        try:
            arrays[path] = np.load(path, allow_pickle=False, mmap_mode="r")
        except FileNotFoundError:
            raise AccuracySetupError(f"{path} is missing; {how}") from None
        except (OSError, ValueError) as exc:
            raise AccuracySetupError(f"{path} is not a readable .npy file ({exc}); {how}") from None
    images, labels = arrays[images_path], arrays[labels_path]
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise AccuracySetupError(f"{labels_path} holds an array of shape {labels.shape} and dtype "
                                 f"{labels.dtype}; it must be 1-D integer class labels; {how}")
    if images.ndim < 1 or images.shape[0] != labels.shape[0] or not labels.shape[0]:
        raise AccuracySetupError(f"{images_path} has {images.shape[0] if images.ndim else 0} images but "
                                 f"{labels_path} {labels.shape[0]} labels; they must match (and not be "
                                 "empty)")
    return np.asarray(labels, dtype=np.int64)
