"""Faults against a real PostgreSQL server of the tests' own, with the app under gunicorn.

- With the database stopped, every page answers a friendly 503 (and /healthz 503); when it comes
  back the same processes serve again within seconds, without a restart.
- A save whose database connection dies halfway keeps nothing, and the coordinator is told so.
- 20 coordinators saving different reports at the same moment: all saved; two saving the same
  report: exactly one wins, the other sees the conflict.
- A backup made with pg_dump restores into an empty database with an identical summary.
"""

import os
import subprocess
import threading
import time

import pytest

from .servers import AppServer, Browser, PostgresServer, _pg_bin, app_env, loaded_version, manage, totp_device_script

pytestmark = pytest.mark.faults

DRAFT = {"registration_procedure_used": "true", "newcomers": "unchanged", "registrations_note": "Opgeslagen",
         "save": ""}
EXPERTS = 20


@pytest.fixture(scope="module")
def database():
    server = PostgresServer().init().start()
    server.psql("CREATE DATABASE lop", db="postgres")
    env = app_env(server.url())
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    # loaddemo refuses production settings: load the demo with the test settings on this database.
    demo_env = {**env, "DJANGO_SETTINGS_MODULE": "lopportal.settings.local", "DJANGO_DEBUG": "false"}
    manage(demo_env, "loaddemo")
    # Let the LOP experts of the demo (accounts without a password) log in for the concurrency test.
    manage(demo_env, "shell", "-c",
           "from accounts.models import User\n"
           "for u in User.objects.filter(username__contains='.'):\n"
           "    u.set_password('demo-lop-2020'); u.save()\n")
    manage(demo_env, "shell", "-c", totp_device_script())
    yield server, env
    server.remove()


@pytest.fixture(scope="module")
def app(database):
    server, env = database
    app = AppServer(env)
    yield app
    app.stop()


def _wait_for(predicate, seconds: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if predicate():
            return time.monotonic() - start
        time.sleep(0.25)
    raise AssertionError(f"not within {seconds} s")


def test_outage_gives_friendly_503_and_the_app_recovers_without_restart(database, app):
    server, _env = database
    ministry = Browser(app.port).log_in("ministerie", "demo-lop-2020")
    coordinator = Browser(app.port).log_in("coordinator", "demo-lop-2020")
    report = "/rounds/open-demo/platforms/antwerpen-bao/report/"
    page = coordinator.get(report)
    assert page.status == 200
    version = loaded_version(page.text)
    csrf = coordinator.csrf(report)

    server.stop()
    try:
        assert Browser(app.port).get("/healthz").status == 503
        visitor = Browser(app.port)
        visitor.get("/accounts/login/")  # the login form itself needs no database
        attempts = [(ministry.get, "/rounds/corona-2020/summary/"), (ministry.get, "/"), (coordinator.get, report),
                    (ministry.get, "/rounds/corona-2020/export.csv"), (ministry.get, "/platforms/")]
        responses = [(path, get(path)) for get, path in attempts]
        responses.append(("login", visitor.post("/accounts/login/", {"username": "ministerie",
                                                                      "password": "demo-lop-2020"})))
        for path, response in responses:
            assert response.status == 503, path
            assert "Tijdelijk niet beschikbaar" in response.text
            assert "Traceback" not in response.text and "OperationalError" not in response.text
        # A save during the outage: refused as a whole, and the coordinator is told so.
        response = coordinator.request("POST", report, {**DRAFT, "loaded_version": version,
                                                        "csrfmiddlewaretoken": csrf})
        assert response.status == 503
        assert "Uw laatste wijziging is niet opgeslagen" in response.text
    finally:
        server.start()

    recovered = _wait_for(lambda: Browser(app.port).get("/healthz").status == 200, seconds=15)
    assert recovered < 15
    # The same gunicorn processes, and the same sessions, serve again.
    assert ministry.get("/rounds/corona-2020/summary/").status == 200
    assert coordinator.get(report).status == 200
    assert server.psql("SELECT count(*) FROM initiatives_report r JOIN platforms_platform p ON p.id = r.platform_id "
                       "JOIN initiatives_reportinground o ON o.id = r.round_id "
                       "WHERE p.code = 'antwerpen-bao' AND o.slug = 'open-demo'") == "0"  # nothing half-saved


def test_a_save_cut_off_halfway_keeps_nothing_and_the_coordinator_is_told(database, app):
    """The database connection dies in the middle of a save's transaction: all of it is rolled back.

    A psql session holds the round's row, so the save updates the report and its theme answers and
    then waits for that row (the summary's data version); the test then ends the save's database
    connection, as a crash of PostgreSQL or of the network would.
    """
    server, _env = database
    coordinator = Browser(app.port).log_in("coordinator", "demo-lop-2020")
    path = "/rounds/open-demo/platforms/antwerpen-bao/report/"

    def save(note: str):
        page = coordinator.get(path)
        form = {**DRAFT, "registrations_note": note, "loaded_version": loaded_version(page.text),
                "csrfmiddlewaretoken": coordinator.csrf(path)}
        return coordinator.request("POST", path, form)

    assert save("Eerste versie").status == 302
    report = ("FROM initiatives_report r JOIN platforms_platform p ON p.id = r.platform_id "
              "JOIN initiatives_reportinground o ON o.id = r.round_id "
              "WHERE p.code = 'antwerpen-bao' AND o.slug = 'open-demo'")
    version_before = server.psql(f"SELECT r.version {report}")  # noqa: S608 - constant SQL
    locker = subprocess.Popen(  # noqa: S603
        [_pg_bin("psql"), "-h", "127.0.0.1", "-p", str(server.port), "-U", "postgres", "-d", "lop", "-c",
         "BEGIN; SELECT 1 FROM initiatives_reportinground WHERE slug = 'open-demo' FOR UPDATE; "
         "SELECT pg_sleep(120); COMMIT;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "PGAPPNAME": "lop-locker"})
    waiting = "SELECT pid FROM pg_stat_activity WHERE datname = 'lop' AND wait_event_type = 'Lock'"
    try:
        _wait_for(lambda: server.psql("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                                      "WHERE c.relname = 'initiatives_reportinground' AND l.mode = 'RowShareLock' "
                                      "AND l.granted") != "0", seconds=15)
        result = {}
        saver = threading.Thread(target=lambda: result.update(response=save("Tweede versie")))
        saver.start()
        _wait_for(lambda: server.psql(waiting) != "", seconds=15)  # the save waits for the round's row
        server.psql(f"SELECT pg_terminate_backend(pid) FROM ({waiting}) AS w")  # noqa: S608 - constant SQL
        saver.join(timeout=60)
    finally:  # end the psql session and its transaction (killing psql alone leaves the server sleeping)
        server.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'lop-locker'")
        locker.wait(timeout=10)
    response = result["response"]
    assert response.status == 503
    assert "Uw laatste wijziging is niet opgeslagen" in response.text
    assert server.psql(f"SELECT {NOTE} || ' ' || r.version {report}") == (  # noqa: S608
        f"Eerste versie {version_before}")
    # Nothing of it was kept, so saving the same form again is no conflict, and it is saved.
    assert save("Tweede versie").status == 302
    assert server.psql(f"SELECT {NOTE} {report}") == "Tweede versie"  # noqa: S608


# A report's note on registrations and its answer on newcomers, now rows of their own (rounds.models.Note, Answer).
NOTE = ("(SELECT n.text FROM rounds_note n JOIN rounds_section s ON s.id = n.section_id "
        "WHERE n.report_id = r.id AND s.note_key = 'registrations_note')")
NEWCOMERS = ("(SELECT a.value FROM rounds_answer a JOIN rounds_question q ON q.id = a.question_id "
             "WHERE a.report_id = r.id AND q.key = 'newcomers')")


def _experts_and_reports(server: PostgresServer) -> list[tuple[str, str]]:
    rows = server.psql(
        "SELECT DISTINCT ON (u.id) u.username, p.code FROM accounts_user u "
        "JOIN platforms_platform_coordinators c ON c.user_id = u.id "
        "JOIN platforms_platform p ON p.id = c.platform_id "
        "WHERE u.username LIKE '%.%' ORDER BY u.id, p.code")
    return [tuple(line.split("|")) for line in rows.splitlines()][:EXPERTS]


def test_twenty_coordinators_save_at_once_and_all_are_saved(database, app):
    server, _env = database
    pairs = _experts_and_reports(server)
    assert len(pairs) == EXPERTS
    sessions = []
    for username, code in pairs:
        browser = Browser(app.port).log_in(username, "demo-lop-2020")
        path = f"/rounds/open-demo/platforms/{code}/report/"
        page = browser.get(path)
        sessions.append((browser, path, loaded_version(page.text), browser.csrf(path)))
    barrier = threading.Barrier(EXPERTS)
    statuses = {}

    def save(index, browser, path, version, csrf):
        barrier.wait()
        response = browser.request("POST", path, {**DRAFT, "loaded_version": version, "csrfmiddlewaretoken": csrf})
        statuses[index] = response.status

    threads = [threading.Thread(target=save, args=(i, *s)) for i, s in enumerate(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(statuses.values()) == [302] * EXPERTS
    where = f"WHERE o.slug = 'open-demo' AND {NOTE} = 'Opgeslagen' AND {NEWCOMERS} = 'unchanged'"
    query = ("SELECT p.code FROM initiatives_report r JOIN platforms_platform p ON p.id = r.platform_id "  # noqa: S608 - constant SQL
             "JOIN initiatives_reportinground o ON o.id = r.round_id " + where)
    saved = server.psql(query)
    assert {code for _username, code in pairs} <= set(saved.splitlines())


def test_two_saves_of_the_same_report_exactly_one_wins(database, app):
    path = "/rounds/open-demo/platforms/gent-bao/report/"
    tabs = []
    for _ in range(2):
        browser = Browser(app.port).log_in("coordinator2", "demo-lop-2020")
        page = browser.get(path)
        tabs.append((browser, loaded_version(page.text), browser.csrf(path)))
    barrier = threading.Barrier(2)
    results = []

    def save(browser, version, csrf, note):
        barrier.wait()
        response = browser.request("POST", path, {**DRAFT, "registrations_note": note, "loaded_version": version,
                                                  "csrfmiddlewaretoken": csrf})
        results.append((response.status, note, response.text))

    threads = [threading.Thread(target=save, args=(*tab, f"tab {i}")) for i, tab in enumerate(tabs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    statuses = sorted(status for status, _note, _text in results)
    assert statuses == [302, 409]
    winner = next(note for status, note, _text in results if status == 302)
    loser_page = next(text for status, _note, text in results if status == 409)
    assert "Niet opgeslagen:" in loser_page
    server, _env = database
    note = server.psql(f"SELECT {NOTE} FROM initiatives_report r JOIN platforms_platform p "  # noqa: S608
                       "ON p.id = r.platform_id WHERE p.code = 'gent-bao'")
    assert note == winner


def test_a_pg_dump_backup_restores_with_an_identical_summary(database, app):
    server, env = database
    ministry = Browser(app.port).log_in("ministerie", "demo-lop-2020")
    before = ministry.get("/rounds/corona-2020/summary.json")
    assert before.status == 200
    dump = server.dir / "backup.dump"
    subprocess.run([_pg_bin("pg_dump"), "-h", "127.0.0.1", "-p", str(server.port), "-U", "postgres",  # noqa: S603
                    "--format=custom", "--file", str(dump), "lop"], check=True, capture_output=True, timeout=120)
    server.psql("CREATE DATABASE lop_restored", db="postgres")
    subprocess.run([_pg_bin("pg_restore"), "-h", "127.0.0.1", "-p", str(server.port), "-U", "postgres",  # noqa: S603
                    "--no-owner", "--dbname", "lop_restored", str(dump)], check=True, capture_output=True,
                   timeout=120)
    restored_app = AppServer(app_env(server.url("lop_restored")), workers=1, threads=2)
    try:
        after = Browser(restored_app.port).log_in("ministerie", "demo-lop-2020").get(
            "/rounds/corona-2020/summary.json")
    finally:
        restored_app.stop()
    assert after.status == 200
    assert after.text == before.text
