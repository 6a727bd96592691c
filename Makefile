# The course's two commands are `make lab` and `make test`; everything else is listed by `make help`.
# Installation is idempotent: a stamp keyed on the hash of requirements.txt and pyproject.toml
# skips it in well under a second once done.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
REQ_HASH := $(shell cat requirements.txt pyproject.toml | sha256sum | cut -c1-16)
STAMP := $(VENV)/.installed-$(REQ_HASH)
SYS_STAMP = $(VENV)/.system-packages-$(SYS_HASH)
# Debian packages: bubblewrap sandboxes grading; chromium tests the site in a real browser.
# libjs-mathjax: MathJax 2 for formgrader's grading pages, served by the instructor's lab (offline).
SYS_PACKAGES := bubblewrap chromium chromium-driver libjs-mathjax
# keyed on the list, so adding a package installs it in existing environments too
SYS_HASH := $(shell echo $(SYS_PACKAGES) | sha256sum | cut -c1-8)
# Node.js and npm (JupyterHub's proxy) from Debian, only where no npm is installed: Debian's npm conflicts
# with the nodejs package of NodeSource that some machines have instead.
NODE_PACKAGES := nodejs npm
# JupyterHub's proxy (deploy/jupyterhub/, tests/hub/), from the npm registry into the environment.
PROXY_VERSION := 5.3.0
PROXY_STAMP := $(VENV)/node/.configurable-http-proxy-$(PROXY_VERSION)
JOBS ?= 2
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export PYTHONHASHSEED := 0
export TF_CPP_MIN_LOG_LEVEL := 2
# TensorFlow's oneDNN notice, printed into every notebook that imports it (kernels inherit this).
export TF_ENABLE_ONEDNN_OPTS := 0

.PHONY: help install lab lab-instructor test test-fast lint release collect grade feedback export report status site site-check site-instructor bench clean system-deps

help:
	@echo "make lab      install everything (first run only) and open JupyterLab on course/"
	@echo "make test     install everything (first run only) and run the whole test suite"
	@echo "make lab-instructor   JupyterLab on the repository root with formgrader (manual grading)"
	@echo "make release  regenerate the student version course/ from solutions/"
	@echo "make collect FROM=folder-or-zip   import student submissions into grading/submitted"
	@echo "make grade    autograde the collected submissions in a sandbox (see docs/instructor-guide.md)"
	@echo "make feedback / export / report / status   per-student HTML, CSV grades, plots, progress"
	@echo "make site     build the static course website into site/_build/html (site-check: also test it in Chromium)"
	@echo "make site-instructor   the instructor build, with solutions, into site/_build/instructor"
	@echo "make bench    benchmarks: tinygrad_ref vs PyTorch vs TensorFlow, grading throughput"
	@echo "make lint     ruff on code and notebooks"
	@echo "make clean    remove the environment, caches and build outputs"

install: $(STAMP) $(SYS_STAMP) $(PROXY_STAMP)

$(PROXY_STAMP): | $(SYS_STAMP)
	@command -v npm >/dev/null || { echo "error: npm not found; install it (apt-get install nodejs npm) and re-run"; exit 1; }
	npm install --prefix $(VENV)/node --no-audit --no-fund --loglevel=error configurable-http-proxy@$(PROXY_VERSION)
	touch $(PROXY_STAMP)

# No file prerequisites: the stamp's name holds the hash of their contents, so touching them changes
# nothing and editing them names a stamp that does not exist yet.
$(STAMP):
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11 or run 'make PYTHON=/path/to/python3.11 ...'"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation --config-settings editable_mode=compat -e .
	$(BIN)/jupyter labextension enable --level=sys_prefix nbgrader >/dev/null 2>&1 || true
	$(BIN)/jupyter server extension enable --sys-prefix nbgrader >/dev/null 2>&1 || true
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

$(SYS_STAMP):
	@missing=""; for p in $(SYS_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	command -v npm >/dev/null || missing="$$missing $(NODE_PACKAGES)"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null \
	    || { echo "error: could not install$$missing with apt-get; install them by hand and re-run"; exit 1; }; \
	fi
	@mkdir -p $(VENV) && rm -f $(VENV)/.system-packages* && touch $(SYS_STAMP)

system-deps: $(SYS_STAMP)

# Each lab gets its own Jupyter config folder (autograder/jupyter/): the student's shows course/ and only
# nbgrader's Validate; the instructor's starts at the repository root (formgrader needs the course root
# inside the server root), offers formgrader without its unsandboxed Autograde, and serves its MathJax.
# Both start from the repository root, so nbgrader finds nbgrader_config.py.
LAB_ARGS = --ServerApp.ip=127.0.0.1 $$( [ "$$(id -u)" = 0 ] && echo --allow-root )
lab: install
	JUPYTER_CONFIG_PATH=$(CURDIR)/autograder/jupyter/student$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH} \
	  $(BIN)/jupyter lab --ServerApp.root_dir=course $(LAB_ARGS) $(LAB_OPTS)

lab-instructor: install
	@mkdir -p grading
	JUPYTER_CONFIG_PATH=$(CURDIR)/autograder/jupyter/instructor$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH} \
	  $(BIN)/jupyter lab --ServerApp.root_dir=. $(LAB_ARGS) $(LAB_OPTS)

test: install
	$(BIN)/python -m pytest -n $(JOBS) --dist loadgroup -q

test-fast: install
	$(BIN)/python -m pytest -n $(JOBS) -q -m "not notebooks and not slow"

lint: install
	$(BIN)/ruff check .

release: install
	$(BIN)/python -m autograder release

collect: install
	@test -n "$(FROM)" || { echo "usage: make collect FROM=path/to/folder-or.zip"; exit 2; }
	$(BIN)/python -m autograder collect $(FROM)

grade: install
	$(BIN)/python -m autograder grade --workers $(JOBS)

feedback export report status: install
	$(BIN)/python -m autograder $@

site: install
	$(BIN)/python site/build.py

site-check: install
	$(BIN)/python site/build.py --check

site-instructor: install
	$(BIN)/python site/build.py --instructor

bench: install
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) _build site/_build .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
