"""A page and a download from each executed solution notebook.

The public page is the executed solution through the release's public transform (solution regions
replaced by the stubs, hidden tests removed, the outputs of answer and test cells cleared); the instructor
page is the executed solution as it is."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import nbformat

from autograder.notebooks import HIDDEN_REGION, SOLUTION_REGION, is_graded_test, is_solution

from . import ROOT, log

# The release's stubs (autograder/nbgrader_config.py); read from nbgrader's config when it loads.
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
TEXT_STUB = "YOUR ANSWER HERE"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def stubs() -> tuple[str, str]:
    try:
        from autograder.config import nbgrader_config

        cfg = nbgrader_config().ClearSolutions
        code = cfg.get("code_stub", {}).get("python", CODE_STUB)
        text = cfg.get("text_stub", TEXT_STUB)
        return code, text
    except Exception:  # nbgrader missing or config unreadable: the same strings, written here
        return CODE_STUB, TEXT_STUB


def strip_secrets(nb, code_stub: str, text_stub: str):
    """The public copy of an executed solution notebook: solution regions replaced by the release stubs,
    hidden tests removed, the outputs of solution and graded test cells cleared."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        solution, graded_test = is_solution(cell), is_graded_test(cell)
        source = cell.source
        if solution:
            stub = code_stub if cell.cell_type == "code" else text_stub
            if SOLUTION_REGION.search(source):

                def repl(m, stub=stub):
                    indent = re.match(r"[ \t]*", m.group(0)).group(0)
                    return "\n".join(indent + line for line in stub.splitlines())

                source = SOLUTION_REGION.sub(repl, source)
            else:
                source = stub
        source = HIDDEN_REGION.sub("", source)
        if source != cell.source:
            cell.source = re.sub(r"\n{3,}", "\n\n", source).rstrip()
        if cell.cell_type == "code" and (solution or graded_test):
            cell.outputs = []
        cell.metadata.pop("nbgrader", None)
    return nb


def launch_links(name: str, course: Path) -> str:
    """Binder for every student notebook; Colab where the release added its install cell
    (autograder/launch.py decides which notebooks can run there)."""
    from autograder.launch import COLAB_CELL_MARK, repository

    repo, path = repository(), f"course/{name}/{name}.ipynb"
    links = [f'<a class="reference external course-launch-binder" href="{repo.binder_url(path)}">'
             "Run it on Binder</a>"]
    release = course / name / f"{name}.ipynb"
    if release.is_file() and COLAB_CELL_MARK in release.read_text(encoding="utf-8"):
        links.append(f'<a class="reference external course-launch-colab" href="{repo.colab_url(path)}">'
                     "Open it in Colab</a>")
    return " &middot; ".join(links)


def download_cell(name: str, instructor: bool, course: Path | None = None):
    what = "the solution notebook (instructor copy)" if instructor else "this notebook (student version)"
    launch = "" if instructor else (
        f"<br/>Without installing anything: {launch_links(name, course or ROOT / 'course')}.")
    html = (
        f'<p class="course-download"><a class="reference download course-download-link" '
        f'href="../downloads/{name}.ipynb" download>Download {what}: {name}.ipynb</a> '
        f"&mdash; or open it from <code>course/</code> with <code>make lab</code>.{launch}</p>"
    )
    return nbformat.v4.new_markdown_cell(html, metadata={"course_site": "download"})


def drop_widgets(nb) -> None:
    """Remove Jupyter widget outputs (tqdm progress bars, sliders) and their saved state: a static page
    cannot run them, and myst-nb would load require.js and the widget manager from a CDN for them."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if WIDGET_VIEW not in o.get("data", {})]


def page_notebook(nb, name: str, instructor: bool, stubs: tuple[str, str], course: Path | None = None):
    page = copy.deepcopy(nb) if instructor else strip_secrets(nb, *stubs)
    drop_widgets(page)
    page.cells.insert(1 if page.cells else 0, download_cell(name, instructor, course))
    for cell in page.cells:
        cell.pop("id", None)  # ids are not needed to render, and change with every nbformat write
    page.nbformat_minor = 4
    return page


def download_notebook(name: str, solutions: Path, course: Path, executed, instructor: bool, stubs):
    if instructor:
        return (solutions / name / f"{name}.ipynb").read_bytes()
    release = course / name / f"{name}.ipynb"
    if release.is_file():
        return release.read_bytes()
    log(f"  note: {release} not found (run `make release`); the download is made from the solution instead")
    nb = strip_secrets(executed, *stubs)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nbformat.writes(nb).encode()
