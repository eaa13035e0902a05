# The two commands: `make run` (set up and run web + worker + beat) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: run test lint bench train evaluate

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.txt
	$(PY) -m pip install --quiet -r requirements-test.txt
	touch $@

## Set up and start web + worker + beat on http://127.0.0.1:5000 (embedded defaults: SQLite and
## an embedded Redis server on a unix socket; with REDIS_URL set, that Redis is used instead and
## the embedded one is not started; DATABASE_URL points at PostgreSQL).
run: $(VENV)/.installed
	flask --app webapp db upgrade
	honcho start $${REDIS_URL:+web worker beat}

## Install what the tests need, make sure services are up, lint, run every test.
test: $(VENV)/.installed-test
	bash .ci/prepare
	$(PY) -m ruff check .
	$(PY) -m pytest

lint: $(VENV)/.installed-test
	$(PY) -m ruff check .

bench: $(VENV)/.installed
	$(PY) bench/scoring.py
	$(PY) bench/pipeline.py

train: $(VENV)/.installed
	$(PY) -m training.train
	$(PY) -m training.evaluate
	$(PY) -m training.export_lite
