"""The generated pages: the home page with the syllabus, the API reference, the guides from docs/."""

from __future__ import annotations

import re
from pathlib import Path

from . import ROOT, log

COURSE_TITLE = "Deep learning from the ground up"
# docs/ pages on the site: (file stem, title, required). A missing required page gets a placeholder.
GUIDES = (
    ("instructor-guide", "Instructor guide", True),
    ("jupyterhub", "Teaching a class on JupyterHub", False),
    ("authoring", "Writing a course notebook", False),
    ("site", "The course website", False),
)


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


def index_page(entries: list[dict], instructor: bool, guides: list[tuple[str, str]],
               extra: list[tuple[str, str, str]] = ()) -> str:
    """The home page. ``extra``: further generated reference pages, (page, title, one line about it)."""
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
        *[f"- [{title}]({page}.md){about}" for page, title, about in extra],
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
        *[page for page, _, _ in extra],
        *[p for p, _ in guides],
        "```",
        "",
    ]
    return "\n".join(lines)


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
