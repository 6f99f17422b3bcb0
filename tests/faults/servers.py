"""A PostgreSQL server of the tests' own and the app under gunicorn against it, for fault tests.

The outage tests stop and start a database server, so they cannot use the suite's database:
they make a throwaway cluster on a free port (initdb, as the `postgres` user when run as root,
since PostgreSQL refuses to run as root), and a gunicorn with the production settings on it.
"""

import contextlib
import glob
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name) or ""]
    if not found[-1]:
        raise RuntimeError(f"The fault tests need PostgreSQL's {name} (Debian: postgresql).")
    return found[-1]


class PostgresServer:
    """A throwaway PostgreSQL cluster on 127.0.0.1:<port>, trust authentication."""

    def __init__(self):
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="lop-pg-"))
        self.data = self.dir / "data"
        self.as_root = os.geteuid() == 0

    def _run(self, *args, check=True):
        command = [*args]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, timeout=120)  # noqa: S603

    def init(self):
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(_pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-sync")
        return self

    def start(self):
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "log"), "-w", "-o",
                  f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
        return self

    def stop(self):
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)

    def url(self, db="lop") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"

    def psql(self, sql: str, db="lop") -> str:
        result = subprocess.run(  # noqa: S603
            [_pg_bin("psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", db, "-tAc", sql],
            check=True, capture_output=True, text=True, timeout=60)
        return result.stdout.strip()

    def remove(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def app_env(database_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "PYTEST"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "lopportal.settings.production",
        "DJANGO_SECRET_KEY": "fault-tests-" + "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_STATIC_ROOT": str(Path(tempfile.gettempdir()) / "lop-fault-static"),
        "EMAIL_URL": "dummymail://",
        # Reconnecting quickly after an outage is what these tests measure.
        "DJANGO_CONN_MAX_AGE": "60",
    })
    return env


def manage(env: dict, *args, input_text=None) -> str:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,  # noqa: S603
                            capture_output=True, text=True, input=input_text, timeout=300)
    return result.stdout


class AppServer:
    """gunicorn with the production settings, on a free loopback port."""

    def __init__(self, env: dict, workers: int = 3, threads: int = 4):
        self.port = free_port()
        self.env = env
        self.process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "gunicorn", "lopportal.wsgi", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(workers), "--threads", str(threads), "--timeout", "60"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if Browser(self.port).get("/healthz").status in (200, 503):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.text = status, headers, body.decode("utf-8", "replace")


class Browser:
    """A minimal cookie-keeping HTTP client (the production cookies are Secure: urllib would drop them)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data: dict | None = None) -> Response:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"https://127.0.0.1{path}"
        connection.request(method, path, body=body, headers=headers)
        raw = connection.getresponse()
        for name, value in raw.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        response = Response(raw.status, dict(raw.getheaders()), raw.read())
        connection.close()
        return response

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, data: dict) -> Response:
        return self.request("POST", path, {**data, "csrfmiddlewaretoken": self.csrf(path)})

    def csrf(self, path: str) -> str:
        token = self.cookies.get("csrftoken")
        if token is None:
            self.get(path)
            token = self.cookies["csrftoken"]
        return token

    def log_in(self, username: str, password: str) -> "Browser":
        self.get("/accounts/login/")
        response = self.post("/accounts/login/", {"username": username, "password": password})
        if response.status != 302:
            raise AssertionError(f"login of {username} failed: {response.status}")
        step = urllib.parse.urlsplit(response.headers.get("Location", ""))
        if step.path == "/accounts/second-factor/" and username in TOTP_KEYS:
            path = step.path + (f"?{step.query}" if step.query else "")
            response = self.post(path, {"code": totp_code(TOTP_KEYS[username])})
            if response.status != 302:
                raise AssertionError(f"second factor of {username} failed: {response.status}")
        return self


# Under the production settings the demo accounts have no exemption from the second factor: the fault
# tests give the ministry account an authenticator app with this key (RFC 6238's test key) and type its codes.
TOTP_KEYS = {"ministerie": "3132333435363738393031323334353637383930"}
_last_step: dict[str, int] = {}


def totp_code(key: str) -> str:
    """The app's code now, or the next one when this one was used (a code is taken only once)."""
    from django_otp.oath import totp

    now = int(time.time()) // 30
    if _last_step.get(key, -1) >= now + 1:  # this step's and the next step's codes are used: wait
        time.sleep(30 - time.time() % 30 + 0.1)
        now = int(time.time()) // 30
    step = max(now, _last_step.get(key, -1) + 1)
    _last_step[key] = step
    return f"{totp(bytes.fromhex(key), step=30, t0=0, drift=step - now):06d}"


def totp_device_script() -> str:
    """Python for `manage.py shell -c`: give the accounts of TOTP_KEYS their confirmed authenticator app."""
    return ("from django_otp.plugins.otp_totp.models import TOTPDevice\n"
            "from accounts.models import User\n"
            f"for username, key in {TOTP_KEYS!r}.items():\n"
            "    TOTPDevice.objects.create(user=User.objects.get(username=username), name='app', key=key,"
            " confirmed=True)\n")


def loaded_version(html: str) -> str:
    return re.search(r'name="loaded_version" value="(\d+)"', html).group(1)
