"""The cache of executed notebooks: ``<out>/cache/NN-name-<key>.ipynb``.

A notebook's key is the course's fingerprint of its assignment folder (``autograder.course.fingerprint``:
the folder's files, autograder/ and tinygrad_ref/, Python's and the numerical libraries' versions), the
key the grader gives a solution's run; a rebuild re-executes only the notebooks whose key changed."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import nbformat

from autograder.course import fingerprint

CACHE_VERSION = "2"  # how an executed notebook is stored; a new version sets every notebook running again
KEEP_VERSIONS = 3  # executed versions of each notebook kept in the cache


def notebook_key(folder: Path) -> str:
    """The cache key of the notebook in ``folder``. ``COURSE_SITE_LIB_HASH`` stands for the code part of
    the fingerprint when set: the tests pin it, as others may edit tinygrad_ref while they run."""
    pinned = os.environ.get("COURSE_SITE_LIB_HASH")
    inputs = [CACHE_VERSION, fingerprint(folder, code=not pinned), pinned or ""]
    return hashlib.sha256("\n".join(inputs).encode()).hexdigest()[:20]


class Cache:
    """Executed notebooks by (name, key) in ``folder``."""

    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def _path(self, name: str, key: str) -> Path:
        return self.folder / f"{name}-{key}.ipynb"

    def get(self, name: str, key: str):
        """The cached run, or None; a hit counts as a use (the versions kept are the last used)."""
        hit = self._path(name, key)
        if not hit.is_file():
            return None
        hit.touch()
        return nbformat.read(str(hit), as_version=4)

    def put(self, name: str, key: str, text: str) -> None:
        self._path(name, key).write_text(text, encoding="utf-8")
        # keep the last few versions, so that undoing a change needs no new run
        versions = sorted(self.folder.glob(f"{name}-*.ipynb"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in versions[KEEP_VERSIONS:]:
            old.unlink()
