import os

# Lets `jupyter lab`/`nbgrader` run from the repository root use the course configuration.
_course_config = os.path.join(os.path.dirname(os.path.abspath(__file__)), "autograder", "nbgrader_config.py")
exec(open(_course_config).read())
