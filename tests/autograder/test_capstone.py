"""Open-ended exercises graded by accuracy on a hidden split (autograder/capstone.py), end to end through
the real grader and bubblewrap sandboxes: partial credit by bands, the labels never in a sandbox (an
attack searches for them), the CPU budget, cpu_clock, the release, the site's leak check, the leaderboard.
"""

from __future__ import annotations

import csv
import io
import json
import signal
import sys
import time
import zipfile
from contextlib import redirect_stdout
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell

from autograder import BudgetExceeded, CheckFailed, check_accuracy, cpu_clock, outputs
from autograder import notebooks as nbs
from autograder import sandbox as sandbox_module
from autograder.capstone import AccuracySetupError, as_labels, validate_bands
from autograder.checks import RECORD_ENV
from autograder.config import Course
from autograder.course import public_source
from autograder.grading import GradingError, _accuracy_test, expectations, grade_submission
from autograder.sandbox import Limits

from .fixtures import make_fixture as mf

ASSIGNMENT = "05-glyphs"
SPLIT = "glyph_test"
BANDS = [(0.95, 1.0), (0.85, 0.5), (0.6, 0.25)]
# the attack walks every folder of the sandbox (the Python environment's 170k files among them)
LIMITS = Limits(cell_timeout=90, notebook_timeout=240, memory=2**30, output=2**20, processes=64)
MAKE = '''def make(n, seed):
    """n 2x2 "glyphs" of 4 classes: class c lights pixel c."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, n)
    x = rng.normal(0, 0.1, (n, 2, 2)).astype(np.float32)
    x.reshape(n, 4)[np.arange(n), y] += 1
    return x, y
'''
SETUP = ("import numpy as np\nfrom autograder import check_accuracy\n\n" + MAKE
         + "\ntrain_x, train_y = make(200, 0)\nval_x, val_y = make(100, 1)")
SOLUTION = """def predict(images):
    ### BEGIN SOLUTION
    centroids = np.stack([train_x[train_y == c].mean(0).ravel() for c in range(4)])
    flat = np.asarray(images, dtype=np.float32).reshape(len(images), -1)
    return ((flat[:, None, :] - centroids[None]) ** 2).sum(-1).argmin(1)
    ### END SOLUTION"""
TEST = f'check_accuracy("glyphs", predict, val_x, val_y, hidden="{SPLIT}", bands={BANDS!r})'
ARGMAX = "def predict(images):\n    return np.asarray(images).reshape(len(images), -1).argmax(1)"


def source_cells(test=TEST, solution=SOLUTION):
    return [
        new_markdown_cell("# 05 Glyphs\n\n**Learning goals**\n\n- train any classifier"),
        new_code_cell(SETUP, metadata=mf.meta("setup", locked=True)),
        new_markdown_cell("## Exercise: classify the glyphs"),
        mf.answer("ex-glyphs", solution),
        mf.test("test-glyphs", 4, test),
        new_markdown_cell("## Summary\n\nDone."),
    ]


def hidden_split():
    namespace = {"np": np}
    exec(MAKE, namespace)
    return namespace["make"](120, 2)


def make_course(tmp_path: Path, cells=None, metadata=None, name=ASSIGNMENT, split=True) -> Course:
    course = Course(solutions=tmp_path / "solutions", release=tmp_path / "release",
                    grading=tmp_path / "grading")
    folder = course.solutions / name
    (folder / "hidden").mkdir(parents=True)
    (course.release / name).mkdir(parents=True)
    nb = mf.notebook(cells or source_cells())
    nb.metadata.update(metadata or {})
    nbformat.write(nb, str(folder / f"{name}.ipynb"))
    if split:
        images, labels = hidden_split()
        np.save(folder / "hidden" / f"{SPLIT}_images.npy", images)
        np.save(folder / "hidden" / f"{SPLIT}_labels.npy", labels.astype(np.int64))
    return course


def submit(course: Course, student: str, answers: dict[str, str], name=ASSIGNMENT, files=None) -> None:
    nb = nbs.read(course.source_notebook(name))
    for cell in nb.cells:
        if nbs.is_solution(cell):
            cell.source = answers.get(nbs.grade_id(cell), public_source(cell))
    folder = course.submitted / student / name
    folder.mkdir(parents=True)
    (folder / f"{name}.ipynb").write_text(json.dumps(nb))
    for file_name, data in (files or {}).items():
        (folder / file_name).write_bytes(data)


# ---------------------------------------------------------------- interactive mode and its wording


@pytest.fixture
def interactive(monkeypatch, tmp_path):
    monkeypatch.delenv(RECORD_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(call) -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        call()
    return out.getvalue()


def test_interactive_report_names_accuracy_band_table_and_the_hidden_split(interactive):
    images, labels = hidden_split()

    def predict(x):
        p = x.reshape(len(x), -1).argmax(1)
        p[::10] = (p[::10] + 1) % 4  # 12 of 120 wrong: 0.900
        return p

    text = _run(lambda: check_accuracy("glyphs", predict, images, labels, hidden=SPLIT, bands=BANDS))
    assert "✓ glyphs: validation accuracy 0.900 (108 of 120): band ≥ 0.85 gives 50 % of the points" in text
    assert "≥ 0.95    100 % of the points" in text and "≥ 0.60     25 % of the points" in text
    assert "hidden test split you cannot see" in text
    assert "CPU budget" not in text  # the working folder's notebook declares none
    nb = mf.notebook([])
    nb.metadata["autograder"] = {"cpu_budget_seconds": 45}
    nbformat.write(nb, str(interactive / "05-glyphs.ipynb"))
    text = _run(lambda: check_accuracy("glyphs", predict, images, labels, hidden=SPLIT, bands=BANDS))
    assert "may use 45 s of CPU time" in text


@pytest.mark.parametrize("predict, message", [
    (lambda x: np.zeros(len(x), dtype=np.int64),
     "validation accuracy 0.183 (22 of 120) is below the lowest band (≥ 0.60): 0 points"),
    (lambda x: np.zeros(len(x), dtype=np.int64)[:-1], "shape (119,); it must return a 1-D array of 120"),
    (lambda x: np.zeros((len(x), 4)), "dtype float64 and shape (120, 4)"),
    (lambda x: "cat", "predict returned builtins.str"),
    (lambda x: [0.5] * len(x), "a list of float"),
    (lambda x: 1 / 0, "predict failed on the validation images: ZeroDivisionError"),
])
def test_interactive_fails_below_the_bands_and_on_unusable_predictions(interactive, predict, message):
    images, labels = hidden_split()
    with pytest.raises(CheckFailed) as info:
        check_accuracy("glyphs", predict, images, labels, hidden=SPLIT, bands=BANDS)
    assert message in str(info.value), str(info.value)
    assert "hidden test split you cannot see" in str(info.value)


def test_predictions_accept_integer_lists_and_tensors():
    import torch

    assert as_labels([1, 2, np.int32(3)], 3).dtype == np.int64
    assert as_labels(torch.tensor([0, 1]), 2).tolist() == [0, 1]
    assert as_labels(np.array([1, 2], dtype=np.uint8), 2).tolist() == [1, 2]
    with pytest.raises(TypeError, match="bool"):
        as_labels([True, False], 2)


@pytest.mark.parametrize("bands, message", [
    ([], "non-empty list"),
    ([(0.9, 1.0), (0.95, 0.5)], "lower accuracy and a lower fraction"),
    ([(0.9, 1.0), (0.8, 1.0)], "lower accuracy and a lower fraction"),
    ([(1.5, 1.0)], "must be in (0, 1]"),
    ([(0.9, 0.0)], "fraction of the points 0 must be in (0, 1]"),
    ([(0.9,)], "pair of numbers"),
])
def test_bands_are_validated_for_the_instructor(bands, message):
    with pytest.raises(AccuracySetupError) as info:
        validate_bands(bands)
    assert message in str(info.value)


def test_the_solution_must_reach_the_top_band():
    labels = {SPLIT: np.array([0, 1, 2, 3], dtype=np.int64)}
    call = {"name": "glyphs", "hidden": SPLIT, "bands": [[0.95, 1.0], [0.5, 0.5]], "line": 1}
    from autograder.checks import encode

    problems = []
    row = ["glyphs", 0, "ok", encode(np.array([0, 1, 2, 0])), {}]
    _, test = _accuracy_test("test-glyphs", call, [row], labels, problems)
    assert test["solution_accuracy"] == 0.75
    assert problems == ["test-glyphs: the solution's hidden-test accuracy 0.750 is below the top band "
                        "(≥ 0.95); improve the solution or lower the bands"]
    problems = []
    _accuracy_test("test-glyphs", call, [["glyphs", 0, "error", "ValueError: x", {}]], labels, problems)
    assert "the solution's predict fails on the hidden split: ValueError: x" in problems[0]


# ---------------------------------------------------------------- cpu_clock (the student's side)


def _burn(seconds: float) -> None:
    start = time.process_time()
    while time.process_time() - start < seconds:
        pass


def test_cpu_clock_measures_prints_and_stops_a_block_over_its_budget(interactive):
    previous = signal.getsignal(signal.SIGPROF)
    out = io.StringIO()
    with redirect_stdout(out), cpu_clock(budget=5) as clock:
        _burn(0.2)
    assert 0.2 <= clock.seconds < 2
    assert out.getvalue() == f"training used {clock.seconds:.1f} s of CPU time of the notebook's 5 s budget\n"
    with redirect_stdout(io.StringIO()), pytest.raises(BudgetExceeded, match="more than 0.3 s of CPU time"):
        with cpu_clock(budget=0.3) as clock:
            _burn(10)
    assert 0.25 <= clock.seconds < 3  # the timer's and the clock's ticks differ a little
    assert signal.getsignal(signal.SIGPROF) == previous  # the handler and the timer are restored
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)
    with pytest.raises(ValueError, match="positive number"):
        cpu_clock(budget=-1)


# ---------------------------------------------------------------- grading end to end


def _attack_source() -> str:
    """An answer cell that searches the sandbox for the hidden labels, by name and by their bytes, and for
    any hidden/ folder; the images' bytes and name are searched too (they must be found: the search
    works). predict raises with what it searched and found, which ends in the cell's reason."""
    images, labels = hidden_split()
    return f'''import os, json, sys
import numpy as np
NEEDLES = {{"labels": bytes.fromhex("{labels.astype(np.int64).tobytes()[:256].hex()}"),
           "images": bytes.fromhex("{images.tobytes()[:256].hex()}")}}
BIG = tuple(os.path.realpath(p) for p in {{"/usr", sys.prefix, sys.base_prefix}})

def search(roots):
    found = {{"dirs": 0, "files": 0, "read": 0, "hidden_dirs": [], "label_names": [], "labels": [],
             "image_names": [], "images": []}}
    for root in roots:
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if not (folder == "/" and d in ("proc", "sys", "dev"))]
            big = folder.startswith(BIG)  # the read-only Python installation: names only
            found["dirs"] += 1
            found["hidden_dirs"] += [os.path.join(folder, d) for d in dirs if d.lower() == "hidden"]
            for name in files:
                path = os.path.join(folder, name)
                found["files"] += 1
                if name.endswith("_labels.npy") or "glyph_test_labels" in name:
                    found["label_names"].append(path)
                if name == "{SPLIT}_images.npy":
                    found["image_names"].append(path)
                if big or os.path.islink(path):
                    continue
                try:
                    with open(path, "rb") as f:
                        data = f.read(64 * 2**20)
                except OSError:
                    continue
                found["read"] += 1
                for key, needle in NEEDLES.items():
                    if needle in data:
                        found[key].append(path)
    for pid in (p for p in os.listdir("/proc") if p.isdigit()):
        for part in ("environ", "cmdline"):
            try:
                with open(f"/proc/{{pid}}/{{part}}", "rb") as f:
                    data = f.read()
            except OSError:
                continue
            found["read"] += 1
            if NEEDLES["labels"] in data or b"labels" in data:
                found["labels"].append(f"/proc/{{pid}}/{{part}}")
    return found

EVERYWHERE = search(["/"])

def predict(images):
    again = search(["/work", "/tmp", "/dev/shm", "/etc", os.getcwd()])
    raise RuntimeError("SEARCH " + json.dumps({{
        "all": [EVERYWHERE[k] if isinstance(EVERYWHERE[k], int) else len(EVERYWHERE[k]) for k in EVERYWHERE],
        "again": [again[k] if isinstance(again[k], int) else len(again[k]) for k in again],
        "found": EVERYWHERE["hidden_dirs"] + EVERYWHERE["label_names"] + EVERYWHERE["labels"]
                 + again["hidden_dirs"] + again["label_names"] + again["labels"],
        "images": sorted(set(EVERYWHERE["images"] + again["images"]))}}))
'''


SUBMISSIONS = {  # student: (answer, score of test-glyphs, words in the reason)
    "top": (ARGMAX, 4.0, "hidden-test accuracy 1.000: band ≥ 0.95 gives 100 % of the points"),
    "middle": (ARGMAX + "\n\n_argmax = predict\n\ndef predict(images):\n    p = _argmax(images)\n"
               "    p[::10] = (p[::10] + 1) % 4\n    return p", 2.0,
               "hidden-test accuracy 0.900: band ≥ 0.85 gives 50 % of the points"),
    "low": ("def predict(images):\n    return np.zeros(len(images), dtype=np.int64)", 0.0,
            "below the lowest band (≥ 0.60), 0 points"),
    "short": (ARGMAX + "\n\n_argmax = predict\n\ndef predict(images):\n    return _argmax(images)[:-1]", 0.0,
              "predict returned an array of shape (119,); it must return a 1-D array of 120 integer"),
    "raises": ("def predict(images):\n    raise ValueError('no model')", 0.0,
               "predict failed on the hidden test images: ValueError: no model"),
    "blank": (None, 0.0, "not implemented yet"),
    "replaces_images": (ARGMAX, 4.0, "hidden-test accuracy 1.000"),
    "attack": (_attack_source(), 0.0, "SEARCH"),
}


def test_graded_by_bands_on_the_hidden_split_which_no_sandbox_can_reach(tmp_path, monkeypatch):
    course = make_course(tmp_path)
    jobs = []  # the files each sandbox run's working folder started with, as the grader copied them
    real_copy = sandbox_module.copy_inputs

    def spy(files, dest):
        real_copy(files, dest)
        files = [p for p in Path(dest).rglob("*") if p.is_file()]
        jobs.append({p.relative_to(dest).as_posix(): p.read_bytes() for p in files})

    monkeypatch.setattr(sandbox_module, "copy_inputs", spy)
    expected = expectations(course, ASSIGNMENT, LIMITS)
    assert expected["problems"] == [], expected["problems"]
    assert expected["tests"]["test-glyphs"]["accuracy"]["solution_accuracy"] == 1.0
    images, labels = hidden_split()
    fake = io.BytesIO()
    np.save(fake, np.zeros_like(images))  # all zeros: argmax says 0 for every image
    results = {}
    for student, (answer, _, _) in SUBMISSIONS.items():
        submit(course, student, {"ex-glyphs": answer} if answer else {},
               files={f"{SPLIT}_images.npy": fake.getvalue()} if student == "replaces_images" else None)
        results[student] = grade_submission(course, student, ASSIGNMENT, LIMITS, expected)
    (course.submitted / "absent").mkdir()  # in the class, but submitted nothing
    for student, (_, score, words) in SUBMISSIONS.items():
        cell = results[student].notebooks[ASSIGNMENT].cells["test-glyphs"]
        assert cell.score == score, (student, cell)
        assert words in cell.reason, (student, cell.reason)
    middle = results["middle"].notebooks[ASSIGNMENT].cells["test-glyphs"]
    assert middle.metric["accuracy"] == pytest.approx(0.9) and middle.metric["band"] == 0.85
    assert middle.metric["n"] == 120 and not middle.passed

    # every job (the solution's run first) had the grader's images and nothing of the labels
    assert len(jobs) == 1 + len(SUBMISSIONS)
    label_bytes = labels.astype(np.int64).tobytes()
    for files in jobs:
        assert np.array_equal(np.load(io.BytesIO(files[f"{SPLIT}_images.npy"])), images)
        assert not [f for f in files if "labels" in f or f.startswith("hidden")], files.keys()
        assert not [f for f, data in files.items() if label_bytes[:256] in data]

    # the attack searched the whole sandbox and found the images (so the search works), never the labels
    reason = results["attack"].notebooks[ASSIGNMENT].cells["test-glyphs"].reason
    report = json.loads(reason.split("SEARCH ", 1)[1])
    dirs, files, read = report["all"][:3]
    assert dirs > 1000 and files > 10000 and read > 20, report  # every folder, the Python environment's too
    assert report["again"][0] >= 3 and report["again"][2] >= 3, report
    assert report["found"] == [], report
    assert "/work/job/glyph_test_images.npy" in report["images"], report

    # the class leaderboard: best first (ties share a rank), then those without an accuracy
    index = outputs.report(course)
    board = list(csv.DictReader(open(index.parent / f"leaderboard-{ASSIGNMENT}.csv", encoding="utf-8")))
    ranked = [(r["rank"], r["student"], r["hidden_test_accuracy"], r["band"], r["score"]) for r in board][:4]
    assert ranked == [("1", "replaces_images", "1.0000", "≥ 0.95", "4"),
                      ("1", "top", "1.0000", "≥ 0.95", "4"),
                      ("3", "middle", "0.9000", "≥ 0.85", "2"),
                      ("4", "low", "0.1833", "below every band", "0")]
    assert {r["student"] for r in board[4:]} == {"short", "raises", "blank", "attack", "absent"}
    assert all(r["rank"] == "" and r["hidden_test_accuracy"] == "" for r in board[4:])
    assert board[-1]["student"] == "absent" and board[-1]["band"] == "not submitted"
    assert (index.parent / f"leaderboard-{ASSIGNMENT}.png").stat().st_size > 1000
    page = index.read_text(encoding="utf-8")
    assert f"Leaderboard: {ASSIGNMENT}" in page and f"leaderboard-{ASSIGNMENT}.png" in page

    # export and feedback carry the reason, partial credit included
    grades = (outputs.export(course)[0]).read_text(encoding="utf-8")
    assert "hidden-test accuracy 0.900: band ≥ 0.85 gives 50 % of the points" in grades
    outputs.feedback(course, students=["middle"])
    feedback = (course.feedback / "middle" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text(encoding="utf-8")
    assert "2 / 4" in feedback and "band ≥ 0.85 gives 50 % of the points" in feedback


def test_hidden_split_and_check_accuracy_mistakes_are_instructor_errors(tmp_path):
    course = make_course(tmp_path / "a", split=False)
    with pytest.raises(GradingError, match=r"hidden/glyph_test_images\.npy is missing; save the split"):
        expectations(course, ASSIGNMENT, LIMITS)
    course = make_course(tmp_path / "b")
    np.save(course.solutions / ASSIGNMENT / "hidden" / f"{SPLIT}_labels.npy", np.zeros(120))
    with pytest.raises(GradingError, match="dtype float64; it must be 1-D integer class labels"):
        expectations(course, ASSIGNMENT, LIMITS)
    course = make_course(tmp_path / "c", source_cells(test=TEST.replace(f"{BANDS!r}", "BANDS")))
    with pytest.raises(GradingError, match=r"cell 5 \(test-glyphs\).*bands must be written as a literal"):
        expectations(course, ASSIGNMENT, LIMITS)
    course = make_course(tmp_path / "d", metadata={"autograder": {"cpu_budget_seconds": "a minute"}})
    with pytest.raises(GradingError, match="cpu_budget_seconds.*positive number of seconds"):
        expectations(course, ASSIGNMENT, LIMITS)


def test_release_bundle_and_dask_jobs_keep_the_labels_where_they_belong(tmp_path):
    from autograder.distributed import run_files
    from autograder.gradescope import build_bundle
    from autograder.release import release

    course = make_course(tmp_path)
    released = release(course=course, db_url=f"sqlite:///{tmp_path / 'gradebook.db'}")
    folder = released[0].parent
    assert released[0].is_file() and not (folder / "hidden").exists()
    assert not [p for p in folder.rglob("*") if "glyph_test" in p.name]
    with zipfile.ZipFile(build_bundle(course, ASSIGNMENT, tmp_path / "export")) as z:
        names = z.namelist()
    # the bundle runs on the instructor's side (Gradescope's grader), where the trusted side needs them
    assert f"solutions/{ASSIGNMENT}/hidden/{SPLIT}_labels.npy" in names
    assert not [n for n in names if n.startswith("course/") and "hidden" in n]
    hidden = course.solutions / ASSIGNMENT / "hidden"
    packed = run_files([course.solutions / ASSIGNMENT, hidden / f"{SPLIT}_images.npy"])
    assert f"{SPLIT}_images.npy" in packed and not [n for n in packed if "hidden" in n or "labels" in n]


def test_the_site_leak_check_finds_a_hidden_split_file(tmp_path):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "site"))
    try:
        from leaks import find_leaks
    finally:
        sys.path.pop(0)
    course = make_course(tmp_path)
    site = tmp_path / "html"
    (site / "downloads").mkdir(parents=True)
    (site / "index.html").write_text("<p>hello</p>")
    assert find_leaks(site, course.solutions) == []
    labels = (course.solutions / ASSIGNMENT / "hidden" / f"{SPLIT}_labels.npy").read_bytes()
    (site / "downloads" / "renamed.bin").write_bytes(labels)
    (site / "downloads" / "hidden").mkdir()
    (site / "downloads" / "hidden" / "x.npy").write_bytes(b"1")
    assert sorted(find_leaks(site, course.solutions)) == [
        ("downloads/hidden/x.npy", "a hidden split", "hidden split file x.npy"),
        ("downloads/renamed.bin", ASSIGNMENT, "hidden split file renamed.bin"),
    ]


# ---------------------------------------------------------------- the CPU budget the grader enforces

BUDGET = 1.5
SPIN_SETUP = ("import time\nfrom autograder import check\n\ndef burn(seconds):\n"
              "    start = time.thread_time()\n"
              "    while time.thread_time() - start < seconds:\n        pass\n\n"
              f"burn({BUDGET / 4})  # an instructor cell: its CPU time counts like any other")
SPIN = "def spin():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION"
# a student's thread that works while the instructor's next cell waits: that time counts too
BACKGROUND = ("import threading\nresult = {}\n\n\ndef work():\n    burn(" + str(BUDGET * 2) + ")\n"
              "    result['value'] = 1\n\n\nthreading.Thread(target=work, daemon=True).start()\n\n\n"
              "def spin():\n    return result.get('value')")


def spin_cells(solution=SPIN):
    return [
        new_markdown_cell("# 06 Spin\n\n**Learning goals**\n\n- stay within a CPU budget"),
        new_code_cell(SPIN_SETUP, metadata=mf.meta("setup", locked=True)),
        new_markdown_cell("## Exercise: spin"),
        mf.answer("ex-spin", solution),
        new_code_cell("time.sleep(6)  # an instructor cell that waits",
                      metadata=mf.meta("wait", locked=True)),
        mf.test("test-spin", 1, 'check("spin", spin, cases=[()], reference=lambda: 1)'),
    ]


def test_the_cpu_budget_counts_every_cell_and_stops_the_one_running(tmp_path):
    limits = Limits(cell_timeout=20, notebook_timeout=60, memory=2**30, output=2**20, processes=64)
    name, metadata = "06-spin", {"autograder": {"cpu_budget_seconds": BUDGET}}
    course = make_course(tmp_path, spin_cells(), metadata, name=name, split=False)
    expected = expectations(course, name, limits)
    assert expected["cpu_budget"] == {"seconds": BUDGET, "cells": [1, 3, 4, 5]}
    submit(course, "cheap", {"ex-spin": "def spin():\n    return 1"}, name=name)
    submit(course, "burner", {"ex-spin": "burn(60)\n\ndef spin():\n    return 1"}, name=name)
    submit(course, "background", {"ex-spin": BACKGROUND}, name=name)
    cheap = grade_submission(course, "cheap", name, limits, expected).notebooks[name]
    assert cheap.cells["test-spin"].score == 1 and cheap.faults == []  # the setup's burn fits the budget
    burner = grade_submission(course, "burner", name, limits, expected).notebooks[name]
    words = (f"the notebook used more than {BUDGET:g} s of CPU time (its CPU budget, every cell counted); "
             "this cell was running when the budget ran out")
    assert [(f.cell, f.reason) for f in burner.faults] == [("cell 4 (ex-spin)", words)]
    assert burner.cells["test-spin"].score == 0 and words in burner.cells["test-spin"].reason
    # the thread's work while the instructor's cell waits is counted: the budget runs out in that cell,
    # whose stand-in (pass) then leaves the thread no time to finish before the test
    background = grade_submission(course, "background", name, limits, expected).notebooks[name]
    assert ("cell 5 (wait)", words) in [(f.cell, f.reason) for f in background.faults], background.faults
    assert background.cells["test-spin"].score == 0
    # the solution is held to the same budget
    slow = make_course(tmp_path / "slow", spin_cells("burn(60)\n" + SPIN), metadata, name=name, split=False)
    with pytest.raises(GradingError, match=r"did not run to the end \(the notebook used more than"):
        expectations(slow, name, limits)


def test_the_cpu_budget_travels_with_a_dask_job():
    """What a Dask worker runs (distributed.run_job, without a cluster): the job's limits carry the
    notebook's budget and its cells, and the worker's sandbox enforces it."""
    from autograder.distributed import code_manifest, job_text, manifest_digest, run_job
    from autograder.grading import Prepared, limits_for

    burn = "import time\nstart = time.process_time()\nwhile time.process_time() - start < 30:\n    pass"
    prepared = Prepared(key={}, name="x.ipynb", source_nb=None, code={0: "x = 1", 1: burn},
                        stand_ins={0: "pass", 1: "pass"})
    limits = limits_for({"cpu_budget": {"seconds": BUDGET, "cells": [1]}}, Limits(cell_timeout=20))
    text = job_text(prepared, limits, manifest_digest(code_manifest()))
    assert json.loads(text)["limits"]["budget_cells"] == [1]
    raw = json.loads(run_job(text))
    words = (f"the notebook used more than {BUDGET:g} s of CPU time (its CPU budget, every cell counted); "
             "this cell was running when the budget ran out")
    assert raw["stopped"] == {"1": words}, raw


def test_a_stopped_accuracy_cell_stands_in_without_calling_predict():
    stand_in = nbs.skip_checks(TEST)
    assert "check_accuracy(" not in stand_in and "val_x" in stand_in  # its arguments are still evaluated
    calls = []
    exec(stand_in, {"predict": calls.append, "val_x": [1], "val_y": [0]})
    assert calls == []


def test_record_mode_records_predictions_on_the_hidden_images_only(tmp_path, monkeypatch):
    from autograder.checks import parse_records

    records = tmp_path / "records.jsonl"
    monkeypatch.setenv(RECORD_ENV, str(records))
    monkeypatch.chdir(tmp_path)
    images, _ = hidden_split()
    seen = []

    def predict(x):
        seen.append(len(x))
        return x.reshape(len(x), -1).argmax(1)

    check_accuracy("glyphs", predict, images[:5], [0] * 5, hidden=SPLIT, bands=BANDS)  # no file yet
    np.save(tmp_path / f"{SPLIT}_images.npy", images)
    check_accuracy("again", predict, images[:5], [0] * 5, hidden=SPLIT, bands=BANDS)
    got = parse_records(records.read_text())
    status, message, _ = got[("glyphs", 0)]
    assert status == "error" and f"{SPLIT}_images.npy) could not be read" in message
    assert got[("again", 0)][0] == "ok" and got[("again", 0)][1].dtype == np.int64
    assert seen == [120]  # the hidden images, never the validation split: nothing is compared here


def test_a_later_input_replaces_an_earlier_file_or_folder_of_the_same_path(tmp_path):
    from autograder.sandbox import copy_inputs, input_files

    release, submission, grader = tmp_path / "release", tmp_path / "submission", tmp_path / "grader"
    (release / "data").mkdir(parents=True)
    (release / "data" / "a.txt").write_text("release")
    (submission / f"{SPLIT}_images.npy" / "inside").mkdir(parents=True)  # a folder named like the file
    (submission / f"{SPLIT}_images.npy" / "inside" / "x").write_text("student")
    (submission / "data").write_text("a file where the release has a folder")
    grader.mkdir()
    (grader / f"{SPLIT}_images.npy").write_bytes(b"grader's")
    files = input_files([release, submission, grader / f"{SPLIT}_images.npy"])
    assert sorted(files) == ["data", f"{SPLIT}_images.npy"]
    dest = tmp_path / "work"
    dest.mkdir()
    copy_inputs([release, submission, grader / f"{SPLIT}_images.npy"], dest)
    assert (dest / f"{SPLIT}_images.npy").read_bytes() == b"grader's"
    assert (dest / "data").read_text() == "a file where the release has a folder"


def test_a_name_used_by_two_test_cells_is_an_instructor_error_naming_the_cell():
    from autograder import rules
    from autograder.capstone import notebook_accuracy

    accuracy = ('check_accuracy("same", predict, val_x, val_y, hidden="glyph_test", '
                'bands=[(0.9, 1.0)])')
    nb = mf.notebook([mf.test("test-a", 1, accuracy), mf.test("test-b", 1, accuracy)])
    with pytest.raises(AccuracySetupError, match=r"cell 2 \(test-b\): the check name 'same' is also used in "
                                                 r"test-a"):
        notebook_accuracy(nb)
    assert list(notebook_accuracy(mf.notebook([mf.test("test-a", 1, accuracy)]))) == ["test-a"]
    rule = 'check_rules("same_rules", f, forbid=["numpy"])'
    nb = mf.notebook([mf.test("test-a", 1, rule), mf.test("test-b", 1, rule)])
    with pytest.raises(rules.RuleError, match=r"cell 2 \(test-b\): the rule set name 'same_rules' is also"):
        rules.notebook_rules(nb)
