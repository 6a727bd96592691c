"""``build()``: execute, write the page sources, run Sphinx, check the public site for leaks, report."""

from __future__ import annotations

import json
import resource
import time
from pathlib import Path

import nbformat

from autograder.course import COURSE, SOLUTIONS, assignments
from autograder.launch import repository

from . import DEFAULT_OUT, ROOT, BuildError, gradients, log
from .execute import execute_all
from .notebook_pages import download_notebook, page_notebook
from .pages import COURSE_TITLE, api_pages, guide_pages, index_page, title_and_goals
from .sphinx_run import run_sphinx
from .tree import sync_tree


def _cpu_seconds() -> float:
    """User + system CPU seconds of this process and its finished children (kernels, Sphinx)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def dir_size(path: Path) -> tuple[int, int]:
    files = [f for f in path.rglob("*") if f.is_file()]
    return sum(f.stat().st_size for f in files), len(files)


def _check_leaks(html: Path, solutions: Path) -> None:
    """The public site must never hold a line of a solution or of a hidden test."""
    from leaks import find_leaks  # site/leaks.py, beside this package

    leaks = find_leaks(html, solutions)
    if leaks:
        shown = "\n".join(f"  {rel}: {nb}: {line}" for rel, nb, line in leaks[:50])
        raise BuildError(
            f"error: the public site in {html} shows {len(leaks)} line(s) of solutions or hidden "
            f"tests (delete it before publishing):\n{shown}"
        )


def page_sources(names, executed, solutions: Path, course: Path, docs: Path, instructor: bool):
    """Every page source by path relative to the source folder, and the syllabus entries."""
    files: dict[str, bytes | str] = {}
    entries = []
    for n in names:
        nb = executed[n]
        title, goals = title_and_goals(nb, n)
        entries.append({"name": n, "title": title, "goals": goals})
        page = page_notebook(nb, n, instructor, course)
        files[f"notebooks/{n}.ipynb"] = nbformat.writes(page)
        files[f"_extra/downloads/{n}.ipynb"] = download_notebook(n, solutions, course, nb, instructor)
    guides, listed = guide_pages(docs)
    files.update(guides)
    files.update(api_pages())
    repo = repository()
    files[f"{gradients.PAGE}.md"] = gradients.gradient_page(gradients.gradient_rules(), repo.url, repo.branch)
    extra = [(gradients.PAGE, gradients.TITLE, gradients.ABOUT)]
    files["index.md"] = index_page(entries, instructor, listed, extra)
    return files


def build(
    solutions: Path = SOLUTIONS,
    course: Path = COURSE,
    out: Path = DEFAULT_OUT,
    docs: Path = ROOT / "docs",
    instructor: bool = False,
    jobs: int = 2,
    timeout: int = 600,
) -> dict:
    t0 = time.perf_counter()
    solutions, course, out, docs = (Path(p).resolve() for p in (solutions, course, out, docs))
    mode = "instructor" if instructor else "public"
    src = out / ("src-instructor" if instructor else "src")
    html = out / ("instructor" if instructor else "html")
    doctrees = out / ("doctrees-instructor" if instructor else "doctrees")
    names = assignments(solutions)
    log(f"site ({mode}): {len(names)} notebook(s) from {solutions}")

    run = execute_all(solutions, names, out, jobs, timeout)
    t_exec = time.perf_counter() - t0

    files = page_sources(names, run["notebooks"], solutions, course, docs, instructor)
    changed = sync_tree(src, files)
    log(f"page sources: {len(files)} file(s) in {src}, {len(changed)} changed")

    t1 = time.perf_counter()
    run_sphinx(src, html, doctrees, mode, COURSE_TITLE)
    t_sphinx = time.perf_counter() - t1

    if not instructor:
        _check_leaks(html, solutions)

    size, count = dir_size(html)
    report = {
        "mode": mode,
        "html": str(html),
        "notebooks": names,
        "executed": run["executed"],
        "cached": run["cached"],
        "execute_seconds": run["seconds"],
        "changed_sources": changed,
        "time_execute_s": round(t_exec, 1),
        "time_sphinx_s": round(t_sphinx, 1),
        "time_total_s": round(time.perf_counter() - t0, 1),
        "cpu_s": round(_cpu_seconds(), 1),
        "size_bytes": size,
        "files": count,
    }
    (out / f"report-{mode}.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    log(
        f"built {html} in {report['time_total_s']} s (execution {report['time_execute_s']} s: "
        f"{len(run['executed'])} executed, {len(run['cached'])} from cache; "
        f"sphinx {report['time_sphinx_s']} s); "
        f"site size {size / 1e6:.1f} MB in {count} files; CPU time {report['cpu_s']} s"
    )
    return report
