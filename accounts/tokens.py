"""The one-time links of password resets and invitations: Django's token, void for a deactivated account."""

from django.contrib.auth.tokens import PasswordResetTokenGenerator

from .models import AccountAction, AccountEvent


class AccountTokenGenerator(PasswordResetTokenGenerator):
    """Django's password-reset token, also void while the account is deactivated and after any later deactivation.

    Django's token is signed over the password hash, the last login and the e-mail address, none of
    which a deactivation changes (the person keeps their password for a reactivation): a link mailed
    before the deactivation still set a password after it, and that password worked once the account
    was reactivated. Here the signature also covers whether the account is active, so the link fails
    while it is not, and the latest deactivation of the account (its event in the audit trail, which
    every deactivation writes: accounts.services.person_deactivate, also from the Django admin), so a
    link made before a deactivation does not come back to life with the reactivation. Links made
    after the reactivation work. Checking a link costs one indexed query.
    """

    key_salt = "accounts.tokens.AccountTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        last_deactivation = (AccountEvent.objects.filter(target_id=user.pk, action=AccountAction.DEACTIVATED)
                             .order_by("-pk").values_list("pk", flat=True).first())
        return f"{super()._make_hash_value(user, timestamp)}|{user.is_active}|{last_deactivation or ''}"


default_token_generator = AccountTokenGenerator()
