"""Unit tests of the grading pieces: records, untrusted reads, rebuilding, the sandbox, collect, CLI."""

from __future__ import annotations

import json
import os
import sys
import time
import zipfile

import nbformat
import numpy as np
import pytest

from autograder import course
from autograder import notebooks as nbs
from autograder.checks import encode, parse_records
from autograder.collect import collect
from autograder.config import ROOT, Course
from autograder.sandbox import Limits, parse_status, read_untrusted, run_cells

from . import classroom
from .conftest import new_course

FAST = Limits(cell_timeout=5, notebook_timeout=20, memory=2**30, output=2**20)


# ---------------------------------------------------------------- records


def _line(check, case, value, status="ok"):
    return json.dumps(
        {
            "check": check,
            "case": case,
            "status": status,
            "tolerance": {"atol": 1e-6, "rtol": 1e-5, "check_dtype": False},
            "value": value,
        }
    )


def test_parse_records_skips_garbage_and_keeps_the_first_record():
    text = "\n".join(
        [
            _line("a", 0, encode(np.arange(3))),
            "not json",
            '{"check": 1}',
            _line("a", 0, 5),
            _line("b", 0, {"__array__": "!!", "dtype": "<f8", "shape": [1]}),
            _line("c", 0, {"__array__": "", "dtype": "|O", "shape": [0]}),
            _line("d", 0, {"__pickle__": "x"}),
            _line("e", 0, "boom", status="error"),
        ]
    )
    records = parse_records(text)
    assert list(records) == [("a", 0), ("e", 0)]
    assert np.array_equal(records[("a", 0)][1], np.arange(3))
    assert records[("e", 0)][0] == "error"


def test_read_untrusted_refuses_links_and_fifos(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("top secret")
    (tmp_path / "link").symlink_to(secret)
    os.mkfifo(tmp_path / "fifo")
    assert read_untrusted(tmp_path / "link", 100) == b""
    assert read_untrusted(tmp_path / "fifo", 100) == b""  # returns at once instead of blocking
    assert read_untrusted(secret, 3) == b"top"


def test_parse_status():
    text = (
        '{"start": 1, "records": 0}\n{"end": 1, "error": "NameError: x", "records": 10}\n'
        '{"start": 3, "records": 10}\n'
    )
    status = parse_status(text + "garbage\n")
    assert (
        status["running"] == 3
        and status["errors"] == {1: "NameError: x"}
        and status["records"] == {1: (0, 10)}
    )
    assert not status["done"]


# ---------------------------------------------------------------- rebuilding


def test_rebuild_takes_only_answer_cells():
    source = nbs.read(classroom.FIXTURE / "01-basics" / "01-basics.ipynb")
    student = nbformat.from_dict(json.loads(json.dumps(source)))
    tests = [c for c in student.cells if nbs.is_graded_test(c)]
    for cell in tests:
        cell.source = "pass"
        cell.metadata.nbgrader["points"] = 99
    student.cells = [student.cells[0]] + tests + [c for c in student.cells[1:] if c not in tests]
    student.cells.append(nbformat.v4.new_code_cell("import os; os._exit(1)"))  # a cell of their own: ignored
    for cell in student.cells:
        if nbs.grade_id(cell) == "ex-add":
            cell.source = "def add(a, b):\n    return 0"
        if nbs.grade_id(cell) == "ex-answer":
            student.cells.remove(cell)
    student.metadata.kernelspec = {"name": "evil"}
    rebuilt, answers, notes = course.rebuild(source, student)
    assert [nbs.grade_id(c) for c in rebuilt.cells] == [nbs.grade_id(c) for c in source.cells]
    assert rebuilt.metadata.kernelspec == source.metadata.kernelspec
    for mine, theirs in zip(rebuilt.cells, source.cells):
        if not nbs.is_solution(theirs):
            assert mine.source == theirs.source and mine.metadata == theirs.metadata
    assert answers["ex-add"] == "def add(a, b):\n    return 0"
    assert answers["ex-answer"] == course.CODE_STUB and any("ex-answer" in n for n in notes)


# ---------------------------------------------------------------- the sandbox


def test_sandbox_sees_nothing_private(tmp_path):
    probe = (
        f"import os\nseen = {{p: os.path.exists(p) for p in "
        f"{[str(ROOT / n) for n in ('solutions', 'grading', 'course')] + ['/home', str(tmp_path)]!r}}}\n"
        "print('SEEN', sorted(p for p, ok in seen.items() if ok and os.listdir(p)))\n"
        "print('HOME', os.listdir('/root') if os.path.isdir('/root') else [])\n"
        "print('UID', os.getuid(), 'ENV', sorted(os.environ))\n"
        "import socket\ntry:\n    socket.create_connection(('1.1.1.1', 80), timeout=1)\n"
        "    print('NET yes')\n"
        "except OSError:\n    print('NET no')\n"
        "open('/tmp/ok', 'w').write('x')\nopen('here.txt', 'w').write('x')\nprint('WROTE')"
    )
    (tmp_path / "secret.txt").write_text("secret")
    run = run_cells([(0, probe)], None, FAST)
    assert run.completed, run.output_tail
    out = run.output_tail
    assert "SEEN []" in out and "NET no" in out and "WROTE" in out
    assert "UID 0" not in out
    home = out.split("HOME ")[1].splitlines()[0]
    assert home == "[]" or (home == "['.pyenv']" and sys.base_prefix.startswith("/root/.pyenv/")), home
    env = out.split("ENV ")[1].splitlines()[0]
    assert "AUTOGRADER_RECORD" in env and "SECRET" not in env and "SSH" not in env


def test_sandbox_runs_magics_and_records(tmp_path):
    cells = [
        (0, "%time x = 2"),
        (
            1,
            "from autograder import check\ncheck('double', lambda v: 2 * v, cases=[(x,)], "
            "reference=lambda v: 2 * v)",
        ),
        (2, "raise ValueError('boom')"),
        (3, "y = 1"),
    ]
    run = run_cells(cells, None, FAST)
    assert run.completed
    assert parse_records(run.records_text)[("double", 0)][1] == 4
    assert run.cell_errors == {2: "ValueError: boom"}


def test_sandbox_limits(tmp_path):
    stop = run_cells(
        [
            (
                0,
                "import time\nwhile True:\n    try:\n        time.sleep(1)\n    except BaseException:\n"
                "        pass",
            )
        ],
        None,
        Limits(cell_timeout=1.5, notebook_timeout=10),
    )
    assert not stop.completed and "time limit" in stop.fault and stop.fault_cell == 0
    big = run_cells(
        [(0, "open('big', 'wb').write(b'x' * (8 * 2**20))")], None, Limits(cell_timeout=5, file_size=2**20)
    )
    assert (
        big.completed
        and "File too large" in big.cell_errors.get(0, "")
        or "Errno 27" in big.cell_errors.get(0, "")
    )


@pytest.mark.slow
def test_memory_watchdog_counts_all_processes():
    bomb = (
        "import os, time\nfor _ in range(3):\n    if os.fork() == 0:\n        block = b'x' * (450 * 2**20)\n"
        "        time.sleep(120)\n        os._exit(0)\ntime.sleep(120)"
    )
    run = run_cells([(0, bomb)], None, Limits(cell_timeout=100, notebook_timeout=100, memory=2**30))
    assert not run.completed and "memory" in run.fault and run.elapsed < 60


# ---------------------------------------------------------------- collect


def test_collect_folder_and_lms_zip(tmp_path, released):
    course = new_course(tmp_path, released)
    folder = tmp_path / "inbox"
    release_nb = (released / "01-basics" / "01-basics.ipynb").read_bytes()
    (folder / "alice" / "01-basics").mkdir(parents=True)
    (folder / "alice" / "01-basics" / "01-basics.ipynb").write_bytes(release_nb)
    (folder / "bad id!" / "01-basics").mkdir(parents=True)
    (folder / "bad id!" / "01-basics" / "01-basics.ipynb").write_bytes(release_nb)
    (folder / "bob" / "99-unknown").mkdir(parents=True)
    (folder / "bob" / "99-unknown" / "x.ipynb").write_bytes(release_nb)
    entries = collect(course, folder)
    by = {(e.student, e.action) for e in entries}
    assert ("alice", "imported") in by and ("bad id!", "skipped") in by and ("bob", "skipped") in by
    assert (course.submitted / "alice" / "01-basics" / "timestamp.txt").exists()
    assert {e.action for e in collect(course, folder) if e.student == "alice"} == {"unchanged"}

    archive = tmp_path / "lms.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("carol_1234_5678_01-basics.ipynb", release_nb)
        z.writestr("dave_99_02-arrays-1.ipynb", b"{not json")
        z.writestr("../evil_1_01-basics.ipynb", release_nb)
        z.writestr("notes.txt", b"hello")
    entries = collect(course, archive)
    actions = {(e.student, e.action) for e in entries}
    assert ("carol", "imported") in actions and ("dave", "warning") in actions
    assert any(e.action == "skipped" and "unsafe" in e.reason for e in entries)
    assert (course.submitted / "carol" / "01-basics" / "01-basics.ipynb").read_bytes() == release_nb
    assert (course.submitted / "dave" / "02-arrays" / "02-arrays.ipynb").exists()


def test_collect_errors_say_what_to_do(tmp_path, released):
    from autograder.collect import CollectError

    course = new_course(tmp_path, released)
    with pytest.raises(CollectError, match="does not exist"):
        collect(course, tmp_path / "nowhere")


# ---------------------------------------------------------------- command line


def test_cli_names_the_student_and_what_to_do(tmp_path, released, capsys):
    from autograder.__main__ import main

    args = [
        "--solutions",
        str(classroom.FIXTURE),
        "--release-dir",
        str(released),
        "--grading",
        str(tmp_path / "g"),
    ]
    assert main(args + ["grade", "--student", "zoe", "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "zoe" in err and "collect" in err
    assert main(args + ["grade", "--assignment", "07-nothing"]) == 1
    assert "07-nothing" in capsys.readouterr().err
    assert main(args + ["status"]) == 0
    assert "01-basics" in capsys.readouterr().out


def test_course_defaults_point_at_the_repository():
    course = Course()
    assert course.grading == ROOT / "grading" and course.db_url.endswith("grading/gradebook.db")


def test_descendants_finds_the_whole_process_tree():
    import subprocess

    from autograder.sandbox import _descendants

    proc = subprocess.Popen(["/bin/sh", "-c", "sleep 30 & sleep 30 & wait"])
    try:
        for _ in range(100):
            found = _descendants(proc.pid)
            if len(found) >= 2:
                break
            time.sleep(0.02)
        assert len(found) >= 2 and proc.pid not in found
    finally:
        proc.kill()
        proc.wait()

def test_grade_before_anything_is_collected_reports_an_empty_class(tmp_path, released, capsys):
    """A new grading workspace (no grading/ folder yet): grade makes the gradebook's folder, grades
    nothing and says so, instead of sqlite's "unable to open database file"."""
    from autograder.__main__ import main

    grading = tmp_path / "fresh" / "grading"
    args = ["--solutions", str(classroom.FIXTURE), "--release-dir", str(released), "--grading", str(grading)]
    assert main(args + ["grade", "--workers", "1", "--no-progress"]) == 0
    assert "0 notebook(s) graded" in capsys.readouterr().out
    assert (grading / "gradebook.db").is_file()
