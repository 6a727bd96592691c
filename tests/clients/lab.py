"""A scratch course root and the course's own lab servers (`make lab`, `make lab-instructor`) for the
browser tests.

The scratch root looks like a clone of the repository to nbgrader and to the Makefile: the repository's
Makefile, nbgrader_config.py, autograder/ and .venv are linked in; solutions/ holds the small fixture
course (tests/autograder/fixtures), course/ its release and grading/ its grading workspace. So the labs
run exactly as `make lab` / `make lab-instructor` do, without touching the repository's own grading/.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import nbformat

from autograder.config import ROOT

FIXTURE = ROOT / "tests" / "autograder" / "fixtures" / "solutions"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-dev-shm-usage"]
TOKEN = "course-browser-test"
MATH = r"The mean of the squares is $\frac{1}{n}\sum_{i=1}^{n} x_i^2$."
SCREENSHOTS = Path(os.environ.get("LAB_SCREENSHOTS", ROOT / "_build" / "screenshots-lab"))


def chromium_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is not installed (make system-deps installs Debian's chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed (make install)"
    return None


def scratch_root(tmp: Path, assignment: str = "01-basics") -> Path:
    """A course root with the fixture assignment (plus a line of math), released into course/."""
    root = tmp / "course-root"
    root.mkdir()
    for name in ("Makefile", "nbgrader_config.py", "autograder", "tinygrad_ref", ".venv"):
        (root / name).symlink_to(ROOT / name)
    shutil.copytree(FIXTURE / assignment, root / "solutions" / assignment)
    path = root / "solutions" / assignment / f"{assignment}.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    nb.cells.insert(1, nbformat.v4.new_markdown_cell(MATH))
    nbformat.write(nb, str(path))
    cli(root, "release", assignment)
    # the release as given to students (the student test edits course/ as a student would)
    shutil.copytree(root / "course" / assignment, root / "release-copy")
    return root


def cli(root: Path, *args: str, timeout: float = 600) -> str:
    """`python -m autograder ...` on the scratch root's folders; returns its output, raises on failure."""
    cmd = [sys.executable, "-m", "autograder", "--solutions", str(root / "solutions"), "--release-dir",
           str(root / "course"), "--grading", str(root / "grading"), *args]
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def free_port(variable: str = "COURSE_TEST_PORTS") -> int:
    """A free port on 127.0.0.1: from the range lo-hi in the environment ``variable`` when set (shared
    machines), else any."""
    low, _, high = os.environ.get(variable, "").partition("-")
    candidates = range(int(low), int(high) + 1) if low and high else [0]
    for port in candidates:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise RuntimeError(f"no free port in {variable}={os.environ.get(variable)}")


@contextmanager
def lab_server(root: Path, target: str, log: Path):
    """`make <target>` (lab or lab-instructor) in ``root``, without its install step; yields the base
    URL once the server answers, and stops the server's whole process group at the end."""
    port = free_port()
    opts = f"--port={port} --ServerApp.port_retries=0 --no-browser --IdentityProvider.token={TOKEN}"
    cmd = ["make", "-s", "-o", "install", target, f"LAB_OPTS={opts}"]
    env = dict(os.environ)
    env.pop("JUPYTER_CONFIG_PATH", None)
    out = open(log, "wb")
    proc = subprocess.Popen(cmd, cwd=root, stdout=out, stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"make {target} exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"make {target} did not answer in 120 s:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield base
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        out.close()


@contextmanager
def browser_page(shots: Path):
    """A Chromium page (1280x900); yields (page, problems, shot). ``problems`` collects uncaught page
    errors and every request to a host other than 127.0.0.1 (the labs must work offline)."""
    from playwright.sync_api import sync_playwright

    shots.mkdir(parents=True, exist_ok=True)
    for old in shots.glob("*.png"):
        old.unlink()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
            local = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")
            page.on("request",
                    lambda r: None if r.url.startswith(local) else errors.append(f"request to {r.url}"))

            def shot(name: str, target=None) -> Path:
                path = shots / f"{name}.png"
                (target or page).screenshot(path=str(path))
                return path

            yield page, errors, shot
        finally:
            browser.close()
