# Self-documenting targets: `make help`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN     = $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
export REGISTRY_INSTANCE_PATH ?= $(CURDIR)/instance
export FLASK_APP = wsgi

.PHONY: help install run serve scheduler test lint bench clean translations screenshots

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(BIN)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,postgres,dev]'
	touch $@

install: $(BIN)/.installed  ## create the virtual environment and install everything

run: install  ## migrate, load the demo data if empty, start the scheduler and serve the site
	$(BIN)/flask db upgrade
	$(BIN)/flask load-demo
	$(BIN)/flask prepare
	@echo "Serving the registry on http://$(HOST):$(PORT)/  (Ctrl-C stops it)"
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/flask scheduler & \
	$(BIN)/gunicorn -c gunicorn.conf.py --workers 2 --bind $(HOST):$(PORT) --access-logfile - wsgi:app

serve: install  ## serve the site only (no scheduler)
	$(BIN)/gunicorn -c gunicorn.conf.py --workers 2 --bind $(HOST):$(PORT) wsgi:app

scheduler: install  ## run the job scheduler in the foreground
	$(BIN)/flask scheduler

test: install  ## run every test (PostgreSQL tests too when TEST_DATABASE_URL is set)
	$(BIN)/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

lint: install  ## ruff on everything, mypy on the pure packages
	$(BIN)/ruff check .
	$(BIN)/mypy scoring search

bench: install  ## run every benchmark (an hour or more; results in bench/results/)
	$(BIN)/python bench/import_bench.py
	$(BIN)/python bench/score_bench.py
	$(BIN)/python bench/search_bench.py
	$(BIN)/python bench/web_bench.py
	$(BIN)/python bench/badge_bench.py

clean:  ## remove the virtual environment and the instance data
	rm -rf $(VENV) instance

translations: install  ## extract strings, merge them into the catalogues, compile
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location -o web/translations/messages.pot .
	$(BIN)/pybabel update -i web/translations/messages.pot -d web/translations --no-fuzzy-matching
	$(BIN)/pybabel compile -d web/translations

screenshots: install  ## retake docs/screenshots (browser tests with Debian's chromium)
	UPDATE_SCREENSHOTS=1 $(BIN)/python -m pytest -q -p no:cacheprovider tests/browser
