"""Reading the nbgrader structure of a course notebook: solution regions, hidden tests, graded cells."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat

SOLUTION_REGION = re.compile(r"^[ \t]*### BEGIN SOLUTION[^\n]*\n(.*?)^[ \t]*### END SOLUTION", re.S | re.M)
HIDDEN_REGION = re.compile(
    r"^[ \t]*### BEGIN HIDDEN TESTS[^\n]*\n(.*?)^[ \t]*### END HIDDEN TESTS", re.S | re.M)
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


_POINTS_SUFFIX = re.compile(r"\s*\([^()]*?\b\d+(?:\.\d+)?\s+points?\s*\)\s*$")


def heading_title(markdown: str) -> str | None:
    """The last heading of a markdown cell, as plain text without its "(N points)"."""
    headings = [line for line in markdown.splitlines() if re.match(r"^#{1,6}\s", line)]
    if not headings:
        return None
    text = re.sub(r"[`*_]", "", headings[-1].lstrip("#").strip())
    return _POINTS_SUFFIX.sub("", text).strip() or None


def cell_titles(nb) -> dict[str, str]:
    """{grade_id: title} for every graded cell: the heading of the exercise it belongs to (the last
    markdown heading above it); a second graded cell under the same heading gets "(part 2)", and so on.
    Cells without a heading above them keep their grade id."""
    titles: dict[str, str] = {}
    heading, seen = None, {}
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            found = heading_title(cell.source)
            if found and not nbgrader_meta(cell).get("grade"):
                heading = found
        gid = grade_id(cell)
        if not gid or not nbgrader_meta(cell).get("grade"):
            continue
        if heading is None:
            titles[gid] = gid
            continue
        seen[heading] = seen.get(heading, 0) + 1
        titles[gid] = heading if seen[heading] == 1 else f"{heading} (part {seen[heading]})"
    return titles


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
            names = (n for n in found if gid[5:] == n or gid[5:].startswith(n + "-"))
            name = max(names, key=len, default=None)
            if name:
                found[name]["tests"].append(cell)
    return found


def is_manual(cell) -> bool:
    """A cell graded by hand in formgrader (a written answer): graded and a solution cell."""
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade")) and bool(meta.get("solution"))


def points(cell) -> float:
    try:
        return float(nbgrader_meta(cell).get("points", 0) or 0)
    except (TypeError, ValueError):
        return 0.0


def _source(cell) -> str:
    source = cell.get("source", "")
    if isinstance(source, list):
        source = "".join(str(s) for s in source)
    return source if isinstance(source, str) else ""


CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
TEXT_STUB = "YOUR ANSWER HERE"


def rebuild(source_nb, student_nb) -> tuple[nbformat.NotebookNode, dict[str, str], list[str]]:
    """The notebook to grade: the instructor's source with only the student's answers put in.

    Every cell, its order, metadata, points and the kernelspec come from ``source_nb`` (the solution
    notebook, with its hidden tests). Each solution (answer) cell's source is replaced by the source of
    the student's cell with the same grade_id and cell type, or by the release stub when the student's
    notebook has none. Nothing else of the student's notebook is used, so deleted, edited, moved or
    re-labelled test cells, changed points or a changed kernelspec change nothing.

    Returns the rebuilt notebook, the student's answers by grade_id, and notes on missing answers.
    """
    answers: dict[str, tuple[str, str]] = {}
    for cell in (student_nb or {}).get("cells", []) or []:
        try:
            meta = cell.get("metadata", {}).get("nbgrader", {}) or {}
            gid = meta.get("grade_id")
            if meta.get("solution") and isinstance(gid, str) and gid not in answers:
                answers[gid] = (str(cell.get("cell_type")), _source(cell))
        except AttributeError:
            continue
    nb = nbformat.from_dict(json.loads(json.dumps(source_nb)))
    taken, notes = {}, []
    for cell in nb.cells:
        cell.pop("outputs", None)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        if not is_solution(cell):
            continue
        gid = grade_id(cell)
        kind, text = answers.get(gid, (None, None))
        if kind == cell.cell_type:
            cell.source = text
        else:
            cell.source = CODE_STUB if cell.cell_type == "code" else TEXT_STUB
            notes.append(f"answer cell {gid} is missing from the submitted notebook; graded as left blank")
        taken[gid] = cell.source
    return nb, taken, notes
