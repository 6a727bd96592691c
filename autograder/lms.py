"""Learning-management systems: who a downloaded file belongs to, and the CSV files the LMS imports.

Canvas and Moodle name the files of a "download all submissions" archive after the student:

* Canvas: ``<sortable name>_<user id>_<attachment id>_<original name>``, with ``_LATE`` after the name of a
  late submission (``smithjane_LATE_4711_99_01-tensors.ipynb``). The user id is the ``ID`` column of
  Canvas's gradebook CSV, which is how Canvas matches an imported row to a student.
* Moodle: ``<full name>_<participant id>_assignsubmission_file_<original name>``, either flat or as a folder
  of that name holding the original file. The participant id is the ``Identifier`` ("Participant 4711")
  of the assignment's grading worksheet, which Moodle imports.

`collect` stores each student under a course id made from the name (``smithjane``, ``jane-smith``) and
records the LMS ids here, in ``grading/lms_roster.json``; ``export --lms canvas|moodle`` writes the files
the LMS imports, with one total per student and assignment (``outputs.totals``: the same totals as
``totals.csv``).
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .config import Course

LMS_NAMES = ("canvas", "moodle")
_CANVAS = re.compile(r"^(?P<name>[a-z0-9]+)(?:_LATE)?_(?P<id>\d+)_\d+_(?P<rest>.+)$")
_MOODLE = re.compile(r"^(?P<name>[^_/]+)_(?P<id>\d+)_assignsubmission_(?:file|onlinetext)_(?P<rest>.*)$")


@dataclass(frozen=True)
class LmsFile:
    """What a file name says: the LMS, the course's student id, the student's name and id in the LMS."""

    lms: str
    student: str
    name: str
    lms_id: str
    rest: str  # the original file name the student uploaded


def parse(filename: str) -> LmsFile | None:
    """The LMS identity in a Canvas or Moodle download's file name, or None for any other name."""
    found = _CANVAS.match(filename)
    if found:
        return LmsFile("canvas", found["name"], found["name"], found["id"], found["rest"])
    found = _MOODLE.match(filename)
    if found:
        return LmsFile("moodle", course_id(found["name"]), found["name"].strip(), found["id"], found["rest"])
    return None


def course_id(full_name: str) -> str:
    """A student id for folder names from a person's name: ASCII letters and digits joined by '-'."""
    ascii_name = unicodedata.normalize("NFKD", full_name).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_name.lower()))[:64] or "student"


def roster_path(course: Course) -> Path:
    return course.grading / "lms_roster.json"


def load_roster(course: Course) -> dict:
    """{student: {"lms": ..., "name": ..., "ids": {assignment: lms id}}}; empty without a roster."""
    try:
        data = json.loads(roster_path(course).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def record(course: Course, found: dict[tuple[str, str], LmsFile]) -> list[str]:
    """Add what `collect` found ({(student, assignment): LmsFile}) to the roster. Returns warnings: a
    course id that now stands for two different LMS students is refused, since their grades would mix."""
    roster = load_roster(course)
    warnings = []
    for (student, assignment), info in sorted(found.items()):
        entry = roster.setdefault(student, {"lms": info.lms, "name": info.name, "ids": {}})
        other_id = info.lms == "canvas" and any(i != info.lms_id for i in entry["ids"].values())
        if entry["lms"] != info.lms or entry["name"] != info.name or other_id:
            warnings.append(
                f"{student}: the {info.lms} student {info.name!r} (id {info.lms_id}) maps to the same course "
                f"id as the {entry['lms']} student {entry['name']!r} "
                f"(ids {sorted(set(entry['ids'].values()))}); "
                "their LMS grades are not exported until one is renamed in the roster and submitted/"
            )
            continue
        entry["ids"][assignment] = info.lms_id
    path = roster_path(course)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(roster, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return warnings


def write_import(course: Course, lms: str, dest: Path | None = None,
                 totals: dict | None = None) -> tuple[list[Path], list[str]]:
    """The LMS's import file(s) in ``dest`` (default: the course's exports folder), with each student's
    total per assignment: ``totals`` ({(student, assignment): outputs.Total}) when the caller has them,
    else :func:`autograder.outputs.totals` of the stored results. Returns the files written and the
    students left out (no id from that LMS: collected from a plain folder)."""
    if lms not in LMS_NAMES:
        raise ValueError(f"unknown LMS {lms!r}; choose one of {', '.join(LMS_NAMES)}")
    if totals is None:
        from .outputs import totals as stored_totals

        totals = stored_totals(course)
    dest = Path(dest or course.exports)
    roster = {s: e for s, e in load_roster(course).items() if e.get("lms") == lms}
    left_out = sorted({s for s, _ in totals if s not in roster})
    dest.mkdir(parents=True, exist_ok=True)
    assignments = sorted({a for _, a in totals})
    if lms == "canvas":
        return [_canvas(roster, totals, assignments, dest / "canvas-import.csv")], left_out
    return [_moodle(roster, totals, a, dest / f"moodle-{a}.csv") for a in assignments], left_out


def _canvas(roster, totals, assignments, path: Path) -> Path:
    """Canvas's gradebook layout: identity columns, one column per assignment, a Points Possible row."""
    maximum = {a: max((t.max_points for (_, b), t in totals.items() if b == a), default=0.0)
               for a in assignments}
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *assignments])
        writer.writerow(["    Points Possible", "", "", "", "", *(f"{maximum[a]:g}" for a in assignments)])
        for student, entry in sorted(roster.items()):
            ids = set(entry["ids"].values())
            if not ids or not any((student, a) in totals for a in assignments):
                continue
            scores = [f"{totals[(student, a)].score:g}" if (student, a) in totals else ""
                      for a in assignments]
            writer.writerow([entry["name"], sorted(ids)[0], "", "", "", *scores])
    return path


def _moodle(roster, totals, assignment: str, path: Path) -> Path:
    """Moodle's offline grading worksheet for one assignment (Identifier = "Participant <id>")."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["Identifier", "Full name", "Grade", "Maximum Grade", "Grade can be changed"])
        for student, entry in sorted(roster.items()):
            if (student, assignment) not in totals or assignment not in entry["ids"]:
                continue
            total = totals[(student, assignment)]
            writer.writerow([f"Participant {entry['ids'][assignment]}", entry["name"], f"{total.score:.2f}",
                             f"{total.max_points:.2f}", "Yes"])
    return path
