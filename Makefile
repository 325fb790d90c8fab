# Two commands set up a fresh machine (see README):
#   make run    — create the Python 3.12 virtual environment, install, run the default decade
#   make test   — the same set-up, then lint, type-check and the test suite (what .ci/run calls)
#   make dashboard — the classroom dashboard on http://127.0.0.1:8765/ (PORT=... to change)
# Extra Hydra overrides for the run: make run ARGS="seed=3 region=oriental_morocco"

VENV    := .venv
PY      := $(VENV)/bin/python
# Mesa >= 3.4 needs Python >= 3.12: the first interpreter that really is 3.12 — pyenv's newest
# 3.12, else python3.12 on the PATH (a pyenv shim there may exist without working).
PYTHON312 ?= $(shell for p in $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.12.*/bin/python 2>/dev/null | sort -rV) python3.12; do \
	"$$p" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null && { command -v "$$p"; break; }; done)
ARGS    ?=

.PHONY: run test lint bench clean-venv system-deps dashboard

# Debian packages the tests need: chromium (the dashboard's browser tests) and poppler-utils
# (pdftoppm renders the report's PDF pages). Installed only when missing; needs root or sudo.
SYSTEM_DEPS := chromium poppler-utils
system-deps:
	@missing=""; for p in $(SYSTEM_DEPS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON312)" || { echo "error: Python 3.12 not found (install it, e.g. 'pyenv install 3.12')"; exit 1; }
	@test -x $(PY) || $(PYTHON312) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	$(PY) -m simulation.dashboard.assets   # Solara's browser assets from npm, so the dashboard works offline
	@touch $@

run: $(VENV)/.installed
	$(PY) -m simulation.run $(ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check simulation tests experiments hydra_plugins
	$(VENV)/bin/mypy

test: lint system-deps
	$(VENV)/bin/pytest -n 2 -q

# Installs Solara's browser assets from npm on first use (online once), then serves on loopback only.
PORT    ?= 8765
dashboard: $(VENV)/.installed
	$(PY) -m simulation.dashboard --port $(PORT)

bench: $(VENV)/.installed
	$(PY) experiments/benchmark.py

clean-venv:
	rm -rf $(VENV)
