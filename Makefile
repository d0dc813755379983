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

# Links in pages and answers (complaint links, badge snippets) start with BASE_URL: by default
# the address `make run` serves on (an IPv6 host in brackets); give BASE_URL to override it.
BIND_HOST = $(if $(findstring :,$(HOST)),[$(HOST)],$(HOST))
run serve: export BASE_URL ?= http://$(BIND_HOST):$(PORT)
# Failed sign-ins are counted in Redis when one answers there, so both workers share one count;
# without it each worker counts in its own memory (see README, Configuration).
run serve: export RATELIMIT_STORAGE_URI ?= redis://127.0.0.1:6379/0
run serve: export RATELIMIT_IN_MEMORY_FALLBACK_ENABLED ?= 1

# Ctrl-C sends SIGINT to the terminal's foreground process group. gunicorn runs in a session
# of its own (setsid), so that the signal does not cut its workers off in the middle of a
# request; the recipe's shell takes it and sends SIGTERM (a graceful stop) to gunicorn and to
# the scheduler, waits for both and says so. The trap must not signal its own group: `kill 0`
# from a trap on INT, TERM and EXIT re-entered the trap until the shell crashed, which make
# reported as "Segmentation fault". If gunicorn exits by itself, the scheduler is stopped too.
run: install  ## migrate, load the demo data if empty, start the scheduler and serve the site
	$(BIN)/flask db upgrade
	$(BIN)/flask load-demo
	$(BIN)/flask prepare
	@echo "Serving the registry on $$BASE_URL/  (Ctrl-C stops it)"
	@stop() { \
	  trap '' INT TERM HUP; \
	  kill -TERM $$web $$sched 2>/dev/null; \
	  wait $$web; wait $$sched; \
	  echo "Stopped the web server (gunicorn) and the job scheduler."; \
	}; \
	trap 'stop; exit 0' INT TERM HUP; \
	$(BIN)/flask scheduler & sched=$$!; \
	$$(command -v setsid) $(BIN)/gunicorn -c gunicorn.conf.py --workers 2 \
	  --bind $(BIND_HOST):$(PORT) --access-logfile - wsgi:app & web=$$!; \
	wait $$web; status=$$?; stop; exit $$status

serve: install  ## serve the site only (no scheduler)
	$(BIN)/gunicorn -c gunicorn.conf.py --workers 2 --bind $(BIND_HOST):$(PORT) wsgi:app

scheduler: install  ## run the job scheduler in the foreground
	$(BIN)/flask scheduler

test: install  ## run every test (PostgreSQL tests too when TEST_DATABASE_URL is set)
	$(BIN)/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

lint: install  ## ruff (rules and format) on everything, mypy on the pure packages
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
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
