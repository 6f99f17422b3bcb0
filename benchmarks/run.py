"""`make bench`: server time, SQL queries and export memory of the ministry's pages at 70, 700 and 7,000 platforms.

    python -m benchmarks.run [--sizes 70,700,7000] [--runs 9] [--warmups 2] [--wide-size 7000]
                             [--export-size 21000] [--no-doc]

Runs on a PostgreSQL database of its own (`BENCH_DATABASE_URL`, by default
postgres://postgres@127.0.0.1:5432/lopportal_bench), which it drops and creates again: never the
development or test database (the name must contain "bench"). Per size it generates the data
(benchmarks/data.py: the 2020 questionnaire, every report submitted), then measures in-process
with Django's test client:

- the median server time of the summary page, summary.json, the CSV export (streamed to the end)
  and a coordinator's report page, and the number of SQL queries of each (a separate run);
- the peak of Python allocations while the CSV export streams (tracemalloc);
- the SQL floor: the statements of `summaries.summary.round_summary`, captured and run on a
  raw psycopg connection (median of their sum), and summary.json and the page divided by it;
- Django's fixed cost: a logged-in no-op JSON page (benchmarks/urls.py), and /healthz;
- then, after all of the above (a save changes the data and empties the summary's cache), the
  same report as a draft: its page with the form, and saving it as a draft (the coordinator POSTs
  the form as the page holds it, read from the page's HTML before each save, untimed): median
  server time, CPU time of this process (time.process_time) and queries;
- then, at `--wide-size` platforms, all of the above again for a round with the 60 questions of
  benchmarks/wide.py (every kind, conditions, a section asked per theme);
- then, at one larger size (`--export-size`), the export alone, to see whether its memory levels off.

It prints Markdown and writes it between the markers of docs/performance.md. Timing is a
benchmark, never a test: nothing here fails on a slow machine.
"""

import argparse
import datetime
import json
import os
import platform
import re
import statistics
import sys
import time
import tracemalloc
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/lopportal_bench"
DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- bench:begin (written by `make bench`) -->", "<!-- bench:end -->"
PAGES = ["summary page", "summary.json", "export.csv", "report page", "summary.json cached"]
# The summary is cached per round and data version (summaries.summary): these two are measured
# as the first request after a change to the round's data (its data version raised before each,
# untimed); "summary.json cached" is every other request.
COLD = {"summary page", "summary.json"}
# Measured after the others, on the same report made a draft: the page with the form and the save.
REPORT_PAGES = ["report page", "report page (draft)", "report save"]


@dataclass
class Result:
    """Every figure of one size."""

    size: int
    rows: dict[str, int]
    load_seconds: float
    ms: dict[str, float] = field(default_factory=dict)  # median server time per page
    queries: dict[str, int] = field(default_factory=dict)
    export_bytes: int = 0
    export_peak: int = 0  # bytes
    floor_ms: float = 0.0
    floor_statements: list[dict] = field(default_factory=list)
    fixed_ms: float = 0.0  # logged-in no-op JSON page
    healthz_ms: float = 0.0
    healthz_cpu_ms: float = 0.0  # /healthz's CPU: the report pages are shown as a ratio to it (issue #13)
    in_process_ms: float = 0.0  # round_summary() called directly: its SQL plus building the queries
    outside_sql_ms: float = 0.0  # the part of that call not spent waiting for PostgreSQL
    load: tuple[float, float] = (0.0, 0.0)  # 1-minute load average before and after
    cpu_ms: dict[str, float] = field(default_factory=dict)  # median CPU time of this process per page
    wide: bool = False  # the 60-question questionnaire instead of 2020's
    report_ms: dict[str, float] = field(default_factory=dict)  # REPORT_PAGES: median server time
    report_cpu_ms: dict[str, float] = field(default_factory=dict)  # REPORT_PAGES: median CPU time
    report_queries: dict[str, int] = field(default_factory=dict)
    report_versions: tuple[int, int] = (0, 0)  # the saved report's version before and after the saves

    @property
    def json_ratio(self) -> float:
        return self.ms["summary.json"] / self.floor_ms

    @property
    def page_ratio(self) -> float:
        return self.ms["summary page"] / self.floor_ms

    @property
    def json_aim(self) -> bool:
        return self.ms["summary.json"] <= 3 * self.floor_ms + self.fixed_ms


def recreate_database(url: str) -> None:
    """Drop and create the benchmark database (connected to the server's `postgres` database)."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"Refusing to drop database {name!r}: the benchmark's database name must contain 'bench'.")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _fetch(client, url: str) -> int:
    """One request, the body read to the end (a streaming one chunk by chunk); the body's size."""
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


class Fetch:
    """A measured GET. cold: as the first request after a change to the round's data.

    `prepare()` (untimed, see `_timings`) then raises the round's data version as every service
    that changes a figure does (`summaries.summary.round_data_changed`), so the cached summary is
    not found and is computed again; the cached questionnaire (`rounds.questionnaire.definition_for`,
    keyed on the questionnaire's own version) stays, as it does after a report is saved. Before
    the questions became data the summary was the only thing cached, and this equals emptying
    the cache.
    """

    def __init__(self, client, url: str, round_slug: str = ""):
        self.client, self.url, self.round_slug = client, url, round_slug

    def prepare(self) -> None:
        if self.round_slug:
            from django.db.models import F

            from rounds.models import ReportingRound

            ReportingRound.objects.filter(slug=self.round_slug).update(data_version=F("data_version") + 1)

    def __call__(self) -> int:
        return _fetch(self.client, self.url)


def _queries(fn) -> int:
    """The SQL queries of one call (after its untimed `prepare`, if any)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if prepare := getattr(fn, "prepare", None):
        prepare()
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured)


def _timings(calls: dict[str, object], runs: int, warmups: int) -> tuple[dict[str, float], dict[str, float]]:
    """Median milliseconds per call, of the clock and of this process's CPU (time.process_time).

    The calls take turns, so a burst of load hits them all alike. A call with a `prepare` method
    (the report save) has it called first, outside the timed part.
    """
    def run(fn):
        if prepare := getattr(fn, "prepare", None):
            prepare()
        started, cpu_started = time.perf_counter(), time.process_time()
        fn()
        return (time.perf_counter() - started) * 1000, (time.process_time() - cpu_started) * 1000

    for _ in range(warmups):
        for fn in calls.values():
            run(fn)
    times = {name: [] for name in calls}
    cpu = {name: [] for name in calls}
    for _ in range(runs):
        for name, fn in calls.items():
            elapsed, cpu_elapsed = run(fn)
            times[name].append(elapsed)
            cpu[name].append(cpu_elapsed)
    return ({name: statistics.median(t) for name, t in times.items()},
            {name: statistics.median(t) for name, t in cpu.items()})


def _peak_memory(fn, repeat: int = 3) -> int:
    """The highest peak of Python allocations during fn (tracemalloc), over a few runs."""
    peaks = []
    for _ in range(repeat):
        tracemalloc.start()
        try:
            fn()
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    return max(peaks)


def _top_level(statement: str, pattern: str) -> re.Match | None:
    """The first match of pattern outside parentheses (not in a subquery or a FILTER clause)."""
    depth, depths = 0, []
    for char in statement:
        depth += (char == "(") - (char == ")")
        depths.append(depth)
    return next((m for m in re.finditer(pattern, statement) if depths[m.start()] == 0), None)


def _label(statement: str) -> str:
    """A short name for a captured statement: the table it reads, what it groups by, its EXISTS subqueries."""
    table = _top_level(statement, r'\bFROM "(\w+)"')
    group = _top_level(statement, r"\bGROUP BY (.*?)(?: ORDER BY| HAVING| LIMIT|$)")
    label = table.group(1) if table else statement[:40]
    if group:
        columns = [f"{t}.{c}" for t, c in re.findall(r'"(\w+)"\."(\w+)"', group.group(1))]
        positions = re.fullmatch(r"\s*\d+(?:\s*,\s*\d+)*\s*", group.group(1))
        if not columns and positions and table:  # GROUP BY 1, 2: the select list's aliases
            aliases = re.findall(r'AS "(\w+)"', statement[:table.start()])
            numbers = [int(n) for n in re.findall(r"\d+", group.group(1))]
            columns = [aliases[n - 1] if n <= len(aliases) else str(n) for n in numbers]
        label += " grouped by " + (", ".join(columns[:3]) if columns else group.group(1)[:40])
    if exists := statement.count("EXISTS("):
        label += f", {exists} EXISTS subqueries"
    return label


class SqlFloor:
    """The summary's own statements, run directly on a raw psycopg connection: the floor under the page.

    They are captured while `round_summary()` runs (with the round as the views get it, its themes
    prefetched) and sent as they are, client-side bound like Django sends them. Each call runs them
    all once and keeps the time of each.
    """

    def __init__(self, url: str, slug: str):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from rounds import selectors
        from rounds.questionnaire import definition_for
        from summaries import summary

        round = selectors.round_get(slug=slug)
        definition_for(round)  # the questionnaire is cached per version: not the summary's own statements
        with CaptureQueriesContext(connection) as captured:
            summary.round_summary(round)
        self.statements = [q["sql"] for q in captured.captured_queries]
        if any("%s" in s or "$1" in s for s in self.statements):
            raise RuntimeError("the captured SQL still has placeholders; it cannot be run as it is")
        self.times: list[list[float]] = [[] for _ in self.statements]
        self.connection = psycopg.connect(url, autocommit=True)

    def __call__(self) -> None:
        with self.connection.cursor() as cursor:
            for statement, times in zip(self.statements, self.times, strict=True):
                started = time.perf_counter()
                cursor.execute(statement)
                cursor.fetchall()
                times.append((time.perf_counter() - started) * 1000)

    def details(self, runs: int) -> list[dict]:
        """Per statement: the median of the last runs, and planning and execution time from EXPLAIN ANALYZE."""
        details = []
        with self.connection.cursor() as cursor:
            for statement, times in zip(self.statements, self.times, strict=True):
                cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}")  # noqa: S608 - Django's own SQL
                plan = cursor.fetchone()[0][0]
                details.append({"label": _label(statement), "ms": statistics.median(times[-runs:]),
                                "planning": plan.get("Planning Time", 0.0),
                                "execution": plan.get("Execution Time", 0.0), "jit": "JIT" in plan})
        return details

    def close(self) -> None:
        self.connection.close()


class InProcess:
    """`round_summary()` called directly, splitting each call into time waiting for SQL and the rest."""

    def __init__(self, slug: str):
        from rounds import selectors

        self.round = selectors.round_get(slug=slug)
        self.outside_sql: list[float] = []

    def __call__(self) -> None:
        from django.db import connection

        from summaries import summary

        waiting = []

        def timed(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                waiting.append(time.perf_counter() - started)

        with connection.execute_wrapper(timed):
            started = time.perf_counter()
            summary.round_summary(self.round)
            elapsed = time.perf_counter() - started
        self.outside_sql.append((elapsed - sum(waiting)) * 1000)


class _FormData(HTMLParser):
    """What a browser would send for the POST form whose action is `action`, as the page shows it.

    Inputs with their value (radio buttons and checkboxes only when checked), textareas with their
    text (the newline after the start tag dropped, as HTML does), selects with their selected
    options. Submit buttons are left out: the caller names the one it presses.
    """

    def __init__(self, action: str):
        super().__init__(convert_charrefs=True)
        self.action = action
        self.forms = 0  # forms found with that action
        self.buttons: list[str] = []  # names of the form's submit buttons
        self.data: dict[str, list[str]] = {}
        self._in_form = False
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None

    def _add(self, name: str | None, value: str) -> None:
        if name:
            self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._in_form = (a.get("method") or "get").lower() == "post" and a.get("action") == self.action
            self.forms += self._in_form
        elif not self._in_form:
            return
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                if kind == "submit" and a.get("name"):
                    self.buttons.append(a["name"])
            elif kind not in ("radio", "checkbox") or "checked" in a:
                self._add(a.get("name"), a.get("value") or ("on" if kind in ("radio", "checkbox") else ""))
        elif tag == "button" and (a.get("type") or "submit").lower() == "submit" and a.get("name"):
            self.buttons.append(a["name"])
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), []
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self._add(self._select, a.get("value") or "")

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            self._add(self._textarea, text[1:] if text.startswith("\n") else text)
            self._textarea = None
        elif tag == "select":
            self._select = None


def form_data(html: str, action: str) -> tuple[dict[str, list[str]], list[str]]:
    """The fields of the page's POST form to `action` as a browser would send them, and its submit buttons."""
    parser = _FormData(action)
    parser.feed(html)
    parser.close()
    if parser.forms != 1:
        raise RuntimeError(f"expected one POST form to {action} on the page, found {parser.forms}")
    return parser.data, parser.buttons


class ReportSave:
    """The coordinator saves the report as a draft: the form as the page shows it, POSTed with "save".

    `prepare()` (untimed) GETs the report page and reads its form, so the POST carries the
    report's current version (`loaded_version`) and every answer as it is: each save succeeds
    (302) and changes no answer, only the version and who saved when. Nothing here knows the
    form's field names: whatever the page's form holds is sent back.
    """

    def __init__(self, client, path: str):
        self.client, self.path = client, path
        self.data: dict[str, list[str]] | None = None

    def prepare(self) -> None:
        response = self.client.get(self.path)
        if response.status_code != 200:
            raise RuntimeError(f"{self.path} answered {response.status_code}")
        data, buttons = form_data(response.content.decode(), self.path)
        if "save" not in buttons:
            raise RuntimeError(f"the report form has no save button (buttons: {buttons})")
        self.data = {**data, "save": ["1"]}

    def __call__(self) -> None:
        if self.data is None:
            raise RuntimeError("ReportSave called without prepare()")
        data, self.data = self.data, None  # each version is saved once
        # As a browser sends this form (it has no enctype): URL-encoded, not the test client's default multipart.
        response = self.client.post(self.path, urlencode(data, doseq=True),
                                    content_type="application/x-www-form-urlencoded")
        if response.status_code != 302:
            errors = re.findall(r'class="[^"]*invalid-feedback[^"]*"[^>]*>(.*?)<', response.content.decode(), re.S)
            raise RuntimeError(f"the save answered {response.status_code}, not 302: {errors[:5]}")


def _report_snapshot(report_id: int) -> tuple:
    """The report's answer and note rows (not its version, nor who saved when)."""
    from rounds.models import Answer, Note

    return (list(Answer.objects.filter(report_id=report_id).order_by("question_id", "theme_id", "value")
                 .values_list("pk", "question_id", "theme_id", "kind", "value", "number")),
            list(Note.objects.filter(report_id=report_id).order_by("section_id", "theme_id")
                 .values_list("pk", "section_id", "theme_id", "text")))


def measure_report_save(result: Result, generated, runs: int, warmups: int) -> None:
    """The measured report made a draft again: its page with the form, and saving it as a draft.

    After every other measurement: each save changes the round's data version (the summary's
    cache) and the report's version. The saves must leave every answer as it was.
    """
    from django.urls import reverse

    from rounds.models import Report, ReportStatus

    client = _clients(generated)["coordinator"]
    path = reverse("rounds:report", kwargs={"round_slug": generated.round_slug, "code": generated.platform_code})
    report = Report.objects.get(round__slug=generated.round_slug, platform__code=generated.platform_code)
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.DRAFT, submitted_at=None, submitted_by=None)
    before = _report_snapshot(report.pk)
    save = ReportSave(client, path)
    # The save first: the draft page after it is the page it redirects to (with its "saved" message).
    calls = {"report save": save, "report page (draft)": lambda: _fetch(client, path)}
    ms, cpu = _timings(calls, runs, warmups)
    result.report_ms.update(ms)
    result.report_cpu_ms.update(cpu)
    result.report_queries["report save"] = _queries(save)
    result.report_queries["report page (draft)"] = _queries(calls["report page (draft)"])
    after_version = Report.objects.values_list("version", flat=True).get(pk=report.pk)
    result.report_versions = (report.version, after_version)
    if after_version != report.version + runs + warmups + 1:
        raise RuntimeError(f"{runs + warmups + 1} saves took the version from {report.version} to {after_version}")
    if _report_snapshot(report.pk) != before:
        raise RuntimeError("saving the form as the page showed it changed the report's answers")


def _urls(generated) -> dict[str, tuple[str, str]]:
    """Per measured request: which client ("ministry", "coordinator", "anonymous") and the URL."""
    from django.urls import reverse

    round = {"round_slug": generated.round_slug}
    return {
        "summary page": ("ministry", reverse("rounds:summary", kwargs=round)),
        "summary.json": ("ministry", reverse("rounds:summary_json", kwargs=round)),
        "summary.json cached": ("ministry", reverse("rounds:summary_json", kwargs=round)),
        "export.csv": ("ministry", reverse("rounds:export_csv", kwargs=round)),
        "report page": ("coordinator", reverse("rounds:report", kwargs={**round, "code": generated.platform_code})),
        "fixed": ("ministry", reverse("bench_noop")),
        "healthz": ("anonymous", reverse("healthz")),
    }


def _clients(generated) -> dict:
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.second_factor import HAS_DEVICE_KEY

    clients = {"ministry": Client(), "coordinator": Client(), "anonymous": Client()}
    clients["ministry"].force_login(generated.ministry)
    # Ministry staff pass a second factor (issue #15): the session is marked as having passed it with a
    # confirmed authenticator app, as django_otp.login does after a code, so that every request also pays
    # for django-otp's check that the device is still there.
    device, _created = TOTPDevice.objects.get_or_create(user=generated.ministry, name="bench",
                                                        defaults={"confirmed": True})
    session = clients["ministry"].session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[HAS_DEVICE_KEY] = True
    session.save()
    clients["coordinator"].force_login(generated.coordinator)
    return clients


def measure(url: str, size: int, runs: int, warmups: int, *, wide: bool = False) -> Result:
    """Every figure at this size; wide: for a round with the 60-question questionnaire."""
    from . import data

    load_before = os.getloadavg()[0]
    generated = data.generate(size, wide=wide)
    result = Result(size=size, rows=generated.rows, load_seconds=generated.seconds, wide=wide)
    clients = _clients(generated)
    calls = {name: Fetch(clients[who], path, generated.round_slug if name in COLD else "")
             for name, (who, path) in _urls(generated).items()}
    floor, in_process = SqlFloor(url, generated.round_slug), InProcess(generated.round_slug)
    try:
        times, cpu = _timings({**calls, "floor": floor, "in process": in_process}, runs, warmups)
        result.floor_statements = floor.details(runs)
    finally:
        floor.close()
    result.ms = {name: times[name] for name in PAGES}
    result.cpu_ms = {name: cpu[name] for name in PAGES}
    result.fixed_ms, result.healthz_ms = times["fixed"], times["healthz"]
    result.healthz_cpu_ms = cpu["healthz"]
    result.floor_ms, result.in_process_ms = times["floor"], times["in process"]
    result.outside_sql_ms = statistics.median(in_process.outside_sql[-runs:])
    result.queries = {name: _queries(calls[name]) for name in PAGES}
    result.export_bytes = calls["export.csv"]()
    result.export_peak = _peak_memory(calls["export.csv"], repeat=1 if wide else 3)
    result.report_ms["report page"] = result.ms["report page"]
    result.report_cpu_ms["report page"] = result.cpu_ms["report page"]
    result.report_queries["report page"] = result.queries["report page"]
    measure_report_save(result, generated, runs, warmups)
    result.load = (load_before, os.getloadavg()[0])
    return result


def measure_export_only(size: int) -> Result:
    """At a size beyond the table's: only the export's peak memory and queries (is the plateau a plateau?)."""
    from . import data

    load_before = os.getloadavg()[0]
    generated = data.generate(size)
    result = Result(size=size, rows=generated.rows, load_seconds=generated.seconds)
    client, path = _clients(generated)["ministry"], _urls(generated)["export.csv"][1]
    result.export_bytes = _fetch(client, path)  # also the warm-up
    started = time.perf_counter()
    _fetch(client, path)
    result.ms = {"export.csv": (time.perf_counter() - started) * 1000}
    result.queries = {"export.csv": _queries(lambda: _fetch(client, path))}
    result.export_peak = _peak_memory(lambda: _fetch(client, path), repeat=2)
    result.load = (load_before, os.getloadavg()[0])
    return result


def machine(url: str) -> dict[str, str]:
    import django

    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        cpu = found.group(1).strip() if found else cpu
    memory = "unknown"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        found = re.search(r"^MemTotal:\s+(\d+) kB", meminfo.read_text(), re.MULTILINE)
        memory = f"{int(found.group(1)) / 1024 / 1024:.1f} GiB" if found else memory
    with psycopg.connect(url) as conn:
        version = conn.execute("SELECT version()").fetchone()[0]
        settings = {name: conn.execute(sql.SQL("SHOW {}").format(sql.Identifier(name))).fetchone()[0]
                    for name in ("shared_buffers", "work_mem", "jit")}
    return {
        "date": datetime.datetime.now(tz=datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "platform": platform.platform(),
        "CPU": f"{cpu}, {os.cpu_count()} cores",
        "memory": memory,
        "PostgreSQL": f"{version} (over TCP to {urlsplit(url).hostname}; shared_buffers {settings['shared_buffers']}, "
                      f"work_mem {settings['work_mem']}, jit {settings['jit']})",
        "Python": platform.python_version(),
        "Django": django.get_version(),
        "psycopg": psycopg.__version__,
    }


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.2f} MB"


def _constant(results: list[Result], page: str) -> str:
    counts = [r.queries[page] for r in results]
    return f"constant ({counts[0]})" if len(set(counts)) == 1 else "GROWS: " + " → ".join(map(str, counts))


def _load(results: list[Result]) -> str:
    return ", ".join(f"{r.size:,}: {r.load[0]:.2f} → {r.load[1]:.2f}" for r in results)


def _results_table(results: list[Result]) -> list[str]:
    lines = ["| platforms | summary page | summary.json | export.csv | report page | summary.json cached "
             "| export peak memory | SQL floor | fixed cost | json ÷ floor | page ÷ floor | json ≤ 3 × floor + fixed |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|"]
    for r in results:
        cells = [f"{r.ms[p]:.1f} ms · {r.queries[p]} q" for p in PAGES]
        lines.append(
            f"| {r.size:,} | {' | '.join(cells)} | {_mb(r.export_peak)} | {r.floor_ms:.2f} ms · "
            f"{len(r.floor_statements)} stmts | {r.fixed_ms:.1f} ms | {r.json_ratio:.1f}× | {r.page_ratio:.1f}× | "
            f"{'yes' if r.json_aim else 'no'} ({r.ms['summary.json']:.1f} vs {3 * r.floor_ms + r.fixed_ms:.1f}) |")
    return lines


def _cpu_table(results: list[Result]) -> list[str]:
    lines = ["| platforms | " + " | ".join(PAGES) + " |", "|---:|" + "---:|" * len(PAGES)]
    lines += [f"| {r.size:,} | " + " | ".join(f"{r.cpu_ms[p]:.1f} ms" for p in PAGES) + " |" for r in results]
    return lines


def _data_table(results: list[Result]) -> list[str]:
    lines = ["| platforms | questions (per report, each theme counted) | reports | answer rows | note rows "
             "| initiatives | data load | /healthz | `round_summary()` in process | of which outside SQL |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    lines += [f"| {r.size:,} | {r.rows['questions']} ({r.rows['slots']}) | {r.rows['reports']:,} | "
              f"{r.rows['answers']:,} | {r.rows['notes']:,} | {r.rows['initiatives']:,} | {r.load_seconds:.1f} s | "
              f"{r.healthz_ms:.2f} ms | {r.in_process_ms:.1f} ms | {r.outside_sql_ms:.1f} ms |" for r in results]
    return lines


def _report_table(results: list[Result]) -> list[str]:
    # "of /healthz": /healthz's CPU over the page's, the share of /healthz's requests per second the page can
    # reach on a CPU-bound server (issue #13 asks at least 10 % for the page and a save in `make loadtest`).
    lines = ["| platforms | " + " | ".join(REPORT_PAGES) + " | report version before → after the saves |",
             "|---:|" + "---:|" * len(REPORT_PAGES) + "---:|"]
    for r in results:
        cells = [f"{r.report_ms[p]:.1f} ms · CPU {r.report_cpu_ms[p]:.1f} ms · {r.report_queries[p]} q"
                 + (f" · {r.healthz_cpu_ms / r.report_cpu_ms[p]:.0%} of /healthz" if r.report_cpu_ms[p] else "")
                 for p in REPORT_PAGES]
        lines.append(f"| {r.size:,} | {' | '.join(cells)} | {r.report_versions[0]} → {r.report_versions[1]} |")
    return lines


def _statements_table(r: Result) -> list[str]:
    lines = ["| # | statement | ms | planning | execution | JIT |", "|---:|---|---:|---:|---:|:---:|"]
    for i, s in enumerate(r.floor_statements, start=1):
        lines.append(f"| {i} | `{s['label']}` | {s['ms']:.2f} | {s['planning']:.2f} | {s['execution']:.2f} | "
                     f"{'yes' if s['jit'] else ''} |")
    return lines


def _json_aim(r: Result) -> str:
    return (f"{r.ms['summary.json']:.1f} ms against 3 × floor + fixed = 3 × {r.floor_ms:.2f} + {r.fixed_ms:.1f} = "
            f"{3 * r.floor_ms + r.fixed_ms:.1f} ms: {'within' if r.json_aim else 'NOT within'}")


def markdown(results: list[Result], extra: list[Result], info: dict[str, str], runs: int, warmups: int,
             wide: list[Result] | None = None, wide_runs: int = 3) -> str:
    """The machine, the table, the details and the aims, in Markdown."""
    wide = wide or []
    lines = ["### Machine", "", "| | |", "|---|---|", *[f"| {k} | {v} |" for k, v in info.items()],
             f"| runs | median of {runs} runs after {warmups} warm-ups; the requests take turns |",
             f"| load average (1 min), before → after each size | {_load(results + wide + extra)} |", "",
             "### Results", "",
             "The 2020 questionnaire. Median server time; `q` is the number of SQL queries of one request. The "
             "summary page and summary.json are measured as the first request after a change to the round's data "
             "(its data version raised, so the cached summary is not found), *summary.json cached* as every other "
             "request. The floor is the summary's own statements run directly on PostgreSQL; the fixed cost a "
             "logged-in no-op JSON request.", "",
             *_results_table(results), "",
             "CPU time of this process per request (`time.process_time`, median; PostgreSQL's is not in it):", "",
             *_cpu_table(results), "",
             *_data_table(results), "",
             "A coordinator's report (the same platform; CPU is this process's `time.process_time`, "
             "not PostgreSQL's): its page as submitted (read-only, in the table above), then, made a draft, "
             "its page with the form and saving the form as a draft (POST, 302):", "",
             *_report_table(results)]
    exports = results + extra
    lines += ["", "The CSV export" + (f" (at {', '.join(f'{r.size:,}' for r in extra)} platforms the export "
                                      "alone, one timed run)" if extra else "") + ":", "",
              "| platforms | time | queries | file | peak of Python allocations |", "|---:|---:|---:|---:|---:|"]
    lines += [f"| {r.size:,} | {r.ms['export.csv']:.0f} ms | {r.queries['export.csv']} | {_mb(r.export_bytes)} | "
              f"{_mb(r.export_peak)} |" for r in exports]
    largest = results[-1]
    lines += ["", f"The summary's statements at {largest.size:,} platforms (client time on a raw psycopg "
              "connection, median; planning and execution from one `EXPLAIN ANALYZE`):", "",
              *_statements_table(largest)]
    for r in wide:
        lines += ["", f"### The 60-question questionnaire at {r.size:,} platforms", "",
                  "The same measurements for a round with the questionnaire of `benchmarks/wide.py`: 60 questions "
                  "of every kind, 13 under a condition, 3 with an answer that follows, and a section of 10 "
                  f"asked per theme. Median of {wide_runs} runs after one warm-up.", "",
                  *_results_table([r]), "", *_cpu_table([r]), "", *_data_table([r]), "", *_report_table([r]), "",
                  "Its summary's statements:", "", *_statements_table(r)]
    lines += ["", "### Aims", ""]
    lines += [f"- queries of the {page}: {_constant(exports if page == 'export.csv' else results, page)}"
              for page in PAGES]
    for page in REPORT_PAGES[1:]:
        counts = [r.report_queries[page] for r in results]
        lines.append(f"- queries of the {page}: " + (f"constant ({counts[0]})" if len(set(counts)) == 1
                                                      else "GROWS: " + " → ".join(map(str, counts))))
    if len(exports) > 1:
        a, b = exports[-2], exports[-1]
        per_row = (b.export_peak - a.export_peak) / max(b.rows["reports"] - a.rows["reports"], 1)
        lines.append(f"- export memory: {' → '.join(_mb(r.export_peak) for r in exports)}; from {a.size:,} to "
                     f"{b.size:,} platforms {per_row:+.0f} bytes per extra report: "
                     f"{'flat' if b.export_peak <= 1.25 * a.export_peak else 'NOT flat'}")
    lines += [f"- summary.json at {r.size:,} platforms: {_json_aim(r)}" for r in results]
    lines += [f"- summary.json at {r.size:,} platforms, 60 questions: {_json_aim(r)}" for r in wide]
    return "\n".join(lines) + "\n"


def write_doc(block: str, path: Path) -> None:
    """Put the block between the markers of the document (made when missing), keeping the rest."""
    generated = f"{BEGIN}\n{block}{END}"
    text = path.read_text() if path.exists() else "# Performance\n\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + generated + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + generated + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="70,700,7000", help="numbers of platforms, comma-separated")
    parser.add_argument("--runs", type=int, default=9, help="timed runs per page (the median is reported)")
    parser.add_argument("--warmups", type=int, default=2, help="untimed runs first")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL),
                        help="PostgreSQL database to drop and fill (its name must contain 'bench')")
    parser.add_argument("--doc", type=Path, default=DOC, help="Markdown file whose bench block is replaced")
    parser.add_argument("--no-doc", action="store_true", help="print only, leave the document alone")
    parser.add_argument("--export-size", type=int, default=21000,
                        help="one larger size at which only the export is measured, to see its memory level off "
                             "(0: none)")
    parser.add_argument("--wide-size", type=int, default=7000,
                        help="platforms at which a round with the 60-question questionnaire (benchmarks/wide.py) is "
                             "measured too (0: none)")
    parser.add_argument("--wide-runs", type=int, default=3,
                        help="timed runs per page for the 60-question questionnaire (one warm-up)")
    parser.add_argument("--json", type=Path, help="also write the raw figures to this file")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())

    recreate_database(args.database_url)
    # The test settings (fast password hashing, no lockouts) on the benchmark's own database,
    # whatever the caller's environment says.
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "lopportal.settings.test"
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import override_settings

    call_command("migrate", verbosity=0, interactive=False)
    results, wide = [], []
    with override_settings(ROOT_URLCONF="benchmarks.urls"):
        plan = [(size, False) for size in sizes] + ([(args.wide_size, True)] if args.wide_size > 0 else [])
        for size, is_wide in plan:
            print(f"{size:,} platforms{', 60 questions' if is_wide else ''} …", file=sys.stderr, flush=True)
            r = (measure(args.database_url, size, args.wide_runs, 1, wide=True) if is_wide
                 else measure(args.database_url, size, args.runs, args.warmups))
            (wide if is_wide else results).append(r)
            print("  " + ", ".join(f"{p} {r.ms[p]:.1f} ms/{r.queries[p]} q" for p in PAGES)
                  + f", floor {r.floor_ms:.2f} ms, fixed {r.fixed_ms:.1f} ms, export peak {_mb(r.export_peak)}",
                  file=sys.stderr, flush=True)
            print("  " + ", ".join(f"{p} {r.report_ms[p]:.1f} ms/CPU {r.report_cpu_ms[p]:.1f} ms/"
                                   f"{r.report_queries[p]} q" for p in REPORT_PAGES), file=sys.stderr, flush=True)
        extra = []
        if args.export_size > sizes[-1]:
            print(f"{args.export_size:,} platforms, the export only …", file=sys.stderr, flush=True)
            extra.append(measure_export_only(args.export_size))
            print(f"  export.csv {extra[0].ms['export.csv']:.0f} ms/{extra[0].queries['export.csv']} q, "
                  f"export peak {_mb(extra[0].export_peak)}", file=sys.stderr, flush=True)
    block = markdown(results, extra, machine(args.database_url), args.runs, args.warmups, wide, args.wide_runs)
    print(block)
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for r in results + wide + extra], indent=2, default=str))
    if not args.no_doc:
        write_doc(block, args.doc)
        print(f"Written to {args.doc}", file=sys.stderr)


if __name__ == "__main__":
    main()
