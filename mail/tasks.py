"""The worker's side of the mail queue (django.tasks: `manage.py db_worker` runs it)."""

from django.tasks import task


@task
def mail_send(mail_id: int) -> str:
    """Send one queued mail (mail.services.mail_deliver), saying what became of it."""
    from .services import mail_deliver  # the services enqueue this task: imported here, not at the top

    return mail_deliver(mail_id=mail_id)
