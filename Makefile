# villenum — two commands: `make reproduce` (every finding) and `make test` (the test suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
WAVE ?= 2013
STAMP := $(VENV)/.installed

.PHONY: reproduce test install browser reconstruct benchmark screenshot clean update-reference

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	$(PY) -m ipykernel install --sys-prefix --name villenum --display-name "villenum (Python 3)" >/dev/null
	touch $(STAMP)

install: $(STAMP) ## create .venv, install the pinned package and register the `villenum` kernel

reconstruct: $(STAMP) ## regenerate the record-level reconstruction of the 2013 wave
	$(PY) -m villenum generate --wave 2013

reproduce: $(STAMP) ## run every finding's notebook for $(WAVE) into reports/$(WAVE)/
	$(PY) -m villenum reproduce --wave $(WAVE)

update-reference: $(STAMP) ## the ONE way to change the reference result tables: default run of $(WAVE), copied to tests/reference/$(WAVE)/
	$(PY) -m villenum reference update --wave $(WAVE)

browser: ## Debian's chromium + chromedriver for the report's browser test (apt; root or sudo)
	bash scripts/install_browser.sh

test: $(STAMP) browser ## run the whole test suite
	$(PY) -m pytest

benchmark: $(STAMP) ## speed benchmarks (on demand, not part of the tests)
	$(PY) benchmarks/run.py

screenshot: ## after a deliberate change of the report: refresh the README's picture from the browser test's
	cp reports/screenshot-index.png docs/img/report-index.png

clean: ## remove reports and the run cache (the reference result tables are in tests/reference/, changed only by update-reference)
	rm -rf reports
