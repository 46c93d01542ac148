"""Reads of evaluation: the ranking's arithmetic (with hypothesis), who sees which offer, and
query budgets that do not grow with the number of offers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluation.models import (
    Committee,
    CommitteeState,
    Declaration,
    DeclarationState,
    Evaluation,
    EvaluationState,
    FormalCheck,
    FormalCheckState,
    Score,
    ScoreSheet,
    Seat,
    SeatKind,
    SeatRole,
    SheetState,
)
from evaluation.selectors import counting_sheets, declarations_for_member, offer_for_member, ranking
from offers.models import Offer, OfferState, Organization
from workflow.errors import NotFound

from ..factories import CompetitionFactory, TaskAreaFactory, UserFactory
from .builders import bulk_competition, criteria

pytestmark = pytest.mark.django_db

CENT = Decimal("0.01")
MAXIMA = (5, 10)  # the criteria of the generated task: feasibility 0..5, costs 0..10


def q2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Panel:
    """A generated task: offers (with their order of submission) scored by members, each of
    whom declared impartiality, a conflict, or was excluded, and did or did not submit."""

    offers: int
    members: int
    points: tuple  # [member][offer][criterion]
    declared: tuple  # [member][offer] -> a DeclarationState
    submitted: tuple  # [member][offer] -> bool
    submission_order: tuple  # the position in which each offer was submitted
    tie_break: int | None  # index of the tie-break criterion


@st.composite
def panels(draw) -> Panel:
    offers = draw(st.integers(1, 5))
    members = draw(st.integers(1, 4))
    # few distinct values, so that equal means and equal tie-break means are common
    point = [st.sampled_from([0, 2, 5]), st.sampled_from([0, 5, 7, 10])]
    points = tuple(tuple(tuple(draw(point[c]) for c in range(2)) for _o in range(offers)) for _m in range(members))
    states = st.sampled_from([DeclarationState.IMPARTIAL] * 4 + [DeclarationState.CONFLICT,
                                                                  DeclarationState.EXCLUDED])
    declared = tuple(tuple(draw(states) for _o in range(offers)) for _m in range(members))
    submitted = tuple(tuple(draw(st.booleans() | st.just(True)) for _o in range(offers)) for _m in range(members))
    order = tuple(draw(st.permutations(range(offers))))
    return Panel(offers, members, points, declared, submitted, order, draw(st.sampled_from([None, 0, 1])))


def expected(panel: Panel) -> dict[int, tuple]:
    """The rule, written out: per offer (label) its rank, mean, sheets and criterion means."""
    rows = {}
    for o in range(panel.offers):
        sheets = [panel.points[m][o] for m in range(panel.members)
                  if panel.declared[m][o] == DeclarationState.IMPARTIAL and panel.submitted[m][o]]
        mean = q2(Decimal(sum(sum(s) for s in sheets)) / len(sheets)) if sheets else None
        means = tuple(q2(Decimal(sum(s[c] for s in sheets)) / len(sheets)) for c in range(2)) if sheets else ()
        rows[o] = [mean, len(sheets), means]
    order = sorted(rows, key=lambda o: (
        -(rows[o][0] if rows[o][0] is not None else Decimal(-1)),
        -(rows[o][2][panel.tie_break] if panel.tie_break is not None and rows[o][2] else Decimal(0)),
        panel.submission_order[o]))
    result = {}
    for position, o in enumerate(order, start=1):
        mean, count, means = rows[o]
        result[o] = (position if mean is not None else None, mean, count, means)
    return result


def build(panel: Panel, *, offer_order, member_order) -> tuple[Evaluation, dict[int, int], dict[int, Seat]]:
    """The panel written to the database, offers and members created in the given orders, with an
    expert who scores (and must not count) and a removed member who scored too."""
    competition = CompetitionFactory(closed=True, with_areas=False)
    area = TaskAreaFactory(competition=competition, budget=Decimal("900000.00"))
    crit = criteria(area, MAXIMA[:2])
    if panel.tie_break is not None:
        area.tie_break_criterion = crit[panel.tie_break]
        area.save(update_fields=["tie_break_criterion"])
    creator = UserFactory()
    base = timezone.now() - dt.timedelta(days=3)
    label_of: dict[int, int] = {}
    offers: dict[int, Offer] = {}
    for o in offer_order:
        organization = Organization.objects.create(name=f"Oferent {o}", legal_form="stowarzyszenie",
                                                   street="ul. Krótka 1", postal_code="00-001", city="Łódź",
                                                   email="o@example.org")
        offer = Offer.objects.create(competition=competition, task_area=area, organization=organization,
                                     created_by=creator, state=OfferState.SUBMITTED, title=f"Oferta {o}",
                                     submitted_at=base + dt.timedelta(minutes=panel.submission_order[o]))
        FormalCheck.objects.create(offer=offer, state=FormalCheckState.ACCEPTED)
        offers[o], label_of[offer.pk] = offer, o
    evaluation = Evaluation.objects.create(competition=competition, state=EvaluationState.MERIT_REVIEW)
    committee = Committee.objects.create(competition=competition, state=CommitteeState.APPOINTED)
    seats: dict[int, Seat] = {}
    for m in member_order:
        seats[m] = Seat.objects.create(committee=committee, user=UserFactory(),
                                       role=SeatRole.CHAIR if m == 0 else SeatRole.MEMBER)
    outsiders = [Seat.objects.create(committee=committee, user=UserFactory(), role=SeatRole.EXPERT,
                                     kind=SeatKind.EXPERT),
                 Seat.objects.create(committee=committee, user=UserFactory(), is_active=False)]
    for m in member_order:
        for o in range(panel.offers):
            Declaration.objects.create(seat=seats[m], offer=offers[o], state=panel.declared[m][o])
            sheet = ScoreSheet.objects.create(seat=seats[m], offer=offers[o], state=SheetState.SUBMITTED
                                              if panel.submitted[m][o] else SheetState.DRAFT)
            Score.objects.bulk_create([Score(sheet=sheet, criterion=crit[c], points=Decimal(panel.points[m][o][c]),
                                             comment="x") for c in range(2)])
    for seat in outsiders:  # impartial, submitted, full marks: still never counted
        for o in range(panel.offers):
            Declaration.objects.create(seat=seat, offer=offers[o], state=DeclarationState.IMPARTIAL)
            sheet = ScoreSheet.objects.create(seat=seat, offer=offers[o], state=SheetState.SUBMITTED)
            Score.objects.bulk_create([Score(sheet=sheet, criterion=c, points=c.max_points) for c in crit])
    return evaluation, label_of, seats


def observed(evaluation: Evaluation, label_of: dict[int, int]) -> dict[int, tuple]:
    return {label_of[row.offer.pk]: (row.rank, row.mean, row.sheets,
                                     tuple(row.criteria[c] for c in sorted(row.criteria)))
            for row in ranking(evaluation=evaluation)}


HYPOTHESIS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@HYPOTHESIS
@given(panel=panels(), data=st.data())
def test_the_ranking_does_not_depend_on_the_order_of_creation_and_follows_the_rule(panel, data):
    offer_order = data.draw(st.permutations(range(panel.offers)))
    member_order = data.draw(st.permutations(range(panel.members)))
    with transaction.atomic():
        first = observed(*build(panel, offer_order=range(panel.offers), member_order=range(panel.members))[:2])
        second = observed(*build(panel, offer_order=offer_order, member_order=member_order)[:2])
        transaction.set_rollback(True)
    assert first == second == expected(panel)


@HYPOTHESIS
@given(panel=panels(), noise=st.integers(0, 10))
def test_scores_of_an_excluded_or_conflicted_member_never_count(panel, noise):
    with transaction.atomic():
        evaluation, label_of, seats = build(panel, offer_order=range(panel.offers),
                                            member_order=range(panel.members))
        before = observed(evaluation, label_of)
        # whatever a member who may not judge an offer wrote on its sheet, the ranking stays
        barred = Score.objects.filter(sheet__in=[
            sheet for sheet in ScoreSheet.objects.filter(seat__in=seats.values()).select_related("seat")
            if Declaration.objects.get(seat=sheet.seat, offer_id=sheet.offer_id).state != DeclarationState.IMPARTIAL])
        barred.update(points=Decimal(noise % 6))
        after = observed(evaluation, label_of)
        counted = set(counting_sheets(evaluation=evaluation).values_list("seat_id", "offer_id"))
        transaction.set_rollback(True)
    assert before == after == expected(panel)
    offer_of = {label: pk for pk, label in label_of.items()}
    assert counted == {(seats[m].pk, offer_of[o]) for m in range(panel.members) for o in range(panel.offers)
                       if panel.declared[m][o] == DeclarationState.IMPARTIAL and panel.submitted[m][o]}


@HYPOTHESIS
@given(panel=panels())
def test_the_order_is_total_and_deterministic(panel):
    with transaction.atomic():
        evaluation, label_of, _seats = build(panel, offer_order=range(panel.offers),
                                             member_order=range(panel.members))
        once = [(row.offer.pk, row.rank) for row in ranking(evaluation=evaluation)]
        again = [(row.offer.pk, row.rank) for row in ranking(evaluation=evaluation)]
        transaction.set_rollback(True)
    assert once == again
    ranks = [rank for _pk, rank in once if rank is not None]
    assert ranks == list(range(1, len(ranks) + 1))  # no two offers share a place
    assert all(rank is None for _pk, rank in once[len(ranks):])  # unscored offers last, without a place


def _tied(submitted_apart: bool) -> tuple[Evaluation, list[Offer], list]:
    """Three offers with equal means; the tie-break criterion (costs) splits only the first pair."""
    competition = CompetitionFactory(closed=True, with_areas=False)
    area = TaskAreaFactory(competition=competition)
    feasibility, costs = criteria(area, (5, 10))
    area.tie_break_criterion = costs
    area.save(update_fields=["tie_break_criterion"])
    evaluation = Evaluation.objects.create(competition=competition, state=EvaluationState.MERIT_REVIEW)
    committee = Committee.objects.create(competition=competition, state=CommitteeState.APPOINTED)
    seat = Seat.objects.create(committee=committee, user=UserFactory(), role=SeatRole.CHAIR)
    at = timezone.now() - dt.timedelta(days=1)
    offers = []
    creator = UserFactory()
    # (feasibility, costs): 5+5 = 10, 2+8 = 10, 4+6 = 10, 4+6 = 10
    for index, (f, c) in enumerate(((5, 5), (2, 8), (4, 6), (4, 6))):
        organization = Organization.objects.create(name=f"O{index}", legal_form="fundacja", street="ul. A 1",
                                                   postal_code="00-001", city="Kraków", email="a@example.org")
        offer = Offer.objects.create(
            competition=competition, task_area=area, organization=organization, created_by=creator,
            state=OfferState.SUBMITTED, submitted_at=at - dt.timedelta(minutes=index if submitted_apart else 0))
        FormalCheck.objects.create(offer=offer, state=FormalCheckState.ACCEPTED)
        Declaration.objects.create(seat=seat, offer=offer, state=DeclarationState.IMPARTIAL)
        sheet = ScoreSheet.objects.create(seat=seat, offer=offer, state=SheetState.SUBMITTED)
        Score.objects.create(sheet=sheet, criterion=feasibility, points=Decimal(f))
        Score.objects.create(sheet=sheet, criterion=costs, points=Decimal(c))
        offers.append(offer)
    return evaluation, offers, [feasibility, costs]


def test_equal_means_are_split_by_the_tie_break_criterion_then_the_earlier_submission():
    evaluation, offers, _criteria = _tied(submitted_apart=True)
    rows = ranking(evaluation=evaluation)
    assert {row.mean for row in rows} == {Decimal("10.00")}
    # costs 8 first, then 6 and 6 (the one submitted earlier: the later-created one), then 5
    assert [row.offer for row in rows] == [offers[1], offers[3], offers[2], offers[0]]
    assert [row.rank for row in rows] == [1, 2, 3, 4]


def test_with_everything_equal_the_offer_number_decides():
    evaluation, offers, _criteria = _tied(submitted_apart=False)
    rows = ranking(evaluation=evaluation)
    assert [row.offer for row in rows] == [offers[1], offers[2], offers[3], offers[0]]


# --- what a member sees ---------------------------------------------------------------------------------


@pytest.fixture
def seated(authority):
    evaluation, seats = bulk_competition(authority, 3, members=2, state=EvaluationState.MERIT_REVIEW)
    return evaluation, seats


def test_a_member_sees_only_offers_they_declared_impartiality_for(seated, authority):
    evaluation, (chair_seat, member_seat) = seated
    offers = list(Offer.objects.filter(competition=evaluation.competition).order_by("pk"))
    Declaration.objects.filter(seat=member_seat, offer=offers[0]).update(state=DeclarationState.CONFLICT)
    Declaration.objects.filter(seat=member_seat, offer=offers[1]).update(state=DeclarationState.PENDING)
    member = member_seat.user
    with pytest.raises(NotFound):
        offer_for_member(user=member, pk=offers[0].pk)  # conflicted
    with pytest.raises(NotFound):
        offer_for_member(user=member, pk=offers[1].pk)  # not yet declared
    assert offer_for_member(user=member, pk=offers[2].pk)[0] == offers[2]
    other, _seats = bulk_competition(authority, 1, members=1, state=EvaluationState.MERIT_REVIEW, seed=9)
    with pytest.raises(NotFound):  # a member of another committee
        offer_for_member(user=_seats[0].user, pk=offers[2].pk)
    with pytest.raises(NotFound):
        offer_for_member(user=UserFactory(), pk=offers[2].pk)
    with pytest.raises(NotFound):
        offer_for_member(user=member, pk="nie-liczba")
    Seat.objects.filter(pk=member_seat.pk).update(is_active=False)
    with pytest.raises(NotFound):  # removed from the committee
        offer_for_member(user=member, pk=offers[2].pk)


def test_the_declarations_list_opens_with_the_merit_review_and_only_to_the_seated(seated):
    evaluation, (chair_seat, member_seat) = seated
    declarations = declarations_for_member(user=member_seat.user, competition=evaluation.competition)
    assert [d.seat_id for d in declarations] == [member_seat.pk] * 3
    with pytest.raises(NotFound):
        declarations_for_member(user=UserFactory(), competition=evaluation.competition)
    Evaluation.objects.filter(pk=evaluation.pk).update(state=EvaluationState.FORMAL_REVIEW)
    competition = type(evaluation.competition).objects.get(pk=evaluation.competition_id)
    with pytest.raises(NotFound):
        declarations_for_member(user=member_seat.user, competition=competition)


def test_counting_sheets_leave_out_drafts_experts_conflicts_and_removed_members(seated):
    evaluation, (chair_seat, member_seat) = seated
    offers = list(Offer.objects.filter(competition=evaluation.competition).order_by("pk"))
    assert counting_sheets(evaluation=evaluation).count() == 6
    ScoreSheet.objects.filter(seat=member_seat, offer=offers[0]).update(state=SheetState.DRAFT)
    Declaration.objects.filter(seat=member_seat, offer=offers[1]).update(state=DeclarationState.EXCLUDED)
    Seat.objects.filter(pk=chair_seat.pk).update(role=SeatRole.EXPERT)
    FormalCheck.objects.filter(offer=offers[2]).update(state=FormalCheckState.REJECTED)
    assert list(counting_sheets(evaluation=evaluation).values_list("seat_id", "offer_id")) == []
    FormalCheck.objects.filter(offer=offers[2]).update(state=FormalCheckState.ACCEPTED)
    assert list(counting_sheets(evaluation=evaluation).values_list("seat_id", "offer_id")) == [
        (member_seat.pk, offers[2].pk)]


# --- query budgets --------------------------------------------------------------------------------------


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def test_the_ranking_makes_the_same_number_of_queries_for_10_and_200_offers(authority):
    small, _seats = bulk_competition(authority, 10, seed=11)
    large, _seats = bulk_competition(authority, 200, seed=12)

    def read(evaluation):
        evaluation = Evaluation.objects.get(pk=evaluation.pk)  # nothing cached on it

        def call():
            rows = ranking(evaluation=evaluation)
            for row in rows:
                _touched = (row.offer.organization.name, row.offer.task_area.number, row.award, row.mean)
            sizes.append(len(rows))
        return call

    sizes: list[int] = []
    assert _queries(read(small)) == _queries(read(large))
    assert sizes == [10, 200]


def test_the_members_declarations_make_the_same_number_of_queries_for_10_and_200_offers(authority):
    small, small_seats = bulk_competition(authority, 10, state=EvaluationState.MERIT_REVIEW, seed=13)
    large, large_seats = bulk_competition(authority, 200, state=EvaluationState.MERIT_REVIEW, seed=14)

    def read(evaluation, seat):
        competition = type(evaluation.competition).objects.get(pk=evaluation.competition_id)

        def call():
            for declaration in declarations_for_member(user=seat.user, competition=competition):
                _touched = (declaration.offer.organization.name, declaration.offer.task_area.number,
                            declaration.state)
        return call

    assert _queries(read(small, small_seats[1])) == _queries(read(large, large_seats[1]))
    assert declarations_for_member(user=large_seats[1].user, competition=large.competition).count() == 200
