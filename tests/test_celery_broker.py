"""The production profile's broker path: the project's Celery app, not eager, sends the beat
task through a real Redis broker to an in-process worker, which closes a competition whose
deadline has passed. (Everything else in the suite runs tasks eagerly.)"""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from celery import signals
from celery.contrib.testing import tasks as _ping_task  # noqa: F401 - registers celery.ping for the ping check
from celery.contrib.testing.worker import start_worker
from django.db import connections
from django.utils import timezone

from competitions.models import Competition, CompetitionState
from competitions.tasks import close_due_submissions
from config.celery import app
from workflow.audit import audit_events_for

from .factories import AuthorityFactory, CompetitionFactory

REDIS = "redis://127.0.0.1:6379/15"


def _reset_connections() -> None:
    """Forget broker and backend connections made under the previous configuration."""
    app._pool = None
    app._backend_cache = None
    app._local = threading.local()
    app.__dict__.pop("amqp", None)


@pytest.fixture
def broker_app():
    import redis

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.fail(f"Redis must answer at {REDIS} (CI starts it): {exc}")
    changed = {
        "broker_url": REDIS,
        "result_backend": REDIS,
        "task_always_eager": False,
        # a queue of this run's own, so that parallel runs on one Redis never take each other's tasks
        "task_default_queue": f"pozytek-test-{uuid.uuid4().hex}",
        "worker_hijack_root_logger": False,
        "broker_connection_retry_on_startup": False,
    }
    saved = {key: app.conf.get(key) for key in changed}
    app.conf.update(changed)
    _reset_connections()

    def close_db(**kwargs):
        # the worker thread's own database connection ends with its task
        connections.close_all()

    signals.task_postrun.connect(close_db, weak=False)
    try:
        yield app
    finally:
        signals.task_postrun.disconnect(close_db)
        app.conf.update(saved)
        _reset_connections()


@pytest.mark.django_db(transaction=True)
def test_the_beat_task_runs_through_the_broker(broker_app):
    authority = AuthorityFactory()
    past = CompetitionFactory(
        authority=authority,
        published=True,
        submission_deadline=(timezone.now() - dt.timedelta(minutes=3)).replace(second=0, microsecond=0),
    )
    future = CompetitionFactory(authority=authority, published=True)
    assert not broker_app.conf.task_always_eager

    with start_worker(broker_app, pool="solo", perform_ping_check=True, shutdown_timeout=20):
        result = close_due_submissions.delay()
        # not an EagerResult: it travelled through Redis and came back from the worker
        assert type(result).__name__ == "AsyncResult"
        assert result.get(timeout=30) == [past.pk]
        result.forget()

    assert Competition.objects.get(pk=past.pk).state == CompetitionState.SUBMISSION_CLOSED
    assert Competition.objects.get(pk=future.pk).state == CompetitionState.PUBLISHED
    (event,) = audit_events_for(past)
    assert (event.action, event.actor_id, event.actor_role) == (
        "competitions.competition.close_submissions",
        None,
        "system",
    )


def test_the_app_is_eager_again_after_the_broker_test():
    """The suite's other tests keep the embedded (eager, in-memory) profile."""
    assert app.conf.task_always_eager is True
    assert app.conf.broker_url == "memory://"
