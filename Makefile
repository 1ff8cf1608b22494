# Two commands set everything up on a fresh machine with Python 3.11:
#   make run    the app on http://127.0.0.1:8000 with a Celery worker and beat
#   make test   the whole test suite
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
DEVENV := var/dev.env

.PHONY: run test lint format stop status messages clean-var bench

# Reinstall only when the declared dependencies change.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[embedded,dev]'
	@touch $(STAMP)

$(DEVENV): | $(STAMP)
	$(PY) -m aims.devenv $(DEVENV)

run: $(STAMP) $(DEVENV)
	$(PY) manage.py run

test: $(STAMP) $(DEVENV)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP) $(DEVENV)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy $(wildcard */services.py */services/*.py */selectors.py */selectors/*.py)
	$(PY) manage.py makemigrations --check --dry-run

# The benchmark of DESIGN §10 on a database of its own (bench/README.md); BENCH_ARGS=--help
bench: $(STAMP) $(DEVENV)
	$(PY) -m bench.run $(BENCH_ARGS)

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Update the translation catalogues (needs GNU gettext) and compile them.
messages: $(STAMP) $(DEVENV)
	$(PY) manage.py makemessages --locale ja --locale en --no-obsolete --ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --ignore 'bench/*'
	$(PY) manage.py compilemessages --ignore '.venv/*'

status: $(STAMP)
	$(PY) -m aims.embedded status

stop: $(STAMP)
	$(PY) -m aims.embedded stop
