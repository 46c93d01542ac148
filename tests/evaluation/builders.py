"""Competitions in evaluation, built for the evaluation tests.

`scored_competition` walks the services as people would (every step audited); `bulk_competition`
writes rows straight with bulk_create, for sizes the services would take minutes to build
(query budgets and memory), and records no audit trail."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from competitions.models import ChecklistItem, Competition, Criterion
from evaluation import services
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
from offers.models import Offer, OfferState, Organization, RepresentationRole

from ..factories import (
    CompetitionFactory,
    OfferFactory,
    OrganizationFactory,
    TaskAreaFactory,
    UserFactory,
    representative,
)


def checklist(competition: Competition) -> list[ChecklistItem]:
    return [ChecklistItem.objects.create(competition=competition, order=1, remediable=True,
                                         text="Podpisana przez osoby upoważnione"),
            ChecklistItem.objects.create(competition=competition, order=2, remediable=False,
                                         text="Złożona w terminie")]


def criteria(area, points=(5, 10, 10)) -> list[Criterion]:
    names = ("Możliwość realizacji zadania", "Kalkulacja kosztów", "Jakość i kwalifikacje")
    return [Criterion.objects.create(task_area=area, order=i, name=names[(i - 1) % 3] + ("" if i <= 3 else f" {i}"),
                                     max_points=Decimal(p)) for i, p in enumerate(points, start=1)]


def score_offer(user, offer, points: dict[int, str], *, comment: str = "uzasadnienie", submit: bool = True):
    """A member declares impartiality (if still pending), scores and submits."""
    seat = user.seats.get()
    declaration = seat.declarations.get(offer=offer)
    if declaration.state == DeclarationState.PENDING:
        services.declaration_make(declaration, actor=user, impartial=True)
    services.scores_save(seat=seat, offer=offer, actor=user,
                         scores={pk: {"points": value, "comment": comment} for pk, value in points.items()})
    sheet = seat.sheets.get(offer=offer)
    if submit:
        sheet = services.sheet_submit(sheet, actor=user)
    return sheet


@dataclass
class Scored:
    competition: Competition
    evaluation: Evaluation
    areas: list
    offers: list[Offer]
    members: dict[str, Any]
    items: list[ChecklistItem]
    excluded: tuple[Any, Offer] = None
    extra: dict[str, Any] = field(default_factory=dict)


def scored_competition(authority, officer, approver, *, close: bool = True, decide: bool = True) -> Scored:
    """Two task areas, three offers (two in task 1), three voting members who score, one of them
    excluded from an offer because they represent its offeror; one remedy; one rejected offer
    does not reach the committee. Scoring closed, amounts proposed and decided when asked."""
    competition = CompetitionFactory(authority=authority, closed=True, with_areas=False,
                                     reference="BOP.524.9.2027")
    area1 = TaskAreaFactory(competition=competition, number=1, name="Centrum wsparcia organizacji")
    area2 = TaskAreaFactory(competition=competition, number=2, name="Wolontariat młodzieży",
                            budget=Decimal("60000.00"), min_grant=None, max_grant=Decimal("40000.00"))
    c1, c2 = criteria(area1), criteria(area2)
    area1.tie_break_criterion = c1[1]
    area1.save(update_fields=["tie_break_criterion"])
    items = checklist(competition)
    orgs = [OrganizationFactory(name=name) for name in ("Stowarzyszenie Alfa", "Fundacja Beta", "Klub Gamma",
                                                        "Stowarzyszenie Delta")]
    ngo_alfa = representative(orgs[0], RepresentationRole.ADMIN)
    at = timezone.now() - dt.timedelta(days=2)
    offers = [
        OfferFactory(task_area=area1, organization=orgs[0], submitted=True, title="Centrum Alfa",
                     grant_requested=Decimal("30000.00"), submitted_at=at),
        OfferFactory(task_area=area1, organization=orgs[1], submitted=True, title="Centrum Beta",
                     grant_requested=Decimal("40000.00"), submitted_at=at + dt.timedelta(hours=1)),
        OfferFactory(task_area=area2, organization=orgs[2], submitted=True, title="Wolontariusze Gamma",
                     grant_requested=Decimal("30000.00"), submitted_at=at + dt.timedelta(hours=2)),
        OfferFactory(task_area=area2, organization=orgs[3], submitted=True, title="Spóźniona Delta",
                     grant_requested=Decimal("10000.00"), submitted_at=at + dt.timedelta(hours=3)),
    ]
    evaluation = services.evaluation_start(competition=competition, actor=officer)
    met = {items[0].pk: ("met", ""), items[1].pk: ("met", "")}
    for offer in offers[1:3]:
        services.formal_check_record(check=offer.formal_check, actor=officer, results=met)
        services.formal_check_accept(offer.formal_check, actor=officer)
    check = offers[0].formal_check
    services.formal_check_record(check=check, actor=officer,
                                 results={items[0].pk: ("defect", "Brak podpisu skarbnika"), items[1].pk: ("met", "")})
    check = services.formal_check_request_remedy(check, actor=officer, message="Uzupełnij podpis",
                                                 sections=["declarations"])
    check = services.formal_check_remedy(check, actor=ngo_alfa)
    services.formal_check_record(check=check, actor=officer, results={items[0].pk: ("met", "Uzupełniono")})
    services.formal_check_accept(check, actor=officer)
    late = offers[3].formal_check
    services.formal_check_record(check=late, actor=officer,
                                 results={items[0].pk: ("met", ""), items[1].pk: ("defect", "Po terminie")})
    services.formal_check_reject(late, actor=officer, reasons="Oferta złożona po terminie.")

    committee = competition.committee
    model = get_user_model()
    chair = UserFactory(username="przewodniczaca", first_name="Anna", last_name="Adamska")
    member = UserFactory(username="czlonek", first_name="Bartosz", last_name="Borowski")
    beta_member = representative(orgs[1], RepresentationRole.EDITOR, username="z-bety", first_name="Celina",
                                 last_name="Cichy")
    expert = UserFactory(username="ekspert", first_name="Dawid", last_name="Dudek")
    services.seat_add(committee=committee, actor=officer, user=chair, role=SeatRole.CHAIR)
    services.seat_add(committee=committee, actor=officer, user=member)
    services.seat_add(committee=committee, actor=officer, user=beta_member, kind=SeatKind.NGO_NOMINEE,
                      nominated_by_name="Rada Działalności Pożytku Publicznego")
    services.seat_add(committee=committee, actor=officer, user=expert, role=SeatRole.EXPERT, kind=SeatKind.EXPERT)
    services.committee_appoint(committee, actor=officer, appointment_reference="Zarządzenie 12/2027")
    evaluation = services.evaluation_start_merit_review(evaluation, actor=officer)
    alfa, beta, gamma = offers[:3]
    # per criterion (5, 10, 10): chair, member, the member of Beta (excluded from Beta's offer)
    score_offer(chair, alfa, {c1[0].pk: "5", c1[1].pk: "8", c1[2].pk: "9"})
    score_offer(member, alfa, {c1[0].pk: "4", c1[1].pk: "7", c1[2].pk: "8"})
    score_offer(beta_member, alfa, {c1[0].pk: "3", c1[1].pk: "6", c1[2].pk: "6"})
    score_offer(chair, beta, {c1[0].pk: "4", c1[1].pk: "9", c1[2].pk: "8"})
    score_offer(member, beta, {c1[0].pk: "3", c1[1].pk: "9", c1[2].pk: "7"})
    score_offer(chair, gamma, {c2[0].pk: "2", c2[1].pk: "4", c2[2].pk: "3"}, comment="słabe uzasadnienie")
    score_offer(member, gamma, {c2[0].pk: "3", c2[1].pk: "5", c2[2].pk: "5"})
    score_offer(beta_member, gamma, {c2[0].pk: "4", c2[1].pk: "6", c2[2].pk: "7"})
    scored = Scored(competition, evaluation, [area1, area2], offers,
                    {"chair": chair, "member": member, "beta_member": beta_member, "expert": expert,
                     "ngo_alfa": ngo_alfa, "model": model}, items, excluded=(beta_member, beta))
    if close:
        evaluation = services.evaluation_close_scoring(evaluation, actor=chair, signed_by="Adamska, Borowski, Cichy")
        scored.evaluation = evaluation
        for offer in offers[:3]:
            offer.refresh_from_db()
        services.award_propose(alfa.award, actor=chair, amount="25000", justification="Dobra oferta",
                               cut_reason="Zawyżone koszty lokalu")
        services.award_propose(beta.award, actor=chair, amount="40000", justification="Bardzo dobra oferta")
        if decide:
            services.award_decide(alfa.award, actor=approver, select=True, amount="24000",
                                  reason="Mniej środków w budżecie")
            services.award_decide(beta.award, actor=approver, select=True, amount="40000")
            services.award_decide(gamma.award, actor=approver, select=False, reason="Poniżej progu")
    return scored


def bulk_competition(authority, n_offers: int, *, members: int = 3, areas: int = 1, points=(5, 10, 10),
                     state: str = EvaluationState.AWAITING_DECISION, seed: int = 7) -> tuple[Evaluation, list[Seat]]:
    """A competition with `n_offers` accepted, scored offers written with bulk_create: every
    member impartial and every sheet submitted, scores varying deterministically."""
    competition = CompetitionFactory(authority=authority, closed=True, with_areas=False)
    task_areas = [TaskAreaFactory(competition=competition, number=i + 1, budget=Decimal("99000000.00"),
                                  max_grant=Decimal("60000.00")) for i in range(areas)]
    area_criteria = {area.pk: criteria(area, points) for area in task_areas}
    checklist(competition)
    creator = UserFactory()
    orgs = Organization.objects.bulk_create([
        Organization(name=f"Organizacja {seed}-{i}", legal_form="stowarzyszenie", krs=f"{i:010d}",
                     street="ul. Długa 1", postal_code="00-001", city="Warszawa", email=f"o{i}@example.org")
        for i in range(n_offers)])
    now = timezone.now() - dt.timedelta(days=1)
    offers = Offer.objects.bulk_create([
        Offer(competition=competition, task_area=task_areas[i % areas], organization=orgs[i], created_by=creator,
              state=OfferState.SUBMITTED, title=f"Zadanie {i}", grant_requested=Decimal("30000.00"),
              total_cost=Decimal("34000.00"), submitted_at=now + dt.timedelta(seconds=i), snapshot_sha256="0" * 64)
        for i in range(n_offers)])
    evaluation = Evaluation.objects.create(competition=competition, state=state)
    FormalCheck.objects.bulk_create([FormalCheck(offer=o, state=FormalCheckState.ACCEPTED) for o in offers])
    committee = Committee.objects.create(competition=competition, state=CommitteeState.APPOINTED)
    users = [UserFactory() for _ in range(members)]
    seats = Seat.objects.bulk_create([
        Seat(committee=committee, user=u, role=SeatRole.CHAIR if i == 0 else SeatRole.MEMBER)
        for i, u in enumerate(users)])
    Declaration.objects.bulk_create([Declaration(seat=s, offer=o, state=DeclarationState.IMPARTIAL)
                                     for s in seats for o in offers])
    sheets = ScoreSheet.objects.bulk_create([ScoreSheet(seat=s, offer=o, state=SheetState.SUBMITTED,
                                                        submitted_at=now) for s in seats for o in offers])
    rows = []
    for n, sheet in enumerate(sheets):
        for k, criterion in enumerate(area_criteria[sheet.offer.task_area_id]):
            rows.append(Score(sheet=sheet, criterion=criterion,
                              points=Decimal((n * 7 + k * 3 + seed) % int(criterion.max_points + 1)),
                              comment="komentarz"))
    Score.objects.bulk_create(rows, batch_size=5000)
    return evaluation, seats
