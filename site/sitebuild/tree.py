"""Writing the page sources so that Sphinx's incremental build redoes only the pages that changed."""

from __future__ import annotations

from pathlib import Path


def write_if_changed(path: Path, data: bytes | str) -> bool:
    data = data.encode("utf-8") if isinstance(data, str) else data
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def sync_tree(src: Path, files: dict[str, bytes | str]) -> list[str]:
    """Make ``src`` hold exactly ``files`` (relative path -> content); returns the paths rewritten."""
    changed = [rel for rel, data in files.items() if write_if_changed(src / rel, data)]
    for f in sorted(src.rglob("*"), reverse=True):
        rel = f.relative_to(src).as_posix()
        if f.is_file() and rel not in files:
            f.unlink()
        elif f.is_dir() and not any(f.iterdir()):
            f.rmdir()
    return changed
