"""The verbs of evaluation and award, one rule at a time: the committee's composition (art. 15
ust. 2a–2f), impartiality and exclusion, scoring, the quorum, the call to remedy on the KPA
calendar, the scheduler catching up, amounts, the decision, the update and requests for
justification (art. 15 ust. 2j)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone

from competitions.models import AuthorityRole, CancellationGround, CompetitionState
from competitions.services import competition_cancel
from evaluation import services
from evaluation.models import (
    Award,
    AwardState,
    Committee,
    CommitteeState,
    DeclarationState,
    Evaluation,
    EvaluationState,
    FormalCheck,
    FormalCheckState,
    NgoAbsence,
    Seat,
    SeatKind,
    SeatRole,
    SheetState,
)
from evaluation.selectors import offer_for_member
from offers.form import money
from offers.models import RepresentationRole
from offers.services import offer_save_section
from workflow.audit import audit_events_for
from workflow.calendar import WARSAW
from workflow.errors import Forbidden, InvalidData, NotFound, WrongState
from workflow.services import available_transitions

from ..factories import (
    CompetitionFactory,
    OfferFactory,
    OrganizationFactory,
    UserFactory,
    complete_sections,
    representative,
)
from .builders import checklist, score_offer

pytestmark = pytest.mark.django_db


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=WARSAW)


def codes(error: WrongState) -> list[str]:
    return [r.code for r in error.refusals]


@dataclass
class Round:
    competition: Any
    evaluation: Evaluation
    area: Any
    criteria: list
    items: list
    offers: list
    orgs: list
    ngo: list
    people: dict


def _round(authority, officer, *, offers: int = 2, requested: str = "30000.00") -> Round:
    competition = CompetitionFactory(authority=authority, closed=True)
    area = competition.task_areas.get()
    items = checklist(competition)
    orgs = [OrganizationFactory() for _ in range(offers)]
    ngo = [representative(org, RepresentationRole.ADMIN) for org in orgs]
    created = [OfferFactory(task_area=area, organization=org, submitted=True, grant_requested=Decimal(requested))
               for org in orgs]
    evaluation = services.evaluation_start(competition=competition, actor=officer)
    return Round(competition, evaluation, area, list(area.criteria.all()), items, created, orgs, ngo, {})


def _accept_all(r: Round, officer) -> None:
    for offer in r.offers:
        services.formal_check_record(check=offer.formal_check, actor=officer,
                                     results={i.pk: ("met", "") for i in r.items})
        services.formal_check_accept(offer.formal_check, actor=officer)


def _committee(r: Round, officer, *, expert: bool = True) -> dict:
    committee = r.competition.committee
    people = {"chair": UserFactory(), "member": UserFactory(), "nominee": UserFactory()}
    services.seat_add(committee=committee, actor=officer, user=people["chair"], role=SeatRole.CHAIR)
    services.seat_add(committee=committee, actor=officer, user=people["member"])
    services.seat_add(committee=committee, actor=officer, user=people["nominee"], kind=SeatKind.NGO_NOMINEE,
                      nominated_by_name="Rada Działalności Pożytku Publicznego")
    if expert:
        people["expert"] = UserFactory()
        services.seat_add(committee=committee, actor=officer, user=people["expert"], role=SeatRole.EXPERT,
                          kind=SeatKind.EXPERT)
    services.committee_appoint(committee, actor=officer, appointment_reference="Zarządzenie 7/2027")
    r.people.update(people)
    return people


@pytest.fixture
def merit(authority, officer) -> Round:
    """Two accepted offers before a committee of a chair, a member, an NGO nominee and an expert."""
    r = _round(authority, officer)
    _accept_all(r, officer)
    _committee(r, officer)
    r.evaluation = services.evaluation_start_merit_review(r.evaluation, actor=officer)
    return r


def full_marks(r: Round) -> dict[int, str]:
    return {c.pk: str(c.max_points) for c in r.criteria}


# --- the committee ------------------------------------------------------------------------------------


def test_a_nominee_of_an_offering_organisation_is_refused(authority, officer):
    r = _round(authority, officer)
    with pytest.raises(InvalidData) as refused:
        services.seat_add(committee=r.competition.committee, actor=officer, user=UserFactory(),
                          kind=SeatKind.NGO_NOMINEE, nominated_by=r.orgs[0])
    assert "art. 15 ust. 2d" in refused.value.errors["nominated_by"][0]
    assert not Seat.objects.exists()
    # a nominee of an organisation without an offer here may sit
    seat = services.seat_add(committee=r.competition.committee, actor=officer, user=UserFactory(),
                             kind=SeatKind.NGO_NOMINEE, nominated_by=OrganizationFactory())
    assert seat.kind == SeatKind.NGO_NOMINEE


def test_no_ngo_member_needs_the_reason_of_ust_2da_before_appointment(authority, officer):
    r = _round(authority, officer)
    committee = r.competition.committee
    services.seat_add(committee=committee, actor=officer, user=UserFactory(), role=SeatRole.CHAIR)
    with pytest.raises(WrongState) as refused:
        services.committee_appoint(committee, actor=officer, appointment_reference="Zarządzenie 7/2027")
    assert "no_ngo_member" in codes(refused.value)
    assert Committee.objects.get(pk=committee.pk).state == CommitteeState.FORMING
    with pytest.raises(InvalidData) as missing:
        services.committee_configure(committee=committee, actor=officer, ngo_absence=NgoAbsence.NONE_NOMINATED)
    assert "ngo_absence_note" in missing.value.errors
    services.committee_configure(committee=committee, actor=officer, ngo_absence=NgoAbsence.NONE_NOMINATED,
                                 ngo_absence_note="Na ogłoszenie o naborze nie zgłosił się nikt.")
    committee = services.committee_appoint(committee, actor=officer, appointment_reference="Zarządzenie 7/2027")
    assert committee.state == CommitteeState.APPOINTED


def test_an_expert_sits_only_as_an_expert(authority, officer):
    r = _round(authority, officer)
    with pytest.raises(InvalidData) as refused:
        services.seat_add(committee=r.competition.committee, actor=officer, user=UserFactory(),
                          role=SeatRole.EXPERT, kind=SeatKind.AUTHORITY)
    assert "role" in refused.value.errors


def test_a_member_representing_the_offeror_is_excluded_automatically(authority, officer):
    r = _round(authority, officer)
    _accept_all(r, officer)
    insider = representative(r.orgs[1], RepresentationRole.EDITOR)
    services.seat_add(committee=r.competition.committee, actor=officer, user=insider)
    people = _committee(r, officer, expert=False)
    services.evaluation_start_merit_review(r.evaluation, actor=officer)
    seat = insider.seats.get()
    own = seat.declarations.get(offer=r.offers[1])
    assert own.state == DeclarationState.EXCLUDED
    event = audit_events_for(own).last()
    assert (event.action, event.actor_role, event.actor) == ("evaluation.declaration.exclude", "system", None)
    # excluded before seeing anything: no declaration to make, no offer to open, nothing to score
    with pytest.raises(WrongState):
        services.declaration_make(own, actor=insider, impartial=True)
    with pytest.raises(NotFound):
        offer_for_member(user=insider, pk=r.offers[1].pk)
    with pytest.raises(WrongState):
        services.scores_save(seat=seat, offer=r.offers[1], actor=insider,
                             scores={c.pk: {"points": "1"} for c in r.criteria})
    assert seat.declarations.get(offer=r.offers[0]).state == DeclarationState.PENDING
    assert people["chair"].seats.get().declarations.get(offer=r.offers[1]).state == DeclarationState.PENDING


# --- impartiality and scoring -------------------------------------------------------------------------


def test_a_conflicted_member_cannot_open_or_score_the_offer(merit):
    member = merit.people["member"]
    seat = member.seats.get()
    declaration = seat.declarations.get(offer=merit.offers[0])
    with pytest.raises(NotFound):  # not before the declaration either
        offer_for_member(user=member, pk=merit.offers[0].pk)
    services.declaration_make(declaration, actor=member, impartial=False, ground="Członek zarządu oferenta")
    declaration.refresh_from_db()
    assert declaration.state == DeclarationState.CONFLICT and declaration.ground == "Członek zarządu oferenta"
    with pytest.raises(NotFound):
        offer_for_member(user=member, pk=merit.offers[0].pk)
    with pytest.raises(WrongState):
        services.scores_save(seat=seat, offer=merit.offers[0], actor=member,
                             scores={c.pk: {"points": "1"} for c in merit.criteria})
    assert not seat.sheets.exists()
    with pytest.raises(WrongState):  # a declaration is made once
        services.declaration_make(declaration, actor=member, impartial=True)
    # impartial for the other offer: that one opens
    services.declaration_make(seat.declarations.get(offer=merit.offers[1]), actor=member, impartial=True)
    assert offer_for_member(user=member, pk=merit.offers[1].pk)[0] == merit.offers[1]


def test_an_expert_cannot_score(merit):
    expert = merit.people["expert"]
    seat = expert.seats.get()
    services.declaration_make(seat.declarations.get(offer=merit.offers[0]), actor=expert, impartial=True)
    assert offer_for_member(user=expert, pk=merit.offers[0].pk)[0] == merit.offers[0]  # an advisory voice reads
    with pytest.raises(Forbidden):
        services.scores_save(seat=seat, offer=merit.offers[0], actor=expert,
                             scores={c.pk: {"points": "1", "comment": "x"} for c in merit.criteria})


def test_a_low_score_needs_a_comment(merit):
    member = merit.people["member"]
    low = merit.criteria[1]  # 10 points; the committee asks for a comment below 50%
    scores = {c.pk: {"points": str(c.max_points)} for c in merit.criteria}
    scores[low.pk] = {"points": "4"}
    services.declaration_make(member.seats.get().declarations.get(offer=merit.offers[0]), actor=member,
                              impartial=True)
    sheet = services.scores_save(seat=member.seats.get(), offer=merit.offers[0], actor=member, scores=scores)
    with pytest.raises(InvalidData) as refused:
        services.sheet_submit(sheet, actor=member)
    assert list(refused.value.errors) == [f"scores.{low.pk}"]
    assert "comment" in refused.value.errors[f"scores.{low.pk}"][0]
    scores[low.pk] = {"points": "4", "comment": "Kosztorys zawyżony o połowę."}
    services.scores_save(seat=member.seats.get(), offer=merit.offers[0], actor=member, scores=scores)
    assert services.sheet_submit(sheet, actor=member).state == SheetState.SUBMITTED


def test_points_over_the_maximum_or_off_the_step_are_refused_at_their_criterion(merit):
    member = merit.people["member"]
    seat = member.seats.get()
    services.declaration_make(seat.declarations.get(offer=merit.offers[0]), actor=member, impartial=True)
    first, second, third = merit.criteria
    with pytest.raises(InvalidData) as refused:
        services.scores_save(seat=seat, offer=merit.offers[0], actor=member,
                             scores={first.pk: {"points": "6"}, second.pk: {"points": "8"},
                                     third.pk: {"points": "dużo"}})
    assert set(refused.value.errors) == {f"scores.{first.pk}", f"scores.{third.pk}"}
    assert refused.value.errors[f"scores.{first.pk}"] == ["At most 5 points."]
    sheet = seat.sheets.get(offer=merit.offers[0])
    assert {s.criterion_id: s.points for s in sheet.scores.all()} == {second.pk: Decimal("8")}  # the rest is kept
    services.scores_save(seat=seat, offer=merit.offers[0], actor=member,
                         scores={first.pk: {"points": "2,5", "comment": "pół punktu"},
                                 third.pk: {"points": "9"}})
    with pytest.raises(InvalidData) as off_step:
        services.sheet_submit(sheet, actor=member)
    assert off_step.value.errors == {f"scores.{first.pk}": ["Score in steps of 1 points."]}


def test_a_submitted_sheet_is_locked_until_the_chair_reopens_it_with_a_reason(merit):
    member, chair = merit.people["member"], merit.people["chair"]
    sheet = score_offer(member, merit.offers[0], full_marks(merit))
    assert sheet.state == SheetState.SUBMITTED
    with pytest.raises(WrongState):
        services.scores_save(seat=sheet.seat, offer=merit.offers[0], actor=member, scores={})
    with pytest.raises(Forbidden):
        services.sheet_reopen(sheet, actor=member, reason="Pomyłka")
    with pytest.raises(InvalidData):
        services.sheet_reopen(sheet, actor=chair, reason=" ")
    sheet = services.sheet_reopen(sheet, actor=chair, reason="Członek zgłosił omyłkę w kryterium 2")
    assert sheet.state == SheetState.DRAFT and sheet.submitted_at is None
    event = audit_events_for(sheet).last()
    assert (event.action, event.actor_role, event.reason) == (
        "evaluation.scoresheet.reopen", "committee_chair", "Członek zgłosił omyłkę w kryterium 2")
    services.scores_save(seat=sheet.seat, offer=merit.offers[0], actor=member,
                         scores={merit.criteria[1].pk: {"points": "9"}})
    assert sheet.scores.get(criterion=merit.criteria[1]).points == Decimal("9")


def test_scoring_closes_only_with_the_quorum_and_says_how_many_offers_are_short(merit):
    chair = merit.people["chair"]
    score_offer(chair, merit.offers[0], full_marks(merit))
    score_offer(merit.people["member"], merit.offers[0], full_marks(merit))
    score_offer(chair, merit.offers[1], full_marks(merit))
    with pytest.raises(WrongState) as refused:
        services.evaluation_close_scoring(merit.evaluation, actor=chair, signed_by="Przewodniczący, Członek")
    quorum = next(r for r in refused.value.refusals if r.code == "quorum_not_reached")
    assert quorum.params == {"count": 1, "needed": 2}  # two of three voting members; the expert does not vote
    assert Evaluation.objects.get(pk=merit.evaluation.pk).state == EvaluationState.MERIT_REVIEW
    score_offer(merit.people["nominee"], merit.offers[1], full_marks(merit))
    with pytest.raises(InvalidData):
        services.evaluation_close_scoring(merit.evaluation, actor=chair, signed_by="")
    with pytest.raises(Forbidden):
        services.evaluation_close_scoring(merit.evaluation, actor=merit.people["member"], signed_by="A")
    evaluation = services.evaluation_close_scoring(merit.evaluation, actor=chair, signed_by="A, B, C")
    assert evaluation.state == EvaluationState.AWAITING_DECISION
    assert Award.objects.filter(offer__in=merit.offers, state=AwardState.PENDING).count() == 2


# --- the call to remedy, on the calendar ---------------------------------------------------------------


@pytest.mark.parametrize(("today", "due"), [
    (dt.date(2027, 6, 1), dt.date(2027, 6, 8)),  # Tuesday + 7 days: a Tuesday
    (dt.date(2027, 6, 5), dt.date(2027, 6, 14)),  # + 7 days is a Saturday: Monday
    (dt.date(2027, 11, 4), dt.date(2027, 11, 12)),  # + 7 days is 11 November, Independence Day: Friday
    (dt.date(2027, 3, 22), dt.date(2027, 3, 30)),  # + 7 days is Easter Monday: Tuesday
    (dt.date(2027, 12, 17), dt.date(2027, 12, 27)),  # Christmas Eve, Christmas, Sunday: Monday the 27th
])
def test_the_remedy_deadline_follows_the_kpa_calendar(authority, officer, today, due):
    r = _round(authority, officer, offers=1)
    check = r.offers[0].formal_check
    services.formal_check_record(check=check, actor=officer,
                                 results={r.items[0].pk: ("defect", "Brak podpisu"), r.items[1].pk: ("met", "")})
    with mock.patch("django.utils.timezone.now", return_value=at(today)):
        assert timezone.localdate() == today
        check = services.formal_check_request_remedy(check, actor=officer, message="Podpisz ofertę",
                                                     sections=["declarations"])
    assert check.remedy_deadline == dt.datetime.combine(due, dt.time(23, 59), tzinfo=WARSAW)


def test_a_non_remediable_defect_cannot_be_called_to_remedy(authority, officer):
    r = _round(authority, officer, offers=1)
    check = r.offers[0].formal_check
    services.formal_check_record(check=check, actor=officer,
                                 results={r.items[0].pk: ("met", ""), r.items[1].pk: ("defect", "Po terminie")})
    with pytest.raises(WrongState) as refused:
        services.formal_check_request_remedy(check, actor=officer, message="x", sections=["declarations"])
    assert "not_remediable" in codes(refused.value)
    with pytest.raises(InvalidData):  # and the substance is never remediable
        services.formal_check_request_remedy(check, actor=officer, message="x", sections=["task"])


def _remedy_called(r: Round, officer, today: dt.date) -> FormalCheck:
    check = r.offers[0].formal_check
    services.formal_check_record(check=check, actor=officer,
                                 results={r.items[0].pk: ("defect", "Brak podpisu"), r.items[1].pk: ("met", "")})
    with mock.patch("django.utils.timezone.now", return_value=at(today)):
        return services.formal_check_request_remedy(check, actor=officer, message="Podpisz",
                                                    sections=["declarations"])


def test_a_late_remedy_is_refused_by_the_clock_even_without_the_scheduler(authority, officer):
    r = _round(authority, officer, offers=1)
    check = _remedy_called(r, officer, dt.date(2027, 6, 1))  # due 8 June 23:59
    ngo, offer = r.ngo[0], r.offers[0]
    declarations = offer.sections.get(key="declarations")
    with mock.patch("django.utils.timezone.now", return_value=at(dt.date(2027, 6, 8), 23)):
        offer_save_section(offer=offer, actor=ngo, key="declarations", data=declarations.data,
                           base_revision=declarations.revision)
    late = dt.datetime(2027, 6, 9, 0, 0, tzinfo=WARSAW)
    with mock.patch("django.utils.timezone.now", return_value=late):
        with pytest.raises(WrongState) as refused:
            services.formal_check_remedy(check, actor=ngo)
        assert "remedy_deadline_passed" in codes(refused.value)
        declarations.refresh_from_db()
        with pytest.raises(WrongState):  # nor may the flagged section change any more
            offer_save_section(offer=offer, actor=ngo, key="declarations", data=declarations.data,
                               base_revision=declarations.revision)
    assert FormalCheck.objects.get(pk=check.pk).state == FormalCheckState.REMEDY_REQUESTED  # beat has not run


def test_the_scheduler_catches_up_on_unremedied_offers_and_silent_offerors(authority, officer, approver):
    r = _round(authority, officer, offers=2)
    check = _remedy_called(r, officer, dt.date(2027, 6, 1))
    with mock.patch("django.utils.timezone.now", return_value=at(dt.date(2027, 6, 8), 12)):
        assert services.formal_checks_expire() == []  # still open
    with mock.patch("django.utils.timezone.now", return_value=at(dt.date(2027, 6, 20))):
        expired = services.formal_checks_expire()
    assert expired == [check.pk]
    check.refresh_from_db()
    assert check.state == FormalCheckState.REJECTED and "not remedied" in check.reasons
    event = audit_events_for(check).last()
    assert (event.action, event.actor_role) == ("evaluation.formalcheck.expire", "system")
    with mock.patch("django.utils.timezone.now", return_value=at(dt.date(2027, 6, 21))):
        assert services.formal_checks_expire() == []  # idempotent

    award = _awaiting_update(r, officer, approver)
    assert services.updates_expire() == []
    declined = services.updates_expire(now=award.update_deadline + dt.timedelta(minutes=1))
    assert declined == [award.pk]
    award.refresh_from_db()
    assert award.state == AwardState.DECLINED
    event = audit_events_for(award).last()
    assert (event.action, event.actor_role, event.reason) == ("evaluation.award.decline", "system",
                                                              "No update by the deadline.")


def _awaiting_update(r: Round, officer, approver) -> Award:
    """The second offer through the committee to a lower award: awaiting the offeror's update."""
    offer = r.offers[1]
    services.formal_check_record(check=offer.formal_check, actor=officer,
                                 results={i.pk: ("met", "") for i in r.items})
    services.formal_check_accept(offer.formal_check, actor=officer)
    people = _committee(r, officer, expert=False)
    evaluation = services.evaluation_start_merit_review(r.evaluation, actor=officer)
    for key in ("chair", "member"):
        score_offer(people[key], offer, full_marks(r))
    evaluation = services.evaluation_close_scoring(evaluation, actor=people["chair"], signed_by="A, B")
    offer.refresh_from_db()
    services.award_propose(offer.award, actor=people["chair"], amount="25000", cut_reason="Koszty lokalu")
    services.award_decide(offer.award, actor=approver, select=True, amount="25000")
    services.evaluation_resolve(evaluation, actor=approver, decision_reference="Zarządzenie 9/2027")
    return Award.objects.get(offer=offer)


def test_no_valid_offer_offers_the_cancellation_on_the_ground_of_art_18a(authority, officer, approver):
    r = _round(authority, officer, offers=2)
    for offer in r.offers:
        services.formal_check_record(check=offer.formal_check, actor=officer,
                                     results={r.items[0].pk: ("met", ""), r.items[1].pk: ("defect", "Po terminie")})
        services.formal_check_reject(offer.formal_check, actor=officer, reasons="Złożona po terminie")
    _committee(r, officer, expert=False)
    with pytest.raises(WrongState) as refused:
        services.evaluation_start_merit_review(r.evaluation, actor=officer)
    assert codes(refused.value) == ["no_valid_offers"]
    competition = r.competition
    competition.refresh_from_db()
    assert competition.statutory_cancellation_grounds() == [CancellationGround.NO_VALID_OFFERS]
    cancel = next(a for a in available_transitions(competition, approver) if a.name == "cancel")
    assert cancel.allowed, cancel.reasons
    competition = competition_cancel(competition, actor=approver, reason="Żadna oferta nie spełniła wymogów.",
                                     ground=CancellationGround.NO_VALID_OFFERS)
    assert competition.state == CompetitionState.CANCELLED
    assert competition.cancellation_ground == CancellationGround.NO_VALID_OFFERS


def test_one_valid_offer_is_no_ground_to_cancel(authority, officer, approver):
    r = _round(authority, officer, offers=2)
    _accept_all(r, officer)
    r.competition.refresh_from_db()
    assert r.competition.statutory_cancellation_grounds() == []
    with pytest.raises(InvalidData):
        competition_cancel(r.competition, actor=approver, reason="x", ground=CancellationGround.NO_VALID_OFFERS)


# --- amounts and the decision ---------------------------------------------------------------------------


@pytest.fixture
def deciding(authority):
    """Three accepted offers of 50 000 zł each (task budget 120 000, grants 20 000–60 000) awaiting
    the decision, with a chair."""
    competition = CompetitionFactory(authority=authority, closed=True)
    area = competition.task_areas.get()
    offers = []
    for _ in range(3):
        organization = OrganizationFactory()
        offers.append(OfferFactory(task_area=area, organization=organization, submitted=True,
                                   grant_requested=Decimal("50000.00"), total_cost=Decimal("56000.00"),
                                   content=complete_sections(area, organization, grant="50000.00", own="6000.00")))
    Evaluation.objects.create(competition=competition, state=EvaluationState.AWAITING_DECISION)
    for offer in offers:
        FormalCheck.objects.create(offer=offer, state=FormalCheckState.ACCEPTED)
    committee = Committee.objects.create(competition=competition, state=CommitteeState.APPOINTED)
    chair = UserFactory()
    Seat.objects.create(committee=committee, user=chair, role=SeatRole.CHAIR)
    awards = [Award.objects.create(offer=offer) for offer in offers]
    return {"competition": competition, "area": area, "offers": offers, "awards": awards, "chair": chair}


def test_a_proposal_is_at_most_the_request_within_the_limits_and_the_budget(deciding):
    chair, (a, b, c) = deciding["chair"], deciding["awards"]
    for amount, message in (("50000.01", "More than the offeror asked for"),
                            ("19999.99", "Below the task's minimum grant"), ("0", "above zero")):
        with pytest.raises(InvalidData) as refused:
            services.award_propose(a, actor=chair, amount=amount, cut_reason="powód")
        assert any(message in m for m in refused.value.errors["amount"]), refused.value.errors
    with pytest.raises(InvalidData) as no_reason:
        services.award_propose(a, actor=chair, amount="40000")
    assert list(no_reason.value.errors) == ["cut_reason"]
    with pytest.raises(InvalidData) as bad:
        services.award_propose(a, actor=chair, amount="dużo")
    assert "amount" in bad.value.errors
    services.award_propose(a, actor=chair, amount="50000")
    services.award_propose(b, actor=chair, amount="50000")
    with pytest.raises(InvalidData) as over:
        services.award_propose(c, actor=chair, amount="30000", cut_reason="Budżet")
    assert over.value.errors["amount"] == [
        f"The proposals for task 1 would exceed its budget {money(Decimal(120000))} by {money(Decimal(10000))}."]
    assert services.award_propose(c, actor=chair, amount="20000", cut_reason="Budżet").state == AwardState.PROPOSED
    # a proposal may be changed while awaiting the decision
    assert services.award_propose(c, actor=chair, amount="20000.00", cut_reason="Budżet zadania").cut_reason == (
        "Budżet zadania")


def test_a_proposal_above_the_tasks_maximum_is_refused(authority):
    competition = CompetitionFactory(authority=authority, closed=True)
    offer = OfferFactory(task_area=competition.task_areas.get(), submitted=True, grant_requested=Decimal("70000"))
    Evaluation.objects.create(competition=competition, state=EvaluationState.AWAITING_DECISION)
    committee = Committee.objects.create(competition=competition, state=CommitteeState.APPOINTED)
    chair = UserFactory()
    Seat.objects.create(committee=committee, user=chair, role=SeatRole.CHAIR)
    with pytest.raises(InvalidData) as refused:
        services.award_propose(Award.objects.create(offer=offer), actor=chair, amount="65000", cut_reason="x")
    assert refused.value.errors["amount"] == [f"Above the task's maximum grant ({money(Decimal(60000))})."]


def test_the_decision_departs_from_the_proposal_only_with_a_reason(deciding, authority):
    from ..factories import staff

    approver = staff(authority, AuthorityRole.APPROVER)
    chair, (a, b, c) = deciding["chair"], deciding["awards"]
    services.award_propose(a, actor=chair, amount="45000", cut_reason="Koszty lokalu")
    with pytest.raises(InvalidData) as refused:
        services.award_decide(a, actor=approver, select=True, amount="40000")
    assert list(refused.value.errors) == ["reason"]
    a = services.award_decide(a, actor=approver, select=True, amount="40000", reason="Mniej środków")
    assert (a.state, a.decided_amount, a.decision_reason) == (AwardState.SELECTED, Decimal("40000.00"),
                                                              "Mniej środków")
    event = audit_events_for(a).last()
    assert (event.reason, event.payload["amount"], event.payload["proposed"]) == ("Mniej środków", "40000.00",
                                                                                   "45000.00")
    with pytest.raises(Forbidden):
        services.award_decide(b, actor=chair, select=True, amount="50000")
    services.award_decide(b, actor=approver, select=True, amount="50000")
    with pytest.raises(InvalidData) as over:
        services.award_decide(c, actor=approver, select=True, amount="40000")
    assert "exceed its budget" in over.value.errors["amount"][0]
    c = services.award_decide(c, actor=approver, select=False, reason="Brak środków")
    assert (c.state, c.decided_amount, c.decision_reason) == (AwardState.NOT_SELECTED, Decimal("0.00"),
                                                              "Brak środków")


def test_resolve_asks_for_an_update_only_where_less_was_awarded(deciding, authority):
    from ..factories import staff

    approver = staff(authority, AuthorityRole.APPROVER)
    a, b, c = deciding["awards"]
    services.award_decide(a, actor=approver, select=True, amount="50000")
    services.award_decide(b, actor=approver, select=True, amount="30000")
    evaluation = deciding["competition"].evaluation
    with pytest.raises(WrongState) as refused:
        services.evaluation_resolve(evaluation, actor=approver, decision_reference="Zarządzenie 9/2027")
    assert codes(refused.value) == ["awards_undecided"]
    services.award_decide(c, actor=approver, select=False, reason="Poniżej progu")
    with pytest.raises(InvalidData):
        services.evaluation_resolve(evaluation, actor=approver, decision_reference=" ")
    with mock.patch("django.utils.timezone.now", return_value=at(dt.date(2027, 4, 23))):  # a Friday
        evaluation = services.evaluation_resolve(evaluation, actor=approver, decision_reference="Zarządzenie 9/2027")
    states = {award.pk: Award.objects.get(pk=award.pk) for award in (a, b, c)}
    assert states[a.pk].state == AwardState.READY_FOR_CONTRACT and states[a.pk].update_deadline is None
    assert states[b.pk].state == AwardState.AWAITING_UPDATE
    # 7 days from Friday 23 April is Friday 30 April; 1 and 3 May are holidays but not the last day
    assert states[b.pk].update_deadline == dt.datetime(2027, 4, 30, 23, 59, tzinfo=WARSAW)
    assert states[c.pk].state == AwardState.NOT_SELECTED
    assert evaluation.state == EvaluationState.RESOLVED


def test_the_update_may_not_raise_the_grants_share_and_errors_point_at_the_line(deciding, authority):
    from ..factories import staff

    approver = staff(authority, AuthorityRole.APPROVER)
    a, b, c = deciding["awards"]
    offer = deciding["offers"][0]
    ngo = representative(offer.organization, RepresentationRole.ADMIN)
    services.award_decide(a, actor=approver, select=True, amount="25000")
    services.award_decide(b, actor=approver, select=False)
    services.award_decide(c, actor=approver, select=False)
    services.evaluation_resolve(deciding["competition"].evaluation, actor=approver, decision_reference="Z 9/2027")
    award = Award.objects.get(pk=a.pk)
    costs = offer.sections.get(key="costs").data
    line = costs["lines"][0]  # the offer: 54 000 of action costs; grant 50 000 of 56 000 (89.29%)
    line["grant_part"] = "99999"
    services.update_save(award=award, actor=ngo, key="costs", data=costs, base_revision=None)
    with pytest.raises(InvalidData) as refused:
        services.award_accept_with_update(award, actor=ngo)
    assert refused.value.errors["costs.lines.0.grant_part"][0].startswith("V.A line I.1.1: The grant part")
    # the grant cut to the award, the costs cut more than the own contribution: its share rises
    line["units"], line["grant_part"] = "25900", "23000"
    services.update_save(award=award, actor=ngo, key="costs", data=costs, base_revision=None)
    services.update_save(award=award, actor=ngo, key="sources", data={"own_financial": "2900.00"},
                         base_revision=None)
    with pytest.raises(InvalidData) as share:
        services.award_accept_with_update(award, actor=ngo)
    assert list(share.value.errors) == ["sources.total"]  # 25 000 of 27 900 is 89.61%, above 89.29%
    # 25 000 of 29 000: a lower share than in the offer
    line["units"] = "27000"
    services.update_save(award=award, actor=ngo, key="costs", data=costs, base_revision=None)
    services.update_save(award=award, actor=ngo, key="sources", data={"own_financial": "4000.00"},
                         base_revision=None)
    assert services.award_accept_with_update(award, actor=ngo).state == AwardState.READY_FOR_CONTRACT
    with pytest.raises(WrongState):  # nothing more to update
        services.update_save(award=award, actor=ngo, key="costs", data=costs, base_revision=None)


def test_justification_may_be_asked_for_within_30_days_of_the_results(deciding, authority):
    from ..factories import staff

    approver = staff(authority, AuthorityRole.APPROVER)
    evaluation = deciding["competition"].evaluation
    with pytest.raises(WrongState):
        services.justification_request_create(evaluation=evaluation, name="Jan", email="jan@example.org", text="?")
    for award in deciding["awards"]:
        services.award_decide(award, actor=approver, select=False, reason="Brak środków")
    published = at(dt.date(2027, 5, 4))
    with mock.patch("django.utils.timezone.now", return_value=published):
        evaluation = services.evaluation_resolve(evaluation, actor=approver, decision_reference="Zarządzenie 9/2027")
    with mock.patch("django.utils.timezone.now", return_value=published + dt.timedelta(days=30)):
        request = services.justification_request_create(
            evaluation=evaluation, name="Jan Kowalski", email="jan@example.org",
            text="Proszę o uzasadnienie odrzucenia oferty.", offer=deciding["offers"][0])
    assert request.answer_due == dt.date(2027, 6, 17)
    with (mock.patch("django.utils.timezone.now", return_value=published + dt.timedelta(days=30, minutes=1)),
          pytest.raises(WrongState) as late):
        services.justification_request_create(evaluation=evaluation, name="Jan", email="jan@example.org", text="?")
    assert late.value.code == "justification_period_over"
    with pytest.raises(InvalidData) as bad:
        services.justification_request_create(evaluation=evaluation, name=" ", email="nie-adres", text=" ")
    assert set(bad.value.errors) == {"name", "email", "text"}
