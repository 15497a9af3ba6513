# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: run test bench bench-scales lint format install clean

$(INSTALLED): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Maker Lab needs Python 3.11 or newer (set PYTHON=...).")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $(INSTALLED)

install: $(INSTALLED)

## Start the site with demo data, a Celery worker and beat (embedded PostgreSQL when DATABASE_URL is unset).
## A worker or beat that dies is restarted (with a message); Ctrl-C or SIGTERM stops everything in order.
run: install
	$(PY) scripts/devenv.py run

## Run the whole test suite (embedded PostgreSQL when DATABASE_URL is unset), in parallel, at the moment
## TEST_NOW gives (default: a fixed moment, see tests/clock.py); ends with the 15 slowest tests.
# One worker more than cores: browser and database waits overlap (measured: 2 cores, 3 workers fastest).
TEST_WORKERS ?= $(shell $(PYTHON) -c 'import os; print((os.cpu_count() or 1) + 1)')
test: install
	$(PY) scripts/devenv.py exec -- $(PY) -m pytest -n $(TEST_WORKERS) --dist worksteal --durations=15 $(PYTEST_ARGS)

## Measure queries, latency and throughput of each registered page against a baseline view.
bench: install
	$(PY) scripts/devenv.py exec -- $(PY) bench/run.py $(BENCH_ARGS)

# The same run, after timing every page in-process at scale 1 and 10: the JSON lines get `scale_ratio`.
bench-scales: install
	$(PY) scripts/devenv.py exec -- $(PY) bench/run.py --compare-scales 1,10 $(BENCH_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	-$(PY) scripts/devenv.py stop-postgres
	rm -rf var
