"""A page and a download from each executed solution notebook.

The public page is the executed solution through the course's public transform,
``autograder.course.public_notebook`` (the one the release's text follows: solution regions replaced by
the stubs, hidden tests removed, the outputs of answer and test cells cleared); the instructor page is
the executed solution as it is."""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat

from autograder.course import COURSE, notebook_path, public_notebook

from . import log

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def launch_links(name: str, course: Path) -> str:
    """Binder for every student notebook; Colab where the release added its install cell
    (autograder/launch.py decides which notebooks can run there)."""
    from autograder.launch import COLAB_CELL_MARK, repository

    repo, path = repository(), notebook_path(Path("course"), name).as_posix()  # in the repository
    links = [f'<a class="reference external course-launch-binder" href="{repo.binder_url(path)}">'
             "Run it on Binder</a>"]
    release = notebook_path(course, name)
    if release.is_file() and COLAB_CELL_MARK in release.read_text(encoding="utf-8"):
        links.append(f'<a class="reference external course-launch-colab" href="{repo.colab_url(path)}">'
                     "Open it in Colab</a>")
    return " &middot; ".join(links)


def download_cell(name: str, instructor: bool, course: Path | None = None):
    what = "the solution notebook (instructor copy)" if instructor else "this notebook (student version)"
    launch = "" if instructor else (
        f"<br/>Without installing anything: {launch_links(name, course or COURSE)}.")
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


def page_notebook(nb, name: str, instructor: bool, course: Path | None = None):
    page = copy.deepcopy(nb) if instructor else public_notebook(nb)
    drop_widgets(page)
    page.cells.insert(1 if page.cells else 0, download_cell(name, instructor, course))
    for cell in page.cells:
        cell.pop("id", None)  # ids are not needed to render, and change with every nbformat write
    page.nbformat_minor = 4
    return page


def download_notebook(name: str, solutions: Path, course: Path, executed, instructor: bool):
    if instructor:
        return notebook_path(solutions, name).read_bytes()
    release = notebook_path(course, name)
    if release.is_file():
        return release.read_bytes()
    log(f"  note: {release} not found (run `make release`); the download is made from the solution instead")
    nb = public_notebook(executed)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nbformat.writes(nb).encode()
