# Lets `jupyter lab`/`nbgrader` run from the repository root use the course configuration.
# load_subconfig runs that file as a config file of its own (its __file__ is its own path), so the
# course root it computes is this folder, not this folder's parent.
load_subconfig("autograder/nbgrader_config.py")  # noqa: F821 (provided by traitlets)
