"""Who may see the mail queue and send a failed mail again: admins."""

from django.db.models import QuerySet

from .models import Mail


class MailPolicy:
    """Mails hold other people's addresses and links: only admins see them."""

    @staticmethod
    def visible(user) -> QuerySet[Mail]:
        return Mail.objects.all() if MailPolicy.can_view(user) else Mail.objects.none()

    @staticmethod
    def can_view(user) -> bool:
        return bool(user.is_authenticated and user.is_active and user.is_admin)

    @staticmethod
    def can_retry(user, mail: Mail) -> bool:
        return MailPolicy.can_view(user)
