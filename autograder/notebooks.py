"""Reading the nbgrader structure of a course notebook: solution regions, hidden tests, graded cells."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

SOLUTION_REGION = re.compile(r"^[ \t]*### BEGIN SOLUTION[^\n]*\n(.*?)^[ \t]*### END SOLUTION", re.S | re.M)
HIDDEN_REGION = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS[^\n]*\n(.*?)^[ \t]*### END HIDDEN TESTS", re.S | re.M)
FRAMEWORKS = ("tinygrad_ref", "numpy", "pytorch", "tensorflow")


def read(path: Path | str) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=4)


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def is_solution(cell) -> bool:
    return bool(nbgrader_meta(cell).get("solution"))


def is_graded_test(cell) -> bool:
    """An autograded test cell: graded, code, not a solution cell."""
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade")) and not meta.get("solution") and cell.cell_type == "code"


def grade_id(cell) -> str | None:
    return nbgrader_meta(cell).get("grade_id")


def secret_text(cell) -> list[str]:
    """The parts of a source cell that students must never see: solution regions (a whole solution
    cell when it has no region, as nbgrader does for markdown answers) and hidden tests."""
    parts = HIDDEN_REGION.findall(cell.source)
    if is_solution(cell):
        regions = SOLUTION_REGION.findall(cell.source)
        parts += regions if regions or cell.cell_type == "code" else [cell.source]
    return parts


def public_text(nb) -> str:
    """Everything in a source notebook outside the secret parts (what a student may see)."""
    chunks = []
    for cell in nb.cells:
        text = cell.source
        for secret in secret_text(cell):
            text = text.replace(secret, "")
        chunks.append(text)
    return "\n".join(chunks)


def exercises(nb) -> dict[str, dict]:
    """Autograded exercises by name: {name: {"solution": cell, "tests": [test cells]}}.

    An exercise ``name`` has a solution cell ``ex-<name>`` and test cells whose grade_id starts with
    ``test-<name>``.
    """
    found: dict[str, dict] = {}
    for cell in nb.cells:
        gid = grade_id(cell) or ""
        if is_solution(cell) and cell.cell_type == "code" and gid.startswith("ex-"):
            found.setdefault(gid[3:], {"solution": None, "tests": []})["solution"] = cell
    for cell in nb.cells:
        gid = grade_id(cell) or ""
        if is_graded_test(cell) and gid.startswith("test-"):
            name = max((n for n in found if gid[5:] == n or gid[5:].startswith(n + "-")), key=len, default=None)
            if name:
                found[name]["tests"].append(cell)
    return found
