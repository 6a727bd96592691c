"""`collect`: import submissions into grading/submitted/<student>/<assignment>/.

Two layouts are understood:

* a folder (or a zip of one) laid out ``<student>/<assignment>/*.ipynb`` (nbgrader's own layout, and what
  ``nbgrader collect`` leaves in submitted/), with any small data files beside the notebooks;
* an LMS download (a zip or folder of flat files) named ``<student>_<anything>_<assignment>...ipynb``,
  as Canvas, Moodle and similar produce: the student is the part before the first ``_`` and the
  assignment is the known assignment name that occurs in the file name. The notebook is stored under the
  assignment's notebook name.

Every file is reported as imported, updated, unchanged or skipped, with the reason.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import shutil
import stat
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from . import lms
from .config import Course
from .course import notebook_path

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,63}$")
MAX_FILE = 50 * 2**20
MAX_ZIP_TOTAL = 2 * 2**30
IGNORED = {".ipynb_checkpoints", "__pycache__", "__MACOSX", ".DS_Store", "timestamp.txt"}
NOT_REGULAR = "not a regular file (a link or device); ask the student to submit the file itself"
TOO_LARGE = f"larger than {MAX_FILE // 2**20} MiB"


class CollectError(RuntimeError):
    pass


@dataclass
class Entry:
    action: str  # imported, updated, unchanged, skipped, warning
    student: str
    assignment: str
    file: str
    reason: str = ""


def collect(course: Course, source: Path, assignments: list[str] | None = None) -> list[Entry]:
    source = Path(source)
    if not source.exists():
        raise CollectError(
            f"{source} does not exist; give a folder laid out <student>/<assignment>/*.ipynb "
            "or a zip file downloaded from the LMS"
        )
    known = course.assignments()
    wanted = assignments or known
    course.require(wanted)
    with tempfile.TemporaryDirectory(prefix="autograder-collect-") as tmp:
        if source.is_file():
            if not zipfile.is_zipfile(source):
                raise CollectError(f"{source} is neither a folder nor a zip file")
            root = Path(tmp) / "unzipped"
            entries = _unzip(source, root, known)
        else:
            root, entries = source, []
        staged: dict[tuple[str, str], dict[str, Path]] = {}
        identities: dict[tuple[str, str], lms.LmsFile] = {}  # Canvas / Moodle ids from the file names
        entries += _scan(root, known, wanted, staged, identities)
        entries += _store(course, staged)
    stored = {k: v for k, v in identities.items() if (course.submitted / k[0] / k[1]).is_dir()}
    if stored:
        roster = lms.roster_path(course).name
        for warning in lms.record(course, stored):
            entries.append(Entry("warning", warning.split(":")[0], "?", roster, warning))
    return entries


def _unzip(path: Path, dest: Path, known: list[str]) -> list[Entry]:
    entries, total = [], 0
    dest.mkdir(parents=True)
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            name = info.filename
            parts = Path(name).parts
            is_link = stat.S_ISLNK(info.external_attr >> 16)
            if info.is_dir() or any(p in IGNORED or p.startswith("._") for p in parts):
                continue
            if name.startswith("/") or ".." in parts or is_link:
                student, assignment = _owner(parts, known)
                entries.append(Entry("skipped", student, assignment, name, "unsafe path or link in the zip"))
                continue
            if info.file_size > MAX_FILE or total + info.file_size > MAX_ZIP_TOTAL:
                entries.append(Entry("skipped", "?", "?", name, f"larger than {MAX_FILE // 2**20} MiB"))
                continue
            total += info.file_size
            target = dest.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)
            mtime = time.mktime(info.date_time + (0, 0, -1))
            os.utime(target, (mtime, mtime))
    return entries


def _scan(root: Path, known, wanted, staged, identities) -> list[Entry]:
    entries = []
    # a zip that wraps everything in one folder that is not a student: look inside it (the folder holds
    # <student>/<assignment>/ folders, or the flat files of an LMS download)
    children = [p for p in root.iterdir() if p.name not in IGNORED and not p.name.startswith(".")]
    if (
        len(children) == 1
        and children[0].is_dir()
        and not children[0].is_symlink()
        and not any((children[0] / a).is_dir() for a in known)
    ):
        inner = [p for p in children[0].iterdir() if not p.is_symlink()]
        nested = any(p.is_dir() and (p / a).is_dir() for p in inner for a in known)
        flat = any(p.is_file() and p.suffix == ".ipynb" and _flat_name(p.name, known)[1] for p in inner)
        if nested or flat:
            root = children[0]
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(p in IGNORED or p.startswith(".") for p in rel.parts) or path.is_dir():
            continue
        if path.is_symlink() or not path.is_file():
            student, assignment = _owner(rel.parts, known)
            entries.append(Entry("skipped", student, assignment, str(rel), NOT_REGULAR))
            continue
        # Moodle may put each file in a folder named like a flat file's prefix
        flat = "".join(rel.parts) if len(rel.parts) == 2 and lms.parse("".join(rel.parts)) else None
        if len(rel.parts) >= 3:
            student, assignment, inner_path = rel.parts[0], rel.parts[1], Path(*rel.parts[2:])
        elif (len(rel.parts) == 1 or flat) and path.suffix == ".ipynb":
            identity = lms.parse(flat or path.name)
            if identity:
                student, assignment = identity.student, _flat_name("_" + identity.rest, known)[1]
                if assignment:
                    identities[(student, assignment)] = identity
            else:
                student, assignment = _flat_name(path.name, known)
            inner_path = notebook_path(Path("."), assignment).relative_to(assignment) if assignment else None
            if assignment is None:
                entries.append(
                    Entry(
                        "skipped",
                        student or "?",
                        "?",
                        str(rel),
                        f"no known assignment name in the file name (known: {', '.join(known)})",
                    )
                )
                continue
        else:
            entries.append(
                Entry(
                    "skipped",
                    "?",
                    "?",
                    str(rel),
                    "not in <student>/<assignment>/ and not an LMS "
                    "file named <student>_..._<assignment>.ipynb",
                )
            )
            continue
        if not STUDENT_ID.match(student or ""):
            entries.append(
                Entry(
                    "skipped",
                    student or "?",
                    assignment,
                    str(rel),
                    "invalid student id (letters, digits, and . _ @ + - only)",
                )
            )
            continue
        if assignment not in known:
            entries.append(
                Entry(
                    "skipped",
                    student,
                    assignment,
                    str(rel),
                    f"unknown assignment (known: {', '.join(known)})",
                )
            )
            continue
        if assignment not in wanted:
            continue
        if path.stat().st_size > MAX_FILE:
            entries.append(Entry("skipped", student, assignment, str(rel), TOO_LARGE))
            continue
        files = staged.setdefault((student, assignment), {})
        key = str(inner_path)
        if key in files:
            entries.append(
                Entry("skipped", student, assignment, str(rel), f"a second copy of {key}; kept the first")
            )
            continue
        files[key] = path
    return entries


def _owner(parts, known: list[str]) -> tuple[str, str]:
    """(student, assignment) a path belongs to, as far as its name tells, "?" where it does not."""
    parts = [p for p in parts if p not in ("", "/")]
    if len(parts) >= 3:
        return parts[-3] if len(parts) == 3 else parts[0], parts[-2] if len(parts) == 3 else parts[1]
    if parts:
        student, assignment = _flat_name(parts[-1], known)
        return student or "?", assignment or "?"
    return "?", "?"


def _flat_name(name: str, known: list[str]) -> tuple[str | None, str | None]:
    student = name.split("_", 1)[0] if "_" in name else None
    matches = [a for a in known if a in name[len(student or "") :]]
    return student, max(matches, key=len) if matches else None


def submission_files(folder: Path, student: str, assignment: str) -> tuple[dict[str, Path], list[Entry]]:
    """The files of one student's submission of one assignment, from a folder holding only them (as
    Gradescope hands one over): {path inside the submission: file}, and an entry for each file refused
    by the rules ``collect`` applies to every file (links and other non-regular files, size; Jupyter's
    and macOS's leftovers and hidden files are passed over)."""
    files, entries = {}, []
    folder = Path(folder)
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(p in IGNORED or p.startswith(".") for p in rel.parts):
            continue
        if path.is_dir() and not path.is_symlink():
            continue
        if path.is_symlink() or not path.is_file():
            entries.append(Entry("skipped", student, assignment, str(rel), NOT_REGULAR))
        elif path.stat().st_size > MAX_FILE:
            entries.append(Entry("skipped", student, assignment, str(rel), TOO_LARGE))
        else:
            files[rel.as_posix()] = path
    return files, entries


def store(course: Course, student: str, assignment: str, files: dict[str, Path]) -> list[Entry]:
    """Put one submission's accepted files into submitted/<student>/<assignment>/ (replacing what was
    there, atomically; byte-order marks removed, invalid notebooks and a missing notebook reported)."""
    try:
        return _store_one(course, student, assignment, files)
    except Exception as exc:  # one student's files never stop the others being imported
        return [Entry("skipped", student, assignment, ", ".join(sorted(files)),
                      f"could not be imported ({type(exc).__name__}: {str(exc)[:200]})")]


def _store(course: Course, staged) -> list[Entry]:
    entries = []
    for (student, assignment), files in sorted(staged.items()):
        entries += store(course, student, assignment, files)
    return entries


def _store_one(course: Course, student: str, assignment: str, files: dict[str, Path]) -> list[Entry]:
    entries = []
    dest = course.submitted / student / assignment
    notebooks = [k for k in files if k.endswith(".ipynb")]
    if not notebooks:
        entries.append(
            Entry("skipped", student, assignment, ", ".join(files), "no notebook in the submission")
        )
        return entries
    old = (
        {str(p.relative_to(dest)): p.read_bytes() for p in dest.rglob("*") if p.is_file()}
        if dest.is_dir()
        else None
    )
    new = {k: p.read_bytes() for k, p in files.items()}
    boms = [k for k in new if k.endswith(".ipynb") and new[k].startswith(codecs.BOM_UTF8)]
    for k in boms:  # Jupyter reads a notebook with a byte-order mark; the stored copy has none
        new[k] = new[k][len(codecs.BOM_UTF8):]
    if old is not None:
        old.pop("timestamp.txt", None)
    if old == new:
        for k in sorted(files):
            entries.append(Entry("unchanged", student, assignment, k))
        return entries
    stamp = max(p.stat().st_mtime for p in files.values())
    tmp = dest.with_name(f".{assignment}.collecting")
    shutil.rmtree(tmp, ignore_errors=True)
    for k in files:
        (tmp / k).parent.mkdir(parents=True, exist_ok=True)
        (tmp / k).write_bytes(new[k])
    (tmp / "timestamp.txt").write_text(time.strftime("%Y-%m-%d %H:%M:%S.000000 UTC", time.gmtime(stamp)))
    if dest.exists():
        shutil.rmtree(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp.rename(dest)
    for k in sorted(files):
        entries.append(Entry("updated" if old is not None else "imported", student, assignment, k))
        if k in boms:
            entries.append(
                Entry("warning", student, assignment, k, "started with a UTF-8 byte-order mark (saved by "
                      "an editor other than Jupyter); removed it, the notebook is graded normally")
            )
        if k.endswith(".ipynb"):
            try:
                json.loads(new[k])
            except (ValueError, RecursionError) as exc:
                entries.append(
                    Entry(
                        "warning",
                        student,
                        assignment,
                        k,
                        f"not valid notebook JSON ({exc}); "
                        "it will score 0 unless the student resubmits a notebook saved by Jupyter",
                    )
                )
    expected = {course.source_notebook(assignment).name}
    for name in sorted(expected - set(notebooks)):
        entries.append(
            Entry(
                "warning",
                student,
                assignment,
                name,
                f"missing (submitted: {', '.join(notebooks)}); "
                "it will score 0: ask the student to submit it under this name",
            )
        )
    return entries


def report_table(entries: list[Entry]) -> str:
    lines = [f"{'action':<9} {'student':<16} {'assignment':<20} {'file':<32} reason"]
    for e in entries:
        lines.append(f"{e.action:<9} {e.student:<16} {e.assignment:<20} {e.file:<32} {e.reason}")
    counts: dict[str, int] = {}
    for e in entries:
        counts[e.action] = counts.get(e.action, 0) + 1
    lines.append(", ".join(f"{n} {a}" for a, n in sorted(counts.items())) or "nothing found")
    return "\n".join(lines)
