"""Beat's half of the deadline: the task is thin and idempotent and calls the service.
(The broker path with a real worker is in tests/test_celery_broker.py.)"""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from competitions.models import CompetitionState
from competitions.tasks import close_due_submissions
from workflow.audit import audit_events_for

from ..factories import CompetitionFactory

pytestmark = pytest.mark.django_db


def test_beat_runs_the_task_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["close-submissions"]
    assert entry["task"] == close_due_submissions.name == "competitions.tasks.close_due_submissions"
    assert entry["schedule"] == 60.0


def test_the_task_closes_past_deadlines_and_is_idempotent(authority):
    past = CompetitionFactory(
        authority=authority,
        published=True,
        submission_deadline=(timezone.now() - dt.timedelta(minutes=5)).replace(second=0),
    )
    future = CompetitionFactory(authority=authority, published=True)
    assert close_due_submissions.delay().get() == [past.pk]
    assert close_due_submissions.delay().get() == []  # run again (a duplicate beat tick): nothing more
    past.refresh_from_db()
    future.refresh_from_db()
    assert past.state == CompetitionState.SUBMISSION_CLOSED
    assert future.state == CompetitionState.PUBLISHED
    assert audit_events_for(past).count() == 1
    assert not audit_events_for(future).exists()


def test_the_task_leaves_an_extended_competition_open(authority, officer):
    from competitions.services import competition_extend_deadline

    competition = CompetitionFactory(authority=authority, closed=True)
    competition_extend_deadline(
        competition,
        actor=officer,
        reason="Awaria",
        new_deadline=(timezone.now() + dt.timedelta(days=2)).replace(second=0),
    )
    assert close_due_submissions.apply().get() == []
    competition.refresh_from_db()
    assert competition.state == CompetitionState.PUBLISHED
