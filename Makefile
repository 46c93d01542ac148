# Pożytek — every command a person or CI runs. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
MANAGE := $(PY) manage.py
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/pozytek
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[1m%-14s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP) ## Create the virtualenv and install everything (Python packages)

messages: $(STAMP) ## Compile the Polish translations (locale/pl), if there are any
	@if compgen -G "locale/*/LC_MESSAGES/*.po" >/dev/null; then $(MANAGE) compilemessages -v0 --ignore=.venv; fi

run: install messages ## Demo on the embedded default: migrate SQLite, load the demo, serve http://127.0.0.1:8000
	@mkdir -p "$${POZYTEK_VAR_DIR:-var}"
	$(MANAGE) migrate --noinput -v0
	$(MANAGE) load_demo
	$(MANAGE) runserver 127.0.0.1:$(PORT)

chromium: ## Install Debian's chromium for the browser tests, if missing
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null)

test: install messages chromium ## The whole suite (SQLite by default; set DATABASE_URL for PostgreSQL)
	$(MANAGE) makemigrations --check --dry-run -v0
	$(PY) -m pytest -n 2 --dist loadgroup -q

test-pg: ## The whole suite on PostgreSQL (127.0.0.1:5432)
	DATABASE_URL=$(PG_URL) $(MAKE) test

worker: install ## A Celery worker (needs CELERY_BROKER_URL, e.g. redis://127.0.0.1:6379/0)
	$(VENV)/bin/celery -A config worker -l info

beat: install ## Celery beat: closes submissions at the deadline
	$(VENV)/bin/celery -A config beat -l info

lint: install ## Ruff
	$(VENV)/bin/ruff check .

graph: install ## Regenerate the state diagrams in docs/ and README from the code
	$(MANAGE) state_diagrams

verify-audit: install ## Recompute the audit trail's hash chains
	$(MANAGE) verify_audit

bench: install ## Benchmarks on PostgreSQL, each figure beside its target (one JSON line; bench/README.md)
	$(PY) -m bench

bench-smoke: install ## The benchmarks at a tiny size, under a minute (CI runs it)
	$(PY) -m bench --smoke

.PHONY: help install messages run chromium test test-pg worker beat lint graph verify-audit bench bench-smoke
