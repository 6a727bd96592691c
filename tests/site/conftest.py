"""Shared fixtures of the site tests: one build of the two fixture notebooks per session."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "site"
FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_SOLUTIONS = FIXTURES / "solutions"
# The cache key's library part, pinned: tinygrad_ref may change while the tests run (not what they test).
LIB_HASH = f"fixture-tests-{os.getpid()}"
if str(SITE) not in sys.path:
    sys.path.insert(0, str(SITE))


def run_build(out: Path, *args: str, solutions: Path = FIXTURE_SOLUTIONS, check: bool = True):
    """`python site/build.py` on the fixtures (the student release is missing, so downloads are made from
    the solutions); returns the finished process."""
    cmd = [
        sys.executable,
        str(SITE / "build.py"),
        "--solutions",
        str(solutions),
        "--course",
        str(FIXTURES / "course"),
        "--docs",
        str(ROOT / "docs"),
        "--out",
        str(out),
        *args,
    ]
    env = dict(os.environ, PYTHONHASHSEED="0", COURSE_SITE_LIB_HASH=LIB_HASH)
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"build failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def report(out: Path, mode: str = "public") -> dict:
    return json.loads((out / f"report-{mode}.json").read_text())


@pytest.fixture(scope="session")
def fixture_site(tmp_path_factory) -> Path:
    """The build folder of the fixture site (public html in <out>/html)."""
    out = tmp_path_factory.mktemp("site")
    run_build(out)
    return out
