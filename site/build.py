#!/usr/bin/env python
"""Build the course website (Sphinx + myst-nb + sphinx-book-theme + sphinx-design), offline.

    python site/build.py                 # public site  -> site/_build/html
    python site/build.py --instructor    # with solutions and hidden tests -> site/_build/instructor
    python site/build.py --check         # then test it in headless Chromium (site/_build/screenshots)

Steps (each a module of site/sitebuild/):
1. Execute every solution notebook (solutions/NN-name/NN-name.ipynb) with nbclient, in a scratch copy of
   its folder, two at a time (execute.py). Executed notebooks are cached in <out>/cache keyed by a hash of
   the assignment folder and of the tinygrad_ref/autograder sources (cache.py), so a rebuild re-executes
   only the notebooks that changed. A notebook that raises fails the build, naming it.
2. Write the page sources into <out>/src (public) or <out>/src-instructor, touching only files whose
   content changed (tree.py; so Sphinx's own incremental build redoes only those pages). For the public
   site every solution region is replaced by the release stub, hidden-test regions are dropped, and the
   outputs of solution and graded test cells are cleared (notebook_pages.py). Generated too (pages.py,
   gradients.py): the home page (syllabus from each notebook's title and learning goals), the API
   reference pages, the gradient table, the guides from docs/, and the student notebooks to download
   (course/NN-name/NN-name.ipynb).
3. Run sphinx-build with site/conf.py (sphinx_run.py). site/_ext/course_site.py turns each run of
   framework-labelled code cells into one synced tab set, renders $math$ in docstrings and ships MathJax
   locally.
4. Search the public site for any line of a solution or hidden test (site/leaks.py); write the report.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

SITE = Path(__file__).resolve().parent
for _path in (SITE.parent, SITE):  # the repository (autograder, tinygrad_ref), then sitebuild beside this
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from sitebuild import DEFAULT_OUT, ROOT, BuildError, log  # noqa: E402
from sitebuild.run import build  # noqa: E402


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
