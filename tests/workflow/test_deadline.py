"""Hard rule 2: the submission deadline cuts to the minute by the server clock, stored in UTC
and shown in Europe/Warsaw; one minute late is refused whatever the scheduler did.

No scheduler runs in these tests: the competition stays "published" past its deadline and
only the clock guard on submit stands between a late offer and the authority.
"""

from __future__ import annotations

import datetime as dt
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from competitions.models import deadline_open
from offers.models import OfferState
from offers.services import offer_submit
from workflow.errors import WrongState
from workflow.models import AuditEvent

from ..factories import CompetitionFactory, OfferFactory, TaskAreaFactory

pytestmark = pytest.mark.django_db
WARSAW = ZoneInfo("Europe/Warsaw")


@pytest.fixture(autouse=True, scope="module")
def english():
    """The messages asserted here are the English source strings, whatever locale/pl holds."""
    from django.utils import translation

    with translation.override("en"):
        yield


# 16:00 in Warsaw: 15:00 UTC in winter (CET), 14:00 UTC in summer (CEST)
WINTER = dt.datetime(2027, 2, 10, 16, 0, tzinfo=WARSAW)
SUMMER = dt.datetime(2027, 6, 15, 16, 0, tzinfo=WARSAW)


def at(moment: dt.datetime):
    return mock.patch("django.utils.timezone.now", return_value=moment.astimezone(dt.UTC))


@pytest.fixture
def offer_due(authority, organization):
    def make(deadline: dt.datetime):
        with at(deadline - dt.timedelta(days=40)):
            competition = CompetitionFactory(
                authority=authority,
                published=True,
                with_areas=False,
                submission_deadline=deadline.astimezone(dt.UTC),
            )
        area = TaskAreaFactory(competition=competition)
        return OfferFactory(task_area=area, organization=organization)

    return make


@pytest.mark.parametrize("deadline", [WINTER, SUMMER], ids=["winter", "summer"])
def test_one_minute_before_the_deadline_is_accepted(deadline, offer_due, ngo_admin):
    offer = offer_due(deadline)
    with at(deadline - dt.timedelta(minutes=1)):
        submitted = offer_submit(offer, actor=ngo_admin)
    assert submitted.state == OfferState.SUBMITTED
    assert submitted.submitted_at == deadline - dt.timedelta(minutes=1)


@pytest.mark.parametrize("deadline", [WINTER, SUMMER], ids=["winter", "summer"])
def test_one_minute_after_the_deadline_is_refused_in_warsaw_time(deadline, offer_due, ngo_admin):
    offer = offer_due(deadline)
    with at(deadline + dt.timedelta(minutes=1)), pytest.raises(WrongState) as excinfo:
        offer_submit(offer, actor=ngo_admin)
    assert excinfo.value.status_code == 409
    refusal = excinfo.value.refusals[0]
    assert refusal.code == "deadline_passed"
    message = refusal.as_dict()["message_en"]
    # shown in Europe/Warsaw: 16:00, never the UTC 15:00 / 14:00 it is stored as
    assert f"passed at {deadline:%d.%m.%Y} 16:00" in message
    assert "15:00" not in message and "14:00" not in message
    assert refusal.as_dict()["message_pl"]
    offer.refresh_from_db()
    assert offer.state == OfferState.DRAFT and offer.snapshot is None
    assert not AuditEvent.objects.filter(action="offers.offer.submit").exists()
    assert not offer.cost_lines.exists()
    # nobody closed the competition: the clock alone refused
    assert offer.competition.state == "published"


def test_the_last_second_of_the_deadline_minute_is_accepted(offer_due, ngo_admin):
    offer = offer_due(WINTER)
    with at(WINTER.replace(second=59, microsecond=999999)):
        assert offer_submit(offer, actor=ngo_admin).state == OfferState.SUBMITTED


def test_the_first_second_after_the_deadline_minute_is_refused(offer_due, ngo_admin):
    offer = offer_due(WINTER)
    with at(WINTER + dt.timedelta(minutes=1)), pytest.raises(WrongState):
        offer_submit(offer, actor=ngo_admin)


def test_a_day_late_is_refused_too(offer_due, ngo_admin):
    offer = offer_due(WINTER)
    with at(WINTER + dt.timedelta(days=1, hours=3)), pytest.raises(WrongState) as excinfo:
        offer_submit(offer, actor=ngo_admin)
    assert excinfo.value.refusals[0].code == "deadline_passed"


@pytest.mark.parametrize(
    ("now", "open_"),
    [
        (WINTER - dt.timedelta(days=3), True),
        (WINTER - dt.timedelta(seconds=1), True),
        (WINTER, True),
        (WINTER + dt.timedelta(seconds=59, microseconds=999999), True),
        (WINTER + dt.timedelta(minutes=1), False),
        (WINTER + dt.timedelta(minutes=1, microseconds=1), False),
    ],
)
def test_deadline_open_cuts_to_the_minute(now, open_):
    assert deadline_open(WINTER.astimezone(dt.UTC), now.astimezone(dt.UTC)) is open_
    # the same instant in another zone gives the same answer
    assert deadline_open(WINTER, now.astimezone(ZoneInfo("America/New_York"))) is open_


def test_no_deadline_is_never_open():
    assert deadline_open(None) is False
