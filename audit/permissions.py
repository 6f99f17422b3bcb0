"""Who may read the audit log.

Only admins read it, as a whole: everyone else gets a 403 for every page of it, before anything is
looked up. Nobody writes to it through the portal; entries are only made by the changes themselves.
"""


class AuditPolicy:
    """Admins read every entry; nobody else reads any, and nobody changes or deletes one."""

    @staticmethod
    def can_access(user) -> bool:
        """May this user open the audit log?"""
        return user.is_authenticated and user.is_admin
