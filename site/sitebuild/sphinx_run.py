"""Running sphinx-build on the page sources with site/conf.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from . import ROOT, SITE, BuildError


def run_sphinx(src: Path, html: Path, doctrees: Path, mode: str, title: str) -> None:
    env = dict(os.environ, COURSE_SITE_MODE=mode, COURSE_SITE_TITLE=title, PYTHONPATH=str(ROOT))
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
    proc = subprocess.run(cmd, env=env, cwd=ROOT)
    if proc.returncode != 0:
        raise BuildError(f"error: sphinx-build failed (exit {proc.returncode}): {' '.join(cmd)}")
