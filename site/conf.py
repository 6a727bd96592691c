"""Sphinx configuration of the course website; site/build.py generates the sources and runs Sphinx.

Builds offline: the theme's assets and MathJax (from the sphinx-mathjax-offline wheel) are served locally.
"""

import os
import sys
from pathlib import Path

SITE = Path(__file__).resolve().parent
sys.path.insert(0, str(SITE / "_ext"))
sys.path.insert(0, str(SITE.parent))

MODE = os.environ.get("COURSE_SITE_MODE", "public")
INSTRUCTOR = MODE == "instructor"

project = os.environ.get("COURSE_SITE_TITLE", "Deep learning course")
author = "The course authors"
copyright = "the course authors, MIT licence"
html_title = project + (" (instructor edition)" if INSTRUCTOR else "")

extensions = [
    "myst_nb",
    "sphinx_design",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "course_site",
]

# Notebooks arrive executed (site/build.py caches the runs); myst-nb only renders them.
nb_execution_mode = "off"
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist", "html_image"]
myst_heading_anchors = 3
suppress_warnings = ["myst.header", "misc.highlighting_failure"]

exclude_patterns = ["_extra", "**.ipynb_checkpoints"]
# html_extra_path: <srcdir>/_extra (downloads/NN-name.ipynb at a stable address), set by course_site
html_static_path = [str(SITE / "_static")]
html_css_files = ["course.css"]
html_favicon = str(SITE / "_static" / "favicon.svg")

html_theme = "sphinx_book_theme"
html_theme_options = {
    "home_page_in_toc": True,
    "show_toc_level": 2,
    "use_download_button": False,  # it serves _sources; each page has its own download link instead
    "use_fullscreen_button": False,
    "use_source_button": False,
    "use_repository_button": False,
    "navigation_with_keys": False,
}
if INSTRUCTOR:
    html_theme_options["announcement"] = (
        "Instructor edition: solutions and hidden tests are shown. Do not publish."
    )
html_context = {"default_mode": "auto"}  # light/dark follows the system until the reader picks one
html_copy_source = False  # never publish page sources (they are notebooks; the public ones are clean anyway)
html_show_sourcelink = False
html_last_updated_fmt = None

# MathJax 3 from a local copy (course_site copies it into _static/mathjax).
mathjax_path = "mathjax/tex-chtml.js"

autodoc_typehints = "description"
autodoc_mock_imports = ["cupy"]
napoleon_google_docstring = True
napoleon_numpy_docstring = True
