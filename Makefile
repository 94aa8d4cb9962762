# Two commands matter: `make demo` (set up and serve the demo) and `make test` (run the tests).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo deps test test-postgres test-browser lint messages clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

deps: $(VENV)/.dev

# Links in e-mails and certificates (QR codes) point at the address the demo is served on.
demo: $(VENV)/.runtime
	$(PY) manage.py migrate --noinput
	WAGTAILADMIN_BASE_URL=http://$(HOST):$(PORT) $(PY) manage.py seed_demo
	@echo "Serving on http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/)"
	WAGTAILADMIN_BASE_URL=http://$(HOST):$(PORT) DJANGO_ALLOWED_HOSTS=$(HOST),127.0.0.1,localhost $(PY) manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.dev
	$(PY) -m pytest

test-postgres: $(VENV)/.dev
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/lms} $(PY) -m pytest -m "not browser"

test-browser: $(VENV)/.dev
	$(PY) -m pytest -m browser

lint: $(VENV)/.dev
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports
	$(PY) -m mypy lms content
	$(PY) manage.py makemigrations --check --dry-run

# Extract new strings into locale/vi and compile them (needs GNU gettext).
messages: $(VENV)/.dev
	$(PY) manage.py makemessages -l vi -l en --ignore=.venv --ignore=staticfiles --no-obsolete
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) db.sqlite3 media .pytest-db* .pytest-media
