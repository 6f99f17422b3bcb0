"""The second factor in a real browser: a ministry user (not a demo account, so not exempt) logs in for the first
time and sets up the authenticator app (the test reads the key off the page, as a person types it into the app),
sees the recovery codes once, logs out, and logs in again with a code from the app. Saves screenshots of the
setup page (with a mistyped code) and of the home page reached with the code.

Elements are found by their ids: the pages' strings are new and translated in the .po, which is written
separately.
"""

import re

import pytest
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from accounts.models import Role
from tests.factories import PASSWORD, UserFactory
from tests.second_factor_helpers import key_from_secret, totp_code

from .conftest import ARTIFACTS, axe_violations, log_out

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _password(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Aanmelden", exact=True).click()


def test_a_ministry_user_sets_up_the_second_factor_and_logs_in_with_a_code(page: Page, screenshot):
    analyst = UserFactory(username="analist", role=Role.MINISTRY, first_name="Bart", last_name="Claes")

    # The first login after the password: the setup page, and nothing else until it is done.
    _password(page, analyst.username)
    expect(page).to_have_url(re.compile(r"/accounts/second-factor/setup/\?next=%2F$"))
    expect(page.locator("main svg.lop-qr")).to_be_visible()
    expect(page.locator("header a[href='/rounds/']")).to_have_count(0)
    assert not axe_violations(page), axe_violations(page)
    page.goto("/rounds/")
    expect(page).to_have_url(re.compile(r"/accounts/second-factor/setup/\?next=%2Frounds%2F$"))

    # A mistyped code is refused next to the field; the right one turns it on.
    key = key_from_secret(page.locator("#totp-secret").inner_text())
    right = totp_code(key)
    page.locator("#id_code").fill("000000" if right != "000000" else "111111")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#id_code")).to_have_class(re.compile(r"\bis-invalid\b"))
    assert not axe_violations(page), axe_violations(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "second_factor_setup.png", full_page=True)  # the QR code, the key, the error
    page.locator("#id_code").fill(totp_code(key))
    page.locator("main form button[type=submit]").click()

    # The recovery codes, shown once; then on to the page asked for.
    expect(page).to_have_url(re.compile(r"/accounts/second-factor/recovery-codes/"))
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    assert set(codes) == set(StaticToken.objects.filter(device__user=analyst).values_list("token", flat=True))
    assert not axe_violations(page), axe_violations(page)
    page.locator("#continue").click()
    expect(page).to_have_url(re.compile(r"/rounds/$"))
    page.goto("/accounts/second-factor/recovery-codes/")
    expect(page.locator("#recovery-codes")).to_have_count(0)  # not shown a second time
    log_out(page)

    # The next login: the password, then a code from the app.
    _password(page, analyst.username)
    expect(page).to_have_url(re.compile(r"/accounts/second-factor/\?next=%2F$"))
    assert not axe_violations(page), axe_violations(page)
    page.locator("#id_code").fill(totp_code(TOTPDevice.objects.get(user=analyst)))
    page.locator("#second-factor-form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("ministerie"))
    expect(page.locator("header a[href='/accounts/second-factor/manage/']")).to_be_visible()
    screenshot(page)
