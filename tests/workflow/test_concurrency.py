"""Concurrency on PostgreSQL: two requests at the same moment, each on its own connection.

Two submits of one offer: the row lock serialises them, one succeeds and the other is
refused with 409, and the trail has one submit event. Two saves of one section from the
same base revision: one is saved, the other gets EditConflict carrying the first one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from offers.models import CostLine, Offer, OfferRevision, OfferState
from offers.services import offer_save_section, offer_submit
from workflow.errors import EditConflict, WrongState
from workflow.models import AuditEvent, Notification

from ..factories import CompetitionFactory, OfferFactory, TaskAreaFactory, representative

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(*calls: Callable[[], Any]) -> list[tuple[str, Any]]:
    """Run the calls in threads released together by a barrier; each thread uses (and closes)
    its own database connection. Returns ("ok", result) or ("error", exception) per call."""
    barrier = threading.Barrier(len(calls))
    results: list[tuple[str, Any] | None] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = ("ok", call())
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test inspects
            results[index] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a thread hung (a lock was never released)"
    return results  # type: ignore[return-value]


@pytest.fixture
def draft(postgres_only, authority, organization):
    competition = CompetitionFactory(authority=authority, published=True, with_areas=False)
    return OfferFactory(task_area=TaskAreaFactory(competition=competition), organization=organization)


def test_two_simultaneous_submits_one_wins_one_gets_409(draft, organization):
    signatories = [representative(organization, "signatory") for _ in range(2)]
    user_model = get_user_model()

    def submit(user_pk: int):
        def call():
            # a fresh request: its own user and offer objects, its own connection
            return offer_submit(Offer.objects.get(pk=draft.pk), actor=user_model.objects.get(pk=user_pk))

        return call

    results = race(submit(signatories[0].pk), submit(signatories[1].pk))

    outcomes = sorted(kind for kind, _value in results)
    assert outcomes == ["error", "ok"]
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, WrongState) and error.status_code == 409
    assert error.refusals and error.refusals[0].code == "wrong_state"
    winner = next(value for kind, value in results if kind == "ok")
    assert winner.state == OfferState.SUBMITTED

    offer = Offer.objects.get(pk=draft.pk)
    assert offer.state == OfferState.SUBMITTED and offer.submitted_by_id == winner.submitted_by_id
    assert AuditEvent.objects.filter(action="offers.offer.submit", subject_id=str(draft.pk)).count() == 1
    assert CostLine.objects.filter(offer=draft).count() == 2
    assert Notification.objects.filter(key__startswith=f"offer.{draft.pk}.receipt").count() == 1


def test_two_simultaneous_section_saves_from_one_base_one_conflict(draft, organization):
    editors = [representative(organization, "editor") for _ in range(2)]
    user_model = get_user_model()
    base = draft.sections.get(key="task").revision
    original = draft.sections.get(key="task").data

    def save(user_pk: int, title: str):
        def call():
            data = {**original, "title": title}
            return offer_save_section(
                offer=Offer.objects.get(pk=draft.pk),
                actor=user_model.objects.get(pk=user_pk),
                key="task",
                data=data,
                base_revision=base,
            )

        return call

    results = race(save(editors[0].pk, "Tytuł pierwszego"), save(editors[1].pk, "Tytuł drugiego"))

    assert sorted(kind for kind, _value in results) == ["error", "ok"]
    saved = next(value for kind, value in results if kind == "ok")
    conflict = next(value for kind, value in results if kind == "error")
    assert isinstance(conflict, EditConflict) and conflict.status_code == 409
    # the loser is shown the winner's version, not silently overwritten
    assert conflict.theirs["revision"] == saved.revision
    assert conflict.theirs["data"]["title"] == saved.data["title"]
    section = draft.sections.get(key="task")
    assert section.data["title"] == saved.data["title"] and section.revision == saved.revision
    assert OfferRevision.objects.filter(offer=draft, section="task").count() == 1
