"""The measuring half of `make loadtest`: log in, run wrk per scenario, print and record the table.

`loadtest/run.sh` prepares the database and starts gunicorn, then runs this against it:

    python loadtest/driver.py --base-url http://127.0.0.1:PORT --savers savers.txt --workdir DIR \
        --connections 8 --duration 10 --doc docs/loadtest.md [--rush rush.txt --rush-interval 10]

Only the standard library (no `requests`): http.client with the cookies kept by hand, because the
production cookies are `Secure` and urllib's cookie jar would not send them back over plain HTTP.
Every request carries `X-Forwarded-Proto: https`, as the TLS-terminating proxy would set it.
"""

import argparse
import datetime
import http.client
import json
import math
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

HERE = Path(__file__).resolve().parent
LUA = HERE / "scenario.lua"
PASSWORD = "demo-lop-2020"  # noqa: S105 - the documented demo password (loaddemo; never in production)
COORDINATOR = "coordinator"
REPORT = "/rounds/open-demo/platforms/antwerpen-bao/report/"
OPEN_JSON = "/rounds/open-demo/summary.json"
BEGIN, END = "<!-- loadtest:results:begin -->", "<!-- loadtest:results:end -->"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="(\w+)"')
# The names of the scenarios the verdict looks up.
REPORT_PAGE, SAVE, AUTOSAVE = ("coordinator: report page", "coordinators: report save, each their own report",
                               "coordinators: autosave, each their own report")
# A logged-in page that reads no data (the session and the user only): what any logged-in page costs at least.
FLOOR = "coordinator: accessibility statement (logged in, no data: the floor of a logged-in page)"
FLOOR_PATH = "/toegankelijkheid/"
QUIET_OPEN_JSON = "ministry: summary.json of the open round, quiet (before the rush)"
RUSH_JSON = "deadline rush: ministry, summary.json of the open round"
VERSION = re.compile(r'name="loaded_version" value="(\d+)"')


class SetupError(Exception):
    pass


class Client:
    """One browser-like session: cookies by hand, every request as if it came through the HTTPS proxy."""

    def __init__(self, base_url: str):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.netloc = parts.netloc
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None, *, timeout: float = 60,
                referer: str | None = None) -> tuple[int, dict, str]:
        headers = {"Host": self.netloc, "X-Forwarded-Proto": "https", "User-Agent": "lop-loadtest (driver)"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers |= {"Content-Type": "application/x-www-form-urlencoded",
                        "Origin": f"https://{self.netloc}", "Referer": f"https://{self.netloc}{referer or path}"}
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for line in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(line)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response.status, dict(response.headers), text

    def login(self, username: str, totp_key: str | None = None) -> "Client":
        status, _, page = self.request("GET", "/accounts/login/")
        token = TOKEN.search(page)
        if status != 200 or not token:
            raise SetupError(f"GET /accounts/login/ gave {status} without a form token")
        status, headers, _ = self.request("POST", "/accounts/login/", {
            "csrfmiddlewaretoken": token.group(1), "username": username, "password": PASSWORD,
        })
        if status != 302 or "sessionid" not in self.cookies or "/accounts/login/" in headers.get("Location", ""):
            raise SetupError(f"login of {username} failed (HTTP {status}); is it locked out or missing?")
        if "/accounts/second-factor/" in headers.get("Location", ""):
            self._second_factor(username, totp_key)
        return self

    def _second_factor(self, username: str, totp_key: str | None) -> None:
        """Type the authenticator app's current code (ministry and admins, under the production settings)."""
        if not totp_key:
            raise SetupError(f"{username} must pass the second factor, and no authenticator key is known")
        from django_otp.oath import totp  # pure Python: no Django setup needed

        status, _, page = self.request("GET", "/accounts/second-factor/")
        token = TOKEN.search(page)
        if status != 200 or not token:
            raise SetupError(f"GET /accounts/second-factor/ gave {status} without a form token")
        code = f"{totp(bytes.fromhex(totp_key), step=30, t0=0, drift=0):06d}"
        status, headers, _ = self.request("POST", "/accounts/second-factor/",
                                          {"csrfmiddlewaretoken": token.group(1), "code": code})
        if status != 302 or "/accounts/second-factor/" in headers.get("Location", ""):
            raise SetupError(f"the second factor of {username} failed (HTTP {status})")

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items() if k in ("sessionid", "csrftoken"))

    def expect(self, path: str, status: int = 200) -> str:
        got, _, text = self.request("GET", path)
        if got != status:
            raise SetupError(f"GET {path} gave {got}, expected {status}")
        return text

    def save_draft(self, path: str) -> None:
        """One ordinary draft save, so that the report page shows answers, as it would in use."""
        page = self.expect(path)
        token, version = TOKEN.search(page), VERSION.search(page)
        if not (token and version):
            raise SetupError(f"{path} has no editable form")
        status, _, _ = self.request("POST", path, {
            "csrfmiddlewaretoken": token.group(1), "loaded_version": version.group(1),
            "registration_procedure_used": "true", "free_enrolment_period_adjusted": "false",
            "newcomers": "unchanged", "registrations_note": "Draft before the load test",
            "theme-laptops-discussed": "true", "save": "",
        })
        if status != 302:
            raise SetupError(f"draft save of {path} gave {status}")


def draft_form(token: str, version: str, stamp: str) -> dict:
    """A valid draft of the report form, as scenario.lua's save_body posts it; the notes change with every save."""
    return {
        "csrfmiddlewaretoken": token, "loaded_version": version,
        "registration_procedure_used": "true", "application_period_adjusted": "false",
        "enrolment_period_adjusted": "true", "free_enrolment_period_adjusted": "false",
        "registrations_note": f"Load test draft {stamp}", "newcomers": "unchanged", "newcomers_note": "",
        "excluded_pupils": "adjusted", "excluded_pupils_note": "Follow-up by the CLB",
        "theme-laptops-discussed": "true", "theme-laptops-agreements": "true", "theme-laptops-note": f"Saved {stamp}",
        "theme-family-support-discussed": "false",
    }


class Rush:
    """The deadline rush's coordinators (issue #13): each autosaves its own report every `interval` seconds.

    Paced, not as fast as possible: coordinator i autosaves at i/N of the interval and then every
    interval, so N coordinators make N/interval requests a second, as N people typing would; a thread
    pool sends them. Each carries the version its last autosave answered (as report-autosave.js does);
    a 200 with a version is a success, anything else (a 409 too: nobody else writes that report) an
    error, after which that coordinator reloads its page. The result has wrk's fields (scenario.lua).
    """

    def __init__(self, clients: list[Client], paths: list[str], interval: float):
        self.clients, self.paths, self.interval = clients, paths, interval
        self.forms: list[tuple[str, str]] = [("", "")] * len(clients)  # (token, version) per coordinator
        self.seq = 0

    def load(self, i: int) -> None:
        page = self.clients[i].expect(self.paths[i])
        token, version = TOKEN.search(page), VERSION.search(page)
        if not (token and version):
            raise SetupError(f"{self.paths[i]} has no editable form")
        self.forms[i] = (token.group(1), version.group(1))

    def prepare(self) -> None:
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(self.load, range(len(self.clients))))

    def _autosave(self, i: int) -> tuple[str, float]:
        """One autosave: (status key or socket error, latency in µs)."""
        self.seq += 1
        token, version = self.forms[i]
        started = time.monotonic()
        try:
            status, _, body = self.clients[i].request(
                "POST", self.paths[i] + "autosave/", draft_form(token, version, f"rush-{i}-{self.seq}"),
                timeout=5, referer=self.paths[i])
        except TimeoutError:
            return "timeout", (time.monotonic() - started) * 1e6
        except ConnectionRefusedError:
            return "connect", (time.monotonic() - started) * 1e6
        except OSError:
            return "read", (time.monotonic() - started) * 1e6
        latency = (time.monotonic() - started) * 1e6
        saved = None
        if status == 200:
            try:
                saved = json.loads(body).get("version")
            except ValueError:
                saved = None
        if saved is not None:
            self.forms[i] = (token, str(saved))
        else:
            try:
                self.load(i)  # as the page would be reloaded
            except (SetupError, OSError):
                pass
        return f"POST {status}" + ("" if saved is not None or status != 200 else " without a version"), latency

    def run(self, duration: float) -> dict:
        n = len(self.clients)
        start = time.monotonic()
        events = sorted((i / n * self.interval + k * self.interval, i)
                        for i in range(n) for k in range(math.ceil(duration / self.interval) + 1))
        events = [(offset, i) for offset, i in events if offset < duration]
        with ThreadPoolExecutor(max_workers=min(n, 32)) as pool:
            futures = []
            for offset, i in events:
                delay = start + offset - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                futures.append(pool.submit(self._autosave, i))
            outcomes = [future.result() for future in futures]
        latencies = sorted(latency for _key, latency in outcomes)
        statuses: dict[str, int] = {}
        sockets = {"connect": 0, "read": 0, "write": 0, "timeout": 0}
        for key, _latency in outcomes:
            if key in sockets:
                sockets[key] += 1
            else:
                statuses[key] = statuses.get(key, 0) + 1

        def percentile(p: float) -> int:
            return int(latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))]) if latencies else 0

        saves = statuses.get("POST 200", 0)
        return {"requests": len(outcomes), "duration_us": int(duration * 1e6), "p50_us": percentile(50),
                "p90_us": percentile(90), "p99_us": percentile(99), "max_us": int(max(latencies, default=0)),
                "unexpected": sum(statuses.values()) - saves, "conflicts": 0, "saves": saves,
                "socket_errors": sockets, "wrk_status_errors": 0, "statuses": statuses}


@dataclass
class Scenario:
    name: str
    path: str
    mode: str  # see scenario.lua: get | save | autosave | tabs; "rush": the paced autosaves of `Rush`
    sessions: list[tuple[str, str]] = field(default_factory=list)  # (path, cookie) per connection
    note: str = ""
    # Run at the same time as this one, with as many connections of its own (the deadline mix), or the
    # paced autosaves of the deadline rush (mode "rush").
    alongside: "Scenario | None" = None
    rush: Rush | None = None


@dataclass
class Result:
    scenario: Scenario
    connections: int
    duration: float
    load_before: float
    data: dict
    # Of two scenarios run together the CPU cannot be told apart: it is divided over the requests
    # of both, and shown once, in the first one's row.
    cpu_requests: int | None = None
    cpu_row: bool = True

    @property
    def rps(self) -> float:
        return self.data["requests"] / (self.data["duration_us"] / 1e6)

    @property
    def errors(self) -> int:
        sockets = self.data["socket_errors"]
        return self.data["unexpected"] + sum(sockets.values())

    @property
    def cpu_divisor(self) -> int:
        return self.cpu_requests or self.data["requests"]

    def cpu_per_request(self, key: str) -> str:
        if not self.cpu_divisor:
            return "?"
        return f"{self.data['cpu'][key] / self.cpu_divisor * 1000:.1f} ms"

    def cpu_ms(self) -> float:
        """gunicorn + PostgreSQL CPU per request, in ms."""
        cpu = self.data["cpu"]
        return (cpu["app"] + cpu["db"]) / self.cpu_divisor * 1000 if self.cpu_divisor else 0.0

    def cpu_share(self, key: str) -> float:
        """CPU used during the run, as a share of one core."""
        return self.data["cpu"][key] / self.data["cpu_window"]

    def responses(self) -> str:
        parts = []
        for key, count in sorted(self.data["statuses"].items()):
            expected = self.scenario.mode == "tabs" and key == "POST 409"
            parts.append(f"{key}: {count}" + (" (expected conflicts)" if expected else ""))
        sockets = {k: v for k, v in self.data["socket_errors"].items() if v}
        if sockets:
            parts.append("socket errors " + ", ".join(f"{k} {v}" for k, v in sockets.items()))
        return "; ".join(parts)


def run_wrk(scenario: Scenario, base_url: str, workdir: Path, connections: int, duration: float) -> dict:
    netloc = urlsplit(base_url).netloc
    sessions_file = workdir / f"sessions-{re.sub(r'[^a-z0-9]+', '-', scenario.name.lower())}.tsv"
    sessions_file.write_text("".join(f"{path}\t{cookie}\t{netloc}\n" for path, cookie in scenario.sessions))
    cmd = ["wrk", "-t", str(connections), "-c", str(connections), "-d", f"{duration:g}s", "--timeout", "5s",
           "--latency", "-s", str(LUA), base_url + scenario.path, "--", str(sessions_file), scenario.mode]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60, check=False)  # noqa: S603
    line = next((x for x in out.stdout.splitlines() if x.startswith("LOADTEST ")), None)
    if out.returncode != 0 or line is None:
        raise SetupError(f"wrk failed ({out.returncode}) for {scenario.name}:\n{out.stdout}\n{out.stderr}")
    return json.loads(line.removeprefix("LOADTEST "))


def drain(data: dict) -> None:
    """When wrk stops, the requests it had sent are still being handled (and saves still commit).

    Let them finish, so that they neither load the next run nor raise a report's version under it
    (a save scenario would otherwise see a 409 that no user could cause).
    """
    time.sleep(min(6.0, data["max_us"] / 1e6 + 0.5))


class CpuMeter:
    """CPU seconds used during a run by gunicorn, by PostgreSQL's backends for our database, by wrk, and
    by everything else on the machine, read from /proc.

    A thread reads the processes every half second and keeps the last figure of each, so that a
    database connection that closes during the run (DJANGO_CONN_MAX_AGE) still counts, up to its
    last reading; a process that appears during the run counts from zero.
    """

    def __init__(self, server_pid: int | None, database: str | None):
        self.server_pid, self.database = server_pid, database
        self.tick = os.sysconf("SC_CLK_TCK")
        self.page = os.sysconf("SC_PAGE_SIZE")

    def _processes(self) -> dict[str, dict[int, float]]:
        """CPU seconds per process of gunicorn ("app") and of PostgreSQL ("db"); "rss": gunicorn's bytes."""
        found: dict[str, dict[int, float]] = {"app": {}, "db": {}, "rss": {}}
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
                pid, ppid = int(proc.name), int(fields[1])
                kind = None
                if self.server_pid and self.server_pid in (pid, ppid):
                    kind = "app"
                elif self.database:
                    # A backend's title: "postgres: 15/main: postgres lopportal_load 127.0.0.1(34968) idle"
                    cmdline = (proc / "cmdline").read_bytes().decode("utf-8", "replace")
                    if cmdline.startswith("postgres:") and f" {self.database} " in cmdline:
                        kind = "db"
                if kind:
                    found[kind][pid] = (int(fields[11]) + int(fields[12])) / self.tick
                if kind == "app":
                    found["rss"][pid] = int(fields[21]) * self.page
            except (OSError, IndexError, ValueError):
                continue
        return found

    def _machine_busy(self) -> float:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        user, nice, system, _idle, _iowait, irq, softirq, steal = values[:8]
        return (user + nice + system + irq + softirq + steal) / self.tick

    def _sample(self) -> None:
        found = self._processes()
        for pid, rss in found.pop("rss").items():
            self.peak_rss[pid] = max(self.peak_rss.get(pid, 0), rss)
        self.peak_connections = max(self.peak_connections, len(found["db"]))
        for kind, pids in found.items():
            for pid, cpu in pids.items():
                self.first[kind].setdefault(pid, 0.0)
                self.last[kind][pid] = cpu

    def _loop(self) -> None:
        while not self.stopping.wait(0.5):
            self._sample()

    def __enter__(self) -> "CpuMeter":
        self.peak_rss: dict[int, int] = {}
        self.peak_connections = 0
        self.first = self._processes()
        self.first.pop("rss")
        self.last = {kind: dict(pids) for kind, pids in self.first.items()}
        self.busy0, self.wall0 = self._machine_busy(), time.monotonic()
        self.wrk0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self.thread.join()
        self._sample()
        wrk1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        used = {kind: sum(self.last[kind][pid] - self.first[kind][pid] for pid in self.last[kind])
                for kind in ("app", "db")}
        used["wrk"] = wrk1.ru_utime + wrk1.ru_stime - self.wrk0.ru_utime - self.wrk0.ru_stime
        busy = self._machine_busy() - self.busy0
        self.window = time.monotonic() - self.wall0
        # Everything else: other jobs on the machine (and this driver, a few percent of a core).
        used["others"] = max(0.0, busy - used["app"] - used["db"] - used["wrk"])
        self.used = used
        # Sizing: the memory of gunicorn's processes and the database connections they held.
        self.resources = {"rss_total": sum(self.peak_rss.values()),
                          "rss_largest": max(self.peak_rss.values(), default=0),
                          "processes": len(self.peak_rss), "connections": self.peak_connections}


def _memory(r: "Result") -> str:
    res = r.data["resources"]
    return f"{res['rss_total'] / 2**20:.0f} MB in {res['processes']}, {res['rss_largest'] / 2**20:.0f} MB"


def fmt_ms(us: float) -> str:
    return f"{us / 1000:.1f} ms" if us < 100_000 else f"{us / 1000:.0f} ms"


def machine() -> dict[str, str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "?")
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    pg = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "SHOW server_version"],  # noqa: S607
                        capture_output=True, text=True, check=False).stdout.strip() or "?"
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)  # noqa: S607
    return {
        "cpu": cpu,
        "cores": str(len(os.sched_getaffinity(0))),
        "memory": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "postgresql": pg.split()[0],
        "wrk": (wrk.stdout or wrk.stderr).split()[1] if (wrk.stdout or wrk.stderr) else "?",
        "python": platform.python_version(),
    }


def wait_for_quiet(max_wait: float, threshold: float) -> None:
    """Give other jobs on the machine a chance to finish before measuring (at most max_wait seconds)."""
    deadline = time.monotonic() + max_wait
    while os.getloadavg()[0] > threshold and time.monotonic() < deadline:
        print(f"  load average {os.getloadavg()[0]:.2f} > {threshold:g}; waiting for a quieter machine...")
        time.sleep(10)


def render(results: list[Result], info: dict, args, started: datetime.datetime, loads: tuple) -> tuple[str, bool, bool]:
    health = next(r for r in results if r.scenario.path == "/healthz")
    summary_json = next(r for r in results if r.scenario.path.endswith("summary.json"))
    summary_page = next(r for r in results if r.scenario.path.endswith("/summary/"))
    ceiling, json_rps = health.rps, summary_json.rps
    page_ratio = summary_page.rps / ceiling if ceiling else 0.0
    total_errors = sum(r.errors for r in results)
    ratio = json_rps / ceiling if ceiling else 0.0
    ok_errors, ok_json = total_errors == 0, ratio >= 1 / 3
    rows = [
        "| scenario | connections | duration | requests/s | vs /healthz | p50 | p99 | errors | responses |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        rows.append(
            f"| {r.scenario.name} | {r.connections} | {r.duration:g} s | {r.rps:.0f} | {r.rps / ceiling:.0%} "
            f"| {fmt_ms(r.data['p50_us'])} | {fmt_ms(r.data['p99_us'])} | {r.errors} | {r.responses()} |"
        )
    verdict = [
        f"- **Zero errors: {'yes' if ok_errors else 'NO'}** ({total_errors} unexpected responses or socket "
        "errors over all scenarios; the 409s of the one-report scenario are the stale-save protection "
        "and are expected).",
        f"- **summary.json at least a third of /healthz: {'yes' if ok_json else 'NO'}** "
        f"({json_rps:.0f} against {ceiling:.0f} requests/s, {ratio:.0%}). Server CPU per request "
        f"(gunicorn + PostgreSQL): summary.json {summary_json.cpu_ms():.1f} ms, /healthz {health.cpu_ms():.1f} ms; "
        f"on a CPU-bound machine the ratio of throughputs cannot exceed the inverse of that "
        f"({health.cpu_ms() / summary_json.cpu_ms() if summary_json.cpu_ms() else 0:.0%}).",
        # Issue #14: the summary page, with its charts, at least 15% of /healthz.
        f"- **Summary page at least 15% of /healthz: {'yes' if page_ratio >= 0.15 else 'NO'}** "
        f"({summary_page.rps:.0f} against {ceiling:.0f} requests/s, {page_ratio:.0%}; server CPU per request "
        f"{summary_page.cpu_ms():.1f} ms).",
    ]
    verdict += _issue_13_aims(results, ceiling)
    cores = int(info["cores"])
    busiest = max(results, key=lambda r: r.cpu_share("others"))
    if busiest.cpu_share("others") > 0.25:
        verdict.append(
            f"- Other jobs shared the machine: up to {busiest.cpu_share('others'):.0%} of a core "
            f"({busiest.scenario.name}). Requests/s and latencies are then lower, and their ratios less "
            "certain, than on a quiet machine; the CPU time per request depends much less on that.")
    load_line = (f"Load average (1/5/15 min, `uptime`) before the first scenario {loads[0][0]:.2f} / "
                 f"{loads[0][1]:.2f} / {loads[0][2]:.2f}, after the last {loads[1][0]:.2f} / {loads[1][1]:.2f} / "
                 f"{loads[1][2]:.2f}. The load average counts this test's own workers too (a saturated server "
                 "alone makes it 5 or more), so the table below also shows who used the CPU.")
    text = "\n".join([
        f"Measured {started:%Y-%m-%d %H:%M %Z} by `make loadtest` on {info['cpu']}, {info['cores']} cores, "
        f"{info['memory']} memory; PostgreSQL {info['postgresql']}, Python {info['python']}, wrk {info['wrk']}; "
        f"gunicorn with {args.workers} sync workers (2 x cores + 1), `lopportal.settings.production`; "
        f"wrk on the same machine, one thread per connection.",
        "",
        load_line,
        "",
        *rows,
        "",
        "| scenario | gunicorn CPU per request | PostgreSQL CPU per request | CPU used by gunicorn "
        "| by PostgreSQL | by wrk | by other jobs | load average at start | gunicorn memory, largest process "
        "| database connections |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *[f"| {r.scenario.name}{' (and what ran with it)' if r.cpu_requests else ''} | {r.cpu_per_request('app')} "
          f"| {r.cpu_per_request('db')} | {r.cpu_share('app'):.0%} | {r.cpu_share('db'):.0%} "
          f"| {r.cpu_share('wrk'):.0%} | {r.cpu_share('others'):.0%} | {r.load_before:.2f} | {_memory(r)} "
          f"| {r.data['resources']['connections']} |"
          for r in results if r.cpu_row],
        "",
        f"CPU shares are of one core ({cores} cores = {cores * 100}%) over the measured seconds; \"other "
        "jobs\" is whatever else ran on the machine. CPU per request is the CPU used over the requests "
        "completed (the requests still in flight when wrk stops add a little); for the deadline mix, over "
        "the requests of both of its scenarios. Memory is the peak resident size (RSS) of gunicorn's "
        "processes during the run, all together and the largest one; database connections the most "
        "PostgreSQL backends open on the load-test database at once.",
        "",
        *verdict,
    ])
    return text, ok_errors, ok_json


def _issue_13_aims(results: list[Result], ceiling: float) -> list[str]:
    """The aims of issue #13: the report page and a save at least 10% of /healthz, an autosave 20%, the rush."""
    by_name = {r.scenario.name: r for r in results}
    floor = by_name.get(FLOOR)
    lines = []
    if floor and ceiling:
        lines.append(
            f"- The floor of a logged-in page: the accessibility statement (the session and the user read, no "
            f"data) {floor.rps:.0f} requests/s, {floor.rps / ceiling:.0%} of /healthz (server CPU per request "
            f"{floor.cpu_ms():.1f} ms). An aim of 10% of /healthz lets a page cost "
            f"{floor.rps / ceiling / 0.10:.1f} times this floor; 20%, {floor.rps / ceiling / 0.20:.1f} times.")
    for name, label, aim in ((REPORT_PAGE, "Report page", 0.10), (SAVE, "A save", 0.10),
                             (AUTOSAVE, "An autosave", 0.20)):
        r = by_name.get(name)
        if r and ceiling:
            times = f"; {floor.rps / r.rps:.1f} times the floor" if floor and r.rps else ""
            lines.append(f"- **{label} at least {aim:.0%} of /healthz: {'yes' if r.rps / ceiling >= aim else 'NO'}** "
                         f"({r.rps:.0f} against {ceiling:.0f} requests/s, {r.rps / ceiling:.0%}; server CPU per "
                         f"request {r.cpu_ms():.1f} ms{times}).")
    quiet, rushed = by_name.get(QUIET_OPEN_JSON), by_name.get(RUSH_JSON)
    if quiet and rushed:
        rush_rows = [r for r in results if r.scenario.mode == "rush" or r.scenario.name == RUSH_JSON]
        errors = sum(r.errors for r in rush_rows)
        autosaves = next(r for r in rush_rows if r.scenario.mode == "rush")
        share = rushed.rps / quiet.rps if quiet.rps else 0.0
        lines.append(
            f"- **Deadline rush: {'yes' if errors == 0 and share >= 1 / 3 else 'NO'}**: {errors} errors "
            f"({autosaves.data['saves']} autosaves of {autosaves.data['requests']}, {autosaves.rps:.1f} a second, "
            f"p99 {fmt_ms(autosaves.data['p99_us'])}); summary.json during the rush {rushed.rps:.0f} requests/s "
            f"against {quiet.rps:.0f} alone ({share:.0%}; the aim is at least a third).")
    return lines


def write_doc(doc: Path, block: str) -> None:
    section = f"{BEGIN}\n{block}\n{END}"
    if doc.exists() and BEGIN in (old := doc.read_text()) and END in old:
        head, rest = old.split(BEGIN, 1)
        doc.write_text(head + section + rest.split(END, 1)[1])
    else:
        doc.parent.mkdir(parents=True, exist_ok=True)
        doc.write_text(f"# Load test\n\nSee `loadtest/`.\n\n## Results\n\n{section}\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--savers", type=Path, required=True, help="'username code' per line (prepare_db.py)")
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--ministry", type=Path, required=True,
                        help="'username key' per line: ministry readers and their authenticator keys (prepare_db.py)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--workers", type=int, required=True)
    parser.add_argument("--doc", type=Path)
    parser.add_argument("--wait-quiet", type=float, default=0, help="wait up to this many seconds for a low load")
    parser.add_argument("--strict", action="store_true", help="also fail when summary.json misses its aim")
    parser.add_argument("--server-pid", type=int, help="gunicorn's master, for the CPU time per request")
    parser.add_argument("--rush", type=Path, help="'username code' per line: the deadline rush's coordinators")
    parser.add_argument("--rush-interval", type=float, default=10, help="seconds between one coordinator's autosaves")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SetupError("wrk is not installed")
    n, base = args.connections, args.base_url
    database = urlsplit(os.environ.get("DATABASE_URL", "")).path.lstrip("/") or None

    # One session per connection: N ministry users reading, N tabs of the coordinator, and N
    # coordinators with a report of their own (see docs/loadtest.md, "Sessions").
    savers = [line.split() for line in args.savers.read_text().splitlines() if line.strip()][:n]
    if len(savers) < n:
        raise SetupError(f"{args.savers} names {len(savers)} coordinators; {n} needed")
    # The ministry's readers pass the second factor with an authenticator key each (prepare_db.py).
    readers = [line.split() for line in args.ministry.read_text().splitlines() if line.strip()][:n]
    if len(readers) < n:
        raise SetupError(f"{args.ministry} names {len(readers)} ministry readers; {n} needed")
    print(f"Logging in {3 * n} sessions...")
    with ThreadPoolExecutor(max_workers=4) as pool:
        ministry = list(pool.map(lambda m: Client(base).login(m[0], m[1]), readers))
        coordinator = list(pool.map(lambda _: Client(base).login(COORDINATOR), range(n)))
        saver_clients = list(pool.map(lambda s: Client(base).login(s[0]), savers))
    saver_paths = [f"/rounds/open-demo/platforms/{code}/report/" for _, code in savers]
    for client, path in zip(saver_clients, saver_paths, strict=True):
        client.expect(path)
    coordinator[0].save_draft(REPORT)
    ministry[0].expect("/rounds/corona-2020/summary/")
    ministry[0].expect("/rounds/corona-2020/summary.json")
    coordinator[0].expect("/rounds/corona-2020/summary/", status=403)  # coordinators do not read the summary
    anonymous = Client(base)
    anonymous.expect("/healthz")
    coordinator[0].expect(FLOOR_PATH)  # the floor: a logged-in page that reads no data
    rush = None
    if args.rush:
        rushers = [line.split() for line in args.rush.read_text().splitlines() if line.strip()]
        print(f"Logging in {len(rushers)} coordinators for the deadline rush...")
        with ThreadPoolExecutor(max_workers=4) as pool:
            rush_clients = list(pool.map(lambda s: Client(base).login(s[0]), rushers))
        rush = Rush(rush_clients, [f"/rounds/open-demo/platforms/{code}/report/" for _, code in rushers],
                    args.rush_interval)

    def each(clients, path):
        return [(path, c.cookie_header()) for c in clients]

    summary, summary_json = "/rounds/corona-2020/summary/", "/rounds/corona-2020/summary.json"
    ministry[0].expect(OPEN_JSON)
    scenarios = [
        Scenario("/healthz (no login; the ceiling)", "/healthz", "get", [("/healthz", "")] * n),
        Scenario(FLOOR, FLOOR_PATH, "get", each(coordinator, FLOOR_PATH)),
        Scenario("ministry: summary page", summary, "get", each(ministry, summary)),
        Scenario("ministry: summary.json", summary_json, "get", each(ministry, summary_json)),
        Scenario(REPORT_PAGE, REPORT, "get", each(coordinator, REPORT)),
        Scenario(SAVE, saver_paths[0], "save",
                 [(p, c.cookie_header()) for p, c in zip(saver_paths, saver_clients, strict=True)]),
        # The form's autosave (issue #13): the same draft through the JSON endpoint, the version carried along.
        Scenario(AUTOSAVE, saver_paths[0], "autosave",
                 [(p, c.cookie_header()) for p, c in zip(saver_paths, saver_clients, strict=True)]),
        Scenario("coordinator: report save, one report in N tabs", REPORT, "tabs", each(coordinator, REPORT)),
        # Deadline day: the ministry reads the summary of the round that the coordinators are saving
        # into, so every save makes the next read compute the summary again.
        Scenario("deadline mix: ministry, summary.json of the round being saved", OPEN_JSON, "get",
                 each(ministry, OPEN_JSON), alongside=Scenario(
                     "deadline mix: coordinators saving at the same time", saver_paths[0], "save",
                     [(p, c.cookie_header()) for p, c in zip(saver_paths, saver_clients, strict=True)])),
    ]
    if rush:
        # The deadline rush (issue #13): every platform's coordinator autosaving a draft every few seconds
        # while the ministry reads the open round's summary.json; first that summary.json alone, to compare.
        scenarios += [
            Scenario(QUIET_OPEN_JSON, OPEN_JSON, "get", each(ministry, OPEN_JSON)),
            Scenario(RUSH_JSON, OPEN_JSON, "get", each(ministry, OPEN_JSON), alongside=Scenario(
                f"deadline rush: {len(rush.clients)} coordinators autosaving every {args.rush_interval:g} s",
                rush.paths[0], "rush", rush=rush)),
        ]

    if args.wait_quiet:
        wait_for_quiet(args.wait_quiet, threshold=len(os.sched_getaffinity(0)) / 2)
    info = machine()
    started = datetime.datetime.now().astimezone()
    load_start = os.getloadavg()
    results = []
    for scenario in scenarios:
        together = [scenario] + ([scenario.alongside] if scenario.alongside else [])

        def run(duration, together=together):
            def one_run(one):
                return one.rush.run(duration) if one.rush else run_wrk(one, base, args.workdir, n, duration)

            with ThreadPoolExecutor(max_workers=len(together)) as pool:
                return list(pool.map(one_run, together))

        for part in together:
            if part.rush:
                part.rush.prepare()  # each coordinator's page: the form token and the version to start from

        if args.warmup:
            drain(max(run(args.warmup), key=lambda d: d["max_us"]))
        load = os.getloadavg()[0]
        print(f"{' + '.join(s.name for s in together)}: {n} connections each, {args.duration:g} s "
              f"(load average {load:.2f})", flush=True)
        with CpuMeter(args.server_pid, database) as meter:
            datas = run(args.duration)
        drain(max(datas, key=lambda d: d["max_us"]))
        shared = sum(d["requests"] for d in datas) if len(datas) > 1 else None
        for i, (part, data) in enumerate(zip(together, datas, strict=True)):
            data["cpu"], data["cpu_window"], data["resources"] = meter.used, meter.window, meter.resources
            connections = len(part.rush.clients) if part.rush else n
            results.append(Result(part, connections, args.duration, load, data, cpu_requests=shared,
                                  cpu_row=i == 0))
    block, ok_errors, ok_json = render(results, info, args, started, (load_start, os.getloadavg()))
    print()
    print(block)
    if args.doc:
        write_doc(args.doc, block)
        print(f"\nWritten to {args.doc}")
    # Errors are a defect and fail the target; throughput depends on what else runs on the machine.
    return 0 if ok_errors and (ok_json or not args.strict) else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SetupError as error:
        print(f"loadtest: {error}", file=sys.stderr)
        sys.exit(2)
