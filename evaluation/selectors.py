"""Reads of evaluation: always restricted to the user, aggregates always computed from the
raw rows (never stored), each list shaped to a fixed number of queries.

Visibility (hard rule 1): a committee member sees the offers of the competitions they sit
on, once the offers are handed to the committee, never one they are excluded from, and
an offer's content only after declaring impartiality for it.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.base import ModelState

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
ZERO = Decimal("0")


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
    award: Award | None = None


def _counting_scores(evaluation: Evaluation) -> QuerySet[Score]:
    return Score.objects.filter(sheet__in=counting_sheets(evaluation=evaluation))


@dataclass
class OfferScores:
    """The sums one offer's counting sheets add up to: what the ranking's arithmetic needs."""

    sheets: int
    total: Decimal  # the sum of the members' totals
    lowest: Decimal  # the lowest and the highest member's total, for the spread
    highest: Decimal
    criteria: dict[int, Decimal]  # criterion pk -> the sum of its points over the sheets


def _sum(value) -> Decimal:
    if isinstance(value, Decimal):
        return value  # PostgreSQL adds numeric(5, 2) exactly
    # SQLite adds decimals as floats: points have two decimal places at most, so this is exact
    return Decimal(str(value if value is not None else 0)).quantize(CENT)


def offer_scores(*, evaluation: Evaluation, task_area=None) -> dict[int, OfferScores]:
    """Per offer, the sums of its counting sheets, added up in the database in one statement
    (each sheet's total and its points per criterion first, then per offer), so that rows per
    offer, not per score, cross the wire. A sheet scores the criteria of its offer's task, so
    the k-th column holds the k-th criterion of whichever task: as many columns as the longest
    list of criteria, however many tasks."""
    from competitions.models import Criterion

    sheets = counting_sheets(evaluation=evaluation)
    criteria = Criterion.objects.filter(task_area__competition_id=evaluation.competition_id)
    if task_area is not None:
        sheets = sheets.filter(offer__task_area=task_area)
        criteria = criteria.filter(task_area=task_area)
    positions: list[list[int]] = []  # positions[k]: the pks of the k-th criterion of each task
    area_criteria: dict[int, list[int]] = defaultdict(list)
    for pk, area_id in criteria.order_by("task_area_id", "order", "pk").values_list("pk", "task_area_id"):
        area_criteria[area_id].append(pk)
    for pks in area_criteria.values():
        for k, pk in enumerate(pks):
            if k == len(positions):
                positions.append([])
            positions[k].append(pk)
    inner_sql, inner_params = sheets.values("id", "offer_id", area=F("offer__task_area_id")).query.sql_with_params()
    per_sheet = "".join(
        f", SUM(CASE WHEN s.criterion_id IN ({', '.join(['%s'] * len(pks))}) THEN s.points ELSE 0 END) AS c{k}"
        for k, pks in enumerate(positions))
    per_offer = "".join(f", SUM(t.c{k})" for k in range(len(positions)))
    # nothing from outside is put into the statement: table names, aliases and placeholders only
    table = Score._meta.db_table
    per_sheet_sql = (f"SELECT c.offer_id, c.area, s.sheet_id, SUM(s.points) AS total{per_sheet} "  # noqa: S608
                     f"FROM {table} s INNER JOIN ({inner_sql}) c ON c.id = s.sheet_id "
                     "GROUP BY c.offer_id, c.area, s.sheet_id")
    statement = (f"SELECT t.offer_id, t.area, COUNT(*), SUM(t.total), MIN(t.total), MAX(t.total)"  # noqa: S608
                 f"{per_offer} FROM ({per_sheet_sql}) t GROUP BY t.offer_id, t.area")
    params = [pk for pks in positions for pk in pks] + list(inner_params)
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        rows = cursor.fetchall()
    return {offer_id: OfferScores(n, _sum(total), _sum(lowest), _sum(highest),
                                  {pk: _sum(value) for pk, value in zip(area_criteria[area_id], sums, strict=False)})
            for offer_id, area_id, n, total, lowest, highest, *sums in rows}


RANKED_OFFER_FIELDS = ("competition_id", "task_area_id", "state", "title", "grant_requested", "total_cost",
                       "submitted_at", "snapshot_sha256")
RANKED_ORGANIZATION_FIELDS = ("name", "krs", "legal_form")
_LOADING: dict[type, tuple[str | None, tuple[str, ...]]] = {}


def _fsm_loading(model) -> tuple[str | None, tuple[str, ...]]:
    """Where django-fsm's ConcurrentTransitionMixin keeps the states a row was read in (what its
    save() compares against), found on a probe instance, and the model's state fields."""
    found = _LOADING.get(model)
    if found is None:
        name, fields = None, ()
        if hasattr(model, "_update_initial_state"):
            probe = model()
            probe._update_initial_state()
            fields = tuple(field.attname for field in probe.state_fields)
            candidate = "_ConcurrentTransitionMixin__initial_states"
            if isinstance(probe.__dict__.get(candidate), dict) and set(probe.__dict__[candidate]) == set(fields):
                name = candidate
        found = _LOADING[model] = (name, fields)
    return found


def _loaded(model, values: dict, db: str):
    """A model instance as a QuerySet loads it (Model.from_db: these fields loaded, the others
    deferred, saved state), built from a .values_list() row without running Model.__init__ and
    django-fsm's per-instance bookkeeping for every one of tens of thousands of rows. The
    instance is a full one: it saves, transitions and loads its deferred fields as any other."""
    instance = model.__new__(model)
    instance.__dict__.update(values)
    state = ModelState()
    state.adding, state.db = False, db
    instance._state = state
    name, fields = _fsm_loading(model)
    if name is not None:
        instance.__dict__[name] = {field: values[field] for field in fields}
    elif fields:  # another django-fsm: let it record the states itself
        instance._update_initial_state()
    return instance


def _ranked_rows(offers, rows: list, areas: dict, area_facts: dict, sums: dict, competition, db: str,
                 award_fields: tuple) -> None:
    from offers.models import Organization

    offer_names = ("id", *RANKED_OFFER_FIELDS, "organization_id")
    organization_names = ("id", *RANKED_ORGANIZATION_FIELDS)
    n_offer, n_org = len(offer_names), len(RANKED_ORGANIZATION_FIELDS)
    for values in offers:
        offer = _loaded(Offer, dict(zip(offer_names, values[:n_offer], strict=True)), db)
        organization = _loaded(Organization, dict(zip(organization_names, (values[n_offer - 1],
                                                                           *values[n_offer:n_offer + n_org]),
                                                      strict=True)), db)
        award_values = values[n_offer + n_org:]
        award = _loaded(Award, dict(zip(award_fields, award_values, strict=True)), db) if award_values[0] else None
        # one task area and one competition for many offers: the same objects, not a copy per row
        cache = offer._state.fields_cache
        cache["task_area"], cache["competition"], cache["organization"] = (areas[offer.task_area_id], competition,
                                                                           organization)
        cache["award"] = award
        if award is not None:
            award._state.fields_cache["offer"] = offer
        criteria, max_points, threshold, spread_limit = area_facts[offer.task_area_id]
        scored = sums.get(offer.pk)
        if scored is not None:
            n = scored.sheets
            mean = _q2(scored.total / n)
            points = scored.criteria
            criterion_means = {c: (points.get(c, ZERO) / n).quantize(CENT, rounding=ROUND_HALF_UP)
                               for c in criteria}
            spread = scored.highest - scored.lowest
        else:
            n, mean, criterion_means, spread = 0, None, {}, None
        flagged = bool(spread is not None and max_points and spread > spread_limit)
        rows.append(RankingRow(offer, n, mean, criterion_means, mean is not None and mean >= threshold,
                               spread=spread, flagged=flagged, award=award))


@contextmanager
def _bulk_loading():
    """No cyclic garbage collection while tens of thousands of long-lived rows are made: each
    collection the allocations trigger would walk every young row again, and none of them is
    garbage (a third of the ranking's time at 20 000 offers). Reference counting frees as usual;
    the collector runs again as soon as the rows are made (also on an error)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def ranking(*, evaluation: Evaluation, task_area=None) -> list[RankingRow]:
    """The ranking per task area, from the raw scores (a fixed number of queries whatever the
    size: the sums per offer in one statement, the offers in one, the task areas and their
    criteria in two): mean of the members' totals, per-criterion means, pass/fail against the
    threshold, the spread of the members' totals, and a total, deterministic order — mean
    descending, then the mean of the tie-break criterion, then earlier submission, then the
    offer number."""
    from competitions.models import TaskArea

    competition = evaluation.competition
    areas = {area.pk: area for area in TaskArea.objects.filter(competition=competition).prefetch_related("criteria")}
    # A ranking shows the offer's number, offeror, title, sums and dates, never its content: the
    # rest of the row (the frozen snapshot above all) stays in the database. The rows are read as
    # plain values and made into instances of Offer, Organization and Award directly (_loaded).
    award_fields = tuple(f.attname for f in Award._meta.concrete_fields)
    offers = (Offer.objects.filter(competition=competition, formal_check__state=FormalCheckState.ACCEPTED)
              .order_by("task_area__number", "pk")
              .values_list("pk", *RANKED_OFFER_FIELDS, "organization_id",
                           *(f"organization__{name}" for name in RANKED_ORGANIZATION_FIELDS),
                           *(f"award__{name}" for name in award_fields)))
    if task_area is not None:
        offers = offers.filter(task_area=task_area)
    db = offers.db
    rows: list[RankingRow] = []
    committee = competition.committee
    spread_pct = committee.spread_flag_pct
    area_facts = {}
    for pk, area in areas.items():
        criteria = list(area.criteria.all())
        max_points = sum((c.max_points for c in criteria), Decimal("0"))
        area_facts[pk] = ([c.pk for c in criteria], max_points, max_points * area.pass_threshold_pct / Decimal(100),
                          max_points * spread_pct / Decimal(100))
    with _bulk_loading():
        sums = offer_scores(evaluation=evaluation, task_area=task_area)
        _ranked_rows(offers, rows, areas, area_facts, sums, competition, db, award_fields)
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

