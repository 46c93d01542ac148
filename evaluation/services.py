"""The verbs of evaluation and award. Each runs in one transaction; state changes go
through workflow.services.transition; every score, declaration, amount and decision is
in the audit trail (hard rule 10)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from competitions.models import AuthorityRole, Competition, CompetitionState, has_role
from offers.form import Problem, money, parse_decimal, pct, read_offer
from offers.models import Offer, OfferState, Representation
from offers.services import offer_refreeze
from workflow.audit import audit_record
from workflow.calendar import deadline_in_days, end_of_day, format_local
from workflow.errors import Forbidden, InvalidData, NotFound, WrongState
from workflow.notifications import notify
from workflow.services import transition

from .models import (
    Award,
    AwardState,
    AwardUpdate,
    CheckItemResult,
    Committee,
    CommitteeState,
    Declaration,
    DeclarationState,
    Evaluation,
    EvaluationState,
    FormalCheck,
    FormalCheckState,
    ItemOutcome,
    JustificationRequest,
    Score,
    ScoreSheet,
    Seat,
    SeatKind,
    SeatRole,
    SheetState,
)

# The sections an offeror may change when called to remedy: signatures, attachments, the
# offeror's data and an obvious miscalculation — never the substance (DOMAIN.md §4).
REMEDIABLE_SECTIONS = ("attachments", "declarations", "offeror", "costs", "sources")
UPDATE_SECTIONS = ("schedule", "results", "costs", "sources")
UPDATE_DAYS = 7  # Dopiewo, Leżajsk practice (DOMAIN.md §6); silence is declining
JUSTIFICATION_DAYS = 30  # art. 15 ust. 2j [GK]
JUSTIFICATION_ANSWER_DAYS = 14  # as for access to public information [DESIGN]


def _require_role(competition: Competition, actor, role: str) -> None:
    if not has_role(actor, competition.authority, role):
        raise Forbidden()


# --- the round ---------------------------------------------------------------------------------------------


def evaluation_start(*, competition: Competition, actor) -> Evaluation:
    """Open the formal review of a competition whose submissions have closed: one formal
    check per submitted offer."""
    _require_role(competition, actor, AuthorityRole.OFFICER)
    with transaction.atomic():
        locked = Competition.objects.select_for_update().get(pk=competition.pk)
        if locked.state != CompetitionState.SUBMISSION_CLOSED:
            raise WrongState(_("The formal review starts once submissions have closed."), code="not_closed")
        if hasattr(locked, "evaluation"):
            raise WrongState(_("The evaluation has already started."), code="already_started")
        offers = list(locked.offers.filter(state=OfferState.SUBMITTED).values_list("pk", flat=True))
        if not offers:
            raise WrongState(_("No offer was submitted: the competition must be cancelled (art. 18a ust. 1 pkt 1)."),
                             code="no_offers")
        evaluation = Evaluation.objects.create(competition=locked)
        FormalCheck.objects.bulk_create([FormalCheck(offer_id=pk) for pk in offers])
        Committee.objects.get_or_create(competition=locked)
        audit_record(subject=evaluation, action="evaluation.evaluation.start", actor=actor,
                     actor_role=AuthorityRole.OFFICER, target_state=evaluation.state,
                     payload={"offers": offers})
    return evaluation


def evaluation_start_merit_review(evaluation: Evaluation, *, actor, reason: str = "") -> Evaluation:
    """Hand the formally accepted offers to the committee: every member gets a declaration
    per offer; a member who represents the offeror is excluded at once (art. 15 ust. 2f)."""

    def declarations(locked: Evaluation) -> dict[str, Any]:
        offers = list(Offer.objects.filter(competition=locked.competition,
                                           formal_check__state=FormalCheckState.ACCEPTED).values_list(
            "pk", "organization_id"))
        seats = list(Seat.objects.filter(committee__competition=locked.competition, is_active=True))
        Declaration.objects.bulk_create([Declaration(seat=seat, offer_id=pk) for seat in seats for pk, _org in offers])
        represented = set(Representation.objects.filter(user__in=[s.user_id for s in seats], is_active=True)
                          .values_list("user_id", "organization_id"))
        nominated = {(s.pk, s.nominated_by_id) for s in seats if s.nominated_by_id}
        excluded = []
        for declaration in Declaration.objects.filter(seat__in=seats).select_related("seat", "offer"):
            org = declaration.offer.organization_id
            if (declaration.seat.user_id, org) in represented or (declaration.seat_id, org) in nominated:
                excluded.append(declaration)
        return {"offers": [pk for pk, _org in offers], "seats": [s.pk for s in seats], "_exclude": excluded}

    with transaction.atomic():
        result: dict[str, Any] = {}

        def effect(locked):
            result.update(declarations(locked))
            return {"offers": result["offers"], "seats": result["seats"]}

        evaluation = transition(evaluation, "start_merit_review", actor=actor, reason=reason, effect=effect)
        for declaration in result["_exclude"]:
            transition(declaration, "exclude", actor=None,
                       ground=_("The member represents the offering organisation or was nominated by it."))
    return evaluation


def evaluation_close_scoring(evaluation: Evaluation, *, actor, signed_by: str) -> Evaluation:
    if not signed_by.strip():
        raise InvalidData({"signed_by": [_("Name the members present who sign the protocol.")]})

    def awards(locked: Evaluation) -> dict[str, Any]:
        offers = list(Offer.objects.filter(competition=locked.competition,
                                           formal_check__state=FormalCheckState.ACCEPTED).values_list("pk", flat=True))
        Award.objects.bulk_create([Award(offer_id=pk) for pk in offers], ignore_conflicts=True)
        from .selectors import ranking

        return {"ranking": [{"offer": row.offer.pk, "mean": row.mean, "rank": row.rank, "passed": row.passed}
                            for row in ranking(evaluation=locked)]}

    return transition(evaluation, "close_scoring", actor=actor, signed_by=signed_by, effect=awards)


def evaluation_resolve(evaluation: Evaluation, *, actor, decision_reference: str) -> Evaluation:
    """The approver's decision (art. 15 ust. 2g) and the results' publication (ust. 2h):
    an offeror awarded less than requested is asked for its update."""
    if not decision_reference.strip():
        raise InvalidData({"decision_reference": [_("Give the zarządzenie or uchwała of the decision.")]})
    with transaction.atomic():
        evaluation = transition(evaluation, "resolve", actor=actor, decision_reference=decision_reference)
        deadline = end_of_day(deadline_in_days(timezone.localdate(), UPDATE_DAYS))
        for award in Award.objects.filter(offer__competition=evaluation.competition,
                                          state=AwardState.SELECTED).select_related("offer"):
            if award.decided_amount < (award.offer.grant_requested or Decimal("0")):
                transition(award, "request_update", actor=None, deadline=deadline)
            else:
                transition(award, "confirm", actor=None)
        _notify_results(evaluation, deadline)
    return evaluation


def _notify_results(evaluation: Evaluation, deadline: dt.datetime) -> None:
    for offer in Offer.objects.filter(competition=evaluation.competition,
                                      formal_check__isnull=False).select_related("organization"):
        recipients = [r.user for r in offer.organization.representations.filter(is_active=True).select_related("user")]
        notify(key=f"offer.{offer.pk}.results", recipients=recipients,
               subject=_("Results of the competition: {title}").format(title=evaluation.competition.title),
               body=_("The results of “{title}” are published. Your offer “{offer}”: see its evaluation card. "
                      "If you were awarded less than you asked for, update your offer by {deadline} or decline."
                      ).format(title=evaluation.competition.title, offer=offer.title,
                               deadline=format_local(deadline)),
               link=reverse("evaluation:offer_card", args=[offer.pk]))


# --- the formal check -------------------------------------------------------------------------------------------


def formal_check_record(*, check: FormalCheck, actor, results: dict[int, tuple[str, str]]) -> FormalCheck:
    """Record checklist items: {item id: (outcome, note)}."""
    competition = check.offer.competition
    _require_role(competition, actor, AuthorityRole.OFFICER)
    items = {item.pk: item for item in competition.checklist.all()}
    errors: dict[str, list[str]] = {}
    for item_id, (outcome, note) in results.items():
        if item_id not in items:
            errors[f"items.{item_id}"] = [_("Not an item of this competition's checklist.")]
        elif outcome not in ItemOutcome.values:
            errors[f"items.{item_id}"] = [_("Choose met, defect or not applicable.")]
        elif outcome == ItemOutcome.DEFECT and not note.strip():
            errors[f"items.{item_id}"] = [_("Describe the defect; the offeror will read it.")]
    if errors:
        raise InvalidData(errors)
    with transaction.atomic():
        locked = FormalCheck.objects.select_for_update().get(pk=check.pk)
        if locked.state not in (FormalCheckState.OPEN, FormalCheckState.REMEDIED):
            raise WrongState(_("The formal check is {state}; it can no longer be changed.").format(
                state=locked.get_state_display()), code="check_closed")
        for item_id, (outcome, note) in results.items():
            CheckItemResult.objects.update_or_create(formal_check=locked, item_id=item_id,
                                                     defaults={"outcome": outcome, "note": note, "recorded_by": actor})
        audit_record(subject=locked, action="evaluation.formalcheck.record", actor=actor,
                     actor_role=AuthorityRole.OFFICER, subject_locked=True,
                     payload={str(k): {"outcome": o, "note": n} for k, (o, n) in results.items()})
    return locked


def formal_check_request_remedy(check: FormalCheck, *, actor, message: str, sections: list[str]) -> FormalCheck:
    errors: dict[str, list[str]] = {}
    if not message.strip():
        errors["message"] = [_("Say what the offeror must remedy.")]
    if not sections or any(s not in REMEDIABLE_SECTIONS for s in sections):
        errors["sections"] = [_("Choose what the offeror may change: attachments, declarations, offeror data, costs "
                                "or sources.")]
    if errors:
        raise InvalidData(errors)
    competition = check.offer.competition
    # The remedy period is counted in days like a KPA term (art. 57 § 4): a last day on a
    # Saturday or holiday moves to the next working day.
    deadline = end_of_day(deadline_in_days(timezone.localdate(), competition.remedy_days))
    with transaction.atomic():
        check = transition(check, "request_remedy", actor=actor, deadline=deadline, message=message,
                           sections=sections)
        offer = check.offer
        notify(key=f"formalcheck.{check.pk}.remedy.{deadline:%Y%m%d}",
               recipients=[r.user for r in offer.organization.representations.filter(is_active=True)
                           .select_related("user")],
               subject=_("Call to remedy your offer: {title}").format(title=offer.title),
               body=_("The formal check of your offer found defects to remedy by {deadline}:\n\n{message}").format(
                   deadline=format_local(deadline), message=message),
               link=reverse("evaluation:offer_remedy", args=[offer.pk]))
    return check


def remedy_allows(*, offer: Offer, key: str) -> bool:
    """Whether the offeror may change section `key` of a submitted offer now: only the
    sections flagged in a call to remedy, and only before its deadline."""
    check = FormalCheck.objects.filter(offer=offer, state=FormalCheckState.REMEDY_REQUESTED).first()
    return bool(check and key in check.remedy_sections and not check.remedy_deadline_problem())


def formal_check_remedy(check: FormalCheck, *, actor) -> FormalCheck:
    """The offeror sends the remedied offer: it is frozen again and the new hash is audited.
    The requested grant may not grow: a remedy never changes the substance."""
    before = check.offer.grant_requested

    def refreeze(locked: FormalCheck) -> dict[str, Any]:
        offer = offer_refreeze(offer=locked.offer, actor=actor, reason="remedy")
        if before is not None and offer.grant_requested is not None and offer.grant_requested > before:
            raise InvalidData({"sources.grant": [_("A remedy cannot raise the requested grant ({before}).").format(
                before=money(before))]})
        return {"sha256": offer.snapshot_sha256}

    return transition(check, "remedy", actor=actor, effect=refreeze)


def formal_check_accept(check: FormalCheck, *, actor) -> FormalCheck:
    return transition(check, "accept", actor=actor)


def formal_check_reject(check: FormalCheck, *, actor, reasons: str) -> FormalCheck:
    if not reasons.strip():
        raise InvalidData({"reasons": [_("Give the reasons for the rejection; the offeror will read them.")]})
    return transition(check, "reject", actor=actor, reasons=reasons, reason=reasons)


def formal_checks_expire(now: dt.datetime | None = None) -> list[int]:
    """Beat: reject the offers not remedied by their deadline. The clock guard on
    `remedy` refuses a late remedy even if this never runs."""
    expired = []
    now = now or timezone.now()
    for check in FormalCheck.objects.filter(state=FormalCheckState.REMEDY_REQUESTED, remedy_deadline__lt=now):
        try:
            transition(check, "expire", actor=None)
        except WrongState:
            continue
        expired.append(check.pk)
    return expired


# --- the committee -------------------------------------------------------------------------------------------


def _committee_for_change(committee: Committee, actor) -> Committee:
    _require_role(committee.competition, actor, AuthorityRole.OFFICER)
    locked = Committee.objects.select_for_update().select_related("competition").get(pk=committee.pk)
    if locked.state != CommitteeState.FORMING:
        raise WrongState(_("The committee is appointed; change it first (“Change the committee”)."),
                         code="committee_appointed")
    return locked


def seat_add(*, committee: Committee, actor, user, role: str = SeatRole.MEMBER, kind: str = SeatKind.AUTHORITY,
             nominated_by=None, nominated_by_name: str = "") -> Seat:
    errors: dict[str, list[str]] = {}
    if role not in SeatRole.values:
        errors["role"] = [_("Unknown role.")]
    if kind not in SeatKind.values:
        errors["kind"] = [_("Unknown kind of seat.")]
    if kind == SeatKind.NGO_NOMINEE and not (nominated_by or nominated_by_name.strip()):
        errors["nominated_by"] = [_("Say which organisation nominated this person.")]
    if role == SeatRole.EXPERT and kind != SeatKind.EXPERT or kind == SeatKind.EXPERT and role != SeatRole.EXPERT:
        errors["role"] = [_("An expert sits as an expert, with an advisory voice only.")]
    if errors:
        raise InvalidData(errors)
    with transaction.atomic():
        locked = _committee_for_change(committee, actor)
        competition = locked.competition
        if nominated_by is not None and competition.offers.filter(
            organization=nominated_by, state=OfferState.SUBMITTED
        ).exists():
            # art. 15 ust. 2d: not a person nominated by an organisation taking part in the competition
            raise InvalidData({"nominated_by": [_("{organization} has an offer in this competition; a person it "
                                                  "nominated cannot sit on the committee (art. 15 ust. 2d).").format(
                organization=nominated_by.name)]})
        if role == SeatRole.CHAIR and locked.seats.filter(role=SeatRole.CHAIR, is_active=True).exclude(
                user=user).exists():
            raise InvalidData({"role": [_("The committee already has a chair.")]})
        seat, _created = Seat.objects.update_or_create(
            committee=locked, user=user, defaults={"role": role, "kind": kind, "nominated_by": nominated_by,
                                                   "nominated_by_name": nominated_by_name, "is_active": True})
        audit_record(subject=locked, action="evaluation.committee.seat", actor=actor, actor_role=AuthorityRole.OFFICER,
                     subject_locked=True, payload={"seat": seat.pk, "user": user.pk, "role": role, "kind": kind,
                                                   "nominated_by": nominated_by.pk if nominated_by else None})
    return seat


def seat_remove(*, seat: Seat, actor) -> None:
    with transaction.atomic():
        locked = _committee_for_change(seat.committee, actor)
        seat.is_active = False
        seat.save(update_fields=["is_active"])
        audit_record(subject=locked, action="evaluation.committee.remove_seat", actor=actor,
                     actor_role=AuthorityRole.OFFICER, subject_locked=True, payload={"seat": seat.pk})


def committee_configure(*, committee: Committee, actor, **fields: Any) -> Committee:
    allowed = {"ngo_absence", "ngo_absence_note", "quorum", "comment_below_pct", "spread_flag_pct"}
    unknown = set(fields) - allowed
    if unknown:
        raise InvalidData({name: [_("Not a setting of the committee.")] for name in unknown})
    with transaction.atomic():
        locked = _committee_for_change(committee, actor)
        for name, value in fields.items():
            setattr(locked, name, value)
        from django.core.exceptions import ValidationError

        try:
            locked.full_clean(exclude=["state"])
        except ValidationError as exc:
            raise InvalidData(exc.message_dict) from exc
        if locked.ngo_absence and not locked.ngo_absence_note.strip():
            raise InvalidData({"ngo_absence_note": [_("Describe the circumstances (art. 15 ust. 2da).")]})
        locked.save()
        audit_record(subject=locked, action="evaluation.committee.configure", actor=actor,
                     actor_role=AuthorityRole.OFFICER, subject_locked=True, payload=fields)
    return locked


def committee_appoint(committee: Committee, *, actor, appointment_reference: str) -> Committee:
    if not appointment_reference.strip():
        raise InvalidData({"appointment_reference": [_("Give the zarządzenie appointing the committee.")]})
    return transition(committee, "appoint", actor=actor, appointment_reference=appointment_reference)


# --- impartiality and scoring -------------------------------------------------------------------------------------


def declaration_make(declaration: Declaration, *, actor, impartial: bool, ground: str = "") -> Declaration:
    if impartial:
        return transition(declaration, "declare_impartial", actor=actor)
    return transition(declaration, "declare_conflict", actor=actor, ground=ground, reason=ground)


def sheet_for(*, seat: Seat, offer: Offer) -> ScoreSheet:
    sheet, _created = ScoreSheet.objects.get_or_create(seat=seat, offer=offer)
    return sheet


def scores_save(*, seat: Seat, offer: Offer, actor, scores: dict[int, dict[str, Any]], comment: str = "") -> ScoreSheet:
    """Save a member's draft scores ({criterion id: {"points": …, "comment": …}}). Numbers
    that do not parse, or fall outside 0..max, are refused at their criterion; the rest
    are saved. Each save is audited with the scores it fixed."""
    if seat.user_id != getattr(actor, "pk", None) or not seat.is_active:
        raise Forbidden()
    criteria = {c.pk: c for c in offer.task_area.criteria.all()}
    errors: dict[str, list[str]] = {}
    parsed: dict[int, tuple[Decimal, str]] = {}
    for raw_id, value in scores.items():
        try:
            criterion = criteria[int(raw_id)]
        except (KeyError, ValueError, TypeError):
            errors[f"scores.{raw_id}"] = [_("Not a criterion of this task.")]
            continue
        points, error = parse_decimal((value or {}).get("points"))
        if error:
            errors[f"scores.{criterion.pk}"] = [str(error)]
        elif points is not None and points > criterion.max_points:
            errors[f"scores.{criterion.pk}"] = [_("At most {max} points.").format(
                max=f"{criterion.max_points.normalize():f}")]
        elif points is not None:
            parsed[criterion.pk] = (points, str((value or {}).get("comment") or "")[:4000])
    with transaction.atomic():
        declaration = Declaration.objects.filter(seat=seat, offer=offer).first()
        if declaration is None:
            raise NotFound()
        if declaration.state != DeclarationState.IMPARTIAL:
            raise WrongState(_("Declare your impartiality for this offer before scoring it."), code="not_impartial")
        if seat.role == SeatRole.EXPERT:
            raise Forbidden(_("An expert has an advisory voice and does not score (art. 15 ust. 2e)."))
        sheet = ScoreSheet.objects.select_for_update().filter(seat=seat, offer=offer).first() or sheet_for(
            seat=seat, offer=offer)
        if sheet.state != SheetState.DRAFT:
            raise WrongState(_("Your sheet is submitted; the chair can reopen it."), code="sheet_submitted")
        evaluation = offer.competition.evaluation
        if evaluation.state != EvaluationState.MERIT_REVIEW:
            raise WrongState(_("Scoring is closed."), code="scoring_closed")
        for criterion_id, (points, note) in parsed.items():
            Score.objects.update_or_create(sheet=sheet, criterion_id=criterion_id,
                                           defaults={"points": points, "comment": note})
        sheet.comment = comment[:8000]
        sheet.save(update_fields=["comment", "updated_at"])
        audit_record(subject=sheet, action="evaluation.scoresheet.score", actor=actor, actor_role="committee_member",
                     payload={"scores": {str(k): str(v[0]) for k, v in parsed.items()}})
    if errors:
        raise InvalidData(errors, message=_("Some scores were not saved; the others were."))
    return sheet


def sheet_submit(sheet: ScoreSheet, *, actor) -> ScoreSheet:
    return transition(sheet, "submit", actor=actor)


def sheet_reopen(sheet: ScoreSheet, *, actor, reason: str) -> ScoreSheet:
    if not reason.strip():
        raise InvalidData({"reason": [_("Give the reason for reopening the sheet.")]})
    return transition(sheet, "reopen", actor=actor, reason=reason)


# --- award and update -----------------------------------------------------------------------------------------


def _amount_problems(award: Award, amount: Decimal) -> list[str]:
    offer, area = award.offer, award.offer.task_area
    problems = []
    if amount <= 0:
        problems.append(_("Give an amount above zero (or do not select the offer)."))
    if offer.grant_requested is not None and amount > offer.grant_requested:
        problems.append(_("More than the offeror asked for ({requested}).").format(
            requested=money(offer.grant_requested)))
    if area.max_grant is not None and amount > area.max_grant:
        problems.append(_("Above the task's maximum grant ({max}).").format(max=money(area.max_grant)))
    if area.min_grant is not None and amount < area.min_grant:
        problems.append(_("Below the task's minimum grant ({min}).").format(min=money(area.min_grant)))
    return problems


def _area_total(award: Award, field: str, states: list[str]) -> Decimal:
    return (Award.objects.filter(offer__task_area=award.offer.task_area, state__in=states).exclude(pk=award.pk)
            .aggregate(s=Sum(field))["s"] or Decimal("0"))


def award_propose(award: Award, *, actor, amount: Any, justification: str = "", cut_reason: str = "") -> Award:
    value, error = parse_decimal(amount)
    errors: dict[str, list[str]] = {}
    if error or value is None:
        errors["amount"] = [str(error or _("Enter an amount."))]
    else:
        problems = _amount_problems(award, value)
        if problems:
            errors["amount"] = problems
        elif value < (award.offer.grant_requested or Decimal(0)) and not cut_reason.strip():
            errors["cut_reason"] = [_("Give the reason for proposing less than requested; the offeror will read it.")]
        area = award.offer.task_area
        proposed = _area_total(award, "proposed_amount", [AwardState.PROPOSED])
        if not errors and proposed + value > area.budget:
            errors["amount"] = [_("The proposals for task {number} would exceed its budget {budget} by {excess}."
                                  ).format(number=area.number, budget=money(area.budget),
                                           excess=money(proposed + value - area.budget))]
    if errors:
        raise InvalidData(errors)
    return transition(award, "propose", actor=actor, amount=value, justification=justification, cut_reason=cut_reason)


def award_decide(award: Award, *, actor, select: bool, amount: Any = None, reason: str = "") -> Award:
    """The approver's decision per offer (art. 15 ust. 2g): it may depart from the committee's
    proposal, with a reason."""
    if not select:
        return transition(award, "reject", actor=actor, reason=reason, decision_reason=reason)
    value, error = parse_decimal(amount)
    errors: dict[str, list[str]] = {}
    if error or value is None:
        errors["amount"] = [str(error or _("Enter an amount."))]
    else:
        problems = _amount_problems(award, value)
        if problems:
            errors["amount"] = problems
        elif award.proposed_amount is not None and value != award.proposed_amount and not reason.strip():
            errors["reason"] = [_("Give the reason for departing from the committee's proposal ({proposed}).").format(
                proposed=money(award.proposed_amount))]
        area = award.offer.task_area
        decided = _area_total(award, "decided_amount", [AwardState.SELECTED])
        if not errors and decided + value > area.budget:
            errors["amount"] = [_("The grants for task {number} would exceed its budget {budget} by {excess}.").format(
                number=area.number, budget=money(area.budget), excess=money(decided + value - area.budget))]
    if errors:
        raise InvalidData(errors)
    return transition(award, "select", actor=actor, amount=value, reason=reason, decision_reason=reason)


def _update_data(award: Award) -> dict[str, dict]:
    data = {s.key: s.data for s in award.offer.sections.all()}
    update = getattr(award, "update", None)
    if update is not None:
        data.update(update.sections)
    return data


def update_read(award: Award):
    """Read the offer as updated, and the update's own rules: the grant equals the award, and
    the grant's share of the total cost is no higher than in the offer (DOMAIN.md §6)."""
    offer = award.offer
    read = read_offer(_update_data(award), competition=offer.competition, task_area=offer.task_area,
                      questions=(), requirements=(), attachments=())
    extra: list[Problem] = []
    budget = read.budget
    if budget.grant != award.decided_amount:
        extra.append(Problem("sources", "sources.grant", _("The grant must equal the amount awarded, {amount} "
                                                           "(now {grant})."), "V.B 2",
                             {"amount": money(award.decided_amount), "grant": money(budget.grant)}))
    original_total = offer.total_cost or Decimal("0")
    if budget.total and original_total:
        before = pct(offer.grant_requested or Decimal("0"), original_total)
        after = pct(budget.grant, budget.total)
        if after > before:
            extra.append(Problem("sources", "sources.total",
                                 _("The grant is now {after}% of the total cost; it may not exceed the offer's "
                                   "{before}%."), "V.B", {"after": after, "before": before}))
    return read, extra


def update_save(*, award: Award, actor, key: str, data: dict, base_revision: int | None) -> AwardUpdate:
    if key not in UPDATE_SECTIONS:
        raise NotFound()
    if not isinstance(data, dict) or len(json.dumps(data, default=str)) > 400_000:
        raise InvalidData({key: [_("A section is a set of fields of reasonable size.")]})
    from workflow.permissions import has_object_perm

    if not has_object_perm(actor, "edit_offers", award.offer.organization):
        raise Forbidden()
    with transaction.atomic():
        locked = Award.objects.select_for_update().get(pk=award.pk)
        if locked.state != AwardState.AWAITING_UPDATE:
            raise WrongState(_("No update is awaited for this offer."), code="no_update_awaited")
        update, _created = AwardUpdate.objects.select_for_update().get_or_create(award=locked)
        if base_revision is not None and update.revision != base_revision:
            from workflow.errors import EditConflict

            raise EditConflict(theirs={"revision": update.revision, "data": update.sections.get(key, {})})
        update.sections = {**update.sections, key: data}
        update.revision += 1
        update.updated_by = actor
        update.save()
    return update


def award_accept_with_update(award: Award, *, actor) -> Award:
    from offers.services import snapshot_hash
    from workflow.audit import canonical

    def freeze(locked: Award) -> dict[str, Any]:
        update = locked.update
        update.snapshot_sha256 = snapshot_hash(canonical(update.sections))
        update.save(update_fields=["snapshot_sha256"])
        return {"sha256": update.snapshot_sha256}

    return transition(award, "accept_with_update", actor=actor, effect=freeze)


def award_decline(award: Award, *, actor, reason: str = "") -> Award:
    return transition(award, "decline", actor=actor, reason=reason)


def updates_expire(now: dt.datetime | None = None) -> list[int]:
    """Beat: silence past the update deadline is declining (DOMAIN.md §6)."""
    declined = []
    for award in Award.objects.filter(state=AwardState.AWAITING_UPDATE, update_deadline__lt=now or timezone.now()):
        try:
            transition(award, "decline", actor=None, reason=_("No update by the deadline."))
        except WrongState:
            continue
        declined.append(award.pk)
    return declined


def justification_request_create(*, evaluation: Evaluation, name: str, email: str, text: str,
                                 offer: Offer | None = None) -> JustificationRequest:
    """Anyone may ask for the justification of a selection or rejection within 30 days of the
    results (art. 15 ust. 2j); the request lands in the officer's queue with its deadline."""
    errors: dict[str, list[str]] = {}
    if evaluation.state != EvaluationState.RESOLVED:
        raise WrongState(_("The results are not published yet."), code="not_resolved")
    if timezone.now() > evaluation.resolved_at + dt.timedelta(days=JUSTIFICATION_DAYS):
        raise WrongState(_("Requests could be made within 30 days of the results (art. 15 ust. 2j)."),
                         code="justification_period_over")
    for field, value, message in (("name", name, _("Give your name.")), ("text", text, _("Say what you ask for."))):
        if not value.strip():
            errors[field] = [message]
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [_("Give an e-mail address for the answer.")]
    if offer is not None and offer.competition_id != evaluation.competition_id:
        errors["offer"] = [_("Choose an offer of this competition.")]
    if errors:
        raise InvalidData(errors)
    with transaction.atomic():
        request = JustificationRequest.objects.create(
            evaluation=evaluation, offer=offer, name=name.strip()[:200], email=email, text=text[:10000],
            answer_due=timezone.localdate() + dt.timedelta(days=JUSTIFICATION_ANSWER_DAYS))
        audit_record(subject=evaluation, action="evaluation.evaluation.justification_request", actor=None,
                     actor_role="public", payload={"request": request.pk, "offer": offer.pk if offer else None})
    return request


def justification_answer(*, request: JustificationRequest, actor, answer: str) -> JustificationRequest:
    _require_role(request.evaluation.competition, actor, AuthorityRole.OFFICER)
    if not answer.strip():
        raise InvalidData({"answer": [_("Write the answer.")]})
    with transaction.atomic():
        request.answer, request.answered_at, request.answered_by = answer, timezone.now(), actor
        request.save(update_fields=["answer", "answered_at", "answered_by"])
        audit_record(subject=request.evaluation, action="evaluation.evaluation.justification_answer", actor=actor,
                     actor_role=AuthorityRole.OFFICER, payload={"request": request.pk})
        subject = _("Justification: {title}").format(title=request.evaluation.competition.title)
        transaction.on_commit(lambda: send_mail(subject, answer, None, [request.email]))
    return request

