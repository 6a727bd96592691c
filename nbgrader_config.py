import os

# Lets `jupyter lab`/`nbgrader` run from the repository root use the course configuration.
exec(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "autograder", "nbgrader_config.py")).read())
