"""Sphinx extension of the course website.

- Each run of consecutive code cells labelled ``metadata.framework`` (tinygrad_ref, numpy, pytorch,
  tensorflow; see docs/authoring.md) becomes one sphinx-design tab set in the sync group ``framework``,
  so one click on a "PyTorch" tab switches every tab set on the site (sphinx-design keeps the choice in
  localStorage across pages). Outputs and figures stay inside their tab.
- ``$...$`` and ``$$...$$`` in tinygrad_ref's docstrings become reST math for autodoc.
- MathJax 3 is served from ``_static/mathjax`` (copied from the sphinx-mathjax-offline wheel), so the site
  needs no network.
"""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

from docutils import nodes
from sphinx.util import logging
from sphinx.util.fileutil import copy_asset
from sphinx_design.shared import create_component

from autograder.course import FRAMEWORKS  # the labels and their order (docs/authoring.md)

logger = logging.getLogger(__name__)

LABELS = {"tinygrad_ref": "tinygrad_ref", "numpy": "NumPy", "pytorch": "PyTorch", "tensorflow": "TensorFlow"}
SYNC_GROUP = "framework"


def _framework(node) -> str | None:
    if isinstance(node, nodes.container) and node.get("nb_element") == "cell_code":
        fw = (node.get("cell_metadata") or {}).get("framework")
        return fw if fw in FRAMEWORKS else None
    return None


def _runs(children):
    """Index ranges of runs of consecutive framework cells; a run ends where the framework order restarts."""
    runs, start, last = [], None, -1
    for i, child in enumerate(list(children) + [None]):
        fw = _framework(child) if child is not None else None
        order = FRAMEWORKS.index(fw) if fw else -1
        if start is not None and (fw is None or order <= last):
            runs.append((start, i))
            start = None
        if fw is not None and start is None:
            start = i
        last = order if fw else -1
    return runs


def _tab_set(cells) -> nodes.container:
    present = [_framework(c) for c in cells]
    tab_set = create_component("tab-set", classes=["sd-tab-set", "course-framework-tabs"])
    for cell, fw in zip(cells, present):
        # numpy plays tinygrad_ref's part where a notebook shows plain arrays, so they share a sync id
        sync = "tinygrad_ref" if fw == "numpy" and "tinygrad_ref" not in present else fw
        label = nodes.rubric(LABELS[fw], nodes.Text(LABELS[fw]), classes=["sd-tab-label"])
        label["sync_group"], label["sync_id"] = SYNC_GROUP, sync
        content = create_component("tab-content", classes=["sd-tab-content"], children=[cell])
        item = create_component(
            "tab-item", classes=["sd-tab-item", f"course-tab-{fw}"], children=[label, content]
        )
        tab_set += item
    tab_set.source, tab_set.line = cells[0].source, cells[0].line
    return tab_set


def framework_tabs(app, doctree) -> None:
    for parent in list(doctree.findall(nodes.Element)):
        runs = _runs(parent.children)
        for start, end in reversed(runs):
            cells = parent.children[start:end]
            tab_set = _tab_set(cells)
            for c in cells:
                parent.remove(c)
            parent.insert(start, tab_set)


_DISPLAY = re.compile(r"^([ \t]*)\$\$(.+?)\$\$[ \t]*$", re.S | re.M)
_INLINE = re.compile(r"(?<![\\$`\w])\$(?!\s)([^$\n]+?)(?<!\s)\$(?![\w$])")


def docstring_math(app, what, name, obj, options, lines) -> None:
    text = "\n".join(lines)
    if "$" not in text:
        return

    def display(m):
        indent, body = m.group(1), " ".join(m.group(2).split())
        return f"\n{indent}.. math::\n\n{indent}   {body}\n"

    text = _DISPLAY.sub(display, text)
    text = _INLINE.sub(lambda m: r":math:`" + m.group(1).replace("`", r"\`") + "`", text)
    # a role must be followed by whitespace or punctuation in reST
    text = re.sub(r"(:math:`[^`]*`)(?=[A-Za-z0-9])", r"\1\\ ", text)
    lines[:] = text.split("\n")


def _mathjax_source() -> Path | None:
    try:
        dist = metadata.distribution("sphinx-mathjax-offline")
    except metadata.PackageNotFoundError:
        return None
    path = Path(dist.locate_file("sphinx-mathjax-offline/static/mathjax"))
    return path if (path / "tex-chtml.js").is_file() else None


# What tex-chtml.js loads at run time: the fonts, the TeX extensions it autoloads, the context menu.
# (The speech-rule engine, sre/, 4 MB, is left out: only the optional explorer of the menu loads it.)
_MATHJAX_PARTS = (
    "tex-chtml.js",
    "output/chtml/fonts/woff-v2",
    "input/tex/extensions",
    "ui/menu.js",
    "a11y/assistive-mml.js",
)


def copy_mathjax(app, exc) -> None:
    if exc is not None or app.builder.format != "html":
        return
    source = _mathjax_source()
    dest = Path(app.outdir) / "_static" / "mathjax"
    if source is None:
        logger.warning(
            "sphinx-mathjax-offline is not installed: pages load MathJax from %s", app.config.mathjax_path
        )
        return
    for part in _MATHJAX_PARTS:
        src = source / part
        if src.is_dir():
            copy_asset(str(src), str(dest / part))
        elif src.is_file():
            (dest / part).parent.mkdir(parents=True, exist_ok=True)
            copy_asset(str(src), str((dest / part).parent))


def config_inited(app, config) -> None:
    # the downloads (NN-name.ipynb) are generated beside the page sources, so the path is the source folder's
    config.html_extra_path = [str(Path(app.srcdir) / "_extra")]
    if _mathjax_source() is None:  # offline copy missing: fall back to the CDN (pages then need a network)
        config.mathjax_path = "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"


def setup(app):
    app.connect("config-inited", config_inited)
    app.connect("doctree-read", framework_tabs)
    app.connect("autodoc-process-docstring", docstring_math)
    app.connect("build-finished", copy_mathjax)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
