"""The course website's build, one module per job (``site/build.py`` is its command line).

| module | job |
| --- | --- |
| ``run.py`` | ``build()``: the steps below in order, the leak check, the report |
| ``cache.py`` | cache keys of executed notebooks (notebook folder + library fingerprint), the cache folder |
| ``execute.py`` | running solution notebooks with nbclient, in parallel, through the cache |
| ``notebook_pages.py`` | a page and a download from each executed notebook (public: the release transform) |
| ``pages.py`` | the generated pages: home page with syllabus, API reference, guides from docs/ |
| ``gradients.py`` | the gradient table: every op of tinygrad_ref, forward and backward math, its source |
| ``tree.py`` | writing the page sources, touching only files whose content changed |
| ``sphinx_run.py`` | sphinx-build with site/conf.py |

The package is not called ``site``: a package importable under that name would shadow Python's own
``site`` module. It is imported with ``site/`` on ``sys.path`` (as ``python site/build.py`` has it), like
``leaks`` and ``browser_check`` beside it.
"""

from __future__ import annotations

from pathlib import Path

SITE = Path(__file__).resolve().parent.parent
ROOT = SITE.parent
DEFAULT_OUT = SITE / "_build"


class BuildError(RuntimeError):
    """A build that cannot finish; the message says which notebook or step and why."""


def log(msg: str) -> None:
    print(msg, flush=True)
