# Two commands set everything up on a fresh machine with Python 3.11:
#   make run    the app on http://127.0.0.1:8000 with a Celery worker and beat
#   make test   the whole test suite
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
DEVENV := var/dev.env

.PHONY: run test lint format stop status messages clean-var bench load lock mutate

# Install exactly the locked versions (runtime, `embedded` and `dev` extras), then the project
# itself without dependencies. Reinstall only when the lock file or the project changes.
$(STAMP): requirements-dev.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

# Rewrite the lock files from pyproject.toml (after changing its dependencies). Pins that still
# fit are kept; LOCK_ARGS=--upgrade moves all, LOCK_ARGS='--upgrade-package NAME' one. The
# runtime lock (the Docker image's) takes its versions from the dev lock, so the image runs
# what the tests ran. Compiled for the Python and platform of CI and the image: 3.11, Linux.
PIP_COMPILE := CUSTOM_COMPILE_COMMAND='make lock' $(VENV)/bin/pip-compile --quiet \
	--strip-extras --allow-unsafe --annotation-style=line \
	--no-emit-index-url --no-emit-find-links --no-emit-trusted-host

lock: $(STAMP)
	$(PIP_COMPILE) --extra embedded --extra dev $(LOCK_ARGS) -o requirements-dev.lock pyproject.toml
	$(PIP_COMPILE) --upgrade --constraint requirements-dev.lock -o requirements.lock pyproject.toml

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

# The benchmark of DESIGN §10 at its scale and at 10×, each size in a database of its own
# (bench/README.md): every list's first, middle and last page side by side. BENCH_ARGS=--help;
# BENCH_ARGS="--sizes 1" for one size.
bench: $(STAMP) $(DEVENV)
	$(PY) -m bench.run $(BENCH_ARGS)

# A load test of a running `make run` (in another terminal): 50 users signed in as the demo
# users browse for 3 minutes; reports 5xx and p95, then checks the server still answers
# (bench/README.md); LOAD_ARGS=--help
load: $(STAMP) $(DEVENV)
	$(PY) -m bench.load $(LOAD_ARGS)

# Mutation testing of the core rules (mutation/README.md): each module's mutants against its
# own tests, the score per module; MUTATE_ARGS="--module aims/tables.py -v" for one module.
mutate: $(STAMP) $(DEVENV)
	$(PY) -m mutation $(MUTATE_ARGS)

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
