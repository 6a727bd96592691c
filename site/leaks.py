"""Look for solution code, hidden tests and hidden test splits in a built site.

Every line of every solution region and hidden-test region of the source notebooks (found by
autograder.notebooks.secret_text) is searched for in the site's pages, search index and downloads. Lines
that a student may see anyway (``autograder.course.public_lines``: a line outside the secret regions of
some notebook, like ``)`` or ``return out``, or of tinygrad_ref's source; or a line inside a longer
public line) and lines of punctuation only are not secrets. A
line counts as found when a line of the page's text equals it, or, for lines of 12 characters or more,
when the text contains it. Any file of an assignment's hidden test splits (``solutions/NN-name/hidden/``,
autograder/capstone.py) found in the site, by its bytes, its folder or a ``*_labels.npy`` name, is a leak.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from autograder.course import HIDDEN_DIR, assignments, notebook_path, public_lines  # noqa: E402
from autograder.notebooks import public_text, read, secret_text  # noqa: E402

MARKER = re.compile(r"^#+\s*(BEGIN|END) (SOLUTION|HIDDEN TESTS)\b")
SCANNED = (".html", ".js", ".json", ".ipynb", ".txt", ".inv")
SKIPPED_DIRS = ("_static", "_images")  # theme assets and MathJax; figures are images


def secret_lines(solutions: Path) -> dict[str, str]:
    """{stripped secret line: notebook name} over every notebook in ``solutions``."""
    public = public_lines(solutions)
    public_flat = []
    found: dict[str, str] = {}
    for name in assignments(solutions):
        nb = read(notebook_path(solutions, name))
        public_flat.append(" ".join(public_text(nb).split()))
        for cell in nb.cells:
            for part in secret_text(cell):
                for line in part.splitlines():
                    s = line.strip()
                    if s and not MARKER.match(s) and re.search(r"\w", s):
                        found.setdefault(s, name)
    flat = "\n".join(public_flat)
    return {
        line: name
        for line, name in found.items()
        if line not in public and " ".join(line.split()) not in flat
    }


def page_text(path: Path) -> str:
    raw = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".html":
        raw = re.sub(r"<[^>]+>", "", raw)
        return html_lib.unescape(raw)
    if path.suffix == ".ipynb":
        try:
            nb = json.loads(raw)
            parts = []
            for cell in nb.get("cells", []):
                src = cell.get("source", "")
                parts.append("".join(src) if isinstance(src, list) else src)
                for out in cell.get("outputs", []):
                    parts.append(json.dumps(out))
            return "\n".join(parts)
        except ValueError:
            return raw
    return raw


def hidden_files(solutions: Path) -> dict[tuple[int, bytes], str]:
    """{(size, sha256): notebook} of every file of the assignments' hidden test splits."""
    found = {}
    for name in assignments(solutions):
        folder = notebook_path(solutions, name).parent / HIDDEN_DIR
        for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
            if path.is_file():
                found[(path.stat().st_size, hashlib.sha256(path.read_bytes()).digest())] = name
    return found


def find_leaks(site: Path, solutions: Path) -> list[tuple[str, str, str]]:
    """[(file relative to site, notebook, secret line)] for every secret line found in the site, and
    for every file of a hidden test split in it (the secret: "hidden split file NAME")."""
    secrets = secret_lines(solutions)
    long_secrets = [s for s in secrets if len(s) >= 12]
    hidden = hidden_files(solutions)
    sizes = {size for size, _ in hidden}
    leaks = []
    for f in sorted(site.rglob("*")):
        rel = f.relative_to(site)
        if f.is_file():
            named = HIDDEN_DIR in rel.parts[:-1] or f.name.endswith("_labels.npy")
            size = f.stat().st_size
            owner = hidden.get((size, hashlib.sha256(f.read_bytes()).digest())) if size in sizes else None
            if named or owner:
                leaks.append((rel.as_posix(), owner or "a hidden split", f"hidden split file {f.name}"))
        if not f.is_file() or f.suffix not in SCANNED or rel.parts[0] in SKIPPED_DIRS:
            continue
        text = page_text(f)
        lines = {line.strip() for line in text.splitlines()}
        flat = " ".join(text.split())
        for s in secrets:
            if s in lines or (s in long_secrets and " ".join(s.split()) in flat):
                leaks.append((rel.as_posix(), secrets[s], s))
    return leaks


if __name__ == "__main__":
    import argparse

    p = argparse.ArgumentParser(description="look for solution code and hidden tests in a built site")
    p.add_argument("site", type=Path, nargs="?", default=ROOT / "site" / "_build" / "html")
    p.add_argument("--solutions", type=Path, default=ROOT / "solutions")
    a = p.parse_args()
    found = find_leaks(a.site, a.solutions)
    for rel, nb, line in found:
        print(f"{rel}: {nb}: {line}")
    print(f"{len(secret_lines(a.solutions))} secret lines searched in {a.site}: {len(found)} found")
    sys.exit(1 if found else 0)
