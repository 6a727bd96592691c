#!/usr/bin/env python
"""Build the course website (Sphinx + myst-nb + sphinx-book-theme + sphinx-design), offline.

    python site/build.py                 # public site  -> site/_build/html
    python site/build.py --instructor    # with solutions and hidden tests -> site/_build/instructor
    python site/build.py --check         # then test it in headless Chromium (site/_build/screenshots)

Steps:
1. Execute every solution notebook (solutions/NN-name/NN-name.ipynb) with nbclient, in a scratch copy of
   its folder, two at a time. Executed notebooks are cached in <out>/cache keyed by a hash of the
   assignment folder and of the tinygrad_ref/autograder sources, so a rebuild re-executes only the
   notebooks that changed. A notebook that raises fails the build, naming it.
2. Write the page sources into <out>/src (public) or <out>/src-instructor, touching only files whose
   content changed (so Sphinx's own incremental build redoes only those pages). For the public site every
   solution region is replaced by the release stub, hidden-test regions are dropped, and the outputs of
   solution and graded test cells are cleared. Generated too: the home page (syllabus from each
   notebook's title and learning goals), the API reference pages, the guides from docs/, and the student
   notebooks to download (course/NN-name/NN-name.ipynb).
3. Run sphinx-build with site/conf.py. site/_ext/course_site.py turns each run of framework-labelled code
   cells into one synced tab set, renders $math$ in docstrings and ships MathJax locally.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

SITE = Path(__file__).resolve().parent
ROOT = SITE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402

from autograder.notebooks import (  # noqa: E402
    HIDDEN_REGION,
    SOLUTION_REGION,
    is_graded_test,
    is_solution,
    read,
)

CACHE_VERSION = "1"
KEEP_VERSIONS = 3  # executed versions of each notebook kept in the cache
DEFAULT_OUT = SITE / "_build"
COURSE_TITLE = "Deep learning from the ground up"
# The release's stubs (autograder/nbgrader_config.py); read from nbgrader's config when it loads.
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
TEXT_STUB = "YOUR ANSWER HERE"
IGNORE = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc", ".pytest_cache")


class BuildError(RuntimeError):
    pass


def log(msg: str) -> None:
    print(msg, flush=True)


def _stubs() -> tuple[str, str]:
    try:
        from autograder.config import nbgrader_config

        cfg = nbgrader_config().ClearSolutions
        code = cfg.get("code_stub", {}).get("python", CODE_STUB)
        text = cfg.get("text_stub", TEXT_STUB)
        return code, text
    except Exception:  # nbgrader missing or config unreadable: the same strings, written here
        return CODE_STUB, TEXT_STUB


# ------------------------------------------------------------------------------------------ discovery


def assignments(solutions: Path) -> list[str]:
    return sorted(p.name for p in solutions.iterdir() if p.is_dir() and (p / f"{p.name}.ipynb").is_file())


def lib_files() -> list[Path]:
    """What an executed notebook depends on besides its folder: all of tinygrad_ref, and the modules of
    autograder that ``import autograder`` loads (the check helpers; not the grading pipeline)."""
    code = (
        "import sys, autograder\n"
        "print('\\n'.join(m.__file__ for n, m in list(sys.modules.items())"
        " if n.split('.')[0] == 'autograder' and getattr(m, '__file__', None)))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    loaded = [Path(line) for line in proc.stdout.split()] if proc.returncode == 0 else []
    if not loaded:  # cannot tell: depend on all of it
        loaded = list((ROOT / "autograder").rglob("*.py"))
    return sorted(set((ROOT / "tinygrad_ref").rglob("*.py")) | {p.resolve() for p in loaded})


def lib_hash() -> str:
    pinned = os.environ.get("COURSE_SITE_LIB_HASH")  # tests pin it: others may edit tinygrad_ref meanwhile
    if pinned:
        return hashlib.sha256((CACHE_VERSION + pinned).encode()).hexdigest()
    h = hashlib.sha256(CACHE_VERSION.encode())
    for f in lib_files():
        h.update(str(f.relative_to(ROOT) if f.is_relative_to(ROOT) else f).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def folder_hash(folder: Path, base: str) -> str:
    h = hashlib.sha256(base.encode())
    for f in sorted(folder.rglob("*")):
        rel = f.relative_to(folder)
        if f.is_file() and not any(part in (".ipynb_checkpoints", "__pycache__") for part in rel.parts):
            h.update(str(rel).encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:20]


# ------------------------------------------------------------------------------------------ execution


def _execute(name: str, folder: str, workdir: str, timeout: int) -> tuple[str, str | None, float]:
    """Run one notebook top to bottom in a scratch copy of its folder. Returns (json, error, seconds).

    The kernel talks over Unix sockets (ZMQ's IPC transport) in a private folder, never TCP ports, so a
    build does not depend on free ports. Its stderr is not redirected to a file: with it redirected,
    06-optimizers' widget playground left nbclient waiting for its cell's reply until the timeout."""
    import atexit
    import tempfile

    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError
    from traitlets.config import Config

    start = time.perf_counter()
    work = Path(workdir)
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(folder, work, ignore=IGNORE)
    nb = read(work / f"{name}.ipynb")
    sockets = tempfile.mkdtemp(prefix="site-kernel-")  # short: Unix socket paths are limited to ~100 bytes
    config = Config()
    config.KernelManager.transport = "ipc"
    config.KernelManager.ip = os.path.join(sockets, "k")
    client = NotebookClient(nb, config=config, kernel_name="python3", timeout=timeout,
                            resources={"metadata": {"path": workdir}},
                            extra_arguments=["--IPKernelApp.log_level=ERROR"])
    error = None
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError) as err:
        error = f"{type(err).__name__}: {err}"
    except Exception as err:  # the kernel died, did not start or did not answer
        error = f"{type(err).__name__}: {err}"
        try:  # stop a kernel that started but never answered; nbclient leaves its exit hook behind
            client._cleanup_kernel()
        except Exception:  # nothing left to stop
            pass
        atexit.unregister(client._cleanup_kernel)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(sockets, ignore_errors=True)
    if error:
        return "", error, time.perf_counter() - start
    return nbformat.writes(nb), None, time.perf_counter() - start


def execute_all(solutions: Path, names: list[str], out: Path, jobs: int, timeout: int) -> dict:
    """Executed notebooks by name (from the cache where the folder and the libraries are unchanged)."""
    cache = out / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    base = lib_hash()
    keys = {n: folder_hash(solutions / n, base) for n in names}
    result, executed, cached, failures = {}, [], [], []
    todo = []
    for n in names:
        hit = cache / f"{n}-{keys[n]}.ipynb"
        if hit.is_file():
            hit.touch()
            result[n] = nbformat.read(str(hit), as_version=4)
            cached.append(n)
        else:
            todo.append(n)
    seconds = {}
    if todo:
        env_threads = str(max(1, (os.cpu_count() or 2) // max(1, min(jobs, len(todo)))))
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "TF_NUM_INTRAOP_THREADS"):
            os.environ.setdefault(var, env_threads)
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
        os.environ.setdefault("PYTHONHASHSEED", "0")
        # figures must come out as inline PNGs even when the caller set Agg (the test suite does)
        os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
        log(f"executing {len(todo)} notebook(s) with {min(jobs, len(todo))} worker(s): {', '.join(todo)}")
        with ProcessPoolExecutor(max_workers=max(1, min(jobs, len(todo)))) as pool:
            futures = {
                pool.submit(_execute, n, str(solutions / n), str(out / "work" / n), timeout): n for n in todo
            }
            for fut in as_completed(futures):
                n = futures[fut]
                text, error, secs = fut.result()
                seconds[n] = round(secs, 1)
                if error:
                    failures.append((n, error))
                    log(f"  FAILED {n} after {secs:.1f} s")
                    continue
                (cache / f"{n}-{keys[n]}.ipynb").write_text(text, encoding="utf-8")
                # keep the last few versions, so that undoing a change needs no new run
                versions = sorted(cache.glob(f"{n}-*.ipynb"), key=lambda p: p.stat().st_mtime, reverse=True)
                for old in versions[KEEP_VERSIONS:]:
                    old.unlink()
                result[n] = nbformat.reads(text, as_version=4)
                executed.append(n)
                log(f"  executed {n} in {secs:.1f} s")
        executed.sort()
        shutil.rmtree(out / "work", ignore_errors=True)
    if failures:
        lines = [f"error: {len(failures)} notebook(s) failed to execute: {', '.join(n for n, _ in failures)}"]
        for n, error in failures:
            lines.append(f"\n===== {n} ({solutions / n / (n + '.ipynb')}) =====\n{_tail(error)}")
        raise BuildError("\n".join(lines))
    return {"notebooks": result, "executed": executed, "cached": cached, "seconds": seconds}


def _tail(text: str, limit: int = 4000) -> str:
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)  # ANSI colours of IPython tracebacks
    return text if len(text) <= limit else "...\n" + text[-limit:]


# ------------------------------------------------------------------------------------------ public pages


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


def title_and_goals(nb, fallback: str) -> tuple[str, list[str]]:
    first = next((c.source for c in nb.cells if c.cell_type == "markdown" and c.source.strip()), "")
    m = re.search(r"^#\s+(.+)$", first, re.M)
    title = m.group(1).strip() if m else fallback
    goals = []
    m = re.search(r"learning goals\W*\n(.*)", first, re.I | re.S)
    if m:
        for line in m.group(1).splitlines():
            if re.match(r"\s*[-*]\s+", line):
                goals.append(re.sub(r"^\s*[-*]\s+", "", line).strip())
            elif goals and line.strip() and not line.startswith((" ", "\t")):
                break
    return title, goals


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


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


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


# ------------------------------------------------------------------------------------------ generated pages


def api_modules() -> list[str]:
    mods = []
    for f in sorted((ROOT / "tinygrad_ref").rglob("*.py")):
        parts = list(f.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        elif parts[-1].startswith("_"):
            continue
        mods.append(".".join(parts))
    return sorted(mods, key=lambda m: (m.count("."), m) if m == "tinygrad_ref" else (1, m))


def api_pages() -> dict[str, str]:
    mods = api_modules()
    pages = {}
    index = [
        "# API reference: tinygrad_ref",
        "",
        "Generated from the docstrings of `tinygrad_ref`, the PyTorch-shaped teaching framework every",
        "notebook can import (`import tinygrad_ref as tg`). Read `autograd`, then `ops`, then `tensor`.",
        "",
        "```{toctree}",
        ":maxdepth: 1",
        "",
        *[m for m in mods],
        "```",
        "",
    ]
    pages["api/index.md"] = "\n".join(index)
    for m in mods:
        pages[f"api/{m}.md"] = (
            f"# `{m}`\n\n```{{eval-rst}}\n.. automodule:: {m}\n   :members:\n   :ignore-module-all:\n"
            "   :show-inheritance:\n   :member-order: bysource\n```\n"
        )
    return pages


def _repository():
    from autograder.launch import repository

    return repository()


def index_page(entries: list[dict], instructor: bool, guides: list[str]) -> str:
    lines = [f"# {COURSE_TITLE}", ""]
    if instructor:
        lines += [
            ":::{warning}",
            "Instructor edition: these pages show the solutions and the hidden tests. Do not publish them.",
            ":::",
            "",
        ]
    lines += [
        "An open course on how deep-learning frameworks work. Each notebook explains one idea in words, in",
        "math and in a figure, then writes it three times side by side: in `tinygrad_ref` (a small",
        "PyTorch-shaped framework written on NumPy for this course), in PyTorch and in TensorFlow. Pick your",
        "framework in any tab and every code block on the site follows. Exercises are checked as you go.",
        "",
        "## How to start",
        "",
        "```bash",
        _repository().clone_command,
        "make lab        # first run installs everything (Python 3.11), then opens JupyterLab on course/",
        "```",
        "",
        "Open the notebooks in `course/` in order, fill in each `# YOUR CODE HERE`, and run the test cell",
        "under it: it prints which case failed, what was expected and a hint. `make test` runs the",
        "project's own test suite. Each notebook page below has a download link for the student notebook.",
        "",
        "## Syllabus",
        "",
    ]
    for e in entries:
        lines.append(f"### [{e['title']}](notebooks/{e['name']}.ipynb)")
        lines.append("")
        if e["goals"]:
            lines.append("Learning goals:")
            lines.append("")
            lines += [f"- {g}" for g in e["goals"]]
            lines.append("")
        lines.append(
            f'<a class="reference download" href="downloads/{e["name"]}.ipynb" download>'
            f"Download {e['name']}.ipynb</a>"
        )
        lines.append("")
    if not entries:
        lines += ["No notebooks yet.", ""]
    lines += [
        "## Reference",
        "",
        "- [API reference of tinygrad_ref](api/index.md), generated from its docstrings.",
        *[f"- [{t}]({p}.md)" for p, t in guides],
        "",
        "```{toctree}",
        ":hidden:",
        ":caption: Notebooks",
        "",
        *[f"{e['title']} <notebooks/{e['name']}>" for e in entries],
        "```",
        "",
        "```{toctree}",
        ":hidden:",
        ":caption: Reference",
        "",
        "api/index",
        *[p for p, _ in guides],
        "```",
        "",
    ]
    return "\n".join(lines)


# docs/ pages on the site: (file stem, title, required). A missing required page gets a placeholder.
GUIDES = (
    ("instructor-guide", "Instructor guide", True),
    ("jupyterhub", "Teaching a class on JupyterHub", False),
    ("authoring", "Writing a course notebook", False),
    ("site", "The course website", False),
)


def guide_pages(docs: Path) -> tuple[dict[str, str], list[tuple[str, str]]]:
    pages, listed = {}, []
    for stem, title, required in GUIDES:
        src = docs / f"{stem}.md"
        if src.is_file():
            pages[f"{stem}.md"] = src.read_text(encoding="utf-8")
        elif required:
            log(f"  warning: {src} is missing; the site shows a placeholder page for it")
            where = src.relative_to(ROOT) if src.is_relative_to(ROOT) else src
            pages[f"{stem}.md"] = f"# {title}\n\nNot written yet ({where}).\n"
        else:
            continue
        listed.append((stem, title))
    return pages, listed


# ------------------------------------------------------------------------------------------ source tree


def write_if_changed(path: Path, data: bytes | str) -> bool:
    data = data.encode("utf-8") if isinstance(data, str) else data
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def sync_tree(src: Path, files: dict[str, bytes | str]) -> list[str]:
    """Make ``src`` hold exactly ``files`` (relative path -> content); returns the paths rewritten."""
    changed = [rel for rel, data in files.items() if write_if_changed(src / rel, data)]
    for f in sorted(src.rglob("*"), reverse=True):
        rel = f.relative_to(src).as_posix()
        if f.is_file() and rel not in files:
            f.unlink()
        elif f.is_dir() and not any(f.iterdir()):
            f.rmdir()
    return changed


# ------------------------------------------------------------------------------------------ build


def _cpu_seconds() -> float:
    """User + system CPU seconds of this process and its finished children (kernels, Sphinx)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def dir_size(path: Path) -> tuple[int, int]:
    files = [f for f in path.rglob("*") if f.is_file()]
    return sum(f.stat().st_size for f in files), len(files)


def build(
    solutions: Path = ROOT / "solutions",
    course: Path = ROOT / "course",
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
    names = assignments(solutions) if solutions.is_dir() else []
    log(f"site ({mode}): {len(names)} notebook(s) from {solutions}")

    run = execute_all(solutions, names, out, jobs, timeout)
    t_exec = time.perf_counter() - t0

    stubs = _stubs()
    files: dict[str, bytes | str] = {}
    entries = []
    for n in names:
        nb = run["notebooks"][n]
        title, goals = title_and_goals(nb, n)
        entries.append({"name": n, "title": title, "goals": goals})
        files[f"notebooks/{n}.ipynb"] = nbformat.writes(page_notebook(nb, n, instructor, stubs, course))
        files[f"_extra/downloads/{n}.ipynb"] = download_notebook(n, solutions, course, nb, instructor, stubs)
    guides, listed = guide_pages(docs)
    files.update(guides)
    files.update(api_pages())
    files["index.md"] = index_page(entries, instructor, listed)
    changed = sync_tree(src, files)
    log(f"page sources: {len(files)} file(s) in {src}, {len(changed)} changed")

    env = dict(os.environ, COURSE_SITE_MODE=mode, COURSE_SITE_TITLE=COURSE_TITLE, PYTHONPATH=str(ROOT))
    cmd = [
        sys.executable,
        "-m",
        "sphinx",
        "-b",
        "html",
        "-c",
        str(SITE),
        "-d",
        str(doctrees),
        "-q",
        str(src),
        str(html),
    ]  # serial: "-j 2" hung in a rebuild here
    t1 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=ROOT)
    t_sphinx = time.perf_counter() - t1
    if proc.returncode != 0:
        raise BuildError(f"error: sphinx-build failed (exit {proc.returncode}): {' '.join(cmd)}")

    leaks = []
    if not instructor:  # the public site must never hold a line of a solution or of a hidden test
        sys.path.insert(0, str(SITE))
        from leaks import find_leaks

        leaks = find_leaks(html, solutions)
        if leaks:
            shown = "\n".join(f"  {rel}: {nb}: {line}" for rel, nb, line in leaks[:50])
            raise BuildError(
                f"error: the public site in {html} shows {len(leaks)} line(s) of solutions or hidden "
                f"tests (delete it before publishing):\n{shown}"
            )

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


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--instructor",
        action="store_true",
        help="include solutions and hidden tests; writes <out>/instructor, never the public folder",
    )
    p.add_argument("--solutions", type=Path, default=ROOT / "solutions", help="assignment sources (NN-name/)")
    p.add_argument("--course", type=Path, default=ROOT / "course", help="student release (downloads)")
    p.add_argument("--docs", type=Path, default=ROOT / "docs", help="folder with instructor-guide.md")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="build folder (default site/_build)")
    p.add_argument("--jobs", type=int, default=int(os.environ.get("JOBS", 2)))
    p.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    p.add_argument(
        "--check",
        action="store_true",
        help="then test the site in headless Chromium and save screenshots in <out>/screenshots",
    )
    args = p.parse_args(argv)
    try:
        report = build(
            args.solutions, args.course, args.out, args.docs, args.instructor, args.jobs, args.timeout
        )
    except BuildError as err:
        print(err, file=sys.stderr, flush=True)
        return 1
    if args.check:
        sys.path.insert(0, str(SITE))
        from browser_check import check_site

        results = check_site(Path(report["html"]), Path(args.out).resolve() / "screenshots")
        for line in results["log"]:
            log(line)
        if results["errors"]:
            print("browser check failed:\n" + "\n".join(results["errors"]), file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
