"""nbgrader's configuration for this course (loaded by autograder.config, and by `jupyter` run from the
repository root through the nbgrader_config.py there).

Instructor sources live in solutions/, the student release in course/ (both committed); the grading
workspace (submissions, autograded copies, feedback, the gradebook database) lives in grading/, which
is git-ignored.
"""

import os

from autograder.course import CODE_STUB, HIDDEN_DIR, TEXT_STUB

_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "dl-course"
c.CourseDirectory.root = _root
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "course"
c.CourseDirectory.submitted_directory = "grading/submitted"
c.CourseDirectory.autograded_directory = "grading/autograded"
c.CourseDirectory.feedback_directory = "grading/feedback"
c.CourseDirectory.solution_directory = "grading/solution"
c.CourseDirectory.source_with_tests_directory = "grading/source_with_tests"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(_root, "grading", "gradebook.db")
# The student release keeps the small data files an assignment folder holds, never caches, and never
# the hidden test splits (hidden/: their labels stay with the grader, autograder/capstone.py).
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".pytest_cache",
                            HIDDEN_DIR]
# Solutions are replaced by a stub that fails loudly until the student writes code.
c.ClearSolutions.code_stub = {"python": CODE_STUB}
c.ClearSolutions.text_stub = TEXT_STUB
