"""Web pages of the evaluation for the authority's office (the formal check, the committee,
the requests for justification), the approver (the decision), the offeror (the call to
remedy, the evaluation card, the update after a lower award) and the public (the results
and the request for justification, art. 15 ust. 2j).

Thin: reads go through the selectors, writes through the services, state changes through
workflow.services.transition. A refused action comes back to the block it was sent from —
at its fields (400) or with the reasons (409) — with everything typed kept.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from competitions.models import AuthorityRole, Competition, CompetitionState, has_role
from competitions.selectors import competition_get, competition_is_staff
from offers.form import SECTION_BY_KEY, money, pct
from offers.forms import add_row, remove_row, rows_spec, section_form
from offers.models import Offer, OfferState
from offers.selectors import offer_get
from workflow.calendar import deadline_in_days, end_of_day, local
from workflow.errors import EditConflict, InvalidData, NotFound, WrongState
from workflow.permissions import has_object_perm
from workflow.services import available_transitions, transition

from . import selectors, services
from .forms_office import (
    AnswerForm,
    AppointForm,
    ChecklistForm,
    DecisionForm,
    JustificationRequestForm,
    NgoAbsenceForm,
    RejectForm,
    RemedyForm,
    ResolveForm,
    SeatForm,
    ThresholdsForm,
    section_label,
)
from .guards import required_scores
from .models import (
    Award,
    AwardState,
    AwardUpdate,
    Committee,
    CommitteeState,
    Evaluation,
    EvaluationState,
    FormalCheck,
    FormalCheckState,
    ItemOutcome,
    SeatKind,
    SeatRole,
)

SEAT_ORDER = {SeatRole.CHAIR: 0, SeatRole.SECRETARY: 1, SeatRole.MEMBER: 2, SeatRole.EXPERT: 3}
# the award states in which a grant was decided (later states keep the decided amount)
GRANTED = (AwardState.SELECTED, AwardState.AWAITING_UPDATE, AwardState.READY_FOR_CONTRACT)


class _FormInvalid(Exception):
    """The form itself refused the input (its errors are already at the fields)."""


# --- helpers ------------------------------------------------------------------------------------------


def _staff_competition(request: HttpRequest, pk) -> Competition:
    """A competition of one of the user's authorities; anyone else gets 404."""
    competition = competition_get(user=request.user, pk=pk)
    if not competition_is_staff(user=request.user, competition=competition):
        raise NotFound()
    return competition


def _evaluation_of(competition: Competition) -> Evaluation | None:
    return Evaluation.objects.filter(competition=competition).first()


def _shown(obj, user) -> dict:
    """The transitions worth showing: those the user may take now, and those refused for a
    reason other than the state or the user's role (the "why not" is shown with them)."""
    return {t.name: t for t in available_transitions(obj, user)
            if t.allowed or (t.reasons and t.reasons[0].code not in ("wrong_state", "forbidden"))}


def _office(request: HttpRequest, competition: Competition, evaluation: Evaluation | None, page: str,
            **extra) -> dict:
    user = request.user
    return {"competition": competition, "evaluation": evaluation, "page": page,
            "is_officer": has_role(user, competition.authority, AuthorityRole.OFFICER),
            "is_approver": has_role(user, competition.authority, AuthorityRole.APPROVER), **extra}


def _input_amount(value: Decimal | None) -> str:
    """An amount as the Polish user types it: "25 000,00"."""
    return money(value).removesuffix(" zł") if value is not None else ""


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise NotFound() from exc


def _answer(request, template: str, context: dict, status: int, redirect_to: str | None, message: str = ""):
    if redirect_to is not None:
        if message:
            messages.success(request, message)
        return redirect(redirect_to)
    return render(request, template, context, status=status)


def _check_status(check: FormalCheck) -> tuple[str, str]:
    """(css key, label) of a formal check as people should read it now: a call to remedy whose
    deadline passed is a rejection, even before the scheduler has recorded it."""
    if check.state == FormalCheckState.REMEDY_REQUESTED and check.remedy_deadline_problem() is not None:
        return "overdue", _("rejected — not remedied in time")
    return check.state, check.get_state_display()


# --- the formal check: the list ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def formal_list(request: HttpRequest, pk) -> HttpResponse:
    """Start the evaluation of a closed competition; the formal check of every offer."""
    competition = _staff_competition(request, pk)
    error, status = None, 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "start":
                services.evaluation_start(competition=competition, actor=request.user)
                messages.success(request, _("The formal review has started: check each offer against the "
                                            "checklist."))
            elif action == "expire_overdue":
                count = _expire_overdue(request, competition)
                messages.success(request, ngettext("{n} offer was rejected: not remedied in time.",
                                                   "{n} offers were rejected: not remedied in time.",
                                                   count).format(n=count))
            else:
                raise NotFound()
        except WrongState as exc:
            error, status = exc, 409
        else:
            return redirect("evaluation:office", pk=competition.pk)
    context = _formal_list_context(request, competition)
    context["error"] = error
    return render(request, "evaluation/office/formal_list.html", context, status=status)


def _expire_overdue(request: HttpRequest, competition: Competition) -> int:
    evaluation = _evaluation_of(competition)
    if evaluation is None:
        raise NotFound()
    count = 0
    for check in selectors.formal_checks(user=request.user, evaluation=evaluation).filter(
            state=FormalCheckState.REMEDY_REQUESTED, remedy_deadline__lt=timezone.now()):
        try:
            transition(check, "expire", actor=request.user)
        except WrongState:
            continue  # remedied or expired meanwhile
        count += 1
    return count


def _formal_list_context(request: HttpRequest, competition: Competition) -> dict:
    evaluation = _evaluation_of(competition)
    context = _office(request, competition, evaluation, "formal")
    if evaluation is None:
        submitted = competition.offers.filter(state=OfferState.SUBMITTED).count()
        context.update(submitted=submitted, closed=competition.state == CompetitionState.SUBMISSION_CLOSED)
        return context
    rows, counts = [], {}
    for check in selectors.formal_checks(user=request.user, evaluation=evaluation):
        check.offer.competition = competition  # the offer's number, without a query per row
        status, label = _check_status(check)
        counts[status] = counts.get(status, 0) + 1
        rows.append({"check": check, "offer": check.offer, "status": status, "label": label,
                     "defects": sum(1 for r in check.items.all() if r.outcome == ItemOutcome.DEFECT),
                     "recorded": len(check.items.all())})
    decided = counts.get(FormalCheckState.ACCEPTED, 0) + counts.get(FormalCheckState.REJECTED, 0)
    failed = counts.get(FormalCheckState.REJECTED, 0) + counts.get("overdue", 0)
    context.update(
        rows=rows,
        total=len(rows),
        accepted=counts.get(FormalCheckState.ACCEPTED, 0),
        overdue=counts.get("overdue", 0),
        summary=[(label, counts.get(key, 0)) for key, label in (
            (FormalCheckState.OPEN, _("being checked")), (FormalCheckState.REMEDY_REQUESTED, _("called to remedy")),
            (FormalCheckState.REMEDIED, _("remedied, to re-check")), (FormalCheckState.ACCEPTED, _("accepted")),
            (FormalCheckState.REJECTED, _("rejected")), ("overdue", _("not remedied in time")))
            if counts.get(key)],
        all_decided=bool(rows) and decided == len(rows),
        # art. 18a ust. 1 pkt 2: no offer met the requirements — the competition must be cancelled
        none_passed=bool(rows) and failed == len(rows),
        checklist_size=competition.checklist.count(),
    )
    return context


# --- the formal check of one offer -----------------------------------------------------------------


def _staff_check(request: HttpRequest, check_pk) -> FormalCheck:
    check = selectors.formal_check_get(user=request.user, pk=check_pk)
    if not selectors.is_staff(request.user, check.offer.competition):
        raise NotFound()  # the offeror reads its call to remedy on its own page
    return check


def _defect_summary(check: FormalCheck) -> str:
    return "\n".join(f"- {r.item.text}: {r.note}".rstrip(": ") for r in check.items.select_related("item")
                     if r.outcome == ItemOutcome.DEFECT)


def _check_context(request: HttpRequest, check: FormalCheck, **bound) -> dict:
    from offers.views import _detail_context  # the offer as printed (read-only), as offers shows it

    offer = check.offer
    competition = offer.competition
    evaluation = _evaluation_of(competition)
    items = list(competition.checklist.all())
    recorded = {r.item_id: r for r in check.items.all()}
    context = _office(request, competition, evaluation, "formal")
    status, label = _check_status(check)
    order = list(FormalCheck.objects.filter(offer__competition=competition).order_by(
        "offer__task_area__number", "offer__submitted_at", "offer__pk").values_list("pk", flat=True))
    position = order.index(check.pk)
    summary = _defect_summary(check)
    editable = (context["is_officer"] and evaluation is not None and evaluation.state == EvaluationState.FORMAL_REVIEW
                and check.state in (FormalCheckState.OPEN, FormalCheckState.REMEDIED))
    context.update({
        "check": check,
        "offer": offer,
        "status": status,
        "status_label": label,
        "items": items,
        "recorded": recorded,
        "editable": editable,
        "transitions": _shown(check, request.user),
        "checklist_form": bound.get("checklist_form") or ChecklistForm(items=items, recorded=recorded,
                                                                        prefix="check"),
        "remedy_form": bound.get("remedy_form") or RemedyForm(prefix="remedy", initial={"message": summary}),
        "reject_form": bound.get("reject_form") or RejectForm(prefix="reject", initial={"reasons": summary}),
        "remedy_deadline": end_of_day(deadline_in_days(timezone.localdate(), competition.remedy_days)),
        "remedy_sections": [section_label(k) for k in check.remedy_sections if k in SECTION_BY_KEY],
        "previous": order[position - 1] if position > 0 else None,
        "next": order[position + 1] if position + 1 < len(order) else None,
        "position": position + 1,
        "count": len(order),
        "error": bound.get("error"),
        "error_at": bound.get("error_at"),
        "content": _detail_context(request, offer),
    })
    return context


CHECK_FORMS = {"record": "checklist_form", "remedy": "remedy_form", "reject": "reject_form"}


@login_required
@require_http_methods(["GET", "POST"])
def formal_check(request: HttpRequest, check_pk) -> HttpResponse:
    check = _staff_check(request, check_pk)
    if request.method == "GET":
        return render(request, "evaluation/office/formal_check.html", _check_context(request, check))
    action = request.POST.get("action", "")
    user = request.user
    bound: dict = {}
    status, message = 200, ""
    try:
        if action == "record":
            recorded = {r.item_id: r for r in check.items.all()}
            form = bound["checklist_form"] = ChecklistForm(request.POST, items=list(
                check.offer.competition.checklist.all()), recorded=recorded, prefix="check")
            if not form.is_valid():
                raise _FormInvalid()
            services.formal_check_record(check=check, actor=user, results=form.results())
            message = _("The checklist is saved.")
        elif action == "remedy":
            form = bound["remedy_form"] = RemedyForm(request.POST, prefix="remedy")
            if not form.is_valid():
                raise _FormInvalid()
            check = services.formal_check_request_remedy(check, actor=user, message=form.cleaned_data["message"],
                                                         sections=form.cleaned_data["sections"])
            message = _("The offeror is called to remedy the defects by {deadline}.").format(
                deadline=local(check.remedy_deadline).strftime("%d.%m.%Y %H:%M"))
        elif action == "accept":
            services.formal_check_accept(check, actor=user)
            message = _("The offer is formally accepted.")
        elif action == "reject":
            form = bound["reject_form"] = RejectForm(request.POST, prefix="reject")
            if not form.is_valid():
                raise _FormInvalid()
            services.formal_check_reject(check, actor=user, reasons=form.cleaned_data["reasons"])
            message = _("The offer is formally rejected.")
        elif action == "expire":
            transition(check, "expire", actor=user)
            message = _("The offer is rejected: the defects were not remedied in time.")
        else:
            raise NotFound(_("There is no such action."))
    except _FormInvalid:
        status = 400
    except InvalidData as error:
        form = bound.get(CHECK_FORMS.get(action, ""))
        if form is not None:
            form.add_service_errors(error)
        else:
            bound["error"] = error
        status = 400
    except WrongState as error:
        bound["error"] = error
        status = 409
    else:
        messages.success(request, message)
        anchor = "#checklist" if action == "record" else ""
        return redirect(reverse("evaluation:formal_check", args=[check.pk]) + anchor)
    bound["error_at"] = action
    check = _staff_check(request, check.pk)
    return render(request, "evaluation/office/formal_check.html", _check_context(request, check, **bound),
                  status=status)


# --- the committee -------------------------------------------------------------------------------------


def _committee_context(request: HttpRequest, competition: Competition, committee: Committee | None,
                       evaluation: Evaluation | None, **bound) -> dict:
    context = _office(request, competition, evaluation, "committee")
    if committee is None:
        return context
    seats = sorted(committee.seats.filter(is_active=True).select_related("user", "nominated_by"),
                   key=lambda s: (SEAT_ORDER.get(s.role, 9), s.user.last_name, s.user.first_name, s.pk))
    user = request.user
    context.update({
        "committee": committee,
        "seats": seats,
        "has_ngo": any(s.kind == SeatKind.NGO_NOMINEE for s in seats),
        "voting": sum(1 for s in seats if s.role != SeatRole.EXPERT),
        "required": required_scores(committee),
        "editable": context["is_officer"] and committee.state == CommitteeState.FORMING,
        "committee_transitions": _shown(committee, user),
        "evaluation_transitions": _shown(evaluation, user) if evaluation else {},
        "seat_form": bound.get("seat_form") or SeatForm(prefix="seat"),
        "absence_form": bound.get("absence_form") or NgoAbsenceForm.for_committee(committee),
        "thresholds_form": bound.get("thresholds_form") or ThresholdsForm.for_committee(committee),
        "appoint_form": bound.get("appoint_form") or AppointForm(prefix="appoint"),
        "error": bound.get("error"),
        "error_at": bound.get("error_at"),
    })
    return context


COMMITTEE_FORMS = {"add_seat": "seat_form", "absence": "absence_form", "thresholds": "thresholds_form",
                   "appoint": "appoint_form"}


@login_required
@require_http_methods(["GET", "POST"])
def committee(request: HttpRequest, pk) -> HttpResponse:
    """Seats, the art. 15 ust. 2da reason, quorum and thresholds, the appointment, and handing
    the formally accepted offers to the committee."""
    competition = _staff_competition(request, pk)
    evaluation = _evaluation_of(competition)
    committee_ = Committee.objects.filter(competition=competition).select_related("competition").first()
    if request.method == "GET":
        return render(request, "evaluation/office/committee.html",
                      _committee_context(request, competition, committee_, evaluation))
    if committee_ is None:
        raise NotFound()
    action = request.POST.get("action", "")
    user = request.user
    bound: dict = {}
    anchor = ""
    try:
        if action == "add_seat":
            form = bound["seat_form"] = SeatForm(request.POST, prefix="seat")
            if not form.is_valid():
                raise _FormInvalid()
            seat = services.seat_add(committee=committee_, actor=user, **form.service_fields())
            message = _("{name} sits on the committee as {role}.").format(
                name=seat.user.get_full_name() or seat.user.username, role=seat.get_role_display())
            anchor = "#seats"
        elif action == "remove_seat":
            seat = committee_.seats.filter(pk=_int(request.POST.get("seat")), is_active=True).select_related(
                "user").first()
            if seat is None:
                raise NotFound()
            services.seat_remove(seat=seat, actor=user)
            message = _("{name} no longer sits on the committee.").format(
                name=seat.user.get_full_name() or seat.user.username)
            anchor = "#seats"
        elif action == "absence":
            form = bound["absence_form"] = NgoAbsenceForm(request.POST, prefix="absence")
            if not form.is_valid():
                raise _FormInvalid()
            services.committee_configure(committee=committee_, actor=user, **form.cleaned_data)
            message = _("The reason for acting without nominees is recorded.") if form.cleaned_data[
                "ngo_absence"] else _("Saved.")
            anchor = "#ngo"
        elif action == "thresholds":
            form = bound["thresholds_form"] = ThresholdsForm(request.POST, prefix="thresholds")
            if not form.is_valid():
                raise _FormInvalid()
            services.committee_configure(committee=committee_, actor=user, **form.cleaned_data)
            message = _("The quorum and thresholds are saved.")
            anchor = "#thresholds"
        elif action == "appoint":
            form = bound["appoint_form"] = AppointForm(request.POST, prefix="appoint")
            if not form.is_valid():
                raise _FormInvalid()
            services.committee_appoint(committee_, actor=user,
                                       appointment_reference=form.cleaned_data["appointment_reference"])
            message = _("The committee is appointed.")
        elif action == "reform":
            transition(committee_, "reform", actor=user, reason=request.POST.get("reason", "")[:2000])
            message = _("The committee can be changed; appoint it again when it is complete.")
        elif action == "start_merit":
            if evaluation is None:
                raise NotFound()
            services.evaluation_start_merit_review(evaluation, actor=user)
            message = _("The offers are handed to the committee. Its members now declare their impartiality "
                        "and score.")
        else:
            raise NotFound(_("There is no such action."))
    except _FormInvalid:
        status = 400
    except InvalidData as error:
        form = bound.get(COMMITTEE_FORMS.get(action, ""))
        if form is not None:
            form.add_service_errors(error)
        else:
            bound["error"] = error
        status = 400
    except WrongState as error:
        bound["error"] = error
        status = 409
    else:
        messages.success(request, message)
        return redirect(reverse("evaluation:committee", args=[competition.pk]) + anchor)
    bound["error_at"] = action
    committee_.refresh_from_db()
    evaluation = _evaluation_of(competition)
    return render(request, "evaluation/office/committee.html",
                  _committee_context(request, competition, committee_, evaluation, **bound), status=status)


# --- the approver's decision --------------------------------------------------------------------------


def _decision_context(request: HttpRequest, competition: Competition, evaluation: Evaluation | None,
                      **bound) -> dict:
    context = _office(request, competition, evaluation, "decision")
    ready = evaluation is not None and evaluation.state in (EvaluationState.AWAITING_DECISION,
                                                            EvaluationState.RESOLVED)
    context["ready"] = ready
    if not ready:
        return context
    deciding = context["is_approver"] and evaluation.state == EvaluationState.AWAITING_DECISION
    forms_ = bound.get("decision_forms", {})
    areas: list[dict] = []
    for row in selectors.ranking(evaluation=evaluation):
        offer, award = row.offer, row.award
        offer.competition = competition
        area = offer.task_area
        if not areas or areas[-1]["area"].pk != area.pk:
            criteria = list(area.criteria.all())
            max_points = sum((c.max_points for c in criteria), Decimal("0"))
            areas.append({"area": area, "rows": [], "proposed": Decimal("0.00"), "decided": Decimal("0.00"),
                          "max_points": max_points, "undecided": 0,
                          "threshold": max_points * area.pass_threshold_pct / Decimal(100)})
        group = areas[-1]
        if award is not None and award.proposed_amount is not None and award.state != AwardState.PENDING:
            group["proposed"] += award.proposed_amount
        if award is not None and award.state in GRANTED:
            group["decided"] += award.decided_amount or Decimal("0")
        open_ = award is not None and award.state in (AwardState.PENDING, AwardState.PROPOSED)
        if open_:
            group["undecided"] += 1
        row.can_decide = deciding and open_
        if row.can_decide:
            row.form = forms_.get(award.pk) or DecisionForm(
                prefix=f"award{award.pk}", initial={"amount": _input_amount(award.proposed_amount)})
        row.cut = (award is not None and award.decided_amount is not None and award.state in GRANTED
                   and offer.grant_requested is not None and award.decided_amount < offer.grant_requested)
        group["rows"].append(row)
    for group in areas:
        group["left"] = group["area"].budget - group["decided"]
        group["used_pct"] = min(Decimal(100), pct(group["decided"], group["area"].budget))
    context.update({
        "areas": areas,
        "deciding": deciding,
        "transitions": _shown(evaluation, request.user),
        "resolve_form": bound.get("resolve_form") or ResolveForm(prefix="resolve"),
        "error": bound.get("error"),
        "error_at": bound.get("error_at"),
        "error_award": bound.get("error_award"),
    })
    return context


@login_required
@require_http_methods(["GET", "POST"])
def decision(request: HttpRequest, pk) -> HttpResponse:
    """After scoring is closed: the ranking per task with the committee's proposals; the approver
    selects each offer with an amount, or does not, then decides and publishes (art. 15 ust. 2g–2h)."""
    competition = _staff_competition(request, pk)
    evaluation = _evaluation_of(competition)
    if request.method == "GET":
        return render(request, "evaluation/office/decision.html", _decision_context(request, competition, evaluation))
    if evaluation is None:
        raise NotFound()
    action = request.POST.get("action", "")
    bound: dict = {"error_at": action}
    anchor = ""
    try:
        if action == "decide":
            award = Award.objects.select_related("offer__task_area", "offer__competition__authority").filter(
                pk=_int(request.POST.get("award")), offer__competition=competition).first()
            if award is None:
                raise NotFound()
            bound["error_award"] = award.pk
            form = DecisionForm(request.POST, prefix=f"award{award.pk}")
            bound["decision_forms"] = {award.pk: form}
            if not form.is_valid():
                raise _FormInvalid()
            if request.POST.get("decision") not in ("select", "reject"):
                raise NotFound(_("There is no such action."))
            select = request.POST.get("decision") == "select"
            decided = services.award_decide(award, actor=request.user, select=select,
                                            amount=form.cleaned_data["amount"], reason=form.cleaned_data["reason"])
            name = award.offer.organization.name
            message = (_("Selected: {name}, {amount}.").format(name=name, amount=money(decided.decided_amount))
                       if select else _("Not selected: {name}.").format(name=name))
            anchor = f"#offer-{award.offer_id}"
        elif action == "resolve":
            form = bound["resolve_form"] = ResolveForm(request.POST, prefix="resolve")
            if not form.is_valid():
                raise _FormInvalid()
            services.evaluation_resolve(evaluation, actor=request.user,
                                        decision_reference=form.cleaned_data["decision_reference"])
            message = _("The results are decided and published. The offerors are told; those awarded less "
                        "than they asked for are asked for their update.")
        else:
            raise NotFound(_("There is no such action."))
    except _FormInvalid:
        status = 400
    except InvalidData as error:
        form = bound["resolve_form"] if action == "resolve" else bound["decision_forms"][bound["error_award"]]
        form.add_service_errors(error)
        status = 400
    except WrongState as error:
        bound["error"] = error
        status = 409
    else:
        messages.success(request, message)
        return redirect(reverse("evaluation:decision", args=[competition.pk]) + anchor)
    evaluation.refresh_from_db()
    return render(request, "evaluation/office/decision.html",
                  _decision_context(request, competition, evaluation, **bound), status=status)


# --- requests for justification --------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def justification_queue(request: HttpRequest, pk) -> HttpResponse:
    """The requests for the justification of a selection or rejection (art. 15 ust. 2j), oldest
    due first, each with its answer form."""
    competition = _staff_competition(request, pk)
    evaluation = _evaluation_of(competition)
    bound: dict = {}
    status = 200
    if request.method == "POST":
        if evaluation is None:
            raise NotFound()
        item = evaluation.justification_requests.filter(pk=_int(request.POST.get("request"))).first()
        if item is None:
            raise NotFound()
        form = AnswerForm(request.POST, prefix=f"request{item.pk}")
        bound[item.pk] = form
        try:
            if not form.is_valid():
                raise _FormInvalid()
            services.justification_answer(request=item, actor=request.user, answer=form.cleaned_data["answer"])
        except _FormInvalid:
            status = 400
        except InvalidData as error:
            form.add_service_errors(error)
            status = 400
        else:
            messages.success(request, _("The answer is sent to {email}.").format(email=item.email))
            return redirect(reverse("evaluation:justification_queue", args=[competition.pk]) + f"#request-{item.pk}")
    context = _office(request, competition, evaluation, "requests")
    if evaluation is not None:
        today = timezone.localdate()
        items = list(selectors.justification_queue(user=request.user, evaluation=evaluation))
        for item in items:
            item.overdue = item.answered_at is None and item.answer_due < today
            if item.answered_at is None and context["is_officer"]:
                item.form = bound.get(item.pk) or AnswerForm(prefix=f"request{item.pk}")
        context.update(items=items, waiting=sum(1 for i in items if i.answered_at is None))
    return render(request, "evaluation/office/requests.html", context, status=status)


# --- the offeror's pages ------------------------------------------------------------------------------


def _ngo_offer(request: HttpRequest, pk) -> Offer:
    """An offer of an organisation the user represents; anyone else (staff included) gets 404."""
    offer = offer_get(user=request.user, pk=pk)
    if not has_object_perm(request.user, "view_organization", offer.organization):
        raise NotFound()
    return offer


@login_required
@require_http_methods(["GET", "POST"])
def offer_remedy(request: HttpRequest, pk) -> HttpResponse:
    """The call to remedy: what to remedy, by when, which parts may change; then send."""
    offer = _ngo_offer(request, pk)
    check = FormalCheck.objects.filter(offer=offer).first()
    if check is None or not check.remedy_deadline:
        raise NotFound(_("This offer has not been called to remedy anything."))
    error, status = None, 200
    if request.method == "POST":
        if request.POST.get("action") != "remedy":
            raise NotFound(_("There is no such action."))
        try:
            services.formal_check_remedy(check, actor=request.user)
        except (InvalidData, WrongState) as exc:
            error, status = exc, exc.status_code
            check.refresh_from_db()
        else:
            messages.success(request, _("The remedied offer is sent. The officer checks it again."))
            return redirect("evaluation:offer_remedy", pk=offer.pk)
    status_key, label = _check_status(check)
    sections = [{"key": key, "label": section_label(key),
                 "url": reverse("offers:offer_section", args=[offer.pk, key])}
                for key in check.remedy_sections if key in SECTION_BY_KEY]
    return render(request, "evaluation/ngo/remedy.html", {
        "offer": offer, "competition": offer.competition, "check": check, "status": status_key,
        "status_label": label, "sections": sections,
        "defects": [r for r in check.items.select_related("item") if r.outcome == ItemOutcome.DEFECT],
        "open": check.state == FormalCheckState.REMEDY_REQUESTED and status_key != "overdue",
        "transitions": {t.name: t for t in available_transitions(check, request.user)},
        "error": error,
    }, status=status)


@login_required
@require_GET
def offer_card(request: HttpRequest, pk) -> HttpResponse:
    """The consolidated evaluation card, once the results are published: per-criterion means,
    the total, pass or fail, the committee's justification and the reason for any cut —
    never a member's own scores."""
    offer = _ngo_offer(request, pk)
    card = selectors.evaluation_card(offer=offer)
    context = {"offer": offer, "competition": offer.competition, "card": card,
               "phase": selectors.offer_phase(offer)}
    if card and not card["formally_rejected"]:
        award = card["award"]
        context.update({
            "threshold": card["max_points"] * offer.task_area.pass_threshold_pct / Decimal(100),
            "granted": award is not None and award.state in (*GRANTED, AwardState.DECLINED),
            "cut": (award is not None and award.decided_amount is not None and offer.grant_requested is not None
                    and award.state in (*GRANTED, AwardState.DECLINED)
                    and award.decided_amount < offer.grant_requested),
        })
    return render(request, "evaluation/ngo/card.html", context)


def _awaited_award(offer: Offer) -> Award:
    award = Award.objects.filter(offer=offer).select_related("update").first()
    evaluation = getattr(offer.competition, "evaluation", None)
    if award is None or evaluation is None or evaluation.state != EvaluationState.RESOLVED:
        raise NotFound(_("No update is asked of this offer."))
    return award


def _update_problems(offer: Offer, award: Award):
    """The update's problems: per section of the update with links to its fields, and the rest."""
    read, extra = services.update_read(award)
    per_section: dict[str, list[dict]] = {key: [] for key in services.UPDATE_SECTIONS}
    other = []
    for problem in [*read.blocking, *extra]:
        if problem.section in per_section:
            url = reverse("evaluation:offer_update_section", args=[offer.pk, problem.section])
            per_section[problem.section].append(
                {"text": problem.text(), "url": f"{url}#f-{problem.key.replace('.', '-')}"})
        else:
            other.append(problem.text())
    return read, extra, per_section, other


@login_required
@require_http_methods(["GET", "POST"])
def offer_update(request: HttpRequest, pk) -> HttpResponse:
    """After a lower award: the update's sections and their problems, the deadline, then
    "submit the update" or "decline" (silence is declining, DOMAIN.md §6)."""
    offer = _ngo_offer(request, pk)
    award = _awaited_award(offer)
    error, status = None, 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "submit":
                services.award_accept_with_update(award, actor=request.user)
                message = _("The update is submitted. The grant is ready for the contract.")
            elif action == "decline":
                services.award_decline(award, actor=request.user, reason=request.POST.get("reason", "")[:2000])
                message = _("You declined the grant.")
            else:
                raise NotFound(_("There is no such action."))
        except (InvalidData, WrongState) as exc:
            error, status = exc, exc.status_code
            award = _awaited_award(offer)
        else:
            messages.success(request, message)
            return redirect("evaluation:offer_update", pk=offer.pk)
    context = {"offer": offer, "competition": offer.competition, "award": award, "error": error,
               "awaiting": award.state == AwardState.AWAITING_UPDATE,
               "transitions": {t.name: t for t in available_transitions(award, request.user)},
               "update": getattr(award, "update", None)}
    if award.state == AwardState.AWAITING_UPDATE:
        read, _extra, per_section, other = _update_problems(offer, award)
        total = offer.total_cost or Decimal("0")
        context.update({
            "sections": [{"key": key, "section": SECTION_BY_KEY[key], "problems": per_section[key],
                          "url": reverse("evaluation:offer_update_section", args=[offer.pk, key])}
                         for key in services.UPDATE_SECTIONS],
            "other_problems": other,
            "problem_count": sum(len(v) for v in per_section.values()) + len(other),
            "budget": read.budget,
            "share_before": pct(offer.grant_requested or Decimal("0"), total) if total else None,
            "share_now": pct(read.budget.grant, read.budget.total) if read.budget.total else None,
            "overdue": bool(award.update_deadline and timezone.now() > award.update_deadline),
        })
    elif award.state not in (AwardState.READY_FOR_CONTRACT, AwardState.DECLINED) or (
            award.state == AwardState.READY_FOR_CONTRACT and context["update"] is None):
        raise NotFound(_("No update is asked of this offer."))
    return render(request, "evaluation/ngo/update.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def offer_update_section(request: HttpRequest, pk, key: str) -> HttpResponse:
    """One section of the update (V.A, V.B, III.4, III.5–6), pre-filled from the offer and
    saved with update_save; each problem at its line."""
    from offers.views import _section_context  # the offer form's own binding of a section

    offer = _ngo_offer(request, pk)
    if key not in services.UPDATE_SECTIONS:
        raise NotFound(_("There is no such section of the update."))
    award = _awaited_award(offer)
    if award.state != AwardState.AWAITING_UPDATE:
        return redirect("evaluation:offer_update", pk=offer.pk)
    competition = offer.competition
    update = AwardUpdate.objects.filter(award=award).first()
    stored = update.sections if update else {}
    current = stored.get(key) if key in stored else (offer.sections.filter(key=key).values_list(
        "data", flat=True).first() or {})
    revision = update.revision if update else 0
    read, extra = services.update_read(award)
    form = section_form(key, competition=competition, task_areas=list(competition.task_areas.all()),
                        questions=[], years=read.years)
    data, status, notice, extra_errors = current, 200, None, {}
    if request.method == "POST":
        data, positions = form.parse(request.POST, current)
        anchor, structural = "", False
        if request.POST.get("_add"):
            rows_name, _sep, rest = request.POST["_add"].partition(":")
            if rows_spec(form, rows_name) is not None:
                values = {}
                if rows_name == "lines":
                    group, _sep, action = rest.partition(":")
                    values = {"group": "admin" if group == "admin" else "action"}
                    if values["group"] == "action":
                        values["action"] = action
                data, position = add_row(data, rows_name, **values)
                anchor, structural = f"#f-{key}-{rows_name}-{position}", True
        elif request.POST.get("_remove"):
            rows_name, _sep, position = request.POST["_remove"].partition(":")
            if rows_spec(form, rows_name) is not None and position.isdigit():
                order = positions.get(rows_name, [])
                index = int(position)
                data = remove_row(data, rows_name, order.index(index) if index in order else len(order))
                anchor, structural = f"#f-{key}-{rows_name}", True
        try:
            base = int(request.POST.get("base_revision"))
        except (TypeError, ValueError):
            base = None
        try:
            services.update_save(award=award, actor=request.user, key=key, data=data, base_revision=base)
        except EditConflict as conflict:
            notice = _("Someone else saved this part of the update meanwhile. What you typed is below; "
                       "press “Save” to keep your version.")
            revision = conflict.theirs.get("revision", revision)
            status = 409
        except InvalidData as error:
            extra_errors = error.errors
            notice = error.text()
            status = 400
        except WrongState as error:
            notice = error.text()
            status = 409
        else:
            if not structural:
                messages.success(request, _("Saved."))
            return redirect(reverse("evaluation:offer_update_section", args=[offer.pk, key]) + anchor)
    # the update's own rules (the grant equals the award, its share does not grow) belong to V.B;
    # with a grant part per cost line the grant is typed in V.A, so they are shown there too
    shown_here = [p for p in extra if p.section == key or (
        key == "costs" and competition.per_line_grant_split and p.key == "sources.grant")]
    for problem in shown_here:
        if problem.section == key:
            extra_errors.setdefault(problem.key, []).append(str(problem.message).format(**problem.params))
    context = _section_context(request, offer, key, data=data, revision=revision, read=read,
                               extra_errors=extra_errors)
    context["problems"] = list(context.get("problems", [])) + [
        {"text": p.text(), "anchor": "f-" + p.key.replace(".", "-") if p.section == key else "tot-grant",
         "warning": False} for p in shown_here]
    context.update({
        "award": award, "notice": notice, "update_url": reverse("evaluation:offer_update_section",
                                                                args=[offer.pk, key]),
        "tabs": [{"key": k, "section": SECTION_BY_KEY[k],
                  "url": reverse("evaluation:offer_update_section", args=[offer.pk, k])}
                 for k in services.UPDATE_SECTIONS],
    })
    return render(request, "evaluation/ngo/update_section.html", context, status=status)


# --- the public pages ------------------------------------------------------------------------------------


def _public_rows(competition: Competition):
    rows = selectors.public_results(competition=competition)  # 404 until the results are published
    areas: list[dict] = []
    for row in rows:
        row.offer.competition = competition
        area = row.offer.task_area
        if not areas or areas[-1]["area"].pk != area.pk:
            areas.append({"area": area, "rows": [], "granted": Decimal("0.00"),
                          "max_points": sum((c.max_points for c in area.criteria.all()), Decimal("0"))})
        award = row.award
        row.granted = award is not None and award.state in (*GRANTED, AwardState.DECLINED)
        if row.granted:
            areas[-1]["granted"] += award.decided_amount or Decimal("0")
        areas[-1]["rows"].append(row)
    return rows, areas


def _request_window(evaluation: Evaluation) -> dict:
    closes = evaluation.resolved_at + dt.timedelta(days=services.JUSTIFICATION_DAYS)
    return {"closes": closes, "open": timezone.now() <= closes}


@require_GET
def public_results(request: HttpRequest, pk) -> HttpResponse:
    """The published results (art. 15 ust. 2h): offeror, task, title, points, amount, date."""
    competition = competition_get(user=request.user, pk=pk)
    _rows, areas = _public_rows(competition)
    evaluation = competition.evaluation
    return render(request, "evaluation/public/results.html", {
        "competition": competition, "evaluation": evaluation, "areas": areas, **_request_window(evaluation)})


@require_http_methods(["GET", "POST"])
def justification_request(request: HttpRequest, pk) -> HttpResponse:
    """Anyone may ask, within 30 days of the results, for the justification of the selection or
    rejection of an offer (art. 15 ust. 2j)."""
    competition = competition_get(user=request.user, pk=pk)
    rows, _areas = _public_rows(competition)
    evaluation = competition.evaluation
    window = _request_window(evaluation)
    form = JustificationRequestForm(request.POST or None, offers=[r.offer for r in rows])
    error, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            try:
                item = services.justification_request_create(
                    evaluation=evaluation, name=form.cleaned_data["name"], email=form.cleaned_data["email"].strip(),
                    text=form.cleaned_data["text"], offer=form.chosen_offer())
            except InvalidData as exc:
                form.add_service_errors(exc)
                status = 400
            except WrongState as exc:
                error, status = exc, 409
            else:
                messages.success(request, _("Your request is received. The answer is due by {date} and will be "
                                            "sent to {email}.").format(date=item.answer_due.strftime("%d.%m.%Y"),
                                                                      email=item.email))
                return redirect("evaluation:public_results", pk=competition.pk)
        else:
            status = 400
    return render(request, "evaluation/public/request.html", {
        "competition": competition, "evaluation": evaluation, "form": form, "error": error, **window},
        status=status)
