"""The executed-notebook cache's key: what a notebook's execution can depend on, and nothing else."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from sitebuild.cache import imported_files, notebook_key

from .conftest import ROOT


@pytest.fixture
def checkout(tmp_path, monkeypatch) -> Path:
    """A copy of autograder/ and tinygrad_ref/ that a test may change, and one notebook folder."""
    monkeypatch.delenv("COURSE_SITE_LIB_HASH", raising=False)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in ("autograder", "tinygrad_ref"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=ignore)
    folder = tmp_path / "solutions" / "01-x"
    folder.mkdir(parents=True)
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# 01 X"),
        nbformat.v4.new_code_cell("import numpy as np\nimport tinygrad_ref as tg\n%matplotlib inline\n"
                                  "from autograder import check, check_rules"),
    ])
    nbformat.write(nb, str(folder / "01-x.ipynb"))
    return tmp_path


def _touch(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")


def test_the_autograder_files_a_notebook_imports_are_found_from_the_imports():
    found = {p.relative_to(ROOT).as_posix() for p in imported_files(["from autograder import check"])}
    # the package, its check helpers and the kernel side of the rules (autograder/__init__.py imports
    # them), and what those import
    assert {"autograder/__init__.py", "autograder/checks.py", "autograder/rules/__init__.py",
            "autograder/rules/analyser.py", "autograder/rules/kernel.py"} <= found
    for grading_only in ("scoring.py", "grading.py", "sandbox.py", "pipeline.py", "outputs.py", "course.py"):
        assert f"autograder/{grading_only}" not in found
    assert imported_files(["import numpy as np\nfrom tinygrad_ref import Tensor"]) == []
    lazy = imported_files(["def f():\n    from autograder.scoring import score_notebook"])
    assert ROOT / "autograder" / "scoring.py" in lazy  # an import inside a function counts too


@pytest.mark.parametrize("changed, changes_key", [
    ("autograder/checks.py", True),
    ("autograder/rules/kernel.py", True),
    ("autograder/rules/analyser.py", True),
    ("autograder/__init__.py", True),
    ("tinygrad_ref/tensor.py", True),
    ("solutions/01-x/data.txt", True),
    ("autograder/scoring.py", False),
    ("autograder/grading.py", False),
    ("autograder/sandbox.py", False),
    ("autograder/course.py", False),
])
def test_the_key_changes_with_what_execution_can_depend_on_only(checkout, changed, changes_key):
    folder = checkout / "solutions" / "01-x"
    before = notebook_key(folder, code_root=checkout)
    assert notebook_key(folder, code_root=checkout) == before
    path = checkout / changed
    if path.exists():
        _touch(path)
    else:
        path.write_text("new data", encoding="utf-8")
    assert (notebook_key(folder, code_root=checkout) != before) == changes_key


def test_the_key_does_not_depend_on_where_the_folder_is(checkout, tmp_path_factory):
    folder = checkout / "solutions" / "01-x"
    elsewhere = tmp_path_factory.mktemp("other") / "01-x"
    shutil.copytree(folder, elsewhere)
    assert notebook_key(elsewhere, code_root=checkout) == notebook_key(folder, code_root=checkout)


def test_the_key_changes_with_library_versions(checkout, monkeypatch):
    from importlib import metadata

    folder = checkout / "solutions" / "01-x"
    before = notebook_key(folder, code_root=checkout)
    real = metadata.version
    monkeypatch.setattr(metadata, "version", lambda name: "0.0.0-other" if name == "torch" else real(name))
    assert notebook_key(folder, code_root=checkout) != before
