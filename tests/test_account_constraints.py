"""One account per e-mail address, whatever its case; accounts without an address are allowed."""

import pytest
from django.db import IntegrityError, transaction

from .factories import UserFactory


@pytest.mark.django_db
def test_email_is_unique_ignoring_case():
    UserFactory(username="a", email="Els.Wouters@example.be")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(username="b", email="els.wouters@EXAMPLE.be")
    UserFactory(username="c", email="")
    UserFactory(username="d", email="")
