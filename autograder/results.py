"""The typed result of grading one submission, and how it is stored.

grading/results/<student>/<assignment>.json holds one :class:`Result`, written by :meth:`Result.write`
(atomically, JSON with sorted keys, every lone UTF-16 surrogate replaced) and read back by
:func:`load_result`. Each graded cell carries its position in the source notebook and its exercise title,
so whoever reads a result (gradebook, feedback, export, report) needs neither solutions/ nor a rebuild.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

RESULT_VERSION = 4  # 3: every cell has its "title", and manual cells their "index"; 4: "metric"


def write_json_atomic(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load_json(path: Path):
    """The JSON in ``path``, with any lone surrogate replaced (see :func:`clean`); None when unreadable
    (missing, invalid, nested too deep)."""
    try:
        with open(path, encoding="utf-8") as f:
            return clean(json.load(f))
    except (OSError, ValueError, RecursionError):
        return None


def clean(data):
    """``data`` with every string made encodable as UTF-8: a lone UTF-16 surrogate (which JSON can carry
    as an escape, and a student's exception message or answer cell can contain) becomes "?". Every
    result passes through this before it is stored, so no writer downstream (notebook, HTML, CSV,
    gradebook) can fail on it."""
    if isinstance(data, str):
        try:
            data.encode("utf-8")
            return data
        except UnicodeEncodeError:
            return data.encode("utf-8", "replace").decode("utf-8")
    if isinstance(data, dict):
        return {clean(k): clean(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [clean(v) for v in data]
    return data


@dataclass
class CellResult:
    """One graded cell: an autograded test cell ("auto") or a written answer graded by hand ("manual",
    whose ``score`` and ``passed`` stay None until formgrader, unless the notebook could not be graded)."""

    kind: str
    points: float
    score: float | None
    passed: bool | None
    reports: list[str]
    reason: str | None
    index: int | None  # position in the source notebook
    title: str  # the exercise's heading (autograder.notebooks.cell_titles)
    # a cell graded by accuracy on a hidden split (autograder/capstone.py): {"accuracy", "n", "band",
    # "fraction", "bands"}; None for every other cell, and when no accuracy could be measured
    metric: dict | None = None

    @classmethod
    def from_json(cls, gid: str, data: dict) -> CellResult:
        if data["kind"] not in ("auto", "manual") or not isinstance(data["points"], (int, float)):
            raise ValueError(f"cell {gid}: not a graded cell")
        return cls(
            kind=data["kind"], points=data["points"], score=data["score"], passed=data["passed"],
            reports=list(data["reports"]), reason=data["reason"], index=data.get("index"),
            title=data.get("title") or gid,  # results of version 2 had no title
            metric=_metric(data.get("metric")),
        )


def _metric(data) -> dict | None:
    if not isinstance(data, dict) or not isinstance(data.get("accuracy"), (int, float)):
        return None
    band = data.get("band")
    return {"accuracy": float(data["accuracy"]), "n": int(data.get("n") or 0),
            "band": float(band) if isinstance(band, (int, float)) else None,
            "fraction": float(data.get("fraction") or 0.0),
            "bands": [[float(a), float(f)] for a, f in data.get("bands") or []]}


@dataclass
class Fault:
    """A cell that stopped the sandbox (time, memory, output, a dead process), in words."""

    cell: str
    reason: str


@dataclass
class NotebookResult:
    status: str  # "graded", "missing" (not submitted) or "invalid" (unreadable)
    reason: str | None  # why it is not "graded"
    cells: dict[str, CellResult]  # by grade id
    answers: dict[str, str] = field(default_factory=dict)  # the student's answer cells, by grade id
    faults: list[Fault] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def in_order(self) -> list[tuple[str, CellResult]]:
        """The graded cells in the order of the source notebook."""
        return sorted(self.cells.items(), key=lambda item: 10**6 if item[1].index is None else item[1].index)

    def to_json(self) -> dict:
        return {
            "status": self.status,
            "reason": self.reason,
            "cells": {gid: vars(cell).copy() for gid, cell in self.cells.items()},
            "answers": dict(self.answers),
            "faults": [vars(fault).copy() for fault in self.faults],
            "notes": list(self.notes),
        }

    @classmethod
    def from_json(cls, data: dict) -> NotebookResult:
        return cls(
            status=data["status"], reason=data["reason"],
            cells={str(gid): CellResult.from_json(gid, cell) for gid, cell in data["cells"].items()},
            answers={str(k): str(v) for k, v in data["answers"].items()},
            faults=[Fault(str(f["cell"]), str(f["reason"])) for f in data["faults"]],
            notes=[str(n) for n in data["notes"]],
        )


@dataclass
class Result:
    """One student's graded assignment. ``key`` says what it was graded from (grading.result_key)."""

    student: str
    assignment: str
    key: dict
    notebooks: dict[str, NotebookResult]  # by notebook name (one: the assignment's)
    seconds: float = 0.0

    def cells(self) -> list[CellResult]:
        return [c for nb in self.notebooks.values() for c in nb.cells.values()]

    @property
    def score(self) -> float:
        return sum(c.score or 0 for c in self.cells())

    @property
    def max_score(self) -> float:
        return sum(c.points for c in self.cells())

    @property
    def auto_score(self) -> float:
        return sum(c.score or 0 for c in self.cells() if c.kind == "auto")

    def to_json(self) -> dict:
        return {
            "student": self.student,
            "assignment": self.assignment,
            "key": self.key,
            "notebooks": {name: nb.to_json() for name, nb in self.notebooks.items()},
            "score": self.score,
            "max_score": self.max_score,
            "auto_score": self.auto_score,
            "seconds": self.seconds,
        }

    @classmethod
    def from_json(cls, data: dict) -> Result:
        """The result in ``data``; ValueError when it is not one (damaged by hand or by a crash)."""
        try:
            if not all(isinstance(data[k], str) for k in ("student", "assignment")):
                raise ValueError("student and assignment must be strings")
            return cls(
                student=data["student"], assignment=data["assignment"], key=data.get("key", {}),
                notebooks={str(n): NotebookResult.from_json(nb) for n, nb in data["notebooks"].items()},
                seconds=data.get("seconds", 0.0),
            )
        except (TypeError, KeyError, AttributeError) as exc:
            raise ValueError(f"not a result ({type(exc).__name__}: {exc})") from None

    def cleaned(self) -> Result:
        """This result with every lone surrogate replaced (:func:`clean`), as it is stored."""
        return Result.from_json(clean(self.to_json()))

    def write(self, path: Path) -> None:
        write_json_atomic(path, clean(self.to_json()))


def load_result(path: Path) -> Result | None:
    """The result stored in ``path``; None when it is missing, unreadable or not a result."""
    data = load_json(path)
    try:
        return Result.from_json(data)
    except ValueError:
        return None
