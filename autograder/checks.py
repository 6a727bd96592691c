"""Checks that graded test cells call.

One call, ``check(name, answer, cases=..., reference=...)``, works in two modes:

* interactive (default): in a student's kernel, and under nbgrader's Validator. Each case runs at once,
  is compared with the reference, and a report a student can act on is printed; a failure raises
  ``AssertionError`` so the test cell fails.
* record (``AUTOGRADER_RECORD`` names a file): inside the grading sandbox. The student's answers are
  appended to that file as JSON and nothing is compared or raised. There the test cells call
  ``check(name, answer, cases)`` only: the grader removed ``reference=`` and ``expected=`` before
  sending them (:func:`autograder.notebooks.sandbox_sources`), so whatever student code patches here,
  there is no expected answer to reach. The trusted grader, outside the sandbox, compares the records
  with the answers the solution recorded, using :func:`compare`, the same function interactive mode
  uses. Nothing here is ever unpickled.
"""

from __future__ import annotations

import base64
import copy
import json
import math
import os
import re
from dataclasses import dataclass

import numpy as np

RECORD_ENV = "AUTOGRADER_RECORD"
MAX_RECORD_BYTES = 8 * 2**20  # one answer; larger answers are recorded as too large
_ARRAY_KINDS = "biuf"  # bool, int, unsigned, float: the dtypes an answer array may have


class CheckFailed(AssertionError):
    """A check found a wrong answer; the message is the report shown to the student."""

    def _render_traceback_(self) -> list[str]:
        """IPython shows these lines instead of a traceback (in a cell, and in the error output that
        nbgrader's Validate dialog prints): the report alone, not the frames inside this module."""
        return str(self).splitlines()


# ---------------------------------------------------------------- turning answers into plain data


def to_plain(value):
    """Convert an answer to plain data: None, bool, int, float, str, tuple, dict, or a NumPy array.

    Tensors of tinygrad_ref, PyTorch and TensorFlow become NumPy arrays, lists become tuples. Anything
    else raises ``TypeError`` naming the type, so an object that pretends to equal everything is
    rejected rather than trusted.
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, np.bool_):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (list, tuple)):
        return tuple(to_plain(v) for v in value)
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError("dictionary answers must have string keys")
        return {k: to_plain(v) for k, v in value.items()}
    array = _tensor_to_numpy(value)
    if array is None:
        kind = f"{type(value).__module__}.{type(value).__qualname__}"
        raise TypeError(f"an answer of type {kind} cannot be checked; "
                        "return a number, string, list, tuple, dict, NumPy array or tensor")
    if array.dtype.kind not in _ARRAY_KINDS:
        raise TypeError(f"arrays of dtype {array.dtype} cannot be checked; use a numeric or bool dtype")
    return np.ascontiguousarray(array).reshape(array.shape)  # ascontiguousarray makes 0-d arrays 1-d


def _tensor_to_numpy(value):
    if type(value) is np.ndarray:
        return value
    module = type(value).__module__.split(".")[0]
    if not hasattr(value, "numpy"):  # a framework's module, optimizer or layer: not a tensor
        return None
    if module == "torch" and hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    if module in ("tensorflow", "keras", "tinygrad_ref"):
        return np.asarray(value.numpy())
    return None


def encode(value) -> object:
    """Plain data -> JSON-compatible data (arrays as dtype, shape and base64 bytes)."""
    if isinstance(value, np.ndarray):
        return {"__array__": base64.b64encode(value.tobytes()).decode(), "dtype": value.dtype.str,
                "shape": list(value.shape)}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v) for v in value]}
    if isinstance(value, dict):
        return {"__dict__": {k: encode(v) for k, v in value.items()}}
    if isinstance(value, float) and not math.isfinite(value):
        return {"__float__": repr(value)}
    return value


def decode(data) -> object:
    """The inverse of :func:`encode`; rejects anything it did not produce."""
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, dict) and len(data) == 3 and "__array__" in data:
        dtype = np.dtype(data["dtype"])
        if dtype.kind not in _ARRAY_KINDS:
            raise ValueError(f"array dtype {dtype} is not allowed in a record")
        raw = base64.b64decode(data["__array__"], validate=True)
        return np.frombuffer(raw, dtype=dtype).reshape([int(n) for n in data["shape"]]).copy()
    if isinstance(data, dict) and len(data) == 1:
        (key, inner), = data.items()
        if key == "__tuple__" and isinstance(inner, list):
            return tuple(decode(v) for v in inner)
        if key == "__dict__" and isinstance(inner, dict):
            return {str(k): decode(v) for k, v in inner.items()}
        if key == "__float__" and inner in ("nan", "inf", "-inf"):
            return float(inner)
    raise ValueError(f"malformed record value: {str(data)[:80]}")


# ---------------------------------------------------------------- comparing


@dataclass
class Mismatch:
    """Why an answer differs from the expected one, in words a student can act on."""

    where: str
    message: str

    def __str__(self):
        return f"{_where_in_words(self.where)}: {self.message}" if self.where else self.message


def compare(expected, got, atol: float = 1e-6, rtol: float = 1e-5, check_dtype: bool = False,
            where: str = "") -> Mismatch | None:
    """Compare two plain answers; return None when they agree, else the first :class:`Mismatch`."""
    if isinstance(expected, np.ndarray) or isinstance(got, np.ndarray):
        return _compare_arrays(expected, got, atol, rtol, check_dtype, where)
    if isinstance(expected, tuple):
        if not isinstance(got, tuple):
            return Mismatch(where, f"expected a sequence of length {len(expected)}, got {_describe(got)}")
        if len(got) != len(expected):
            return Mismatch(where, f"expected {len(expected)} items, got {len(got)}")
        for i, (e, g) in enumerate(zip(expected, got)):
            found = compare(e, g, atol, rtol, check_dtype, f"{where}[{i}]")
            if found:
                return found
        return None
    if isinstance(expected, dict):
        if not isinstance(got, dict) or set(got) != set(expected):
            return Mismatch(where, f"expected a dict with keys {sorted(expected)}, got {_describe(got)}")
        for key in expected:
            found = compare(expected[key], got[key], atol, rtol, check_dtype, f"{where}[{key!r}]")
            if found:
                return found
        return None
    if isinstance(expected, bool) or isinstance(got, bool) or isinstance(expected, str):
        if type(got) is not type(expected) or got != expected:
            return Mismatch(where, f"expected {expected!r}, got {_describe(got)}")
        return None
    if isinstance(expected, (int, float)):
        if not isinstance(got, (int, float)):
            return Mismatch(where, f"expected the number {expected!r}, got {_describe(got)}")
        if isinstance(expected, int) and isinstance(got, int):
            return None if got == expected else Mismatch(where, f"expected {expected}, got {got}")
        if math.isnan(expected) and math.isnan(got):
            return None
        if not abs(got - expected) <= atol + rtol * abs(expected):
            return Mismatch(where, f"expected {expected!r}, got {got!r} "
                                   f"(tolerance {atol:g} + {rtol:g}*|expected|)")
        return None
    if expected is None:
        return None if got is None else Mismatch(where, f"expected None, got {_describe(got)}")
    return Mismatch(where, f"cannot compare with {type(expected).__name__}")


def _compare_arrays(expected, got, atol, rtol, check_dtype, where):
    if not isinstance(expected, np.ndarray):
        expected = np.asarray(expected)
    if not isinstance(got, np.ndarray):
        if not isinstance(got, (int, float, bool, tuple)):
            return Mismatch(where, f"expected an array of shape {expected.shape}, got {_describe(got)}")
        try:
            got = np.asarray(got)
        except ValueError:
            return Mismatch(where, f"expected an array of shape {expected.shape}, got a ragged sequence")
    if got.shape != expected.shape:
        return Mismatch(where, f"shape: expected {expected.shape}, got {got.shape}")
    if check_dtype and got.dtype != expected.dtype:
        return Mismatch(where, f"dtype: expected {expected.dtype}, got {got.dtype}")
    if expected.dtype.kind == "b" or got.dtype.kind == "b":
        bad = expected != got
        if bad.any():
            index = tuple(int(i) for i in np.argwhere(bad)[0])
            return Mismatch(where, f"{int(bad.sum())} of {bad.size} elements differ; first at {index}: "
                                   f"expected {expected[index]!r}, got {got[index]!r}")
        return None
    e, g = expected.astype(np.float64), got.astype(np.float64)
    both_nan = np.isnan(e) & np.isnan(g)
    with np.errstate(invalid="ignore"):
        error = np.where(both_nan, 0.0, np.abs(g - e))
        allowed = atol + rtol * np.abs(e)
        bad = ~(error <= allowed) & ~both_nan | (np.isinf(e) & (e != g))
    if bad.any():
        excess = np.where(bad, np.nan_to_num(error / np.maximum(allowed, 1e-300), nan=np.inf), -1.0)
        index = np.unravel_index(int(np.argmax(excess)), e.shape)
        index = tuple(int(i) for i in index)
        return Mismatch(where, f"{int(bad.sum())} of {bad.size} elements differ beyond atol={atol:g}, "
                               f"rtol={rtol:g}; worst at index {index}: expected {e[index]:.8g}, "
                               f"got {g[index]:.8g}")
    return None


def _describe(value) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, tuple):
        return f"a sequence of length {len(value)}"
    if callable(value):
        return describe_value(value)
    text = repr(value)
    return f"{type(value).__name__} {text[:60]}"


_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")


def _ordinal(i: int) -> str:
    return _ORDINALS[i] if i < len(_ORDINALS) else f"item {i + 1}"


def _where_in_words(where: str) -> str:
    """``[1][0]`` -> ``the second item, its first item``; ``['w']`` stays a key."""
    parts = []
    for token in re.findall(r"\[(\d+|'[^']*'|\"[^\"]*\")\]", where):
        parts.append(f"the {_ordinal(int(token))} item" if token.isdigit() else f"key {token}")
    if not parts:
        return where
    return ", its ".join([parts[0]] + [p.removeprefix("the ") for p in parts[1:]])


def describe_value(v) -> str:
    """One input in words: arrays and tensors by type, shape and dtype, functions by name, small values
    by repr."""
    array = _tensor_to_numpy(v)
    if array is not None:
        return f"{type(v).__name__}{tuple(array.shape)} {array.dtype}"
    if callable(v) and not isinstance(v, type) and hasattr(v, "__name__"):
        name = v.__name__
        return "a lambda" if name == "<lambda>" else f"the function {name}"
    text = repr(v)
    return text if len(text) <= 40 else text[:37] + "..."


def describe_inputs(args: tuple, kwargs: dict) -> str:
    """A short description of a case's inputs: arrays by shape and dtype, functions by name, small
    values by repr."""
    parts = [describe_value(a) for a in args] + [f"{k}={describe_value(v)}" for k, v in kwargs.items()]
    return ", ".join(parts)


# ---------------------------------------------------------------- running the check


def _split_case(case):
    if isinstance(case, dict):
        return (), dict(case)
    if isinstance(case, tuple):
        return case, {}
    return (case,), {}


def _call(func, case):
    args, kwargs = _split_case(case)
    return func(*copy.deepcopy(args), **copy.deepcopy(kwargs))


def _answer(func, case):
    """Run the student's function on one case: ("ok", plain answer) or ("error", message)."""
    try:
        return "ok", to_plain(_call(func, case) if case is not _NO_CASE else func)
    except NotImplementedError:
        return "error", "not implemented yet (the cell still raises NotImplementedError)"
    except Exception as exc:  # the student's code may raise anything; the report says what
        return "error", f"{type(exc).__name__}: {exc}"


_NO_CASE = object()


def _record(path, name, index, status, value, tolerance):
    if status == "ok":
        text = json.dumps(encode(value))
        if len(text) > MAX_RECORD_BYTES:
            status, text = "error", json.dumps(f"answer too large to record ({len(text)} bytes)")
    else:
        text = json.dumps(value)
    with open(path, "a", encoding="utf-8") as f:
        f.write(f'{{"check": {json.dumps(name)}, "case": {index}, "status": "{status}", '
                f'"tolerance": {json.dumps(tolerance)}, "value": {text}}}\n')


def check(name: str, answer, cases=None, *, reference=None, expected=None, atol: float = 1e-6,
          rtol: float = 1e-5, check_dtype: bool = False, hint: str = "") -> None:
    """Check a student's function on named cases, or a student's value.

    Args:
        name: unique within the notebook; it keys the record the grader compares.
        answer: the student's function (called as ``answer(*case)`` or ``answer(**case)``), or, when
            ``cases`` is None, the student's value itself.
        cases: a list of tuples of positional arguments or dicts of keyword arguments.
        reference: computes the expected answer from the same case (PyTorch, TensorFlow or NumPy).
        expected: the expected value, or a list of them, one per case (instead of ``reference``).
        atol, rtol: the tolerance |got - expected| <= atol + rtol*|expected| for floats.
        check_dtype: also require the same dtype for arrays.
        hint: shown when a case fails.
    """
    if reference is None and expected is None and not os.environ.get(RECORD_ENV):
        raise ValueError(f"check {name!r}: give reference= or expected=")
    if not isinstance(cases, list) and cases is not None:
        raise TypeError(f"check {name!r}: cases must be a list of tuples or dicts, "
                        f"got {type(cases).__name__}")
    runs = [_NO_CASE] if cases is None else cases
    record_path = os.environ.get(RECORD_ENV)
    if record_path:
        tolerance = {"atol": float(atol), "rtol": float(rtol), "check_dtype": bool(check_dtype)}
        for i, case in enumerate(runs):
            _record(record_path, name, i, *_answer(answer, case), tolerance)
        return

    failures = []
    for i, case in enumerate(runs):
        if reference is not None:
            want = to_plain(_call(reference, case) if case is not _NO_CASE else reference)
        else:
            want = to_plain(expected[i] if cases is not None and isinstance(expected, list) else expected)
        status, got = _answer(answer, case)
        problem = Mismatch("", got) if status == "error" else compare(want, got, atol, rtol, check_dtype)
        if problem:
            described = "" if case is _NO_CASE else describe_inputs(*_split_case(case))
            inputs = f"\n    inputs: {described}" if described else ""
            failures.append(f"  case {i + 1} of {len(runs)}{inputs}\n    {problem}")
    if failures:
        report = f"✗ {name}: {len(failures)} of {len(runs)} case(s) failed\n" + "\n".join(failures)
        if hint:
            report += f"\n  hint: {hint}"
        raise CheckFailed(report)
    print(f"✓ {name}: {len(runs)} case(s) passed")


def parse_records(text: str) -> dict[tuple[str, int], tuple[str, object, dict]]:
    """Parse the text of a record file: {(check, case): (status, plain value or error message, tolerance)}.

    Used by the trusted grader. Malformed lines are skipped (a student's code can write to the file).
    The first record of a (check, case) wins, so a record appended later cannot overwrite it.
    """
    records = {}
    for line in text.splitlines():
        try:
            row = json.loads(line)
            key = (str(row["check"]), int(row["case"]))
            status = row["status"]
            if status not in ("ok", "error") or key in records:
                continue
            value = decode(row["value"]) if status == "ok" else str(row["value"])
            tolerance = {"atol": float(row["tolerance"]["atol"]), "rtol": float(row["tolerance"]["rtol"]),
                         "check_dtype": bool(row["tolerance"]["check_dtype"])}
        except (ValueError, KeyError, TypeError, AttributeError, OverflowError, RecursionError):
            continue
        records[key] = (status, value, tolerance)
    return records
