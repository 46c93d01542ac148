"""The guards of the evaluation machines: pure functions of the object that return the
reasons a transition may not happen now (an empty list when it may)."""

from __future__ import annotations

import math
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from offers.form import money
from offers.models import OfferState
from workflow.errors import Refusal

from .models import (
    AwardState,
    CommitteeState,
    DeclarationState,
    EvaluationState,
    FormalCheckState,
    ItemOutcome,
    SeatKind,
    SeatRole,
)


def _evaluation_state_is(evaluation, *states) -> list[Refusal]:
    if evaluation is None:
        return [Refusal("no_evaluation", _("The evaluation of this competition has not started."))]
    if evaluation.state not in states:
        return [Refusal("evaluation_state", _("Not possible while the evaluation is “{state}”."),
                        {"state": evaluation.get_state_display()})]
    return []


def _evaluation_of(competition):
    return getattr(competition, "evaluation", None)


def required_scores(committee) -> int:
    """How many members' scores each offer needs: the committee's quorum, or by default at
    least half of the voting members [DESIGN; the local rules of art. 5a ust. 4 pkt 11 decide]."""
    if committee.quorum:
        return committee.quorum
    voting = committee.seats.filter(is_active=True).exclude(role=SeatRole.EXPERT).count()
    return max(1, math.ceil(voting / 2))


# --- the round ---------------------------------------------------------------------------------------


def merit_review_problems(evaluation) -> list[Refusal]:
    problems = []
    checks = (evaluation.competition.offers.filter(state=OfferState.SUBMITTED)
              .aggregate(total=Count("pk"),
                         undecided=Count("pk", filter=~Q(formal_check__state__in=[FormalCheckState.ACCEPTED,
                                                                                   FormalCheckState.REJECTED])),
                         accepted=Count("pk", filter=Q(formal_check__state=FormalCheckState.ACCEPTED))))
    if checks["undecided"]:
        problems.append(Refusal("formal_checks_open",
                                _("{count} offer(s) still wait for the formal check or a remedy."),
                                {"count": checks["undecided"]}))
    elif not checks["accepted"]:
        # art. 18a ust. 1 pkt 2: no offer met the requirements — the competition must be cancelled
        problems.append(Refusal("no_valid_offers",
                                _("No offer passed the formal check: the competition must be cancelled "
                                  "(art. 18a ust. 1 pkt 2).")))
    committee = getattr(evaluation.competition, "committee", None)
    if committee is None or committee.state != CommitteeState.APPOINTED:
        problems.append(Refusal("committee_not_appointed",
                                _("The committee has not been appointed (art. 15 ust. 2a).")))
    return problems


def close_scoring_problems(evaluation) -> list[Refusal]:
    committee = evaluation.competition.committee
    needed = required_scores(committee)
    from .selectors import scores_per_offer

    short = [row for row in scores_per_offer(evaluation=evaluation) if row["submitted"] < needed]
    if short:
        return [Refusal("quorum_not_reached",
                        _("{count} offer(s) have fewer than {needed} submitted score sheets of members who "
                          "declared impartiality."), {"count": len(short), "needed": needed})]
    return []


def resolve_problems(evaluation) -> list[Refusal]:
    from offers.models import Offer

    accepted = Offer.objects.filter(competition=evaluation.competition, formal_check__state=FormalCheckState.ACCEPTED)
    undecided = accepted.exclude(award__state__in=[AwardState.SELECTED, AwardState.NOT_SELECTED]).count()
    problems = []
    if undecided:
        problems.append(Refusal("awards_undecided", _("{count} offer(s) have no decision yet."), {"count": undecided}))
    for area in evaluation.competition.task_areas.annotate(
        decided=Sum("offers__award__decided_amount", filter=Q(offers__award__state=AwardState.SELECTED))
    ):
        if area.decided and area.decided > area.budget:
            problems.append(Refusal("over_budget",
                                    _("Task {number}: the grants decided ({sum}) exceed its budget ({budget}) by "
                                      "{excess}."),
                                    {"number": area.number, "sum": money(area.decided), "budget": money(area.budget),
                                     "excess": money(area.decided - area.budget)}))
    return problems


# --- the formal check -----------------------------------------------------------------------------------


def _defects(check):
    return [r for r in check.items.all() if r.outcome == ItemOutcome.DEFECT]


def remedy_request_problems(check) -> list[Refusal]:
    problems = _evaluation_state_is(_evaluation_of(check.offer.competition), EvaluationState.FORMAL_REVIEW)
    defects = _defects(check)
    if not defects:
        problems.append(Refusal("no_defects", _("Mark the defects to remedy on the checklist first.")))
    fatal = [d for d in defects if not d.item.remediable]
    if fatal:
        problems.append(Refusal("not_remediable",
                                _("“{item}” cannot be remedied: the offer must be rejected."),
                                {"item": fatal[0].item.text}))
    return problems


def accept_problems(check) -> list[Refusal]:
    problems = _evaluation_state_is(_evaluation_of(check.offer.competition), EvaluationState.FORMAL_REVIEW)
    recorded = {r.item_id for r in check.items.all()}
    missing = [item for item in check.offer.competition.checklist.all() if item.pk not in recorded]
    if missing:
        problems.append(Refusal("checklist_incomplete", _("{count} checklist item(s) are not recorded yet."),
                                {"count": len(missing)}))
    if _defects(check):
        problems.append(Refusal("has_defects", _("An offer with defects cannot be accepted: call to remedy or "
                                                 "reject it.")))
    return problems


def reject_problems(check) -> list[Refusal]:
    problems = _evaluation_state_is(_evaluation_of(check.offer.competition), EvaluationState.FORMAL_REVIEW)
    if not _defects(check):
        problems.append(Refusal("no_defects", _("Mark on the checklist the defect the rejection rests on.")))
    return problems


# --- the committee --------------------------------------------------------------------------------------


def appointment_problems(committee) -> list[Refusal]:
    seats = list(committee.seats.filter(is_active=True))
    problems = []
    chairs = [s for s in seats if s.role == SeatRole.CHAIR]
    if len(chairs) != 1:
        problems.append(Refusal("one_chair", _("The committee needs exactly one chair.")))
    if not any(s.kind == SeatKind.AUTHORITY and s.role != SeatRole.EXPERT for s in seats):
        problems.append(Refusal("no_authority_member",
                                _("The committee needs at least one representative of the authority "
                                  "(art. 15 ust. 2a).")))
    ngo = [s for s in seats if s.kind == SeatKind.NGO_NOMINEE]
    if not ngo and not committee.ngo_absence:
        problems.append(Refusal("no_ngo_member",
                                _("Appoint a person nominated by organisations, or record why the committee acts "
                                  "without one (art. 15 ust. 2da).")))
    return problems


def reform_problems(committee) -> list[Refusal]:
    evaluation = _evaluation_of(committee.competition)
    if evaluation is not None and evaluation.state != EvaluationState.FORMAL_REVIEW:
        return [Refusal("scoring_started", _("The committee cannot change once the offers are handed to it."))]
    return []


def declaration_problems(declaration) -> list[Refusal]:
    return _evaluation_state_is(_evaluation_of(declaration.offer.competition), EvaluationState.MERIT_REVIEW)


# --- scoring ------------------------------------------------------------------------------------------------


def sheet_problems(sheet, criteria, scores, committee) -> dict[str, list[str]]:
    """Field errors of a score sheet, keyed "scores.<criterion id>": missing, out of range,
    off the step, or a low score without the comment the committee requires."""
    errors: dict[str, list[str]] = {}
    by_criterion = {s.criterion_id: s for s in scores}
    for criterion in criteria:
        key = f"scores.{criterion.pk}"
        score = by_criterion.get(criterion.pk)
        if score is None:
            errors[key] = [str(_("Score “{criterion}”.")).format(criterion=criterion.name)]
            continue
        if score.points > criterion.max_points:
            errors[key] = [str(_("At most {max} points.")).format(
                max=f"{criterion.max_points.normalize():f}")]
        elif (score.points / criterion.step) % 1 != 0:
            errors[key] = [str(_("Score in steps of {step} points.")).format(
                step=f"{criterion.step.normalize():f}")]
        threshold = criterion.max_points * committee.comment_below_pct / Decimal(100)
        if score.points < threshold and not score.comment.strip():
            errors.setdefault(key, []).append(
                str(_("Explain a score below {share}% of the maximum in a comment.")).format(
                    share=f"{committee.comment_below_pct.normalize():f}"))
    return errors


def sheet_submit_problems(sheet) -> list[Refusal]:
    offer = sheet.offer
    problems = _evaluation_state_is(_evaluation_of(offer.competition), EvaluationState.MERIT_REVIEW)
    declaration = sheet.seat.declarations.filter(offer=offer).first()
    if declaration is None or declaration.state != DeclarationState.IMPARTIAL:
        problems.append(Refusal("not_impartial", _("Declare your impartiality for this offer first.")))
    if sheet.seat.role == SeatRole.EXPERT:
        problems.append(Refusal("expert", _("An expert has an advisory voice and does not score (art. 15 ust. 2e).")))
    errors = sheet_problems(sheet, list(offer.task_area.criteria.all()), list(sheet.scores.all()),
                            sheet.seat.committee)
    if errors:
        problems.append(Refusal("sheet_incomplete", _("The score sheet is not complete."), {"errors": errors}))
    return problems


def sheet_reopen_problems(sheet) -> list[Refusal]:
    return _evaluation_state_is(_evaluation_of(sheet.offer.competition), EvaluationState.MERIT_REVIEW)


# --- award ---------------------------------------------------------------------------------------------------


def proposal_problems(award) -> list[Refusal]:
    return _evaluation_state_is(_evaluation_of(award.offer.competition), EvaluationState.AWAITING_DECISION)


def decision_problems(award) -> list[Refusal]:
    return _evaluation_state_is(_evaluation_of(award.offer.competition), EvaluationState.AWAITING_DECISION)


def update_problems(award) -> list[Refusal]:
    from django.utils import timezone

    from workflow.calendar import format_local

    from .services import update_read

    problems = []
    if award.update_deadline and timezone.now() > award.update_deadline:
        problems.append(Refusal("update_deadline_passed", _("The deadline for the update passed at {deadline}."),
                                {"deadline": format_local(award.update_deadline)}))
    update = getattr(award, "update", None)
    if update is None:
        problems.append(Refusal("no_update", _("Prepare the updated cost estimate first.")))
        return problems
    read, extra = update_read(award)
    errors: dict[str, list[str]] = {}
    for problem in [*read.blocking, *extra]:
        errors.setdefault(problem.key, []).append(problem.text())
    if errors:
        problems.append(Refusal("update_incomplete", _("The update has {count} problem(s) to fix."),
                                {"count": sum(len(v) for v in errors.values()), "errors": errors}))
    return problems
