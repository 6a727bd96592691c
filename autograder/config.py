"""Where things live, and nbgrader's configuration as a traitlets Config."""

from __future__ import annotations

import os
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
COURSE = ROOT / "course"
GRADING = ROOT / "grading"

# nbgrader runs the `alembic` command of the environment it is installed in: make it findable even when
# the interpreter was started by its full path without activating the virtual environment.
_bin = os.path.dirname(os.path.abspath(os.sys.executable))
if _bin not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _bin + os.pathsep + os.environ.get("PATH", "")


def assignments() -> list[str]:
    """Every assignment folder in solutions/, in course order (NN-name)."""
    return sorted(p.name for p in SOLUTIONS.iterdir() if p.is_dir() and (p / f"{p.name}.ipynb").exists())


def notebook_path(assignment: str, root: Path = SOLUTIONS) -> Path:
    return root / assignment / f"{assignment}.ipynb"


def nbgrader_config(**overrides: str) -> Config:
    """The course's nbgrader Config; ``overrides`` replace CourseDirectory settings (for example a
    temporary release_directory and db_url)."""
    loader = PyFileConfigLoader("nbgrader_config.py", path=str(Path(__file__).parent))
    config = loader.load_config()
    for key, value in overrides.items():
        config.CourseDirectory[key] = value
    os.makedirs(GRADING, exist_ok=True)
    return config
