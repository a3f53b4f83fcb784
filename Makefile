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

.PHONY: setup lab test lint format unit notebooks-test exercises notebooks torch torch-check clean

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
lab: setup
	$(VENV)/bin/jupyter lab --ServerApp.ip=127.0.0.1 $(if $(filter 0,$(shell id -u)),--allow-root) \
		notebooks/00_welcome.ipynb

# Two pytest workers on two cores: one BLAS thread each, or they fight over the cores.
ONE_THREAD := OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

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

# Regenerate exercises/ from solutions/ (a test fails if they are out of date).
exercises: setup
	$(PY) tools/make_exercises.py

# Re-execute notebooks in place after changing them, so nbval has fresh outputs to compare.
notebooks: setup
	$(PY) tools/execute_notebooks.py $(NOTEBOOKS) $(SOLUTIONS)

# Optional: a CPU build of PyTorch, then compare the stored reference numbers with live ones.
torch: setup
	$(PY) -m pip install torch==2.13.0

torch-check: torch
	$(PY) tests/torch_reference/make_reference.py --check

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
