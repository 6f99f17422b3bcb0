# LOP-portaal. `make run` serves the demo at http://127.0.0.1:8000/, `make test` runs the tests.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --quiet --disable-pip-version-check --build-constraint build-constraints.txt

.PHONY: run test install install-dev migrate demo lint messages check-gettext check-chromium clean

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
	$(PY) manage.py createcachetable

demo: migrate
	$(PY) manage.py loaddemo

# The server in the foreground and the mail worker (`db_worker`, README "Mail") in the background; when the
# server stops (Ctrl+C), the trap stops the worker too.
run: demo
	@$(PY) manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; trap 'exit 130' INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:8000

# The translation test extracts the strings with GNU gettext (xgettext).
check-gettext:
	@command -v xgettext >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && apt-get install -y -qq gettext >/dev/null; \
	  else echo "The tests need GNU gettext: install the 'gettext' package." >&2; exit 1; fi; }

# The end-to-end tests (tests/e2e) drive Debian's Chromium through Playwright; Playwright's own
# browser download (`playwright install`) cannot reach its servers here, so it is never used.
check-chromium:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "The end-to-end tests need /usr/bin/chromium: install the Debian package 'chromium'." >&2; exit 1; fi; }

lint: install-dev
	$(VENV)/bin/ruff check .

test: install-dev check-gettext check-chromium lint
	$(PY) manage.py makemigrations --check --dry-run --settings=lopportal.settings.test
	$(PY) -m pytest

# Extract new strings into locale/nl and compile; translate them in locale/nl/LC_MESSAGES/django.po.
messages: install-dev
	$(PY) manage.py makemessages --locale nl --no-obsolete --ignore '.venv/*' --ignore 'staticfiles/*'
	$(PY) manage.py compilemessages --locale nl --ignore '.venv/*'

# Benchmarks of the ministry's pages on PostgreSQL at 70, 700 and 7,000 platforms (docs/performance.md),
# in a database of their own (lopportal_bench, dropped and made again); PostgreSQL is started when down,
# as in .ci/run. A quick run: make bench BENCH_ARGS="--sizes 70,700 --export-size 0 --no-doc".
.PHONY: bench
bench: install-dev
	@pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null || (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }; \
	if ! pg_up; then \
	  echo "PostgreSQL is down; starting it"; \
	  pg_ctlcluster --skip-systemctl-redirect "$$(ls /etc/postgresql | head -n1)" main start || true; \
	  for _ in $$(seq 1 30); do pg_up && break; sleep 1; done; \
	  pg_up || { echo "PostgreSQL did not start" >&2; exit 1; }; \
	fi
	$(PY) -m benchmarks.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache

# Load test: gunicorn (2 x cores + 1 workers) on PostgreSQL, wrk from 127.0.0.1; see docs/loadtest.md.
.PHONY: loadtest
loadtest: install
	bash loadtest/run.sh
