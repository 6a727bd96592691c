"""A student in `make lab`, in headless Chromium: only the nbgrader tools that work for students are
offered; Run All reaches the end of a blank notebook; a wrong answer shows the check's report, not a
traceback; the right answer shows the pass line; Validate shows reports, then success on a solved
notebook. Screenshots: _build/screenshots-lab/student/."""

from __future__ import annotations

import re
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

WRONG_ADD = "def add(a, b):\n    return a - b"
RIGHT_ADD = "def add(a, b):\n    return a + b"
SOLVED = {
    "ex-add": RIGHT_ADD,
    "ex-square": "def square(x):\n    return x * x",
    "ex-answer": "answer = 42",
    "written-why": "It lets arrays of different shapes combine without copies or loops.",
}


def _solved_copy(root):
    """course/01-basics/solved.ipynb: the student release with every answer filled in."""
    folder = root / "course" / "01-basics"
    nb = nbs.read(folder / "01-basics.ipynb")
    for cell in nb.cells:
        if nbs.grade_id(cell) in SOLVED:
            cell.source = SOLVED[nbs.grade_id(cell)]
    nbformat.write(nb, str(folder / "solved.ipynb"))


CURRENT_TAB = "#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current"


def _panel(page):
    """The notebook in the active tab (the others stay in the page, hidden)."""
    widget = page.locator(CURRENT_TAB).first.get_attribute("data-id")
    return page.locator(f"[id='{widget}']")


def _open(page, base, path):
    page.goto(f"{base}/lab/tree/{path}?token={lab.TOKEN}", wait_until="domcontentloaded")
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=90_000)
    name = path.rsplit("/", 1)[-1]  # the restored workspace may open other notebooks first
    page.locator(f"{CURRENT_TAB} .lm-TabBar-tabLabel", has_text=name).wait_for(timeout=90_000)
    # the kernel is ready when the toolbar's kernel status says Idle
    _panel(page).locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(
        state="attached", timeout=90_000)


def _menu(page, top: str, item: str):
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{top}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{item}$")).first.click()


def _prompts(page) -> list[str]:
    prompts = _panel(page).locator(".jp-CodeCell .jp-InputPrompt")
    return prompts.all_inner_texts()


def _run_all(page, tries=3, started_within=20):
    """Run > Run All Cells. On a loaded machine the first click can land before the menu is live; a
    click that queues nothing (no prompt leaves "[ ]:") is repeated, which re-runs nothing twice."""
    for _ in range(tries):
        _menu(page, "Run", "Run All Cells")
        deadline = time.monotonic() + started_within
        while time.monotonic() < deadline:
            if any(p.strip() != "[ ]:" for p in _prompts(page)):
                return
            time.sleep(0.5)
    raise AssertionError(f"Run All Cells queued no cell after {tries} clicks: prompts {_prompts(page)}")


def _wait_all_run(page, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        prompts = [p.strip() for p in _prompts(page)]
        if prompts and all(re.fullmatch(r"\[\d+\]:", p) for p in prompts):
            return prompts
        time.sleep(0.5)
    raise AssertionError(f"Run All did not reach the last cell: prompts {_prompts(page)}")


def _cell(page, grade_id_source_start: str):
    """The code cell whose source starts with the given text."""
    cells = _panel(page).locator(".jp-CodeCell")
    for i in range(cells.count()):
        if cells.nth(i).locator(".cm-content").inner_text().startswith(grade_id_source_start):
            return cells.nth(i)
    raise AssertionError(f"no cell starting with {grade_id_source_start!r}")


def _replace_source(page, cell, source: str):
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(source)  # no key events: CodeMirror adds no indentation or brackets


def _validate_button(page):
    return _panel(page).locator(".jp-Toolbar-item", has_text="Validate")


def _validate(page) -> str:
    page.keyboard.press("Control+S")
    page.wait_for_timeout(500)
    _validate_button(page).click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=120_000)
    page.wait_for_function(
        "() => !document.querySelector('.jp-Dialog').innerText.includes('Validating')", timeout=120_000)
    return dialog.inner_text()


def test_student_lab_in_chromium(course_root, tmp_path):
    start = time.perf_counter()
    root = course_root
    _solved_copy(root)
    shots = lab.SCREENSHOTS / "student"
    timings = {"setup": time.perf_counter() - start}
    with lab.lab_server(root, "lab", tmp_path / "lab.log") as base, \
            lab.browser_page(shots) as (page, problems, shot):
        timings["server"] = time.perf_counter() - start
        _open(page, base, "01-basics/01-basics.ipynb")
        timings["open"] = time.perf_counter() - start

        # 1. nbgrader's instructor tools are not offered (its menu would hold only those); Validate is
        menu_labels = page.locator(".lm-MenuBar-itemLabel").all_inner_texts()
        assert "Run" in menu_labels and "Nbgrader" not in menu_labels, menu_labels
        assert _validate_button(page).count() == 1
        sidebar = " ".join(page.locator(".lm-TabBar-tab").evaluate_all(
            "tabs => tabs.map(t => t.title + ' ' + t.innerText)"))
        assert "Create Assignment" not in sidebar and "Formgrader" not in sidebar, sidebar
        shot("1-student-lab-blank-notebook")

        # 2. Run All on the blank notebook reaches the last cell; each test cell shows its report
        _run_all(page)
        prompts = _wait_all_run(page)
        timings["run all"] = time.perf_counter() - start
        stderr = "application/vnd.jupyter.stderr"
        errors = _panel(page).locator(f".jp-OutputArea-output[data-mime-type='{stderr}']")
        texts = errors.all_inner_texts()
        reports = [t for t in texts if t.startswith("✗ ")]
        assert {t.split(":")[0] for t in reports} == {"✗ add", "✗ square"}, texts
        assert not any("Traceback" in t or "checks.py" in t for t in reports), reports
        _cell(page, "check(\"add\"").scroll_into_view_if_needed()
        shot("2-run-all-blank-reports")

        # 3. a wrong answer: the report comes first and alone
        add_cell = _cell(page, "def add(a, b):")
        _replace_source(page, add_cell, WRONG_ADD)
        page.keyboard.press("Shift+Enter")  # runs the answer cell, moves to the test cell
        page.keyboard.press("Shift+Enter")  # runs the test cell
        test_cell = _cell(page, "check(\"add\"")
        report = test_cell.locator(".jp-OutputArea-output").first
        page.wait_for_function("el => el.innerText.includes('case')", arg=report.element_handle(),
                               timeout=60_000)
        text = report.inner_text()
        assert text.startswith("✗ add: 2 of 2 case(s) failed") and "expected" in text, text
        assert "Traceback" not in text and "checks.py" not in text, text
        test_cell.scroll_into_view_if_needed()
        shot("3-wrong-answer-report")

        # 4. the right answer shows the pass line
        _replace_source(page, add_cell, RIGHT_ADD)
        page.keyboard.press("Shift+Enter")
        page.keyboard.press("Shift+Enter")
        page.wait_for_function("el => el.innerText.includes('passed')",
                               arg=test_cell.locator(".jp-OutputArea-output").first.element_handle(),
                               timeout=60_000)
        assert test_cell.locator(".jp-OutputArea-output").first.inner_text().startswith(
            "✓ add: 2 case(s) passed")
        shot("4-right-answer-passes")
        timings["answers"] = time.perf_counter() - start

        # 5. Validate: the remaining failures as reports (no traceback), then success when solved
        text = _validate(page)
        shot("5-validate-partial")
        square = text[text.index("✗ square"):].split("The following cell failed")[0]
        assert "expected" in square or "not implemented" in square, text
        assert "Traceback" not in square and "checks.py" not in text, text
        page.locator(".jp-Dialog button", has_text=re.compile("OK|Ok|Close")).first.click()
        _open(page, base, "01-basics/solved.ipynb")
        text = _validate(page)
        shot("6-validate-solved")
        assert "Success" in text and "passes all the tests" in text, text
        timings["validate"] = time.perf_counter() - start
    assert prompts[-1] != "[ ]:"
    assert problems == [], problems
    print("student flow timings (s, cumulative):", {k: round(v, 1) for k, v in timings.items()})
