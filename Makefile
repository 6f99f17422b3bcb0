# LOP-portaal. `make run` serves the demo at http://127.0.0.1:8000/, `make test` runs the tests.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --quiet --disable-pip-version-check --build-constraint build-constraints.txt

.PHONY: run test install install-dev migrate demo lint messages check-gettext clean

$(PY):
	@python=$$(scripts/find-python) || exit 1; \
	echo "Creating $(VENV) with $$python"; \
	"$$python" -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check --upgrade "pip>=25.3"

# pip >= 25.3 is needed for --build-constraint (see build-constraints.txt).
$(VENV)/.installed: $(PY) requirements.txt build-constraints.txt
	$(PIP) -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PIP) -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py loaddemo

run: demo
	$(PY) manage.py runserver 127.0.0.1:8000

# The translation test extracts the strings with GNU gettext (xgettext).
check-gettext:
	@command -v xgettext >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && apt-get install -y -qq gettext >/dev/null; \
	  else echo "The tests need GNU gettext: install the 'gettext' package." >&2; exit 1; fi; }

lint: install-dev
	$(VENV)/bin/ruff check .

test: install-dev check-gettext lint
	$(PY) manage.py makemigrations --check --dry-run --settings=lopportal.settings.test
	$(PY) -m pytest

# Extract new strings into locale/nl and compile; translate them in locale/nl/LC_MESSAGES/django.po.
messages: install-dev
	$(PY) manage.py makemessages --locale nl --no-obsolete --ignore '.venv/*' --ignore 'staticfiles/*'
	$(PY) manage.py compilemessages --locale nl --ignore '.venv/*'

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
