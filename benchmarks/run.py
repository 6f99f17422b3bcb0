"""`make bench`: server time, SQL queries and export memory of the ministry's pages at 70, 700 and 7,000 platforms.

    python -m benchmarks.run [--sizes 70,700,7000] [--runs 9] [--warmups 2] [--export-size 21000] [--no-doc]

Runs on a PostgreSQL database of its own (`BENCH_DATABASE_URL`, by default
postgres://postgres@127.0.0.1:5432/lopportal_bench), which it drops and creates again: never the
development or test database (the name must contain "bench"). Per size it generates the data
(benchmarks/data.py), then measures in-process with Django's test client:

- the median server time of the summary page, summary.json, the CSV export (streamed to the end)
  and a coordinator's report page, and the number of SQL queries of each (a separate run);
- the peak of Python allocations while the CSV export streams (tracemalloc);
- the SQL floor: the statements of `initiatives.summary.round_summary`, captured and run on a
  raw psycopg connection (median of their sum), and summary.json and the page divided by it;
- Django's fixed cost: a logged-in no-op JSON page (benchmarks/urls.py), and /healthz;
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
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/lopportal_bench"
DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- bench:begin (written by `make bench`) -->", "<!-- bench:end -->"
PAGES = ["summary page", "summary.json", "export.csv", "report page", "summary.json cached"]
# The summary is cached per round and data version (initiatives.summary): these two are measured
# with an empty cache, as the first request after a change to the round's data; "summary.json
# cached" is every other request.
COLD = {"summary page", "summary.json"}


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
    in_process_ms: float = 0.0  # round_summary() called directly: its SQL plus building the queries
    outside_sql_ms: float = 0.0  # the part of that call not spent waiting for PostgreSQL
    load: tuple[float, float] = (0.0, 0.0)  # 1-minute load average before and after

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


def _fetch(client, url: str, cold: bool = False) -> int:
    """One request, the body read to the end (a streaming one chunk by chunk); the body's size.

    cold: with an empty cache (clearing the in-process cache takes microseconds).
    """
    if cold:
        from django.core.cache import cache

        cache.clear()
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def _queries(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured)


def _medians(calls: dict[str, object], runs: int, warmups: int) -> dict[str, float]:
    """Median milliseconds per call; the calls take turns, so a burst of load hits them all alike."""
    for _ in range(warmups):
        for fn in calls.values():
            fn()
    times = {name: [] for name in calls}
    for _ in range(runs):
        for name, fn in calls.items():
            started = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - started) * 1000)
    return {name: statistics.median(t) for name, t in times.items()}


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
    """A short name for a captured statement: the table it reads and what it groups by."""
    table = _top_level(statement, r'\bFROM "(\w+)"')
    group = _top_level(statement, r"\bGROUP BY (.*?)(?: ORDER BY| HAVING| LIMIT|$)")
    label = table.group(1) if table else statement[:40]
    if group:
        columns = [f"{t}.{c}" for t, c in re.findall(r'"(\w+)"\."(\w+)"', group.group(1))]
        label += " grouped by " + (", ".join(columns[:3]) if columns else group.group(1)[:40])
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
        from summaries import summary

        round = selectors.round_get(slug=slug)
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

    clients = {"ministry": Client(), "coordinator": Client(), "anonymous": Client()}
    clients["ministry"].force_login(generated.ministry)
    clients["coordinator"].force_login(generated.coordinator)
    return clients


def measure(url: str, size: int, runs: int, warmups: int) -> Result:
    from . import data

    load_before = os.getloadavg()[0]
    generated = data.generate(size)
    result = Result(size=size, rows=generated.rows, load_seconds=generated.seconds)
    clients = _clients(generated)
    calls = {name: (lambda c=clients[who], u=path, cold=name in COLD: _fetch(c, u, cold=cold))
             for name, (who, path) in _urls(generated).items()}
    floor, in_process = SqlFloor(url, generated.round_slug), InProcess(generated.round_slug)
    try:
        times = _medians({**calls, "floor": floor, "in process": in_process}, runs, warmups)
        result.floor_statements = floor.details(runs)
    finally:
        floor.close()
    result.ms = {name: times[name] for name in PAGES}
    result.fixed_ms, result.healthz_ms = times["fixed"], times["healthz"]
    result.floor_ms, result.in_process_ms = times["floor"], times["in process"]
    result.outside_sql_ms = statistics.median(in_process.outside_sql[-runs:])
    result.queries = {name: _queries(calls[name]) for name in PAGES}
    result.export_bytes = calls["export.csv"]()
    result.export_peak = _peak_memory(calls["export.csv"])
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


def markdown(results: list[Result], extra: list[Result], info: dict[str, str], runs: int, warmups: int) -> str:
    """The machine, the table, the details and the aims, in Markdown."""
    lines = ["### Machine", "", "| | |", "|---|---|", *[f"| {k} | {v} |" for k, v in info.items()],
             f"| runs | median of {runs} runs after {warmups} warm-ups; the requests take turns |",
             f"| load average (1 min), before → after each size | {_load(results + extra)} |", "",
             "### Results", "",
             "Median server time; `q` is the number of SQL queries of one request. The summary page and "
             "summary.json are measured with an empty cache (the first request after a change to the round's "
             "data), *summary.json cached* as every other request. The floor is the summary's own statements run "
             "directly on PostgreSQL; the fixed cost a logged-in no-op JSON request.", "",
             "| platforms | summary page | summary.json | export.csv | report page | summary.json cached "
             "| export peak memory | SQL floor | fixed cost | json ÷ floor | page ÷ floor | json ≤ 3 × floor + fixed |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|"]
    for r in results:
        cells = [f"{r.ms[p]:.1f} ms · {r.queries[p]} q" for p in PAGES]
        lines.append(
            f"| {r.size:,} | {' | '.join(cells)} | {_mb(r.export_peak)} | {r.floor_ms:.2f} ms · "
            f"{len(r.floor_statements)} stmts | {r.fixed_ms:.1f} ms | {r.json_ratio:.1f}× | {r.page_ratio:.1f}× | "
            f"{'yes' if r.json_aim else 'no'} ({r.ms['summary.json']:.1f} vs {3 * r.floor_ms + r.fixed_ms:.1f}) |")
    lines += ["", "| platforms | reports | theme answers | initiatives | data load | /healthz "
              "| `round_summary()` in process | of which outside SQL |",
              "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r.size:,} | {r.rows['reports']:,} | {r.rows['theme answers']:,} | "
                     f"{r.rows['initiatives']:,} | {r.load_seconds:.1f} s | {r.healthz_ms:.2f} ms | "
                     f"{r.in_process_ms:.1f} ms | {r.outside_sql_ms:.1f} ms |")
    exports = results + extra
    lines += ["", "The CSV export" + (f" (at {', '.join(f'{r.size:,}' for r in extra)} platforms the export "
                                      "alone, one timed run)" if extra else "") + ":", "",
              "| platforms | time | queries | file | peak of Python allocations |", "|---:|---:|---:|---:|---:|"]
    lines += [f"| {r.size:,} | {r.ms['export.csv']:.0f} ms | {r.queries['export.csv']} | {_mb(r.export_bytes)} | "
              f"{_mb(r.export_peak)} |" for r in exports]
    largest = results[-1]
    lines += ["", f"The summary's statements at {largest.size:,} platforms (client time on a raw psycopg "
              "connection, median; planning and execution from one `EXPLAIN ANALYZE`):", "",
              "| # | statement | ms | planning | execution | JIT |", "|---:|---|---:|---:|---:|:---:|"]
    for i, s in enumerate(largest.floor_statements, start=1):
        lines.append(f"| {i} | `{s['label']}` | {s['ms']:.2f} | {s['planning']:.2f} | {s['execution']:.2f} | "
                     f"{'yes' if s['jit'] else ''} |")
    lines += ["", "### Aims", ""]
    lines += [f"- queries of the {page}: {_constant(exports if page == 'export.csv' else results, page)}"
              for page in PAGES]
    if len(exports) > 1:
        a, b = exports[-2], exports[-1]
        per_row = (b.export_peak - a.export_peak) / max(b.rows["reports"] - a.rows["reports"], 1)
        lines.append(f"- export memory: {' → '.join(_mb(r.export_peak) for r in exports)}; from {a.size:,} to "
                     f"{b.size:,} platforms {per_row:+.0f} bytes per extra report: "
                     f"{'flat' if b.export_peak <= 1.25 * a.export_peak else 'NOT flat'}")
    lines += [f"- summary.json at {r.size:,} platforms: {r.ms['summary.json']:.1f} ms against 3 × floor + fixed "
              f"= 3 × {r.floor_ms:.2f} + {r.fixed_ms:.1f} = {3 * r.floor_ms + r.fixed_ms:.1f} ms: "
              f"{'within' if r.json_aim else 'NOT within'}" for r in results]
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
    results = []
    with override_settings(ROOT_URLCONF="benchmarks.urls"):
        for size in sizes:
            print(f"{size:,} platforms …", file=sys.stderr, flush=True)
            results.append(measure(args.database_url, size, args.runs, args.warmups))
            r = results[-1]
            print("  " + ", ".join(f"{p} {r.ms[p]:.1f} ms/{r.queries[p]} q" for p in PAGES)
                  + f", floor {r.floor_ms:.2f} ms, fixed {r.fixed_ms:.1f} ms, export peak {_mb(r.export_peak)}",
                  file=sys.stderr, flush=True)
        extra = []
        if args.export_size > sizes[-1]:
            print(f"{args.export_size:,} platforms, the export only …", file=sys.stderr, flush=True)
            extra.append(measure_export_only(args.export_size))
            print(f"  export.csv {extra[0].ms['export.csv']:.0f} ms/{extra[0].queries['export.csv']} q, "
                  f"export peak {_mb(extra[0].export_peak)}", file=sys.stderr, flush=True)
    block = markdown(results, extra, machine(args.database_url), args.runs, args.warmups)
    print(block)
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for r in results + extra], indent=2, default=str))
    if not args.no_doc:
        write_doc(block, args.doc)
        print(f"Written to {args.doc}", file=sys.stderr)


if __name__ == "__main__":
    main()
