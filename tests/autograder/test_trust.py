"""The grader's trust boundary and robustness (issue 9): what the grading sandbox holds, which cell a fault
is charged to, limits the code inside cannot move, memory counted as really used, the sandbox's own
hardening and environment, and collect/export/feedback surviving whatever one submission contains.

The attacks themselves, graded end to end with their deserved scores, are in classroom.py."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from autograder import notebooks as nbs
from autograder.collect import collect
from autograder.config import ROOT, Course
from autograder.sandbox import Limits, run_cells

from . import classroom
from .conftest import new_course

SOLUTIONS = sorted((ROOT / "solutions").glob("*/*.ipynb"))
EXPECTATIONS = {"reference", "expected"}


# ---------------------------------------------------------------- point 1: no expected answer in the sandbox


def _expectation_values(tree) -> list:
    return [
        k.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        for k in node.keywords
        if k.arg in EXPECTATIONS
    ]


def _reference_only_names(source) -> set[str]:
    """Names the instructor defines whose only uses are inside reference= / expected= arguments
    (computed here independently of the grader's rewrite)."""
    trees = [ast.parse(c.source) for c in source.cells if c.cell_type == "code"]
    in_expectations = {n for t in trees for v in _expectation_values(t) for n in nbs._loads(v)}
    defined = {
        name
        for t, c in zip(trees, [c for c in source.cells if c.cell_type == "code"])
        if not nbs.is_solution(c)
        for stmt in t.body
        for name in nbs._bound(stmt) or ()
    }
    candidates = in_expectations & defined
    elsewhere = set()
    for tree in trees:
        skip = {id(v) for v in _expectation_values(tree)}
        skip |= {id(s) for s in tree.body if (nbs._bound(s) or set()) & candidates}
        todo = [tree]
        while todo:
            node = todo.pop()
            if id(node) in skip:
                continue
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                elsewhere.add(node.id)
            todo.extend(ast.iter_child_nodes(node))
    return candidates - elsewhere


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_code_sent_to_the_sandbox_holds_no_reference_or_expected_answer(path):
    source = nbs.read(path)
    sandbox = nbs.sandbox_sources(source)
    instructor = {i for i, c in enumerate(source.cells) if c.cell_type == "code" and not nbs.is_solution(c)}
    assert set(sandbox) == instructor, "every instructor code cell, and no answer cell, is sent"
    helpers = _reference_only_names(source)
    originals = [ast.parse(source.cells[i].source) for i in instructor]
    segments = {ast.unparse(v) for t in originals for v in _expectation_values(t)}
    segments = {s for s in segments if len(s) >= 12 and "(" in s}  # calls and lambdas, not bare names
    assert sum(len(_expectation_values(t)) for t in originals) > 0
    sent = "\n".join(sandbox.values())
    for index, code in sandbox.items():
        tree = ast.parse(code)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                assert not {k.arg for k in node.keywords} & EXPECTATIONS, f"cell {index}: {ast.unparse(node)}"
        bound = {n for stmt in tree.body for n in nbs._bound(stmt) or ()}
        assert not bound & helpers, f"cell {index} still defines reference helpers {bound & helpers}"
    leaked = [s for s in segments if s in sent]
    assert not leaked, f"expected-answer code sent to the sandbox: {leaked[:3]}"


def test_rewrite_keeps_what_the_answer_and_cases_need():
    import nbformat

    nb = nbformat.v4.new_notebook()
    cells = [
        "from autograder import check\nimport numpy as np\nrng = np.random.default_rng(0)",
        "def f(x):\n    return x",  # the answer cell
        "def wrap(g, x):\n    return g(x)\ndef ref_helper(x):\n    return x * 2\nWANT = ref_helper(3)\n"
        "X = rng.normal(size=3)\n"
        "check('f', lambda x: wrap(f, x), cases=[(X,)], reference=lambda x: wrap(ref_helper, x), atol=0)\n"
        "check('g', f(3), expected=WANT, hint='h')",
    ]
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nb.cells[1].metadata["nbgrader"] = {"solution": True, "grade": False, "grade_id": "ex-f"}
    sandbox = nbs.sandbox_sources(nb)
    assert 1 not in sandbox and sandbox[0] == cells[0]
    code = sandbox[2]
    assert "ref_helper" not in code and "WANT" not in code and "atol" not in code and "hint" not in code
    assert "def wrap" in code and "X = rng.normal(size=3)" in code
    assert "check('f', lambda x: wrap(f, x), cases=[(X,)])" in code and "check('g', f(3))" in code
    nb.cells[2].source = "kw = {'reference': abs}\ncheck('f', f, cases=[(1,)], **kw)"
    with pytest.raises(nbs.SandboxRewriteError, match=r"\*\*kwargs"):
        nbs.sandbox_sources(nb)


# ---------------------------------------------------------------- points 3 and 4: faults and limits

FAST = Limits(cell_timeout=5, notebook_timeout=30, memory=2**30, output=2**20)


def test_output_breach_is_charged_to_the_cell_that_printed():
    cells = [(0, "print('x' * (3 * 2**20))"), (1, "y = 1"), (2, "import time\ntime.sleep(2)"), (3, "pass")]
    for _ in range(2):
        run = run_cells(cells, None, FAST)
        assert not run.completed and "output" in run.fault and run.fault_cell == 0, run


def test_cell_time_limit_cannot_be_reset_from_inside():
    forge = (
        "import json, time\nstart, k = time.time(), 0\nwhile time.time() - start < 6:\n    k += 1\n"
        "    with open('/work/out/status.jsonl', 'a') as f:\n"
        "        f.write(json.dumps({'start': 100 + k, 'records': 0}) + '\\n')\n"
        "    print(f'\\x1e\\x1fautograder-cell-end 4 {k:032x}', flush=True)\n    time.sleep(0.1)"
    )
    run = run_cells([(4, forge), (5, "pass")], None, Limits(cell_timeout=2, notebook_timeout=30))
    assert not run.completed and "time limit of 2 s" in run.fault and run.fault_cell == 4, run
    assert run.elapsed < 5.5


# ---------------------------------------------------------------- point 6: memory


@pytest.mark.slow
def test_forked_children_of_a_numpy_torch_kernel_are_not_counted_once_each():
    kernel = (
        "import os, time\nimport numpy as np\nimport torch\n"
        "block = np.ones(300 * 2**20 // 8)  # 300 MiB, touched: copy-on-write pages after the fork\n"
        "kids = []\nfor _ in range(4):\n    pid = os.fork()\n    if pid == 0:\n"
        "        time.sleep(3)\n        os._exit(0)\n    kids.append(pid)\n"
        "for pid in kids:\n    os.waitpid(pid, 0)\nprint('children done', float(block.sum()) > 0)"
    )
    run = run_cells([(0, kernel)], None, Limits(cell_timeout=60, notebook_timeout=90, memory=2**30))
    assert run.completed, (run.fault, run.output_tail[-2000:])
    assert "children done True" in run.output_tail


# ---------------------------------------------------------------- point 7: hardening and environment


def test_no_user_namespaces_inside_the_sandbox():
    from autograder.sandbox import disable_userns_supported

    if not disable_userns_supported():
        pytest.skip("bubblewrap < 0.8 has no --disable-userns (see sandbox_notes())")
    probe = (
        "import subprocess\np = subprocess.run(['unshare', '--user', 'true'], capture_output=True)\n"
        "print('UNSHARE', p.returncode)"
    )
    run = run_cells([(0, probe)], None, FAST)
    assert run.completed and "UNSHARE 0" not in run.output_tail and "UNSHARE" in run.output_tail


def test_a_symlinked_environment_is_mounted_where_it_is_used(tmp_path):
    link = tmp_path / "venv-link"
    link.symlink_to(os.path.realpath(sys.prefix))
    run = run_cells(
        [(0, "import numpy, autograder, sys\nprint('PREFIX', sys.prefix)")],
        None,
        FAST,
        python=str(link / "bin" / "python"),
    )
    assert run.completed, (run.fault, run.output_tail[-1500:])
    assert f"PREFIX {link}" in run.output_tail


def test_a_copy_of_the_checkout_grades_with_the_code_it_imports(tmp_path):
    copy = tmp_path / "copy"
    for package in ("autograder", "tinygrad_ref"):
        shutil.copytree(ROOT / package, copy / package, ignore=shutil.ignore_patterns("__pycache__"))
    with open(copy / "autograder" / "__init__.py", "a") as f:
        f.write("\nTHIS_COPY = True\n")
    cell = "import autograder\\nprint('COPY', getattr(autograder, 'THIS_COPY', False))"
    script = (
        "from autograder.sandbox import Limits, run_cells\n"
        f'run = run_cells([(0, "{cell}")], None, Limits(cell_timeout=20, notebook_timeout=30))\n'
        "print(run.completed, run.fault, run.output_tail[-800:])"
    )
    command = [sys.executable, "-c", script]
    out = subprocess.run(command, cwd=copy, capture_output=True, text=True, timeout=120)
    assert "True None" in out.stdout and "COPY True" in out.stdout, out.stdout + out.stderr[-2000:]


def test_a_broken_environment_is_named_not_blamed_on_the_notebook(tmp_path):
    from autograder.sandbox import SandboxUnavailable, check_python

    fake = tmp_path / "env" / "bin" / "python"
    fake.parent.mkdir(parents=True)
    fake.symlink_to(tmp_path / "nowhere" / "python3")  # e.g. a .venv whose Python was removed
    with pytest.raises(SandboxUnavailable, match="does not start the grader's runner") as info:
        check_python(str(fake))
    assert str(fake) in str(info.value) and "make install" in str(info.value)


# ---------------------------------------------------------------- points 2 and 8: collect, export, feedback


def test_collect_bom_wrapped_lms_zip_links_and_deep_json(tmp_path, released):
    course = new_course(tmp_path, released)
    notebook = (released / "01-basics" / "01-basics.ipynb").read_bytes()
    archive = tmp_path / "lms.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("01-basics submissions/amy_11_22_01-basics.ipynb", b"\xef\xbb\xbf" + notebook)
        z.writestr("01-basics submissions/ben_12_23_01-basics.ipynb", b"[" * 100_000 + b"]" * 100_000)
        z.writestr("01-basics submissions/cat_13_24_01-basics.ipynb", notebook)
        link = zipfile.ZipInfo("01-basics submissions/dan_14_25_01-basics.ipynb")
        link.external_attr = (0o120777 << 16)
        z.writestr(link, "/etc/passwd")
    entries = collect(course, archive)
    by = {(e.student, e.action): e for e in entries}
    assert ("amy", "imported") in by and "byte-order mark" in by[("amy", "warning")].reason
    assert (course.submitted / "amy" / "01-basics" / "01-basics.ipynb").read_bytes() == notebook
    assert ("ben", "warning") in by and "not valid notebook JSON" in by[("ben", "warning")].reason
    assert ("cat", "imported") in by, "a student after a broken one is imported"
    assert ("dan", "skipped") in by and "link" in by[("dan", "skipped")].reason

    folder = tmp_path / "inbox"
    (folder / "eve" / "01-basics").mkdir(parents=True)
    (folder / "eve" / "01-basics" / "01-basics.ipynb").symlink_to("/etc/passwd")
    skipped = [e for e in collect(course, folder) if e.action == "skipped"]
    assert [(e.student, e.assignment) for e in skipped] == [("eve", "01-basics")]


def test_bad_result_files_do_not_stop_export_or_feedback(tmp_path, released):
    from autograder.outputs import export, feedback, status
    from autograder.pipeline import grade

    course = new_course(tmp_path, released)
    good = next(s for s in classroom.submissions(course, 0) if s.student == "blank")
    classroom.write(course, good)
    grade(course, students=["blank"], assignments=["01-basics"], workers=1, limits=classroom.LIMITS,
          progress=False)
    for name, text in {
        "surrogate": json.dumps({"student": "surrogate", "assignment": "01-basics", "notebooks": {
            "01-basics": {"status": "graded", "reason": None, "faults": [], "notes": [],
                          "answers": {"ex-add": "x = '\ud800'"}, "cells": {}}}}),
        "deep": "[" * 100_000 + "]" * 100_000,
        "garbage": '{"student": 1, "notebooks": []}',
    }.items():
        (course.results / name).mkdir(parents=True)
        (course.results / name / "01-basics.json").write_text(text)
    pages = feedback(course)
    assert {p.parent.parent.name for p in pages} >= {"blank"}
    cells_csv, totals_csv = export(course)
    assert "blank" in totals_csv.read_text()
    rows = {r["assignment"]: r for r in status(course)}
    assert rows["01-basics"]["graded"] == 1
    (course.results / "blank" / "01-basics.json").write_text("[" * 100_000 + "]" * 100_000)
    again = grade(course, students=["blank"], assignments=["01-basics"], workers=1, limits=classroom.LIMITS,
                  progress=False)
    assert again["graded"] == 1 and again["failures"] == []


def test_releasing_elsewhere_creates_no_grading_folder(tmp_path):
    from autograder.release import release

    grading = tmp_path / "grading-untouched"
    course = Course(solutions=classroom.FIXTURE, release=tmp_path / "unused", grading=grading)
    release(["01-basics"], dest=tmp_path / "release", db_url=f"sqlite:///{tmp_path / 'gb.db'}", course=course)
    assert (tmp_path / "release" / "01-basics" / "01-basics.ipynb").is_file()
    assert not grading.exists()
