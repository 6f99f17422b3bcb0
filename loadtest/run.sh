#!/usr/bin/env bash
# `make loadtest`: the app under gunicorn against PostgreSQL, loaded from loopback with wrk.
# See docs/loadtest.md. Everything goes to 127.0.0.1 only; gunicorn is stopped and the
# database dropped on every exit (trap).
#
# Settings (environment): LOADTEST_CONNECTIONS (8), LOADTEST_DURATION (10 s per scenario),
# LOADTEST_WARMUP (2 s, not measured), LOADTEST_DB (lopportal_load), LOADTEST_KEEP_DB=1 keeps
# the database afterwards, LOADTEST_WAIT_QUIET (0: seconds to wait for a low load average first),
# LOADTEST_STRICT=1 also fails when summary.json misses its aim, LOADTEST_DOC (docs/loadtest.md;
# empty: do not write it), LOADTEST_RUSH (70 coordinators in the deadline rush; 0 leaves it out),
# LOADTEST_RUSH_INTERVAL (10 s between one coordinator's autosaves).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
CONNECTIONS=${LOADTEST_CONNECTIONS:-8}
DURATION=${LOADTEST_DURATION:-10}
WARMUP=${LOADTEST_WARMUP:-2}
DB=${LOADTEST_DB:-lopportal_load}
RUSH=${LOADTEST_RUSH:-70}
RUSH_INTERVAL=${LOADTEST_RUSH_INTERVAL:-10}
DOC=${LOADTEST_DOC-docs/loadtest.md}
PG=(-h 127.0.0.1 -p 5432 -U postgres)

[[ $DB =~ ^[a-z0-9_]+_load$ ]] || { echo "LOADTEST_DB must end in _load (it is dropped): $DB" >&2; exit 2; }
(( CONNECTIONS >= 1 && CONNECTIONS <= 16 )) || { echo "LOADTEST_CONNECTIONS: 1 to 16" >&2; exit 2; }
(( DURATION >= 1 && DURATION <= 30 )) || { echo "LOADTEST_DURATION: 1 to 30 seconds" >&2; exit 2; }
(( RUSH >= 0 && RUSH <= 70 )) || { echo "LOADTEST_RUSH: 0 to 70 (the demo's platforms)" >&2; exit 2; }
(( RUSH_INTERVAL >= 1 && RUSH_INTERVAL <= 60 )) || { echo "LOADTEST_RUSH_INTERVAL: 1 to 60 seconds" >&2; exit 2; }

# --- tools ---------------------------------------------------------------------------------
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing wrk"
    apt-cache show wrk >/dev/null 2>&1 || apt-get update -qq
    apt-get install -y -qq wrk >/dev/null
  else
    echo "The load test needs wrk: install the Debian package 'wrk'." >&2; exit 1
  fi
fi

# --- PostgreSQL, as .ci/run starts it --------------------------------------------------------
pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null || (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
if ! pg_up; then
  echo "PostgreSQL is down; starting it"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  pg_up || { echo "PostgreSQL did not start" >&2; exit 1; }
fi

WORK=$(mktemp -d -t lopportal-loadtest.XXXXXX)
GUNICORN_PID=
DRIVER_PID=
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "$DRIVER_PID" ] && kill -0 "$DRIVER_PID" 2>/dev/null; then
    kill -TERM "$DRIVER_PID" 2>/dev/null || true
    wait "$DRIVER_PID" 2>/dev/null || true
  fi
  if [ -n "$GUNICORN_PID" ] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
    kill -TERM "$GUNICORN_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$GUNICORN_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$GUNICORN_PID" 2>/dev/null || true
    wait "$GUNICORN_PID" 2>/dev/null || true
  fi
  if [ "$status" != 0 ] && [ -s "$WORK/gunicorn.log" ]; then
    echo "--- gunicorn/Django log, last lines (without the expected 409 'Conflict' lines) ---" >&2
    grep -v '^Conflict: ' "$WORK/gunicorn.log" | tail -n 40 >&2 || true
  fi
  if [ "${LOADTEST_KEEP_DB:-}" != 1 ]; then dropdb "${PG[@]}" --if-exists --force "$DB" 2>/dev/null || true; fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB"

# --- the database: migrate, the demo, coordinators for the save scenario ----------------------
echo "=== database $DB ==="
dropdb "${PG[@]}" --if-exists --force "$DB"
createdb "${PG[@]}" "$DB"
# The demo loader refuses production settings (its accounts have a published password), so the
# database is prepared with the local settings; the server below runs with the production ones.
DJANGO_SETTINGS_MODULE=lopportal.settings.local $PY manage.py migrate --noinput -v0
DJANGO_SETTINGS_MODULE=lopportal.settings.local $PY manage.py loaddemo
DJANGO_SETTINGS_MODULE=lopportal.settings.local $PY loadtest/prepare_db.py \
  --database "$DB" --count "$CONNECTIONS" --out "$WORK/savers.txt" --ministry-out "$WORK/ministry.txt" \
  --rush "$RUSH" --rush-out "$WORK/rush.txt"

# --- gunicorn with the production settings ----------------------------------------------------
# Unchanged production settings (SSL redirect, HSTS, secure cookies, whitenoise manifest, axes):
# wrk and the driver send X-Forwarded-Proto: https, as the TLS-terminating proxy would.
export DJANGO_SETTINGS_MODULE=lopportal.settings.production
DJANGO_SECRET_KEY=$($PY -c 'import secrets; print(secrets.token_urlsafe(50))')
export DJANGO_SECRET_KEY
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
export DJANGO_STATIC_ROOT="$WORK/static"
export EMAIL_URL=consolemail://  # no mail is sent by these pages; never try a relay from a test
$PY manage.py collectstatic --noinput -v0

CORES=$(nproc)
WORKERS=$((2 * CORES + 1))
PORT=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo "=== gunicorn: $WORKERS workers on 127.0.0.1:$PORT ==="
# Its log (and Django's: refused requests, 409 conflicts) goes to a file, shown when the run fails.
.venv/bin/gunicorn lopportal.wsgi --workers "$WORKERS" --bind "127.0.0.1:$PORT" --log-level warning \
  >"$WORK/gunicorn.log" 2>&1 &
GUNICORN_PID=$!
healthy() {
  $PY -c 'import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=2)
c.request("GET", "/healthz", headers={"X-Forwarded-Proto": "https"})
sys.exit(c.getresponse().status != 200)' "$PORT" 2>/dev/null
}
for _ in $(seq 1 60); do
  healthy && break
  kill -0 "$GUNICORN_PID" 2>/dev/null || { echo "gunicorn did not start" >&2; exit 1; }
  sleep 0.5
done
healthy || { echo "gunicorn does not answer /healthz with 200" >&2; exit 1; }

# --- the measurement --------------------------------------------------------------------------
echo "=== wrk: $CONNECTIONS connections, $DURATION s per scenario (after ${WARMUP} s warm-up) ==="
ARGS=(--base-url "http://127.0.0.1:$PORT" --savers "$WORK/savers.txt" --ministry "$WORK/ministry.txt" --workdir "$WORK"
      --connections "$CONNECTIONS" --duration "$DURATION" --warmup "$WARMUP" --workers "$WORKERS"
      --wait-quiet "${LOADTEST_WAIT_QUIET:-0}" --server-pid "$GUNICORN_PID")
[ -n "$DOC" ] && ARGS+=(--doc "$DOC")
[ "${LOADTEST_STRICT:-}" = 1 ] && ARGS+=(--strict)
(( RUSH > 0 )) && ARGS+=(--rush "$WORK/rush.txt" --rush-interval "$RUSH_INTERVAL")
# In the background and waited for, so that a TERM reaches the trap at once (bash runs traps only
# between commands); the cleanup then ends the driver too. wrk ends by itself (its -d bound).
$PY loadtest/driver.py "${ARGS[@]}" &
DRIVER_PID=$!
wait "$DRIVER_PID"
