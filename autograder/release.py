"""The student release: nbgrader's generate_assignment from solutions/ into course/."""

from __future__ import annotations

import logging
from pathlib import Path

from .config import Course


class ReleaseError(RuntimeError):
    pass


def release(
    names: list[str] | None = None,
    dest: Path | None = None,
    db_url: str | None = None,
    course: Course | None = None,
) -> list[Path]:
    """Write the student version of each assignment (all by default) into course/ or ``dest``.

    Returns the released notebook paths. Raises ReleaseError naming the assignment and nbgrader's message.
    The sources, release folder and gradebook are those of ``course`` (the repository's by default);
    ``dest`` and ``db_url`` override the last two.
    """
    from nbgrader.apps import NbGraderAPI

    course = course or Course()
    known = course.assignments()
    names = names or known
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ReleaseError(
            f"no assignment named {', '.join(unknown)} in {course.solutions} (known: {', '.join(known)})"
        )
    config = course.nbgrader_config()
    if dest is not None:
        config.CourseDirectory.release_directory = str(Path(dest).resolve())
    if db_url is not None:
        config.CourseDirectory.db_url = db_url
    else:  # the course's own gradebook records the release; only then does grading/ need to exist
        course.grading.mkdir(parents=True, exist_ok=True)
    api = NbGraderAPI(config=config)
    api.log.setLevel(logging.ERROR)
    out = []
    for name in names:
        result = api.generate_assignment(name, force=True, create=True)
        if not result["success"]:
            raise ReleaseError(f"releasing {name} failed:\n{result['error']}\n{result['log']}")
        released = Path(api.coursedir.format_path(api.coursedir.release_directory, ".", name))
        out.extend(sorted(released.glob("*.ipynb")))
    return out
