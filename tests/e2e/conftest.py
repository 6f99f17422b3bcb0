"""End-to-end fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

One browser per test module (starting Chromium is the slow part), a fresh context (cookies,
downloads) per test. Every test here uses `live_server`, so its database is transactional and
flushed afterwards; `serialized_rollback` puts back what the data migrations made (the themes
and target groups) before each test.
"""

import contextlib
import os
import re
from pathlib import Path

import pytest

# Playwright's sync API runs an asyncio event loop in the test's own thread (it switches to it
# with greenlets), so Django's async-safety check sees a running loop and refuses every ORM
# call made by the test (SynchronousOnlyOperation). Nothing is really concurrent here: the test
# thread waits while the browser talks to the live server, which runs in its own threads.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402
from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402
from playwright.sync_api import Error as PlaywrightError  # noqa: E402

from tests.factories import PASSWORD  # noqa: E402
from tests.second_factor_helpers import key_from_secret, totp_code  # noqa: E402

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
# The machine reaches nothing but the package registries: these keep Chromium from trying
# Google's services (updates, sync, safe browsing, QUIC probes) and from needing a sandbox
# or a GPU (CI runs as root in a container).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
DEMO_PASSWORD = "demo-lop-2020"  # noqa: S105 - platforms.demo.DEMO_PASSWORD
# WCAG 2.1 level A and AA; axe's best practices and AAA rules are not part of the promise.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

expect.set_options(timeout=10_000)


@pytest.fixture(scope="module")
def browser(django_db_setup) -> Browser:
    from django.db import connections

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's 'chromium' package (make test does this as root).")
    # While Playwright's loop runs, asgiref (Django's connection handler) sees an async thread and
    # hands this thread a second set of database connections. Those lack the snapshot of the
    # migrated data that `serialized_rollback` restores from, so give it to them.
    snapshots = {c.alias: c._test_serialized_contents for c in connections.all()
                 if hasattr(c, "_test_serialized_contents")}
    with sync_playwright() as playwright:
        for alias, snapshot in snapshots.items():
            connections[alias]._test_serialized_contents = snapshot
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        connections.close_all()  # the second set: PostgreSQL cannot drop a test database still in use


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.e2e_failed = report.failed
    return report


@pytest.fixture
def page(request, browser, live_server) -> Page:
    # Reduced motion turns off Bootstrap's smooth scrolling, so screenshots never catch a page mid-scroll.
    context = browser.new_context(base_url=live_server.url, accept_downloads=True, locale="nl-BE",
                                  viewport={"width": 1280, "height": 900}, reduced_motion="reduce")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    if getattr(request.node, "e2e_failed", False):  # what the browser showed when the test failed
        page.screenshot(path=_artifact(request, "-failed.png"), full_page=True)
    _quiet_close(context, page)


def _quiet_close(context, page: Page) -> None:
    """Close the browser without a request reaching the server after the test.

    The report form saves itself on leaving the page (static/js/report-autosave.js): closing the page would
    send one more autosave while pytest-django empties the database (on PostgreSQL its TRUNCATE and the
    save's transaction deadlock). So autosaves are refused from here on, the requests in flight finish,
    and the page is left before the context closes.
    """
    context.route("**/report/autosave/", lambda route: route.abort())
    with contextlib.suppress(PlaywrightError):  # a page that does not settle is closed all the same
        page.wait_for_load_state("networkidle", timeout=5_000)
        page.goto("about:blank")
        page.wait_for_load_state("networkidle", timeout=5_000)
    context.close()


@pytest.fixture
def demo(transactional_db):
    """The demo: 70 platforms with members, the accounts and its three rounds (about 4 s)."""
    from platforms.demo import load_demo
    from rounds.demo import load_rounds
    from rounds.demo_2022 import load_ukraine_round

    load_demo()
    load_rounds()
    load_ukraine_round()


def _artifact(request, suffix: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / (re.sub(r"[^\w.-]+", "_", request.node.name) + suffix)


@pytest.fixture
def screenshot(request):
    """Call with the page at the end of a journey: saves it, full length, for CI's log."""
    def _screenshot(page: Page) -> Path:
        path = _artifact(request, ".png")
        page.screenshot(path=path, full_page=True)
        return path
    return _screenshot


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Log in through the login form, then the second factor for those who need it, and wait for the next page."""
    page.goto("/accounts/login/")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Aanmelden", exact=True).click()
    expect(page.get_by_role("button", name=re.compile(r"^Afmelden"))).to_be_visible()
    if "/accounts/second-factor/" in page.url:  # admins and ministry staff (not the demo's: they are exempt)
        pass_second_factor(page, username)


def pass_second_factor(page: Page, username: str) -> None:
    """On the setup page: scan (read the key), type the code, pass the recovery codes; on the verify page: the code."""
    if "/accounts/second-factor/setup/" in page.url:
        page.locator("#id_code").fill(totp_code(key_from_secret(page.locator("#totp-secret").inner_text())))
        page.locator("main form button[type=submit]").click()
        page.locator("#continue").click()  # past the recovery codes
    else:
        page.locator("#id_code").fill(totp_code(TOTPDevice.objects.get(user__username=username, confirmed=True)))
        page.locator("#second-factor-form button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/second-factor/"))


def log_out(page: Page) -> None:
    page.get_by_role("button", name=re.compile(r"^Afmelden")).click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def axe_violations(page: Page, max_report: int = 6000) -> str:
    """axe-core's report of the WCAG 2.1 A/AA violations on the page ("" when there are none)."""
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    if results.violations_count == 0:
        return ""
    report = results.generate_report()
    if len(report) > max_report:  # one rule failing on 70 table rows says it 70 times
        report = report[:max_report] + "\n[... cut]"
    return f"{page.url}\n{report}"
