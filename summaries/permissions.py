"""Who may read the ministry's side of a round."""


class SummaryPolicy:
    """The summary, the answer text, the initiative list and the exports are for the ministry and admins."""

    @staticmethod
    def can_read(user) -> bool:
        return user.is_authenticated and user.reads_everything
