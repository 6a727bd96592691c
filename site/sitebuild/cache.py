"""The cache of executed notebooks: ``<out>/cache/NN-name-<key>.ipynb``.

A notebook's key covers what its execution can depend on, and nothing else, so that a change to the
grading code does not re-execute every notebook: the files of its assignment folder, every file of
``tinygrad_ref/``, the files of ``autograder/`` that the notebook's code imports (the check helpers and
the kernel side of the rules, and whatever those import, found by reading the imports:
:func:`imported_files`), Python's and the numerical libraries' versions (``course.library_versions``), and
:data:`CACHE_VERSION`. A rebuild re-executes only the notebooks whose key changed. (The grader keys a
solution's run by ``course.fingerprint``, which covers all of ``autograder/``: a grading-code change can
change a grade, not a notebook's outputs.)"""

from __future__ import annotations

import ast
import hashlib
import os
from pathlib import Path

import nbformat

from autograder.course import ROOT, file_digests, folder_digest, library_versions, notebook_path
from autograder.rules import parse_cell

CACHE_VERSION = "2"  # how an executed notebook is stored; a new version sets every notebook running again
KEEP_VERSIONS = 3  # executed versions of each notebook kept in the cache
FRAMEWORK = "tinygrad_ref"  # every notebook may import any of it: all its files count
GRADER = "autograder"  # only the modules a notebook imports count


def notebook_key(folder: Path, code_root: Path = ROOT) -> str:
    """The cache key of the notebook in ``folder`` (the code read under ``code_root``: this checkout).
    ``COURSE_SITE_LIB_HASH`` stands for the code and version part when set: the tests pin it, as others
    may edit tinygrad_ref while they run."""
    folder, code_root = Path(folder), Path(code_root)
    pinned = os.environ.get("COURSE_SITE_LIB_HASH")
    inputs = [CACHE_VERSION, folder_digest(folder), pinned or _code_digest(folder, code_root)]
    return hashlib.sha256("\n".join(inputs).encode()).hexdigest()[:20]


def _code_digest(folder: Path, code_root: Path) -> str:
    h = hashlib.sha256()
    for rel, digest in file_digests(code_root / FRAMEWORK).items():
        h.update(f"{FRAMEWORK}/{rel}\n".encode() + digest)
    for path in imported_files(_sources(folder), code_root):
        rel = path.relative_to(code_root).as_posix()
        h.update(f"{rel}\n".encode() + hashlib.sha256(path.read_bytes()).digest())
    h.update(library_versions().encode())
    return h.hexdigest()


def _sources(folder: Path) -> list[str]:
    """The code a notebook's execution runs from its folder: its code cells and the folder's .py files."""
    sources = [path.read_text(encoding="utf-8", errors="replace") for path in sorted(folder.rglob("*.py"))]
    try:
        nb = nbformat.read(str(notebook_path(folder.parent, folder.name)), as_version=4)
    except Exception:  # no notebook, or one that cannot be read: its execution fails and is not cached
        return sources
    return sources + [cell.source for cell in nb.cells if cell.cell_type == "code"]


def imported_files(sources: list[str], code_root: Path = ROOT) -> list[Path]:
    """The files of ``code_root/autograder`` that code running ``sources`` can import: the modules the
    sources import, the packages above them, and, transitively, every module those import, at the top
    of a file or inside a function (a lazy import runs when its function does). Sorted."""
    todo = [name for source in sources for name in _imports(source, None) if _in_grader(name)]
    found: dict[str, Path] = {}
    while todo:
        module = todo.pop()
        if module in found:
            continue
        path, is_package = _module_file(module, code_root)
        if path is None:
            continue  # a name imported from a module (``from autograder import check``), not a module
        found[module] = path
        parts = module.split(".")
        todo += [".".join(parts[:i]) for i in range(1, len(parts))]  # importing a module runs its parents
        package = module if is_package else ".".join(parts[:-1])
        todo += [name for name in _imports(path.read_text(encoding="utf-8"), package) if _in_grader(name)]
    return sorted(found.values())


def _in_grader(module: str) -> bool:
    return module == GRADER or module.startswith(GRADER + ".")


def _imports(source: str, package: str | None) -> list[str]:
    """The modules an ``import`` anywhere in ``source`` may load, as absolute names (relative imports
    resolved within ``package``); for ``from m import a``, both ``m`` and ``m.a`` (``a`` may be a module)."""
    try:
        tree = parse_cell(source)
    except SyntaxError:
        return []
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                if package is None:
                    continue
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names.append(module)
            names += [f"{module}.{alias.name}" for alias in node.names if alias.name != "*"]
    return [n for n in names if n]


def _module_file(module: str, code_root: Path) -> tuple[Path | None, bool]:
    """(the file of ``module`` under ``code_root``, whether it is a package), or (None, False)."""
    base = code_root.joinpath(*module.split("."))
    if (base / "__init__.py").is_file():
        return base / "__init__.py", True
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py"), False
    return None, False


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
        kept = sorted(self.folder.glob(f"{name}-*.ipynb"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in kept[KEEP_VERSIONS:]:
            old.unlink()
