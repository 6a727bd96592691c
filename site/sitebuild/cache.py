"""The cache of executed notebooks: ``<out>/cache/NN-name-<key>.ipynb``.

A notebook's key hashes its assignment folder and what an executed notebook depends on besides it (the
library), so a rebuild re-executes only the notebooks whose folder or library changed."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import nbformat

from . import ROOT

CACHE_VERSION = "1"
KEEP_VERSIONS = 3  # executed versions of each notebook kept in the cache


def lib_files() -> list[Path]:
    """What an executed notebook depends on besides its folder: all of tinygrad_ref, and the modules of
    autograder that ``import autograder`` loads (the check helpers; not the grading pipeline)."""
    code = (
        "import sys, autograder\n"
        "print('\\n'.join(m.__file__ for n, m in list(sys.modules.items())"
        " if n.split('.')[0] == 'autograder' and getattr(m, '__file__', None)))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    loaded = [Path(line) for line in proc.stdout.split()] if proc.returncode == 0 else []
    if not loaded:  # cannot tell: depend on all of it
        loaded = list((ROOT / "autograder").rglob("*.py"))
    return sorted(set((ROOT / "tinygrad_ref").rglob("*.py")) | {p.resolve() for p in loaded})


def lib_hash() -> str:
    pinned = os.environ.get("COURSE_SITE_LIB_HASH")  # tests pin it: others may edit tinygrad_ref meanwhile
    if pinned:
        return hashlib.sha256((CACHE_VERSION + pinned).encode()).hexdigest()
    h = hashlib.sha256(CACHE_VERSION.encode())
    for f in lib_files():
        h.update(str(f.relative_to(ROOT) if f.is_relative_to(ROOT) else f).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def folder_hash(folder: Path, base: str) -> str:
    h = hashlib.sha256(base.encode())
    for f in sorted(folder.rglob("*")):
        rel = f.relative_to(folder)
        if f.is_file() and not any(part in (".ipynb_checkpoints", "__pycache__") for part in rel.parts):
            h.update(str(rel).encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:20]


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
