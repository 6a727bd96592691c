"""nbgrader settings of the formgrader service (the grading account): the course's folders and gradebook,
the same ones `python -m autograder` uses, rooted at the grading account's clone (DL_COURSE_ROOT)."""

import os
from pathlib import Path

from autograder.config import Course

c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

_root = Path(os.environ.get("DL_COURSE_ROOT", "/srv/dl-course"))
course = Course(solutions=_root / "solutions", release=_root / "course", grading=_root / "grading")
c.merge(course.nbgrader_config())
c.CourseDirectory.course_id = os.environ.get("DL_COURSE_ID", "dl-course")
# Submissions are collected only as the student who owns them (nbgrader only warns otherwise).
c.ExchangeFactory.collect = "autograder.exchange.OwnerCheckedCollect"
