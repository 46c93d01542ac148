"""A signed-in session slides forward as the user works, without a session write on every request."""

from __future__ import annotations

import time
from unittest import mock

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _expiry(client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_the_session_is_rewritten_at_most_every_five_minutes_and_so_never_expires_while_working(client, officer):
    client.force_login(officer)
    start = time.time()
    with mock.patch("time.time", return_value=start):
        client.get(reverse("home"))
    first = _expiry(client)
    with mock.patch("time.time", return_value=start + 60):
        client.get(reverse("home"))
    assert _expiry(client) == first  # a minute later: not written again
    with mock.patch("time.time", return_value=start + 301), \
            mock.patch("django.utils.timezone.now", return_value=first.__class__.fromtimestamp(
                start + 301, tz=first.tzinfo)):
        client.get(reverse("home"))
    assert _expiry(client) > first  # five minutes on: written, the expiry moved forward


def test_an_anonymous_visit_writes_no_session(client):
    client.get(reverse("home"))
    assert not Session.objects.exists()
