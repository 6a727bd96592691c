"""Where the course lives, and links that run a notebook without installing anything.

The repository's address is configured in one place, ``[project.urls] Repository`` in pyproject.toml
(and the branch students get in ``[tool.dl-course] branch``); the site's home page, its launch links
and the Colab install cell all come from it.

* Binder builds the repository's own environment (environment.yml, then postBuild) and opens the
  notebook in JupyterLab: every notebook can run there.
* Colab runs a notebook from GitHub in Google's Python, which has pip but not our files: it is offered
  only for a notebook whose folder holds nothing but the notebook (no data files beside it) and that
  imports nothing outside pip; the release adds a cell that pip-installs this repository's packages
  (tinygrad_ref, autograder) when, and only when, the notebook runs on Colab.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from .config import ROOT

COLAB_CELL_MARK = "course: colab install"


@dataclass(frozen=True)
class Repository:
    url: str  # https://github.com/<owner>/<name>
    owner: str
    name: str
    branch: str

    @property
    def clone_command(self) -> str:
        return f"git clone {self.url}.git && cd {self.name}"

    def binder_url(self, path: str) -> str:
        """Binder, opening ``path`` (relative to the repository root) in JupyterLab."""
        return (f"https://mybinder.org/v2/gh/{self.owner}/{self.name}/{self.branch}"
                f"?urlpath={quote('lab/tree/' + path, safe='')}")

    def colab_url(self, path: str) -> str:
        return f"https://colab.research.google.com/github/{self.owner}/{self.name}/blob/{self.branch}/{path}"

    def pip_spec(self) -> str:
        return f"dl-course @ git+{self.url}.git@{self.branch}"


def repository(pyproject: Path = ROOT / "pyproject.toml") -> Repository:
    """The repository configured in pyproject.toml; a clear error when it is missing or not GitHub."""
    data = tomllib.loads(Path(pyproject).read_text(encoding="utf-8"))
    url = data.get("project", {}).get("urls", {}).get("Repository", "")
    match = re.fullmatch(r"https://github\.com/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+?)(?:\.git)?/?", url)
    if not match:
        raise ValueError(f"{pyproject}: [project.urls] Repository must be https://github.com/<owner>/<name>, "
                         f"got {url!r}")
    branch = data.get("tool", {}).get("dl-course", {}).get("branch", "main")
    owner, name = match.groups()
    return Repository(f"https://github.com/{owner}/{name}", owner, name, branch)


# Imports that pip cannot provide on Colab (system tools); a notebook using one gets no Colab link.
_NOT_PIP = re.compile(r"^\s*(?:import|from)\s+(?:cupy|graphviz)\b|shutil\.which|subprocess", re.M)


def colab_ready(notebook: Path) -> bool:
    """Whether ``notebook`` can run on Colab after the install cell: nothing but the notebook in its folder
    and no import that pip cannot satisfy there."""
    folder = notebook.parent
    others = [p for p in folder.rglob("*") if p.is_file() and p != notebook
              and not {".ipynb_checkpoints", "__pycache__"} & set(p.parts)]
    if others:
        return False
    return not _NOT_PIP.search(notebook.read_text(encoding="utf-8"))


def colab_install_source(repo: Repository) -> str:
    return (
        f"# {COLAB_CELL_MARK}: on Google Colab only, install this course's packages (tinygrad_ref and\n"
        "# autograder); PyTorch, TensorFlow and NumPy are already there. Elsewhere this cell does nothing.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        f'    %pip install --quiet "{repo.pip_spec()}"\n'
    )
