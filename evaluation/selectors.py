"""Reads of evaluation: always restricted to the user, aggregates always computed from the
raw rows (never stored), each list shaped to a fixed number of queries.

Visibility (hard rule 1): a committee member sees the offers of the competitions they sit
on, once the offers are handed to the committee, never one they are excluded from, and
an offer's content only after declaring impartiality for it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from competitions.models import AuthorityRole, Competition, has_role
from offers.models import Offer
from workflow.errors import NotFound

from .models import (
    Award,
    AwardState,
    Declaration,
    DeclarationState,
    Evaluation,
    EvaluationState,
    FormalCheck,
    FormalCheckState,
    Score,
    ScoreSheet,
    Seat,
    SeatRole,
    SheetState,
)

CENT = Decimal("0.01")


def _q2(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def is_staff(user, competition: Competition) -> bool:
    return any(has_role(user, competition.authority, role) for role in AuthorityRole.values)


def evaluation_get(*, user, competition: Competition) -> Evaluation:
    evaluation = Evaluation.objects.filter(competition=competition).select_related("competition__authority").first()
    if evaluation is None or not (is_staff(user, competition) or seat_of(user=user, competition=competition)):
        raise NotFound()
    return evaluation


def seat_of(*, user, competition: Competition) -> Seat | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Seat.objects.filter(committee__competition=competition, user=user, is_active=True).select_related(
        "committee").first()


def is_chair(user, competition: Competition) -> bool:
    seat = seat_of(user=user, competition=competition)
    return seat is not None and seat.role == SeatRole.CHAIR


def competitions_for_member(*, user) -> QuerySet[Competition]:
    return Competition.objects.filter(committee__seats__user=user, committee__seats__is_active=True,
                                      evaluation__isnull=False).select_related("authority", "evaluation").distinct()


def formal_checks(*, user, evaluation: Evaluation) -> QuerySet[FormalCheck]:
    if not is_staff(user, evaluation.competition):
        raise NotFound()
    return (FormalCheck.objects.filter(offer__competition=evaluation.competition)
            .select_related("offer__organization", "offer__task_area").prefetch_related("items")
            .order_by("offer__task_area__number", "offer__submitted_at", "offer__pk"))


def formal_check_get(*, user, pk) -> FormalCheck:
    """For the authority's staff, or for the offeror (to read the call to remedy)."""
    from workflow.permissions import has_object_perm

    try:
        check = FormalCheck.objects.select_related("offer__competition__authority", "offer__organization",
                                                   "offer__task_area").get(pk=pk)
    except (FormalCheck.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc
    if is_staff(user, check.offer.competition) or has_object_perm(user, "view_organization", check.offer.organization):
        return check
    raise NotFound()


def declarations_for_member(*, user, competition: Competition) -> QuerySet[Declaration]:
    """The list of offerors a member declares impartiality for: names only, no content."""
    seat = seat_of(user=user, competition=competition)
    evaluation = getattr(competition, "evaluation", None)
    if seat is None or evaluation is None or evaluation.state == EvaluationState.FORMAL_REVIEW:
        raise NotFound()
    return (Declaration.objects.filter(seat=seat).select_related("offer__organization", "offer__task_area")
            .order_by("offer__task_area__number", "offer__pk"))


def offer_for_member(*, user, pk) -> tuple[Offer, Seat, Declaration]:
    """An offer's content for a committee member: only after they declared impartiality for
    it; a conflicted or excluded member, or anyone not on this committee, gets 404."""
    try:
        offer = Offer.objects.select_related("competition__authority", "task_area", "organization").get(pk=pk)
    except (Offer.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc
    seat = seat_of(user=user, competition=offer.competition)
    if seat is None:
        raise NotFound()
    declaration = Declaration.objects.filter(seat=seat, offer=offer).first()
    if declaration is None or declaration.state != DeclarationState.IMPARTIAL:
        raise NotFound()
    return offer, seat, declaration


def sheets_for_member(*, seat: Seat) -> dict[int, ScoreSheet]:
    return {s.offer_id: s for s in ScoreSheet.objects.filter(seat=seat).prefetch_related("scores")}


def counting_sheets(*, evaluation: Evaluation) -> QuerySet[ScoreSheet]:
    """The sheets that count: submitted, of active voting members who declared impartiality
    for that offer, on formally accepted offers — an excluded member's scores never count."""
    impartial = Declaration.objects.filter(seat_id=OuterRef("seat_id"), offer_id=OuterRef("offer_id"),
                                           state=DeclarationState.IMPARTIAL)
    return (ScoreSheet.objects.filter(offer__competition=evaluation.competition, state=SheetState.SUBMITTED,
                                      seat__is_active=True, offer__formal_check__state=FormalCheckState.ACCEPTED)
            .exclude(seat__role=SeatRole.EXPERT).filter(Exists(impartial)))


def scores_per_offer(*, evaluation: Evaluation) -> list[dict]:
    """How many counting sheets each formally accepted offer has (for the quorum)."""
    counts = dict(counting_sheets(evaluation=evaluation).values("offer_id").annotate(n=Count("pk"))
                  .values_list("offer_id", "n").order_by())
    accepted = Offer.objects.filter(competition=evaluation.competition,
                                    formal_check__state=FormalCheckState.ACCEPTED).values_list("pk", flat=True)
    return [{"pk": pk, "submitted": counts.get(pk, 0)} for pk in accepted]


@dataclass
class RankingRow:
    offer: Offer
    sheets: int
    mean: Decimal | None
    criteria: dict[int, Decimal]
    passed: bool
    rank: int | None = None
    spread: Decimal | None = None
    flagged: bool = False
    totals: list[Decimal] = field(default_factory=list)
    award: Award | None = None


def _counting_scores(evaluation: Evaluation) -> QuerySet[Score]:
    return Score.objects.filter(sheet__in=counting_sheets(evaluation=evaluation))


def ranking(*, evaluation: Evaluation, task_area=None) -> list[RankingRow]:
    """The ranking per task area, from the raw scores (two queries whatever the size):
    mean of the members' totals, per-criterion means, pass/fail against the threshold, the
    spread of the members' totals, and a total, deterministic order — mean descending, then
    the mean of the tie-break criterion, then earlier submission, then the offer number."""
    scores = _counting_scores(evaluation)
    if task_area is not None:
        scores = scores.filter(sheet__offer__task_area=task_area)
    per_sheet: dict[int, dict[int, Decimal]] = defaultdict(dict)
    offer_of_sheet: dict[int, int] = {}
    for sheet_id, offer_id, criterion_id, points in scores.values_list(
            "sheet_id", "sheet__offer_id", "criterion_id", "points").order_by():
        per_sheet[sheet_id][criterion_id] = points
        offer_of_sheet[sheet_id] = offer_id
    offers = (Offer.objects.filter(competition=evaluation.competition, formal_check__state=FormalCheckState.ACCEPTED)
              .select_related("organization", "task_area").prefetch_related(
        Prefetch("task_area__criteria"), Prefetch("award", queryset=Award.objects.all()))
              .order_by("task_area__number", "pk"))
    if task_area is not None:
        offers = offers.filter(task_area=task_area)
    sheets_by_offer: dict[int, list[dict[int, Decimal]]] = defaultdict(list)
    for sheet_id, points in per_sheet.items():
        sheets_by_offer[offer_of_sheet[sheet_id]].append(points)
    rows: list[RankingRow] = []
    committee = evaluation.competition.committee
    for offer in offers:
        sheets = sheets_by_offer.get(offer.pk, [])
        criteria = list(offer.task_area.criteria.all())
        max_points = sum((c.max_points for c in criteria), Decimal("0"))
        totals = sorted(sum(s.values(), Decimal("0")) for s in sheets)
        criterion_means = {c.pk: _q2(sum(s.get(c.pk, Decimal("0")) for s in sheets) / len(sheets))
                           for c in criteria} if sheets else {}
        mean = _q2(sum(totals) / len(totals)) if totals else None
        threshold = max_points * offer.task_area.pass_threshold_pct / Decimal(100)
        spread = (totals[-1] - totals[0]) if totals else None
        flagged = bool(spread is not None and max_points and
                       spread > max_points * committee.spread_flag_pct / Decimal(100))
        award = getattr(offer, "award", None)
        rows.append(RankingRow(offer, len(sheets), mean, criterion_means, mean is not None and mean >= threshold,
                               spread=spread, flagged=flagged, totals=totals, award=award))
    by_area: dict[int, list[RankingRow]] = defaultdict(list)
    for row in rows:
        by_area[row.offer.task_area_id].append(row)
    ordered: list[RankingRow] = []
    for _area, area_rows in sorted(by_area.items(), key=lambda item: item[1][0].offer.task_area.number):
        tie = area_rows[0].offer.task_area.tie_break_criterion_id
        area_rows.sort(key=lambda r: (
            -(r.mean if r.mean is not None else Decimal("-1")),
            -(r.criteria.get(tie, Decimal("0")) if tie else Decimal("0")),
            r.offer.submitted_at, r.offer.pk))
        for position, row in enumerate(area_rows, start=1):
            row.rank = position if row.mean is not None else None
        ordered.extend(area_rows)
    return ordered


def leniency(*, evaluation: Evaluation) -> list[dict]:
    """Each member's mean deviation from the other members' mean total on the same offers:
    positive is more generous, negative is stricter (for the chair's eyes only)."""
    scores = _counting_scores(evaluation)
    totals: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for seat_id, offer_id, points in scores.values_list("sheet__seat_id", "sheet__offer_id", "points").order_by():
        totals[(seat_id, offer_id)] += points
    by_offer: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for (seat_id, offer_id), total in totals.items():
        by_offer[offer_id][seat_id] = total
    deviations: dict[int, list[Decimal]] = defaultdict(list)
    for members in by_offer.values():
        if len(members) < 2:
            continue
        for seat_id, total in members.items():
            others = [t for s, t in members.items() if s != seat_id]
            deviations[seat_id].append(total - sum(others) / len(others))
    seats = {s.pk: s for s in Seat.objects.filter(committee__competition=evaluation.competition).select_related("user")}
    return [{"seat": seats[seat_id], "offers": len(values), "deviation": _q2(sum(values) / len(values))}
            for seat_id, values in sorted(deviations.items()) if seat_id in seats]


def progress(*, evaluation: Evaluation) -> list[dict]:
    """Who has scored what: per member, declarations and sheets by state (two queries)."""
    seats = list(Seat.objects.filter(committee__competition=evaluation.competition, is_active=True)
                 .select_related("user").annotate(
        pending=Count("declarations", filter=Q(declarations__state=DeclarationState.PENDING), distinct=True),
        impartial=Count("declarations", filter=Q(declarations__state=DeclarationState.IMPARTIAL), distinct=True),
        excluded=Count("declarations", filter=Q(declarations__state__in=[DeclarationState.CONFLICT,
                                                                          DeclarationState.EXCLUDED]), distinct=True),
    ).order_by("role", "user__last_name"))
    sheets = dict(ScoreSheet.objects.filter(seat__in=seats, state=SheetState.SUBMITTED).values("seat_id")
                  .annotate(n=Count("pk")).values_list("seat_id", "n"))
    return [{"seat": seat, "pending": seat.pending, "impartial": seat.impartial, "excluded": seat.excluded,
             "submitted": sheets.get(seat.pk, 0), "votes": seat.role != SeatRole.EXPERT} for seat in seats]


def offer_phase(offer: Offer) -> str:
    """The one answer to "where is my offer?", derived from the machines that hold it."""
    check = getattr(offer, "formal_check", None)
    award = getattr(offer, "award", None)
    if award is not None and award.state not in (AwardState.PENDING, AwardState.PROPOSED):
        evaluation = getattr(offer.competition, "evaluation", None)
        if evaluation is not None and evaluation.state == EvaluationState.RESOLVED:
            return award.get_state_display()
    if check is not None:
        if check.state == FormalCheckState.ACCEPTED:
            evaluation = getattr(offer.competition, "evaluation", None)
            return evaluation.get_state_display() if evaluation else check.get_state_display()
        return check.get_state_display()
    return offer.get_state_display()


def evaluation_card(*, offer: Offer) -> dict | None:
    """The consolidated evaluation card the offeror sees once results are published:
    per-criterion means, total, pass/fail, the committee's justification and any cut's reason.
    Never individual members' scores."""
    evaluation = getattr(offer.competition, "evaluation", None)
    if evaluation is None or evaluation.state != EvaluationState.RESOLVED:
        return None
    check = getattr(offer, "formal_check", None)
    if check is not None and check.state == FormalCheckState.REJECTED:
        return {"formally_rejected": True, "reasons": check.reasons, "offer": offer}
    row = next((r for r in ranking(evaluation=evaluation, task_area=offer.task_area) if r.offer.pk == offer.pk), None)
    if row is None:
        return None
    criteria = list(offer.task_area.criteria.all())
    return {"formally_rejected": False, "offer": offer, "row": row,
            "criteria": [(c, row.criteria.get(c.pk)) for c in criteria],
            "max_points": sum((c.max_points for c in criteria), Decimal("0")), "award": row.award}


def public_results(*, competition: Competition) -> list[RankingRow]:
    evaluation = getattr(competition, "evaluation", None)
    if evaluation is None or evaluation.state != EvaluationState.RESOLVED:
        raise NotFound()
    return ranking(evaluation=evaluation)


def justification_queue(*, user, evaluation: Evaluation):
    if not is_staff(user, evaluation.competition):
        raise NotFound()
    return evaluation.justification_requests.select_related("offer").order_by("answered_at", "answer_due", "pk")

