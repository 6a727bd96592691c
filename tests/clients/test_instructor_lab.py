"""An instructor in `make lab-instructor`, in headless Chromium: three submissions collected and graded
with the course's sandboxed grader; formgrader, opened from the lab's Nbgrader menu, lists the assignment,
its submissions and the written answers awaiting a score, without nbgrader's unsandboxed Autograde;
math renders with the locally served MathJax; a score given in formgrader's page shows in the export
and survives a re-grade. Screenshots: _build/screenshots-lab/instructor/."""

from __future__ import annotations

import csv
import json
import re
import shutil
import time

import nbformat
import pytest

from autograder import notebooks as nbs

from . import lab

pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("lab"),
    pytest.mark.skipif(lab.chromium_missing() is not None, reason=str(lab.chromium_missing())),
]

ANSWERS = {
    "alice": {"ex-add": "def add(a, b):\n    return a + b", "ex-square": "def square(x):\n    return x * x",
              "ex-answer": "answer = 42", "written-why": "Broadcasting combines arrays of different shapes "
              "without copying them or writing loops."},
    "bob": {"ex-add": "def add(a, b):\n    return a + b", "written-why": "It is faster."},
    "carol": {},
}


def _submissions(root, dest):
    release = nbs.read(root / "release-copy" / "01-basics.ipynb")
    for student, answers in ANSWERS.items():
        nb = nbformat.from_dict(json.loads(json.dumps(release)))
        for cell in nb.cells:
            if nbs.grade_id(cell) in answers:
                cell.source = answers[nbs.grade_id(cell)]
        folder = dest / student / "01-basics"
        folder.mkdir(parents=True)
        nbformat.write(nb, str(folder / "01-basics.ipynb"))


def _grades(root) -> dict:
    lab.cli(root, "export")
    with open(root / "grading" / "export" / "grades.csv", encoding="utf-8") as f:
        return {(r["student"], r["grade_id"]): (r["score"], r["status"]) for r in csv.DictReader(f)}


def test_instructor_lab_in_chromium(course_root, tmp_path):
    start = time.perf_counter()
    root = course_root
    _submissions(root, tmp_path / "lms")
    lab.cli(root, "collect", str(tmp_path / "lms"))
    lab.cli(root, "grade", "--workers", "2", "--no-progress")
    before = _grades(root)
    assert before[("alice", "test-square")][0] == "2.0" and before[("carol", "test-add")][0] == "0.0"
    assert before[("alice", "written-why")][1] == "awaiting manual grading"
    timings = {"collect+grade": time.perf_counter() - start}
    shots = lab.SCREENSHOTS / "instructor"
    with lab.lab_server(root, "lab-instructor", tmp_path / "lab.log") as base, \
            lab.browser_page(shots) as (page, problems, shot):
        timings["server"] = time.perf_counter() - start
        # 1. formgrader from the lab's Nbgrader menu; the student-exchange tools are not offered
        page.goto(f"{base}/lab?token={lab.TOKEN}", wait_until="domcontentloaded")
        page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click(timeout=90_000)
        items = page.locator(".lm-Menu-item:not(.lm-mod-hidden) .lm-Menu-itemLabel").all_inner_texts()
        assert "Formgrader" in items and not {"Assignment List", "Course List"} & set(items), items
        page.locator(".lm-Menu-item:not(.lm-mod-hidden) .lm-Menu-itemLabel",
                     has_text=re.compile("^Formgrader$")).click()
        frame = page.frame_locator("iframe").first
        frame.locator("td", has_text="01-basics").first.wait_for(timeout=60_000)
        frame.locator("td", has_text="01-basics").first.scroll_into_view_if_needed()
        shot("1-formgrader-in-lab-manage-assignments")
        timings["formgrader in lab"] = time.perf_counter() - start

        # 2. the submissions, without formgrader's Autograde (which would run student code unsandboxed)
        page.goto(f"{base}/formgrader/manage_submissions/01-basics", wait_until="domcontentloaded")
        rows = page.locator("#main-table tr")
        page.wait_for_function("() => document.querySelectorAll('#main-table tr td.autograde').length === 3",
                               timeout=60_000)
        assert page.locator("#main-table td.autograde").all_inner_texts() == ["sandboxed: make grade"] * 3
        assert page.locator("#main-table .glyphicon-flash").count() == 0
        assert rows.count() == 3
        refused = page.evaluate(
            """async () => {
                const xsrf = document.cookie.match(/_xsrf=([^;]+)/)[1];
                const r = await fetch(base_url + '/formgrader/api/submission/01-basics/alice/autograde',
                                      {method: 'POST', headers: {'X-XSRFToken': decodeURIComponent(xsrf)}});
                return [r.status, await r.text()];
            }"""
        )
        assert refused[0] == 403 and "python -m autograder grade" in refused[1], refused
        shot("2-submissions-no-autograde")

        # 3. manual grading: the written answers awaiting a score
        page.goto(f"{base}/formgrader/gradebook/01-basics/01-basics", wait_until="domcontentloaded")
        page.wait_for_function("() => document.querySelectorAll('#main-table tr').length === 3",
                               timeout=60_000)
        waiting = page.locator("#main-table td.needs-manual-grade[data-search='needs manual grade']")
        assert waiting.count() >= 2, page.locator("#main-table").inner_text()
        shot("3-manual-grading-list")

        # 4. alice's written answer: math typeset offline, a score given in the page
        listing = page.evaluate(
            "async () => (await fetch(base_url + '/formgrader/api/submitted_notebooks/01-basics/01-basics'))"
            ".json()")
        ids = {s["student"]: s["id"] for s in listing}
        page.goto(f"{base}/formgrader/submissions/{ids['alice']}/", wait_until="domcontentloaded")
        score = page.locator("input#written-why")
        score.wait_for(timeout=60_000)
        page.wait_for_selector(".MathJax_CHTML", timeout=60_000)  # typeset by the locally served MathJax 2
        page.locator(".MathJax_CHTML").first.scroll_into_view_if_needed()
        shot("4-math-typeset-offline")
        assert "Broadcasting combines arrays" in page.locator("body").inner_text()
        score.fill("1")
        score.press("Tab")
        saved = None
        for _ in range(60):  # formgrader saves on change; its API says when the score is stored
            grades = page.evaluate("async url => (await fetch(url)).json()",
                                   f"{base}/formgrader/api/grades?submission_id={ids['alice']}")
            saved = {g["name"]: g["manual_score"] for g in grades}.get("written-why")
            if saved == 1:
                break
            page.wait_for_timeout(500)
        assert saved == 1, grades
        score.scroll_into_view_if_needed()
        shot("5-written-answer-scored")
        timings["browser"] = time.perf_counter() - start
    assert problems == [], problems

    # 5. the score is in the export, and a forced re-grade keeps it
    after = _grades(root)
    assert after[("alice", "written-why")] == ("1.0", "graded by hand"), after[("alice", "written-why")]
    lab.cli(root, "grade", "--workers", "2", "--no-progress", "--force")
    again = _grades(root)
    assert again[("alice", "written-why")] == ("1.0", "graded by hand")
    assert {k: v for k, v in again.items() if k[1] != "written-why"} == \
        {k: v for k, v in before.items() if k[1] != "written-why"}
    timings["export+regrade"] = time.perf_counter() - start
    shutil.rmtree(tmp_path / "lms")
    print("instructor flow timings (s, cumulative):", {k: round(v, 1) for k, v in timings.items()})
