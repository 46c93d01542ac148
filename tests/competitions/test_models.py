"""The competition's guards: the announcement's content (art. 13 ust. 2), its publication on
the three channels (art. 13 ust. 3) and the 21 days for offers (art. 13 ust. 1)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from competitions.models import (
    MANDATORY_CHANNELS,
    Channel,
    Competition,
    CompetitionState,
    Criterion,
    PriorFunding,
    PublicationKind,
    PublicationRecord,
    TaskArea,
)
from workflow.calendar import WARSAW
from workflow.errors import WrongState
from workflow.models import AuditEvent
from workflow.services import transition

from ..factories import CompetitionFactory, TaskAreaFactory, record_all_channels

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, scope="module")
def english():
    """The messages asserted here are the English source strings, whatever locale/pl holds."""
    from django.utils import translation

    with translation.override("en"):
        yield


def warsaw(day: dt.date, hour: int = 16, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=WARSAW)


def record(competition, user, channel, published_on, **kwargs):
    return PublicationRecord.objects.create(
        competition=competition,
        channel=channel,
        version=competition.version,
        published_on=published_on,
        recorded_by=user,
        **kwargs,
    )


def refusal_codes(excinfo) -> list[str]:
    return [r.code for r in excinfo.value.refusals]


def messages(excinfo) -> str:
    return " | ".join(r.as_dict()["message_en"] for r in excinfo.value.refusals)


@pytest.fixture
def approved(authority, officer):
    return CompetitionFactory(authority=authority, approved=True)


# --- art. 13 ust. 3: all three channels ----------------------------------------------------------------


@pytest.mark.parametrize("missing", list(MANDATORY_CHANNELS), ids=lambda c: c.value)
def test_publish_needs_every_channel_and_names_the_missing_one(missing, approved, officer):
    for channel in MANDATORY_CHANNELS:
        if channel != missing:
            record(approved, officer, channel, timezone.localdate())
    record(
        approved, officer, Channel.PRESS, timezone.localdate()
    )  # optional; never replaces one of the three
    with pytest.raises(WrongState) as excinfo:
        transition(approved, "publish", actor=officer)
    assert refusal_codes(excinfo) == ["channels_missing"]
    text = messages(excinfo)
    assert str(Channel(missing).label) in text and "art. 13 ust. 3" in text
    for present in set(MANDATORY_CHANNELS) - {missing}:
        assert str(Channel(present).label) not in text
    approved.refresh_from_db()
    assert approved.state == CompetitionState.APPROVED
    assert not AuditEvent.objects.filter(action="competitions.competition.publish").exists()


def test_publish_with_no_channel_names_all_three(approved, officer):
    with pytest.raises(WrongState) as excinfo:
        transition(approved, "publish", actor=officer)
    text = messages(excinfo)
    assert all(str(Channel(c).label) in text for c in MANDATORY_CHANNELS)


def test_publications_of_an_earlier_version_do_not_count(approved, officer):
    record_all_channels(approved, officer)
    Competition.objects.filter(pk=approved.pk).update(version=2)
    approved.refresh_from_db()
    assert approved.missing_channels() == [str(Channel(c).label) for c in MANDATORY_CHANNELS]
    with pytest.raises(WrongState):
        transition(approved, "publish", actor=officer)


def test_a_cancellation_notice_is_not_an_announcement(approved, officer):
    for channel in MANDATORY_CHANNELS:
        record(approved, officer, channel, timezone.localdate(), kind=PublicationKind.CANCELLATION)
    assert len(approved.missing_channels()) == 3
    assert approved.last_publication_date() is None


# --- art. 13 ust. 1: at least 21 days from the last publication -------------------------------------------


@pytest.fixture
def published_on_three_days(approved, officer):
    """BIP five days ago, noticeboard two days ago, website today: the last one counts."""
    today = timezone.localdate()
    record(approved, officer, Channel.BIP, today - dt.timedelta(days=5))
    record(approved, officer, Channel.NOTICEBOARD, today - dt.timedelta(days=2))
    record(approved, officer, Channel.WEBSITE, today)
    return approved


def test_last_publication_date_is_the_latest_channel(published_on_three_days):
    assert published_on_three_days.last_publication_date() == timezone.localdate()


@pytest.mark.parametrize("hour,minute", [(0, 0), (16, 0), (23, 59)])
def test_deadline_20_days_after_the_last_publication_is_refused(
    published_on_three_days, officer, hour, minute
):
    last = timezone.localdate()
    Competition.objects.filter(pk=published_on_three_days.pk).update(
        submission_deadline=warsaw(last + dt.timedelta(days=20), hour, minute),
        selection_date=last + dt.timedelta(days=60),
    )
    published_on_three_days.refresh_from_db()
    with pytest.raises(WrongState) as excinfo:
        transition(published_on_three_days, "publish", actor=officer)
    assert refusal_codes(excinfo) == ["deadline_too_early"]
    text = messages(excinfo)
    assert last.strftime("%d.%m.%Y") in text
    assert (last + dt.timedelta(days=21)).strftime("%d.%m.%Y") in text
    assert "art. 13 ust. 1" in text


@pytest.mark.parametrize("hour,minute", [(0, 0), (16, 0)])
def test_deadline_21_days_after_the_last_publication_is_accepted(
    published_on_three_days, officer, hour, minute
):
    last = timezone.localdate()
    Competition.objects.filter(pk=published_on_three_days.pk).update(
        submission_deadline=warsaw(last + dt.timedelta(days=21), hour, minute),
        selection_date=last + dt.timedelta(days=60),
    )
    published_on_three_days.refresh_from_db()
    competition = transition(published_on_three_days, "publish", actor=officer)
    assert competition.state == CompetitionState.PUBLISHED
    event = AuditEvent.objects.get(action="competitions.competition.publish")
    assert event.payload["last_publication"] == last.isoformat()


def test_the_21_days_count_from_the_last_channel_not_from_bip(approved, officer):
    today = timezone.localdate()
    record(approved, officer, Channel.BIP, today - dt.timedelta(days=10))
    record(approved, officer, Channel.NOTICEBOARD, today - dt.timedelta(days=10))
    record(approved, officer, Channel.WEBSITE, today)
    # 25 days after BIP, but only 15 after the website
    Competition.objects.filter(pk=approved.pk).update(
        submission_deadline=warsaw(today + dt.timedelta(days=15))
    )
    approved.refresh_from_db()
    with pytest.raises(WrongState) as excinfo:
        transition(approved, "publish", actor=officer)
    assert "deadline_too_early" in refusal_codes(excinfo)


def test_a_past_deadline_cannot_be_published(approved, officer):
    record_all_channels(approved, officer, published_on=timezone.localdate() - dt.timedelta(days=40))
    Competition.objects.filter(pk=approved.pk).update(
        submission_deadline=timezone.now() - dt.timedelta(hours=1)
    )
    approved.refresh_from_db()
    with pytest.raises(WrongState) as excinfo:
        transition(approved, "publish", actor=officer)
    assert refusal_codes(excinfo) == ["deadline_past"]


# --- art. 13 ust. 2: every element of the announcement --------------------------------------------------

MISSING_ELEMENTS = [
    ("task_type", "", "missing_task_type", "the type of task"),
    ("award_rules", "", "missing_award_rules", "the rules for awarding grants"),
    ("performance_terms", "  \n", "missing_performance_terms", "the dates and conditions of performance"),
    ("selection_procedure", "", "missing_selection_procedure", "the procedure and criteria of selection"),
    ("submission_deadline", None, "missing_deadline", "deadline for offers is not set"),
    ("selection_date", None, "missing_selection_date", "date of the selection is not set"),
]


@pytest.mark.parametrize(
    ("field", "value", "code", "named"), MISSING_ELEMENTS, ids=[m[0] for m in MISSING_ELEMENTS]
)
def test_approve_names_each_missing_element(field, value, code, named, authority, approver):
    extra = (
        {"selection_date": timezone.localdate() + dt.timedelta(days=90)}
        if field == "submission_deadline"
        else {}
    )
    competition = CompetitionFactory(authority=authority, **{field: value}, **extra)
    with pytest.raises(WrongState) as excinfo:
        transition(competition, "approve", actor=approver)
    assert refusal_codes(excinfo) == [code]
    assert named in messages(excinfo)
    competition.refresh_from_db()
    assert competition.state == CompetitionState.DRAFT


@pytest.mark.parametrize(
    ("field", "value", "code", "named"), MISSING_ELEMENTS[:4], ids=[m[0] for m in MISSING_ELEMENTS[:4]]
)
def test_publish_rechecks_the_elements(field, value, code, named, approved, officer):
    record_all_channels(approved, officer)
    Competition.objects.filter(pk=approved.pk).update(**{field: value})
    approved.refresh_from_db()
    with pytest.raises(WrongState) as excinfo:
        transition(approved, "publish", actor=officer)
    assert code in refusal_codes(excinfo)


def test_every_missing_element_is_named_at_once(authority, approver):
    competition = CompetitionFactory(
        authority=authority,
        task_type="",
        award_rules="",
        performance_terms="",
        selection_procedure="",
        submission_deadline=None,
        selection_date=None,
        with_areas=False,
    )
    with pytest.raises(WrongState) as excinfo:
        transition(competition, "approve", actor=approver)
    year = timezone.localdate().year
    assert refusal_codes(excinfo) == [
        "missing_task_type",
        "missing_award_rules",
        "missing_performance_terms",
        "missing_selection_procedure",
        "missing_deadline",
        "missing_selection_date",
        "missing_prior_funding",
        "missing_prior_funding",
        "no_task_areas",
    ]
    assert [r.params["year"] for r in excinfo.value.refusals if r.code == "missing_prior_funding"] == [
        year - 1,
        year,
    ]


@pytest.mark.parametrize("offset", [0, 1], ids=["this-year", "previous-year"])
def test_prior_funding_is_needed_for_the_year_and_the_previous_one(offset, authority, approver):
    competition = CompetitionFactory(authority=authority)
    year = timezone.localdate().year - offset
    PriorFunding.objects.filter(competition=competition, year=year).delete()
    with pytest.raises(WrongState) as excinfo:
        transition(competition, "approve", actor=approver)
    assert refusal_codes(excinfo) == ["missing_prior_funding"]
    text = messages(excinfo)
    assert str(year) in text and "art. 13 ust. 2 pkt 7" in text


def test_prior_funding_of_zero_is_enough(authority, approver):
    competition = CompetitionFactory(authority=authority)
    PriorFunding.objects.filter(competition=competition).update(
        total_cost=Decimal("0"), grants_to_ngos=Decimal("0")
    )
    assert transition(competition, "approve", actor=approver).state == CompetitionState.APPROVED


def test_the_prior_years_follow_the_publication_year(authority, approver):
    """Announced in 2025 (published_at), the figures for 2024 and 2025 are the ones needed."""
    competition = CompetitionFactory(
        authority=authority, published=True, published_at=dt.datetime(2025, 11, 20, 10, 0, tzinfo=dt.UTC)
    )
    PriorFunding.objects.filter(competition=competition).delete()
    for year in (2024, 2025):
        PriorFunding.objects.create(
            competition=competition, year=year, description="Zadania", total_cost=1, grants_to_ngos=1
        )
    assert not [p for p in competition.announcement_problems() if p.code == "missing_prior_funding"]


def test_selection_before_the_deadline_is_refused(authority, approver):
    competition = CompetitionFactory(authority=authority)
    Competition.objects.filter(pk=competition.pk).update(
        selection_date=competition.submission_deadline.date() - dt.timedelta(days=1)
    )
    competition.refresh_from_db()
    with pytest.raises(WrongState) as excinfo:
        transition(competition, "approve", actor=approver)
    assert refusal_codes(excinfo) == ["selection_before_deadline"]


def test_a_task_without_criteria_is_named(authority, approver):
    competition = CompetitionFactory(authority=authority)
    TaskAreaFactory(competition=competition, number=2)
    with pytest.raises(WrongState) as excinfo:
        transition(competition, "approve", actor=approver)
    assert refusal_codes(excinfo) == ["no_criteria"]
    assert "Task 2" in messages(excinfo)


def test_a_maximum_grant_above_the_budget_is_named(authority, approver):
    competition = CompetitionFactory(authority=authority)
    TaskArea.objects.filter(competition=competition).update(max_grant=Decimal("200000.00"))
    with pytest.raises(WrongState) as excinfo:
        transition(competition, "approve", actor=approver)
    assert refusal_codes(excinfo) == ["max_grant_over_budget"]


# --- derived facts -------------------------------------------------------------------------------------


def test_total_funds_is_the_sum_of_the_task_budgets(authority):
    competition = CompetitionFactory(authority=authority, with_areas=False)
    assert competition.total_funds() == Decimal("0.00")
    TaskAreaFactory(competition=competition, budget=Decimal("120000.00"))
    TaskAreaFactory(competition=competition, budget=Decimal("35000.50"))
    assert competition.total_funds() == Decimal("155000.50")


def test_max_points_is_the_sum_of_the_criteria(authority):
    competition = CompetitionFactory(authority=authority)
    area = competition.task_areas.get()
    assert area.max_points() == Decimal("25")
    Criterion.objects.create(task_area=area, name="Wkład własny", max_points=Decimal("2.5"))
    assert area.max_points() == Decimal("27.5")


def test_accepting_offers_needs_published_and_open(authority):
    published = CompetitionFactory(authority=authority, published=True)
    assert published.accepting_offers()
    assert not published.accepting_offers(now=published.submission_deadline + dt.timedelta(minutes=1))
    assert not CompetitionFactory(authority=authority, approved=True).accepting_offers()
    assert not CompetitionFactory(authority=authority, closed=True).accepting_offers()


def test_cancellation_grounds(authority):
    assert CompetitionFactory(authority=authority).cancellation_problems() == []
    published = CompetitionFactory(authority=authority, published=True)
    assert [r.code for r in published.cancellation_problems()] == ["no_cancellation_ground"]
    published.cancellation_reservation = "Zastrzega się prawo odwołania konkursu."
    assert published.cancellation_problems() == []
    assert CompetitionFactory(authority=authority, closed=True).cancellation_problems() == []


def test_task_area_constraints_hold_in_the_database(authority):
    from django.db import IntegrityError, transaction

    competition = CompetitionFactory(authority=authority, with_areas=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        TaskAreaFactory(
            competition=competition, window_start=dt.date(2027, 5, 1), window_end=dt.date(2027, 4, 1)
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        TaskAreaFactory(competition=competition, min_grant=Decimal("5000"), max_grant=Decimal("1000"))
    with pytest.raises(IntegrityError), transaction.atomic():
        TaskAreaFactory(competition=competition, number=1)
        TaskAreaFactory(competition=competition, number=1)
