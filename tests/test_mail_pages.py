"""The admins' mail page (/mails/), its "send again" button, the admin home's count, and what pages that queue mail
say while mails are failing."""

import pytest
from django.core import mail as django_mail
from django.urls import reverse
from django.utils import timezone

from mail.models import Mail, MailKind, MailStatus

from .factories import ReportFactory


def _mail(**values) -> Mail:
    defaults = {"kind": MailKind.INVITATION, "recipients": ["els@example.be"], "subject": "Uitnodiging",
                "body": "Tekst", "next_attempt_at": timezone.now()}
    return Mail.objects.create(**(defaults | values))


def _failed(**values) -> Mail:
    return _mail(status=MailStatus.FAILED, attempts=6, next_attempt_at=None,
                 last_error="ConnectionRefusedError: [Errno 111] Connection refused", **values)


def _sent(**values) -> Mail:
    return _mail(status=MailStatus.SENT, attempts=1, sent_at=timezone.now(), next_attempt_at=None, **values)


@pytest.mark.django_db
def test_the_page_shows_failed_mails_first_then_waiting_ones_not_sent_ones(login, admin_user):
    waiting = _mail(subject="Wacht nog", attempts=1, last_error="SMTPServerDisconnected: weg")
    failed = _failed(subject="Mislukt", recipients=["a@example.be", "b@example.be"])
    _sent(subject="Al verstuurde mail")
    response = login(admin_user).get(reverse("mail:list"))
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [failed, waiting]
    html = response.content.decode()
    assert "a@example.be, b@example.be" in html
    assert "Connection refused" in html and "SMTPServerDisconnected" in html
    assert "Al verstuurde mail" not in html
    assert html.count(f'action="{reverse("mail:retry", kwargs={"pk": failed.pk})}"') == 1
    assert f'action="{reverse("mail:retry", kwargs={"pk": waiting.pk})}"' not in html  # not failed: no button


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["sent", "failed", "queued"])
def test_the_status_filter(login, admin_user, status):
    mails = {"queued": _mail(), "sent": _sent(), "failed": _failed()}
    response = login(admin_user).get(reverse("mail:list"), {"status": status})
    assert list(response.context["page"].object_list) == [mails[status]]


@pytest.mark.django_db
def test_an_unknown_status_shows_the_default(login, admin_user):
    failed = _failed()
    _sent()
    response = login(admin_user).get(reverse("mail:list"), {"status": "<script>"})
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [failed]


@pytest.mark.django_db
def test_send_again_queues_and_sends_a_failed_mail(login, admin_user):
    failed = _failed(subject="Nog eens")
    response = login(admin_user).post(reverse("mail:retry", kwargs={"pk": failed.pk}), follow=True)
    assert response.redirect_chain == [(reverse("mail:list"), 302)]
    failed.refresh_from_db()
    # The test settings' immediate backend sends at once; in production the worker does.
    assert failed.status == MailStatus.SENT and failed.attempts == 1
    assert [m.subject for m in django_mail.outbox] == ["Nog eens"]
    assert [m.level_tag for m in response.context["messages"]] == ["success"]


@pytest.mark.django_db
def test_send_again_refuses_a_mail_that_has_not_failed(login, admin_user):
    sent = _sent()
    response = login(admin_user).post(reverse("mail:retry", kwargs={"pk": sent.pk}), follow=True)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    sent.refresh_from_db()
    assert sent.status == MailStatus.SENT and django_mail.outbox == []


@pytest.mark.django_db
def test_others_may_not_send_again(login, coordinator, ministry_user):
    failed = _failed()
    for user in (coordinator, ministry_user):
        client = login(user)
        assert client.post(reverse("mail:retry", kwargs={"pk": failed.pk})).status_code == 403
        client.logout()
    failed.refresh_from_db()
    assert failed.status == MailStatus.FAILED


@pytest.mark.django_db
def test_the_admin_home_links_the_page_with_the_number_of_failed_mails(login, admin_user):
    _failed()
    _failed()
    _mail()
    response = login(admin_user).get(reverse("home"))
    html = response.content.decode()
    assert reverse("mail:list") in html
    link = html.split(f'href="{reverse("mail:list")}"', 1)[1].split("</a>", 1)[0]
    assert '<span class="badge text-bg-light">2<' in link


@pytest.mark.django_db
def test_returning_a_report_says_the_mail_is_on_its_way_and_when_mails_fail_that_it_follows(
        login, ministry_user, platform, open_round):
    report = ReportFactory(round=open_round, platform=platform, status="submitted", submitted_at=timezone.now())
    client = login(ministry_user)
    url = reverse("rounds:report_return", kwargs={"round_slug": open_round.slug, "code": platform.code})
    response = client.post(url, {"comment": "Vul de noot aan."}, follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    assert Mail.objects.get().kind == MailKind.REPORT_RETURNED

    # The mail server is down: a mail waits with an error. The next page that queues mail says so.
    _mail(attempts=1, last_error="ConnectionRefusedError")
    report.refresh_from_db()
    report.status = "submitted"
    report.save()
    response = client.post(url, {"comment": "Nog eens."}, follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["success", "warning"]
