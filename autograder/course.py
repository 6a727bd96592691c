"""The course model: its conventions, where its notebooks are, what a student sees of them, and the one
fingerprint of everything that can change a grade. Release, grading, the outputs and the site import
these; nothing else spells them out again.

Conventions (docs/authoring.md):

- One assignment per folder, one notebook per assignment: ``solutions/NN-name/NN-name.ipynb``, with the
  small data files it reads beside it. The student release has the same layout under ``course/``.
- Answers are nbgrader solution cells; in the release each ``### BEGIN SOLUTION`` ... ``### END SOLUTION``
  region (or a whole solution cell without one) becomes :data:`CODE_STUB` or :data:`TEXT_STUB`, and
  every ``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS`` region goes (:func:`public_notebook`).
- Side-by-side code cells carry ``metadata.framework``, one of :data:`FRAMEWORKS`, in that order.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import sys
from pathlib import Path

import nbformat

from . import notebooks as nbs

ROOT = Path(__file__).resolve().parent.parent  # this checkout
SOLUTIONS = ROOT / "solutions"  # the instructor's notebooks (nbgrader's source)
COURSE = ROOT / "course"  # the student release, generated from SOLUTIONS and committed
GRADING = ROOT / "grading"  # the trusted grading workspace (git-ignored)

# What a student finds in place of a solution (nbgrader's ClearSolutions stubs; nbgrader_config.py
# hands these to nbgrader).
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
TEXT_STUB = "YOUR ANSWER HERE"

# An assignment's hidden test splits: solutions/NN-name/hidden/<split>_images.npy and <split>_labels.npy
# (autograder/capstone.py). The folder stays out of the release, the site and every sandbox; the grader
# copies only a split's images into a job, and the labels never leave the trusted side.
HIDDEN_DIR = "hidden"

# Framework labels of side-by-side code cells, in the order a notebook shows them.
FRAMEWORKS = ("tinygrad_ref", "numpy", "pytorch", "tensorflow")


# ---------------------------------------------------------------- discovery


class UnknownAssignment(LookupError):
    """An assignment name that is not a folder of the course's solutions."""


def notebook_path(root: Path, assignment: str) -> Path:
    """The one notebook of ``assignment`` under ``root`` (solutions/ or course/): NN-name/NN-name.ipynb."""
    return Path(root) / assignment / f"{assignment}.ipynb"


def assignments(root: Path = SOLUTIONS) -> list[str]:
    """Every assignment under ``root`` (a folder holding its notebook), in course order (NN-name)."""
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and notebook_path(root, p.name).is_file())


def require_assignment(root: Path, assignment: str) -> Path:
    """The notebook of ``assignment`` under ``root``; :class:`UnknownAssignment` names the known ones."""
    known = assignments(root)
    if assignment not in known:
        raise UnknownAssignment(
            f"no assignment {assignment} in {root} (known: {', '.join(known) or 'none'}); an assignment is a "
            f"folder NN-name holding NN-name.ipynb"
        )
    return notebook_path(root, assignment)


# ---------------------------------------------------------------- what a student sees


def public_source(cell) -> str:
    """A source cell's text as the release has it: each solution region replaced by the stub at its
    indentation (a solution cell without a region becomes the stub), hidden tests removed, runs of blank
    lines left by a removal folded."""
    source = cell.source
    if nbs.is_solution(cell):
        stub = CODE_STUB if cell.cell_type == "code" else TEXT_STUB
        if nbs.SOLUTION_REGION.search(source):

            def indented(match, stub=stub):
                indent = re.match(r"[ \t]*", match.group(0)).group(0)
                return "\n".join(indent + line for line in stub.splitlines())

            source = nbs.SOLUTION_REGION.sub(indented, source)
        else:
            source = stub
    source = nbs.HIDDEN_REGION.sub("", source)
    if source == cell.source:
        return source
    return re.sub(r"\n{3,}", "\n\n", source).rstrip()


def public_notebook(source_nb):
    """A new notebook: the student's view of a (possibly executed) solution notebook. Every cell's source
    is :func:`public_source`; answer and graded test cells lose their outputs (they would show the
    solution's results); the nbgrader metadata goes."""
    nb = copy.deepcopy(source_nb)
    for cell in nb.cells:
        answer_or_test = nbs.is_solution(cell) or nbs.is_graded_test(cell)
        cell.source = public_source(cell)
        if cell.cell_type == "code" and answer_or_test:
            cell.outputs = []
        cell.metadata.pop("nbgrader", None)
    return nb


def public_lines(root: Path = SOLUTIONS, library: Path | None = ROOT / "tinygrad_ref") -> set[str]:
    """Every stripped line a student may see anyway: the public text (outside solution and hidden-test
    regions) of each notebook under ``root``, and every line of ``library``'s source (the site shows
    tinygrad_ref as the API reference). A secret line that is also one of these reveals nothing."""
    lines: set[str] = set()
    if library is not None:
        for path in sorted(Path(library).rglob("*.py")):
            lines.update(line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    for name in assignments(root):
        text = nbs.public_text(nbs.read(notebook_path(root, name)))
        lines.update(line.strip() for line in text.splitlines())
    return lines


# ---------------------------------------------------------------- grading a student's notebook


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
                answers[gid] = (str(cell.get("cell_type")), nbs.source_text(cell))
        except AttributeError:
            continue
    nb = nbformat.from_dict(json.loads(json.dumps(source_nb)))
    taken, notes = {}, []
    for cell in nb.cells:
        cell.pop("outputs", None)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        if not nbs.is_solution(cell):
            continue
        gid = nbs.grade_id(cell)
        kind, text = answers.get(gid, (None, None))
        if kind == cell.cell_type:
            cell.source = text
        else:
            cell.source = CODE_STUB if cell.cell_type == "code" else TEXT_STUB
            notes.append(f"answer cell {gid} is missing from the submitted notebook; graded as left blank")
        taken[gid] = cell.source
    return nb, taken, notes


# ---------------------------------------------------------------- the fingerprint

# The inputs of :func:`fingerprint` besides the folders it is given. Code: every file of these packages
# of the checkout (the check helpers, the sandbox and the scoring; the framework the notebooks import).
FINGERPRINT_PACKAGES = ("autograder", "tinygrad_ref")
# Libraries whose version can change what a solution or a student's code returns.
GRADE_LIBRARIES = ("numpy", "torch", "tensorflow", "tensorflow-cpu", "keras", "scipy", "scikit-learn",
                   "mlxtend", "nbformat", "ipython")


def _skipped(rel: Path) -> bool:
    """Files no run reads: hidden files and folders (.ipynb_checkpoints, .git) and bytecode caches."""
    return any(part.startswith(".") or part == "__pycache__" for part in rel.parts) or rel.suffix == ".pyc"


def file_digests(folder: Path) -> dict[str, bytes]:
    """{path relative to ``folder``: sha256 of its bytes} for every regular file below it, in sorted
    order; symbolic links, hidden files and bytecode caches left out; a missing folder has none."""
    folder = Path(folder)
    if not folder.is_dir():
        return {}
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).digest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.is_symlink() and not _skipped(path.relative_to(folder))
    }


def folder_digest(folder: Path) -> str:
    """A digest of :func:`file_digests` (each file's relative path and bytes)."""
    h = hashlib.sha256()
    for rel, digest in file_digests(folder).items():
        h.update(hashlib.sha256(rel.encode()).digest())
        h.update(digest)
    return h.hexdigest()


def library_versions() -> str:
    """Python's version and the installed version of each of :data:`GRADE_LIBRARIES`, one per line
    (``name==version`` or ``name absent``): the environment's part of :func:`fingerprint`."""
    from importlib import metadata

    lines = [sys.version]
    for name in GRADE_LIBRARIES:
        try:
            lines.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            lines.append(f"{name} absent")
    return "\n".join(lines)



def fingerprint(*folders: Path, code: bool = True, code_root: Path = ROOT) -> str:
    """Changes when anything that can change what the notebooks in ``folders`` compute changes.

    Its inputs, and nothing else:

    - each of ``folders`` (an assignment's folder: its notebook and data files), by :func:`folder_digest`;
    - with ``code`` (the default): every file of :data:`FINGERPRINT_PACKAGES` under ``code_root`` (the
      grading code and tinygrad_ref), the Python version, and the installed versions of
      :data:`GRADE_LIBRARIES`.

    The grader keys a solution's cached run by ``fingerprint(solution folder)`` and a result by that and
    the submission's :func:`folder_digest`; the site keys an executed notebook the same way.
    """
    parts = [folder_digest(folder) for folder in folders]
    if code:
        parts += [folder_digest(Path(code_root) / package) for package in FINGERPRINT_PACKAGES]
        parts.append(hashlib.sha256(library_versions().encode()).hexdigest())
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:20]
