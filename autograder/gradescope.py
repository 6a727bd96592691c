"""Gradescope: an autograder bundle that grades one submission with this grader, sandboxed.

``python -m autograder gradescope NN-name`` writes ``NN-name-gradescope.zip``, laid out as Gradescope
expects (``setup.sh`` and ``run_autograder`` at the top). Gradescope unpacks it into
``/autograder/source``, runs ``setup.sh`` once when it builds the image, and for every submission runs
``run_autograder`` with the student's files in ``/autograder/submission``; the grade is read from
``/autograder/results/results.json``.

``run_autograder`` grades exactly as ``python -m autograder grade`` does (the student's code runs in the
bubblewrap sandbox; expected values and the comparison stay outside it) and turns the result into
Gradescope's format: one test per autograded cell with its score, maximum and report. The details of
hidden cases go into a companion entry that students see only once grades are published. Written
answers are graded by hand, so they are not part of the autograder's score; the output says so.
A machine where the sandbox cannot run gets a results.json that says why and scores nothing: student
code is never run unsandboxed.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from . import collect
from .config import ROOT, Course
from .course import notebook_path, require_assignment

# What the bundle carries besides the assignment: the code that grades, and how to install it.
PACKAGES = ("autograder", "tinygrad_ref")
FILES = ("pyproject.toml", "requirements.txt", "LICENSE")
STUDENT = "gradescope-submission"  # the one student of the scratch grading workspace

SETUP_SH = """#!/usr/bin/env bash
# Runs once, when Gradescope builds the autograder image (Ubuntu).
set -euo pipefail
apt-get update
apt-get install -y --no-install-recommends python3.11 python3.11-venv bubblewrap
python3.11 -m venv /autograder/venv
# the CPU build of PyTorch: PyPI's default build pulls several GB of CUDA libraries
/autograder/venv/bin/pip install --extra-index-url https://download.pytorch.org/whl/cpu \\
    -r /autograder/source/requirements.txt
/autograder/venv/bin/pip install --no-deps -e /autograder/source
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Runs for every submission. AUTOGRADER_ROOT and AUTOGRADER_PYTHON exist for tests outside Gradescope.
set -euo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PYTHON="${{AUTOGRADER_PYTHON:-$ROOT/venv/bin/python}}"
cd "$ROOT/source"
exec "$PYTHON" -m autograder.gradescope {assignment} "$ROOT"
"""


def build_bundle(course: Course, assignment: str, dest: Path | None = None) -> Path:
    """Write ``<dest>/<assignment>-gradescope.zip`` and return its path."""
    require_assignment(course.solutions, assignment)
    if not notebook_path(course.release, assignment).is_file():
        raise FileNotFoundError(
            f"{course.release / assignment} does not exist; "
            f"run `python -m autograder release {assignment}` first"
        )
    dest = Path(dest or course.exports)
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / f"{assignment}-gradescope.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        _add_text(z, "setup.sh", SETUP_SH)
        _add_text(z, "run_autograder", RUN_AUTOGRADER.format(assignment=assignment))
        for name in FILES:
            if (ROOT / name).is_file():
                z.write(ROOT / name, name)
        for package in PACKAGES:
            _add_tree(z, ROOT / package, package)
        _add_tree(z, course.solutions / assignment, f"solutions/{assignment}")
        _add_tree(z, course.release / assignment, f"course/{assignment}")
    return path


def _add_text(z: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.external_attr = 0o100755 << 16  # executable: Gradescope runs both scripts directly
    z.writestr(info, text)


def _add_tree(z: zipfile.ZipFile, folder: Path, arcname: str) -> None:
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_file() and not any(p in ("__pycache__", ".ipynb_checkpoints") for p in rel.parts):
            z.write(path, f"{arcname}/{rel.as_posix()}")


def run(assignment: str, root: Path) -> dict:
    """Grade ``root/submission`` against the bundle in ``root/source``; write and return results.json."""
    start = time.monotonic()
    source = root / "source"
    results_file = root / "results" / "results.json"
    results_file.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gradescope-") as tmp:
        course = Course(solutions=source / "solutions", release=source / "course",
                        grading=Path(tmp) / "grading")
        notes = _stage(root / "submission", course, assignment)
        try:
            from .pipeline import grade

            grade(course, [STUDENT], [assignment], workers=1, progress=False)
            result = json.loads((course.results / STUDENT / f"{assignment}.json").read_text(encoding="utf-8"))
            results = to_gradescope(result, notes)
        except Exception as exc:  # no sandbox, a broken bundle: say so, and grade nothing unsandboxed
            results = {
                "score": 0.0,
                "output": f"The submission could not be graded: {type(exc).__name__}: {exc}. "
                "Your instructor has been told nothing automatically; please contact them.",
                "visibility": "visible",
                "stdout_visibility": "hidden",
                "tests": [],
            }
    results["execution_time"] = round(time.monotonic() - start, 1)
    results_file.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return results


def _stage(submission: Path, course: Course, assignment: str) -> list[str]:
    """Stage the submitted files in the workspace's submitted/<student>/<assignment>/ through collect's
    own checks and store (links and other non-regular files refused, sizes capped), as notes for the
    student. Gradescope keeps the uploaded file names; a single notebook under another name is taken as
    the assignment's."""
    files, entries = collect.submission_files(submission, STUDENT, assignment)
    expected = notebook_path(Path("."), assignment).name
    notes = []
    notebooks = [k for k in files if k.endswith(".ipynb")]
    if expected not in files and len(notebooks) == 1:
        files[expected] = files.pop(notebooks[0])
        notes.append(f"Graded {notebooks[0]} as {expected} (the only notebook submitted).")
    entries += collect.store(course, STUDENT, assignment, files)
    # nothing stored (no notebook): an empty submission, graded as a missing notebook
    (course.submitted / STUDENT / assignment).mkdir(parents=True, exist_ok=True)
    notes += [f"{e.file}: {e.reason}" for e in entries if e.action in ("skipped", "warning")]
    return notes


def to_gradescope(result: dict, notes: list[str] | None = None) -> dict:
    """Gradescope's results.json from one stored result of this grader (its JSON; see the module
    docstring). Cells come in notebook order, named by their exercise's title."""
    tests, written, problems = [], [], []
    cells = [(gid, c) for nb in result["notebooks"].values() for gid, c in nb["cells"].items()]
    in_order = sorted(cells, key=lambda item: (item[1].get("index") is None, item[1].get("index") or 0))
    for number, (gid, cell) in enumerate(in_order, start=1):
        name = cell.get("title") or gid
        if cell["kind"] == "manual":
            written.append(f"{name} ({cell['points']:g} points)")
            continue
        visible = [r for r in cell["reports"] if not _is_hidden(r)]
        hidden = [r for r in cell["reports"] if _is_hidden(r)]
        lines = visible + ([f"{len(hidden)} hidden check(s): details are shown once grades are published"]
                           if hidden else [])
        if cell["reason"]:  # an accuracy-graded cell has one at full marks too (its accuracy and band)
            lines.append(f"{'result' if cell['passed'] else 'why not full marks'}: {cell['reason']}")
        tests.append({
            "name": name,
            "number": str(number),
            "score": float(cell["score"] or 0),
            "max_score": float(cell["points"]),
            "status": "passed" if cell["passed"] else "failed",
            "output": "\n".join(lines),
            "visibility": "visible",
        })
        if hidden:
            tests.append({
                "name": f"{name}: hidden checks",
                "number": f"{number}.h",
                "score": 0.0,
                "max_score": 0.0,
                "output": "\n".join(hidden),
                "visibility": "after_published",
            })
    for nb_name, nb in result["notebooks"].items():
        problems += [f"{nb_name}: {f['cell']}: {f['reason']}" for f in nb.get("faults", [])]
    score, maximum = sum(t["score"] for t in tests), sum(t["max_score"] for t in tests)
    output = [f"Autograded: {score:g} of {maximum:g} points."]
    output += notes or []
    if written:
        output.append("Graded by hand later, not included above: " + ", ".join(written) + ".")
    if problems:
        output.append("Cells stopped while grading: " + "; ".join(problems))
    return {
        "score": float(score),
        "output": "\n".join(output),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def _is_hidden(report: str) -> bool:
    return report.lstrip("✓✗ ").split(":", 1)[0].endswith("_hidden")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print("usage: python -m autograder.gradescope ASSIGNMENT AUTOGRADER_ROOT", file=sys.stderr)
        return 2
    results = run(argv[0], Path(argv[1]))
    print(f"score {results['score']:g}; wrote {Path(argv[1]) / 'results' / 'results.json'}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.exit(main())
