# villenum — two commands: `make reproduce` (every edition's findings, then their comparison) and `make test`.
# Everyday work: `make lab` (JupyterLab on the project's kernel), `make test-fast` (< 1 min), `make lint`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
WAVE ?= 2013
STAMP := $(VENV)/.installed
LOCK := requirements.lock
# pytest-xdist workers of `make test`: a test file per worker at a time, the longest first (tests/conftest.py:
# LONGEST_FIRST; it also shares the 2013 run between the workers)
TEST_WORKERS ?= 2
PYTEST_ARGS ?=

.PHONY: reproduce test test-fast lint strip lab lock install browser reconstruct benchmark screenshot clean \
	update-reference

$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name villenum --display-name "villenum (Python 3)" >/dev/null
	touch $(STAMP)

install: $(STAMP) ## create .venv from the hashed lock file, install the package, register the `villenum` kernel

lock: ## refresh requirements.lock (exact versions and hashes) from the ranges in pyproject.toml
	test -x $(VENV)/bin/uv || $(MAKE) install  # uv is in the `dev` extra; no reinstall from the stale lock first
	$(VENV)/bin/uv pip compile pyproject.toml --all-extras --generate-hashes --universal --python-version 3.11 \
		--quiet -o $(LOCK)

reconstruct: $(STAMP) ## regenerate the record-level reconstruction of $(WAVE) (2013, 2014 or 2015)
	$(PY) -m villenum generate --wave $(WAVE)

reproduce: $(STAMP) ## every edition with data (2013, 2014, 2015), then their comparison (reports/index.html); WAVE=2014: that edition alone
	$(PY) -m villenum reproduce $(if $(filter command line environment,$(origin WAVE)),--wave $(WAVE),--editions)

update-reference: $(STAMP) ## the ONE way to change the reference result tables: default run of $(WAVE), copied to tests/reference/$(WAVE)/
	$(PY) -m villenum reference update --wave $(WAVE)

lab: $(STAMP) ## JupyterLab on the `villenum` kernel; notebooks under notebooks/ are saved without outputs
	JUPYTER_CONFIG_PATH="$(CURDIR)/.jupyter$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}" \
		$(VENV)/bin/jupyter lab --notebook-dir="$(CURDIR)" $(if $(filter 0,$(shell id -u)),--allow-root)

strip: $(STAMP) ## strip outputs from notebooks/*.ipynb (what the pre-commit hook does at commit)
	$(PY) -m villenum.lab notebooks/*.ipynb

lint: $(STAMP) ## ruff check (also run by the tests: tests/test_lint.py)
	$(VENV)/bin/ruff check .

browser: ## chromium + chromedriver for the report's browser test, installed with apt only when missing
	sh scripts/install_browser.sh

test: $(STAMP) browser ## run the whole test suite, on $(TEST_WORKERS) workers
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

test-fast: $(STAMP) ## unit tests and the small end-to-end cases, under a minute (no full reproduction, no browser)
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder -m "not slow and not e2e and not browser"

benchmark: $(STAMP) ## speed benchmarks (on demand, not part of the tests)
	$(PY) benchmarks/run.py

screenshot: ## after a deliberate change of the report: refresh the README's picture from the browser test's
	cp reports/screenshot-index.png docs/img/report-index.png

clean: ## remove reports and the run cache (the reference result tables are in tests/reference/, changed only by update-reference)
	rm -rf reports
