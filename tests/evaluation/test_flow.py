"""The whole evaluation path through the services, from closed submissions to published
results and the offeror's update."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from competitions.models import ChecklistItem
from evaluation import services
from evaluation.models import AwardState, DeclarationState, EvaluationState, FormalCheckState, SeatKind, SeatRole
from evaluation.selectors import evaluation_card, offer_for_member, public_results, ranking
from offers.models import RepresentationRole
from offers.services import offer_save_section
from workflow.errors import InvalidData, NotFound, WrongState

from ..factories import (
    CompetitionFactory,
    OfferFactory,
    OrganizationFactory,
    UserFactory,
    representative,
)


@pytest.fixture
def closed(authority):
    competition = CompetitionFactory(authority=authority, closed=True)
    ChecklistItem.objects.create(competition=competition, order=1, text="Podpisana przez osoby upoważnione",
                                 remediable=True)
    ChecklistItem.objects.create(competition=competition, order=2, text="Złożona w terminie", remediable=False)
    return competition


def test_from_closed_submissions_to_published_results(closed, officer, approver):
    area = closed.task_areas.get()
    org_a, org_b = OrganizationFactory(), OrganizationFactory()
    ngo_a = representative(org_a, RepresentationRole.ADMIN)
    offer_a = OfferFactory(task_area=area, organization=org_a, submitted=True, grant_requested=Decimal("30000.00"))
    offer_b = OfferFactory(task_area=area, organization=org_b, submitted=True, grant_requested=Decimal("30000.00"))
    items = list(closed.checklist.all())

    evaluation = services.evaluation_start(competition=closed, actor=officer)
    check_a, check_b = offer_a.formal_check, offer_b.formal_check
    services.formal_check_record(check=check_a, actor=officer,
                                 results={items[0].pk: ("defect", "Brak podpisu"), items[1].pk: ("met", "")})
    check_a = services.formal_check_request_remedy(check_a, actor=officer, message="Uzupełnij podpis",
                                                   sections=["declarations"])
    assert check_a.state == FormalCheckState.REMEDY_REQUESTED
    # the offeror may change the flagged section, and only that one
    declarations = offer_a.sections.get(key="declarations")
    offer_save_section(offer=offer_a, actor=ngo_a, key="declarations", data=declarations.data,
                       base_revision=declarations.revision)
    with pytest.raises(WrongState):
        offer_save_section(offer=offer_a, actor=ngo_a, key="task", data={"title": "Inne"}, base_revision=None)
    check_a = services.formal_check_remedy(check_a, actor=ngo_a)
    assert check_a.state == FormalCheckState.REMEDIED
    services.formal_check_record(check=check_a, actor=officer,
                                 results={items[0].pk: ("met", ""), items[1].pk: ("met", "")})
    services.formal_check_accept(check_a, actor=officer)
    services.formal_check_record(check=check_b, actor=officer,
                                 results={items[0].pk: ("met", ""), items[1].pk: ("met", "")})
    services.formal_check_accept(check_b, actor=officer)

    committee = closed.committee
    chair, member, nominee, conflicted = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    representative(org_b, RepresentationRole.EDITOR, username="member-of-b")
    from django.contrib.auth import get_user_model

    member_of_b = get_user_model().objects.get(username="member-of-b")
    services.seat_add(committee=committee, actor=officer, user=chair, role=SeatRole.CHAIR)
    services.seat_add(committee=committee, actor=officer, user=member)
    services.seat_add(committee=committee, actor=officer, user=member_of_b)
    services.seat_add(committee=committee, actor=officer, user=nominee, kind=SeatKind.NGO_NOMINEE,
                      nominated_by_name="Rada Działalności Pożytku Publicznego")
    services.seat_add(committee=committee, actor=officer, user=conflicted)
    services.committee_appoint(committee, actor=officer, appointment_reference="Zarządzenie 7/2027")
    evaluation = services.evaluation_start_merit_review(evaluation, actor=officer)
    assert evaluation.state == EvaluationState.MERIT_REVIEW
    excluded = member_of_b.seats.get().declarations.get(offer=offer_b)
    assert excluded.state == DeclarationState.EXCLUDED

    def score(user, offer, points):
        seat = user.seats.get()
        declaration = seat.declarations.get(offer=offer)
        if declaration.state == DeclarationState.PENDING:
            services.declaration_make(declaration, actor=user, impartial=True)
        criteria = list(area.criteria.all())
        services.scores_save(seat=seat, offer=offer, actor=user,
                             scores={c.pk: {"points": str(min(points, c.max_points)), "comment": "uzasadnienie"}
                                     for c in criteria})
        services.sheet_submit(seat.sheets.get(offer=offer), actor=user)

    conflicted_declaration = conflicted.seats.get().declarations.get(offer=offer_a)
    services.declaration_make(conflicted_declaration, actor=conflicted, impartial=False, ground="Brat prezesa")
    with pytest.raises(NotFound):
        offer_for_member(user=conflicted, pk=offer_a.pk)
    for user in (chair, member, nominee):
        score(user, offer_a, 9)
        score(user, offer_b, 4)
    score(member_of_b, offer_a, 2)
    evaluation = services.evaluation_close_scoring(evaluation, actor=chair, signed_by="A, B, C")
    rows = ranking(evaluation=evaluation)
    assert [r.offer.pk for r in rows] == [offer_a.pk, offer_b.pk]
    assert rows[0].sheets == 4 and rows[1].sheets == 3  # the excluded member's sheet for B never counts

    award_a, award_b = offer_a.award, offer_b.award
    services.award_propose(award_a, actor=chair, amount="25000", cut_reason="Zawyżone koszty szkoleń")
    services.award_decide(award_a, actor=approver, select=True, amount="25000")
    services.award_decide(award_b, actor=approver, select=False, reason="Poniżej progu")
    evaluation = services.evaluation_resolve(evaluation, actor=approver, decision_reference="Zarządzenie 9/2027")
    assert evaluation.state == EvaluationState.RESOLVED
    award_a.refresh_from_db()
    assert award_a.state == AwardState.AWAITING_UPDATE
    closed.refresh_from_db()
    assert [r.offer.pk for r in public_results(competition=closed)] == [offer_a.pk, offer_b.pk]
    card = evaluation_card(offer=offer_a)
    assert card["award"].decided_amount == Decimal("25000.00")

    # the update: the grant lowered to the award; cutting the own contribution as well would
    # raise the grant's share of the cost, which is refused at V.B
    costs = offer_a.sections.get(key="costs").data
    costs["lines"][0]["units"] = str(Decimal(costs["lines"][0]["units"]) - Decimal("5882.35"))
    costs["lines"][0]["grant_part"] = str(Decimal(costs["lines"][0]["grant_part"]) - Decimal("5000"))
    services.update_save(award=award_a, actor=ngo_a, key="costs", data=costs, base_revision=0)
    services.update_save(award=award_a, actor=ngo_a, key="sources", data={"own_financial": "3117.65"},
                         base_revision=1)
    with pytest.raises(InvalidData) as refused:
        services.award_accept_with_update(award_a, actor=ngo_a)
    assert "sources.total" in refused.value.errors
    costs["lines"][0]["units"] = str(Decimal(costs["lines"][0]["units"]) + Decimal("882.35"))
    services.update_save(award=award_a, actor=ngo_a, key="costs", data=costs, base_revision=2)
    services.update_save(award=award_a, actor=ngo_a, key="sources", data={"own_financial": "4000.00"},
                         base_revision=3)
    award_a = services.award_accept_with_update(award_a, actor=ngo_a)
    assert award_a.state == AwardState.READY_FOR_CONTRACT
    call_command("verify_audit")
