"""Canvas and Moodle: ids read from their download's file names, and the gradebook files they import."""

from __future__ import annotations

import csv
import shutil
import zipfile

import pytest

from autograder import lms
from autograder.collect import collect
from autograder.config import Course
from autograder.outputs import export

from .conftest import new_course


@pytest.mark.parametrize(
    "filename, expected",
    [
        ("smithjane_4711_99_01-basics.ipynb",
         ("canvas", "smithjane", "smithjane", "4711", "01-basics.ipynb")),
        ("smithjane_LATE_4711_99_01-basics-1.ipynb",
         ("canvas", "smithjane", "smithjane", "4711", "01-basics-1.ipynb")),
        ("Jane Smith_815_assignsubmission_file_01-basics.ipynb",
         ("moodle", "jane-smith", "Jane Smith", "815", "01-basics.ipynb")),
        ("Zoë O'Brien-Lee_9_assignsubmission_file_my 01-basics.ipynb",
         ("moodle", "zoe-o-brien-lee", "Zoë O'Brien-Lee", "9", "my 01-basics.ipynb")),
    ],
)
def test_lms_file_names(filename, expected):
    found = lms.parse(filename)
    assert (found.lms, found.student, found.name, found.lms_id, found.rest) == expected


@pytest.mark.parametrize(
    "filename", ["dave_99_02-arrays-1.ipynb", "01-basics.ipynb", "alice_01-basics.ipynb"]
)
def test_other_names_are_not_taken_for_an_lms(filename):
    assert lms.parse(filename) is None


def test_collect_records_canvas_and_moodle_ids(tmp_path, released):
    course = new_course(tmp_path, released)
    notebook = (released / "01-basics" / "01-basics.ipynb").read_bytes()
    canvas = tmp_path / "canvas.zip"
    with zipfile.ZipFile(canvas, "w") as z:
        z.writestr("smithjane_4711_99_01-basics.ipynb", notebook)
        z.writestr("doejohn_LATE_4712_98_01-basics.ipynb", notebook)
    moodle = tmp_path / "moodle.zip"
    with zipfile.ZipFile(moodle, "w") as z:  # one flat file, one in Moodle's per-student folder
        z.writestr("Ada Lovelace_815_assignsubmission_file_01-basics.ipynb", notebook)
        z.writestr("Alan Turing_816_assignsubmission_file_/01-basics.ipynb", notebook)
    entries = collect(course, canvas) + collect(course, moodle)
    imported = {(e.student, e.assignment) for e in entries if e.action == "imported"}
    assert imported == {(s, "01-basics") for s in ("smithjane", "doejohn", "ada-lovelace", "alan-turing")}
    assert (course.submitted / "alan-turing" / "01-basics" / "01-basics.ipynb").read_bytes() == notebook
    roster = lms.load_roster(course)
    assert roster["doejohn"] == {"lms": "canvas", "name": "doejohn", "ids": {"01-basics": "4712"}}
    assert roster["alan-turing"] == {"lms": "moodle", "name": "Alan Turing", "ids": {"01-basics": "816"}}


def test_a_second_canvas_student_with_the_same_folder_name_is_refused(tmp_path, released):
    course = new_course(tmp_path, released)
    notebook = (released / "01-basics" / "01-basics.ipynb").read_bytes()
    for user_id in ("4711", "5000"):
        archive = tmp_path / f"{user_id}.zip"
        with zipfile.ZipFile(archive, "w") as z:
            z.writestr(f"smithjane_{user_id}_1_01-basics.ipynb", notebook)
        entries = collect(course, archive)
    warnings = [e.reason for e in entries if e.action == "warning"]
    assert any("5000" in w and "4711" in w and "not exported" in w for w in warnings), warnings
    assert lms.load_roster(course)["smithjane"]["ids"] == {"01-basics": "4711"}


def _graded_copy(graded_class, tmp_path) -> Course:
    """The graded fixture class in a scratch folder, so a roster can be added to it."""
    source = graded_class["course"]
    shutil.copytree(source.grading, tmp_path / "grading")
    return Course(solutions=source.solutions, release=source.release, grading=tmp_path / "grading")


def _totals(path) -> dict:
    with open(path, newline="", encoding="utf-8") as f:
        return {(r["student"], r["assignment"]): (r["score"], r["max_points"]) for r in csv.DictReader(f)}


def test_canvas_import_file_has_the_totals_of_the_students_canvas_knows(graded_class, tmp_path):
    course = _graded_copy(graded_class, tmp_path)
    honest = lms.LmsFile("canvas", "honest", "honest", "4711", "x")
    found = {("honest", "01-basics"): honest, ("honest", "02-arrays"): honest}
    found[("blank", "01-basics")] = lms.LmsFile("canvas", "blank", "blank", "4712", "x")
    assert lms.record(course, found) == []
    logged = []
    paths = export(course, tmp_path / "out", "canvas", log=logged.append)
    totals = _totals(paths[1])
    with open(tmp_path / "out" / "canvas-import.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, points, students = rows[0], rows[1], rows[2:]
    assert header[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert header[5:] == ["01-basics", "02-arrays"]
    assert points[0].strip() == "Points Possible" and points[5] == totals[("honest", "01-basics")][1]
    by_id = {row[1]: row for row in students}
    assert set(by_id) == {"4711", "4712"}
    assert by_id["4711"][5:] == [totals[("honest", "01-basics")][0], totals[("honest", "02-arrays")][0]]
    assert by_id["4712"][5] == totals[("blank", "01-basics")][0]
    assert logged and "partial_square" in logged[0]  # graded, but Canvas does not know them


def test_moodle_worksheet_per_assignment(graded_class, tmp_path):
    course = _graded_copy(graded_class, tmp_path)
    lms.record(course, {("honest", "01-basics"): lms.LmsFile("moodle", "honest", "Hon Est", "815", "x")})
    paths = export(course, tmp_path / "out", "moodle")
    totals = _totals(paths[1])
    sheet = tmp_path / "out" / "moodle-01-basics.csv"
    assert sheet in paths
    with open(sheet, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    score, maximum = totals[("honest", "01-basics")]
    assert rows == [{"Identifier": "Participant 815", "Full name": "Hon Est", "Grade": f"{float(score):.2f}",
                     "Maximum Grade": f"{float(maximum):.2f}", "Grade can be changed": "Yes"}]


def test_unknown_lms_is_a_clear_error(tmp_path, released):
    with pytest.raises(ValueError, match="canvas, moodle"):
        lms.write_import(new_course(tmp_path, released), "blackboard", tmp_path, {})


def test_lms_file_alone_has_exports_totals(graded_class, tmp_path):
    """write_import without totals reads the stored results itself (outputs.totals), as export does."""
    course = _graded_copy(graded_class, tmp_path)
    lms.record(course, {("honest", "01-basics"): lms.LmsFile("canvas", "honest", "honest", "4711", "x"),
                        ("blank", "01-basics"): lms.LmsFile("canvas", "blank", "blank", "4712", "x")})
    export(course, tmp_path / "out", "canvas")
    written, left_out = lms.write_import(course, "canvas", tmp_path / "alone")
    assert written == [tmp_path / "alone" / "canvas-import.csv"]
    assert written[0].read_bytes() == (tmp_path / "out" / "canvas-import.csv").read_bytes()
    assert "partial_square" in left_out
    totals = _totals(tmp_path / "out" / "totals.csv")
    with open(written[0], newline="", encoding="utf-8") as f:
        rows = {row[1]: row for row in list(csv.reader(f))[2:]}
    assert rows["4711"][5] == totals[("honest", "01-basics")][0] != rows["4712"][5]
