# Two commands set up a fresh machine (see README):
#   make run    — create the Python 3.12 virtual environment, install, run the default decade
#   make test   — the same set-up, then lint, type-check and the test suite (what .ci/run calls)
# Extra Hydra overrides for the run: make run ARGS="seed=3 region=oriental_morocco"

VENV    := .venv
PY      := $(VENV)/bin/python
# Mesa >= 3.4 needs Python >= 3.12: the first interpreter that really is 3.12 — pyenv's newest
# 3.12, else python3.12 on the PATH (a pyenv shim there may exist without working).
PYTHON312 ?= $(shell for p in $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.12.*/bin/python 2>/dev/null | sort -rV) python3.12; do \
	"$$p" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null && { command -v "$$p"; break; }; done)
ARGS    ?=

.PHONY: run test lint bench clean-venv

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON312)" || { echo "error: Python 3.12 not found (install it, e.g. 'pyenv install 3.12')"; exit 1; }
	@test -x $(PY) || $(PYTHON312) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

run: $(VENV)/.installed
	$(PY) -m simulation.run $(ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check simulation tests experiments
	$(VENV)/bin/mypy

test: lint
	$(VENV)/bin/pytest -n 2 -q

bench: $(VENV)/.installed
	$(PY) experiments/benchmark.py

clean-venv:
	rm -rf $(VENV)
