"""A round's deadline in words for a coordinator: how many days are left, and until which day."""

import datetime

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def deadline_day(deadline: datetime.date, today: datetime.date) -> str:
    """The deadline's day as people say it ("vrijdag 18 december"), with its year when that is not this year."""
    return date_format(deadline, "l j F" if deadline.year == today.year else "l j F Y")


def deadline_phrase(deadline: datetime.date | None, today: datetime.date) -> str:
    """ "nog 12 dagen (tot vrijdag 18 december)", "nog 1 dag (…)", "vandaag (…)" or "deadline verstreken op …".

    The deadline is a whole day: on the day itself the report can still be changed.
    """
    if deadline is None:
        return ""
    day = deadline_day(deadline, today)
    left = (deadline - today).days
    if left < 0:
        return _("deadline passed on %(date)s") % {"date": day}
    if left == 0:
        return _("today is the last day (%(date)s)") % {"date": day}
    return ngettext("%(count)d day left (until %(date)s)", "%(count)d days left (until %(date)s)", left) % {
        "count": left, "date": day}
