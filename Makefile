# rnncourse: two commands on a fresh machine with Python 3.10+ and make.
#   make lab    set up .venv and open the course in JupyterLab
#   make test   set up .venv and run the whole suite
# PYTHON may name another interpreter: make test PYTHON=python3.12

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9A]*.ipynb))
SOLUTIONS := $(sort $(wildcard solutions/[0-9]*.ipynb))
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

.PHONY: setup lab lab-instructor test lint format unit notebooks-test exercises notebooks torch torch-check bench mutants clean \
	test-browser test-classroom html lite test-lite

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "rnncourse needs Python 3.10 or newer; run: make $(MAKECMDGOALS) PYTHON=python3.12")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

# Opens the start notebook. JupyterLab's normal token authentication stays on: open the
# http://localhost:8888/lab?token=... link it prints.
# --allow-root only when make runs as root (containers); it does not touch authentication.
# The dev install brings nbgrader (the tests grade a chapter with it); the learner's lab hides
# its menu, buttons and server extensions through tools/learner_lab/ (JUPYTER_CONFIG_PATH).
# make lab-instructor opens the same lab with nbgrader's tools shown.
LAB := $(VENV)/bin/jupyter lab --ServerApp.ip=127.0.0.1 $(if $(filter 0,$(shell id -u)),--allow-root)
LEARNER_LAB := JUPYTER_CONFIG_PATH="$(CURDIR)/tools/learner_lab$(if $(JUPYTER_CONFIG_PATH),:$(JUPYTER_CONFIG_PATH))"

# The chapters are ours: trusting them lets their stored quizzes grade before a cell is re-run
# (JupyterLab drops scripts from untrusted outputs).
lab: setup
	$(VENV)/bin/jupyter trust notebooks/*.ipynb >/dev/null
	$(LEARNER_LAB) $(LAB) notebooks/00_welcome.ipynb

lab-instructor: setup
	$(LAB) notebooks/00_welcome.ipynb

# Two pytest workers on two cores: one BLAS thread each, or they fight over the cores.
ONE_THREAD := OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 RNNCOURSE_PROGRESS=off

test: setup lint
	$(ONE_THREAD) $(PY) -m pytest -n 2 --dist loadfile tests $(NBVAL) $(NOTEBOOKS) $(SOLUTIONS)

lint: setup
	$(VENV)/bin/ruff check rnncourse tests tools scripts notebooks solutions exercises
	$(VENV)/bin/ruff format --check rnncourse tests tools scripts notebooks solutions exercises

format: setup
	$(VENV)/bin/ruff format rnncourse tests tools scripts notebooks solutions exercises
	$(VENV)/bin/ruff check --fix rnncourse tests tools scripts notebooks solutions exercises

unit: setup
	$(ONE_THREAD) $(PY) -m pytest -n 2 tests

notebooks-test: setup
	$(ONE_THREAD) $(PY) -m pytest -n 2 --dist loadfile $(NBVAL) $(NOTEBOOKS) $(SOLUTIONS)

# Regenerate exercises/ from solutions/ (a test fails if they are out of date), after giving
# the solutions' answer and check cells their nbgrader metadata.
exercises: setup
	$(PY) tools/nbgrader_metadata.py
	$(PY) tools/make_exercises.py

# Re-execute notebooks in place after changing them, so nbval has fresh outputs to compare.
notebooks: setup
	$(PY) tools/execute_notebooks.py $(NOTEBOOKS) $(SOLUTIONS)

# Optional: a CPU build of PyTorch, then compare the stored reference numbers with live ones.
torch: setup
	$(PY) -m pip install torch==2.13.0

torch-check: torch
	$(PY) tests/torch_reference/make_reference.py --check

# A real browser: JupyterLab and headless Chromium run every chapter as a learner would
# (tests/browser/run_browser.py; screenshots in artifacts/screenshots/). Installs Debian's
# chromium when /usr/bin/chromium is missing (needs root) and Playwright into .venv; Playwright
# drives that chromium and never downloads a browser of its own.
BROWSER_STAMP := $(VENV)/.browser-installed

$(BROWSER_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,browser]'
	@touch $(BROWSER_STAMP)

/usr/bin/chromium:
	apt-get update && apt-get install -y chromium

test-browser: $(BROWSER_STAMP) /usr/bin/chromium
	$(PY) tests/browser/run_browser.py

# A class on a real JupyterHub, end to end (tests/classroom/run_classroom.py; README "In a
# classroom"). Needs root: it creates and removes throwaway Unix accounts (rnnc_*). It installs
# JupyterHub and the course into /opt/rnnc-classroom/venv (the classroom extra) and
# configurable-http-proxy into artifacts/classroom/, and drives the browser test's Chromium.
test-classroom: $(BROWSER_STAMP) /usr/bin/chromium
	$(PY) tests/classroom/run_classroom.py

# The course as a static website, readable offline: artifacts/site/index.html. The first
# build fetches the widget JavaScript with npm (cached in artifacts/vendor/).
html: setup
	$(PY) tools/build_site.py

# The course in the browser with no server (JupyterLite + Pyodide): artifacts/lite/site/.
# Build tools in artifacts/lite/venv (the lite extra); Pyodide release from npm (cached).
# Serve it: $(PY) tools/build_lite.py --serve (http://127.0.0.1:8000/).
lite: setup
	$(PY) tools/build_lite.py

# That site offline: the kernel from a local Pyodide core, piplite installs, widgets draw
# (tests/lite/run_lite.py, in headless Chromium like test-browser).
test-lite: $(BROWSER_STAMP) /usr/bin/chromium
	$(PY) tests/lite/run_lite.py

# Speed: training steps against min-char-rnn and PyTorch (if installed), memory, widgets,
# notebooks. Takes a few minutes; README's "Performance" section shows its numbers.
bench: setup
	$(PY) -m rnncourse.bench

# Mutation testing of the exercise checkers (tools/mutants.py; minutes, so not part of make
# test): every mutant of a solution's answer must be rejected by its checker or be listed in
# tools/mutants_equivalent.toml. CHAPTERS="04 05" limits it to some chapters.
mutants: setup
	$(ONE_THREAD) $(PY) tools/mutants.py $(if $(CHAPTERS),--chapters $(CHAPTERS))

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
