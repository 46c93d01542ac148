"""Web pages of competitions: the public announcement and the authority's office.

Thin: reads go through the selectors, writes through the services, state changes through
workflow.services.transition. A domain error comes back to the form it was caused by (at its
field, or as the list of reasons), with everything the user typed kept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from workflow.audit import audit_events_for
from workflow.calendar import format_local
from workflow.errors import Forbidden, InvalidData, NotFound, WrongState
from workflow.services import available_transitions, transition

from . import forms
from .models import (
    MANDATORY_CHANNELS,
    Authority,
    AuthorityRole,
    Channel,
    ChecklistItem,
    Competition,
    CompetitionState,
    Criterion,
    ExtraQuestion,
    PriorFunding,
    PublicationKind,
    RequiredAttachment,
    TaskArea,
    has_role,
)
from .selectors import (
    PUBLIC_STATES,
    authorities_for_user,
    competition_get,
    competition_is_staff,
    competition_list_for_staff,
    competition_list_public,
)
from .services import (
    competition_cancel,
    competition_create,
    competition_extend_deadline,
    competition_item_remove,
    competition_item_save,
    competition_update,
    publication_record,
)
from .signals import counts_for

PUBLIC_PAGE_SIZE = 50
# Before the deadline the authority sees how many offers came in, not what they say.
OFFERS_VISIBLE_STATES = (CompetitionState.SUBMISSION_CLOSED, CompetitionState.CANCELLED)
EXTEND_ACTION = "competitions.competition.extend_deadline"
CANCEL_ACTION = "competitions.competition.cancel"
PUBLICATION_ACTION = "competitions.competition.record_publication"
# Transitions with nothing to type: the shared block renders them as buttons.
PLAIN_TRANSITIONS = ("reopen", "publish", "close_submissions")

ACTION_LABELS = {
    "competitions.competition.create": gettext_lazy("announcement created"),
    "competitions.competition.update": gettext_lazy("announcement changed"),
    "competitions.competition.approve": gettext_lazy("approved"),
    "competitions.competition.reopen": gettext_lazy("returned to draft"),
    "competitions.competition.publish": gettext_lazy("published"),
    "competitions.competition.record_publication": gettext_lazy("publication recorded"),
    "competitions.competition.extend_deadline": gettext_lazy("deadline extended"),
    "competitions.competition.close_submissions": gettext_lazy("submissions closed"),
    "competitions.competition.cancel": gettext_lazy("cancelled"),
    "competitions.competition.admin_change": gettext_lazy("changed in the back office"),
    "competitions.taskarea.save": gettext_lazy("task area saved"),
    "competitions.taskarea.remove": gettext_lazy("task area removed"),
    "competitions.criterion.save": gettext_lazy("criterion saved"),
    "competitions.criterion.remove": gettext_lazy("criterion removed"),
    "competitions.checklistitem.save": gettext_lazy("checklist item saved"),
    "competitions.checklistitem.remove": gettext_lazy("checklist item removed"),
    "competitions.requiredattachment.save": gettext_lazy("required attachment saved"),
    "competitions.requiredattachment.remove": gettext_lazy("required attachment removed"),
    "competitions.extraquestion.save": gettext_lazy("extra question saved"),
    "competitions.extraquestion.remove": gettext_lazy("extra question removed"),
    "competitions.priorfunding.save": gettext_lazy("prior-year task saved"),
    "competitions.priorfunding.remove": gettext_lazy("prior-year task removed"),
}


# --- helpers -----------------------------------------------------------------------------------

def _staff_competition(request: HttpRequest, pk: int) -> Competition:
    """A competition of one of the user's authorities; anyone else gets 404, as if it did not exist."""
    competition = competition_get(user=request.user, pk=pk)
    if not competition_is_staff(user=request.user, competition=competition):
        raise NotFound()
    return competition


def _parse_time(value) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _extensions(competition: Competition) -> list[dict]:
    """The history of deadline extensions, from the competition's own audit trail."""
    return [
        {"at": event.at, "old": _parse_time(event.payload.get("old_deadline")),
         "new": _parse_time(event.payload.get("new_deadline")), "reason": event.reason}
        for event in audit_events_for(competition).filter(action=EXTEND_ACTION)
    ]


def _cancellation(competition: Competition) -> dict | None:
    if competition.state != CompetitionState.CANCELLED:
        return None
    event = audit_events_for(competition).filter(action=CANCEL_ACTION).last()
    return {"ground": competition.get_cancellation_ground_display(), "reason": event.reason if event else "",
            "at": event.at if event else None}


def _total(areas) -> Decimal:
    return sum((area.budget for area in areas), Decimal("0.00"))


# --- public pages ------------------------------------------------------------------------------

def public_list(request: HttpRequest) -> HttpResponse:
    authorities = Authority.objects.filter(
        is_active=True, competitions__is_active=True, competitions__state__in=PUBLIC_STATES
    ).distinct().order_by("name")
    form = forms.PublicFilterForm(request.GET or None, authorities=authorities)
    authority, state = None, ""
    if form.is_valid():
        authority, state = form.cleaned_data["authority"], form.cleaned_data["state"]
    queryset = competition_list_public(authority=authority)
    if state:
        queryset = queryset.filter(state=state)
    page = Paginator(queryset, PUBLIC_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "competitions/public_list.html", {
        "form": form, "page": page, "competitions": page.object_list, "query": query.urlencode(),
        "filtered": bool(authority or state),
    })


def public_detail(request: HttpRequest, pk: int) -> HttpResponse:
    competition = competition_get(user=request.user, pk=pk)
    areas = list(competition.task_areas.all())
    accepting = competition.accepting_offers()
    return render(request, "competitions/public_detail.html", {
        "competition": competition,
        "areas": areas,
        "total_funds": _total(areas),
        "prior_funding": list(competition.prior_funding.all()),
        "checklist": list(competition.checklist.all()),
        "required_attachments": list(competition.required_attachments.all()),
        "extra_questions": list(competition.extra_questions.all()),
        "publications": list(competition.publications.all()),
        "extensions": _extensions(competition),
        "cancellation": _cancellation(competition),
        "accepting": accepting,
        "preview": competition.state not in PUBLIC_STATES or not competition.is_active,
    })


# --- the office: list and announcement -----------------------------------------------------------

@login_required
def staff_list(request: HttpRequest) -> HttpResponse:
    authorities = list(authorities_for_user(user=request.user))
    if not authorities:
        raise NotFound()
    competitions = list(competition_list_for_staff(user=request.user).order_by("-year", "-created_at", "-pk"))
    # how many offers came in, as the offers stage reports it (one query for the whole list)
    counts = counts_for([c.pk for c in competitions])
    for competition in competitions:
        competition.offer_counts = counts[competition.pk]
    officer_of = [a for a in authorities if has_role(request.user, a, AuthorityRole.OFFICER)]
    return render(request, "competitions/staff_list.html", {
        "competitions": competitions, "authorities": authorities, "can_create": bool(officer_of),
        "many_authorities": len(authorities) > 1,
    })


@login_required
@require_http_methods(["GET", "POST"])
def staff_create(request: HttpRequest) -> HttpResponse:
    authorities = authorities_for_user(user=request.user, role=AuthorityRole.OFFICER)
    if not authorities.exists():
        raise NotFound()
    initial = {"year": timezone.localdate().year + 1, "authority": authorities.first()}
    form = forms.CompetitionForm(request.POST or None, authorities=authorities, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                competition = competition_create(authority=form.cleaned_data["authority"], actor=request.user,
                                                 **form.service_fields())
            except InvalidData as error:
                form.add_service_errors(error)
            else:
                messages.success(request, _("The competition was created as a draft. "
                                            "Now add its task areas."))
                return redirect("competitions:staff_detail", pk=competition.pk)
        status = 400
    return render(request, "competitions/staff_form.html", {"form": form, "competition": None}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def staff_edit(request: HttpRequest, pk: int) -> HttpResponse:
    competition = _staff_competition(request, pk)
    form = forms.CompetitionForm(request.POST or None, instance=competition)
    status, error = 200, None
    if request.method == "POST":
        if form.is_valid():
            try:
                competition_update(competition=competition, actor=request.user, **form.service_fields())
            except InvalidData as exc:
                form.add_service_errors(exc)
            except WrongState as exc:
                error = exc
            else:
                messages.success(request, _("The announcement was saved."))
                return redirect("competitions:staff_detail", pk=competition.pk)
        status = error.status_code if error else 400
    return render(request, "competitions/staff_form.html",
                  {"form": form, "competition": competition, "error": error}, status=status)


def _office_context(request: HttpRequest, competition: Competition, **bound) -> dict:
    user = request.user
    is_officer = has_role(user, competition.authority, AuthorityRole.OFFICER)
    is_approver = has_role(user, competition.authority, AuthorityRole.APPROVER)
    areas = list(competition.task_areas.all())
    transitions = {t.name: t for t in available_transitions(competition, user)}
    shown = {name: t for name, t in transitions.items()
             if t.allowed or (t.reasons and t.reasons[0].code not in ("wrong_state", "forbidden"))}
    counts = counts_for([competition.pk])[competition.pk]
    publications = list(competition.publications.select_related("recorded_by"))
    recorded = {p.channel for p in publications
                if p.kind == PublicationKind.ANNOUNCEMENT and p.version == competition.version}
    next_channel = next((c for c in MANDATORY_CHANNELS if c not in recorded), None)
    return {
        "competition": competition,
        "areas": areas,
        "total_funds": _total(areas),
        "prior_funding": list(competition.prior_funding.all()),
        "checklist": list(competition.checklist.all()),
        "required_attachments": list(competition.required_attachments.all()),
        "extra_questions": list(competition.extra_questions.all()),
        "publications": publications,
        "channels_complete": next_channel is None,
        "extensions": _extensions(competition),
        "cancellation": _cancellation(competition),
        "is_officer": is_officer,
        "is_approver": is_approver,
        "editable": is_officer and competition.state == CompetitionState.DRAFT,
        "problems": (competition.announcement_problems()
                     if competition.state in (CompetitionState.DRAFT, CompetitionState.APPROVED) else []),
        "plain_transitions": [shown[n] for n in PLAIN_TRANSITIONS if n in shown],
        "approve": shown.get("approve"),
        "extend": shown.get("extend_deadline"),
        "cancel": shown.get("cancel"),
        "approve_form": bound.get("approve_form") or forms.ApproveForm(auto_id="approve_%s"),
        "extend_form": bound.get("extend_form") or forms.ExtendDeadlineForm(auto_id="extend_%s"),
        "cancel_form": (bound.get("cancel_form")
                        or forms.CancelForm(competition=competition, auto_id="cancel_%s")),
        "publication_form": bound.get("publication_form") or forms.PublicationForm(
            auto_id="publication_%s", initial={"channel": next_channel or Channel.BIP}),
        "can_record_publication": is_officer and competition.state != CompetitionState.DRAFT,
        "error": bound.get("error"),
        "error_at": bound.get("error_at"),
        "offer_counts": {
            "submitted": counts.get("submitted", 0), "draft": counts.get("drafts", 0),
            "withdrawn": counts.get("withdrawn", 0),
        },
        "offers_visible": competition.state in OFFERS_VISIBLE_STATES,
    }


@login_required
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    competition = _staff_competition(request, pk)
    return render(request, "competitions/staff_detail.html", _office_context(request, competition))


def _back_to(competition: Competition, anchor: str) -> HttpResponse:
    return redirect(reverse("competitions:staff_detail", args=[competition.pk]) + f"#{anchor}")


@login_required
@require_POST
def staff_transition(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve, return to draft, publish, extend the deadline, close submissions, cancel."""
    competition = _staff_competition(request, pk)
    name = request.POST.get("transition", "")
    user = request.user
    reason = request.POST.get("reason", "").strip()
    bound: dict = {}
    try:
        if name == "approve":
            form = bound["approve_form"] = forms.ApproveForm(request.POST, auto_id="approve_%s")
            if not form.is_valid():
                raise InvalidData()
            transition(competition, "approve", actor=user, reason=form.cleaned_data["reason"],
                       approval_reference=form.cleaned_data["approval_reference"])
            messages.success(request, _("The announcement was approved."))
        elif name == "extend_deadline":
            form = bound["extend_form"] = forms.ExtendDeadlineForm(request.POST, auto_id="extend_%s")
            if not form.is_valid():
                raise InvalidData()
            competition_extend_deadline(competition, actor=user,
                                        new_deadline=form.cleaned_data["new_deadline"],
                                        reason=form.cleaned_data["reason"])
            messages.success(request, _("The deadline was extended. "
                                        "Record its publication on every channel."))
        elif name == "cancel":
            form = bound["cancel_form"] = forms.CancelForm(request.POST, competition=competition,
                                                            auto_id="cancel_%s")
            if not form.is_valid():
                raise InvalidData()
            competition_cancel(competition, actor=user, reason=form.cleaned_data["reason"],
                               ground=form.cleaned_data.get("ground", ""))
            messages.success(request, _("The competition was cancelled. "
                                        "Publish the cancellation (art. 18a ust. 2)."))
        elif name in PLAIN_TRANSITIONS:
            transition(competition, name, actor=user, reason=reason)
            messages.success(request, {
                "reopen": _("The announcement is a draft again."),
                "publish": _("The competition is published and accepts offers."),
                "close_submissions": _("Submissions are closed."),
            }[name])
        else:
            raise NotFound(_("There is no such action: “{name}”."), params={"name": name})
    except InvalidData as error:
        form = bound.get({"approve": "approve_form", "extend_deadline": "extend_form",
                          "cancel": "cancel_form"}.get(name, ""))
        if form is not None and error.errors:
            form.add_service_errors(error)
        elif form is None:
            bound["error"] = error
        bound["error_at"] = name
        competition.refresh_from_db()
        return render(request, "competitions/staff_detail.html",
                      _office_context(request, competition, **bound), status=400)
    except WrongState as error:
        competition.refresh_from_db()
        bound.update(error=error, error_at=name)
        return render(request, "competitions/staff_detail.html",
                      _office_context(request, competition, **bound), status=409)
    # to the top of the page, where the message and the new state are
    return redirect("competitions:staff_detail", pk=competition.pk)


@login_required
@require_POST
def staff_publication(request: HttpRequest, pk: int) -> HttpResponse:
    competition = _staff_competition(request, pk)
    form = forms.PublicationForm(request.POST, auto_id="publication_%s")
    status, error = 400, None
    if form.is_valid():
        try:
            publication_record(competition=competition, actor=request.user, **form.cleaned_data)
        except InvalidData as exc:
            form.add_service_errors(exc)
        except WrongState as exc:
            error, status = exc, exc.status_code
        else:
            messages.success(request, _("The publication was recorded."))
            return _back_to(competition, "publications")
    return render(request, "competitions/staff_detail.html",
                  _office_context(request, competition, publication_form=form, error=error,
                                  error_at="publication"), status=status)


# --- configured items: task areas, criteria, checklist, attachments, questions, prior years ------

@dataclass(frozen=True)
class ItemKind:
    model: type
    form: type
    title_new: str
    title_edit: str
    anchor: str
    via_task_area: bool = False

    def get(self, competition: Competition, pk: int):
        lookup = ({"task_area__competition": competition} if self.via_task_area
                  else {"competition": competition})
        try:
            return self.model.objects.get(pk=pk, **lookup)
        except self.model.DoesNotExist as exc:
            raise NotFound() from exc

    def new(self, competition: Competition):
        return self.model() if self.via_task_area else self.model(competition=competition)


ITEM_KINDS = {
    "task-area": ItemKind(TaskArea, forms.TaskAreaForm, gettext_lazy("Add a task area"),
                          gettext_lazy("Edit the task area"), "tasks"),
    "criterion": ItemKind(Criterion, forms.CriterionForm, gettext_lazy("Add a criterion"),
                          gettext_lazy("Edit the criterion"), "tasks", via_task_area=True),
    "checklist": ItemKind(ChecklistItem, forms.ChecklistItemForm, gettext_lazy("Add a formal requirement"),
                          gettext_lazy("Edit the formal requirement"), "checklist"),
    "attachment": ItemKind(RequiredAttachment, forms.RequiredAttachmentForm,
                           gettext_lazy("Add a required attachment"),
                           gettext_lazy("Edit the required attachment"), "attachments"),
    "question": ItemKind(ExtraQuestion, forms.ExtraQuestionForm, gettext_lazy("Add an extra question"),
                         gettext_lazy("Edit the extra question"), "questions"),
    "prior-funding": ItemKind(PriorFunding, forms.PriorFundingForm, gettext_lazy("Add a prior-year task"),
                              gettext_lazy("Edit the prior-year task"), "prior"),
}


def _item_kind(kind: str) -> ItemKind:
    try:
        return ITEM_KINDS[kind]
    except KeyError as exc:
        raise NotFound() from exc


def _require_configurable(request: HttpRequest, competition: Competition) -> None:
    """The pages to change items show only while the officer can change them; the service decides again."""
    if not has_role(request.user, competition.authority, AuthorityRole.OFFICER):
        raise Forbidden(_("Only a competition officer of {authority} may change this."),
                        params={"authority": competition.authority.name})
    if competition.state != CompetitionState.DRAFT:
        raise WrongState(_("The announcement can be changed only as a draft; it is “{state}”. "
                           "Return it to draft first."), params={"state": competition.get_state_display()},
                         code="not_editable")


def _initial_number(competition: Competition, spec: ItemKind, request: HttpRequest) -> dict:
    if spec.model is TaskArea:
        numbers = [a.number for a in competition.task_areas.all()]
        return {"number": max(numbers, default=0) + 1, "window_start": dt.date(competition.year, 1, 1),
                "window_end": dt.date(competition.year, 12, 31)}
    if spec.model is Criterion:
        return {"task_area": request.GET.get("task_area")}
    if spec.model is PriorFunding:
        return {"year": competition.year - 1}
    return {}


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request: HttpRequest, pk: int, kind: str, item_pk: int | None = None) -> HttpResponse:
    competition = _staff_competition(request, pk)
    spec = _item_kind(kind)
    instance = spec.get(competition, item_pk) if item_pk else spec.new(competition)
    if request.method == "GET":
        _require_configurable(request, competition)
    initial = {} if item_pk else _initial_number(competition, spec, request)
    form = spec.form(request.POST or None, instance=instance if item_pk else None, initial=initial,
                     competition=competition)
    status, error = 200, None
    if request.method == "POST":
        if form.is_valid():
            try:
                competition_item_save(competition=competition, actor=request.user, model=spec.model,
                                      instance=instance, **form.service_fields())
            except InvalidData as exc:
                form.add_service_errors(exc)
            except WrongState as exc:
                error = exc
            else:
                messages.success(request, _("Saved."))
                return _back_to(competition, spec.anchor)
        status = error.status_code if error else 400
    return render(request, "competitions/item_form.html", {
        "competition": competition, "form": form, "kind": kind, "item": instance if item_pk else None,
        "title": spec.title_edit if item_pk else spec.title_new, "anchor": spec.anchor, "error": error,
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def item_remove(request: HttpRequest, pk: int, kind: str, item_pk: int) -> HttpResponse:
    competition = _staff_competition(request, pk)
    spec = _item_kind(kind)
    instance = spec.get(competition, item_pk)
    if request.method == "POST":
        competition_item_remove(competition=competition, actor=request.user, instance=instance)
        messages.success(request, _("Removed: {what}.").format(what=instance))
        return _back_to(competition, spec.anchor)
    _require_configurable(request, competition)
    return render(request, "competitions/item_remove.html",
                  {"competition": competition, "item": instance, "kind": kind, "anchor": spec.anchor,
                   "criteria_count": instance.criteria.count() if spec.model is TaskArea else 0})


# --- the audit trail (the offers of a competition are the offers stage's page: offers.views.staff_offers) ---

def _detail(event) -> str:
    """A short human note on what an event fixed, where its payload says more than its name."""
    payload = event.payload or {}
    if event.action == PUBLICATION_ACTION and payload.get("channel") in Channel.values:
        return f"{Channel(payload['channel']).label}, {payload.get('published_on', '')}"
    if event.action == EXTEND_ACTION:
        new = _parse_time(payload.get("new_deadline"))
        return format_local(new) if new else ""
    if event.action == "competitions.competition.approve":
        return payload.get("approval_reference", "")
    return ""


@login_required
def staff_audit(request: HttpRequest, pk: int) -> HttpResponse:
    competition = _staff_competition(request, pk)
    states = dict(CompetitionState.choices)
    roles = {**dict(AuthorityRole.choices), "system": _("system"), "admin": _("back office")}
    events = [
        {"event": event, "label": ACTION_LABELS.get(event.action, event.action), "detail": _detail(event),
         "role": roles.get(event.actor_role, event.actor_role),
         "source": states.get(event.source_state, event.source_state),
         "target": states.get(event.target_state, event.target_state)}
        for event in audit_events_for(competition)
    ]
    return render(request, "competitions/staff_audit.html", {"competition": competition, "events": events})
