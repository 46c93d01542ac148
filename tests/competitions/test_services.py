"""Services of competitions: roles, the announcement and its items while a draft, publication
records, the deadline's extension and closing, cancellation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from competitions.models import (
    AuthorityRole,
    CancellationGround,
    Channel,
    Competition,
    CompetitionState,
    Criterion,
    PublicationRecord,
    TaskArea,
    has_role,
)
from competitions.services import (
    authority_grant_role,
    authority_revoke_role,
    competition_cancel,
    competition_close_due_submissions,
    competition_create,
    competition_extend_deadline,
    competition_item_remove,
    competition_item_save,
    competition_update,
    publication_record,
)
from offers.models import OfferState, Representation, RepresentationRole
from offers.services import offer_submit
from workflow.audit import audit_events_for
from workflow.calendar import WARSAW, format_local
from workflow.errors import Forbidden, InvalidData, NotFound, WrongState
from workflow.models import Notification

from ..factories import (
    AuthorityFactory,
    CompetitionFactory,
    OfferFactory,
    OrganizationFactory,
    TaskAreaFactory,
    UserFactory,
    representative,
    staff,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, scope="module")
def english():
    """The messages asserted here are the English source strings, whatever locale/pl holds."""
    from django.utils import translation

    with translation.override("en"):
        yield


def minute(value: dt.datetime) -> dt.datetime:
    return value.replace(second=0, microsecond=0)


# --- roles -----------------------------------------------------------------------------------------


def test_grant_and_revoke_a_role_is_audited(authority):
    admin, user = UserFactory(), UserFactory()
    assert not has_role(user, authority, AuthorityRole.OFFICER)
    authority_grant_role(authority=authority, user=user, role=AuthorityRole.OFFICER, actor=admin)
    assert has_role(user, authority, AuthorityRole.OFFICER)
    assert not has_role(user, authority, AuthorityRole.APPROVER)
    assert not has_role(user, AuthorityFactory(), AuthorityRole.OFFICER)
    authority_revoke_role(authority=authority, user=user, role=AuthorityRole.OFFICER, actor=admin)
    assert not has_role(user, authority, AuthorityRole.OFFICER)
    assert [(e.action, e.payload) for e in audit_events_for(authority)] == [
        ("competitions.authority.grant_role", {"user": user.pk, "role": "officer"}),
        ("competitions.authority.revoke_role", {"user": user.pk, "role": "officer"}),
    ]


def test_an_unknown_role_is_invalid(authority):
    with pytest.raises(InvalidData) as excinfo:
        authority_grant_role(authority=authority, user=UserFactory(), role="mayor")
    assert list(excinfo.value.errors) == ["role"]


# --- the announcement while it is a draft -------------------------------------------------------------


def announcement_fields(**overrides):
    fields = {
        "reference": "BOP.524.9.2027",
        "title": "Konkurs na zadania z zakresu kultury",
        "year": 2027,
        "task_type": "Kultura",
        "award_rules": "Zasady",
        "performance_terms": "Terminy",
        "selection_procedure": "Tryb",
        "submission_deadline": minute(timezone.now() + dt.timedelta(days=40)),
        "selection_date": timezone.localdate() + dt.timedelta(days=70),
    }
    fields.update(overrides)
    return fields


def test_an_officer_creates_a_competition(authority, officer):
    competition = competition_create(authority=authority, actor=officer, **announcement_fields())
    assert competition.state == CompetitionState.DRAFT
    (event,) = audit_events_for(competition)
    assert event.action == "competitions.competition.create" and event.actor_role == "officer"
    assert event.payload["reference"] == "BOP.524.9.2027"


@pytest.mark.parametrize("who", ["approver", "finance", "other_officer", "ngo", "stranger"])
def test_only_an_officer_of_the_authority_creates(who, authority, approver, finance, ngo_admin, stranger):
    actor = {
        "approver": approver,
        "finance": finance,
        "ngo": ngo_admin,
        "stranger": stranger,
        "other_officer": staff(AuthorityFactory(), AuthorityRole.OFFICER),
    }[who]
    with pytest.raises(Forbidden):
        competition_create(authority=authority, actor=actor, **announcement_fields())
    assert not Competition.objects.exists()


def test_bad_fields_are_field_errors(authority, officer):
    with pytest.raises(InvalidData) as excinfo:
        competition_create(authority=authority, actor=officer, **announcement_fields(year=1999, reference=""))
    assert {"year", "reference"} <= set(excinfo.value.errors)


def test_update_writes_only_what_changed(authority, officer):
    competition = CompetitionFactory(authority=authority)
    competition_update(
        competition=competition, actor=officer, title=competition.title, award_rules="Nowe zasady"
    )
    (event,) = audit_events_for(competition)
    assert event.action == "competitions.competition.update" and event.payload == {
        "award_rules": "Nowe zasady"
    }
    competition_update(competition=competition, actor=officer, award_rules="Nowe zasady")
    assert audit_events_for(competition).count() == 1  # nothing changed, nothing written


@pytest.mark.parametrize("state", ["approved", "published", "submission_closed", "cancelled"])
def test_only_a_draft_announcement_changes(state, authority, officer):
    competition = CompetitionFactory(authority=authority, state=state)
    with pytest.raises(WrongState) as excinfo:
        competition_update(competition=competition, actor=officer, title="Zmieniony")
    assert excinfo.value.code == "not_editable"
    with pytest.raises(WrongState):
        competition_item_save(
            competition=competition,
            actor=officer,
            model=Criterion,
            task_area=competition.task_areas.get(),
            name="Nowe",
            max_points=Decimal("5"),
        )
    with pytest.raises(WrongState):
        competition_item_remove(competition=competition, actor=officer, instance=competition.task_areas.get())
    competition.refresh_from_db()
    assert competition.title != "Zmieniony"
    assert not audit_events_for(competition).exists()


def test_items_are_configured_as_data_and_audited(authority, officer):
    competition = CompetitionFactory(authority=authority, with_areas=False)
    area = competition_item_save(
        competition=competition,
        actor=officer,
        model=TaskArea,
        competition_id=competition.pk,
        number=1,
        name="Kultura",
        sphere="kultura",
        form="powierzenie",
        budget=Decimal("50000.00"),
        max_grant=Decimal("20000.00"),
        window_start=dt.date(2027, 4, 1),
        window_end=dt.date(2027, 11, 30),
    )
    criterion = competition_item_save(
        competition=competition,
        actor=officer,
        model=Criterion,
        task_area=area,
        name="Jakość",
        max_points=Decimal("10"),
    )
    competition_item_save(
        competition=competition, actor=officer, model=Criterion, instance=criterion, max_points=Decimal("12")
    )
    criterion.refresh_from_db()
    assert criterion.max_points == Decimal("12")
    competition_item_remove(competition=competition, actor=officer, instance=criterion)
    assert not Criterion.objects.filter(pk=criterion.pk).exists()
    assert [e.action for e in audit_events_for(competition)] == [
        "competitions.taskarea.save",
        "competitions.criterion.save",
        "competitions.criterion.save",
        "competitions.criterion.remove",
    ]


def test_an_invalid_item_gives_field_errors_and_writes_nothing(authority, officer):
    competition = CompetitionFactory(authority=authority, with_areas=False)
    with pytest.raises(InvalidData) as excinfo:
        competition_item_save(
            competition=competition,
            actor=officer,
            model=TaskArea,
            competition_id=competition.pk,
            number=1,
            name="Kultura",
            sphere="kultura",
            budget=Decimal("0"),
            window_start=dt.date(2027, 4, 1),
            window_end=dt.date(2027, 11, 30),
        )
    assert "budget" in excinfo.value.errors
    assert not TaskArea.objects.exists() and not audit_events_for(competition).exists()


def test_items_need_an_officer(authority, approver):
    competition = CompetitionFactory(authority=authority)
    with pytest.raises(Forbidden):
        competition_item_save(
            competition=competition,
            actor=approver,
            model=Criterion,
            task_area=competition.task_areas.get(),
            name="X",
            max_points=Decimal("5"),
        )


# --- publication records -------------------------------------------------------------------------------


def test_publication_is_recorded_once_per_channel(authority, officer):
    competition = CompetitionFactory(authority=authority, approved=True)
    today = timezone.localdate()
    publication_record(
        competition=competition, actor=officer, channel=Channel.BIP, published_on=today - dt.timedelta(days=1)
    )
    publication_record(
        competition=competition,
        actor=officer,
        channel=Channel.BIP,
        published_on=today,
        url="https://bip.example.org/ogloszenie",
    )
    record = PublicationRecord.objects.get(competition=competition)
    assert record.published_on == today and record.url.endswith("ogloszenie")
    assert (
        audit_events_for(competition).filter(action="competitions.competition.record_publication").count()
        == 2
    )


def test_a_future_publication_or_unknown_channel_is_refused(authority, officer):
    competition = CompetitionFactory(authority=authority, approved=True)
    with pytest.raises(InvalidData) as excinfo:
        publication_record(
            competition=competition,
            actor=officer,
            channel="tiktok",
            published_on=timezone.localdate() + dt.timedelta(days=1),
        )
    assert set(excinfo.value.errors) == {"channel", "published_on"}
    assert not PublicationRecord.objects.exists()


def test_a_draft_is_not_published(authority, officer):
    competition = CompetitionFactory(authority=authority)
    with pytest.raises(WrongState):
        publication_record(
            competition=competition, actor=officer, channel=Channel.BIP, published_on=timezone.localdate()
        )


# --- closing at the deadline ---------------------------------------------------------------------------


def test_close_due_closes_only_competitions_past_their_deadline(authority):
    now = minute(timezone.now()) + dt.timedelta(seconds=30)
    past = CompetitionFactory(
        authority=authority, published=True, submission_deadline=minute(now) - dt.timedelta(minutes=1)
    )
    this_minute = CompetitionFactory(authority=authority, published=True, submission_deadline=minute(now))
    future = CompetitionFactory(
        authority=authority, published=True, submission_deadline=minute(now) + dt.timedelta(minutes=1)
    )
    approved_past = CompetitionFactory(
        authority=authority, approved=True, submission_deadline=minute(now) - dt.timedelta(days=1)
    )
    with mock.patch("django.utils.timezone.now", return_value=now):
        closed = competition_close_due_submissions()
    assert closed == [past.pk]
    states = dict(Competition.objects.values_list("pk", "state"))
    assert states[past.pk] == CompetitionState.SUBMISSION_CLOSED
    assert states[this_minute.pk] == states[future.pk] == CompetitionState.PUBLISHED
    assert states[approved_past.pk] == CompetitionState.APPROVED
    (event,) = audit_events_for(past)
    assert (event.action, event.actor_id, event.actor_role) == (
        "competitions.competition.close_submissions",
        None,
        "system",
    )
    assert event.payload["offers_submitted"] == 0


def test_a_missed_run_is_caught_up_and_a_second_run_does_nothing(authority, organization, ngo_admin):
    deadline = minute(timezone.now()) - dt.timedelta(days=3)  # beat was down for three days
    with mock.patch("django.utils.timezone.now", return_value=deadline - dt.timedelta(hours=2)):
        competition = CompetitionFactory(
            authority=authority, published=True, with_areas=False, submission_deadline=deadline
        )
        offer = OfferFactory(task_area=TaskAreaFactory(competition=competition), organization=organization)
        offer_submit(offer, actor=ngo_admin)
    assert competition_close_due_submissions() == [competition.pk]
    assert competition_close_due_submissions() == []
    competition.refresh_from_db()
    assert competition.state == CompetitionState.SUBMISSION_CLOSED
    assert audit_events_for(competition).get().payload["offers_submitted"] == 1


# --- extending the deadline ----------------------------------------------------------------------------


@pytest.fixture
def drafting(authority, organization, ngo_admin, ngo_editor):
    """A published competition; who holds what in it."""
    competition = CompetitionFactory(authority=authority, published=True, with_areas=False)
    area = TaskAreaFactory(competition=competition)
    OfferFactory(task_area=area, organization=organization)  # a draft: admin and editor are told
    both = representative(organization, RepresentationRole.EDITOR)
    second_org = OrganizationFactory()
    Representation.objects.create(organization=second_org, user=both, role=RepresentationRole.EDITOR)
    OfferFactory(task_area=area, organization=second_org)  # `both` holds two drafts: told once
    gone = representative(organization, RepresentationRole.EDITOR)
    Representation.objects.filter(user=gone).update(is_active=False)  # no longer acts for it
    representative(organization, RepresentationRole.EDITOR, email="")  # nowhere to write to
    submitted_org = OrganizationFactory()
    submitter = representative(submitted_org)
    OfferFactory(task_area=area, organization=submitted_org, submitted=True)
    discarded_org = OrganizationFactory()
    discarder = representative(discarded_org)
    OfferFactory(task_area=area, organization=discarded_org, state=OfferState.DISCARDED)
    elsewhere_org = OrganizationFactory()
    elsewhere = representative(elsewhere_org)
    OfferFactory(
        task_area=TaskAreaFactory(
            competition=CompetitionFactory(authority=authority, published=True, with_areas=False)
        ),
        organization=elsewhere_org,
    )
    return (
        competition,
        {ngo_admin.email, ngo_editor.email, both.email},
        {submitter.email, discarder.email, elsewhere.email, gone.email},
    )


def test_extension_is_audited_and_tells_each_draft_holder_once(
    drafting, officer, django_capture_on_commit_callbacks
):
    competition, told, untold = drafting
    old = competition.submission_deadline
    new = minute(old + dt.timedelta(days=5))
    with django_capture_on_commit_callbacks(execute=True):
        competition = competition_extend_deadline(
            competition, actor=officer, new_deadline=new, reason="Awaria systemu w dniu 12.03."
        )
    assert competition.state == CompetitionState.PUBLISHED and competition.submission_deadline == new
    event = audit_events_for(competition).get(action="competitions.competition.extend_deadline")
    assert event.reason == "Awaria systemu w dniu 12.03."
    assert (
        event.payload["new_deadline"] == new.isoformat() and event.payload["old_deadline"] == old.isoformat()
    )

    recipients = [message.to[0] for message in mail.outbox]
    assert sorted(recipients) == sorted(told)
    assert not set(recipients) & untold
    assert Notification.objects.count() == len(told)
    assert not Notification.objects.filter(sent_at__isnull=True).exists()
    assert format_local(new) in mail.outbox[0].body

    # the same change told again (a redelivered signal, a retried task) sends nothing more
    from offers.receivers import tell_drafts_of_extension

    with django_capture_on_commit_callbacks(execute=True):
        tell_drafts_of_extension(
            sender=Competition, instance=competition, name="extend_deadline", event=event
        )
    assert len(mail.outbox) == len(told) and Notification.objects.count() == len(told)


def test_each_extension_is_told_once(drafting, officer, django_capture_on_commit_callbacks):
    competition, told, _untold = drafting
    for days in (5, 9):
        with django_capture_on_commit_callbacks(execute=True):
            competition = competition_extend_deadline(
                competition,
                actor=officer,
                new_deadline=minute(timezone.now() + dt.timedelta(days=30 + days)),
                reason="Przedłużenie",
            )
    assert len(mail.outbox) == 2 * len(told)
    assert Notification.objects.count() == 2 * len(told)


def test_no_mail_leaves_before_the_commit(drafting, officer, django_capture_on_commit_callbacks):
    competition, _told, _untold = drafting
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        competition_extend_deadline(
            competition,
            actor=officer,
            reason="Awaria",
            new_deadline=minute(competition.submission_deadline + dt.timedelta(days=2)),
        )
        assert mail.outbox == []
    assert callbacks and mail.outbox == []


def test_extension_reopens_closed_submissions(authority, officer, organization, ngo_admin):
    competition = CompetitionFactory(authority=authority, closed=True, with_areas=False)
    offer = OfferFactory(task_area=TaskAreaFactory(competition=competition), organization=organization)
    with pytest.raises(WrongState):
        offer_submit(offer, actor=ngo_admin)
    new = minute(timezone.now() + dt.timedelta(days=3))
    competition = competition_extend_deadline(
        competition, actor=officer, new_deadline=new, reason="Awaria serwera w ostatnim dniu naboru."
    )
    assert competition.state == CompetitionState.PUBLISHED and competition.closed_at is None
    event = audit_events_for(competition).get()
    assert (event.source_state, event.target_state) == ("submission_closed", "published")
    assert offer_submit(offer, actor=ngo_admin).state == OfferState.SUBMITTED


@pytest.mark.parametrize(
    ("new", "reason", "field"),
    [
        (lambda c: c.submission_deadline + dt.timedelta(days=1), " ", "reason"),
        (lambda c: timezone.now() - dt.timedelta(minutes=5), "Awaria", "new_deadline"),
        (lambda c: c.submission_deadline, "Awaria", "new_deadline"),
        (lambda c: c.submission_deadline - dt.timedelta(days=1), "Awaria", "new_deadline"),
    ],
    ids=["no-reason", "in-the-past", "not-later", "earlier"],
)
def test_extension_input_is_checked(new, reason, field, authority, officer):
    competition = CompetitionFactory(authority=authority, published=True)
    with pytest.raises(InvalidData) as excinfo:
        competition_extend_deadline(competition, actor=officer, new_deadline=new(competition), reason=reason)
    assert field in excinfo.value.errors
    assert not audit_events_for(competition).exists()


def test_only_an_officer_extends(authority, approver):
    competition = CompetitionFactory(authority=authority, published=True)
    with pytest.raises(Forbidden):
        competition_extend_deadline(
            competition,
            actor=approver,
            reason="Awaria",
            new_deadline=competition.submission_deadline + dt.timedelta(days=1),
        )


def test_extension_keeps_the_minute_and_shows_warsaw_time(authority, officer):
    competition = CompetitionFactory(authority=authority, published=True)
    day = (competition.submission_deadline + dt.timedelta(days=3)).astimezone(WARSAW).date()
    new = dt.datetime.combine(day, dt.time(16, 0, 42), tzinfo=WARSAW)
    competition = competition_extend_deadline(competition, actor=officer, new_deadline=new, reason="Awaria")
    assert competition.submission_deadline == new.replace(second=0)
    assert format_local(competition.submission_deadline).endswith("16:00")


# --- cancellation (art. 18a) ------------------------------------------------------------------------------


def test_cancel_when_no_offer_came_in(authority, approver):
    competition = CompetitionFactory(authority=authority, closed=True)
    competition = competition_cancel(competition, actor=approver, reason="Nie złożono żadnej oferty.")
    assert competition.state == CompetitionState.CANCELLED
    assert competition.cancellation_ground == CancellationGround.NO_OFFERS
    event = audit_events_for(competition).get()
    assert event.payload == {"ground": "no_offers", "offers_submitted": 0}


def test_no_cancellation_once_offers_came_in_without_a_reservation(authority, approver, organization):
    competition = CompetitionFactory(authority=authority, closed=True, with_areas=False)
    OfferFactory(
        task_area=TaskAreaFactory(competition=competition), organization=organization, submitted=True
    )
    with pytest.raises(WrongState) as excinfo:
        competition_cancel(competition, actor=approver, reason="Zmiana planów")
    assert excinfo.value.refusals[0].code == "no_cancellation_ground"


def test_cancel_under_a_reservation(authority, approver):
    competition = CompetitionFactory(
        authority=authority,
        published=True,
        cancellation_reservation="Zastrzega się prawo odwołania konkursu.",
    )
    competition = competition_cancel(competition, actor=approver, reason="Cięcia budżetowe.")
    # still accepting offers: art. 18a (no offers) cannot apply yet, the reservation does
    assert competition.cancellation_ground == CancellationGround.RESERVATION
    assert competition.state == CompetitionState.CANCELLED


def test_a_draft_is_withdrawn_before_publication(authority, approver):
    competition = competition_cancel(CompetitionFactory(authority=authority), actor=approver, reason="Błąd.")
    assert competition.cancellation_ground == CancellationGround.NOT_PUBLISHED


@pytest.mark.parametrize(
    ("trait", "ground", "offers"),
    [("closed", "no_offers", 1), ("published", "no_offers", 0), ("closed", "reservation", 0)],
    ids=["offers-came-in", "still-open", "no-reservation"],
)
def test_a_ground_that_does_not_apply_is_refused(trait, ground, offers, authority, approver, organization):
    competition = CompetitionFactory(authority=authority, with_areas=False, **{trait: True})
    for _ in range(offers):
        OfferFactory(
            task_area=TaskAreaFactory(competition=competition), organization=organization, submitted=True
        )
    with pytest.raises(InvalidData) as excinfo:
        competition_cancel(competition, actor=approver, reason="Powód", ground=ground)
    assert list(excinfo.value.errors) == ["ground"]
    assert not audit_events_for(competition).exists()


def test_a_draft_withdrawn_before_publication_stays_private(authority, approver, officer, stranger):
    """Cancelled is a public state only for what was announced: a withdrawn draft never was."""
    from django.contrib.auth.models import AnonymousUser

    from competitions.selectors import competition_get, competition_list_public

    draft = competition_cancel(CompetitionFactory(authority=authority), actor=approver, reason="Błąd.")
    announced = competition_cancel(
        CompetitionFactory(authority=authority, closed=True), actor=approver, reason="Nie złożono ofert."
    )
    for user in (stranger, AnonymousUser()):
        with pytest.raises(NotFound):
            competition_get(user=user, pk=draft.pk)
        assert competition_get(user=user, pk=announced.pk) == announced
    assert list(competition_list_public(authority=authority)) == [announced]
    assert competition_get(user=officer, pk=draft.pk) == draft  # its authority's staff still see it


def test_cancel_needs_a_reason(authority, approver):
    competition = CompetitionFactory(authority=authority, closed=True)
    with pytest.raises(InvalidData) as excinfo:
        competition_cancel(competition, actor=approver, reason="  ")
    assert list(excinfo.value.errors) == ["reason"]
    competition.refresh_from_db()
    assert competition.state == CompetitionState.SUBMISSION_CLOSED


def test_an_unknown_ground_is_refused(authority, approver):
    competition = CompetitionFactory(authority=authority, closed=True)
    with pytest.raises(InvalidData) as excinfo:
        competition_cancel(competition, actor=approver, reason="Powód", ground="because")
    assert list(excinfo.value.errors) == ["ground"]
    competition.refresh_from_db()
    assert competition.state == CompetitionState.SUBMISSION_CLOSED


def test_extension_notices_are_written_with_the_extension_and_roll_back_with_it(authority, officer):
    from django.db import transaction

    from workflow.models import Notification

    competition = CompetitionFactory(authority=authority, published=True)
    offer = OfferFactory(task_area=competition.task_areas.get())
    holder = representative(offer.organization, RepresentationRole.EDITOR)
    new = competition.submission_deadline + dt.timedelta(days=3)
    with pytest.raises(RuntimeError), transaction.atomic():
        competition_extend_deadline(competition, actor=officer, new_deadline=new, reason="Awaria")
        assert Notification.objects.filter(recipient=holder).count() == 1  # owed inside the transaction
        raise RuntimeError("the request fails after the extension")
    assert not Notification.objects.filter(recipient=holder).exists()
    competition.refresh_from_db()
    assert competition.submission_deadline != new
    competition_extend_deadline(competition, actor=officer, new_deadline=new, reason="Awaria")
    assert Notification.objects.filter(recipient=holder).count() == 1
